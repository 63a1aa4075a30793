#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
// exactly as torch.optim.SGD. For gradient g of parameter p at step t:
//   g <- g + weight_decay * p
//   buf <- g                                        (first step: no dampening)
//   buf <- momentum * buf + (1 - dampening) * g     (later steps)
//   d = g + momentum * buf  (nesterov)   or   d = buf   (momentum > 0)   or   d = g
//   p <- p - lr * d
#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

struct SGDOptions : OptimizerCloneableOptions<SGDOptions> {
    SGDOptions(double lr) : lr_(lr) {}
    EMBER_ARG(double, lr);
    EMBER_ARG(double, momentum) = 0;
    EMBER_ARG(double, dampening) = 0;
    EMBER_ARG(double, weight_decay) = 0;
    EMBER_ARG(bool, nesterov) = false;

public:
    std::map<std::string, double> values() const override;
    void set_values(const std::map<std::string, double>& values) override;
};

struct SGDParamState : OptimizerParamState {
    Tensor momentum_buffer;  // undefined until the first step with momentum > 0
    std::map<std::string, Tensor> tensors() const override;
    void set_tensors(const std::map<std::string, Tensor>& tensors) override;
};

class SGD : public Optimizer {
public:
    SGD(std::vector<Tensor> params, const SGDOptions& defaults);
    SGD(std::vector<OptimizerParamGroup> param_groups, const SGDOptions& defaults);
    Tensor step(LossClosure closure = nullptr) override;
    SGDOptions& options(std::size_t group = 0) { return static_cast<SGDOptions&>(Optimizer::options(group)); }
    std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
