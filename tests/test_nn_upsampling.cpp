// interpolate / Upsample, the max-pooling modules' forward_with_indices, AdaptiveMaxPool1d/2d and
// InstanceNorm1d/2d: libtorch's option rules and defaults, closed-form values on small inputs,
// printing, and errors that name the op and the shapes. The ops' values over random inputs are
// checked in the registry (tests/op_rows_window.cpp) and against libtorch
// (tests/libtorch/test_diff_window.cpp).
#include <cmath>
#include <sstream>

#include "core_test_util.h"

using core_test::require_throws_with;
using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

namespace {
std::string printed(const nn::Module& m) {
    std::ostringstream o;
    m.pretty_print(o);
    return o.str();
}
Tensor t2x2() { return ember::tensor({1.0, 2.0, 3.0, 4.0}, ember::kFloat64).view({1, 1, 2, 2}); }
}  // namespace

TEST_CASE("interpolate nearest: each pixel repeated, by size or by scale_factor") {
    Tensor x = t2x2();
    Tensor y = F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 2}));
    CHECK(ember::equal(
        y, ember::tensor({1.0, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, ember::kFloat64).view({1, 1, 4, 4})));
    Tensor z = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{2, 3}));
    // columns: floor(d * 2 / 3) = 0, 0, 1
    CHECK(ember::equal(z, ember::tensor({1.0, 1, 2, 3, 3, 4}, ember::kFloat64).view({1, 1, 2, 3})));
    nn::Upsample up(nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}));
    CHECK(ember::equal(up(x), y));
    CHECK(printed(*up) == "ember::nn::Upsample(scale_factor=[2, 2], mode=kNearest)");
    // 1-D
    Tensor l = ember::tensor({1.0, 2.0, 3.0}, ember::kFloat64).view({1, 1, 3});
    CHECK(ember::equal(F::interpolate(l, F::InterpolateFuncOptions().size(std::vector<int64_t>{6})),
                       ember::tensor({1.0, 1, 2, 2, 3, 3}, ember::kFloat64).view({1, 1, 6})));
}

TEST_CASE("interpolate bilinear and linear: half-pixel centres, or corners aligned") {
    Tensor x = t2x2();
    // align_corners: the corners stay, the middle is the average of its neighbours.
    Tensor a = F::interpolate(
        x, F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 3}).mode(ember::kBilinear).align_corners(true));
    CHECK(ember::allclose(a, ember::tensor({1.0, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4}, ember::kFloat64).view({1, 1, 3, 3})));
    // half-pixel: x = (d + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 -> 1, 1.25, 1.75, 2
    Tensor l = ember::tensor({1.0, 2.0}, ember::kFloat64).view({1, 1, 2});
    Tensor h = F::interpolate(l, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2}).mode(ember::kLinear));
    CHECK(ember::allclose(h, ember::tensor({1.0, 1.25, 1.75, 2.0}, ember::kFloat64).view({1, 1, 4})));
    nn::Upsample up(
        nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(ember::kBilinear).align_corners(false));
    CHECK(up(x).sizes() == ember::IntArrayRef({1, 1, 4, 4}));
    CHECK(printed(*up) == "ember::nn::Upsample(scale_factor=[2, 2], mode=kBilinear)");
    // kLinear is still an init nonlinearity
    CHECK(nn::init::calculate_gain(ember::kLinear) == 1.0);
}

TEST_CASE("upsampling gradients: the scatter-add of the output gradient, twice differentiable") {
    Tensor x = t2x2().requires_grad_();
    F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2, 3})).sum().backward();
    CHECK(ember::equal(x.grad(), ember::full({1, 1, 2, 2}, 6.0, ember::kFloat64)));  // each pixel copied 2 x 3 times
    CHECK(x.grad().defined());
    Tensor y = ember::upsample_bilinear2d(t2x2().requires_grad_(), {3, 5}, false);
    CHECK(std::string(y.grad_fn()->name()) == "UpsampleBilinear2DBackward0");
    Tensor w = ember::randn({1, 2, 3, 4}, ember::kFloat64).requires_grad_();
    auto f = [](const std::vector<Tensor>& in) { return ember::upsample_bilinear2d(in[0], {5, 7}, true).square(); };
    CHECK(ember::autograd::gradcheck(f, {w}));
    CHECK(ember::autograd::gradgradcheck(f, {w}));
    auto g = [](const std::vector<Tensor>& in) { return ember::upsample_nearest1d(in[0], {7}, 2.5).square(); };
    CHECK(ember::autograd::gradgradcheck(g, {ember::randn({2, 2, 3}, ember::kFloat64).requires_grad_()}));
}

