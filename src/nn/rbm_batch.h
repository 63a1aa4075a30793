#pragma once
// The steps of one RBM::fit mini-batch that come before the update (src/nn/rbm_fit.cpp runs
// them): the positive phase, the negative phase and the CD statistics. Internal to ember (the MPI
// test of data-parallel fit calls batch_statistics with negative samples of its own).
#include "ember/nn/rbm.h"

namespace ember::nn::detail {

struct PositivePhase {
    Tensor v;  // v0 [n, nv], the data rows (a data-parallel rank's shard of the batch)
    Tensor a;  // a0 = v0 W^T + c [n, nh]
    Tensor h;  // h0 = E[h | v0]: sigmoid(a0), or a0 for Gaussian hidden units
};

struct NegativePhase {
    Tensor v;        // vk [m, nv]: the negative samples (m = n for CD-k, the chain count for PCD)
    Tensor a;        // ak = vk W^T + c [m, nh]
    Tensor a_recon;  // h0 W + b [n, nv]: the pre-activation of the reconstruction p(v | h0)
};

PositivePhase positive_phase(const RBMImpl& rbm, const Tensor& v0);
// k Gibbs steps from v0 (CD-k) or the persistent chains (PCD: n_chains of them, 0 meaning one per
// row of v0): the same samples and random draws as rbm.negative_samples(v0, k, persistent, n_chains).
NegativePhase negative_phase(RBMImpl& rbm, const PositivePhase& pos, int64_t k, bool persistent, int64_t n_chains);
// Given negative samples vk (the test's seam: no random numbers).
NegativePhase negative_phase_given(const RBMImpl& rbm, const PositivePhase& pos, const Tensor& vk);

// A batch's CD statistics: the gradient of mean F(v0) - mean F(vk) in the parameters' layout, the
// free-energy gap, the reconstruction error and, when asked for, the batch means of E[h | v0] and
// v0 (the sparsity penalty's). With data_count = model_count = 0 they are the means over this
// call's rows; a data-parallel rank passes the global batch's counts N and M and gets its share
// (sums over its rows divided by N or M), which an all-reduce (SUM) turns into the batch's.
struct BatchStatistics {
    Tensor grad_weight, grad_visible_bias, grad_hidden_bias;
    Tensor free_energy_gap, reconstruction_error;  // 0-dim
    Tensor mean_hidden, mean_visible;              // [nh], [nv]; undefined unless asked for
};
BatchStatistics batch_statistics(const RBMImpl& rbm, const PositivePhase& pos, const NegativePhase& neg,
                                 int64_t data_count = 0, int64_t model_count = 0, bool with_means = false);

}  // namespace ember::nn::detail
