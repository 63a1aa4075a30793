// Adam and AdamW, following torch.optim's single-tensor implementation (see adam.h for the math).
#include "ember/nn/optim/adam.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"

namespace ember::optim {

namespace {

struct AdamHyper {
    double lr, beta1, beta2, eps, weight_decay;
    bool amsgrad, decoupled;
};

template <typename Options>
AdamHyper hyper(const char* name, const Options& o, bool decoupled) {
    auto [b1, b2] = o.betas();
    EMBER_ENFORCE(o.lr() >= 0, ValueError, name, ": learning rate must be non-negative, got ", o.lr());
    EMBER_ENFORCE(o.eps() >= 0, ValueError, name, ": eps must be non-negative, got ", o.eps());
    EMBER_ENFORCE(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1, ValueError, name, ": betas must lie in [0, 1), got (", b1,
                  ", ", b2, ")");
    EMBER_ENFORCE(o.weight_decay() >= 0, ValueError, name, ": weight_decay must be non-negative, got ",
                  o.weight_decay());
    return {o.lr(), b1, b2, o.eps(), o.weight_decay(), o.amsgrad(), decoupled};
}

void adam_update(Tensor& p, AdamParamState& s, const AdamHyper& h) {
    Tensor g = p.grad();
    if (h.weight_decay != 0) {
        if (h.decoupled)
            p.mul_(1.0 - h.lr * h.weight_decay);  // AdamW: shrink the weights directly
        else
            g = g + p * h.weight_decay;  // Adam: L2 penalty through the gradient
    }
    if (s.step == 0) {
        s.exp_avg = zeros_like(p);
        s.exp_avg_sq = zeros_like(p);
        if (h.amsgrad) s.max_exp_avg_sq = zeros_like(p);
    }
    follow_parameter(s.exp_avg, p);
    follow_parameter(s.exp_avg_sq, p);
    follow_parameter(s.max_exp_avg_sq, p);
    if (h.amsgrad && !s.max_exp_avg_sq.defined()) s.max_exp_avg_sq = zeros_like(p);  // amsgrad switched on later
    s.step += 1;

    s.exp_avg.mul_(h.beta1).add_(g, 1.0 - h.beta1);         // m = b1 m + (1 - b1) g
    s.exp_avg_sq.mul_(h.beta2).add_(g * g, 1.0 - h.beta2);  // v = b2 v + (1 - b2) g^2
    const double t = static_cast<double>(s.step);
    const double bias_correction1 = 1.0 - std::pow(h.beta1, t);
    const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(h.beta2, t));
    Tensor v = s.exp_avg_sq;
    if (h.amsgrad) {
        s.max_exp_avg_sq.copy_(maximum(s.max_exp_avg_sq, s.exp_avg_sq));
        v = s.max_exp_avg_sq;
    }
    // p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps), in PyTorch's order of operations.
    Tensor denom = sqrt(v).div_(bias_correction2_sqrt).add_(h.eps);
    p.sub_(s.exp_avg / denom, h.lr / bias_correction1);
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, const AdamOptions& defaults)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, const AdamOptions& defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamOptions>(defaults)) {
    hyper("Adam", defaults, false);
}

Tensor Adam::step(LossClosure closure) {
    Tensor loss = run_closure(closure);
    NoGradGuard no_grad;
    for (auto& group : param_groups_) {
        AdamHyper h = hyper("Adam", static_cast<const AdamOptions&>(group.options()), false);
        for (Tensor& p : group.params())
            if (p.grad().defined()) adam_update(p, state_for<AdamParamState>(p), h);
    }
    return loss;
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, const AdamWOptions& defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamWOptions>(defaults)) {
    hyper("AdamW", defaults, true);
}

Tensor AdamW::step(LossClosure closure) {
    Tensor loss = run_closure(closure);
    NoGradGuard no_grad;
    for (auto& group : param_groups_) {
        AdamHyper h = hyper("AdamW", static_cast<const AdamWOptions&>(group.options()), true);
        for (Tensor& p : group.params())
            if (p.grad().defined()) adam_update(p, state_for<AdamParamState>(p), h);
    }
    return loss;
}

}  // namespace ember::optim

namespace ember::optim {

namespace {
template <typename Options>
std::map<std::string, double> adam_values(const Options& o) {
    return {{"lr", o.lr()},   {"beta1", std::get<0>(o.betas())},  {"beta2", std::get<1>(o.betas())},
            {"eps", o.eps()}, {"weight_decay", o.weight_decay()}, {"amsgrad", o.amsgrad() ? 1.0 : 0.0}};
}
template <typename Options>
void set_adam_values(Options& o, const std::map<std::string, double>& v) {
    o.lr(v.at("lr")).betas({v.at("beta1"), v.at("beta2")}).eps(v.at("eps")).weight_decay(v.at("weight_decay"));
    o.amsgrad(v.at("amsgrad") != 0);
}
}  // namespace

std::map<std::string, double> AdamOptions::values() const { return adam_values(*this); }
void AdamOptions::set_values(const std::map<std::string, double>& v) { set_adam_values(*this, v); }
std::map<std::string, double> AdamWOptions::values() const { return adam_values(*this); }
void AdamWOptions::set_values(const std::map<std::string, double>& v) { set_adam_values(*this, v); }

std::map<std::string, Tensor> AdamParamState::tensors() const {
    std::map<std::string, Tensor> out;
    put_state(out, "step", step);
    put_state(out, "exp_avg", exp_avg);
    put_state(out, "exp_avg_sq", exp_avg_sq);
    put_state(out, "max_exp_avg_sq", max_exp_avg_sq);
    return out;
}

void AdamParamState::set_tensors(const std::map<std::string, Tensor>& in) {
    get_state(in, "step", step);
    get_state(in, "exp_avg", exp_avg);
    get_state(in, "exp_avg_sq", exp_avg_sq);
    get_state(in, "max_exp_avg_sq", max_exp_avg_sq);
}

std::unique_ptr<OptimizerParamState> Adam::make_param_state() const { return std::make_unique<AdamParamState>(); }
std::unique_ptr<OptimizerParamState> AdamW::make_param_state() const { return std::make_unique<AdamParamState>(); }

}  // namespace ember::optim
