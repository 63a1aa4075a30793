// Forward values of the ops against double-precision references: the rows of the test registry
// (tests/op_registry.cpp) over every memory layout (contiguous, transposed, strided, expanded,
// offset) and broadcasting shapes, then the special values (NaN, infinities, 0-dim, promotion).
#include <algorithm>
#include <cmath>
#include <limits>

#include "core_test_util.h"
#include "op_registry.h"

using namespace core_test;
using ember::Tensor;
using TL = std::vector<Tensor>;

namespace {

// The layouts and dtypes each check runs in; float32 inputs are rounded before the reference
// sees them, so the tolerances only cover the op's own rounding.
double fwd_rtol(ember::ScalarType dt) { return dt == ember::kFloat64 ? 1e-12 : 2e-6; }
double fwd_atol(ember::ScalarType dt) { return dt == ember::kFloat64 ? 1e-14 : 2e-6; }

}  // namespace

TEST_CASE("registry: one-input elementwise rows match their double references over every layout",
          "[ops][elementwise]") {
    const std::vector<Sizes> shapes = {{7}, {3, 5}, {2, 3, 4}};
    uint32_t seed = 1;
    int checked = 0;
    for (const op_registry::OpRow& row : op_registry::op_rows()) {
        if (!row.ref1) continue;
        for (const Sizes& shape : shapes) {
            for (const std::string& layout : all_layouts()) {
                for (auto dt : {ember::kFloat64, ember::kFloat32}) {
                    // Every input of the row has the same shape (a one-input row, or the same input twice).
                    Tensor x = layout_tensor(layout, shape, row.lo, row.hi, ++seed, dt);
                    std::vector<double> want;
                    for (double v : raw_values(x)) want.push_back(row.ref1(v));
                    std::string what =
                        row.name + " " + layout + " " + shape_string(shape) + " " + ember::dtype_name(dt);
                    Tensor y = row.fn({x}, ember::Device(ember::kCPU));
                    INFO(what);
                    REQUIRE((y.dtype() == dt || y.dtype() == ember::kBool));
                    REQUIRE(y.is_contiguous());
                    require_tensor(y, shape, want, fwd_rtol(dt), fwd_atol(dt), what);
                    ++checked;
                }
            }
        }
    }
    REQUIRE(checked > 1000);
}

TEST_CASE("unary ops on 0-dim and empty tensors", "[ops][elementwise]") {
    Tensor s = ember::scalar_tensor(0.5, ember::dtype(ember::kFloat64));
    Tensor e = s.exp();
    REQUIRE(e.dim() == 0);
    REQUIRE(e.item<double>() == Approx(std::exp(0.5)).epsilon(1e-15));
    Tensor z = ember::zeros({0, 3});
    Tensor r = z.sigmoid();
    REQUIRE(sizes_of(r) == Sizes{0, 3});
}

TEST_CASE("softplus, log_sigmoid and sigmoid are stable for large |x| in float32", "[ops][elementwise]") {
    Tensor x = ember::tensor({1e4, -1e4, 100.0, -100.0, 0.0});
    std::vector<double> sp = raw_values(x.softplus());
    REQUIRE(sp[0] == 1e4);
    REQUIRE(std::isfinite(sp[1]));
    REQUIRE(sp[1] >= 0);
    REQUIRE(sp[1] < 1e-30);
    REQUIRE(sp[2] == 100.0);
    REQUIRE(sp[3] >= 0);
    REQUIRE(sp[3] == Approx(std::exp(-100.0)).epsilon(1e-5).margin(1e-44));
    REQUIRE(sp[4] == Approx(std::log(2.0)).epsilon(1e-6));
    // Below the threshold softplus is log1p(exp(x)); beta scales the argument.
    Tensor b = ember::softplus(ember::tensor({1.0, -2.0}, ember::dtype(ember::kFloat64)), 2.0, 20);
    require_close(raw_values(b), {std::log1p(std::exp(2.0)) / 2, std::log1p(std::exp(-4.0)) / 2}, 1e-14, 0);

    std::vector<double> ls = raw_values(x.log_sigmoid());
    REQUIRE(ls[0] == Approx(0.0).margin(1e-30));
    REQUIRE(ls[1] == -1e4);
    REQUIRE(ls[3] == Approx(-100.0).epsilon(1e-7));
    std::vector<double> sg = raw_values(x.sigmoid());
    REQUIRE(sg[0] == 1.0);
    REQUIRE(sg[1] == 0.0);
    REQUIRE(sg[4] == 0.5);
    std::vector<double> th = raw_values(x.tanh());
    REQUIRE(th[0] == 1.0);
    REQUIRE(th[1] == -1.0);
}

