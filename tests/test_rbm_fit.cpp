// RBM training: the fused CD statistics op (ember::rbm_cd_statistics) against autograd and the
// composed ops it replaces, and RBM::fit with its default optimizer and with Adam against a
// hand-written replay of the algorithm (sampling, statistics, SGD momentum schedule or Adam).
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core_test_util.h"
#include "ember/ember.h"
#include "ember/nn/rbm.h"
#include "ember/ops/rbm_statistics.h"

using namespace ember;
using core_test::require_throws_with;

namespace {

struct Units {
    nn::VisibleUnits visible;
    nn::HiddenUnits hidden;
    bool gv() const { return visible == nn::VisibleUnits::Gaussian; }
    bool gh() const { return hidden == nn::HiddenUnits::Gaussian; }
};
const Units kAllUnits[] = {{nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Bernoulli},
                           {nn::VisibleUnits::Gaussian, nn::HiddenUnits::Bernoulli},
                           {nn::VisibleUnits::Bernoulli, nn::HiddenUnits::Gaussian}};

nn::RBM random_rbm(int64_t nv, int64_t nh, Units u, ScalarType dt) {
    nn::RBM rbm(nn::RBMOptions(nv, nh).visible(u.visible).hidden(u.hidden));
    rbm->to(dt);
    NoGradGuard ng;
    rbm->weight.normal_(0, 0.3);
    rbm->visible_bias.normal_(0, 0.3);
    rbm->hidden_bias.normal_(0, 0.3);
    return rbm;
}

Tensor visible_data(int64_t n, int64_t nv, bool gaussian, ScalarType dt) {
    return gaussian ? randn({n, nv}, dtype(dt)) : bernoulli(full({n, nv}, 0.4, dtype(dt)));
}

// The op's inputs for a batch, from the RBM's own conditionals.
struct OpInputs {
    Tensor v0, h0, a0, vk, ak, a_rec;
};
OpInputs op_inputs(const nn::RBMImpl& rbm, const Tensor& v0, const Tensor& vk) {
    NoGradGuard ng;
    OpInputs in{v0,
                rbm.hidden_probs(v0),
                linear(v0, rbm.weight, rbm.hidden_bias),
                vk,
                linear(vk, rbm.weight, rbm.hidden_bias),
                Tensor()};
    in.a_rec = addmm(rbm.visible_bias, in.h0, rbm.weight);
    return in;
}
auto run_op(const nn::RBMImpl& rbm, const OpInputs& in) {
    return rbm_cd_statistics(in.v0, in.h0, in.a0, in.vk, in.ak, in.a_rec, rbm.visible_bias, rbm.gaussian(),
                             rbm.gaussian_hidden());
}

// F(v) written out from the energy (tests/test_rbm.cpp checks the module's against enumeration).
Tensor free_energy_by_hand(const Tensor& v, const Tensor& W, const Tensor& b, const Tensor& c, Units u) {
    Tensor a = mm(v, W.t()) + c;
    Tensor hidden = u.gh() ? (a * a).sum({1}) * 0.5 : log1p(exp(a)).sum({1});
    Tensor visible = u.gv() ? ((v - b) * (v - b)).sum({1}) * 0.5 : -mm(v, b.unsqueeze(1)).squeeze(1);
    return visible - hidden;
}

}  // namespace

