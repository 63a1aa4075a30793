#pragma once
// Restricted Boltzmann Machine as an ordinary nn::Module.
// (Gaussian hidden units, see HiddenUnits, replace softplus(a) by a^2 / 2 in F, up to constants.)
//
// Energy (Bernoulli visible):  E(v, h) = -b.v - c.h - h^T W v
// Energy (Gaussian visible, unit variance):  E(v, h) = ||v - b||^2 / 2 - c.h - h^T W v
// with W [n_hidden, n_visible] (laid out as nn::Linear's weight), b = visible_bias, c = hidden_bias.
// Summing out h gives the free energy
//   F(v) = -b.v - sum_j softplus(c_j + W_j v)          (Bernoulli)
//   F(v) = ||v - b||^2 / 2 - sum_j softplus(c_j + W_j v)  (Gaussian)
// and p(v) = exp(-F(v)) / Z. The log-likelihood gradient is E_data[-dF/dtheta] - E_model[-dF/dtheta];
// contrastive divergence replaces the model expectation by samples from k Gibbs steps (CD-k)
// or from persistent chains (PCD). The CD update is the negative gradient of
//   loss = mean F(v_data) - mean F(v_model.detach())     (contrastive_divergence_loss())
// so a user's own loop can call loss.backward() and any optimizer, device or serializer of nn;
// explicit_update() writes the same update in the lecture's outer-product form.
//
// fit() trains without recording a graph. Per mini-batch v0 it runs the positive phase
// (a0 = v0 W^T + c, h0 = E[h | v0]), the negative phase (vk from k Gibbs steps at v0, or from the
// persistent chains), the statistics (the gradient of that loss, formed directly by the fused op
// ember::rbm_cd_statistics, written into the parameters' .grad, plus the sparsity penalty) and
// the update (optimizer.step()). The optimizer is torch.optim.SGD with momentum over two
// parameter groups, W with weight_decay and the biases without, on the guide's momentum and
// learning-rate schedule; or any ember::optim optimizer the caller builds over rbm->parameters()
// and passes as RBMTrainOptions::optimizer.
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "ember/distributed/process_group.h"
#include "ember/nn/module.h"
#include "ember/nn/optim/optimizer.h"

