// RBM::fit's training options, one at a time, against a reference loop written here in plain
// tensor ops (one full batch per epoch, CD-1): the sparsity target, the linear learning-rate
// decay, the momentum switch, Gaussian visible units, the on_epoch callback, and the logit
// initialisation of the visible bias with its clipping.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/rbm.h"

using namespace ember;

namespace {

struct Params {
    Tensor W, b, c;
};

// One batch of all n rows per epoch: randperm, CD-1 draws (hidden sample, then visible), the
// statistics p(h|vk)^T vk / n - p(h|v0)^T v0 / n, the sparsity penalty, then SGD with momentum
// (weight decay on W) at the epoch's momentum and learning rate. Returns W after every epoch.
std::vector<Tensor> reference_fit(Params& P, const Tensor& data, const nn::RBMTrainOptions& o, bool gaussian) {
    NoGradGuard g;
    const int64_t n = data.size(0);
    const double nd = static_cast<double>(n);
    if (o.init_visible_bias_from_data) {
        Tensor m = data.mean({0});
        P.b = gaussian ? m : log(m.clamp(1e-3, 1 - 1e-3) / (1.0 - m.clamp(1e-3, 1 - 1e-3)));
    }
    Tensor buf[3], q;
    std::vector<Tensor> snapshots;
    for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
        const double mom = epoch <= o.momentum_switch_epoch ? o.momentum : o.final_momentum;
        const double t = o.epochs > 1 ? static_cast<double>(epoch - 1) / static_cast<double>(o.epochs - 1) : 0;
        const double lr = o.final_lr >= 0 ? o.lr + (o.final_lr - o.lr) * t : o.lr;
        Tensor v0 = data.index_select(0, randperm(n));
        Tensor h0 = sigmoid(mm(v0, P.W.t()) + P.c);
        Tensor hs = bernoulli(h0);
        Tensor av = mm(hs, P.W) + P.b;
        Tensor vk = gaussian ? av + randn_like(av) : bernoulli(sigmoid(av));
        Tensor hk = sigmoid(mm(vk, P.W.t()) + P.c);
        Tensor gW = (mm(hk.t(), vk) - mm(h0.t(), v0)) / nd, gb = (vk - v0).mean({0}), gc = (hk - h0).mean({0});
        if (o.sparsity_target > 0) {
            q = q.defined() ? q * o.sparsity_decay + h0.mean({0}) * (1 - o.sparsity_decay) : h0.mean({0});
            Tensor delta = (q - o.sparsity_target) * o.sparsity_cost;
            gc = gc + delta;
            gW = gW + mm(delta.unsqueeze(1), v0.mean({0}).unsqueeze(0));
        }
        Tensor* params[3] = {&P.W, &P.b, &P.c};
        const Tensor grads[3] = {gW + P.W * o.weight_decay, gb, gc};
        for (int i = 0; i < 3; ++i) {
            buf[i] = buf[i].defined() ? buf[i] * mom + grads[i] : grads[i];
            *params[i] = *params[i] - buf[i] * lr;
        }
        snapshots.push_back(P.W.clone());
    }
    return snapshots;
}

nn::RBMTrainOptions base_options() {
    nn::RBMTrainOptions o;
    o.epochs = 4;
    o.batch_size = 16;  // one batch: the whole data set
    o.lr = 0.2;
    o.momentum = 0.5;
    o.final_momentum = 0.5;
    o.weight_decay = 0.001;
    o.init_visible_bias_from_data = false;
    o.progress = false;
    return o;
}

}  // namespace

