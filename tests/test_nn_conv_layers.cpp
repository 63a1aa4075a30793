// The convolution, pooling, normalisation, embedding and channel-dropout modules: parameter
// shapes and PyTorch's initialisation bounds, option handling (stride defaults, padding
// variants, output_size), running statistics, printing, and errors that name the op, the shapes
// and the expectation. The ops' values are checked in the registry (tests/op_rows_window.cpp)
// and against libtorch (tests/libtorch/test_diff_window.cpp).
#include <cmath>
#include <sstream>

#include "core_test_util.h"

using core_test::require_throws_with;
using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

namespace {
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }
std::string printed(const nn::Module& m) {
    std::ostringstream o;
    m.pretty_print(o);
    return o.str();
}
}  // namespace

TEST_CASE("Conv2d: weight [out, in / groups, kh, kw] within PyTorch's bound 1 / sqrt(fan_in)") {
    ember::manual_seed(3);
    nn::Conv2d conv(nn::Conv2dOptions(4, 6, {3, 2}).groups(2).stride(2).padding(1));
    REQUIRE(conv->weight.sizes() == ember::IntArrayRef({6, 2, 3, 2}));
    REQUIRE(conv->bias.sizes() == ember::IntArrayRef({6}));
    // kaiming_uniform_(a = sqrt(5)): gain sqrt(2 / 6), bound sqrt(3) gain / sqrt(fan_in) = 1 / sqrt(fan_in)
    const double bound = 1.0 / std::sqrt(2.0 * 3 * 2);
    CHECK(max_abs(conv->weight) <= bound);
    CHECK(max_abs(conv->weight) > 0.8 * bound);  // spread over the interval, not squeezed
    CHECK(max_abs(conv->bias) <= bound);
    CHECK(conv->named_parameters().size() == 2);
    Tensor y = conv(ember::randn({2, 4, 7, 5}));
    // (7 + 2 - 3) / 2 + 1 = 4 rows, (5 + 2 - 2) / 2 + 1 = 3 columns
    CHECK(y.sizes() == ember::IntArrayRef({2, 6, 4, 3}));
    CHECK(printed(*conv) == "ember::nn::Conv2d(4, 6, kernel_size=[3, 2], stride=[2, 2], padding=[1, 1], groups=2)");
    nn::Conv2d plain(1, 8, 5);
    CHECK(printed(*plain) == "ember::nn::Conv2d(1, 8, kernel_size=[5, 5], stride=[1, 1])");
    nn::Conv2d nobias(nn::Conv2dOptions(1, 2, 3).bias(false));
    CHECK_FALSE(nobias->bias.defined());
    CHECK(nobias->named_parameters().size() == 1);
}

TEST_CASE("Conv1d, kSame and kValid padding, and the functional form agree with the module") {
    ember::manual_seed(4);
    nn::Conv1d conv(nn::Conv1dOptions(3, 2, 4).padding(ember::kSame));
    Tensor x = ember::randn({2, 3, 9});
    Tensor y = conv(x);
    CHECK(y.sizes() == ember::IntArrayRef({2, 2, 9}));  // "same" keeps the length
    Tensor f = F::conv1d(x, conv->weight, F::Conv1dFuncOptions().bias(conv->bias).padding(ember::kSame));
    CHECK(ember::equal(y, f));
    nn::Conv2d valid(nn::Conv2dOptions(1, 1, 3).padding(ember::kValid));
    CHECK(valid(ember::randn({1, 1, 5, 5})).sizes() == ember::IntArrayRef({1, 1, 3, 3}));
    require_throws_with<ember::ValueError>(
        [&] {
            nn::Conv2d(nn::Conv2dOptions(1, 1, 3).padding(ember::kSame).stride(2))(ember::randn({1, 1, 5, 5}));
        },
        {"conv2d", "same", "strided"});
}

TEST_CASE("ConvTranspose2d: weight [in, out / groups, k...], output size, and forward with output_size") {
    ember::manual_seed(5);
    nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(4, 2, 4).stride(2).padding(1).bias(false));
    REQUIRE(up->weight.sizes() == ember::IntArrayRef({4, 2, 4, 4}));
    Tensor x = ember::randn({1, 4, 7, 7});
    // (7 - 1) 2 - 2 + 4 = 14: the DCGAN doubling
    CHECK(up(x).sizes() == ember::IntArrayRef({1, 2, 14, 14}));
    nn::ConvTranspose2d odd(nn::ConvTranspose2dOptions(4, 2, 3).stride(2).padding(1));
    CHECK(odd(x).sizes() == ember::IntArrayRef({1, 2, 13, 13}));
    const std::vector<int64_t> want{14, 14};
    Tensor y = odd->forward(x, ember::IntArrayRef(want));
    CHECK(y.sizes() == ember::IntArrayRef({1, 2, 14, 14}));
    // Equals the op with output_padding 1, the value that size asks for.
    CHECK(ember::allclose(y, ember::conv_transpose2d(x, odd->weight, odd->bias, 2, 1, 1)));
    const std::vector<int64_t> too_big{16, 16};
    require_throws_with<ember::ValueError>([&] { odd->forward(x, ember::IntArrayRef(too_big)); },
                                           {"ConvTranspose2d", "[13, 14]"});
}

