// SGD, following torch.optim.SGD's update rule line by line (see sgd.h for the math).
#include "ember/nn/optim/sgd.h"

#include "ember/autograd/grad_mode.h"

namespace ember::optim {

namespace {
void check_options(const SGDOptions& o) {
    EMBER_ENFORCE(o.lr() >= 0, ValueError, "SGD: learning rate must be non-negative, got ", o.lr());
    EMBER_ENFORCE(o.momentum() >= 0, ValueError, "SGD: momentum must be non-negative, got ", o.momentum());
    EMBER_ENFORCE(o.weight_decay() >= 0, ValueError, "SGD: weight_decay must be non-negative, got ", o.weight_decay());
    EMBER_ENFORCE(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0), ValueError,
                  "SGD: nesterov momentum requires momentum > 0 and dampening == 0 (got momentum=", o.momentum(),
                  ", dampening=", o.dampening(), ")");
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, const SGDOptions& defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, const SGDOptions& defaults)
    : Optimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults)) {
    check_options(defaults);
}

Tensor SGD::step(LossClosure closure) {
    Tensor loss = run_closure(closure);
    NoGradGuard no_grad;
    for (auto& group : param_groups_) {
        const auto& o = static_cast<const SGDOptions&>(group.options());
        check_options(o);
        for (Tensor& p : group.params()) {
            Tensor g = p.grad();
            if (!g.defined()) continue;
            // One fused pass (ember::sgd_step_) over p, its gradient and its momentum buffer.
            Tensor no_buffer;
            Tensor& buf = o.momentum() != 0 ? state_for<SGDParamState>(p).momentum_buffer : no_buffer;
            follow_parameter(buf, p);
            sgd_step_(p, g, buf, o.lr(), o.momentum(), o.dampening(), o.weight_decay(), o.nesterov());
        }
    }
    return loss;
}

}  // namespace ember::optim

namespace ember::optim {

std::map<std::string, double> SGDOptions::values() const {
    return {{"lr", lr()},
            {"momentum", momentum()},
            {"dampening", dampening()},
            {"weight_decay", weight_decay()},
            {"nesterov", nesterov() ? 1.0 : 0.0}};
}

void SGDOptions::set_values(const std::map<std::string, double>& v) {
    lr(v.at("lr")).momentum(v.at("momentum")).dampening(v.at("dampening")).weight_decay(v.at("weight_decay"));
    nesterov(v.at("nesterov") != 0);
}

std::map<std::string, Tensor> SGDParamState::tensors() const {
    std::map<std::string, Tensor> out;
    put_state(out, "momentum_buffer", momentum_buffer);
    return out;
}

void SGDParamState::set_tensors(const std::map<std::string, Tensor>& in) {
    get_state(in, "momentum_buffer", momentum_buffer);
}

std::unique_ptr<OptimizerParamState> SGD::make_param_state() const { return std::make_unique<SGDParamState>(); }

}  // namespace ember::optim
