// The float32 exp, sigmoid, softplus and log-sigmoid of kernels/float_math.h are one function on
// every path: the scalar functors (the CPU's strided loop and the CUDA kernels) and the AVX2 and
// AVX-512 kernels of cpu/vec_math.h return the same bits for every input, edge cases included;
// the shared function is accurate against the C library in double; and sigmoid_bernoulli, which
// compares the same Philox uniform with that sigmoid, draws the same samples on every CPU path
// and (CUDA build with a GPU) on the GPU.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "kernels/float_math.h"
#include "kernels/functors.h"
#include "vec_math_paths_test_util.h"

namespace {

namespace fm = ember::kernels::float_math;

using vec_math_paths::PathGuard;

uint32_t bits_of(float x) {
    uint32_t b;
    std::memcpy(&b, &x, 4);
    return b;
}
float from_bits(uint32_t b) {
    float x;
    std::memcpy(&x, &b, 4);
    return x;
}

// The same value bit for bit; any NaN equals any NaN (payloads are not part of the contract).
bool same_bits(float a, float b) { return (std::isnan(a) && std::isnan(b)) || bits_of(a) == bits_of(b); }

// Every 4099th float bit pattern (both signs, every binade, denormals, inf and NaN among them), a
// dense grid where the functions bend and the edges: the clamps of exp (-104, 89), its overflow
// and underflow points, softplus's threshold, signed zeros, the denormal and normal extremes.
std::vector<float> inputs() {
    std::vector<float> x;
    for (uint64_t b = 0; b <= 0xFFFFFFFFull; b += 4099) x.push_back(from_bits(static_cast<uint32_t>(b)));
    for (int i = 0; i <= 100000; ++i) x.push_back(-120.0f + 240.0f * static_cast<float>(i) / 100000.0f);
    const float inf = std::numeric_limits<float>::infinity();
    const float edges[] = {0.0f,
                           -0.0f,
                           inf,
                           -inf,
                           std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::denorm_min(),
                           std::numeric_limits<float>::min(),
                           std::numeric_limits<float>::max(),
                           1e-38f,
                           -104.0f,
                           89.0f,
                           88.7228f,
                           -103.972f,
                           -87.3365f,
                           20.0f,
                           10.0f,
                           40.0f};
    for (float e : edges) {
        x.push_back(e), x.push_back(-e);
        float up = e, down = e;  // and three neighbours on each side
        for (int k = 0; k < 3; ++k) {
            up = std::nextafter(up, inf);
            down = std::nextafter(down, -inf);
            x.push_back(up), x.push_back(down), x.push_back(-up), x.push_back(-down);
        }
    }
    return x;
}

using Kernel = void (*)(const float*, float*, int64_t);

// The kernel (the path in force) against the scalar functor, element by element.
template <typename Functor>
void check_bits(const char* name, Kernel kernel, Functor f, const std::vector<float>& x) {
    std::vector<float> y(x.size());
    kernel(x.data(), y.data(), static_cast<int64_t>(x.size()));
    int64_t differ = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const float want = f(x[i]);
        if (!same_bits(y[i], want)) {
            if (differ++ < 5)
                UNSCOPED_INFO(name << "(" << x[i] << " = 0x" << std::hex << bits_of(x[i]) << std::dec << "): kernel "
                                   << y[i] << ", functor " << want);
        }
    }
    INFO(name << ": " << differ << " of " << x.size() << " inputs differ");
    CHECK(differ == 0);
}

}  // namespace