TEST_CASE("convolution errors name the op, the shapes and what was expected") {
    Tensor x = ember::randn({2, 3, 8, 8});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::conv2d(x, ember::randn({4, 2, 3, 3}));
        },
        {"conv2d", "[2, 3, 8, 8]", "[4, 2, 3, 3]", "expects 2"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::conv2d(x, ember::randn({4, 3, 9, 9}));
        },
        {"conv2d", "9x9", "does not fit"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::conv2d(x, ember::randn({4, 3, 3, 3}), ember::randn({5}));
        },
        {"conv2d", "bias of shape [4]"});
    require_throws_with<ember::ValueError>(
        [&] {
            ember::conv2d(x, ember::randn({4, 3, 3, 3}), {}, 0);
        },
        {"conv2d", "stride", ">= 1"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::conv2d(x.view({6, 64}), ember::randn({4, 3, 3, 3}));
        },
        {"conv2d", "3-D", "4-D", "[6, 64]"});
    require_throws_with<ember::DTypeError>(
        [&] {
            ember::conv2d(x, ember::randn({4, 3, 3, 3}, ember::kFloat64));
        },
        {"conv2d", "differ in dtype"});
    require_throws_with<ember::ValueError>([&] { nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)); },
                                           {"Conv2d", "divisible by groups=2"});
    require_throws_with<ember::NotImplementedError>(
        [&] { nn::Conv2d(nn::Conv2dOptions(3, 4, 3).padding_mode(ember::kReflect)); }, {"Conv2d", "padding_mode"});
    require_throws_with<ember::ValueError>(
        [&] {
            ember::conv_transpose2d(x, ember::randn({3, 2, 3, 3}), {}, 1, 0, 1);
        },
        {"conv_transpose2d", "output_padding", "smaller"});
}

TEST_CASE("pooling modules: the stride defaults to the kernel, indices point at the maxima") {
    nn::MaxPool2d pool(2);
    CHECK(pool->options.stride() == ember::ExpandingArray<2>(2));
    Tensor x = ember::arange(16.0).view({1, 1, 4, 4});
    Tensor y = pool(x);
    CHECK(ember::equal(y, ember::tensor({5.0, 7.0, 13.0, 15.0}).view({1, 1, 2, 2})));
    auto [v, idx] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2));
    CHECK(ember::equal(idx, ember::tensor({5, 7, 13, 15}).view({1, 1, 2, 2})));
    // The gradient goes to the maxima only.
    Tensor xg = x.clone().requires_grad_();
    pool(xg).sum().backward();
    CHECK(xg.grad().sum().item<double>() == 4);
    CHECK(xg.grad().view({-1}).select(0, 5).item<double>() == 1);
    CHECK(printed(*pool) ==
          "ember::nn::MaxPool2d(kernel_size=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], ceil_mode=false)");
    nn::AvgPool2d avg(nn::AvgPool2dOptions(2).stride(1));
    CHECK(avg(x).sizes() == ember::IntArrayRef({1, 1, 3, 3}));
    CHECK(avg(x).view({-1}).select(0, 0).item<double>() == 2.5);  // (0 + 1 + 4 + 5) / 4
    nn::AdaptiveAvgPool2d gap(1);
    CHECK(gap(x).item<double>() == 7.5);
    require_throws_with<ember::ValueError>([&] { ember::max_pool2d(x, 2, 2, 2); },
                                           {"max_pool2d", "padding", "half the kernel"});
    require_throws_with<ember::ShapeError>([&] { ember::max_pool2d(x, 5); }, {"max_pool2d", "does not fit", "4x4"});
}