TEST_CASE("rbm_cd_statistics gives the autograd gradient of the CD loss, its value and the reconstruction error",
          "[rbm][rbm_fit]") {
    // Odd sizes; m = n (CD-k), m > n and m < n (PCD chains), n = 1 (a short last batch).
    const int64_t shapes[][2] = {{13, 13}, {5, 11}, {9, 4}, {1, 1}};
    for (ScalarType dt : {kFloat64, kFloat32}) {
        const double rtol = dt == kFloat64 ? 1e-11 : 2e-5, atol = dt == kFloat64 ? 1e-13 : 1e-6;
        for (const Units& u : kAllUnits) {
            for (const auto& s : shapes) {
                INFO("dtype " << dtype_name(dt) << " gaussian visible " << u.gv() << " gaussian hidden " << u.gh()
                              << " n " << s[0] << " m " << s[1]);
                manual_seed(3);
                nn::RBM rbm = random_rbm(11, 7, u, dt);
                Tensor v0 = visible_data(s[0], 11, u.gv(), dt), vk = visible_data(s[1], 11, u.gv(), dt);
                auto [gw, gb, gc, gap, err] = run_op(*rbm, op_inputs(*rbm, v0, vk));
                Tensor loss = rbm->contrastive_divergence_loss(v0, vk);
                loss.backward();
                CHECK(allclose(gw, rbm->weight.grad(), rtol, atol));
                CHECK(allclose(gb, rbm->visible_bias.grad(), rtol, atol));
                CHECK(allclose(gc, rbm->hidden_bias.grad(), rtol, atol));
                CHECK(gap.dtype() == kFloat64);
                CHECK(gap.dim() == 0);
                CHECK(gap.item<double>() == Approx(loss.item<double>()).epsilon(rtol).margin(atol));
                CHECK(err.item<double>() == Approx(rbm->reconstruction_error(v0)).epsilon(rtol));
            }
        }
    }
}

TEST_CASE("rbm_cd_statistics equals the lecture's statistics written with composed ops, Gaussian-Gaussian too",
          "[rbm][rbm_fit]") {
    // The op accepts Gaussian units on both sides (the module does not); here every pair against
    // p(h|vk)^T vk / m - p(h|v0)^T v0 / n and the bias means, from raw tensors.
    for (ScalarType dt : {kFloat64, kFloat32}) {
        const double rtol = dt == kFloat64 ? 1e-11 : 2e-5, atol = dt == kFloat64 ? 1e-13 : 1e-6;
        for (int gv = 0; gv < 2; ++gv) {
            for (int gh = 0; gh < 2; ++gh) {
                INFO("dtype " << dtype_name(dt) << " gaussian visible " << gv << " gaussian hidden " << gh);
                manual_seed(4);
                const int64_t n = 7, m = 10, nv = 9, nh = 5;
                Tensor W = randn({nh, nv}, dtype(dt)) * 0.3, b = randn({nv}, dtype(dt)) * 0.3,
                       c = randn({nh}, dtype(dt)) * 0.3;
                Tensor v0 = visible_data(n, nv, gv, dt), vk = visible_data(m, nv, gv, dt);
                auto mean_h = [&](const Tensor& a) { return gh ? a : sigmoid(a); };
                Tensor a0 = mm(v0, W.t()) + c, ak = mm(vk, W.t()) + c, h0 = mean_h(a0), hk = mean_h(ak);
                Tensor a_rec = mm(h0, W) + b;
                auto [gw, gb, gc, gap, err] = rbm_cd_statistics(v0, h0, a0, vk, ak, a_rec, b, gv, gh);
                const double nd = static_cast<double>(n), md = static_cast<double>(m);
                CHECK(allclose(gw, mm(hk.t(), vk) / md - mm(h0.t(), v0) / nd, rtol, atol));
                CHECK(allclose(gb, vk.mean({0}) - v0.mean({0}), rtol, atol));
                CHECK(allclose(gc, hk.mean({0}) - h0.mean({0}), rtol, atol));
                const Units u{gv ? nn::VisibleUnits::Gaussian : nn::VisibleUnits::Bernoulli,
                              gh ? nn::HiddenUnits::Gaussian : nn::HiddenUnits::Bernoulli};
                const double want_gap =
                    (free_energy_by_hand(v0, W, b, c, u).mean() - free_energy_by_hand(vk, W, b, c, u).mean())
                        .item<double>();
                CHECK(gap.item<double>() == Approx(want_gap).epsilon(rtol).margin(atol));
                Tensor d = v0 - (gv ? a_rec : sigmoid(a_rec));
                CHECK(err.item<double>() == Approx((d * d).sum({1}).mean().item<double>()).epsilon(rtol));
            }
        }
    }
}

