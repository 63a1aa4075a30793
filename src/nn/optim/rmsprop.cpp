// RMSprop, following libtorch's (and torch.optim's single-tensor) update line by line; rmsprop.h
// has the math.
#include "ember/nn/optim/rmsprop.h"

#include "ember/autograd/grad_mode.h"

namespace ember::optim {

namespace {

void check_options(const RMSpropOptions& o) {
    EMBER_ENFORCE(o.lr() >= 0, ValueError, "RMSprop: learning rate must be non-negative, got ", o.lr());
    EMBER_ENFORCE(o.eps() >= 0, ValueError, "RMSprop: eps must be non-negative, got ", o.eps());
    EMBER_ENFORCE(o.momentum() >= 0, ValueError, "RMSprop: momentum must be non-negative, got ", o.momentum());
    EMBER_ENFORCE(o.weight_decay() >= 0, ValueError, "RMSprop: weight_decay must be non-negative, got ",
                  o.weight_decay());
    EMBER_ENFORCE(o.alpha() >= 0, ValueError, "RMSprop: alpha must be non-negative, got ", o.alpha());
}

// A state tensor at zero when it does not exist yet (its first step, or its option switched on
// later), else moved to follow its parameter.
void ensure(Tensor& state, const Tensor& p) {
    if (!state.defined())
        state = zeros_like(p);
    else
        follow_parameter(state, p);
}

void rmsprop_update(Tensor& p, RMSpropParamState& s, const RMSpropOptions& o) {
    Tensor g = p.grad();
    s.step += 1;
    if (o.weight_decay() != 0) g = g.add(p, o.weight_decay());
    ensure(s.square_avg, p);
    // v = alpha v + (1 - alpha) g^2, with the products in libtorch's addcmul order.
    s.square_avg.mul_(o.alpha()).add_(g * (1.0 - o.alpha()) * g);
    Tensor denom;
    if (o.centered()) {
        ensure(s.grad_avg, p);
        s.grad_avg.mul_(o.alpha()).add_(g, 1.0 - o.alpha());  // a = alpha a + (1 - alpha) g
        denom = sqrt(s.square_avg - s.grad_avg * s.grad_avg).add_(o.eps());
    } else {
        denom = sqrt(s.square_avg).add_(o.eps());
    }
    if (o.momentum() > 0) {
        ensure(s.momentum_buffer, p);
        s.momentum_buffer.mul_(o.momentum()).add_(g / denom);  // b = momentum b + g / d
        p.add_(s.momentum_buffer, -o.lr());
    } else {
        p.add_(g * -o.lr() / denom);  // p = p - lr g / d, in libtorch's addcdiv order
    }
}

}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, const RMSpropOptions& defaults)
    : Optimizer(std::move(param_groups), std::make_unique<RMSpropOptions>(defaults)) {
    check_options(defaults);
}

Tensor RMSprop::step(LossClosure closure) {
    Tensor loss = run_closure(closure);
    NoGradGuard no_grad;
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const RMSpropOptions&>(group.options());
        check_options(o);
        for (Tensor& p : group.params())
            if (p.grad().defined()) rmsprop_update(p, state_for<RMSpropParamState>(p), o);
    }
    return loss;
}

std::unique_ptr<OptimizerParamState> RMSprop::make_param_state() const { return std::make_unique<RMSpropParamState>(); }

std::map<std::string, double> RMSpropOptions::values() const {
    return {{"lr", lr()},
            {"alpha", alpha()},
            {"eps", eps()},
            {"weight_decay", weight_decay()},
            {"momentum", momentum()},
            {"centered", centered() ? 1.0 : 0.0}};
}

void RMSpropOptions::set_values(const std::map<std::string, double>& v) {
    lr(v.at("lr")).alpha(v.at("alpha")).eps(v.at("eps")).weight_decay(v.at("weight_decay"));
    momentum(v.at("momentum")).centered(v.at("centered") != 0);
}

std::map<std::string, Tensor> RMSpropParamState::tensors() const {
    std::map<std::string, Tensor> out;
    put_state(out, "step", step);
    put_state(out, "square_avg", square_avg);
    put_state(out, "momentum_buffer", momentum_buffer);
    put_state(out, "grad_avg", grad_avg);
    return out;
}

void RMSpropParamState::set_tensors(const std::map<std::string, Tensor>& in) {
    get_state(in, "step", step);
    get_state(in, "square_avg", square_avg);
    get_state(in, "momentum_buffer", momentum_buffer);
    get_state(in, "grad_avg", grad_avg);
}

}  // namespace ember::optim
