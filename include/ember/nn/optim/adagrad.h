#pragma once
// Adagrad (Duchi, Hazan and Singer 2011), exactly as torch.optim.Adagrad and libtorch's. For
// gradient g of parameter p at step t (t = 1, 2, ...):
//   g <- g + weight_decay * p
//   clr = lr / (1 + (t - 1) lr_decay)
//   s <- s + g^2                        (sum, starts at initial_accumulator_value)
//   p <- p - clr g / (sqrt(s) + eps)
// Each coordinate's step shrinks with the squared gradients it has seen: rarely moved
// coordinates keep large steps.
#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

struct AdagradOptions : OptimizerCloneableOptions<AdagradOptions> {
    AdagradOptions(double lr = 1e-2) : lr_(lr) {}
    EMBER_ARG(double, lr);
    EMBER_ARG(double, lr_decay) = 0;
    EMBER_ARG(double, weight_decay) = 0;
    EMBER_ARG(double, initial_accumulator_value) = 0;
    EMBER_ARG(double, eps) = 1e-10;

public:
    std::map<std::string, double> values() const override;
    void set_values(const std::map<std::string, double>& values) override;
};

struct AdagradParamState : OptimizerParamState {
    int64_t step = 0;
    Tensor sum;  // s: the sum of g^2 so far, plus initial_accumulator_value
    std::map<std::string, Tensor> tensors() const override;
    void set_tensors(const std::map<std::string, Tensor>& tensors) override;
};

class Adagrad : public Optimizer {
public:
    explicit Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults = {});
    explicit Adagrad(std::vector<OptimizerParamGroup> param_groups, const AdagradOptions& defaults = {});
    Tensor step(LossClosure closure = nullptr) override;
    AdagradOptions& options(std::size_t group = 0) { return static_cast<AdagradOptions&>(Optimizer::options(group)); }
    std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