TEST_CASE("rbm_cd_statistics gives bitwise the same results on 1 and 2 threads", "[rbm][rbm_fit][threads]") {
#ifdef _OPENMP
    const int saved = omp_get_max_threads();
    for (ScalarType dt : {kFloat32, kFloat64}) {
        manual_seed(5);
        nn::RBM rbm = random_rbm(37, 29, kAllUnits[0], dt);
        Tensor v0 = visible_data(101, 37, false, dt), vk = visible_data(101, 37, false, dt);  // 13 blocks of rows
        const OpInputs in = op_inputs(*rbm, v0, vk);
        omp_set_num_threads(1);
        auto one = run_op(*rbm, in);
        omp_set_num_threads(2);
        auto two = run_op(*rbm, in);
        omp_set_num_threads(saved);
        CHECK(equal(std::get<0>(one), std::get<0>(two)));
        CHECK(equal(std::get<1>(one), std::get<1>(two)));
        CHECK(equal(std::get<2>(one), std::get<2>(two)));
        CHECK(std::get<3>(one).item<double>() == std::get<3>(two).item<double>());
        CHECK(std::get<4>(one).item<double>() == std::get<4>(two).item<double>());
    }
#else
    WARN("built without OpenMP: one thread only");
#endif
}

TEST_CASE("rbm_cd_statistics with the global counts: the shares of unequal row splits sum to the batch's",
          "[rbm][rbm_fit]") {
    // What a data-parallel rank computes (RBMTrainOptions::process_group): its rows of the 7 data
    // and 5 model rows, divided by N = 7 and M = 5. Split into 3 parts, one without data rows.
    manual_seed(8);
    for (const Units& u : kAllUnits) {
        nn::RBM rbm = random_rbm(6, 4, u, kFloat64);
        const Tensor v0 = visible_data(7, 6, u.gv(), kFloat64), vk = visible_data(5, 6, u.gv(), kFloat64);
        const auto [gw, gb, gc, gap, err] = run_op(*rbm, op_inputs(*rbm, v0, vk));
        Tensor sw = zeros_like(gw), sb = zeros_like(gb), sc = zeros_like(gc);
        double sgap = 0, serr = 0;
        const int64_t data_at[] = {0, 4, 7, 7}, model_at[] = {0, 2, 3, 5};  // part p: [at[p], at[p + 1])
        for (int p = 0; p < 3; ++p) {
            const OpInputs in = op_inputs(*rbm, v0.narrow(0, data_at[p], data_at[p + 1] - data_at[p]),
                                          vk.narrow(0, model_at[p], model_at[p + 1] - model_at[p]));
            auto [pw, pb, pc, pgap, perr] =
                rbm_cd_statistics(in.v0, in.h0, in.a0, in.vk, in.ak, in.a_rec, rbm->visible_bias, u.gv(), u.gh(), 7, 5);
            sw = sw + pw;
            sb = sb + pb;
            sc = sc + pc;
            sgap += pgap.item<double>();
            serr += perr.item<double>();
        }
        CHECK(allclose(sw, gw, 1e-12, 1e-12));
        CHECK(allclose(sb, gb, 1e-12, 1e-12));
        CHECK(allclose(sc, gc, 1e-12, 1e-12));
        CHECK(sgap == Approx(gap.item<double>()).epsilon(1e-12));
        CHECK(serr == Approx(err.item<double>()).epsilon(1e-12));
    }
    manual_seed(9);
    nn::RBM rbm = random_rbm(6, 4, kAllUnits[0], kFloat64);
    const OpInputs in = op_inputs(*rbm, visible_data(3, 6, false, kFloat64), visible_data(2, 6, false, kFloat64));
    require_throws_with<ValueError>(
        [&] { rbm_cd_statistics(in.v0, in.h0, in.a0, in.vk, in.ak, in.a_rec, rbm->visible_bias, false, false, 2, 2); },
        {"rbm_cd_statistics", "data_count >= max(n, 1)", "for n = 3"});
}