TEST_CASE("clamp keeps NaN, sign of zero is zero", "[ops][elementwise]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor x = ember::tensor({nan, -5.0, 0.0, 5.0}, ember::dtype(ember::kFloat64));
    std::vector<double> c = raw_values(x.clamp(-1.0, 1.0));
    REQUIRE(std::isnan(c[0]));
    REQUIRE(c[1] == -1.0);
    REQUIRE(c[2] == 0.0);
    REQUIRE(c[3] == 1.0);
    REQUIRE(raw_values(x.sign())[2] == 0.0);
    REQUIRE(raw_values(ember::tensor({-2.0, 3.0}).relu()) == std::vector<double>{0.0, 3.0});
}

TEST_CASE("registry: two-input elementwise rows broadcast and match double references over every layout",
          "[ops][elementwise][broadcast]") {
    // (shape a, shape b): equal, trailing broadcast, both sides broadcast, rank mismatch, scalar.
    const std::vector<std::pair<Sizes, Sizes>> shapes = {{{3, 4}, {3, 4}},    {{3, 4}, {4}},    {{3, 1}, {1, 4}},
                                                         {{2, 3, 4}, {3, 1}}, {{4}, {2, 3, 4}}, {{3, 4}, {}},
                                                         {{}, {2, 3}}};
    const std::vector<std::pair<std::string, std::string>> layout_pairs = {{"contiguous", "contiguous"},
                                                                           {"transposed", "strided"},
                                                                           {"strided", "transposed"},
                                                                           {"expanded", "offset"},
                                                                           {"offset", "expanded"}};
    uint32_t seed = 100;
    int checked = 0;
    for (const op_registry::OpRow& row : op_registry::op_rows()) {
        if (!row.ref2) continue;
        for (const auto& [sa, sb] : shapes) {
            for (const auto& [la, lb] : layout_pairs) {
                for (auto dt : {ember::kFloat64, ember::kFloat32}) {
                    Tensor a = layout_tensor(la, sa, row.lo, row.hi, ++seed, dt);
                    Tensor b = layout_tensor(lb, sb, row.lo, row.hi, ++seed, dt);
                    std::vector<double> av = raw_values(a), bv = raw_values(b);
                    Sizes out = broadcast(sa, sb);
                    std::vector<double> want;
                    for (int64_t k = 0; k < numel_of(out); ++k) {
                        auto idx = unravel(k, out);
                        want.push_back(row.ref2(broadcast_at(av, sa, idx), broadcast_at(bv, sb, idx)));
                    }
                    const std::string what = row.name + " " + shape_string(sa) + "(" + la + ") " + shape_string(sb) +
                                             "(" + lb + ") " + ember::dtype_name(dt);
                    Tensor y = row.fn({a, b}, ember::Device(ember::kCPU));
                    INFO(what);
                    REQUIRE((y.dtype() == dt || y.dtype() == ember::kBool));
                    require_tensor(y, out, want, fwd_rtol(dt), fwd_atol(dt), what);
                    ++checked;
                }
            }
        }
    }
    REQUIRE(checked > 1000);
}

TEST_CASE("registry: the other rows with a reference match it over every layout", "[ops][reduce]") {
    uint32_t seed = 300;
    int checked = 0;
    for (const op_registry::OpRow& row : op_registry::op_rows()) {
        if (!row.ref) continue;
        for (const std::string& layout : all_layouts()) {
            for (auto dt : {ember::kFloat64, ember::kFloat32}) {
                TL inputs;
                std::vector<std::vector<double>> values;
                for (const Sizes& s : row.shapes) {
                    inputs.push_back(layout_tensor(layout, s, row.lo, row.hi, ++seed, dt));
                    values.push_back(raw_values(inputs.back()));
                }
                const std::string what = row.name + " " + layout + " " + ember::dtype_name(dt);
                INFO(what);
                Tensor y = row.fn(inputs, ember::Device(ember::kCPU));
                // float32 sums accumulate rounding over the row: n ulps at most.
                require_close(raw_values(y), row.ref(values), dt == ember::kFloat64 ? 1e-12 : 1e-5, fwd_atol(dt), what);
                ++checked;
            }
        }
    }
    REQUIRE(checked > 100);
}

TEST_CASE("float32 binary ops match within float rounding", "[ops][elementwise]") {
    Tensor a = rand_tensor({5, 6}, -2, 2, 7, ember::kFloat32);
    Tensor b = rand_tensor({6}, 0.5, 2, 8, ember::kFloat32);
    std::vector<double> av = raw_values(a), bv = raw_values(b), want;
    for (int i = 0; i < 30; ++i) want.push_back(av[i] / bv[i % 6] + av[i] * bv[i % 6]);
    Tensor y = a / b + a * b;
    REQUIRE(y.dtype() == ember::kFloat32);
    require_tensor(y, {5, 6}, want, 1e-6, 1e-6);
}

