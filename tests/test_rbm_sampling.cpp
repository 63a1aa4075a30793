// RBM sampling against independent references: the conditionals' draws replayed from the same
// random stream and checked statistically, Gibbs chains against the exact joint distribution of a
// small RBM (chi-square), the persistent chains of PCD replayed by hand, and the deterministic
// reconstruction, its error and the stochastic pseudo-likelihood against their formulas.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/rbm.h"
#include "rbm_test_util.h"

using namespace ember;

namespace {

using rbm_test::random_rbm;

// The conditionals written from the parameters: p(h = 1 | v) and p(v = 1 | h) (or the Gaussian mean).
Tensor p_h(const nn::RBMImpl& r, const Tensor& v) { return sigmoid(mm(v, r.weight.t()) + r.hidden_bias); }
Tensor a_v(const nn::RBMImpl& r, const Tensor& h) { return mm(h, r.weight) + r.visible_bias; }

// F(v) = -b.v - sum_j log(1 + exp(c_j + W_j v)) for Bernoulli units.
Tensor free_energy(const nn::RBMImpl& r, const Tensor& v) {
    return -matmul(v, r.visible_bias) - log1p(exp(mm(v, r.weight.t()) + r.hidden_bias)).sum({1});
}

// The chi-square quantile at upper tail 0.001 by Wilson-Hilferty (z_0.999 = 3.0902); within 1% for dof >= 5.
double chi2_upper_001(double dof) {
    const double a = 2.0 / (9.0 * dof);
    return dof * std::pow(1.0 - a + 3.0902 * std::sqrt(a), 3);
}

}  // namespace

TEST_CASE("sample_hidden and sample_visible draw Bernoulli(p) from the conditionals", "[rbm][sampling]") {
    manual_seed(31);
    nn::RBM rbm = random_rbm(5, 4, 1.0);
    Tensor v = bernoulli(full({1, 5}, 0.5, dtype(kFloat64))).expand({20000, 5}).contiguous();
    Tensor h = bernoulli(full({1, 4}, 0.5, dtype(kFloat64))).expand({20000, 4}).contiguous();
    // The same draws as bernoulli of the hand-written probabilities from the same stream.
    manual_seed(32);
    Tensor sh = rbm->sample_hidden(v), sv = rbm->sample_visible(h);
    manual_seed(32);
    CHECK(equal(sh, bernoulli(p_h(*rbm, v))));
    CHECK(equal(sv, bernoulli(sigmoid(a_v(*rbm, h)))));
    // And their means are within 5 binomial standard deviations of p (20000 draws per unit).
    for (const auto& [s, p] :
         {std::pair{sh, p_h(*rbm, v.narrow(0, 0, 1))}, std::pair{sv, sigmoid(a_v(*rbm, h.narrow(0, 0, 1)))}}) {
        Tensor bound = sqrt(p * (1.0 - p) / 20000.0) * 5.0;
        CHECK(((s.mean({0}, true) - p).abs() - bound).max().item<double>() < 0);
    }
}

TEST_CASE("Gaussian visible units sample N(h W + b, 1)", "[rbm][sampling]") {
    manual_seed(33);
    nn::RBM rbm = random_rbm(4, 3, 1.0, nn::VisibleUnits::Gaussian);
    Tensor h = bernoulli(full({1, 3}, 0.5, dtype(kFloat64))).expand({20000, 3}).contiguous();
    Tensor s = rbm->sample_visible(h);
    Tensor mean = a_v(*rbm, h.narrow(0, 0, 1));
    // Sample mean within 5 std / sqrt(N); sample variance within 5 sqrt(2 / N) of 1.
    CHECK(((s.mean({0}, true) - mean).abs() - 5.0 / std::sqrt(20000.0)).max().item<double>() < 0);
    CHECK(((s.var({0}) - 1.0).abs() - 5.0 * std::sqrt(2.0 / 20000.0)).max().item<double>() < 0);
}

TEST_CASE("gibbs(v, k) replays as k hand-written v -> h -> v Bernoulli steps", "[rbm][sampling]") {
    manual_seed(34);
    nn::RBM rbm = random_rbm(6, 4, 1.0);
    Tensor v0 = bernoulli(full({8, 6}, 0.5, dtype(kFloat64)));
    manual_seed(35);
    Tensor got = rbm->gibbs(v0, 3);
    manual_seed(35);
    Tensor v = v0;
    for (int s = 0; s < 3; ++s) v = bernoulli(sigmoid(a_v(*rbm, bernoulli(p_h(*rbm, v)))));
    CHECK(equal(got, v));
    CHECK(equal(rbm->gibbs(v0, 0), v0));
}

