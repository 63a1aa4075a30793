#pragma once
// ReduceLROnPlateauScheduler: lowers the learning rates when a watched metric (a validation loss,
// an accuracy) has stopped improving, as torch.optim.lr_scheduler.ReduceLROnPlateau. Its interface
// is libtorch's (2.x; libtorch 1.13 has none): step(metric) once per epoch.
//
//   optim::ReduceLROnPlateauScheduler plateau(opt, optim::ReduceLROnPlateauScheduler::min, 0.5, 2);
//   for (...) { train(); plateau.step(validation_loss); }
//
// A metric a is better than the best so far, b, when
//   min, rel: a < b (1 - threshold)      min, abs: a < b - threshold
//   max, rel: a > b (1 + threshold)      max, abs: a > b + threshold
// Each step that is not better counts as a bad epoch; after more than `patience` bad epochs in a
// row every group's lr becomes max(lr * factor, min_lr) (a change of eps or less is skipped), and
// for the next `cooldown` steps bad epochs are not counted.
//
// Where libtorch 2.x's C++ version departs from PyTorch's algorithm, this follows PyTorch: max mode
// with abs threshold compares with b + threshold (libtorch: b * threshold), the first metric of
// max mode always counts as better (libtorch starts from the smallest positive float, not the
// lowest), and metrics and rates are kept in double.
#include <vector>

#include "ember/nn/optim/optimizer.h"

namespace ember::optim {

class ReduceLROnPlateauScheduler {
public:
    enum SchedulerMode { min, max };
    enum ThresholdMode { rel, abs };

    // min_lr: empty (0 for every group) or one per parameter group. verbose: print a line for
    // every reduction, as libtorch does.
    ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode = min, double factor = 0.1, int patience = 10,
                               double threshold = 1e-4, ThresholdMode threshold_mode = rel, int cooldown = 0,
                               const std::vector<float>& min_lr = std::vector<float>(), double eps = 1e-8,
                               bool verbose = false);
    virtual ~ReduceLROnPlateauScheduler() = default;

    // Ends an epoch whose watched value was `metric`.
    void step(double metric);

    // ember conveniences: the best metric so far, the bad epochs counted now, the steps taken.
    double best() const { return best_; }
    int num_bad_epochs() const { return num_bad_epochs_; }
    int last_epoch() const { return last_epoch_; }

private:
    bool is_better(double metric) const;
    void reduce_lr();

    Optimizer& optimizer_;
    SchedulerMode mode_;
    double factor_;
    int patience_;
    double threshold_;
    ThresholdMode threshold_mode_;
    int cooldown_;
    std::vector<double> min_lrs_;
    double eps_;
    bool verbose_;
    double best_;
    int cooldown_counter_ = 0;
    int num_bad_epochs_ = 0;
    int last_epoch_ = 0;
};

}  // namespace ember::optim
