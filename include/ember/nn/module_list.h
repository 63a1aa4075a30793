#pragma once
// nn::ModuleList, libtorch's: an indexed list of modules, each registered as a child named by its
// position ("0", "1", ...), with no forward of its own: the owner decides how to call them.
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

class ModuleListImpl : public Module {
public:
    using Iterator = std::vector<std::shared_ptr<Module>>::iterator;
    using ConstIterator = std::vector<std::shared_ptr<Module>>::const_iterator;

    ModuleListImpl() : Module("ModuleList") {}
    template <typename... Modules>
    requires(sizeof...(Modules) > 0) explicit ModuleListImpl(Modules&&... modules) : Module("ModuleList") {
        modules_.reserve(sizeof...(Modules));
        (push_back(std::forward<Modules>(modules)), ...);
    }

    void push_back(std::shared_ptr<Module> module);
    template <typename M>
    void push_back(const ModuleHolder<M>& holder) {
        push_back(std::shared_ptr<Module>(holder.ptr()));
    }
    template <typename Container>
    void extend(const Container& container) {
        for (const auto& module : container) push_back(module);
    }
    // Inserts before position `index` (index == size() appends); the later modules move up one
    // place and are registered under their new positions. (libtorch 1.13 leaves the children's
    // names out of step with the list here; ember keeps them in step.)
    void insert(std::size_t index, std::shared_ptr<Module> module);
    template <typename M>
    void insert(std::size_t index, const ModuleHolder<M>& holder) {
        insert(index, std::shared_ptr<Module>(holder.ptr()));
    }

    Iterator begin() { return modules_.begin(); }
    ConstIterator begin() const { return modules_.begin(); }
    Iterator end() { return modules_.end(); }
    ConstIterator end() const { return modules_.end(); }

    // The i-th module as its Impl type; a ValueError if it is another module.
    template <typename T>
    T& at(std::size_t index) {
        static_assert(std::is_base_of_v<Module, T>, "ModuleList::at<T>: T is an nn::Module (an Impl type)");
        T* p = modules_[checked(index)]->template as<T>();
        EMBER_ENFORCE(p != nullptr, ValueError, "ModuleList::at: module ", index, " is a ", modules_[index]->name(),
                      ", not the requested ", type_name(typeid(T)));
        return *p;
    }
    template <typename T>
    const T& at(std::size_t index) const {
        return const_cast<ModuleListImpl*>(this)->at<T>(index);
    }
    std::shared_ptr<Module> ptr(std::size_t index) const { return modules_[checked(index)]; }
    // The i-th module as a T, or null if it is another module (libtorch's dynamic_pointer_cast).
    template <typename T>
    std::shared_ptr<T> ptr(std::size_t index) const {
        static_assert(std::is_base_of_v<Module, T>, "ModuleList::ptr<T>: T is an nn::Module (an Impl type)");
        return std::dynamic_pointer_cast<T>(modules_[checked(index)]);
    }
    std::shared_ptr<Module> operator[](std::size_t index) const { return ptr(index); }
    std::size_t size() const noexcept { return modules_.size(); }
    bool is_empty() const noexcept { return modules_.empty(); }

    void pretty_print(std::ostream& os) const override { os << "ember::nn::ModuleList"; }

private:
    std::size_t checked(std::size_t index) const;
    std::vector<std::shared_ptr<Module>> modules_;
};
EMBER_MODULE(ModuleList);

}  // namespace ember::nn
