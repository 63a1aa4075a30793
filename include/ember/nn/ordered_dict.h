#pragma once
// An insertion-ordered key -> value map, libtorch's torch::OrderedDict: what named_parameters(),
// named_children() and named_modules() return and what ModuleDict is built from. Lookups are
// linear (the dicts of a module tree are small); insertion order is iteration order.
#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor/error.h"

namespace ember {

template <typename Key, typename Value>
class OrderedDict {
public:
    // An entry: item.key() and item.value() as in libtorch, or item.first and item.second (and
    // structured bindings, `for (auto& [name, value] : dict)`).
    struct Item {
        Key first;
        Value second;
        const Key& key() const { return first; }
        Value& value() { return second; }
        const Value& value() const { return second; }
        std::pair<Key, Value> pair() const { return {first, second}; }
        Value& operator*() { return second; }
        const Value& operator*() const { return second; }
        Value* operator->() { return &second; }
        const Value* operator->() const { return &second; }
    };
    using Iterator = typename std::vector<Item>::iterator;
    using ConstIterator = typename std::vector<Item>::const_iterator;

    OrderedDict() = default;
    OrderedDict(std::initializer_list<Item> items) {
        for (const Item& i : items) insert(i.first, i.second);
    }

    // Adds a new key at the end; a ValueError if the key exists.
    Value& insert(Key key, Value value) {
        EMBER_ENFORCE(!contains(key), ValueError, "OrderedDict: key \"", key, "\" already exists");
        items_.push_back({std::move(key), std::move(value)});
        return items_.back().second;
    }
    // Inserts every item of `other` (each key must be new).
    void update(const OrderedDict& other) {
        for (const Item& i : other) insert(i.first, i.second);
    }
    bool contains(const Key& key) const { return find(key) != nullptr; }
    const Value* find(const Key& key) const {
        for (const Item& i : items_)
            if (i.first == key) return &i.second;
        return nullptr;
    }
    Value* find(const Key& key) {
        for (Item& i : items_)
            if (i.first == key) return &i.second;
        return nullptr;
    }
    Value& operator[](const Key& key) {
        Value* v = find(key);
        EMBER_ENFORCE(v != nullptr, IndexError, "OrderedDict: no key \"", key, "\"");
        return *v;
    }
    const Value& operator[](const Key& key) const {
        const Value* v = find(key);
        EMBER_ENFORCE(v != nullptr, IndexError, "OrderedDict: no key \"", key, "\"");
        return *v;
    }
    // The item at a position, in insertion order.
    Item& operator[](std::size_t index) { return items_[checked(index)]; }
    const Item& operator[](std::size_t index) const { return items_[checked(index)]; }
    Item& front() { return items_[checked(0)]; }
    const Item& front() const { return items_[checked(0)]; }
    Item& back() { return items_[checked(items_.size() - 1)]; }
    const Item& back() const { return items_[checked(items_.size() - 1)]; }
    // Removes a key (an IndexError if it is not there); the others keep their order.
    void erase(const Key& key) {
        for (auto it = items_.begin(); it != items_.end(); ++it)
            if (it->first == key) {
                items_.erase(it);
                return;
            }
        EMBER_ENFORCE(false, IndexError, "OrderedDict: no key \"", key, "\" to erase");
    }
    void clear() { items_.clear(); }

    std::vector<Key> keys() const {
        std::vector<Key> k;
        for (const Item& i : items_) k.push_back(i.first);
        return k;
    }
    std::vector<Value> values() const {
        std::vector<Value> v;
        for (const Item& i : items_) v.push_back(i.second);
        return v;
    }
    std::vector<std::pair<Key, Value>> pairs() const {
        std::vector<std::pair<Key, Value>> p;
        for (const Item& i : items_) p.emplace_back(i.first, i.second);
        return p;
    }
    std::vector<Item>& items() { return items_; }
    const std::vector<Item>& items() const { return items_; }
    std::size_t size() const { return items_.size(); }
    bool is_empty() const { return items_.empty(); }
    bool empty() const { return items_.empty(); }
    Iterator begin() { return items_.begin(); }
    Iterator end() { return items_.end(); }
    ConstIterator begin() const { return items_.begin(); }
    ConstIterator end() const { return items_.end(); }

private:
    std::size_t checked(std::size_t index) const {
        EMBER_ENFORCE(index < items_.size(), IndexError, "OrderedDict: index ", index, " out of range for ",
                      items_.size(), " items");
        return index;
    }
    std::vector<Item> items_;
};

}  // namespace ember
