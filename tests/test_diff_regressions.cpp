// Regressions found by the differential tests against libtorch (tests/libtorch/,
// docs/differential_testing.md): each case here once disagreed with libtorch. They run in the
// main suite, so they hold where libtorch is not installed too.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/ember.h"

using ember::Tensor;
namespace F = ember::nn::functional;

namespace {
auto f32() { return ember::dtype(ember::kFloat32).requires_grad(true); }
auto f64() { return ember::dtype(ember::kFloat64).requires_grad(true); }
}  // namespace

TEST_CASE("a gradient has its tensor's dtype when an op promoted it", "[diff-regressions][autograd]") {
    // float32 * float64 computes in float64; libtorch still gives the float32 operand a float32
    // gradient (its engine casts each gradient to its input's dtype). ember gave float64.
    Tensor a = ember::tensor({1.0, 2.0, 3.0}, f32());
    Tensor b = ember::tensor({0.5, -1.0, 2.0}, f64());
    (a * b).sum().backward();
    REQUIRE(a.grad().dtype() == ember::kFloat32);
    REQUIRE(b.grad().dtype() == ember::kFloat64);
    REQUIRE(a.grad().to_vector<double>() == std::vector<double>{0.5, -1.0, 2.0});

    // Also for a float32 leaf reached through a view and a float64 sum of losses, and through
    // where(), and for autograd::grad.
    Tensor x = ember::tensor({1.0, -2.0}, f32());
    Tensor loss = (x.t() * 2.0).sum() + ember::ones({}, ember::dtype(ember::kFloat64));
    loss.backward();
    REQUIRE(x.grad().dtype() == ember::kFloat32);
    Tensor y = ember::tensor({3.0, 4.0}, f32());
    Tensor z = ember::where(ember::tensor({1.0, 0.0}) > 0.5, y, ember::tensor({0.0, 0.0}, f64()));
    REQUIRE(z.dtype() == ember::kFloat64);
    auto g = ember::autograd::grad({z.sum()}, {y});
    REQUIRE(g[0].dtype() == ember::kFloat32);
    REQUIRE(g[0].to_vector<double>() == std::vector<double>{1.0, 0.0});
}

TEST_CASE("std and norm have a zero gradient, not NaN, where they are 0", "[diff-regressions][reduce]") {
    // sqrt's gradient is infinite at 0; libtorch's std and norm backward give 0 there (a constant
    // group, an all-zero tensor). ember gave NaN, which then poisoned every other gradient.
    Tensor x = ember::full({2, 3}, 1.5, f64());
    Tensor s = ember::std(x, {1});
    REQUIRE(s.to_vector<double>() == std::vector<double>{0.0, 0.0});
    (s.sum() + x.sum()).backward();
    for (double v : x.grad().to_vector<double>()) REQUIRE(v == 1.0);

    Tensor z = ember::zeros({4}, f32());
    ember::norm(z).backward();
    for (double v : z.grad().to_vector<double>()) REQUIRE(v == 0.0);

    // Away from 0 the gradient is unchanged: d std / dx_i = (x_i - mean) / ((n - 1) std).
    Tensor w = ember::tensor({1.0, 2.0, 4.0}, f64());
    Tensor sw = ember::std(w, {0});
    sw.backward();
    const double sd = std::sqrt(7.0 / 3.0), mean = 7.0 / 3.0;
    std::vector<double> gw = w.grad().to_vector<double>();
    for (int i = 0; i < 3; ++i)
        REQUIRE(gw[i] == Approx((std::vector<double>{1, 2, 4}[i] - mean) / (2 * sd)).epsilon(1e-12));
}

TEST_CASE("addmm with beta = 0 ignores self's values but still gives it a zero gradient",
          "[diff-regressions][linalg]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor self = ember::tensor({{nan, 1.0}, {2.0, 3.0}}, f64());
    Tensor a = ember::tensor({{1.0, 2.0}, {3.0, 4.0}}, f64());
    Tensor b = ember::eye(2, f64());
    Tensor out = ember::addmm(self, a, b, 0, 2);
    REQUIRE(out.to_vector<double>() == std::vector<double>{2.0, 4.0, 6.0, 8.0});
    out.sum().backward();
    REQUIRE(self.grad().defined());
    REQUIRE(self.grad().to_vector<double>() == std::vector<double>{0.0, 0.0, 0.0, 0.0});
    REQUIRE(a.grad().to_vector<double>() == std::vector<double>{2.0, 2.0, 2.0, 2.0});
}

TEST_CASE("binary_cross_entropy_with_logits is exact in float64 for logits above 20", "[diff-regressions][losses]") {
    // The loss used softplus's default linear branch above z = 20, off by log1p(e^-z) ~ 2e-9
    // there: invisible in float32, a 1e-9 relative error in float64 gradients.
    Tensor z = ember::tensor({25.0, -30.0, 21.0}, f64());
    Tensor y = ember::tensor({0.25, 0.5, 1.0}, ember::dtype(ember::kFloat64));
    Tensor l = F::binary_cross_entropy_with_logits(z, y, F::BinaryCrossEntropyWithLogitsFuncOptions(ember::kSum));
    const std::vector<double> zs = {25.0, -30.0, 21.0}, ys = {0.25, 0.5, 1.0};
    double want = 0;
    for (int i = 0; i < 3; ++i) want += std::max(zs[i], 0.0) + std::log1p(std::exp(-std::abs(zs[i]))) - zs[i] * ys[i];
    REQUIRE(l.item<double>() == Approx(want).epsilon(1e-15));
    l.backward();
    std::vector<double> g = z.grad().to_vector<double>();
    for (int i = 0; i < 3; ++i) REQUIRE(std::abs(g[i] - (1 / (1 + std::exp(-zs[i])) - ys[i])) < 1e-15);
}
