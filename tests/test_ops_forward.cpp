// Forward values of the elementwise ops against double-precision references computed here, over
// every memory layout (contiguous, transposed, strided, expanded, offset) and broadcasting shapes.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

namespace {

struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
    std::function<double(double)> ref;
    double lo, hi;  // input range
};

double softplus_ref(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }

const std::vector<UnaryCase>& unary_cases() {
    static const std::vector<UnaryCase> cases = {
        {"neg", [](const Tensor& x) { return -x; }, [](double x) { return -x; }, -3, 3},
        {"neg()", [](const Tensor& x) { return x.neg(); }, [](double x) { return -x; }, -3, 3},
        {"exp", [](const Tensor& x) { return x.exp(); }, [](double x) { return std::exp(x); }, -3, 3},
        {"log", [](const Tensor& x) { return x.log(); }, [](double x) { return std::log(x); }, 0.1, 5},
        {"log1p", [](const Tensor& x) { return ember::log1p(x); }, [](double x) { return std::log1p(x); }, -0.9, 5},
        {"sqrt", [](const Tensor& x) { return x.sqrt(); }, [](double x) { return std::sqrt(x); }, 0, 5},
        {"rsqrt", [](const Tensor& x) { return x.rsqrt(); }, [](double x) { return 1 / std::sqrt(x); }, 0.1, 5},
        {"abs", [](const Tensor& x) { return x.abs(); }, [](double x) { return std::fabs(x); }, -3, 3},
        {"sign", [](const Tensor& x) { return x.sign(); }, [](double x) { return double((x > 0) - (x < 0)); }, -3, 3},
        {"sin", [](const Tensor& x) { return x.sin(); }, [](double x) { return std::sin(x); }, -4, 4},
        {"cos", [](const Tensor& x) { return x.cos(); }, [](double x) { return std::cos(x); }, -4, 4},
        {"sigmoid", [](const Tensor& x) { return x.sigmoid(); }, [](double x) { return 1 / (1 + std::exp(-x)); }, -8,
         8},
        {"log_sigmoid", [](const Tensor& x) { return x.log_sigmoid(); },
         [](double x) { return -std::log1p(std::exp(-x)); }, -8, 8},
        {"tanh", [](const Tensor& x) { return x.tanh(); }, [](double x) { return std::tanh(x); }, -3, 3},
        {"relu", [](const Tensor& x) { return x.relu(); }, [](double x) { return x > 0 ? x : 0; }, -3, 3},
        {"softplus", [](const Tensor& x) { return x.softplus(); }, softplus_ref, -30, 30},
        {"square", [](const Tensor& x) { return x.square(); }, [](double x) { return x * x; }, -3, 3},
        {"reciprocal", [](const Tensor& x) { return x.reciprocal(); }, [](double x) { return 1 / x; }, 0.5, 3},
        {"pow 3", [](const Tensor& x) { return x.pow(3.0); }, [](double x) { return x * x * x; }, -2, 2},
        {"pow 2", [](const Tensor& x) { return x.pow(2.0); }, [](double x) { return x * x; }, -2, 2},
        {"pow 0.5", [](const Tensor& x) { return ember::pow(x, 0.5); }, [](double x) { return std::sqrt(x); }, 0, 4},
        {"pow -1.5", [](const Tensor& x) { return x.pow(-1.5); }, [](double x) { return std::pow(x, -1.5); }, 0.5, 3},
        {"2^x", [](const Tensor& x) { return ember::pow(2.0, x); }, [](double x) { return std::exp2(x); }, -3, 3},
        {"clamp", [](const Tensor& x) { return x.clamp(-0.5, 1.0); },
         [](double x) { return std::min(1.0, std::max(-0.5, x)); }, -2, 2},
        {"clamp_min", [](const Tensor& x) { return x.clamp_min(0.25); }, [](double x) { return std::max(0.25, x); }, -1,
         1},
        {"clamp_max", [](const Tensor& x) { return x.clamp_max(0.25); }, [](double x) { return std::min(0.25, x); }, -1,
         1},
        {"x+s", [](const Tensor& x) { return x + 2.5; }, [](double x) { return x + 2.5; }, -3, 3},
        {"s+x", [](const Tensor& x) { return 2.5 + x; }, [](double x) { return 2.5 + x; }, -3, 3},
        {"x-s", [](const Tensor& x) { return x - 1.5; }, [](double x) { return x - 1.5; }, -3, 3},
        {"s-x", [](const Tensor& x) { return 1.5 - x; }, [](double x) { return 1.5 - x; }, -3, 3},
        {"x*s", [](const Tensor& x) { return x * -3.0; }, [](double x) { return x * -3.0; }, -3, 3},
        {"s*x", [](const Tensor& x) { return -3.0 * x; }, [](double x) { return -3.0 * x; }, -3, 3},
        {"x/s", [](const Tensor& x) { return x / 4.0; }, [](double x) { return x / 4.0; }, -3, 3},
        {"s/x", [](const Tensor& x) { return 4.0 / x; }, [](double x) { return 4.0 / x; }, 0.5, 3},
    };
    return cases;
}

}  // namespace

