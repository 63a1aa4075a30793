#pragma once
// nn::Sequential, libtorch's: a chain of modules, each taking and returning one Tensor, run in
// order by forward. Built from holders and shared_ptrs (`Sequential(Linear(4, 3), ReLU())`), with
// names (`Sequential({{"fc", Linear(4, 3)}, {"act", ReLU()}})`) or by push_back; its layers are its
// children, named "0", "1", ... or as given, so named_parameters() reads "0.weight", "fc.bias".
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/any_module.h"

namespace ember::nn {

namespace detail {
// What push_back takes: a holder, a shared_ptr of a module, or an AnyModule.
template <typename M>
concept SequentialLayer = std::is_same_v<std::decay_t<M>, AnyModule> || requires(const std::decay_t<M>& m) {
    {std::shared_ptr<Module>(m.ptr())};
} || requires(const std::decay_t<M>& m) {
    {std::shared_ptr<Module>(m)};
};
}  // namespace detail

class SequentialImpl : public Module {
public:
    using Iterator = std::vector<AnyModule>::iterator;
    using ConstIterator = std::vector<AnyModule>::const_iterator;

    SequentialImpl() : Module("Sequential") {}
    template <detail::SequentialLayer... Modules>
    explicit SequentialImpl(Modules&&... modules) : Module("Sequential") {
        modules_.reserve(sizeof...(Modules));
        (push_back(std::forward<Modules>(modules)), ...);
    }
    explicit SequentialImpl(ember::OrderedDict<std::string, AnyModule>&& ordered_dict) : Module("Sequential") {
        for (auto& item : ordered_dict) push_back(item.key(), std::move(item.value()));
    }
    explicit SequentialImpl(std::initializer_list<NamedAnyModule> named_modules) : Module("Sequential") {
        for (const NamedAnyModule& m : named_modules) push_back(m.name(), m.module());
    }

    // Each layer's output is the next one's input. An empty Sequential has no forward (an error, as
    // in libtorch).
    Tensor forward(const Tensor& input);

    // Appends a layer, named by its position ("0", "1", ...) or by `name`.
    template <typename M>
    void push_back(std::shared_ptr<M> module) {
        push_back(std::to_string(modules_.size()), std::move(module));
    }
    template <typename M>
    void push_back(std::string name, std::shared_ptr<M> module) {
        push_back(std::move(name), AnyModule(std::move(module)));
    }
    template <typename M>
    void push_back(const ModuleHolder<M>& holder) {
        push_back(std::to_string(modules_.size()), holder.ptr());
    }
    template <typename M>
    void push_back(std::string name, const ModuleHolder<M>& holder) {
        push_back(std::move(name), holder.ptr());
    }
    void push_back(AnyModule module) { push_back(std::to_string(modules_.size()), std::move(module)); }
    void push_back(std::string name, AnyModule module);
    // push_back of every element of a container of holders, shared_ptrs or AnyModules (another
    // Sequential's layers, e.g. `a->extend(*b)`).
    template <typename Container>
    void extend(const Container& container) {
        for (const auto& module : container) push_back(module);
    }

    Iterator begin() { return modules_.begin(); }
    ConstIterator begin() const { return modules_.begin(); }
    Iterator end() { return modules_.end(); }
    ConstIterator end() const { return modules_.end(); }

    // The i-th layer as its Impl type, `seq->at<LinearImpl>(0).weight`; a ValueError if it is
    // another module, an IndexError past the end.
    template <typename T>
    T& at(std::size_t index) {
        static_assert(std::is_base_of_v<Module, T>, "Sequential::at<T>: T is an nn::Module (an Impl type)");
        return modules_[checked(index)].get<T>();
    }
    template <typename T>
    const T& at(std::size_t index) const {
        static_assert(std::is_base_of_v<Module, T>, "Sequential::at<T>: T is an nn::Module (an Impl type)");
        return modules_[checked(index)].get<T>();
    }
    std::shared_ptr<Module> ptr(std::size_t index) const { return modules_[checked(index)].ptr(); }
    template <typename T>
    std::shared_ptr<T> ptr(std::size_t index) const {
        return modules_[checked(index)].ptr<T>();
    }
    std::shared_ptr<Module> operator[](std::size_t index) const { return ptr(index); }
    std::size_t size() const noexcept { return modules_.size(); }
    bool is_empty() const noexcept { return modules_.empty(); }

    void pretty_print(std::ostream& os) const override { os << "ember::nn::Sequential"; }

private:
    std::size_t checked(std::size_t index) const;
    std::vector<AnyModule> modules_;
};

// The holder. Besides the holder constructors, a list of named layers:
// Sequential seq({{"fc", Linear(4, 3)}, {"act", ReLU()}}).
class Sequential : public ModuleHolder<SequentialImpl> {
public:
    using ModuleHolder<SequentialImpl>::ModuleHolder;
    using Impl = SequentialImpl;
    Sequential() : ModuleHolder() {}
    Sequential(std::initializer_list<NamedAnyModule> named_modules)
        : ModuleHolder(std::make_shared<SequentialImpl>(named_modules)) {}
};

}  // namespace ember::nn
