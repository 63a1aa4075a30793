// RBM::fit: contrastive-divergence training, one mini-batch at a time, in the steps of Hinton's
// "A Practical Guide to Training Restricted Boltzmann Machines" (2010):
//   positive phase   a0 = v0 W^T + c and h0 = E[h | v0] for the data batch v0;
//   negative phase   vk from k Gibbs steps started at v0 (CD-k) or at the persistent chains (PCD),
//                    and ak = vk W^T + c;
//   statistics       the gradient of mean F(v0) - mean F(vk) (negative minus positive statistics:
//                    dL/dW = p(h|vk)^T vk / m - p(h|v0)^T v0 / n, ...) into the parameters' .grad,
//                    in one fused op (ember::rbm_cd_statistics), plus the sparsity penalty;
//   update           optimizer.step(): PyTorch's SGD with momentum by default, or the user's;
//   epoch metrics    the mean reconstruction error and free-energy gap, and the stopping rule.
// Everything runs under NoGradGuard: the gradient is formed directly, no graph is recorded.
#include <chrono>
#include <iostream>
#include <optional>

#include "ember/data/progress.h"
#include "ember/nn/layers.h"
#include "ember/nn/optim/sgd.h"
#include "ember/nn/rbm.h"
#include "ember/ops/rng_state.h"