TEST_CASE("rbm_cd_statistics names the input, shapes and dtypes it rejects", "[rbm][rbm_fit][errors]") {
    manual_seed(6);
    nn::RBM rbm = random_rbm(6, 4, kAllUnits[0], kFloat64);
    const OpInputs ok = op_inputs(*rbm, visible_data(3, 6, false, kFloat64), visible_data(5, 6, false, kFloat64));
    const Tensor& b = rbm->visible_bias;
    auto call = [&](OpInputs in, Tensor bias) {
        return [in, bias] { rbm_cd_statistics(in.v0, in.h0, in.a0, in.vk, in.ak, in.a_rec, bias); };
    };
    OpInputs in = ok;
    in.ak = Tensor();
    require_throws_with<ValueError>(call(in, b), {"rbm_cd_statistics", "a_model"});
    in = ok;
    in.h0 = ok.h0.to(kFloat32);
    require_throws_with<DTypeError>(call(in, b), {"rbm_cd_statistics", "float64", "h_data", "Tensor[3, 4] float32"});
    in = ok;
    in.v0 = ok.v0.to(kInt64);
    require_throws_with<DTypeError>(call(in, b), {"rbm_cd_statistics", "floating-point", "int64"});
    in = ok;
    in.ak = ok.ak.narrow(0, 0, 4);
    require_throws_with<ShapeError>(call(in, b), {"rbm_cd_statistics", "a_model", "[5, 4]", "Tensor[4, 4]"});
    in = ok;
    in.vk = visible_data(5, 7, false, kFloat64);
    require_throws_with<ShapeError>(call(in, b), {"rbm_cd_statistics", "v_model", "[5, 6]", "Tensor[5, 7]"});
    in = ok;
    in.a_rec = ok.a_rec.t();
    require_throws_with<ShapeError>(call(in, b), {"rbm_cd_statistics", "a_recon", "[3, 6]", "Tensor[6, 3]"});
    require_throws_with<ShapeError>(call(ok, b.narrow(0, 0, 5)), {"rbm_cd_statistics", "visible_bias", "[6]"});
    in = ok;
    in.v0 = ok.v0.narrow(0, 0, 0);
    require_throws_with<ShapeError>(call(in, b), {"rbm_cd_statistics", "v_data", "n >= 1", "Tensor[0, 6]"});
}

namespace {

// fit, replayed by hand: the same random draws in the same order (randperm per epoch, then per
// batch the hidden sample, the visible sample and any further Gibbs steps; bernoulli(sigmoid(x))
// draws what sigmoid_bernoulli(x) draws), the statistics written as the lecture's outer products,
// the sparsity penalty, and the optimizer's rule, on plain tensors without autograd.
struct Replay {
    Replay(Units units, const nn::RBMTrainOptions& options, const nn::RBMImpl& rbm)
        : u(units),
          o(options),
          W(rbm.weight.detach().clone()),
          b(rbm.visible_bias.detach().clone()),
          c(rbm.hidden_bias.detach().clone()) {}
    Units u;
    nn::RBMTrainOptions o;
    Tensor W, b, c;  // the parameters, updated in place by `update`
    Tensor chains, q;
    std::vector<nn::RBMEpoch> history;

