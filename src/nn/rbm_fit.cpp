// RBM::fit: contrastive-divergence training, one mini-batch at a time, in the steps of Hinton's
// "A Practical Guide to Training Restricted Boltzmann Machines" (2010):
//   positive phase   a0 = v0 W^T + c and h0 = E[h | v0] for the data batch v0;
//   negative phase   vk from k Gibbs steps started at v0 (CD-k) or at the persistent chains (PCD),
//                    and ak = vk W^T + c;
//   statistics       the gradient of mean F(v0) - mean F(vk) (negative minus positive statistics:
//                    dL/dW = p(h|vk)^T vk / m - p(h|v0)^T v0 / n, ...) into the parameters' .grad,
//                    in one fused op (ember::rbm_cd_statistics), plus the sparsity penalty and
//                    the L1 subgradient l1 * sign(W);
//   update           optimizer.step(): PyTorch's SGD with momentum by default, or the user's;
//   epoch metrics    the mean reconstruction error and free-energy gap, the held-out gap, the
//                    divergence check, on_epoch, should_stop and the stopping rule.
// The data is checked for NaN/Inf (and [0, 1] for Bernoulli units) once, before the first epoch.
// Everything runs under NoGradGuard: the gradient is formed directly, no graph is recorded.
// The steps before the update are in rbm_batch.cpp; with options.process_group each rank runs
// them on its shard of the batch and one all-reduce sums the shares (rbm_data_parallel.cpp).
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <optional>

#include "ember/data/progress.h"
#include "ember/nn/layers.h"
#include "ember/nn/optim/sgd.h"
#include "ember/nn/rbm.h"
#include "ember/ops/rng_state.h"
#include "nn/rbm_batch.h"
#include "nn/rbm_check.h"
#include "nn/rbm_data_parallel.h"

namespace ember::nn {

namespace {

using detail::BatchStatistics;
using detail::PositivePhase;

// ---- the sparsity penalty (the steps before it are in rbm_batch.cpp) ----

// The guide's sparsity target (section 11): q, the running mean of E[h | v0] over the batches,
// is pulled towards the target by the penalty gradient cost * (q - target) on c and, times the
// batch's mean visible vector, on W.
class SparsityPenalty {
public:
    explicit SparsityPenalty(const RBMTrainOptions& o) : o_(o) {}
    bool enabled() const { return o_.sparsity_target > 0; }
    // h, v: the batch means of E[h | v0] and of v0.
    void add_to_grad(RBMImpl& rbm, const Tensor& h, const Tensor& v) {
        q_ = q_.defined() ? q_ * o_.sparsity_decay + h * (1 - o_.sparsity_decay) : h;
        Tensor delta = (q_ - o_.sparsity_target) * o_.sparsity_cost;
        rbm.hidden_bias.grad().add_(delta);
        rbm.weight.grad().add_(outer(delta, v));
    }

