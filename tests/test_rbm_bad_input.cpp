// Bad input to the RBM and the DBN: NaN/Inf data, and values outside [0, 1] for Bernoulli visible
// units, are rejected by fit and by every evaluation with a ValueError naming the model, the
// function, the first offending row and column and the value (all from data built here); a run
// that diverges stops with an error naming the epoch.
#include <catch2/catch.hpp>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/nn/dbn.h"
#include "ember/nn/rbm.h"

using namespace ember;
using Catch::Matchers::Contains;

namespace {

// The message of the ValueError f throws; "" when it throws nothing (another type propagates).
template <class F>
std::string value_error(F&& f) {
    try {
        f();
    } catch (const ValueError& e) {
        return e.what();
    }
    return "";
}

nn::RBMTrainOptions quiet(int64_t epochs = 1) {
    nn::RBMTrainOptions o;
    o.epochs = epochs;
    o.batch_size = 2;
    o.progress = false;
    return o;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// 5 x 4 of 0.5 with `value` at [row, col] (float32, as a user's data usually is).
Tensor with_value(int64_t row, int64_t col, double value) {
    Tensor x = full({5, 4}, 0.5);
    x.select(0, row).select(0, col).fill_(value);
    return x;
}

}  // namespace

TEST_CASE("RBM::fit rejects NaN and Inf data naming the model, the row, the column and the value", "[rbm][rbm_bad]") {
    nn::RBM rbm(4, 3);
    const Tensor w_before = rbm->weight.detach().clone(), b_before = rbm->visible_bias.detach().clone();
    const std::string nan_msg = value_error([&] { rbm->fit(with_value(3, 2, kNaN), quiet()); });
    CHECK_THAT(nan_msg,
               Contains("RBM(4, 3, Bernoulli visible)::fit") && Contains("data[3, 2] = nan") && Contains("not finite"));
    const std::string inf_msg = value_error([&] { rbm->fit(with_value(0, 1, -kInf), quiet()); });
    CHECK_THAT(inf_msg, Contains("data[0, 1] = -inf"));
    // The first bad element in row-major order is the one named.
    Tensor two = with_value(4, 0, kNaN);
    two.select(0, 2).select(0, 3).fill_(kInf);
    CHECK_THAT(value_error([&] { rbm->fit(two, quiet()); }), Contains("data[2, 3] = inf"));
    // The rejected calls left the parameters alone (the check comes before the bias initialisation).
    CHECK(equal(rbm->weight, w_before));
    CHECK(equal(rbm->visible_bias, b_before));
    // Gaussian visible units: real values are fine, NaN is not.
    nn::RBM g(4, 3, nn::VisibleUnits::Gaussian);
    CHECK_NOTHROW(g->fit(with_value(1, 1, 7.5), quiet()));
    CHECK_THAT(value_error([&] { g->fit(with_value(1, 1, kNaN), quiet()); }),
               Contains("RBM(4, 3, Gaussian visible)::fit") && Contains("data[1, 1] = nan"));
}

TEST_CASE("Bernoulli visible units reject values outside [0, 1]", "[rbm][rbm_bad]") {
    nn::RBM rbm(4, 3);
    CHECK_THAT(
        value_error([&] { rbm->fit(with_value(1, 0, 1.5), quiet()); }),
        Contains("RBM(4, 3, Bernoulli visible)::fit") && Contains("data[1, 0] = 1.5") && Contains("outside [0, 1]"));
    CHECK_THAT(value_error([&] { rbm->fit(with_value(4, 3, -0.25), quiet()); }), Contains("data[4, 3] = -0.25"));
    // Integer data is compared by value too: 0/1 is fine, 2 is not.
    Tensor ints = zeros({3, 4}, dtype(kInt64));
    CHECK_NOTHROW(rbm->fit(ints, quiet()));
    ints.select(0, 2).select(0, 1).fill_(2);
    CHECK_THAT(value_error([&] { rbm->fit(ints, quiet()); }), Contains("data[2, 1] = 2"));
    // The edges 0 and 1 themselves are valid.
    CHECK_NOTHROW(rbm->fit(with_value(0, 0, 1.0), quiet()));
    CHECK_NOTHROW(rbm->fit(with_value(0, 0, 0.0), quiet()));
}

TEST_CASE("every RBM evaluation and DBN::pretrain reject bad data", "[rbm][rbm_bad][dbn]") {
    nn::RBM rbm(4, 3);
    const Tensor bad = with_value(2, 3, kNaN);
    CHECK_THAT(value_error([&] { rbm->free_energy(bad); }),
               Contains("RBM(4, 3, Bernoulli visible)::free_energy") && Contains("data[2, 3] = nan"));
    CHECK_THAT(value_error([&] { rbm->reconstruction_error(bad); }),
               Contains("::reconstruction_error") && Contains("data[2, 3] = nan"));
    CHECK_THAT(value_error([&] { rbm->pseudo_likelihood(with_value(1, 2, 2.0)); }),
               Contains("::pseudo_likelihood") && Contains("data[1, 2] = 2"));
    nn::AISOptions ais;
    ais.n_betas = 10;
    ais.runs = 2;
    CHECK_THAT(value_error([&] { nn::rbm_log_partition_ais(*rbm, ais, bad); }),
               Contains("rbm_log_partition_ais") && Contains("data[2, 3] = nan"));
    CHECK_THAT(value_error([&] { nn::rbm_log_likelihood(*rbm, bad, 0.0); }),
               Contains("rbm_log_likelihood") && Contains("data[2, 3] = nan"));
    // Held-out monitor data is checked by fit as well, under its own name.
    nn::RBMTrainOptions o = quiet();
    o.monitor_data = bad;
    CHECK_THAT(value_error([&] { rbm->fit(full({5, 4}, 0.5), o); }), Contains("monitor_data[2, 3] = nan"));
    nn::DBN dbn(std::vector<int64_t>{4, 3, 2});
    CHECK_THAT(
        value_error([&] { dbn->pretrain(with_value(0, 2, -1.0), {quiet()}); }),
        Contains("DBN(4-3-2)::pretrain") && Contains("RBM(4, 3, Bernoulli visible)") && Contains("data[0, 2] = -1"));
    // Clean data goes through every one of them.
    const Tensor good = full({5, 4}, 0.5);
    CHECK_NOTHROW(rbm->free_energy(good));
    CHECK_NOTHROW(rbm->reconstruction_error(good));
    CHECK_NOTHROW(rbm->pseudo_likelihood(good));
    CHECK_NOTHROW(nn::rbm_log_partition_ais(*rbm, ais, good));
    CHECK_NOTHROW(dbn->pretrain(good, {quiet()}));
}

TEST_CASE("a diverging fit stops with an error naming the epoch instead of returning NaN weights", "[rbm][rbm_bad]") {
    // Gaussian visible units with a huge learning rate: the weights grow without bound.
    manual_seed(7);
    Tensor data = randn({20, 6}) * 3.0;
    nn::RBM rbm(6, 5, nn::VisibleUnits::Gaussian);
    nn::RBMTrainOptions o = quiet(200);
    o.batch_size = 5;
    o.lr = 1e3;
    o.momentum = o.final_momentum = 0.9;
    o.weight_decay = 0;
    int64_t last_finished = 0;  // on_epoch runs only for the epochs that passed the check
    o.on_epoch = [&](const nn::RBMEpoch& e) { last_finished = e.epoch; };
    const std::string msg = value_error([&] { rbm->fit(data, o); });
    REQUIRE_THAT(msg, Contains("RBM(6, 5, Gaussian visible)::fit: training diverged at epoch " +
                               std::to_string(last_finished + 1) + ":"));
    CHECK(last_finished + 1 < 200);
    // The measure is named: the parameters, or one of the epoch's measures.
    CHECK((msg.find("parameters") != std::string::npos || msg.find("reconstruction error") != std::string::npos ||
           msg.find("free-energy gap") != std::string::npos));
}

TEST_CASE("NaN in the parameters stops fit at the end of that epoch, naming the parameter", "[rbm][rbm_bad]") {
    // A weight made NaN after the first batch of epoch 3 (as an overflowing update would): the
    // per-epoch check names epoch 3 and W; epochs 1 and 2 finished normally.
    manual_seed(5);
    Tensor data = bernoulli(full({12, 4}, 0.5));
    nn::RBM rbm(4, 3);
    nn::RBMTrainOptions o = quiet(6);
    o.batch_size = 4;
    o.on_batch = [&](const nn::RBMBatch& b) {
        if (b.epoch == 3 && b.step == 1) {
            NoGradGuard g;
            rbm->weight.select(0, 0).select(0, 1).fill_(std::numeric_limits<double>::quiet_NaN());
        }
    };
    std::vector<int64_t> finished;
    o.on_epoch = [&](const nn::RBMEpoch& e) { finished.push_back(e.epoch); };
    CHECK_THAT(value_error([&] { rbm->fit(data, o); }),
               Contains("RBM(4, 3, Bernoulli visible)::fit: training diverged at epoch 3: the parameters (weight)"));
    CHECK(finished == std::vector<int64_t>{1, 2});
    CHECK_FALSE(rbm->weight.grad().defined());  // the error path leaves .grad as a return does
}