TEST_CASE("interpolate errors: libtorch's rules, naming the op and the shapes") {
    Tensor x = ember::randn({1, 2, 3, 4});
    require_throws_with<ember::ValueError>([&] { F::interpolate(x); }, {"interpolate", "either size or scale_factor"});
    require_throws_with<ember::ValueError>(
        [&] {
            F::interpolate(
                x,
                F::InterpolateFuncOptions().size(std::vector<int64_t>{4, 4}).scale_factor(std::vector<double>{2, 2}));
        },
        {"interpolate", "only one of size or scale_factor", "[1, 2, 3, 4]"});
    require_throws_with<ember::ValueError>(
        [&] {
            F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{4, 4}).align_corners(false));
        },
        {"interpolate", "align_corners option can only be set with the interpolating modes"});
    require_throws_with<ember::ShapeError>(
        [&] { F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2})); },
        {"interpolate", "scale_factor shape must match input shape", "2D"});
    require_throws_with<ember::ShapeError>(
        [&] { F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{4}).mode(ember::kLinear)); },
        {"interpolate", "linear mode needs 3-D input", "[1, 2, 3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] { F::interpolate(x.view({24}), F::InterpolateFuncOptions().size(std::vector<int64_t>{4})); },
        {"interpolate", "3-D", "4-D", "[24]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            F::interpolate(x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{0.1, 1}));
        },
        {"interpolate", "output size", "[0, 4]", "positive"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::upsample_nearest2d(x, {0, 3});
        },
        {"upsample_nearest2d", "greater than 0", "[0, 3]", "[1, 2, 3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::upsample_bilinear2d(x.view({2, 3, 4}), {3, 3}, false);
        },
        {"upsample_bilinear2d", "4-D", "[2, 3, 4]"});
    require_throws_with<ember::NotImplementedError>(
        [&] {
            F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{4, 4}).mode(ember::kBicubic));
        },
        {"interpolate", "kBicubic", "not implemented"});
}

TEST_CASE("max pooling forward_with_indices and AdaptiveMaxPool1d/2d") {
    Tensor x = ember::arange(16.0).view({1, 1, 4, 4});
    nn::MaxPool2d pool(2);
    auto [v, i] = pool->forward_with_indices(x);
    CHECK(ember::equal(v, pool(x)));
    CHECK(ember::equal(i, ember::tensor({5, 7, 13, 15}).view({1, 1, 2, 2})));
    nn::MaxPool1d pool1(nn::MaxPool1dOptions(3).stride(2));
    auto [v1, i1] = pool1->forward_with_indices(ember::tensor({3.0, 1, 4, 1, 5, 9, 2}).view({1, 1, 7}));
    CHECK(ember::equal(v1, ember::tensor({4.0, 5, 9}).view({1, 1, 3})));
    CHECK(ember::equal(i1, ember::tensor({2, 4, 5}).view({1, 1, 3})));
    // 4 rows to 3: windows [0, 2), [1, 3), [2, 4)
    nn::AdaptiveMaxPool2d amp(nn::AdaptiveMaxPool2dOptions({3, 2}));
    auto [av, ai] = amp->forward_with_indices(x);
    CHECK(ember::equal(av, ember::tensor({5.0, 7, 9, 11, 13, 15}).view({1, 1, 3, 2})));
    CHECK(ember::equal(ai, ember::tensor({5, 7, 9, 11, 13, 15}).view({1, 1, 3, 2})));
    CHECK(ember::equal(amp(x), av));
    CHECK(printed(*amp) == "ember::nn::AdaptiveMaxPool2d(output_size=[3, 2])");
    nn::AdaptiveMaxPool1d amp1(2);
    CHECK(ember::equal(amp1(ember::tensor({3.0, 1, 4, 1, 5}).view({1, 5})), ember::tensor({4.0, 5}).view({1, 2})));
    CHECK(ember::equal(std::get<1>(F::adaptive_max_pool2d_with_indices(x, F::AdaptiveMaxPool2dFuncOptions(1))),
                       ember::tensor({15}).view({1, 1, 1, 1})));
    Tensor xg = x.clone().requires_grad_();
    amp(xg).sum().backward();
    CHECK(xg.grad().sum().item<double>() == 6);
    nn::AdaptiveAvgPool1d aap(2);
    CHECK(ember::equal(aap(ember::tensor({1.0, 2, 3, 4}).view({1, 1, 4})), ember::tensor({1.5, 3.5}).view({1, 1, 2})));
    require_throws_with<ember::ShapeError>([&] { ember::adaptive_max_pool2d(x.view({16}), 2); },
                                           {"adaptive_max_pool2d", "[16]"});
    require_throws_with<ember::ValueError>(
        [&] {
            ember::adaptive_max_pool2d(x, {0, 2});
        },
        {"adaptive_max_pool2d", "output_size", ">= 1"});
}

