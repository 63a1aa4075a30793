// DBN and DeepAutoencoder against hand replays: greedy pretraining (layer 0 fitted on the data,
// layer 1 on layer 0's hidden probabilities, with the same random stream), the up pass
// transform(upto), the generator's Gibbs chain and down pass, and the unrolled decoder.
#include <catch2/catch.hpp>

#include "core_test_util.h"
#include "ember/ember.h"
#include "ember/nn/dbn.h"

using namespace ember;

namespace {

nn::RBMTrainOptions quiet_options(int64_t epochs, double lr) {
    nn::RBMTrainOptions o;
    o.epochs = epochs;
    o.batch_size = 10;
    o.lr = lr;
    o.progress = false;
    return o;
}

Tensor sigm_linear(const Tensor& x, const Tensor& W, const Tensor& bias) { return sigmoid(mm(x, W) + bias); }

void randomise(nn::DBN& dbn, double scale) {
    NoGradGuard g;
    for (nn::RBM& r : dbn->rbms) {
        r->weight.normal_(0, scale);
        r->visible_bias.normal_(0, scale);
        r->hidden_bias.normal_(0, scale);
    }
}

}  // namespace

TEST_CASE("DBN pretrain equals fitting layer 0 on the data and layer 1 on its hidden probabilities", "[dbn]") {
    manual_seed(9);
    Tensor data = bernoulli(full({40, 8}, 0.5, dtype(kFloat64)));
    // One option set per layer, different on each, so that layer l must use options[l].
    const std::vector<nn::RBMTrainOptions> options = {quiet_options(2, 0.1), quiet_options(3, 0.05)};
    manual_seed(1);
    nn::DBN dbn(std::vector<int64_t>{8, 6, 4});
    dbn->to(kFloat64);
    manual_seed(1);
    nn::DBN replay(std::vector<int64_t>{8, 6, 4});
    replay->to(kFloat64);
    std::vector<Tensor> init;
    for (const Tensor& p : replay->parameters()) init.push_back(p.detach().clone());

    manual_seed(2);
    auto histories = dbn->pretrain(data, options);
    manual_seed(2);
    replay->rbms[0]->fit(data, options[0]);
    Tensor probs;
    {
        NoGradGuard g;
        probs = replay->rbms[0]->hidden_probs(data);
    }
    replay->rbms[1]->fit(probs, options[1]);

    REQUIRE(histories.size() == 2);
    CHECK(histories[0].size() == 2);
    CHECK(histories[1].size() == 3);
    const std::vector<Tensor> got = dbn->parameters(), want = replay->parameters();
    REQUIRE(got.size() == 6);
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("parameter " << i);
        CHECK(equal(got[i], want[i]));
        CHECK((got[i] - init[i]).abs().max().item<double>() > 1e-5);  // every layer was trained
    }
}

TEST_CASE("DBN transform(upto) is the up pass of hidden probabilities through the first upto layers", "[dbn]") {
    manual_seed(10);
    nn::DBN dbn(std::vector<int64_t>{7, 5, 4, 3});
    dbn->to(kFloat64);
    randomise(dbn, 0.8);
    Tensor x = rand({6, 7}, dtype(kFloat64));
    Tensor h = x;
    CHECK(equal(dbn->transform(x, 0), x));
    for (int64_t l = 0; l < 3; ++l) {
        const nn::RBM& r = dbn->rbms[static_cast<std::size_t>(l)];
        h = sigm_linear(h, r->weight.t(), r->hidden_bias);
        CHECK(allclose(dbn->transform(x, l + 1), h, 1e-12, 1e-14));
    }
    CHECK(allclose(dbn->transform(x), h, 1e-12, 1e-14));
    core_test::require_throws_with<IndexError>([&] { (void)dbn->transform(x, 4); },
                                               {"DBN::transform", "layer 4", "3 layers"});
}

TEST_CASE("DBN generate replays as Gibbs steps in the top RBM and a down pass of probabilities", "[dbn]") {
    manual_seed(11);
    nn::DBN dbn(std::vector<int64_t>{6, 5, 4});
    dbn->to(kFloat64);
    randomise(dbn, 1.0);
    const nn::RBM &bottom = dbn->rbms[0], &top = dbn->rbms[1];
    manual_seed(12);
    Tensor samples = dbn->generate(9, 4);
    manual_seed(12);
    Tensor v = bernoulli(full({9, 5}, 0.5, dtype(kFloat64)));
    for (int s = 0; s < 4; ++s) {
        Tensor h = bernoulli(sigmoid(mm(v, top->weight.t()) + top->hidden_bias));
        v = bernoulli(sigmoid(mm(h, top->weight) + top->visible_bias));
    }
    Tensor x = sigm_linear(sigm_linear(v, top->weight.t(), top->hidden_bias), top->weight, top->visible_bias);
    x = sigm_linear(x, bottom->weight, bottom->visible_bias);
    CHECK(allclose(samples, x, 1e-12, 1e-14));
}

TEST_CASE("DeepAutoencoder from a DBN: encoder sigmoid(x W^T + c), decoder sigmoid(h W + b) mirrored", "[dbn]") {
    // Square layers too: there, a decoder given W where it needs W^T still runs, and only the
    // values can tell.
    for (const std::vector<int64_t>& sizes : {std::vector<int64_t>{5, 5, 5}, std::vector<int64_t>{8, 6, 3}})
        for (bool linear_code : {false, true}) {
            INFO("sizes " << sizes[0] << "-" << sizes[1] << "-" << sizes[2] << ", Gaussian (linear) code layer "
                          << linear_code);
            manual_seed(13);
            nn::DBN dbn(sizes, nn::VisibleUnits::Bernoulli,
                        linear_code ? nn::HiddenUnits::Gaussian : nn::HiddenUnits::Bernoulli);
            dbn->to(kFloat64);
            randomise(dbn, 0.7);
            auto ae = nn::DeepAutoencoderImpl::from_dbn(*dbn);
            const nn::RBM &r0 = dbn->rbms[0], &r1 = dbn->rbms[1];
            Tensor x = rand({5, sizes[0]}, dtype(kFloat64));
            Tensor h1 = sigm_linear(x, r0->weight.t(), r0->hidden_bias);
            Tensor a2 = mm(h1, r1->weight.t()) + r1->hidden_bias;
            Tensor code = linear_code ? a2 : sigmoid(a2);
            CHECK(allclose(ae->encode(x), code, 1e-12, 1e-14));
            Tensor z = randn({5, sizes[2]}, dtype(kFloat64));
            Tensor want = sigm_linear(sigm_linear(z, r1->weight, r1->visible_bias), r0->weight, r0->visible_bias);
            CHECK(allclose(ae->decode(z), want, 1e-12, 1e-14));
            Tensor round = sigm_linear(sigm_linear(code, r1->weight, r1->visible_bias), r0->weight, r0->visible_bias);
            CHECK(allclose(ae->forward(x), round, 1e-12, 1e-14));
        }
}