TEST_CASE("same arithmetic: every vec_math path returns the scalar functors' bits", "[same_arithmetic]") {
    using namespace ember::kernels;
    PathGuard guard;
    const std::vector<float> x = inputs();
    for (const std::string& path : vec_math_paths::supported()) {
        DYNAMIC_SECTION("path " << path) {
            ember::cpu::vec_math_force(path.c_str());
            check_bits("exp", ember::cpu::exp_f32, ExpF{}, x);
            check_bits("sigmoid", ember::cpu::sigmoid_f32, SigmoidF{}, x);
            check_bits("log_sigmoid", ember::cpu::log_sigmoid_f32, LogSigmoidF{}, x);
            check_bits(
                "softplus", [](const float* a, float* b, int64_t n) { ember::cpu::softplus_f32(a, b, n, 1.0f, 20.0f); },
                SoftplusF{1.0, 20.0}, x);
            check_bits(
                "softplus beta 2.5 threshold 7",
                [](const float* a, float* b, int64_t n) { ember::cpu::softplus_f32(a, b, n, 2.5f, 7.0f); },
                SoftplusF{2.5, 7.0}, x);
        }
    }
}

namespace {

// Units in the last place between a float and the double reference rounded to float.
int64_t ulp_distance(float got, double ref) {
    const float r = static_cast<float>(ref);
    if (got == r) return 0;
    const int64_t a = bits_of(got), b = bits_of(r);
    if ((a >> 31) != (b >> 31)) return std::numeric_limits<int32_t>::max();
    return a > b ? a - b : b - a;
}

// The worst ulp error of f against ref over [lo, hi] (every 1021st float there and a dense grid),
// for results in float's normal range; smaller results must lie within one smallest normal.
template <typename F>
int64_t worst_ulp(F f, double (*ref)(double), float lo, float hi) {
    int64_t worst = 0;
    auto one = [&](float x) {
        const double r = ref(static_cast<double>(x));
        const float y = f(x);
        if (std::fabs(r) < std::numeric_limits<float>::min()) {
            CHECK(std::fabs(static_cast<double>(y) - r) <= std::numeric_limits<float>::min());
            return;
        }
        worst = std::max(worst, ulp_distance(y, r));
    };
    for (uint32_t b = 0; b < 0x7F800000u; b += 1021) {
        const float v = from_bits(b);
        if (v <= hi) one(v);
        if (-v >= lo) one(-v);
    }
    for (int i = 0; i <= 200000; ++i) one(lo + (hi - lo) * static_cast<float>(i) / 200000.0f);
    return worst;
}

double exp_ref(double x) { return std::exp(x); }
double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus_ref(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }
double log_sigmoid_ref(double x) { return x < 0 ? x - std::log1p(std::exp(x)) : -std::log1p(std::exp(-x)); }

}  // namespace

TEST_CASE("same arithmetic: the shared float32 functions within 2 ulp of double references", "[same_arithmetic]") {
    // The bound for every function: 2 ulp of the correctly rounded value, for normal results.
    CHECK(worst_ulp(fm::exp, exp_ref, -110.0f, 90.0f) <= 2);
    CHECK(worst_ulp(fm::sigmoid, sigmoid_ref, -110.0f, 110.0f) <= 2);
    CHECK(worst_ulp([](float x) { return fm::softplus(x, 1.0f, 20.0f); }, softplus_ref, -110.0f, 110.0f) <= 2);
    CHECK(worst_ulp(fm::log_sigmoid, log_sigmoid_ref, -110.0f, 110.0f) <= 2);
    // The edges the vector kernels rely on.
    const float inf = std::numeric_limits<float>::infinity();
    CHECK(fm::exp(inf) == inf);
    CHECK(fm::exp(-inf) == 0.0f);
    CHECK(fm::exp(89.0f) == inf);
    CHECK(fm::exp(-104.0f) == 0.0f);
    CHECK(std::isnan(fm::exp(std::numeric_limits<float>::quiet_NaN())));
    CHECK(fm::sigmoid(-0.0f) == 0.5f);
    CHECK(fm::log_sigmoid(-inf) == -inf);
    CHECK(fm::softplus(inf, 1.0f, 20.0f) == inf);
}