TEST_CASE("long Gibbs runs of a 4x3 RBM match its exact joint distribution (chi-square, p = 0.001)",
          "[rbm][sampling]") {
    manual_seed(36);
    nn::RBM rbm = random_rbm(4, 3, 0.8);
    const int64_t chains = 20000, nv = 4, nh = 3, states = int64_t{1} << (nv + nh);
    // Independent chains, 30 steps each from uniform states; the last v with h ~ p(h | v) is a
    // draw of the joint once the chain has mixed.
    Tensor v = rbm->gibbs(bernoulli(full({chains, nv}, 0.5, dtype(kFloat64))), 30);
    Tensor h = rbm->sample_hidden(v);
    std::vector<double> counts(static_cast<std::size_t>(states), 0.0);
    const auto vs = v.to_vector<double>(), hs = h.to_vector<double>();
    for (int64_t n = 0; n < chains; ++n) {
        int64_t s = 0;
        for (int64_t i = 0; i < nv; ++i) s |= static_cast<int64_t>(vs[n * nv + i]) << i;
        for (int64_t j = 0; j < nh; ++j) s |= static_cast<int64_t>(hs[n * nh + j]) << (nv + j);
        counts[static_cast<std::size_t>(s)] += 1;
    }
    // p(v, h) = exp(-E(v, h)) / Z with E = -b.v - c.h - h^T W v, every state enumerated.
    const auto W = rbm->weight.to_vector<double>(), b = rbm->visible_bias.to_vector<double>(),
               c = rbm->hidden_bias.to_vector<double>();
    std::vector<double> p(static_cast<std::size_t>(states));
    double z = 0;
    for (int64_t s = 0; s < states; ++s) {
        double neg_e = 0;
        for (int64_t i = 0; i < nv; ++i) neg_e += b[i] * ((s >> i) & 1);
        for (int64_t j = 0; j < nh; ++j) {
            const double hj = (s >> (nv + j)) & 1;
            neg_e += c[j] * hj;
            for (int64_t i = 0; i < nv; ++i) neg_e += hj * W[j * nv + i] * ((s >> i) & 1);
        }
        p[s] = std::exp(neg_e);
        z += p[s];
    }
    // Pearson's statistic; cells expected below 5 are pooled into one (dof = cells - 1).
    double chi2 = 0, pooled_obs = 0, pooled_exp = 0;
    int64_t cells = 0;
    for (int64_t s = 0; s < states; ++s) {
        const double e = p[s] / z * chains;
        if (e < 5) {
            pooled_obs += counts[s];
            pooled_exp += e;
            continue;
        }
        chi2 += (counts[s] - e) * (counts[s] - e) / e;
        ++cells;
    }
    if (pooled_exp > 0) {
        chi2 += (pooled_obs - pooled_exp) * (pooled_obs - pooled_exp) / pooled_exp;
        ++cells;
    }
    INFO("chi-square " << chi2 << " over " << cells << " cells");
    REQUIRE(cells > 100);
    CHECK(chi2 < chi2_upper_001(static_cast<double>(cells - 1)));
}