    Tensor sample_h(const Tensor& v) const {
        Tensor a = mm(v, W.t()) + c;
        return u.gh() ? a + randn_like(a) : bernoulli(sigmoid(a));
    }
    Tensor sample_v(const Tensor& h) const {
        Tensor a = mm(h, W) + b;
        return u.gv() ? a + randn_like(a) : bernoulli(sigmoid(a));
    }
    // update(*this, epoch, gW, gb, gc) applies the optimizer to W, b, c.
    template <typename Update>
    void run(const Tensor& data, Update&& update) {
        NoGradGuard ng;
        const int64_t n = data.size(0);
        if (o.init_visible_bias_from_data) {
            Tensor p = data.mean({0});
            b.copy_(u.gv() ? p : log(p.clamp(1e-3, 1 - 1e-3) / (1.0 - p.clamp(1e-3, 1 - 1e-3))));
        }
        for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
            Tensor perm = randperm(n);
            double err_sum = 0, gap_sum = 0;
            for (int64_t start = 0; start < n; start += o.batch_size) {
                const int64_t len = std::min(o.batch_size, n - start);
                Tensor v0 = data.index_select(0, perm.narrow(0, start, len));
                Tensor a0 = mm(v0, W.t()) + c;
                Tensor h0 = u.gh() ? a0 : sigmoid(a0);
                Tensor vk;
                if (o.persistent) {
                    if (!chains.defined()) {
                        std::vector<int64_t> rows;
                        for (int64_t i = 0; i < o.n_chains; ++i) rows.push_back(i % len);
                        Tensor start_rows = v0.index_select(0, tensor(rows));
                        chains = u.gv() ? start_rows.clone() : bernoulli(start_rows.clamp(0, 1));
                    }
                    for (int64_t s = 0; s < o.k; ++s) chains = sample_v(sample_h(chains));
                    vk = chains;
                } else {
                    Tensor hs = u.gh() ? h0 + randn_like(h0) : bernoulli(h0);
                    vk = sample_v(hs);
                    for (int64_t s = 1; s < o.k; ++s) vk = sample_v(sample_h(vk));
                }
                // The metrics, from the model before its update.
                Tensor rec = mm(h0, W) + b;
                Tensor d = v0 - (u.gv() ? rec : sigmoid(rec));
                err_sum += (d * d).sum({1}).mean().item<double>() * static_cast<double>(len);
                gap_sum += (free_energy_by_hand(v0, W, b, c, u).mean() - free_energy_by_hand(vk, W, b, c, u).mean())
                               .item<double>() *
                           static_cast<double>(len);
                // Negative minus positive statistics: the gradient of mean F(v0) - mean F(vk).
                Tensor ak = mm(vk, W.t()) + c;
                Tensor hk = u.gh() ? ak : sigmoid(ak);
                const double nd = static_cast<double>(len), md = static_cast<double>(vk.size(0));
                Tensor gW = mm(hk.t(), vk) / md - mm(h0.t(), v0) / nd;
                Tensor gb = vk.mean({0}) - v0.mean({0});
                Tensor gc = hk.mean({0}) - h0.mean({0});
                if (o.sparsity_target > 0) {
                    Tensor hm = h0.mean({0});
                    q = q.defined() ? q * o.sparsity_decay + hm * (1 - o.sparsity_decay) : hm;
                    Tensor delta = (q - o.sparsity_target) * o.sparsity_cost;
                    gc = gc + delta;
                    gW = gW + outer(delta, v0.mean({0}));
                }
                update(*this, epoch, gW, gb, gc);
            }
            nn::RBMEpoch e;
            e.epoch = epoch;
            e.reconstruction_error = err_sum / static_cast<double>(n);
            e.free_energy_gap = gap_sum / static_cast<double>(n);
            history.push_back(e);
        }
    }
};

