#pragma once
// Learning-rate schedulers with libtorch's interface (torch/optim/schedulers/lr_scheduler.h),
// stepped once per epoch after the optimizer. A scheduler is a subclass of LRScheduler that
// overrides get_lrs(): the new rate of every parameter group, computed from get_current_lrs()
// and step_count_ (the number of step() calls before this one). A user's scheduler is written
// exactly as for libtorch:
//
//   struct HalveEvery3 : ember::optim::LRScheduler {
//       explicit HalveEvery3(ember::optim::Optimizer& o) : LRScheduler(o) {}
//       std::vector<double> get_lrs() override {
//           std::vector<double> lrs = get_current_lrs();
//           if (step_count_ > 0 && step_count_ % 3 == 0)
//               for (double& lr : lrs) lr *= 0.5;
//           return lrs;
//       }
//   };
//
// Each step multiplies the optimizer's current rates (the "chainable" form), so a rate set by
// hand in between is respected.
#include <vector>

#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

class LRScheduler {
public:
    // The optimizer must outlive the scheduler (it is held by reference, as in libtorch).
    explicit LRScheduler(Optimizer& optimizer);
    virtual ~LRScheduler() = default;
    // Ends an epoch: every group's rate becomes get_lrs()[group], then step_count_ += 1.
    void step();

    // ember conveniences, spelled as torch.optim's Python schedulers: the current rate of each
    // group, and how many times step() was called.
    std::vector<double> get_last_lr() const { return get_current_lrs(); }
    int64_t last_epoch() const { return step_count_; }

protected:
    // One learning rate per parameter group (ValueError in step() for another count).
    virtual std::vector<double> get_lrs() = 0;
    std::vector<double> get_current_lrs() const;
    unsigned step_count_ = 0;

private:
    void set_optimizer_lrs(const std::vector<double>& learning_rates);
    Optimizer& optimizer_;
};

// After k calls of step(), lr = initial lr * gamma^floor((k - 1) / step_size), as libtorch's C++
// StepLR (torch.optim's Python StepLR, which steps once in its constructor, decays a step earlier).
class StepLR : public LRScheduler {
public:
    StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

private:
    std::vector<double> get_lrs() override;
    int64_t step_size_;
    double gamma_;
};

// After k calls of step(), lr = initial lr * gamma^k (libtorch 1.13 has no ExponentialLR; this is
// torch.optim's).
class ExponentialLR : public LRScheduler {
public:
    ExponentialLR(Optimizer& optimizer, double gamma);

private:
    std::vector<double> get_lrs() override;
    double gamma_;
};

}  // namespace ember::optim
