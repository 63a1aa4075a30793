#pragma once
// Learning-rate schedulers, stepped once per epoch after the optimizer (torch.optim.lr_scheduler).
// They are chainable as in PyTorch: each step multiplies the optimizer's current learning rates,
// so a rate set by hand in between is respected.
#include <vector>

#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

class LRScheduler {
public:
    explicit LRScheduler(Optimizer& optimizer);
    virtual ~LRScheduler() = default;
    // Ends an epoch: last_epoch += 1, then every group's lr is updated.
    void step();
    // The learning rate of each group after the last step.
    std::vector<double> get_last_lr() const;
    int64_t last_epoch() const { return last_epoch_; }

protected:
    // The new learning rates for epoch last_epoch_, given the current ones.
    virtual std::vector<double> get_lrs(const std::vector<double>& current) const = 0;
    Optimizer& optimizer_;
    int64_t last_epoch_ = 0;
};

// After k calls of step(), lr = initial lr * gamma^floor((k - 1) / step_size), as libtorch's C++
// StepLR (torch.optim's Python StepLR, which steps once in its constructor, decays a step earlier).
class StepLR : public LRScheduler {
public:
    StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

protected:
    std::vector<double> get_lrs(const std::vector<double>& current) const override;
    int64_t step_size_;
    double gamma_;
};

// After k calls of step(), lr = initial lr * gamma^k (libtorch 1.13 has no ExponentialLR; this is
// torch.optim's).
class ExponentialLR : public LRScheduler {
public:
    ExponentialLR(Optimizer& optimizer, double gamma);

protected:
    std::vector<double> get_lrs(const std::vector<double>& current) const override;
    double gamma_;
};

}  // namespace ember::optim