    // The running mean q, for checkpoints, and its restoration on resume.
    const Tensor& estimate() const { return q_; }
    void restore(Tensor q) { q_ = std::move(q); }

private:
    const RBMTrainOptions& o_;
    Tensor q_;
};

// ---- the optimizer ----

// The default: torch.optim.SGD with momentum over two parameter groups, W with weight decay
// (L2, guide section 10) and the biases without.
std::shared_ptr<optim::SGD> guide_sgd(RBMImpl& rbm, const RBMTrainOptions& o) {
    auto options = optim::SGDOptions(o.lr).momentum(o.momentum);
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{rbm.weight},
                        std::make_unique<optim::SGDOptions>(optim::SGDOptions(options).weight_decay(o.weight_decay)));
    groups.emplace_back(std::vector<Tensor>{rbm.visible_bias, rbm.hidden_bias},
                        std::make_unique<optim::SGDOptions>(options));
    return std::make_shared<optim::SGD>(std::move(groups), options);
}

// The guide's schedule for the default optimizer at `epoch` (1-based): momentum until
// momentum_switch_epoch, final_momentum after (section 9); the learning rate linear from lr to
// final_lr over the epochs when final_lr >= 0.
void apply_guide_schedule(optim::SGD& sgd, const RBMTrainOptions& o, int64_t epoch) {
    const double momentum = epoch <= o.momentum_switch_epoch ? o.momentum : o.final_momentum;
    double lr = o.lr;
    if (o.final_lr >= 0 && o.epochs > 1)
        lr = o.lr + (o.final_lr - o.lr) * static_cast<double>(epoch - 1) / static_cast<double>(o.epochs - 1);
    for (auto& group : sgd.param_groups()) static_cast<optim::SGDOptions&>(group.options()).lr(lr).momentum(momentum);
}

// A user's optimizer must hold exactly the RBM's three parameters: one left out would silently
// not train, and another one would be stepped with whatever gradient it holds.
void check_optimizer(const optim::Optimizer& opt, const RBMImpl& rbm) {
    const std::vector<Tensor> held = opt.parameters();
    for (const auto& [p, name] : {std::pair{&rbm.weight, "weight"}, std::pair{&rbm.visible_bias, "visible_bias"},
                                  std::pair{&rbm.hidden_bias, "hidden_bias"}}) {
        bool found = false;
        for (const Tensor& t : held) found = found || t.is_same(*p);
        EMBER_ENFORCE(found, ValueError, "RBM::fit: options.optimizer does not hold the RBM's ", name, " ",
                      describe(*p), " (build it over rbm->parameters())");
    }
    EMBER_ENFORCE(held.size() == 3, ValueError, "RBM::fit: options.optimizer holds ", held.size(),
                  " parameters; expected only the RBM's weight, visible_bias and hidden_bias");
}

// ---- one epoch ----

// The mini-batches of an epoch, in the order of one ember::randperm. On a GPU the data set is
// shuffled once and each batch is a view: an indexing op reads its bad-index check back to the
// host (a synchronisation), so one per epoch rather than one per batch. On the CPU each batch is
// gathered when it is taken. Same rows, same values either way.
class ShuffledBatches {
public:
    ShuffledBatches(const Tensor& X, int64_t batch_size) : X_(X), batch_size_(batch_size) {
        perm_ = randperm(X.size(0), TensorOptions().dtype(kInt64).device(X.device()));
        if (X.is_cuda()) shuffled_ = X.index_select(0, perm_);
    }
    static int64_t count(int64_t rows, int64_t batch_size) { return (rows + batch_size - 1) / batch_size; }
    // The rows of batch b.
    int64_t rows(int64_t b) const { return std::min(batch_size_, X_.size(0) - b * batch_size_); }
    Tensor operator[](int64_t b) const { return slice(b, 0, rows(b)); }
    // Rows [offset, offset + len) of batch b (a data-parallel rank's shard).
    Tensor slice(int64_t b, int64_t offset, int64_t len) const {
        const int64_t start = b * batch_size_ + offset;
        return shuffled_.defined() ? shuffled_.narrow(0, start, len) : X_.index_select(0, perm_.narrow(0, start, len));
    }

private:
    Tensor X_, perm_, shuffled_;
    int64_t batch_size_;
};

// The epoch's metrics, each batch's value weighted by its rows. On the CPU each batch's values
// are read as they come (the progress bar shows the error); on a GPU that read would stall the
// queue every batch, so there the sums stay on the device (float64, the same additions) and are
// read once, at the end of the epoch.
class EpochMetrics {
public:
    EpochMetrics(const RBMImpl& rbm, const RBMTrainOptions& o, int64_t epoch, int64_t batches, bool on_device)
        : epoch_(epoch), on_device_(on_device), start_(std::chrono::steady_clock::now()) {
        if (o.progress)
            bar_.emplace(batches,
                         str_cat("RBM ", rbm.n_visible(), "-", rbm.n_hidden(), " epoch ", epoch, "/", o.epochs),
                         &std::cerr, "batches");
    }
    void add(const BatchStatistics& m, int64_t rows) {
        const double w = static_cast<double>(rows);
        if (on_device_) {
            Tensor e = m.reconstruction_error * w, g = m.free_energy_gap * w;
            err_acc_ = err_acc_.defined() ? err_acc_ + e : e;
            gap_acc_ = gap_acc_.defined() ? gap_acc_ + g : g;
            if (bar_) bar_->update(1);
            return;
        }
        const double err = m.reconstruction_error.item<double>();
        err_sum_ += err * w;
        gap_sum_ += m.free_energy_gap.item<double>() * w;
        if (bar_) bar_->update(1, {{"recon", err}});
    }
    RBMEpoch finish(int64_t rows) {
        if (err_acc_.defined()) {
            err_sum_ = err_acc_.item<double>();
            gap_sum_ = gap_acc_.item<double>();
        }
        RBMEpoch e;
        e.epoch = epoch_;
        e.reconstruction_error = err_sum_ / static_cast<double>(rows);
        e.free_energy_gap = gap_sum_ / static_cast<double>(rows);
        if (bar_) {
            if (on_device_) bar_->update(0, {{"recon", e.reconstruction_error}});
            bar_->finish();
        }
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        return e;
    }

private:
    int64_t epoch_;
    bool on_device_;
    std::chrono::steady_clock::time_point start_;
    std::optional<data::ProgressBar> bar_;
    double err_sum_ = 0, gap_sum_ = 0;
    Tensor err_acc_, gap_acc_;
};

// A data-parallel rank's share of batch b's statistics (rbm_data_parallel.h), all-reduced into the
// batch's. The rank takes its shard of the batch's rows and, for PCD with n_chains, of the chains;
// a rank with neither (a last batch shorter than the world) contributes zeros.
BatchStatistics data_parallel_batch(RBMImpl& rbm, detail::DataParallel& dp, const ShuffledBatches& batches, int64_t b,
                                    const RBMTrainOptions& o, bool with_means) {
    const int64_t rows = batches.rows(b);
    const detail::Shard shard = detail::shard_of(rows, dp.rank(), dp.world());
    const bool fixed_chains = o.persistent && o.n_chains > 0;
    const int64_t chains = fixed_chains ? detail::shard_of(o.n_chains, dp.rank(), dp.world()).size : shard.size;
    BatchStatistics s;
    if (shard.size == 0 && chains == 0) {
        const TensorOptions t = rbm.weight.options();
        s = {zeros_like(rbm.weight),
             zeros_like(rbm.visible_bias),
             zeros_like(rbm.hidden_bias),
             zeros({}, t.dtype(kFloat64)),
             zeros({}, t.dtype(kFloat64)),
             Tensor(),
             Tensor()};
        if (with_means) {
            s.mean_hidden = zeros_like(rbm.hidden_bias);
            s.mean_visible = zeros_like(rbm.visible_bias);
        }
    } else {
        const PositivePhase pos = detail::positive_phase(rbm, batches.slice(b, shard.start, shard.size));
        const detail::NegativePhase neg = detail::negative_phase(rbm, pos, o.k, o.persistent, chains);
        s = detail::batch_statistics(rbm, pos, neg, rows, fixed_chains ? o.n_chains : rows, with_means);
    }
    dp.all_reduce(s);
    return s;
}

// ---- monitoring and divergence (once per epoch) ----

// Hinton's guide, section 6: mean F(held-out) - mean F(training subset), both of m rows (m the
// smaller of the two sets; the first m rows of each, fixed for the run). With the partition
// function cancelling, it is the log-likelihood ratio of the two sets: it grows once the model
// overfits the training data. One read to the host per epoch (both sets were checked on entry,
// so the difference is taken as contrastive_divergence_loss(held-out, train), which checks no values).
class HeldOutGap {
public:
    HeldOutGap(const Tensor& train, const Tensor& held_out) {
        if (!held_out.defined()) return;
        const int64_t m = std::min(train.size(0), held_out.size(0));
        if (m == 0) return;
        train_ = train.narrow(0, 0, m);
        held_out_ = held_out.to(train.options()).narrow(0, 0, m);
    }
    bool active() const { return train_.defined(); }
    double operator()(const RBMImpl& rbm) const {
        if (!active()) return std::numeric_limits<double>::quiet_NaN();
        NoGradGuard no_grad;
        return rbm.contrastive_divergence_loss(held_out_, train_).item<double>();
    }

private:
    Tensor train_, held_out_;
};

// A diverged run stops with an error instead of returning NaN weights: the parameters (one
// reduction) and the epoch's measures, which are on the host already.
void check_epoch(const RBMImpl& rbm, const RBMEpoch& e, bool ran_batches, bool monitored) {
    detail::check_parameters_finite(rbm, e.epoch);
    const auto check = [&](double value, const char* measure) {
        EMBER_ENFORCE(std::isfinite(value), ValueError, detail::rbm_name(rbm), "::fit: training diverged at epoch ",
                      e.epoch, ": the ", measure, " is ", value,
                      "; lower the learning rate (or use a smaller momentum or weight decay)");
    };
    if (ran_batches) {  // a run resumed after an epoch's last batch has NaN measures by construction
        check(e.reconstruction_error, "reconstruction error");
        check(e.free_energy_gap, "free-energy gap");
    }
    if (monitored) check(e.free_energy_gap_heldout, "held-out free-energy gap");
}

}  // namespace

