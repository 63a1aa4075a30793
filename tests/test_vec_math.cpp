// Tests for the vectorised float32 transcendentals of cpu/vec_math.h (exp, sigmoid, softplus,
// log-sigmoid) on every path this CPU supports, against the same functions evaluated in double
// with the C library (an independent reference), and for the ops that use them.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "vec_math_paths_test_util.h"

namespace {

using vec_math_paths::PathGuard;
const std::vector<cpu_paths::Path>& kPaths = vec_math_paths::all();  // scalar, AVX2, AVX-512

// Distance in units in the last place between a float result and the double reference rounded
// to float (both finite and of the same sign).
int64_t ulp_distance(float got, double ref) {
    const float r = static_cast<float>(ref);
    if (got == r) return 0;
    int32_t a, b;
    std::memcpy(&a, &got, 4);
    std::memcpy(&b, &r, 4);
    if ((a < 0) != (b < 0)) return std::numeric_limits<int32_t>::max();
    return a > b ? int64_t{a} - b : int64_t{b} - a;
}

// Every 997th float bit pattern in [lo, hi] plus a dense grid: covers every binade of the range.
std::vector<float> sample_inputs(float lo, float hi) {
    std::vector<float> x;
    for (float v = lo; v <= hi; v += (hi - lo) / 200000.0f) x.push_back(v);
    for (uint32_t bits = 0; bits < 0x7F800000u; bits += 997 * 64) {
        float v;
        std::memcpy(&v, &bits, 4);
        if (v >= lo && v <= hi) x.push_back(v);
        if (-v >= lo && -v <= hi) x.push_back(-v);
    }
    return x;
}

using Kernel = void (*)(const float*, float*, int64_t);

// Max ulp error over results in float's normal range; results below it must be within one
// smallest-normal of the reference (subnormal outputs carry no relative accuracy).
void check_against(Kernel f, double (*ref)(double), float lo, float hi, int64_t max_ulp) {
    std::vector<float> x = sample_inputs(lo, hi);
    std::vector<float> y(x.size());
    f(x.data(), y.data(), static_cast<int64_t>(x.size()));
    int64_t worst = 0;
    float worst_at = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double r = ref(static_cast<double>(x[i]));
        if (std::fabs(r) < std::numeric_limits<float>::min()) {
            REQUIRE(std::fabs(static_cast<double>(y[i]) - r) <= std::numeric_limits<float>::min());
            continue;
        }
        const int64_t d = ulp_distance(y[i], r);
        if (d > worst) {
            worst = d;
            worst_at = x[i];
        }
    }
    INFO("worst error " << worst << " ulp at x = " << worst_at);
    CHECK(worst <= max_ulp);
}

double exp_ref(double x) { return std::exp(x); }
double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus_ref(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }
double log_sigmoid_ref(double x) { return x < 0 ? x - std::log1p(std::exp(x)) : -std::log1p(std::exp(-x)); }

void softplus_default(const float* x, float* y, int64_t n) { ember::cpu::softplus_f32(x, y, n, 1.0f, 20.0f); }

}  // namespace

TEST_CASE("vec_math: exp, sigmoid, softplus, log_sigmoid within 3 ulp of double references", "[vec_math]") {
    PathGuard guard;
    for (const std::string& path : vec_math_paths::supported()) {
        DYNAMIC_SECTION("path " << path) {
            ember::cpu::vec_math_force(path.c_str());
            check_against(ember::cpu::exp_f32, exp_ref, -110.0f, 90.0f, 2);
            check_against(ember::cpu::sigmoid_f32, sigmoid_ref, -110.0f, 110.0f, 3);
            check_against(softplus_default, softplus_ref, -110.0f, 110.0f, 3);
            check_against(ember::cpu::log_sigmoid_f32, log_sigmoid_ref, -110.0f, 110.0f, 3);
        }
    }
}

