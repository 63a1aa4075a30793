#pragma once
// nn::Module, as in libtorch's C++ frontend: a module owns named parameters, buffers and child
// modules; parameters() walks the tree; to(device/dtype) moves every tensor in place (handles
// held by the module's members stay valid); ModuleHolder gives the `Linear lin(784, 500);
// lin->weight; lin(x)` spelling.
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/ordered_dict.h"
#include "ember/ops/ops.h"
#include "ember/tensor/tensor.h"

namespace ember::nn {

// The name -> value map of parameters, buffers and children (ember::OrderedDict keyed by name).
template <typename V>
using OrderedDict = ember::OrderedDict<std::string, V>;

class Module : public std::enable_shared_from_this<Module> {
public:
    // Without a name, name() is the module's C++ type ("NetImpl" for `struct NetImpl : Module`),
    // as in libtorch, so that printing a user's module names its class.
    Module() = default;
    explicit Module(std::string name) : name_(std::move(name)) {}
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    const std::string& name() const;

    // Registration returns a reference to the stored handle; modules keep a copy in a member
    // (`weight = register_parameter("weight", ...)`), which stays valid through to().
    Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
    Tensor& register_buffer(std::string name, Tensor tensor);
    template <typename M>
    std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
        static_assert(std::is_base_of_v<Module, M>, "register_module expects an nn::Module");
        check_name(name, "register_module");
        children_.insert(std::move(name), module);
        return module;
    }
    template <typename Holder, typename = decltype(std::declval<Holder>().ptr())>
    Holder register_module(std::string name, Holder holder) {
        register_module(std::move(name), holder.ptr());
        return holder;
    }
    // Replaces a registered child (e.g. a new output layer), keeping its position.
    void replace_module(const std::string& name, std::shared_ptr<Module> module);
    template <typename Holder, typename = decltype(std::declval<Holder>().ptr())>
    void replace_module(const std::string& name, const Holder& holder) {
        replace_module(name, std::shared_ptr<Module>(holder.ptr()));
    }
    // Removes a registered child (an IndexError if there is none).
    void unregister_module(const std::string& name);

    // Parameters, buffers and children; the named forms use dotted paths ("0.weight", "encoder.1.bias").
    std::vector<Tensor> parameters(bool recurse = true) const;
    OrderedDict<Tensor> named_parameters(bool recurse = true) const;
    std::vector<Tensor> buffers(bool recurse = true) const;
    OrderedDict<Tensor> named_buffers(bool recurse = true) const;
    std::vector<std::shared_ptr<Module>> children() const;
    OrderedDict<std::shared_ptr<Module>> named_children() const;
    // This module (unless include_self is false) and every descendant, depth first in
    // registration order (libtorch's order: a child's subtree before its next sibling).
    std::vector<std::shared_ptr<Module>> modules(bool include_self = true);
    // The same, keyed by dotted path; this module's key is name_prefix.
    OrderedDict<std::shared_ptr<Module>> named_modules(const std::string& name_prefix = std::string(),
                                                       bool include_self = true);
    // Calls fn on this module, then on every descendant, in the order of modules().
    void apply(const std::function<void(Module&)>& fn);
    void apply(const std::function<void(const std::string&, Module&)>& fn,
               const std::string& name_prefix = std::string());
    void apply(const std::function<void(const std::shared_ptr<Module>&)>& fn);
    // This module as a ModuleType (an Impl class or its holder, e.g. as<nn::Linear>()), or null
    // when it is not one.
    template <typename ModuleType>
    auto* as() noexcept {
        if constexpr (requires { typename ModuleType::ContainedType; }) {
            return dynamic_cast<typename ModuleType::ContainedType*>(this);
        } else {
            return dynamic_cast<ModuleType*>(this);
        }
    }
    template <typename ModuleType>
    const auto* as() const noexcept {
        return const_cast<Module*>(this)->as<ModuleType>();
    }
    // Parameters and buffers by dotted name: what ember::save / ember::load read and write.
    OrderedDict<Tensor> state_dict() const;
    // Copies values from `state` into the matching tensors (shapes must match). With strict, a
    // missing or unexpected key is an error.
    void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

    virtual void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // Moves/converts every parameter and buffer in place. As in libtorch (not torch.nn, which
    // converts floating tensors only), to(dtype) converts integer and bool buffers too.
    virtual void to(Device device);
    virtual void to(ScalarType dtype);
    void to(Device device, ScalarType dtype) {
        to(device);
        to(dtype);
    }
    void zero_grad(bool set_to_none = true);

    // One line describing this module, e.g. "Linear(in_features=784, out_features=500, bias=true)".
    virtual void pretty_print(std::ostream& os) const;
    // The module tree with parameter shapes and counts, ending with the total parameter count.
    std::string summary() const;
    int64_t num_parameters() const;

protected:
    void check_name(const std::string& name, const char* op) const;
    mutable std::string name_;  // filled from the type on first use when not given
    bool training_ = true;
    OrderedDict<Tensor> parameters_;
    OrderedDict<Tensor> buffers_;
    OrderedDict<std::shared_ptr<Module>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// A C++ type's readable name ("ember::nn::LinearImpl"), for errors about module types.
std::string type_name(const std::type_info& type);

// Replaces the contents of `t` (storage, dtype, device, layout) with those of `value` while the
// TensorImpl stays the same object, so every handle to it sees the change (PyTorch's `.data = `).
void set_data(Tensor& t, const Tensor& value);

template <typename Contained>
class ModuleHolder {
public:
    using ContainedType = Contained;
    ModuleHolder(std::nullptr_t) {}
    ModuleHolder(std::shared_ptr<Contained> module) : impl_(std::move(module)) {}
    template <typename... Args>
    requires(std::is_constructible_v<Contained, Args...> &&
             !(sizeof...(Args) == 1 &&
               (std::is_base_of_v<ModuleHolder, std::decay_t<Args>> && ...))) explicit ModuleHolder(Args&&... args)
        : impl_(std::make_shared<Contained>(std::forward<Args>(args)...)) {}
    ModuleHolder() requires std::is_default_constructible_v<Contained> : impl_(std::make_shared<Contained>()) {}

    Contained* operator->() const { return checked(); }
    Contained& operator*() const { return *checked(); }
    const std::shared_ptr<Contained>& ptr() const { return impl_; }
    Contained* get() const { return impl_.get(); }
    bool is_empty() const { return impl_ == nullptr; }
    explicit operator bool() const noexcept { return !is_empty(); }
    template <typename... Args>
    decltype(auto) operator()(Args&&... args) const {
        return checked()->forward(std::forward<Args>(args)...);
    }
    // holder[i] is (*holder)[i]: seq[0], list[2], dict["fc"], as in libtorch.
    template <typename Arg>
    decltype(auto) operator[](Arg&& arg) const {
        return (*checked())[std::forward<Arg>(arg)];
    }

private:
    Contained* checked() const {
        EMBER_ENFORCE(impl_ != nullptr, ValueError, "ModuleHolder: accessing an empty module holder");
        return impl_.get();
    }
    std::shared_ptr<Contained> impl_;
};

template <typename C>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<C>& m) {
    return os << *m;
}

}  // namespace ember::nn

// EMBER_MODULE(Linear) defines `Linear` as the holder of `LinearImpl` (libtorch's TORCH_MODULE).
#define EMBER_MODULE(Name)                                         \
    class Name : public ::ember::nn::ModuleHolder<Name##Impl> {    \
    public:                                                        \
        using ::ember::nn::ModuleHolder<Name##Impl>::ModuleHolder; \
        using Impl = Name##Impl;                                   \
    }
