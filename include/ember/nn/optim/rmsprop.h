#pragma once
// RMSprop (Hinton's lecture 6e; centered form from Graves 2013), exactly as torch.optim.RMSprop and
// libtorch's. For gradient g of parameter p at each step:
//   g <- g + weight_decay * p
//   v <- alpha v + (1 - alpha) g^2                  (square_avg, starts at 0)
//   centered:  a <- alpha a + (1 - alpha) g;  d = sqrt(v - a^2) + eps     (grad_avg a, starts at 0)
//   otherwise: d = sqrt(v) + eps
//   momentum > 0: b <- momentum b + g / d;  p <- p - lr b                  (momentum_buffer, starts at 0)
//   otherwise:    p <- p - lr g / d
// The centered form divides by an estimate of the gradient's standard deviation instead of its
// root mean square.
#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

struct RMSpropOptions : OptimizerCloneableOptions<RMSpropOptions> {
    RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
    EMBER_ARG(double, lr);
    EMBER_ARG(double, alpha) = 0.99;
    EMBER_ARG(double, eps) = 1e-8;
    EMBER_ARG(double, weight_decay) = 0;
    EMBER_ARG(double, momentum) = 0;
    EMBER_ARG(bool, centered) = false;

public:
    std::map<std::string, double> values() const override;
    void set_values(const std::map<std::string, double>& values) override;
};

struct RMSpropParamState : OptimizerParamState {
    int64_t step = 0;
    Tensor square_avg;       // v: running mean of g^2
    Tensor momentum_buffer;  // b (momentum > 0 only)
    Tensor grad_avg;         // a: running mean of g (centered only)
    std::map<std::string, Tensor> tensors() const override;
    void set_tensors(const std::map<std::string, Tensor>& tensors) override;
};

class RMSprop : public Optimizer {
public:
    explicit RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults = {});
    explicit RMSprop(std::vector<OptimizerParamGroup> param_groups, const RMSpropOptions& defaults = {});
    Tensor step(LossClosure closure = nullptr) override;
    RMSpropOptions& options(std::size_t group = 0) { return static_cast<RMSpropOptions&>(Optimizer::options(group)); }
    std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