namespace ember::nn {

namespace {

// ---- the steps of one mini-batch ----

struct PositivePhase {
    Tensor v;  // v0 [n, nv], the data batch
    Tensor a;  // a0 = v0 W^T + c [n, nh]
    Tensor h;  // h0 = E[h | v0]: sigmoid(a0), or a0 for Gaussian hidden units
};

struct NegativePhase {
    Tensor v;        // vk [m, nv]: the negative samples (m = n for CD-k, the chain count for PCD)
    Tensor a;        // ak = vk W^T + c [m, nh]
    Tensor a_recon;  // h0 W + b [n, nv]: the pre-activation of the reconstruction p(v | h0)
};

struct BatchMetrics {
    Tensor free_energy_gap, reconstruction_error;  // 0-dim float64 on the data's device
};

PositivePhase positive_phase(const RBMImpl& rbm, const Tensor& v0) {
    Tensor a0 = functional::linear(v0, rbm.weight, rbm.hidden_bias);
    return {v0, a0, rbm.gaussian_hidden() ? a0 : sigmoid(a0)};
}

// The same samples and random draws as rbm.negative_samples(v0, k, persistent, n_chains). For CD
// the first step's visible product and the reconstruction's share one product over the rows
// [h sample; h0].
NegativePhase negative_phase(RBMImpl& rbm, const PositivePhase& pos, const RBMTrainOptions& o) {
    const int64_t n = pos.v.size(0);
    NegativePhase neg;
    if (o.persistent) {
        neg.v = rbm.negative_samples(pos.v, o.k, true, o.n_chains);
        neg.a_recon = addmm(rbm.visible_bias, pos.h, rbm.weight);
    } else {
        Tensor hs = rbm.gaussian_hidden() ? pos.h + randn_like(pos.h) : bernoulli(pos.h);
        Tensor av = addmm(rbm.visible_bias, cat({hs, pos.h}), rbm.weight);  // [2 n, nv]
        Tensor a_sample = av.narrow(0, 0, n);
        neg.a_recon = av.narrow(0, n, n);
        neg.v = rbm.gaussian() ? a_sample + randn_like(a_sample) : sigmoid_bernoulli(a_sample);
        if (o.k > 1) neg.v = rbm.gibbs(neg.v, o.k - 1);
    }
    neg.a = functional::linear(neg.v, rbm.weight, rbm.hidden_bias);
    return neg;
}

// Sets each parameter's .grad to the gradient of mean F(v0) - mean F(vk), the CD loss of
// contrastive_divergence_loss(), and returns the batch's metrics.
BatchMetrics cd_statistics(RBMImpl& rbm, const PositivePhase& pos, const NegativePhase& neg) {
    auto [grad_w, grad_b, grad_c, gap, err] = rbm_cd_statistics(
        pos.v, pos.h, pos.a, neg.v, neg.a, neg.a_recon, rbm.visible_bias, rbm.gaussian(), rbm.gaussian_hidden());
    rbm.weight.set_grad(grad_w);
    rbm.visible_bias.set_grad(grad_b);
    rbm.hidden_bias.set_grad(grad_c);
    return {gap, err};
}

// The guide's sparsity target (section 11): q, the running mean of E[h | v0] over the batches,
// is pulled towards the target by the penalty gradient cost * (q - target) on c and, times the
// batch's mean visible vector, on W.
class SparsityPenalty {
public:
    explicit SparsityPenalty(const RBMTrainOptions& o) : o_(o) {}
    void add_to_grad(RBMImpl& rbm, const PositivePhase& pos) {
        if (o_.sparsity_target <= 0) return;
        Tensor h = pos.h.mean({0});
        q_ = q_.defined() ? q_ * o_.sparsity_decay + h * (1 - o_.sparsity_decay) : h;
        Tensor delta = (q_ - o_.sparsity_target) * o_.sparsity_cost;
        rbm.hidden_bias.grad().add_(delta);
        rbm.weight.grad().add_(outer(delta, pos.v.mean({0})));
    }

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
    Tensor operator[](int64_t b) const {
        const int64_t start = b * batch_size_, len = std::min(batch_size_, X_.size(0) - start);
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
    void add(const BatchMetrics& m, int64_t rows) {
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

}  // namespace

std::vector<RBMEpoch> RBMImpl::fit(const Tensor& data, const RBMTrainOptions& o) {
    EMBER_ENFORCE(data.defined() && data.dim() == 2 && data.size(1) == n_visible(), ShapeError,
                  "RBM::fit: expected visible states of shape [N, ", n_visible(), "], got ", describe(data));
    EMBER_ENFORCE(o.batch_size > 0 && o.epochs >= 0 && o.k >= 1, ValueError,
                  "RBM::fit: batch_size and k must be positive and epochs non-negative");
    if (o.optimizer) check_optimizer(*o.optimizer, *this);
    Tensor X = data.to(weight.dtype()).to(weight.device());
    const RBMResume* resume = o.resume ? &*o.resume : nullptr;
    if (o.init_visible_bias_from_data && !resume) init_visible_bias(X);  // a resumed run loaded b
    const std::shared_ptr<optim::SGD> sgd = o.optimizer ? nullptr : guide_sgd(*this, o);
    optim::Optimizer& optimizer = o.optimizer ? *o.optimizer : *sgd;
    SparsityPenalty sparsity(o);
    const int64_t n = X.size(0), batches = ShuffledBatches::count(n, o.batch_size);
    if (resume) {
        EMBER_ENFORCE(resume->epoch >= 1 && resume->epoch <= o.epochs && resume->step >= 0 && resume->step <= batches,
                      ValueError, "RBM::fit: cannot resume at epoch ", resume->epoch, ", batch ", resume->step,
                      " of a run of ", o.epochs, " epochs of ", batches, " batches");
        if (resume->restore_optimizer) resume->restore_optimizer(optimizer);
    }
    std::vector<RBMEpoch> history;
    for (int64_t epoch = resume ? resume->epoch : 1; epoch <= o.epochs; ++epoch) {
        if (sgd) apply_guide_schedule(*sgd, o, epoch);
        // Resuming inside this epoch: the same shuffle from the same generator state, then the
        // generator as it was after batch `first` (docs/checkpoints.md).
        const bool resumed = resume && epoch == resume->epoch;
        if (resumed && resume->epoch_rng_state.defined()) set_rng_state(resume->epoch_rng_state);
        const Tensor epoch_rng_state = o.on_batch ? get_rng_state() : Tensor();
        EpochMetrics metrics(*this, o, epoch, batches, X.is_cuda());
        const ShuffledBatches shuffled(X, o.batch_size);
        const int64_t first = resumed ? resume->step : 0;
        if (resumed && resume->rng_state.defined()) set_rng_state(resume->rng_state);
        for (int64_t b = first; b < batches; ++b) {
            NoGradGuard no_grad;
            const PositivePhase pos = positive_phase(*this, shuffled[b]);
            const NegativePhase neg = negative_phase(*this, pos, o);
            const BatchMetrics batch = cd_statistics(*this, pos, neg);
            sparsity.add_to_grad(*this, pos);
            optimizer.step();
            metrics.add(batch, pos.v.size(0));
            if (o.on_batch) o.on_batch(RBMBatch{epoch, b + 1, epoch_rng_state, optimizer});
        }
        // A resumed epoch's metrics cover the batches it ran (NaN when it resumed after its last).
        history.push_back(metrics.finish(n - std::min(n, first * o.batch_size)));
        if (o.on_epoch) o.on_epoch(history.back());
        if (o.stop_reconstruction_error > 0 && history.back().reconstruction_error < o.stop_reconstruction_error) break;
    }
    for (const Tensor& p : {weight, visible_bias, hidden_bias}) p.set_grad(Tensor());  // as zero_grad() leaves them
    return history;
}

}  // namespace ember::nn