namespace ember::nn {

enum class VisibleUnits { Bernoulli, Gaussian };
// Gaussian hidden units are linear with unit-variance noise, p(h | v) = N(c + W v, I): the code
// layer of Hinton & Salakhutdinov's autoencoder. Energy term ||h - c||^2 / 2 instead of -c.h.
enum class HiddenUnits { Bernoulli, Gaussian };

struct RBMOptions {
    RBMOptions(int64_t n_visible, int64_t n_hidden) : n_visible_(n_visible), n_hidden_(n_hidden) {}
    RBMOptions& visible(VisibleUnits v) {
        visible_ = v;
        return *this;
    }
    RBMOptions& hidden(HiddenUnits h) {
        hidden_ = h;
        return *this;
    }
    int64_t n_visible_, n_hidden_;
    VisibleUnits visible_ = VisibleUnits::Bernoulli;
    HiddenUnits hidden_ = HiddenUnits::Bernoulli;
};

struct RBMEpoch {
    int64_t epoch = 0;
    double reconstruction_error = 0;  // mean over the epoch of sum_i (v_i - p(v_i | h(v)))^2 per example,
                                      // each batch reconstructed by the model before its update
    double free_energy_gap = 0;       // mean F(data) - mean F(model samples), the training loss
    // With RBMTrainOptions::monitor_data: mean F(held-out) - mean F(a training subset of the same
    // size), after the epoch's updates (Hinton's guide, section 6). It grows as the model overfits;
    // NaN without monitor data.
    double free_energy_gap_heldout = std::numeric_limits<double>::quiet_NaN();
    double seconds = 0;
    double allreduce_seconds = 0;  // data-parallel: of `seconds`, the time in the statistics' all-reduce
                                   // (waiting for the slowest rank included); 0 in one process
};

// Where fit() is after a batch, for on_batch (e.g. to write a checkpoint: docs/checkpoints.md).
struct RBMBatch {
    int64_t epoch;                  // 1-based
    int64_t step;                   // batches of this epoch done, this one included
    const Tensor& epoch_rng_state;  // ember::get_rng_state() before this epoch's shuffle
    optim::Optimizer& optimizer;    // the optimizer fit steps (the default SGD or options.optimizer)
    // The sparsity penalty's running mean q of E[h | v0] (undefined without the penalty); PCD's
    // chains are the RBM's persistent_chains().
    const Tensor& sparsity_estimate;
};

// A point to resume fit() from, as a checkpoint saved from on_batch recorded it: the parameters
// are the caller's to load first; fit then skips the visible-bias initialisation, starts at epoch
// `epoch` after `step` of its batches (drawing the epoch's shuffle from `epoch_rng_state` again),
// sets the generator to `rng_state` and calls restore_optimizer with its optimizer. With
// `chains` (the RBM's persistent_chains() at the checkpoint) PCD continues its chains, and with
// `sparsity_estimate` (RBMBatch's) the penalty its running mean: then the resumed run is exact
// for PCD and the sparsity penalty too.
struct RBMResume {
    int64_t epoch = 1, step = 0;
    Tensor epoch_rng_state, rng_state;
    std::function<void(optim::Optimizer&)> restore_optimizer;
    // {}: an aggregate initialisation that stops before these draws no -Wmissing-field-initializers.
    Tensor chains{}, sparsity_estimate{};
};

// How fit() trains. lr, final_lr, the momentum fields and weight_decay configure the default
// optimizer; with `optimizer` set they are not used.
struct RBMTrainOptions {
    int64_t epochs = 10;  // maximum number of epochs
    int64_t batch_size = 100;
    int64_t k = 1;            // Gibbs steps per update (CD-k, or per PCD update)
    bool persistent = false;  // PCD: chains persist across updates
    int64_t n_chains = 0;     // PCD: number of persistent chains (0: one per example of a batch)
    double lr = 0.1;
    double final_lr = -1;         // >= 0: the learning rate decays linearly to this by the last epoch
    double momentum = 0.5;        // for the first `momentum_switch_epoch` epochs ...
    double final_momentum = 0.9;  // ... then this (Hinton's practical guide, section 9)
    int64_t momentum_switch_epoch = 5;
    double weight_decay = 2e-4;  // L2 on W only, not on the biases (guide, section 10)
    // L1 on W only: the subgradient weight_decay_l1 * sign(W) is added to W's gradient before every
    // step (with the default optimizer or options.optimizer alike); it drives small weights to 0.
    double weight_decay_l1 = 0;
    double sparsity_target = 0;  // 0 disables the sparsity penalty (guide, section 11)
    double sparsity_cost = 0.1;
    double sparsity_decay = 0.95;                   // running estimate q <- decay q + (1 - decay) mean(h)
    double stop_reconstruction_error = 0;           // the lecture's stopping rule: stop once below this
    bool init_visible_bias_from_data = true;        // b = log(p / (1 - p)) from pixel means (guide, section 8)
    bool progress = true;                           // a progress bar per epoch (shuffling follows ember::manual_seed)
    std::function<void(const RBMEpoch&)> on_epoch;  // called after every epoch (e.g. to evaluate)
    // Called after on_epoch; returning true ends training after this epoch (early stopping, as
    // Lightning's trainer.should_stop or Keras' model.stop_training), the epoch kept in the history.
    std::function<bool(const RBMEpoch&)> should_stop{};
    // Held-out rows (same width as the data) for RBMEpoch::free_energy_gap_heldout; undefined: none.
    Tensor monitor_data{};
    std::function<void(const RBMBatch&)> on_batch;  // called after every batch's update (e.g. to checkpoint)
    std::optional<RBMResume> resume;                // continue a run from a checkpoint (RBMResume)
    // The optimizer fit steps after each batch's statistics. Null: a fresh optim::SGD per fit call,
    // lr and momentum as above in two param groups, W with weight_decay and the biases without.
    // It must hold exactly the RBM's parameters, e.g.
    //   o.optimizer = std::make_shared<optim::Adam>(rbm->parameters(), optim::AdamOptions(1e-3));
    // fit leaves its options alone (step a scheduler from on_epoch to change them) and its state
    // carries over from one fit call to the next, as in a PyTorch loop (the PCD chains too; the
    // sparsity estimate starts afresh with each call).
    std::shared_ptr<optim::Optimizer> optimizer;
    // Data-parallel training (docs/distributed.md): null trains in this process alone. With a group
    // (e.g. distributed::get_default_group() after init_process_group("mpi")) every rank calls fit
    // with the same whole data set and options; each global batch of the one shuffled order is
    // split into contiguous shards, one per rank (sizes differing by at most one), each rank forms
    // its shard's CD statistics, one all-reduce sums them, and every rank takes the same optimizer
    // step, so the parameters stay bitwise equal. fit starts from rank 0's parameters (broadcast
    // after the visible-bias initialisation). PCD: each rank keeps its shard of the chains
    // (n_chains 0 or at least the world size). Random numbers: a seed s drawn from rank 0's
    // generator is broadcast; epoch e shuffles with randperm after manual_seed(stream(s, e, 0)) on
    // every rank, then rank r samples after manual_seed(stream(s, e, r + 1)), so a run is
    // deterministic for a given world size. Needs batch_size and the data's rows >= world size.
    std::shared_ptr<distributed::ProcessGroup> process_group;
};

class RBMImpl : public Module {
public:
    RBMImpl(int64_t n_visible, int64_t n_hidden, VisibleUnits visible = VisibleUnits::Bernoulli)
        : RBMImpl(RBMOptions(n_visible, n_hidden).visible(visible)) {}
    explicit RBMImpl(const RBMOptions& options);

