// ReduceLROnPlateauScheduler (reduce_on_plateau.h): torch.optim's ReduceLROnPlateau, step by step.
#include "ember/nn/optim/reduce_on_plateau.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <limits>

namespace ember::optim {

ReduceLROnPlateauScheduler::ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode, double factor,
                                                       int patience, double threshold, ThresholdMode threshold_mode,
                                                       int cooldown, const std::vector<float>& min_lr, double eps,
                                                       bool verbose)
    : optimizer_(optimizer),
      mode_(mode),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      threshold_mode_(threshold_mode),
      cooldown_(cooldown),
      eps_(eps),
      verbose_(verbose),
      // The worst value of the mode, so that the first metric is always an improvement.
      best_(mode == min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity()) {
    const std::size_t groups = optimizer.param_groups().size();
    EMBER_ENFORCE(min_lr.empty() || min_lr.size() == groups, ValueError, "ReduceLROnPlateauScheduler: min_lr has ",
                  min_lr.size(), " learning rates for ", groups, " parameter groups; give none or one per group");
    min_lrs_.assign(groups, 0.0);
    for (std::size_t i = 0; i < min_lr.size(); ++i) min_lrs_[i] = min_lr[i];
    EMBER_ENFORCE(factor < 1.0, ValueError, "ReduceLROnPlateauScheduler: factor should be < 1.0, got ", factor);
    EMBER_ENFORCE(patience >= 0 && cooldown >= 0 && threshold >= 0 && eps >= 0, ValueError,
                  "ReduceLROnPlateauScheduler: patience, cooldown, threshold and eps must be non-negative, got ",
                  patience, ", ", cooldown, ", ", threshold, ", ", eps);
}

bool ReduceLROnPlateauScheduler::is_better(double a) const {
    if (mode_ == min) return threshold_mode_ == rel ? a < best_ * (1.0 - threshold_) : a < best_ - threshold_;
    return threshold_mode_ == rel ? a > best_ * (1.0 + threshold_) : a > best_ + threshold_;
}

void ReduceLROnPlateauScheduler::step(double metric) {
    ++last_epoch_;
    if (is_better(metric)) {
        best_ = metric;
        num_bad_epochs_ = 0;
    } else {
        ++num_bad_epochs_;
    }
    if (cooldown_counter_ > 0) {  // bad epochs right after a reduction do not count
        --cooldown_counter_;
        num_bad_epochs_ = 0;
    }
    if (num_bad_epochs_ > patience_) {
        reduce_lr();
        cooldown_counter_ = cooldown_;
        num_bad_epochs_ = 0;
    }
}

void ReduceLROnPlateauScheduler::reduce_lr() {
    auto& groups = optimizer_.param_groups();
    for (std::size_t i = 0; i < groups.size() && i < min_lrs_.size(); ++i) {
        const double old_lr = groups[i].options().get_lr();
        const double new_lr = std::max(old_lr * factor_, min_lrs_[i]);
        if (old_lr - new_lr <= eps_) continue;
        groups[i].options().set_lr(new_lr);
        if (verbose_)
            std::cout << std::setprecision(4) << "Epoch " << last_epoch_ << ": reducing learning rate of group " << i
                      << " to " << new_lr << '\n';
    }
}

}  // namespace ember::optim
