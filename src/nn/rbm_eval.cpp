// Evaluating an RBM: exact log Z by enumeration, log-likelihood, AIS estimate of log Z.
// Everything runs in float64: log Z of a 784-500 RBM is in the hundreds and its likelihood is a
// difference of such numbers.
#include <cmath>

#include "ember/nn/layers.h"
#include "ember/nn/rbm.h"
#include "nn/rbm_check.h"

namespace ember::nn {

namespace {

constexpr double kLog2Pi = 1.8378770664093453;  // log(2 pi)

struct Params64 {
    Tensor W, b, c;  // float64 copies on the RBM's device
};
Params64 params64(const RBMImpl& rbm) {
    NoGradGuard g;
    return {rbm.weight.detach().to(kFloat64), rbm.visible_bias.detach().to(kFloat64),
            rbm.hidden_bias.detach().to(kFloat64)};
}

// All 2^n binary vectors of length n, rows [start, start + count), as float64 [count, n]:
// row r holds the bits of start + r (bit i in column i).
Tensor binary_rows(int64_t n, int64_t start, int64_t count, Device device) {
    std::vector<double> bits(static_cast<std::size_t>(count * n));
    for (int64_t r = 0; r < count; ++r)
        for (int64_t i = 0; i < n; ++i) bits[r * n + i] = static_cast<double>(((start + r) >> i) & 1);
    return tensor(bits, dtype(kFloat64)).view({count, n}).to(device);
}

// -F(v) with every constant kept, so that log Z and log p(v) are the true ones.
Tensor neg_free_energy(const RBMImpl& rbm, const Params64& P, const Tensor& v) {
    Tensor a = functional::linear(v, P.W, P.c);
    if (rbm.gaussian_hidden()) {
        // integral over h of exp(b.v - ||h - c||^2 / 2 + h.W v)
        //   = exp(b.v + ||c + W v||^2 / 2 - ||c||^2 / 2) (2 pi)^(H/2)
        const double nh = static_cast<double>(rbm.n_hidden());
        return matmul(v, P.b) + (a * a).sum({1}) * 0.5 - (P.c * P.c).sum() * 0.5 + 0.5 * nh * kLog2Pi;
    }
    Tensor hidden = softplus(a).sum({1});
    if (rbm.gaussian()) {
        Tensor d = v - P.b;
        return hidden - (d * d).sum({1}) * 0.5;
    }
    return hidden + matmul(v, P.b);
}

}  // namespace

double rbm_log_partition_exact(const RBMImpl& rbm, int64_t max_units) {
    NoGradGuard g;
    Params64 P = params64(rbm);
    const int64_t nv = rbm.n_visible(), nh = rbm.n_hidden();
    const bool over_hidden = !rbm.gaussian_hidden() && (rbm.gaussian() || nh <= nv);
    const int64_t n = over_hidden ? nh : nv;
    EMBER_ENFORCE(n <= max_units, ValueError, "rbm_log_partition_exact: enumerating 2^", n,
                  " states is not feasible (limit 2^", max_units, "); use rbm_log_partition_ais");
    const int64_t total = int64_t{1} << n;
    const int64_t chunk =
        std::min<int64_t>(total, std::max<int64_t>(1, (int64_t{1} << 22) / std::max<int64_t>(nv, nh)));
    std::vector<Tensor> parts;
    for (int64_t start = 0; start < total; start += chunk) {
        int64_t count = std::min(chunk, total - start);
        Tensor s = binary_rows(n, start, count, P.W.device());
        Tensor term;
        if (over_hidden) {
            Tensor wh = mm(s, P.W);  // [count, nv] = h W
            if (rbm.gaussian()) {
                // integral over v of exp(-||v-b||^2/2 + v.W^T h) = (2 pi)^(nv/2) exp(b.W^T h + ||W^T h||^2 / 2)
                term = matmul(s, P.c) + matmul(wh, P.b) + (wh * wh).sum({1}) * 0.5 + 0.5 * nv * kLog2Pi;
            } else {
                // sum over v of exp(b.v + c.h + h^T W v) = exp(c.h) prod_i (1 + exp(b_i + (h W)_i))
                term = matmul(s, P.c) + softplus(wh + P.b).sum({1});
            }
        } else {
            term = neg_free_energy(rbm, P, s);
        }
        parts.push_back(logsumexp(term, {0}, false).reshape({1}));
    }
    return logsumexp(cat(parts, 0), {0}, false).item<double>();
}

double rbm_log_likelihood(const RBMImpl& rbm, const Tensor& data, double log_z) {
    detail::check_visible_values(rbm, data, detail::rbm_name(rbm) + " rbm_log_likelihood");
    NoGradGuard g;
    Params64 P = params64(rbm);
    Tensor v = data.to(kFloat64).to(P.W.device());
    return neg_free_energy(rbm, P, v).mean().item<double>() - log_z;
}

AISResult rbm_log_partition_ais(const RBMImpl& rbm, const AISOptions& o, const Tensor& data) {
    EMBER_ENFORCE(o.n_betas >= 2 && o.runs >= 1, ValueError, "rbm_log_partition_ais: need n_betas >= 2 and runs >= 1");
    EMBER_ENFORCE(!rbm.gaussian_hidden(), NotImplementedError,
                  "rbm_log_partition_ais: Gaussian hidden units are not supported (enumerate the visible layer with "
                  "rbm_log_partition_exact when it is small)");
    if (data.defined()) detail::check_visible_values(rbm, data, detail::rbm_name(rbm) + " rbm_log_partition_ais");
    NoGradGuard g;
    Params64 P = params64(rbm);
    const int64_t nv = rbm.n_visible(), nh = rbm.n_hidden();
    const bool gauss = rbm.gaussian();
    // The base-rate model A: W = 0, c = 0 and visible biases bA (Bernoulli: from the data's pixel
    // means when given, else 0; Gaussian: the RBM's own b, so A is N(b, I)).
    Tensor bA = zeros({nv}, P.b.options());
    if (gauss) {
        bA = P.b;
    } else if (data.defined()) {
        Tensor p = data.to(kFloat64).to(P.b.device()).mean({0}).clamp(1e-3, 1 - 1e-3);
        bA = log(p / (1.0 - p));
    }
    AISResult r;
    r.log_z_base =
        gauss ? 0.5 * nv * kLog2Pi + nh * std::log(2.0) : softplus(bA).sum().item<double>() + nh * std::log(2.0);

    // Inverse temperatures: Salakhutdinov & Murray's schedule, dense near beta = 1.
    std::vector<double> betas;
    const int64_t n1 = o.n_betas / 10, n2 = o.n_betas * 4 / 10, n3 = o.n_betas - n1 - n2;
    for (int64_t i = 0; i < n1; ++i) betas.push_back(0.5 * static_cast<double>(i) / static_cast<double>(n1));
    for (int64_t i = 0; i < n2; ++i) betas.push_back(0.5 + 0.4 * static_cast<double>(i) / static_cast<double>(n2));
    for (int64_t i = 0; i <= n3; ++i) betas.push_back(0.9 + 0.1 * static_cast<double>(i) / static_cast<double>(n3));

    // log p*_beta(v) = (1 - beta) bA.v + beta b.v + sum_j softplus(beta (W_j v + c_j))  (Bernoulli)
    // log p*_beta(v) = -||v - b||^2 / 2 + sum_j softplus(beta (W_j v + c_j))              (Gaussian)
    auto log_p_star = [&](const Tensor& v, const Tensor& pre, double beta) {
        Tensor hidden = softplus(pre * beta).sum({1});
        if (gauss) {
            Tensor d = v - P.b;
            return hidden - (d * d).sum({1}) * 0.5;
        }
        return hidden + matmul(v, bA) * (1.0 - beta) + matmul(v, P.b) * beta;
    };

    const int64_t R = o.runs;
    Tensor v = gauss ? randn({R, nv}, dtype(kFloat64)).to(P.W.device()) + bA
                     : bernoulli(sigmoid(bA).unsqueeze(0).expand({R, nv}).contiguous());
    Tensor log_w = zeros({R}, P.b.options());
    for (std::size_t k = 1; k < betas.size(); ++k) {
        Tensor pre = functional::linear(v, P.W, P.c);
        log_w = log_w + log_p_star(v, pre, betas[k]) - log_p_star(v, pre, betas[k - 1]);
        // One Gibbs transition that leaves p_beta_k invariant.
        const double beta = betas[k];
        Tensor h = bernoulli(sigmoid(pre * beta));
        Tensor a = mm(h, P.W) * beta;
        if (gauss) {
            v = a + P.b + randn_like(a);
        } else {
            v = bernoulli(sigmoid(a + P.b * beta + bA * (1.0 - beta)));
        }
    }
    // log Z_B = log Z_A + log mean_r w_r
    double lme = logsumexp(log_w, {0}, false).item<double>() - std::log(static_cast<double>(R));
    r.log_z = r.log_z_base + lme;
    // Spread of the estimate: the standard deviation of the weights relative to their mean.
    Tensor w = exp(log_w - logsumexp(log_w, {0}, false)) * static_cast<double>(R);
    r.log_z_std = R > 1 ? std::log1p(w.std({0}).item<double>() / std::sqrt(static_cast<double>(R))) : 0;
    return r;
}

}  // namespace ember::nn
