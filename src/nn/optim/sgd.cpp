// SGD, following torch.optim.SGD's update rule line by line (see sgd.h for the math).
#include "ember/nn/optim/sgd.h"

#include "ember/autograd/grad_mode.h"

namespace ember::optim {

namespace {
void check_options(const SGDOptions& o) {
    EMBER_CHECK(o.lr() >= 0, ValueError, "SGD: learning rate must be non-negative, got ", o.lr());
    EMBER_CHECK(o.momentum() >= 0, ValueError, "SGD: momentum must be non-negative, got ", o.momentum());
    EMBER_CHECK(o.weight_decay() >= 0, ValueError, "SGD: weight_decay must be non-negative, got ", o.weight_decay());
    EMBER_CHECK(!o.nesterov() || (o.momentum() > 0 && o.dampening() == 0), ValueError,
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
            Tensor d = o.weight_decay() != 0 ? g + p * o.weight_decay() : g;
            if (o.momentum() != 0) {
                Tensor& buf = state_for<SGDParamState>(p).momentum_buffer;
                follow_parameter(buf, p);
                if (!buf.defined())
                    buf = d.clone();  // no dampening on the first step
                else
                    buf.mul_(o.momentum()).add_(d, 1.0 - o.dampening());
                d = o.nesterov() ? d + buf * o.momentum() : buf;
            }
            p.add_(d, -o.lr());
        }
    }
    return loss;
}

}  // namespace ember::optim
