#pragma once
// AnyModule and NamedAnyModule, libtorch's type-erased module handles, as Sequential stores and
// iterates its layers: any module (holder or shared_ptr of an Impl) whose forward takes one Tensor
// and returns one, with its concrete type recoverable (ptr<T>(), get<T>()).
//
// libtorch's AnyModule forwards any signature; ember's Sequential chains Tensor -> Tensor layers
// only, so a module with another forward (a loss, taking two tensors) is rejected at compile time
// with a message that says so.
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "ember/nn/module.h"

namespace ember::nn {

namespace detail {
// Whether M's forward takes one Tensor and returns something a Tensor can be made from.
template <typename M>
concept TensorToTensor = requires(M& m, const Tensor& x) {
    { m.forward(x) } -> std::convertible_to<Tensor>;
};
}  // namespace detail

class AnyModule {
public:
    AnyModule() = default;
    template <typename M>
    explicit AnyModule(std::shared_ptr<M> module) : module_(module), type_(&typeid(M)) {
        static_assert(std::is_base_of_v<Module, M>, "AnyModule holds an nn::Module");
        static_assert(detail::TensorToTensor<M>,
                      "ember's AnyModule and Sequential hold modules whose forward takes one Tensor and returns one");
        EMBER_ENFORCE(module != nullptr, ValueError, "AnyModule: a null module");
        forward_ = [m = module.get()](const Tensor& x) -> Tensor { return m->forward(x); };
    }
    template <typename M>
    explicit AnyModule(const ModuleHolder<M>& holder) : AnyModule(holder.ptr()) {}

    // The module's forward.
    Tensor forward(const Tensor& x) const {
        EMBER_ENFORCE(!is_empty(), ValueError, "AnyModule: forward on an empty AnyModule");
        return forward_(x);
    }
    std::shared_ptr<Module> ptr() const { return module_; }
    // The module as a T (an Impl type); a ValueError naming both types if it is not one.
    template <typename T>
    std::shared_ptr<T> ptr() const {
        static_assert(std::is_base_of_v<Module, T>, "AnyModule::ptr<T>: T is an nn::Module (an Impl type)");
        auto p = std::dynamic_pointer_cast<T>(module_);
        EMBER_ENFORCE(p != nullptr, ValueError, "AnyModule: the module is a ", module_ ? module_->name() : "(none)",
                      ", not the requested ", type_name(typeid(T)));
        return p;
    }
    // get<LinearImpl>() is a LinearImpl&, get<Linear>() a holder of the same module (libtorch's two
    // forms).
    template <typename T>
    decltype(auto) get() const {
        if constexpr (requires { typename T::ContainedType; }) {
            return T(ptr<typename T::ContainedType>());
        } else {
            return static_cast<T&>(*ptr<T>());
        }
    }
    bool is_empty() const noexcept { return module_ == nullptr; }
    // The type the module was given as (e.g. LinearImpl).
    const std::type_info& type_info() const { return type_ ? *type_ : typeid(void); }

private:
    std::shared_ptr<Module> module_;
    const std::type_info* type_ = nullptr;
    std::function<Tensor(const Tensor&)> forward_;
};

// A name and a module, for Sequential({{"fc", nn::Linear(4, 2)}, {"act", nn::ReLU()}}).
class NamedAnyModule {
public:
    template <typename M>
    NamedAnyModule(std::string name, std::shared_ptr<M> module)
        : NamedAnyModule(std::move(name), AnyModule(std::move(module))) {}
    template <typename M>
    NamedAnyModule(std::string name, const ModuleHolder<M>& holder) : NamedAnyModule(std::move(name), holder.ptr()) {}
    NamedAnyModule(std::string name, AnyModule module) : name_(std::move(name)), module_(std::move(module)) {}
    const std::string& name() const noexcept { return name_; }
    AnyModule& module() noexcept { return module_; }
    const AnyModule& module() const noexcept { return module_; }

private:
    std::string name_;
    AnyModule module_;
};

}  // namespace ember::nn
