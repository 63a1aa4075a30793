// The positive phase, negative phase and CD statistics of an RBM::fit mini-batch (rbm_batch.h).
#include "nn/rbm_batch.h"

#include "ember/nn/layers.h"
#include "ember/ops/rbm_statistics.h"

namespace ember::nn::detail {

PositivePhase positive_phase(const RBMImpl& rbm, const Tensor& v0) {
    Tensor a0 = functional::linear(v0, rbm.weight, rbm.hidden_bias);
    return {v0, a0, rbm.gaussian_hidden() ? a0 : sigmoid(a0)};
}

// For CD the first step's visible product and the reconstruction's share one product over the
// rows [h sample; h0].
NegativePhase negative_phase(RBMImpl& rbm, const PositivePhase& pos, int64_t k, bool persistent, int64_t n_chains) {
    const int64_t n = pos.v.size(0);
    NegativePhase neg;
    if (persistent) {
        neg.v = rbm.negative_samples(pos.v, k, true, n_chains);
        neg.a_recon = addmm(rbm.visible_bias, pos.h, rbm.weight);
    } else {
        Tensor hs = rbm.gaussian_hidden() ? pos.h + randn_like(pos.h) : bernoulli(pos.h);
        Tensor av = addmm(rbm.visible_bias, cat({hs, pos.h}), rbm.weight);  // [2 n, nv]
        Tensor a_sample = av.narrow(0, 0, n);
        neg.a_recon = av.narrow(0, n, n);
        neg.v = rbm.gaussian() ? a_sample + randn_like(a_sample) : sigmoid_bernoulli(a_sample);
        if (k > 1) neg.v = rbm.gibbs(neg.v, k - 1);
    }
    neg.a = functional::linear(neg.v, rbm.weight, rbm.hidden_bias);
    return neg;
}

NegativePhase negative_phase_given(const RBMImpl& rbm, const PositivePhase& pos, const Tensor& vk) {
    return {vk, functional::linear(vk, rbm.weight, rbm.hidden_bias), addmm(rbm.visible_bias, pos.h, rbm.weight)};
}

BatchStatistics batch_statistics(const RBMImpl& rbm, const PositivePhase& pos, const NegativePhase& neg,
                                 int64_t data_count, int64_t model_count, bool with_means) {
    auto [grad_w, grad_b, grad_c, gap, err] =
        rbm_cd_statistics(pos.v, pos.h, pos.a, neg.v, neg.a, neg.a_recon, rbm.visible_bias, rbm.gaussian(),
                          rbm.gaussian_hidden(), data_count, model_count);
    BatchStatistics s{grad_w, grad_b, grad_c, gap, err, Tensor(), Tensor()};
    if (with_means) {
        const double n = static_cast<double>(data_count > 0 ? data_count : pos.v.size(0));
        s.mean_hidden = pos.h.sum({0}) / n;
        s.mean_visible = pos.v.sum({0}) / n;
    }
    return s;
}

}  // namespace ember::nn::detail