TEST_CASE("fit's training options each match the reference loop", "[rbm][rbm_train]") {
    struct Case {
        const char* name;
        bool gaussian;
        void (*set)(nn::RBMTrainOptions&);
    };
    const Case cases[] = {
        {"defaults", false, [](nn::RBMTrainOptions&) {}},
        {"sparsity target", false,
         [](nn::RBMTrainOptions& o) {
             o.sparsity_target = 0.05;
             o.sparsity_cost = 0.5;
             o.sparsity_decay = 0.6;
         }},
        {"linear lr decay", false, [](nn::RBMTrainOptions& o) { o.final_lr = 0.02; }},
        {"momentum switch after epoch 2", false,
         [](nn::RBMTrainOptions& o) {
             o.momentum_switch_epoch = 2;
             o.final_momentum = 0.95;
         }},
        {"logit init of b", false, [](nn::RBMTrainOptions& o) { o.init_visible_bias_from_data = true; }},
        {"Gaussian visible, b from the data mean", true,
         [](nn::RBMTrainOptions& o) { o.init_visible_bias_from_data = true; }},
    };
    for (const Case& cs : cases) {
        INFO(cs.name);
        manual_seed(51);
        Tensor data =
            cs.gaussian ? randn({16, 6}, dtype(kFloat64)) * 0.5 + 0.3 : bernoulli(full({16, 6}, 0.3, dtype(kFloat64)));
        nn::RBM rbm(6, 4, cs.gaussian ? nn::VisibleUnits::Gaussian : nn::VisibleUnits::Bernoulli);
        rbm->to(kFloat64);
        {
            NoGradGuard g;
            rbm->weight.normal_(0, 0.5);
            rbm->visible_bias.normal_(0, 0.5);
            rbm->hidden_bias.normal_(0, 0.5);
        }
        Params P{rbm->weight.detach().clone(), rbm->visible_bias.detach().clone(), rbm->hidden_bias.detach().clone()};
        nn::RBMTrainOptions o = base_options();
        cs.set(o);
        std::vector<nn::RBMEpoch> seen;
        std::vector<Tensor> weights_seen;
        o.on_epoch = [&](const nn::RBMEpoch& e) {
            seen.push_back(e);
            weights_seen.push_back(rbm->weight.detach().clone());
        };
        manual_seed(52);
        auto history = rbm->fit(data, o);
        manual_seed(52);
        const std::vector<Tensor> want = reference_fit(P, data, o, cs.gaussian);
        CHECK(allclose(rbm->weight, P.W, 1e-10, 1e-12));
        CHECK(allclose(rbm->visible_bias, P.b, 1e-10, 1e-12));
        CHECK(allclose(rbm->hidden_bias, P.c, 1e-10, 1e-12));
        // on_epoch: once after every epoch's update, with that epoch's number and metrics.
        REQUIRE(seen.size() == 4);
        for (std::size_t e = 0; e < 4; ++e) {
            CHECK(seen[e].epoch == static_cast<int64_t>(e + 1));
            CHECK(seen[e].reconstruction_error == history[e].reconstruction_error);
            CHECK(allclose(weights_seen[e], want[e], 1e-10, 1e-12));
        }
    }
}

TEST_CASE("the visible bias starts at log(p / (1 - p)) of the data means, p clipped to [1e-3, 1 - 1e-3]",
          "[rbm][rbm_train]") {
    // Columns with means 0, 1, 1/4 and 1/2.
    Tensor data = tensor({{0, 1, 1, 1}, {0, 1, 0, 0}, {0, 1, 0, 1}, {0, 1, 0, 0}}, dtype(kFloat64));
    nn::RBM rbm(4, 3);
    rbm->to(kFloat64);
    nn::RBMTrainOptions o;
    o.epochs = 0;
    o.progress = false;
    rbm->fit(data, o);
    const double lo = std::log(1e-3 / (1 - 1e-3));
    CHECK(allclose(rbm->visible_bias, tensor({lo, -lo, std::log(1.0 / 3.0), 0.0}, dtype(kFloat64)), 1e-12, 1e-14));
    // reset_parameters(data) uses the same rule; Gaussian units take the plain means.
    rbm->reset_parameters(data);
    CHECK(allclose(rbm->visible_bias, tensor({lo, -lo, std::log(1.0 / 3.0), 0.0}, dtype(kFloat64)), 1e-12, 1e-14));
    nn::RBM g(4, 3, nn::VisibleUnits::Gaussian);
    g->to(kFloat64);
    g->fit(data * 3.0, o);
    CHECK(allclose(g->visible_bias, tensor({0.0, 3.0, 0.75, 1.5}, dtype(kFloat64)), 1e-12, 1e-14));
}