TEST_CASE("type promotion and scalar operands", "[ops][elementwise]") {
    Tensor i = ember::tensor(std::vector<int64_t>{1, 2, 3});
    Tensor f = ember::tensor({0.5, 0.5, 0.5});
    REQUIRE((i + f).dtype() == ember::kFloat32);
    REQUIRE((i + 1.0).dtype() == ember::kInt64);
    REQUIRE((i + 0.5).dtype() == ember::kFloat32);
    require_close(raw_values(i + 0.5), {1.5, 2.5, 3.5}, 0, 0);
    REQUIRE((i / 2.0).dtype() == ember::kFloat32);  // true division
    require_close(raw_values(i / 2.0), {0.5, 1.0, 1.5}, 0, 0);
    require_close(raw_values(i * i), {1, 4, 9}, 0, 0);
    REQUIRE((i * i).dtype() == ember::kInt64);
    Tensor d = ember::tensor({1.0, 2.0}, ember::dtype(ember::kFloat64));
    REQUIRE((d + ember::tensor({1.0, 1.0})).dtype() == ember::kFloat64);
    REQUIRE((ember::tensor({1.0, 2.0}) * 3.0).dtype() == ember::kFloat32);
    // Integer pow with a non-negative integral exponent stays int64 and is exact.
    Tensor p = i.pow(3.0);
    REQUIRE(p.dtype() == ember::kInt64);
    require_close(raw_values(p), {1, 8, 27}, 0, 0);
}

TEST_CASE("comparisons with scalars and logical ops return bool tensors", "[ops][elementwise]") {
    Tensor x = ember::tensor({-1.0, 0.0, 2.0});
    Tensor gt = x > 0.0;
    REQUIRE(gt.dtype() == ember::kBool);
    REQUIRE(raw_values(gt) == std::vector<double>{0, 0, 1});
    REQUIRE(raw_values(x.le(0.0)) == std::vector<double>{1, 1, 0});
    REQUIRE(raw_values(x == 0.0) == std::vector<double>{0, 1, 0});
    REQUIRE(raw_values(x != 0.0) == std::vector<double>{1, 0, 1});
    REQUIRE(raw_values(x.lt(2.0)) == std::vector<double>{1, 1, 0});
    REQUIRE(raw_values(x.ge(-1.0)) == std::vector<double>{1, 1, 1});
    REQUIRE(raw_values(!gt) == std::vector<double>{1, 1, 0});
    REQUIRE(raw_values(ember::logical_and(x > -2.0, x < 1.0)) == std::vector<double>{1, 1, 0});
    REQUIRE(raw_values(ember::logical_or(x<-0.5, x> 1.0)) == std::vector<double>{1, 0, 1});
    // Bool tensors in arithmetic promote to int64.
    Tensor s = gt + gt;
    REQUIRE(s.dtype() == ember::kInt64);
    REQUIRE(raw_values(s) == std::vector<double>{0, 0, 2});
    REQUIRE(gt.sum().item<int64_t>() == 1);
}

TEST_CASE("where broadcasts condition and both values", "[ops][elementwise][broadcast]") {
    Tensor cond = layout_tensor("transposed", {3, 4}, -1, 1, 5) > 0.0;
    Tensor a = layout_tensor("strided", {4}, -1, 1, 6);
    Tensor b = layout_tensor("expanded", {3, 1}, -1, 1, 7);
    std::vector<double> cv = raw_values(cond), av = raw_values(a), bv = raw_values(b), want;
    for (int64_t k = 0; k < 12; ++k) want.push_back(cv[k] != 0 ? av[k % 4] : bv[k / 4]);
    require_tensor(ember::where(cond, a, b), {3, 4}, want, 0, 0);
    std::vector<double> want2;
    for (int64_t k = 0; k < 12; ++k) want2.push_back(cv[k] != 0 ? av[k % 4] : -7.0);
    require_tensor(ember::where(cond, a, -7.0), {3, 4}, want2, 0, 0);
    std::vector<double> want3;
    for (int64_t k = 0; k < 12; ++k) want3.push_back(cv[k] != 0 ? 9.0 : bv[k / 4]);
    require_tensor(ember::where(cond, 9.0, b), {3, 4}, want3, 0, 0);
}

TEST_CASE("maximum and minimum propagate NaN", "[ops][elementwise]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor a = ember::tensor({nan, 1.0, 2.0}, ember::dtype(ember::kFloat64));
    Tensor b = ember::tensor({0.0, nan, 3.0}, ember::dtype(ember::kFloat64));
    std::vector<double> mx = raw_values(ember::maximum(a, b)), mn = raw_values(ember::minimum(a, b));
    REQUIRE(std::isnan(mx[0]));
    REQUIRE(std::isnan(mx[1]));
    REQUIRE(mx[2] == 3.0);
    REQUIRE(std::isnan(mn[0]));
    REQUIRE(std::isnan(mn[1]));
    REQUIRE(mn[2] == 2.0);
}