// torch.optim.SGD's rule with the guide's schedule, by hand: momentum until the switch epoch,
// the learning rate linear to final_lr, weight decay on W only.
struct HandSgd {
    explicit HandSgd(const nn::RBMTrainOptions& options) : o(options) {}
    const nn::RBMTrainOptions& o;
    Tensor buf[3];
    void operator()(Replay& r, int64_t epoch, const Tensor& gW, const Tensor& gb, const Tensor& gc) {
        const double mom = epoch <= o.momentum_switch_epoch ? o.momentum : o.final_momentum;
        const double lr =
            o.final_lr >= 0 && o.epochs > 1
                ? o.lr + (o.final_lr - o.lr) * static_cast<double>(epoch - 1) / static_cast<double>(o.epochs - 1)
                : o.lr;
        Tensor* params[3] = {&r.W, &r.b, &r.c};
        const Tensor grads[3] = {gW + r.W * o.weight_decay, gb, gc};
        for (int i = 0; i < 3; ++i) {
            buf[i] = buf[i].defined() ? buf[i] * mom + grads[i] : grads[i];
            params[i]->sub_(buf[i] * lr);
        }
    }
};

void check_history(const std::vector<nn::RBMEpoch>& got, const std::vector<nn::RBMEpoch>& want, double rtol) {
    REQUIRE(got.size() == want.size());
    for (std::size_t e = 0; e < got.size(); ++e) {
        CHECK(got[e].epoch == want[e].epoch);
        CHECK(got[e].reconstruction_error == Approx(want[e].reconstruction_error).epsilon(rtol));
        CHECK(got[e].free_energy_gap == Approx(want[e].free_energy_gap).epsilon(rtol).margin(rtol));
    }
}

}  // namespace

TEST_CASE("fit with its default optimizer equals a hand replay of CD/PCD and the guide's SGD schedule",
          "[rbm][rbm_fit]") {
    struct Case {
        Units u;
        int64_t k;
        bool persistent;
        ScalarType dt;
    };
    const Case cases[] = {{kAllUnits[0], 1, false, kFloat64}, {kAllUnits[0], 2, false, kFloat32},
                          {kAllUnits[0], 1, true, kFloat64},  {kAllUnits[1], 1, false, kFloat64},
                          {kAllUnits[2], 1, false, kFloat64}, {kAllUnits[2], 2, true, kFloat64}};
    for (const Case& cs : cases) {
        INFO("gaussian visible " << cs.u.gv() << " gaussian hidden " << cs.u.gh() << " k " << cs.k << " persistent "
                                 << cs.persistent << " dtype " << dtype_name(cs.dt));
        const double rtol = cs.dt == kFloat64 ? 1e-10 : 1e-4, atol = cs.dt == kFloat64 ? 1e-12 : 1e-6;
        manual_seed(11);
        Tensor data = visible_data(23, 9, cs.u.gv(), cs.dt);
        nn::RBM rbm = random_rbm(9, 6, cs.u, cs.dt);
        nn::RBMTrainOptions o;
        o.epochs = 4;
        o.batch_size = 7;  // 7, 7, 7 and a short last batch of 2
        o.k = cs.k;
        o.persistent = cs.persistent;
        o.n_chains = 5;
        o.lr = 0.05;
        o.final_lr = 0.01;
        o.momentum = 0.5;
        o.final_momentum = 0.8;
        o.momentum_switch_epoch = 2;
        o.weight_decay = 0.01;
        o.sparsity_target = 0.2;
        o.progress = false;
        Replay replay(cs.u, o, *rbm);
        manual_seed(12);
        auto history = rbm->fit(data, o);
        manual_seed(12);
        replay.run(data, HandSgd(o));
        check_history(history, replay.history, rtol);
        CHECK(allclose(rbm->weight, replay.W, rtol, atol));
        CHECK(allclose(rbm->visible_bias, replay.b, rtol, atol));
        CHECK(allclose(rbm->hidden_bias, replay.c, rtol, atol));
        CHECK(!rbm->weight.grad().defined());  // fit leaves no gradient behind
    }
}

