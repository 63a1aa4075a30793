// RBM::fit's training controls: should_stop ends training after the epoch it returns true for,
// L1 weight decay adds weight_decay_l1 * sign(W) to W's gradient (checked against the SGD step
// computed by hand), and monitor_data gives the held-out free-energy gap of Hinton's guide,
// section 6 (checked against free_energy computed directly).
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/rbm.h"

using namespace ember;

namespace {

nn::RBMTrainOptions quiet(int64_t epochs) {
    nn::RBMTrainOptions o;
    o.epochs = epochs;
    o.progress = false;
    return o;
}

nn::RBM float64_rbm(int64_t nv, int64_t nh) {
    nn::RBM rbm(nv, nh);
    rbm->to(kFloat64);
    NoGradGuard g;
    rbm->weight.normal_(0, 0.5);
    rbm->visible_bias.normal_(0, 0.5);
    rbm->hidden_bias.normal_(0, 0.5);
    return rbm;
}

}  // namespace

TEST_CASE("should_stop ends fit after the epoch it returns true for", "[rbm][rbm_controls]") {
    manual_seed(3);
    Tensor data = bernoulli(full({12, 5}, 0.4, dtype(kFloat64)));
    nn::RBM rbm = float64_rbm(5, 3);
    nn::RBMTrainOptions o = quiet(10);
    o.batch_size = 4;
    std::vector<int64_t> seen;
    o.on_epoch = [&](const nn::RBMEpoch& e) { seen.push_back(e.epoch); };  // the void callback still works
    o.should_stop = [](const nn::RBMEpoch& e) { return e.epoch == 3; };
    const auto history = rbm->fit(data, o);
    REQUIRE(history.size() == 3);
    CHECK(history.back().epoch == 3);
    CHECK(seen == std::vector<int64_t>{1, 2, 3});
    // Never true: all epochs run.
    o.should_stop = [](const nn::RBMEpoch&) { return false; };
    CHECK(rbm->fit(data, o).size() == 10);
}

TEST_CASE("weight_decay_l1 adds l1 * sign(W) to W's gradient only", "[rbm][rbm_controls]") {
    // One batch, one epoch, no L2: the default SGD's first step (momentum buffer = gradient) is
    // W1 = W0 - lr (g + l1 sign(W0)), so with the same random draws the run with L1 differs from
    // the run without by exactly -lr l1 sign(W0) on W, and not at all on the biases.
    manual_seed(11);
    Tensor data = bernoulli(full({8, 6}, 0.5, dtype(kFloat64)));
    nn::RBM a = float64_rbm(6, 4);
    {
        NoGradGuard g;
        a->weight.select(0, 1).select(0, 2).fill_(0.0);  // sign(0) = 0: no decay on an exact zero
    }
    nn::RBM b = float64_rbm(6, 4);
    {
        NoGradGuard g;
        b->weight.copy_(a->weight);
        b->visible_bias.copy_(a->visible_bias);
        b->hidden_bias.copy_(a->hidden_bias);
    }
    const Tensor W0 = a->weight.detach().clone();
    nn::RBMTrainOptions o = quiet(1);
    o.batch_size = 8;
    o.weight_decay = 0;
    o.lr = 0.3;
    o.init_visible_bias_from_data = false;
    manual_seed(12);
    a->fit(data, o);
    o.weight_decay_l1 = 0.05;
    manual_seed(12);
    b->fit(data, o);
    // sign by hand, element by element.
    std::vector<double> s;
    const Tensor w = W0.contiguous();
    for (int64_t i = 0; i < w.numel(); ++i) {
        const double x = w.data_ptr<double>()[i];
        s.push_back(x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0));
    }
    const Tensor sign_w0 = tensor(s, dtype(kFloat64)).view({4, 6});
    CHECK(allclose(b->weight - a->weight, sign_w0 * (-0.3 * 0.05), 1e-12, 1e-14));
    CHECK(allclose(b->visible_bias, a->visible_bias, 0, 0));
    CHECK(allclose(b->hidden_bias, a->hidden_bias, 0, 0));
    // Negative values are refused.
    o.weight_decay_l1 = -1;
    CHECK_THROWS_AS(b->fit(data, o), ValueError);
}

TEST_CASE("monitor_data gives the held-out free-energy gap, NaN without it", "[rbm][rbm_controls]") {
    manual_seed(21);
    Tensor train = bernoulli(full({40, 6}, 0.3, dtype(kFloat64)));
    Tensor held = bernoulli(full({10, 6}, 0.6, dtype(kFloat64)));
    nn::RBM rbm = float64_rbm(6, 4);
    nn::RBMTrainOptions o = quiet(3);
    o.batch_size = 10;
    auto history = rbm->fit(train, o);
    for (const auto& e : history) CHECK(std::isnan(e.free_energy_gap_heldout));
    o.monitor_data = held;
    std::vector<double> gaps;
    o.on_epoch = [&](const nn::RBMEpoch&) {
        // After the epoch's updates: mean F(held-out) - mean F(the first 10 training rows).
        gaps.push_back(rbm->free_energy(held).mean().item<double>() -
                       rbm->free_energy(train.narrow(0, 0, 10)).mean().item<double>());
    };
    history = rbm->fit(train, o);
    REQUIRE(history.size() == 3);
    for (std::size_t e = 0; e < 3; ++e) CHECK(history[e].free_energy_gap_heldout == Approx(gaps[e]).epsilon(1e-12));
    // Held-out data larger than the training set: both sides use as many rows as the training set.
    Tensor big = bernoulli(full({60, 6}, 0.6, dtype(kFloat64)));
    o.monitor_data = big;
    o.epochs = 1;
    o.on_epoch = nullptr;
    history = rbm->fit(train, o);
    const double want =
        rbm->free_energy(big.narrow(0, 0, 40)).mean().item<double>() - rbm->free_energy(train).mean().item<double>();
    CHECK(history.back().free_energy_gap_heldout == Approx(want).epsilon(1e-12));
    // Held-out data with no rows: nothing to compare, NaN (and no divergence error).
    o.monitor_data = zeros({0, 6}, dtype(kFloat64));
    history = rbm->fit(train, o);
    CHECK(std::isnan(history.back().free_energy_gap_heldout));
}
