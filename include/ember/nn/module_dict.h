#pragma once
// nn::ModuleDict, libtorch's: modules by name, in insertion order, each registered as a child
// under its key, with no forward of its own.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

class ModuleDictImpl : public Module {
public:
    using Iterator = ember::OrderedDict<std::string, std::shared_ptr<Module>>::Iterator;
    using ConstIterator = ember::OrderedDict<std::string, std::shared_ptr<Module>>::ConstIterator;

    ModuleDictImpl() : Module("ModuleDict") {}
    explicit ModuleDictImpl(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules)
        : Module("ModuleDict") {
        update(modules);
    }
    explicit ModuleDictImpl(const ember::OrderedDict<std::string, std::shared_ptr<Module>>& modules)
        : Module("ModuleDict") {
        update(modules);
    }

    std::vector<std::pair<std::string, std::shared_ptr<Module>>> items() const { return modules_.pairs(); }
    std::vector<std::string> keys() const { return modules_.keys(); }
    std::vector<std::shared_ptr<Module>> values() const { return modules_.values(); }
    Iterator begin() { return modules_.begin(); }
    ConstIterator begin() const { return modules_.begin(); }
    Iterator end() { return modules_.end(); }
    ConstIterator end() const { return modules_.end(); }
    std::size_t size() const noexcept { return modules_.size(); }
    bool empty() const noexcept { return modules_.is_empty(); }
    bool contains(const std::string& key) const noexcept { return modules_.contains(key); }

    // The module under `key` (an IndexError naming the key if there is none).
    std::shared_ptr<Module> operator[](const std::string& key) const;
    template <typename T>
    T& at(const std::string& key) {
        static_assert(std::is_base_of_v<Module, T>, "ModuleDict::at<T>: T is an nn::Module (an Impl type)");
        std::shared_ptr<Module> m = (*this)[key];
        T* p = m->template as<T>();
        EMBER_ENFORCE(p != nullptr, ValueError, "ModuleDict::at: \"", key, "\" is a ", m->name(),
                      ", not the requested ", type_name(typeid(T)));
        return *p;
    }
    template <typename T>
    const T& at(const std::string& key) const {
        return const_cast<ModuleDictImpl*>(this)->at<T>(key);
    }
    // Removes the module under `key` and returns it. pop and clear also unregister the modules,
    // so named_parameters() no longer lists them (libtorch 1.13 leaves them registered).
    std::shared_ptr<Module> pop(const std::string& key);
    void clear();
    // Inserts each (key, module); an existing key gets the new module in its old place.
    void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
        for (const auto& [key, module] : modules) insert(key, module);
    }
    // The same from a container of items with key() and value() (an OrderedDict, another ModuleDict).
    template <typename Container>
    void update(const Container& container) {
        for (const auto& item : container) insert(item.key(), item.value());
    }

    void pretty_print(std::ostream& os) const override { os << "ember::nn::ModuleDict"; }

private:
    void insert(const std::string& key, std::shared_ptr<Module> module);
    ember::OrderedDict<std::string, std::shared_ptr<Module>> modules_;
};
EMBER_MODULE(ModuleDict);

}  // namespace ember::nn