namespace {

// torch.optim.Adam's rule by hand (no weight decay): m and v per parameter, bias-corrected.
struct HandAdam {
    explicit HandAdam(double learning_rate) : lr(learning_rate) {}
    double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    Tensor m[3], v[3];
    int64_t t = 0;
    void operator()(Replay& r, int64_t, const Tensor& gW, const Tensor& gb, const Tensor& gc) {
        ++t;
        Tensor* params[3] = {&r.W, &r.b, &r.c};
        const Tensor grads[3] = {gW, gb, gc};
        const double bc1 = 1 - std::pow(beta1, static_cast<double>(t)),
                     bc2 = 1 - std::pow(beta2, static_cast<double>(t));
        for (int i = 0; i < 3; ++i) {
            m[i] = m[i].defined() ? m[i] * beta1 + grads[i] * (1 - beta1) : grads[i] * (1 - beta1);
            v[i] =
                v[i].defined() ? v[i] * beta2 + grads[i] * grads[i] * (1 - beta2) : grads[i] * grads[i] * (1 - beta2);
            params[i]->sub_(m[i] / (sqrt(v[i]) / std::sqrt(bc2) + eps) * (lr / bc1));
        }
    }
};

}  // namespace

TEST_CASE("fit with a user's Adam equals a hand replay, and its state carries over between fit calls",
          "[rbm][rbm_fit]") {
    for (const Units& u : {kAllUnits[0], kAllUnits[1]}) {
        INFO("gaussian visible " << u.gv());
        manual_seed(21);
        Tensor data = visible_data(19, 8, u.gv(), kFloat64);
        nn::RBM rbm = random_rbm(8, 5, u, kFloat64);
        nn::RBMTrainOptions o;
        o.epochs = 1;
        o.batch_size = 6;  // 6, 6, 6, 1
        o.persistent = u.gv();
        o.n_chains = 4;
        o.sparsity_target = 0.3;
        o.init_visible_bias_from_data = false;  // a second fit call must not re-initialise b
        o.lr = 99;                              // the default optimizer's fields: unused with a user optimizer
        o.final_lr = 0;
        o.weight_decay = 1;
        o.progress = false;
        o.optimizer = std::make_shared<optim::Adam>(rbm->parameters(), optim::AdamOptions(0.01));
        Replay replay(u, o, *rbm);
        manual_seed(22);
        auto first = rbm->fit(data, o);
        auto second = rbm->fit(data, o);
        CHECK(o.optimizer->options().get_lr() == 0.01);  // fit left the optimizer's options alone
        // The replay continues the same Adam (and PCD chains); the sparsity estimate q starts
        // afresh with each fit call.
        manual_seed(22);
        HandAdam adam(0.01);
        replay.run(data, adam);
        replay.q = Tensor();
        replay.run(data, adam);
        first.push_back(second.at(0));
        check_history(first, replay.history, 1e-10);
        CHECK(allclose(rbm->weight, replay.W, 1e-10, 1e-12));
        CHECK(allclose(rbm->visible_bias, replay.b, 1e-10, 1e-12));
        CHECK(allclose(rbm->hidden_bias, replay.c, 1e-10, 1e-12));
    }
}

TEST_CASE("fit rejects an optimizer that does not hold exactly the RBM's parameters", "[rbm][rbm_fit][errors]") {
    nn::RBM rbm(6, 4);
    Tensor data = bernoulli(full({8, 6}, 0.5));
    nn::RBMTrainOptions o;
    o.progress = false;
    o.optimizer =
        std::make_shared<optim::SGD>(std::vector<Tensor>{rbm->weight, rbm->hidden_bias}, optim::SGDOptions(0.1));
    require_throws_with<ValueError>([&] { rbm->fit(data, o); },
                                    {"RBM::fit", "visible_bias", "Tensor[6] float32", "rbm->parameters()"});
    Tensor extra = zeros({3}).requires_grad_(true);
    std::vector<Tensor> params = rbm->parameters();
    params.push_back(extra);
    o.optimizer = std::make_shared<optim::SGD>(params, optim::SGDOptions(0.1));
    require_throws_with<ValueError>([&] { rbm->fit(data, o); }, {"RBM::fit", "holds 4 parameters", "only the RBM's"});
}