namespace {

// bernoulli(sigmoid(x)) by hand: manual_seed(seed), then u = rand(n), the uniform floats of the
// stream that sigmoid_bernoulli draws from (from the scalar Philox generator, which
// tests/test_philox.cpp checks against published vectors), and sample_i = u_i < sigmoid(x_i).
std::vector<float> reference_samples(const std::vector<float>& x, uint64_t seed) {
    PathGuard guard;
    ember::cpu::vec_math_force("scalar");
    ember::manual_seed(seed);
    const std::vector<float> u = ember::rand({static_cast<int64_t>(x.size())}).to_vector<float>();
    std::vector<float> s(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) s[i] = u[i] < fm::sigmoid(x[i]) ? 1.0f : 0.0f;
    return s;
}

// Logits spread over where sigmoid is neither 0 nor 1, plus the edges; 64 k + 37 elements so that
// the CPU draws both whole 64-element blocks and a tail of single counter groups.
std::vector<float> logits() {
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> x = {inf, -inf, 0.0f, -0.0f, 1e-40f, 90.0f, -110.0f};
    for (int i = 0; x.size() < 64 * 300 + 37; ++i)
        x.push_back(-12.0f + 24.0f * static_cast<float>((i * 7919) % 20011) / 20011.0f);
    return x;
}

}  // namespace

TEST_CASE("same arithmetic: sigmoid_bernoulli draws the same samples on every CPU path", "[same_arithmetic]") {
    PathGuard guard;
    const std::vector<float> x = logits();
    const std::vector<float> want = reference_samples(x, 77);
    const ember::Tensor t = ember::tensor(x);
    for (const std::string& path : vec_math_paths::supported()) {
        DYNAMIC_SECTION("path " << path) {
            ember::cpu::vec_math_force(path.c_str());
            ember::manual_seed(77);
            const std::vector<float> got = ember::sigmoid_bernoulli(t).to_vector<float>();
            REQUIRE(got.size() == want.size());
            int64_t differ = 0;
            for (std::size_t i = 0; i < got.size(); ++i) differ += got[i] != want[i];
            CHECK(differ == 0);
        }
    }
}

#ifdef EMBER_WITH_CUDA
TEST_CASE("same arithmetic: the GPU returns the CPU's bits and draws the CPU's samples", "[same_arithmetic][cuda]") {
    using namespace ember;
    if (!cuda_is_available()) {
        WARN("SKIPPED: no CUDA device");
        return;
    }
    const std::vector<float> xs = inputs();
    const Tensor x = tensor(xs);
    const Tensor xg = x.to(Device(kCUDA));
    struct Case {
        const char* name;
        Tensor (*f)(const Tensor&);
    };
    const Case cases[] = {{"exp", [](const Tensor& t) { return exp(t); }},
                          {"sigmoid", [](const Tensor& t) { return sigmoid(t); }},
                          {"softplus", [](const Tensor& t) { return softplus(t); }},
                          {"log_sigmoid", [](const Tensor& t) { return log_sigmoid(t); }}};
    for (const Case& c : cases) {
        const std::vector<float> cpu = c.f(x).to_vector<float>(), gpu = c.f(xg).cpu().to_vector<float>();
        int64_t differ = 0;
        for (std::size_t i = 0; i < cpu.size(); ++i) differ += !same_bits(cpu[i], gpu[i]);
        INFO(c.name << ": " << differ << " of " << cpu.size() << " inputs differ");
        CHECK(differ == 0);
    }
    const std::vector<float> ls = logits();
    const Tensor l = tensor(ls);
    for (uint64_t seed : {1u, 77u, 4242u}) {
        manual_seed(seed);
        const std::vector<float> cpu = sigmoid_bernoulli(l).to_vector<float>();
        manual_seed(seed);
        const std::vector<float> gpu = sigmoid_bernoulli(l.to(Device(kCUDA))).cpu().to_vector<float>();
        CHECK(cpu == gpu);
        CHECK(cpu == reference_samples(ls, seed));
    }
}
#endif