TEST_CASE("unary ops match double references over every layout", "[ops][elementwise]") {
    const std::vector<Sizes> shapes = {{7}, {3, 5}, {2, 3, 4}};
    uint32_t seed = 1;
    for (const UnaryCase& c : unary_cases()) {
        for (const Sizes& shape : shapes) {
            for (const std::string& layout : all_layouts()) {
                for (auto dt : {ember::kFloat64, ember::kFloat32}) {
                    Tensor x = layout_tensor(layout, shape, c.lo, c.hi, ++seed, dt);
                    std::vector<double> xv = raw_values(x);
                    std::vector<double> want;
                    for (double v : xv) want.push_back(c.ref(v));
                    Tensor y = c.op(x);
                    std::string what =
                        std::string(c.name) + " " + layout + " " + shape_string(shape) + " " + ember::dtype_name(dt);
                    REQUIRE(y.dtype() == dt);
                    REQUIRE(y.is_contiguous());
                    require_tensor(y, shape, want, dt == ember::kFloat64 ? 1e-12 : 2e-6,
                                   dt == ember::kFloat64 ? 1e-14 : 2e-6, what);
                }
            }
        }
    }
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

namespace {

struct BinaryCase {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> op;
    std::function<double(double, double)> ref;
    double lo_a, hi_a, lo_b, hi_b;
    bool compare = false;
};

const std::vector<BinaryCase>& binary_cases() {
    static const std::vector<BinaryCase> cases = {
        {"+", [](const Tensor& a, const Tensor& b) { return a + b; }, [](double a, double b) { return a + b; }, -2, 2,
         -2, 2},
        {"-", [](const Tensor& a, const Tensor& b) { return a - b; }, [](double a, double b) { return a - b; }, -2, 2,
         -2, 2},
        {"*", [](const Tensor& a, const Tensor& b) { return a * b; }, [](double a, double b) { return a * b; }, -2, 2,
         -2, 2},
        {"/", [](const Tensor& a, const Tensor& b) { return a / b; }, [](double a, double b) { return a / b; }, -2, 2,
         0.5, 2},
        {"add alpha", [](const Tensor& a, const Tensor& b) { return a.add(b, 0.5); },
         [](double a, double b) { return a + 0.5 * b; }, -2, 2, -2, 2},
        {"sub alpha", [](const Tensor& a, const Tensor& b) { return ember::sub(a, b, 3.0); },
         [](double a, double b) { return a - 3 * b; }, -2, 2, -2, 2},
        {"pow", [](const Tensor& a, const Tensor& b) { return a.pow(b); },
         [](double a, double b) { return std::pow(a, b); }, 0.2, 3, -2, 2},
        {"maximum", [](const Tensor& a, const Tensor& b) { return a.maximum(b); },
         [](double a, double b) { return std::max(a, b); }, -2, 2, -2, 2},
        {"minimum", [](const Tensor& a, const Tensor& b) { return ember::minimum(a, b); },
         [](double a, double b) { return std::min(a, b); }, -2, 2, -2, 2},
        {"==", [](const Tensor& a, const Tensor& b) { return a == b; },
         [](double a, double b) { return double(a == b); }, -2, 2, -2, 2, true},
        {"!=", [](const Tensor& a, const Tensor& b) { return a != b; },
         [](double a, double b) { return double(a != b); }, -2, 2, -2, 2, true},
        {"<", [](const Tensor& a, const Tensor& b) { return a < b; }, [](double a, double b) { return double(a < b); },
         -2, 2, -2, 2, true},
        {"<=", [](const Tensor& a, const Tensor& b) { return a.le(b); },
         [](double a, double b) { return double(a <= b); }, -2, 2, -2, 2, true},
        {">", [](const Tensor& a, const Tensor& b) { return ember::gt(a, b); },
         [](double a, double b) { return double(a > b); }, -2, 2, -2, 2, true},
        {">=", [](const Tensor& a, const Tensor& b) { return a >= b; },
         [](double a, double b) { return double(a >= b); }, -2, 2, -2, 2, true},
    };
    return cases;
}

}  // namespace

TEST_CASE("binary ops broadcast and match double references over every layout", "[ops][elementwise][broadcast]") {
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
    for (const BinaryCase& c : binary_cases()) {
        for (const auto& [sa, sb] : shapes) {
            for (const auto& [la, lb] : layout_pairs) {
                Tensor a = layout_tensor(la, sa, c.lo_a, c.hi_a, ++seed);
                Tensor b = layout_tensor(lb, sb, c.lo_b, c.hi_b, ++seed);
                if (c.compare) {
                    // Make some elements equal so == / <= / >= see ties.
                    Tensor bb = ember::zeros(sizes_of(b), ember::dtype(ember::kFloat64));
                    bb.copy_(b);
                    if (bb.numel() > 1) bb.view({-1}).narrow(0, 0, 1).fill_(raw_values(a)[0]);
                    b = bb;
                }
                std::vector<double> av = raw_values(a), bv = raw_values(b);
                Sizes out = broadcast(sa, sb);
                std::vector<double> want;
                for (int64_t k = 0; k < numel_of(out); ++k) {
                    auto idx = unravel(k, out);
                    want.push_back(c.ref(broadcast_at(av, sa, idx), broadcast_at(bv, sb, idx)));
                }
                Tensor y = c.op(a, b);
                REQUIRE(y.dtype() == (c.compare ? ember::kBool : ember::kFloat64));
                require_tensor(
                    y, out, want, 1e-13, 1e-15,
                    std::string(c.name) + " " + shape_string(sa) + "(" + la + ") " + shape_string(sb) + "(" + lb + ")");
            }
        }
    }
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
