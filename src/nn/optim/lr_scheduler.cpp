// StepLR and ExponentialLR (torch.optim.lr_scheduler), in their chainable form.
#include "ember/nn/optim/lr_scheduler.h"

namespace ember::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {}

std::vector<double> LRScheduler::get_last_lr() const {
    std::vector<double> lrs;
    for (const auto& group : optimizer_.param_groups()) lrs.push_back(group.options().get_lr());
    return lrs;
}

void LRScheduler::step() {
    ++last_epoch_;
    std::vector<double> lrs = get_lrs(get_last_lr());
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size() && i < lrs.size(); ++i) groups[i].options().set_lr(lrs[i]);
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
    EMBER_ENFORCE(step_size > 0, ValueError, "StepLR: step_size must be positive, got ", step_size);
}

std::vector<double> StepLR::get_lrs(const std::vector<double>& current) const {
    // As libtorch's C++ StepLR: the k-th step() decays by gamma when the k - 1 steps before it are a
    // positive multiple of step_size, so after k steps lr = lr0 gamma^floor((k - 1) / step_size).
    // (Python's StepLR steps once in its constructor and decays one step earlier.)
    const int64_t steps_before = last_epoch_ - 1;
    if (steps_before == 0 || steps_before % step_size_ != 0) return current;
    std::vector<double> lrs = current;
    for (double& lr : lrs) lr *= gamma_;
    return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {}

std::vector<double> ExponentialLR::get_lrs(const std::vector<double>& current) const {
    std::vector<double> lrs = current;
    for (double& lr : lrs) lr *= gamma_;
    return lrs;
}

}  // namespace ember::optim