TEST_CASE("vec_math: infinities, NaN, signed zero and every tail length", "[vec_math]") {
    PathGuard guard;
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    for (const std::string& path : vec_math_paths::supported()) {
        DYNAMIC_SECTION("path " << path) {
            ember::cpu::vec_math_force(path.c_str());
            const std::vector<float> x = {inf, -inf, nan, 0.0f, -0.0f, 88.8f, -104.0f, 1e-30f};
            std::vector<float> y(x.size());
            ember::cpu::exp_f32(x.data(), y.data(), 8);
            CHECK(y[0] == inf);
            CHECK(y[1] == 0.0f);
            CHECK(std::isnan(y[2]));
            CHECK(y[3] == 1.0f);
            CHECK(y[4] == 1.0f);
            CHECK(y[5] == inf);
            CHECK(y[6] == 0.0f);
            CHECK(y[7] == 1.0f);
            ember::cpu::sigmoid_f32(x.data(), y.data(), 8);
            CHECK(y[0] == 1.0f);
            CHECK(y[1] == 0.0f);
            CHECK(std::isnan(y[2]));
            CHECK(y[3] == 0.5f);
            CHECK(y[5] == 1.0f);
            ember::cpu::softplus_f32(x.data(), y.data(), 8, 1.0f, 20.0f);
            CHECK(y[0] == inf);
            CHECK(y[1] == 0.0f);
            CHECK(std::isnan(y[2]));
            CHECK(y[5] == 88.8f);  // above the threshold softplus returns x
            ember::cpu::log_sigmoid_f32(x.data(), y.data(), 8);
            CHECK(y[0] == 0.0f);
            CHECK(y[1] == -inf);
            CHECK(std::isnan(y[2]));
            CHECK(y[6] == -104.0f);
            // Every length up to two vectors plus one, in place: the masked tails.
            for (int n = 0; n <= 33; ++n) {
                std::vector<float> v(static_cast<std::size_t>(n) + 1, 7.0f);  // v[n] is a sentinel
                for (int i = 0; i < n; ++i) v[i] = 0.25f * static_cast<float>(i) - 4.0f;
                std::vector<float> in(v.begin(), v.begin() + n);
                ember::cpu::sigmoid_f32(v.data(), v.data(), n);
                for (int i = 0; i < n; ++i) CHECK(ulp_distance(v[i], sigmoid_ref(in[i])) <= 3);
                CHECK(v[n] == 7.0f);
            }
        }
    }
}

TEST_CASE("vec_math: automatic dispatch takes the widest path cpu_features allows", "[vec_math]") {
    ember::cpu::vec_math_force(nullptr);
    CHECK(std::string(ember::cpu::vec_math_path()) == cpu_paths::widest(kPaths));
    // The vectorised Philox generator is part of the AVX-512 path.
    CHECK(ember::cpu::philox_vectorised() == ember::cpu::cpu_has_avx512());
    cpu_paths::say_ran({ember::cpu::vec_math_path()});
}

namespace {
// The four ops on a contiguous tensor (the vec_math path in force) against the same values with
// column-major strides (the strided loop, which evaluates the scalar functors), bit for bit.
void ops_match_strided_loop() {
    using namespace ember;
    manual_seed(3);
    Tensor x = randn({64, 301}) * 8.0;   // contiguous: vectorised; its transpose: the scalar loop
    Tensor xt = x.t().contiguous().t();  // same values, column-major strides
    REQUIRE(!xt.is_contiguous());
    struct Case {
        const char* name;
        Tensor (*f)(const Tensor&);
    };
    const Case cases[] = {{"exp", [](const Tensor& t) { return exp(t); }},
                          {"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
                          {"softplus", [](const Tensor& t) { return softplus(t); }},
                          {"log_sigmoid", [](const Tensor& t) { return log_sigmoid(t); }}};
    for (const Case& c : cases) {
        INFO(c.name);
        std::vector<float> fast = c.f(x).to_vector<float>(), slow = c.f(xt).to_vector<float>();
        std::vector<float> in = x.to_vector<float>();
        REQUIRE(fast.size() == slow.size());
        // Both compute kernels/float_math.h: the same bits (tests/test_same_arithmetic.cpp covers
        // every input class; this is the same claim through the ops).
        for (std::size_t i = 0; i < fast.size(); ++i) {
            INFO("x = " << in[i]);
            REQUIRE(ulp_distance(fast[i], slow[i]) == 0);
        }
    }
}
}  // namespace

TEST_CASE("exp/sigmoid/softplus/log_sigmoid ops: vectorised contiguous path matches the strided path", "[vec_math]") {
    PathGuard guard;
    std::vector<std::string> vector_paths = cpu_paths::runnable(
        kPaths, [](const char* p) { ember::cpu::vec_math_force(p); },
        [] { return std::string(ember::cpu::vec_math_path()); });
    vector_paths.pop_back();  // the scalar path: the strided loop's own arithmetic
    if (vector_paths.empty()) {
        cpu_paths::skipped("no vector path", kPaths[1].reason);
        return;
    }
    cpu_paths::say_ran(vector_paths);
    for (const std::string& path : vector_paths) {
        INFO("path " << path);
        ember::cpu::vec_math_force(path.c_str());
        ops_match_strided_loop();
    }
}