    // Hinton's initialisation: W ~ N(0, 0.01^2), c = 0, b = log(p / (1 - p)) from `data` when given
    // (Bernoulli visible units; p clamped to [1e-3, 1 - 1e-3]), else 0.
    void reset_parameters(const Tensor& data = Tensor());

    // p(h = 1 | v) = sigmoid(v W^T + c), shape [N, n_hidden]; for Gaussian hidden units the mean v W^T + c.
    Tensor hidden_probs(const Tensor& v) const;
    // Bernoulli: p(v = 1 | h) = sigmoid(h W + b); Gaussian: the mean h W + b.
    Tensor visible_probs(const Tensor& h) const;
    Tensor sample_hidden(const Tensor& v) const;
    Tensor sample_visible(const Tensor& h) const;
    // k steps of block Gibbs sampling v -> h -> v starting at v (no gradient).
    Tensor gibbs(const Tensor& v, int64_t k = 1) const;
    Tensor free_energy(const Tensor& v) const;
    // Mean-field reconstruction p(v | p(h | v)).
    Tensor reconstruct(const Tensor& v) const;
    // Mean over examples of sum_i (v_i - reconstruct(v)_i)^2.
    double reconstruction_error(const Tensor& v) const;
    // Mean over examples of the pseudo-log-likelihood sum_i log p(v_i | v_-i) (Bernoulli visible
    // units). exact: all n_visible terms; otherwise one random unit per example scaled by
    // n_visible (the stochastic estimate scikit-learn reports).
    double pseudo_likelihood(const Tensor& v, bool exact = false) const;

    // The negative-phase samples for a batch: k Gibbs steps from the data (CD) or from the
    // persistent chains (PCD: `n_chains` chains, 0 meaning one per row of v_data; they start from
    // the data and are re-initialised when their number, dtype or device changes).
    Tensor negative_samples(const Tensor& v_data, int64_t k, bool persistent, int64_t n_chains = 0);
    // PCD's persistent chains (undefined before the first persistent step), for checkpoints.
    const Tensor& persistent_chains() const { return chains_; }
    void set_persistent_chains(Tensor chains) { chains_ = std::move(chains); }
    // mean F(v_data) - mean F(v_model): its gradient is the CD/PCD update (v_model is detached).
    Tensor contrastive_divergence_loss(const Tensor& v_data, const Tensor& v_model) const;

