#pragma once
// nn::Functional, libtorch's: a function Tensor -> Tensor as a module, so that a free function
// can sit in a Sequential: Functional(ember::relu), or with its further arguments bound,
// Functional(ember::leaky_relu, 0.2) (the function is called as f(input, 0.2)).
#include <functional>
#include <ostream>
#include <utility>

#include "ember/nn/module.h"

namespace ember::nn {

class FunctionalImpl : public Module {
public:
    using Function = std::function<Tensor(Tensor)>;
    explicit FunctionalImpl(Function function);
    template <typename SomeFunction, typename... Args>
    requires(sizeof...(Args) > 0) explicit FunctionalImpl(SomeFunction original_function, Args&&... args)
        : FunctionalImpl(Function([f = std::move(original_function), ... bound = std::forward<Args>(args)](
                                      Tensor input) -> Tensor { return f(std::move(input), bound...); })) {}
    Tensor forward(Tensor input) { return function_(std::move(input)); }
    Tensor operator()(Tensor input) { return forward(std::move(input)); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::Functional()"; }

private:
    Function function_;
};
EMBER_MODULE(Functional);

}  // namespace ember::nn