TEST_CASE("PCD chains persist across updates, with more chains than rows, and restart when re-initialised",
          "[rbm][sampling][pcd]") {
    manual_seed(37);
    nn::RBM rbm = random_rbm(6, 4, 1.0);
    Tensor v1 = bernoulli(full({3, 6}, 0.5, dtype(kFloat64))), v2 = bernoulli(full({3, 6}, 0.5, dtype(kFloat64)));
    auto step = [&](Tensor x, int k) {
        for (int s = 0; s < k; ++s) x = bernoulli(sigmoid(a_v(*rbm, bernoulli(p_h(*rbm, x)))));
        return x;
    };
    // Chains i start at data row i mod 3, sampled to binary states; each call runs k = 2 steps.
    auto start = [&](const Tensor& v, int64_t n) {
        std::vector<int64_t> rows;
        for (int64_t i = 0; i < n; ++i) rows.push_back(i % v.size(0));
        return bernoulli(v.index_select(0, tensor(rows)));
    };
    manual_seed(38);
    Tensor first = rbm->negative_samples(v1, 2, true, 5).clone();
    Tensor second = rbm->negative_samples(v2, 2, true, 5).clone();  // continues from `first`, not from v2
    Tensor fewer = rbm->negative_samples(v2, 2, true, 4).clone();   // another count: restart at v2's rows
    // reset_parameters() drops the chains; the old parameters are put back so only that differs.
    std::vector<Tensor> saved;
    for (const Tensor& t : rbm->parameters()) saved.push_back(t.detach().clone());
    rbm->reset_parameters();
    {
        NoGradGuard g;
        for (std::size_t i = 0; i < saved.size(); ++i) rbm->parameters()[i].copy_(saved[i]);
    }
    manual_seed(39);
    Tensor after_reset = rbm->negative_samples(v2, 1, true, 4).clone();

    manual_seed(38);
    Tensor c = step(start(v1, 5), 2);
    CHECK(equal(first, c));
    c = step(c, 2);
    CHECK(equal(second, c));
    CHECK(equal(fewer, step(start(v2, 4), 2)));
    manual_seed(39);
    CHECK(equal(after_reset, step(start(v2, 4), 1)));
}

TEST_CASE("reconstruct, reconstruction_error and the stochastic pseudo-likelihood follow their formulas",
          "[rbm][sampling]") {
    manual_seed(40);
    nn::RBM rbm = random_rbm(7, 5, 1.0);
    Tensor v = bernoulli(full({9, 7}, 0.5, dtype(kFloat64)));
    // reconstruct(v) = sigmoid(sigmoid(v W^T + c) W + b); the error sums squares over units, averages rows.
    Tensor rec = sigmoid(a_v(*rbm, p_h(*rbm, v)));
    CHECK(allclose(rbm->reconstruct(v), rec, 1e-12, 1e-14));
    double err = 0;
    const auto d = (v - rec).to_vector<double>();
    for (double x : d) err += x * x;
    CHECK(rbm->reconstruction_error(v) == Approx(err / 9).epsilon(1e-12));
    // One random unit i per row (randint from the same stream), scaled by n_visible:
    //   PL = mean_n 7 log sigmoid(F(v with bit i flipped) - F(v)).
    manual_seed(41);
    const double pl = rbm->pseudo_likelihood(v);
    manual_seed(41);
    const auto idx = randint(0, 7, {9}).to_vector<double>();
    Tensor flipped = v.clone();
    for (int64_t n = 0; n < 9; ++n) {
        const int64_t i = static_cast<int64_t>(idx[n]);
        flipped[n][i].fill_(1.0 - v[n][i].item<double>());
    }
    Tensor diff = free_energy(*rbm, flipped) - free_energy(*rbm, v);
    const double want = (-log1p(exp(-diff)) * 7.0).mean().item<double>();
    CHECK(pl == Approx(want).epsilon(1e-12));
}

TEST_CASE("fit with PCD continues its chains from one update to the next (5 chains, batches of 3)",
          "[rbm][sampling][pcd]") {
    // lr = 0 keeps the parameters fixed, so each epoch's free-energy gap, mean F(v0) - mean F(chains),
    // shows where the chains are: epoch 2 must continue from the chains epoch 1 left.
    manual_seed(42);
    nn::RBM rbm = random_rbm(6, 4, 1.0);
    Tensor data = bernoulli(full({3, 6}, 0.5, dtype(kFloat64)));
    nn::RBMTrainOptions o;
    o.epochs = 3;
    o.batch_size = 3;
    o.persistent = true;
    o.n_chains = 5;
    o.k = 1;
    o.lr = 0;
    o.init_visible_bias_from_data = false;
    o.progress = false;
    manual_seed(43);
    auto history = rbm->fit(data, o);
    manual_seed(43);
    Tensor chains;
    for (int64_t epoch = 0; epoch < 3; ++epoch) {
        Tensor v0 = data.index_select(0, randperm(3));
        if (!chains.defined()) chains = bernoulli(v0.index_select(0, tensor({0, 1, 2, 0, 1}, dtype(kInt64))));
        chains = bernoulli(sigmoid(a_v(*rbm, bernoulli(p_h(*rbm, chains)))));
        const double gap = (free_energy(*rbm, v0).mean() - free_energy(*rbm, chains).mean()).item<double>();
        CHECK(history[static_cast<std::size_t>(epoch)].free_energy_gap == Approx(gap).epsilon(1e-12));
    }
}