TEST_CASE("InstanceNorm2d: each sample's channels normalised alone; libtorch's defaults") {
    nn::InstanceNorm2d in(3);
    CHECK_FALSE(in->options.affine());
    CHECK_FALSE(in->options.track_running_stats());
    CHECK(in->named_parameters().size() == 0);
    CHECK(in->named_buffers().size() == 0);
    CHECK(printed(*in) ==
          "ember::nn::InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=false, track_running_stats=false)");
    ember::manual_seed(5);
    Tensor x = ember::randn({2, 3, 4, 5}, ember::kFloat64) * 3 + 1;
    Tensor y = in(x);
    CHECK(y.mean({2, 3}).abs().max().item<double>() < 1e-12);
    CHECK(std::abs(y.square().mean({2, 3}).min().item<double>() - 1) < 1e-4);
    // unbatched [C, H, W]
    CHECK(ember::allclose(in(x.select(0, 1)), y.select(0, 1)));
    nn::InstanceNorm1d tracked(nn::InstanceNorm1dOptions(2).affine(true).track_running_stats(true).momentum(0.5));
    CHECK(tracked->named_parameters().size() == 2);
    Tensor z = ember::tensor({1.0, 3.0, 0.0, 4.0, 2.0, 2.0, 2.0, 6.0}).view({2, 2, 2});
    tracked(z);
    // per-instance means: (2, 2) and (2, 4) -> batch mean (2, 3); running = 0.5 * 0 + 0.5 * mean
    CHECK(ember::allclose(tracked->running_mean, ember::tensor({1.0, 1.5})));
    // unbiased variances: (2, 8) and (0, 8) -> (1, 8); running = 0.5 * 1 + 0.5 * var
    CHECK(ember::allclose(tracked->running_var, ember::tensor({1.0, 4.5})));
    tracked->eval();
    Tensor e = tracked(z);
    CHECK(ember::allclose(
        e, (z - tracked->running_mean.view({1, 2, 1})) / (tracked->running_var.view({1, 2, 1}) + 1e-5).sqrt()));
    Tensor f = F::instance_norm(x, F::InstanceNormFuncOptions().eps(1e-5));
    CHECK(ember::allclose(f, y));
    require_throws_with<ember::ShapeError>([&] { in(ember::randn({2, 3})); }, {"InstanceNorm2d", "3D", "4D", "[2, 3]"});
    require_throws_with<ember::ValueError>(
        [&] {
            F::instance_norm(ember::randn({2, 3, 1}));
        },
        {"instance_norm", "more than 1 spatial element", "[2, 3, 1]"});
}