TEST_CASE("BatchNorm2d: batch statistics in training update the running ones; eval uses them") {
    nn::BatchNorm2d bn(3);
    CHECK(bn->named_parameters().size() == 2);
    CHECK(bn->named_buffers().size() == 3);
    ember::manual_seed(6);
    Tensor x = ember::randn({5, 3, 2, 2}) * 2.0 + 1.0;
    Tensor y = bn(x);
    // Per channel, y has mean 0 and biased variance 1 (up to eps).
    CHECK(max_abs(y.mean({0, 2, 3})) < 1e-5);
    CHECK(max_abs(y.square().mean({0, 2, 3}) - 1.0) < 1e-3);
    // running_mean = 0.9 * 0 + 0.1 * batch mean; running_var = 0.9 * 1 + 0.1 * unbiased batch var
    Tensor mean = x.mean({0, 2, 3}), var = x.var({0, 2, 3});
    CHECK(ember::allclose(bn->running_mean, mean * 0.1, 1e-5, 1e-6));
    CHECK(ember::allclose(bn->running_var, var * 0.1 + 0.9, 1e-5, 1e-6));
    CHECK(bn->num_batches_tracked.item<int64_t>() == 1);
    bn->eval();
    Tensor z = bn(x);
    Tensor expect = (x - bn->running_mean.view({1, 3, 1, 1})) / (bn->running_var.view({1, 3, 1, 1}) + 1e-5).sqrt();
    CHECK(ember::allclose(z, expect, 1e-5, 1e-6));
    CHECK(bn->num_batches_tracked.item<int64_t>() == 1);  // eval does not count
    CHECK(printed(*bn) == "ember::nn::BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
    require_throws_with<ember::ShapeError>([&] { bn(ember::randn({2, 3, 4})); }, {"BatchNorm2d", "4D", "[2, 3, 4]"});
    bn->train();
    require_throws_with<ember::ValueError>(
        [&] {
            nn::BatchNorm1d(4)(ember::randn({1, 4}));
        },
        {"batch_norm", "more than 1 value"});
    require_throws_with<ember::ShapeError>(
        [&] {
            bn(ember::randn({2, 4, 2, 2}));
        },
        {"batch_norm", "one entry per channel", "(4)"});
}

TEST_CASE("LayerNorm and GroupNorm normalise over their groups and print their options") {
    ember::manual_seed(7);
    nn::LayerNorm ln(nn::LayerNormOptions({4}).eps(1e-6));
    Tensor x = ember::randn({3, 4}) * 3.0;
    Tensor y = ln(x);
    CHECK(max_abs(y.mean({1})) < 1e-5);
    CHECK(max_abs(y.square().mean({1}) - 1.0) < 1e-4);
    CHECK(printed(*ln) == "ember::nn::LayerNorm([4], eps=1e-06, elementwise_affine=true)");
    nn::GroupNorm gn(2, 4);
    Tensor g = gn(ember::randn({2, 4, 3}));
    CHECK(max_abs(g.reshape({2, 2, 6}).mean({2})) < 1e-5);
    require_throws_with<ember::ValueError>([&] { nn::GroupNorm(3, 4); }, {"GroupNorm", "divisible by num_groups = 3"});
    require_throws_with<ember::ShapeError>([&] { ember::layer_norm(x, {5}); }, {"layer_norm", "[5]", "[3, 4]"});
}

TEST_CASE("Embedding: rows by index, no gradient to padding_idx, from_pretrained frozen by default") {
    ember::manual_seed(8);
    nn::Embedding emb(nn::EmbeddingOptions(5, 3).padding_idx(1));
    CHECK(max_abs(emb->weight.select(0, 1)) == 0);  // PyTorch zeroes the padding row
    Tensor idx = ember::tensor({1, 2, 2, 0}).view({2, 2});
    Tensor out = emb(idx);
    CHECK(out.sizes() == ember::IntArrayRef({2, 2, 3}));
    CHECK(ember::equal(out.select(0, 0).select(0, 1), emb->weight.select(0, 2)));
    out.sum().backward();
    Tensor expect = ember::tensor({1.0, 0.0, 2.0, 0.0, 0.0}).view({5, 1}).expand({5, 3});
    CHECK(ember::equal(emb->weight.grad(), expect));
    CHECK(printed(*emb) == "ember::nn::Embedding(num_embeddings=5, embedding_dim=3, padding_idx=1)");
    nn::Embedding pre = nn::Embedding::from_pretrained(ember::eye(3));
    CHECK_FALSE(pre->weight.requires_grad());
    CHECK(ember::equal(pre(ember::tensor({2})), ember::tensor({0.0, 0.0, 1.0}).view({1, 3})));
    require_throws_with<ember::DTypeError>([&] { emb(ember::tensor({1.0})); }, {"embedding", "int64"});
    require_throws_with<ember::IndexError>([&] { emb(ember::tensor({7})); }, {"index", "7"});
    require_throws_with<ember::NotImplementedError>([&] { nn::Embedding(nn::EmbeddingOptions(5, 3).max_norm(1.0)); },
                                                    {"max_norm", "not implemented"});
}

TEST_CASE("Dropout2d zeroes whole channels and scales the others by 1 / (1 - p); identity in eval") {
    ember::manual_seed(9);
    nn::Dropout2d drop(nn::Dropout2dOptions(0.5));
    Tensor x = ember::ones({8, 16, 3, 3});
    Tensor y = drop(x);
    // Each channel is all 0 or all 2.
    Tensor per_channel = y.view({8, 16, 9});
    CHECK(ember::equal(per_channel.amax({2}), per_channel.amin({2})));
    const double kept = (per_channel.amax({2}) == 2.0).to(ember::kFloat64).mean().item<double>();
    CHECK(kept > 0.3);
    CHECK(kept < 0.7);  // 128 channels: 5 binomial std from 0.5 is 0.22
    drop->eval();
    CHECK(ember::equal(drop(x), x));
    CHECK(ember::equal(F::dropout(x, F::DropoutFuncOptions().p(0.3).training(false)), x));
}
