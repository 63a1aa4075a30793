// Optimizer: parameter groups, zero_grad, learning-rate access, per-parameter state.
#include "ember/nn/optim/optimizer.h"

#include <set>

#include "ember/autograd/grad_mode.h"

namespace ember::optim {

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
    if (this != &other) {
        params_ = other.params_;
        options_ = other.options_ ? other.options_->clone() : nullptr;
    }
    return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
    EMBER_ENFORCE(options_ != nullptr, ValueError, "OptimizerParamGroup: the group has no options yet");
    return *options_;
}
const OptimizerOptions& OptimizerParamGroup::options() const {
    EMBER_ENFORCE(options_ != nullptr, ValueError, "OptimizerParamGroup: the group has no options yet");
    return *options_;
}

Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
    EMBER_ENFORCE(defaults_ != nullptr, ValueError, "Optimizer: no default options");
    EMBER_ENFORCE(defaults_->get_lr() >= 0, ValueError, "Optimizer: learning rate must be non-negative, got ",
                  defaults_->get_lr());
    for (const auto& g : param_groups) add_param_group(g);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group) {
    std::set<const TensorImpl*> existing;
    for (const Tensor& p : parameters()) existing.insert(p.impl());
    for (const Tensor& p : group.params()) {
        EMBER_ENFORCE(p.defined(), ValueError, "Optimizer: a parameter is an undefined tensor");
        EMBER_ENFORCE(p.is_leaf(), ValueError, "Optimizer: can't optimize a non-leaf tensor ", describe(p),
                      " (optimize the leaf it was computed from, or detach() it and set requires_grad)");
        EMBER_ENFORCE(existing.insert(p.impl()).second, ValueError, "Optimizer: parameter ", describe(p),
                      " appears more than once (in one group or in two)");
    }
    OptimizerParamGroup g = group;
    if (!g.has_options()) g.set_options(defaults_->clone());
    param_groups_.push_back(std::move(g));
}

void Optimizer::zero_grad(bool set_to_none) {
    for (auto& group : param_groups_) {
        for (Tensor& p : group.params()) {
            Tensor g = p.grad();
            if (!g.defined()) continue;
            if (set_to_none) {
                p.set_grad(Tensor());
            } else {
                // A gradient built with create_graph has history: cut it before zeroing in place.
                g.detach_();
                NoGradGuard no_grad;
                g.zero_();
            }
        }
    }
}

std::vector<Tensor> Optimizer::parameters() const {
    std::vector<Tensor> out;
    for (const auto& group : param_groups_) out.insert(out.end(), group.params().begin(), group.params().end());
    return out;
}

std::size_t Optimizer::size() const {
    std::size_t n = 0;
    for (const auto& group : param_groups_) n += group.params().size();
    return n;
}

OptimizerOptions& Optimizer::options(std::size_t group) {
    EMBER_ENFORCE(group < param_groups_.size(), IndexError, "Optimizer::options: group ", group, " out of range for ",
                  param_groups_.size(), " groups");
    return param_groups_[group].options();
}

double Optimizer::lr() const {
    return param_groups_.empty() ? defaults_->get_lr() : param_groups_[0].options().get_lr();
}

void Optimizer::set_lr(double lr) {
    EMBER_ENFORCE(lr >= 0, ValueError, "Optimizer::set_lr: learning rate must be non-negative, got ", lr);
    for (auto& group : param_groups_) group.options().set_lr(lr);
}

const OptimizerParamState* Optimizer::state(const Tensor& parameter) const {
    auto it = state_.find(parameter.impl());
    return it == state_.end() ? nullptr : it->second.get();
}

Tensor Optimizer::run_closure(const LossClosure& closure) {
    if (!closure) return Tensor();
    EnableGradGuard grad_on;
    return closure();
}

void follow_parameter(Tensor& state, const Tensor& parameter) {
    if (state.defined() && (state.device() != parameter.device() || state.dtype() != parameter.dtype()))
        state = state.to(parameter.device(), parameter.dtype());
}

}  // namespace ember::optim

namespace ember::optim {

std::unique_ptr<OptimizerParamState> Optimizer::make_param_state() const {
    throw NotImplementedError(
        "Optimizer::make_param_state: this optimizer does not say how to make its per-parameter state, so it cannot "
        "be loaded from a checkpoint (override make_param_state)");
}

void put_state(std::map<std::string, Tensor>& out, const char* name, const Tensor& t) {
    if (t.defined()) out[name] = t;
}

void put_state(std::map<std::string, Tensor>& out, const char* name, int64_t step) {
    out[name] = full({}, static_cast<double>(step), TensorOptions().dtype(kInt64));
}

void get_state(const std::map<std::string, Tensor>& in, const char* name, Tensor& t) {
    if (auto it = in.find(name); it != in.end()) t = it->second;
}

void get_state(const std::map<std::string, Tensor>& in, const char* name, int64_t& step) {
    if (auto it = in.find(name); it != in.end()) step = it->second.item<int64_t>();
}

}  // namespace ember::optim
