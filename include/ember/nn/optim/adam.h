#pragma once
// Adam (Kingma and Ba 2015) and AdamW (Loshchilov and Hutter 2019), exactly as torch.optim.
// For gradient g of parameter p at step t (t = 1, 2, ...):
//   Adam:  g <- g + weight_decay * p          AdamW:  p <- p (1 - lr * weight_decay)
//   m <- beta1 m + (1 - beta1) g
//   v <- beta2 v + (1 - beta2) g^2
//   v_max <- max(v_max, v)                    (amsgrad; then v_max replaces v below)
//   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// AdamW's decay is "decoupled": it shrinks the weights directly instead of entering m and v.
#include <tuple>

#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

// (beta1, beta2): decay rates of the first and second moment estimates.
using Betas = std::tuple<double, double>;

struct AdamOptions : OptimizerCloneableOptions<AdamOptions> {
    AdamOptions(double lr = 1e-3) : lr_(lr) {}
    EMBER_ARG(double, lr);
    EMBER_ARG(Betas, betas) = {0.9, 0.999};
    EMBER_ARG(double, eps) = 1e-8;
    EMBER_ARG(double, weight_decay) = 0;
    EMBER_ARG(bool, amsgrad) = false;

public:
    std::map<std::string, double> values() const override;
    void set_values(const std::map<std::string, double>& values) override;
};

struct AdamWOptions : OptimizerCloneableOptions<AdamWOptions> {
    AdamWOptions(double lr = 1e-3) : lr_(lr) {}
    EMBER_ARG(double, lr);
    EMBER_ARG(Betas, betas) = {0.9, 0.999};
    EMBER_ARG(double, eps) = 1e-8;
    EMBER_ARG(double, weight_decay) = 1e-2;
    EMBER_ARG(bool, amsgrad) = false;

public:
    std::map<std::string, double> values() const override;
    void set_values(const std::map<std::string, double>& values) override;
};

struct AdamParamState : OptimizerParamState {
    int64_t step = 0;
    Tensor exp_avg;         // m: running mean of g
    Tensor exp_avg_sq;      // v: running mean of g^2
    Tensor max_exp_avg_sq;  // max of v over the steps (amsgrad only)
    std::map<std::string, Tensor> tensors() const override;
    void set_tensors(const std::map<std::string, Tensor>& tensors) override;
};

class Adam : public Optimizer {
public:
    Adam(std::vector<Tensor> params, const AdamOptions& defaults = {});
    Adam(std::vector<OptimizerParamGroup> param_groups, const AdamOptions& defaults = {});
    Tensor step(LossClosure closure = nullptr) override;
    AdamOptions& options(std::size_t group = 0) { return static_cast<AdamOptions&>(Optimizer::options(group)); }
    std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

class AdamW : public Optimizer {
public:
    AdamW(std::vector<Tensor> params, const AdamWOptions& defaults = {});
    AdamW(std::vector<OptimizerParamGroup> param_groups, const AdamWOptions& defaults = {});
    Tensor step(LossClosure closure = nullptr) override;
    AdamWOptions& options(std::size_t group = 0) { return static_cast<AdamWOptions&>(Optimizer::options(group)); }
    std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
