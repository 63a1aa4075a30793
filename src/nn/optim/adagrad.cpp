// Adagrad, following libtorch's (and torch.optim's single-tensor) update line by line; adagrad.h
// has the math.
#include "ember/nn/optim/adagrad.h"

#include "ember/autograd/grad_mode.h"

namespace ember::optim {

namespace {

void check_options(const AdagradOptions& o) {
    EMBER_ENFORCE(o.lr() >= 0, ValueError, "Adagrad: learning rate must be non-negative, got ", o.lr());
    EMBER_ENFORCE(o.lr_decay() >= 0, ValueError, "Adagrad: lr_decay must be non-negative, got ", o.lr_decay());
    EMBER_ENFORCE(o.weight_decay() >= 0, ValueError, "Adagrad: weight_decay must be non-negative, got ",
                  o.weight_decay());
    EMBER_ENFORCE(o.initial_accumulator_value() >= 0, ValueError,
                  "Adagrad: initial_accumulator_value must be non-negative, got ", o.initial_accumulator_value());
    EMBER_ENFORCE(o.eps() >= 0, ValueError, "Adagrad: eps must be non-negative, got ", o.eps());
}

void adagrad_update(Tensor& p, AdagradParamState& s, const AdagradOptions& o) {
    Tensor g = p.grad();
    // libtorch fills the sums in its constructor, from the optimizer's defaults; here they start
    // at the first step, from the parameter's own group (as torch.optim does): the same values
    // unless a group sets its own initial_accumulator_value.
    if (!s.sum.defined())
        s.sum = full_like(p, o.initial_accumulator_value());
    else
        follow_parameter(s.sum, p);
    s.step += 1;
    if (o.weight_decay() != 0) g = g.add(p, o.weight_decay());
    const double clr = o.lr() / (1.0 + static_cast<double>(s.step - 1) * o.lr_decay());
    s.sum.add_(g * g);  // s = s + g^2
    // p = p - clr g / (sqrt(s) + eps), with the products in libtorch's addcdiv order.
    p.add_(g * -clr / sqrt(s.sum).add_(o.eps()));
}

}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, const AdagradOptions& defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults)) {
    check_options(defaults);
}

Tensor Adagrad::step(LossClosure closure) {
    Tensor loss = run_closure(closure);
    NoGradGuard no_grad;
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const AdagradOptions&>(group.options());
        check_options(o);
        for (Tensor& p : group.params())
            if (p.grad().defined()) adagrad_update(p, state_for<AdagradParamState>(p), o);
    }
    return loss;
}

std::unique_ptr<OptimizerParamState> Adagrad::make_param_state() const { return std::make_unique<AdagradParamState>(); }

std::map<std::string, double> AdagradOptions::values() const {
    return {{"lr", lr()},
            {"lr_decay", lr_decay()},
            {"weight_decay", weight_decay()},
            {"initial_accumulator_value", initial_accumulator_value()},
            {"eps", eps()}};
}

void AdagradOptions::set_values(const std::map<std::string, double>& v) {
    lr(v.at("lr")).lr_decay(v.at("lr_decay")).weight_decay(v.at("weight_decay"));
    initial_accumulator_value(v.at("initial_accumulator_value")).eps(v.at("eps"));
}

std::map<std::string, Tensor> AdagradParamState::tensors() const {
    std::map<std::string, Tensor> out;
    put_state(out, "step", step);
    put_state(out, "sum", sum);
    return out;
}

void AdagradParamState::set_tensors(const std::map<std::string, Tensor>& in) {
    get_state(in, "step", step);
    get_state(in, "sum", sum);
}

}  // namespace ember::optim