    // The lecture's explicit update (the negative of the loss gradient), with hidden probabilities:
    //   dW = (p(h|v0)^T v0 - p(h|vk)^T vk) / N,  db = mean(v0 - vk),  dc = mean(p(h|v0) - p(h|vk))
    struct Update {
        Tensor weight, visible_bias, hidden_bias;
    };
    Update explicit_update(const Tensor& v_data, const Tensor& v_model) const;

    // Trains with CD-k or PCD (see the top of this file for the steps of a batch); stops after
    // `epochs`, when the epoch's reconstruction error falls below stop_reconstruction_error, or
    // when should_stop says so. Returns per-epoch metrics and leaves the parameters' .grad undefined.
    // Throws ValueError on NaN/Inf data (or, for Bernoulli visible units, values outside [0, 1]),
    // naming the row, column and value, and when training diverges (NaN/Inf parameters, free-energy
    // gap or reconstruction error at the end of an epoch), naming the epoch and the measure.
    // The evaluations (free_energy, reconstruction_error, pseudo_likelihood, AIS's data) check
    // their data the same way.
    std::vector<RBMEpoch> fit(const Tensor& data, const RBMTrainOptions& options = {});

    Tensor forward(const Tensor& v) const { return hidden_probs(v); }
    void pretty_print(std::ostream& os) const override;

    int64_t n_visible() const { return options.n_visible_; }
    int64_t n_hidden() const { return options.n_hidden_; }
    bool gaussian() const { return options.visible_ == VisibleUnits::Gaussian; }
    bool gaussian_hidden() const { return options.hidden_ == HiddenUnits::Gaussian; }

    RBMOptions options;
    Tensor weight;        // W [n_hidden, n_visible]
    Tensor visible_bias;  // b [n_visible]
    Tensor hidden_bias;   // c [n_hidden]

private:
    // b = log(p / (1 - p)) from the pixel means p (Bernoulli), or the data mean (Gaussian).
    void init_visible_bias(const Tensor& data);
    // F(v) given its hidden pre-activation a = v W^T + c.
    Tensor free_energy_given(const Tensor& v, const Tensor& a) const;
    Tensor chains_;  // PCD persistent visible states
};
EMBER_MODULE(RBM);

// ---- evaluation (float64 throughout) ----

// log Z by exact enumeration of the smaller layer (the other is summed out analytically).
// Feasible up to about 20 units in that layer; throws ValueError above `max_units`.
double rbm_log_partition_exact(const RBMImpl& rbm, int64_t max_units = 24);
// Mean log p(v) over the rows of `data` given log Z.
double rbm_log_likelihood(const RBMImpl& rbm, const Tensor& data, double log_z);

struct AISOptions {
    int64_t n_betas = 10000;  // intermediate temperatures (linear in three segments as in Salakhutdinov & Murray 2008)
    int64_t runs = 100;       // independent annealing runs
    uint64_t seed = 1;
};
struct AISResult {
    double log_z = 0;       // estimate of log Z
    double log_z_std = 0;   // spread: log Z +- 3 std of the log of the mean weight (from the runs' weights)
    double log_z_base = 0;  // log Z of the base-rate model
};
// Annealed importance sampling estimate of log Z (Neal 2001; Salakhutdinov & Murray 2008), from
// a base-rate model with W = 0, c = 0 (and, for Bernoulli visible units, visible biases from
// `data` when given) to the RBM, with Gibbs transitions at each inverse temperature.
AISResult rbm_log_partition_ais(const RBMImpl& rbm, const AISOptions& options = {}, const Tensor& data = Tensor());

}  // namespace ember::nn