std::vector<RBMEpoch> RBMImpl::fit(const Tensor& data, const RBMTrainOptions& o) {
    EMBER_ENFORCE(data.defined() && data.dim() == 2 && data.size(1) == n_visible(), ShapeError,
                  "RBM::fit: expected visible states of shape [N, ", n_visible(), "], got ", describe(data));
    EMBER_ENFORCE(o.batch_size > 0 && o.epochs >= 0 && o.k >= 1, ValueError,
                  "RBM::fit: batch_size and k must be positive and epochs non-negative");
    EMBER_ENFORCE(o.weight_decay_l1 >= 0, ValueError, "RBM::fit: weight_decay_l1 must be non-negative, got ",
                  o.weight_decay_l1);
    if (o.optimizer) check_optimizer(*o.optimizer, *this);
    // Once for the whole data set (one reduction), not per batch.
    const std::string name = detail::rbm_name(*this);
    detail::check_visible_values(*this, data, name + "::fit");
    if (o.monitor_data.defined()) detail::check_visible_values(*this, o.monitor_data, name + "::fit", "monitor_data");
    std::optional<detail::DataParallel> dp;
    if (o.process_group) {
        dp.emplace(o.process_group);
        dp->check(data.size(0), o);
    }
    Tensor X = data.to(weight.dtype()).to(weight.device());
    const RBMResume* resume = o.resume ? &*o.resume : nullptr;
    // A checkpoint holds one rank's generator, and fit draws its streams' seed when it starts:
    // a data-parallel run cannot resume bit for bit yet, so it refuses instead of drifting.
    EMBER_ENFORCE(!(resume && dp), NotImplementedError,
                  "RBM::fit: resuming a data-parallel fit (process_group set) is not supported yet");
    if (o.init_visible_bias_from_data && !resume) init_visible_bias(X);  // a resumed run loaded b
    if (dp) {
        dp->broadcast_parameters(*this);  // every rank starts from rank 0's parameters
        dp->draw_seed();
    }
    const std::shared_ptr<optim::SGD> sgd = o.optimizer ? nullptr : guide_sgd(*this, o);
    optim::Optimizer& optimizer = o.optimizer ? *o.optimizer : *sgd;
    SparsityPenalty sparsity(o);
    const HeldOutGap held_out_gap(X, o.monitor_data);
    const int64_t n = X.size(0), batches = ShuffledBatches::count(n, o.batch_size);
    if (resume) {
        EMBER_ENFORCE(resume->epoch >= 1 && resume->epoch <= o.epochs && resume->step >= 0 && resume->step <= batches,
                      ValueError, "RBM::fit: cannot resume at epoch ", resume->epoch, ", batch ", resume->step,
                      " of a run of ", o.epochs, " epochs of ", batches, " batches");
        if (resume->restore_optimizer) resume->restore_optimizer(optimizer);
        if (resume->chains.defined()) set_persistent_chains(resume->chains.to(X.options()));
        if (resume->sparsity_estimate.defined()) sparsity.restore(resume->sparsity_estimate.to(X.options()));
    }
    // fit leaves .grad undefined, as zero_grad() does, when it returns and when a divergence or a
    // callback throws.
    struct ClearGrads {
        RBMImpl& rbm;
        ~ClearGrads() {
            for (const Tensor& p : {rbm.weight, rbm.visible_bias, rbm.hidden_bias}) p.set_grad(Tensor());
        }
    } clear_grads{*this};
    std::vector<RBMEpoch> history;
    for (int64_t epoch = resume ? resume->epoch : 1; epoch <= o.epochs; ++epoch) {
        if (sgd) apply_guide_schedule(*sgd, o, epoch);
        // Resuming inside this epoch: the same shuffle from the same generator state, then the
        // generator as it was after batch `first` (docs/checkpoints.md).
        const bool resumed = resume && epoch == resume->epoch;
        if (resumed && resume->epoch_rng_state.defined()) set_rng_state(resume->epoch_rng_state);
        const Tensor epoch_rng_state = o.on_batch ? get_rng_state() : Tensor();
        EpochMetrics metrics(*this, o, epoch, batches, X.is_cuda());
        if (dp) dp->seed_shuffle(epoch);
        const ShuffledBatches shuffled(X, o.batch_size);
        if (dp) dp->seed_sampling(epoch);
        const int64_t first = resumed ? resume->step : 0;
        if (resumed && resume->rng_state.defined()) set_rng_state(resume->rng_state);
        for (int64_t b = first; b < batches; ++b) {
            NoGradGuard no_grad;
            BatchStatistics stats;
            Tensor mean_h, mean_v;  // for the sparsity penalty
            if (dp) {
                stats = data_parallel_batch(*this, *dp, shuffled, b, o, sparsity.enabled());
                mean_h = stats.mean_hidden;
                mean_v = stats.mean_visible;
            } else {
                const PositivePhase pos = detail::positive_phase(*this, shuffled[b]);
                stats = detail::batch_statistics(*this, pos,
                                                 detail::negative_phase(*this, pos, o.k, o.persistent, o.n_chains));
                if (sparsity.enabled()) {
                    mean_h = pos.h.mean({0});
                    mean_v = pos.v.mean({0});
                }
            }
            weight.set_grad(stats.grad_weight);
            visible_bias.set_grad(stats.grad_visible_bias);
            hidden_bias.set_grad(stats.grad_hidden_bias);
            if (sparsity.enabled()) sparsity.add_to_grad(*this, mean_h, mean_v);
            // L1 decay on W: the subgradient of l1 * sum |W_ij| (sign(0) = 0), on every rank alike
            // (the parameters and so sign(W) are equal there).
            if (o.weight_decay_l1 > 0) weight.grad().add_(sign(weight) * o.weight_decay_l1);
            optimizer.step();
            metrics.add(stats, shuffled.rows(b));
            if (o.on_batch) o.on_batch(RBMBatch{epoch, b + 1, epoch_rng_state, optimizer, sparsity.estimate()});
        }
        // A resumed epoch's metrics cover the batches it ran (NaN when it resumed after its last).
        history.push_back(metrics.finish(n - std::min(n, first * o.batch_size)));
        if (dp) history.back().allreduce_seconds = dp->take_allreduce_seconds();
        history.back().free_energy_gap_heldout = held_out_gap(*this);
        check_epoch(*this, history.back(), first < batches, held_out_gap.active());
        if (o.on_epoch) o.on_epoch(history.back());
        if (o.should_stop && o.should_stop(history.back())) break;
        if (o.stop_reconstruction_error > 0 && history.back().reconstruction_error < o.stop_reconstruction_error) break;
    }
    return history;
}

}  // namespace ember::nn
