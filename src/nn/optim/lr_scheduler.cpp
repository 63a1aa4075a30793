// LRScheduler, StepLR and ExponentialLR (lr_scheduler.h), in libtorch's chainable form.
#include "ember/nn/optim/lr_scheduler.h"

namespace ember::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {}

std::vector<double> LRScheduler::get_current_lrs() const {
    std::vector<double> lrs;
    for (const auto& group : optimizer_.param_groups()) lrs.push_back(group.options().get_lr());
    return lrs;
}

void LRScheduler::set_optimizer_lrs(const std::vector<double>& learning_rates) {
    auto& groups = optimizer_.param_groups();
    EMBER_ENFORCE(learning_rates.size() == groups.size(), ValueError, "LRScheduler::step: get_lrs() returned ",
                  learning_rates.size(), " learning rates for ", groups.size(),
                  " parameter groups; return one per group");
    for (std::size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(learning_rates[i]);
}

void LRScheduler::step() {
    // libtorch's order: the rates for this step are computed with the count of the steps before it.
    set_optimizer_lrs(get_lrs());
    ++step_count_;
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
    EMBER_ENFORCE(step_size > 0, ValueError, "StepLR: step_size must be positive, got ", step_size);
}

std::vector<double> StepLR::get_lrs() {
    // As libtorch's C++ StepLR: the k-th step() decays by gamma when the k - 1 steps before it are a
    // positive multiple of step_size, so after k steps lr = lr0 gamma^floor((k - 1) / step_size).
    // (Python's StepLR steps once in its constructor and decays one step earlier.)
    std::vector<double> lrs = get_current_lrs();
    if (step_count_ == 0 || step_count_ % step_size_ != 0) return lrs;
    for (double& lr : lrs) lr *= gamma_;
    return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {}

std::vector<double> ExponentialLR::get_lrs() {
    std::vector<double> lrs = get_current_lrs();
    for (double& lr : lrs) lr *= gamma_;
    return lrs;
}

}  // namespace ember::optim
