// Tests for kernels/philox.h: Random123 known answers, the stream-layout contract, block/per-element bitwise
// agreement, accuracy of the bit-exact ln / cos kernels, and statistical checks of every distribution.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/vec_math.h"
#include "cpu_paths_test_util.h"
#include "kernels/philox.h"

namespace er = ember::random;

namespace {

uint32_t bits_of(float x) {
    uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

uint64_t bits_of(double x) {
    uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

// Two-sided Kolmogorov-Smirnov critical value at alpha = 0.001: sqrt(-ln(alpha / 2) / 2) / sqrt(n).
double ks_critical_001(size_t n) { return std::sqrt(-std::log(0.0005) / 2.0) / std::sqrt(static_cast<double>(n)); }

// D_n = sup |F_n(x) - F(x)| for a sample (sorted in place) against the continuous CDF `cdf`.
template <class T, class Cdf>
double ks_statistic(std::vector<T>& xs, Cdf cdf) {
    std::sort(xs.begin(), xs.end());
    const double n = static_cast<double>(xs.size());
    double d = 0.0;
    for (size_t k = 0; k < xs.size(); ++k) {
        const double f = cdf(static_cast<double>(xs[k]));
        d = std::max(d, std::max(static_cast<double>(k + 1) / n - f, f - static_cast<double>(k) / n));
    }
    return d;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

struct Moments {
    double mean, var;
};

template <class T>
Moments moments(const std::vector<T>& xs) {
    double s = 0.0;
    for (T x : xs) s += static_cast<double>(x);
    const double mean = s / static_cast<double>(xs.size());
    double ss = 0.0;
    for (T x : xs) ss += (static_cast<double>(x) - mean) * (static_cast<double>(x) - mean);
    return {mean, ss / static_cast<double>(xs.size() - 1)};
}

constexpr size_t kDraws = 1000000;
constexpr double kPi = 3.141592653589793238462643383279502884;
constexpr long double kPiL = 3.141592653589793238462643383279502884L;
constexpr uint64_t kSeed = 0x0123456789ABCDEFull;

std::vector<float> draw_uniform_float(uint64_t seed, uint64_t offset, size_t n) {
    std::vector<float> v(n);
    for (uint64_t g = 0; g < er::groups_needed(er::Dist::uniform_float, n); ++g) {
        float block[4];
        er::uniform_float4(seed, offset, g, block);
        for (uint64_t j = 0; j < 4 && 4 * g + j < n; ++j) v[4 * g + j] = block[j];
    }
    return v;
}

std::vector<float> draw_normal_float(uint64_t seed, uint64_t offset, size_t n) {
    std::vector<float> v(n);
    for (uint64_t g = 0; g < er::groups_needed(er::Dist::normal_float, n); ++g) {
        float block[2];
        er::normal_float2(seed, offset, g, block);
        for (uint64_t j = 0; j < 2 && 2 * g + j < n; ++j) v[2 * g + j] = block[j];
    }
    return v;
}

std::vector<double> draw_normal_double(uint64_t seed, uint64_t offset, size_t n) {
    std::vector<double> v(n);
    for (uint64_t g = 0; g < er::groups_needed(er::Dist::normal_double, n); ++g) {
        double block[2];
        er::normal_double2(seed, offset, g, block);
        for (uint64_t j = 0; j < 2 && 2 * g + j < n; ++j) v[2 * g + j] = block[j];
    }
    return v;
}

}  // namespace

TEST_CASE("philox4x32_10 matches the Random123 known-answer vectors", "[philox]") {
    // Random123 tests/kat_vectors, "philox4x32 10" lines: counter[4] key[2] -> output[4].
    struct Kat {
        uint32_t ctr[4], key[2], out[4];
    };
    const Kat kats[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
        {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
         {0xffffffffu, 0xffffffffu},
         {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
        {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
         {0xa4093822u, 0x299f31d0u},
         {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
    };
    for (const Kat& k : kats) {
        const er::PhiloxCounter r = er::philox4x32_10(er::PhiloxCounter{{k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]}},
                                                      er::PhiloxKey{{k.key[0], k.key[1]}});
        uint32_t arr[4];
        er::philox4x32_10(k.ctr, k.key, arr);
        for (int j = 0; j < 4; ++j) {
            CHECK(r.x[j] == k.out[j]);
            CHECK(arr[j] == k.out[j]);
        }
    }
}

TEST_CASE("stream layout: key from seed, counter from offset + group", "[philox]") {
    const uint64_t seed = 0xA409382299F31D0ull;
    // Offsets straddling 2^32 check that the carry reaches counter word 1.
    for (uint64_t offset : {uint64_t{0}, uint64_t{7}, uint64_t{0xFFFFFFFEull}, uint64_t{0xFFFFFFFFFFFFFFFFull}}) {
        for (uint64_t g = 0; g < 4; ++g) {
            const uint64_t c = offset + g;
            const uint32_t ctr[4] = {static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), 0, 0};
            const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
            uint32_t w[4];
            er::philox4x32_10(ctr, key, w);
            const er::PhiloxCounter grp = er::philox_group(seed, offset, g);
            for (int j = 0; j < 4; ++j) {
                CHECK(grp.x[j] == w[j]);
                CHECK(er::uniform_float(seed, offset, 4 * g + j) == static_cast<float>(w[j] >> 8) / 16777216.0f);
                CHECK(er::randint(seed, offset, 4 * g + j, 0, uint64_t{1} << 32) == static_cast<int64_t>(w[j]));
            }
            for (int j = 0; j < 2; ++j) {
                const uint64_t bits53 = ((static_cast<uint64_t>(w[2 * j + 1]) << 32) | w[2 * j]) >> 11;
                CHECK(er::uniform_double(seed, offset, 2 * g + j) == std::ldexp(static_cast<double>(bits53), -53));
            }
        }
    }
    // Advancing the offset by k groups is the same as skipping k groups' worth of elements.
    for (uint64_t i = 0; i < 64; ++i) {
        CHECK(bits_of(er::uniform_float(kSeed, 10, i + 4 * 3)) == bits_of(er::uniform_float(kSeed, 13, i)));
        CHECK(bits_of(er::normal_float(kSeed, 10, i + 2 * 5)) == bits_of(er::normal_float(kSeed, 15, i)));
        CHECK(bits_of(er::normal_double(kSeed, 10, i + 2 * 5)) == bits_of(er::normal_double(kSeed, 15, i)));
    }
}

TEST_CASE("groups_needed counts whole counter groups", "[philox]") {
    using er::Dist;
    CHECK(er::groups_needed(Dist::uniform_float, 0) == 0);
    CHECK(er::groups_needed(Dist::uniform_float, 1) == 1);
    CHECK(er::groups_needed(Dist::uniform_float, 4) == 1);
    CHECK(er::groups_needed(Dist::uniform_float, 5) == 2);
    CHECK(er::groups_needed(Dist::bernoulli, 9) == 3);
    CHECK(er::groups_needed(Dist::randint_narrow, 8) == 2);
    CHECK(er::groups_needed(Dist::uniform_double, 5) == 3);
    CHECK(er::groups_needed(Dist::normal_float, 3) == 2);
    CHECK(er::groups_needed(Dist::normal_double, 4) == 2);
    CHECK(er::groups_needed(Dist::randint_wide, 1) == 1);
    CHECK(er::groups_needed(Dist::uniform_float, UINT64_MAX) == (UINT64_MAX / 4) + 1);
    CHECK(er::randint_dist(10) == Dist::randint_narrow);
    CHECK(er::randint_dist(uint64_t{1} << 32) == Dist::randint_narrow);
    CHECK(er::randint_dist((uint64_t{1} << 32) + 1) == Dist::randint_wide);
    CHECK(er::randint_dist(0) == Dist::randint_wide);
}

TEST_CASE("block helpers agree bitwise with per-element helpers", "[philox]") {
    for (uint64_t seed : {uint64_t{0}, uint64_t{42}, kSeed}) {
        for (uint64_t offset : {uint64_t{0}, uint64_t{123456789}, uint64_t{0xFFFFFFFFull}}) {
            for (uint64_t g = 0; g < 500; ++g) {
                float uf[4], nf[2];
                double ud[2], nd[2];
                bool b[4];
                int64_t ri[4], rw[2];
                er::uniform_float4(seed, offset, g, uf);
                er::uniform_double2(seed, offset, g, ud);
                er::normal_float2(seed, offset, g, nf);
                er::normal_double2(seed, offset, g, nd);
                er::bernoulli_float4(seed, offset, g, 0.3f, b);
                er::randint4(seed, offset, g, -17, 1000, ri);
                er::randint2_wide(seed, offset, g, -17, uint64_t{3} << 40, rw);
                for (uint64_t j = 0; j < 4; ++j) {
                    const uint64_t i = 4 * g + j;
                    CHECK(bits_of(uf[j]) == bits_of(er::uniform_float(seed, offset, i)));
                    CHECK(b[j] == er::bernoulli_float(seed, offset, i, 0.3f));
                    CHECK(ri[j] == er::randint(seed, offset, i, -17, 1000));
                }
                for (uint64_t j = 0; j < 2; ++j) {
                    const uint64_t i = 2 * g + j;
                    CHECK(bits_of(ud[j]) == bits_of(er::uniform_double(seed, offset, i)));
                    CHECK(bits_of(nf[j]) == bits_of(er::normal_float(seed, offset, i)));
                    CHECK(bits_of(nd[j]) == bits_of(er::normal_double(seed, offset, i)));
                    CHECK(rw[j] == er::randint(seed, offset, i, -17, uint64_t{3} << 40));
                }
            }
        }
    }
}

TEST_CASE("frozen output vectors (the contract the CUDA backend must reproduce)", "[philox]") {
    // Generated by this implementation for seed 42, offset 0; any change here breaks saved-state reproducibility.
    const uint32_t uniform_f[8] = {0x3f1ceaf0u, 0x3eefea92u, 0x3d95fa80u, 0x3eae8566u,
                                   0x3f7cdb21u, 0x3ea774d8u, 0x3f038f5au, 0x3ee89c0cu};
    const uint64_t uniform_d[4] = {0x3fddfd524ee73abcull, 0x3fd5d0acf5c4afd4ull, 0x3fd4ee9b3f7f36c8ull,
                                   0x3fdd1381bee0e3d6ull};
    const uint32_t normal_f[8] = {0xbf785e59u, 0xbf9e28cdu, 0xbd95e014u, 0xbf8da732u,
                                  0xbeac8649u, 0x3e1821e9u, 0xbec26cf1u, 0xbf3fd08eu};
    const uint64_t normal_d[4] = {0xbfef0bcb7534294bull, 0xbff3c51a41326fdbull, 0xbfb2bc05f78273bdull,
                                  0xbff1b4e66423843full};
    for (int i = 0; i < 8; ++i) {
        CHECK(bits_of(er::uniform_float(42, 0, i)) == uniform_f[i]);
        CHECK(bits_of(er::normal_float(42, 0, i)) == normal_f[i]);
    }
    for (int i = 0; i < 4; ++i) {
        CHECK(bits_of(er::uniform_double(42, 0, i)) == uniform_d[i]);
        CHECK(bits_of(er::normal_double(42, 0, i)) == normal_d[i]);
    }
    // Whole-stream fingerprints: FNV-1a over the bit patterns of 2^16 normals.
    uint64_t hf = 1469598103934665603ull, hd = 1469598103934665603ull;
    for (uint64_t i = 0; i < (1u << 16); ++i) {
        hf = (hf ^ bits_of(er::normal_float(42, 0, i))) * 1099511628211ull;
        hd = (hd ^ bits_of(er::normal_double(42, 0, i))) * 1099511628211ull;
    }
    CHECK(hf == 0x33fa04515399d7acull);
    CHECK(hd == 0x626bf289eff091baull);
}

TEST_CASE("bit-exact ln and cos kernels are accurate", "[philox]") {
    // Float ln(n 2^-24), exhaustively over every n the float normal uses, against double libm: within 2 float ulps.
    double worst_log = 0.0;
    for (uint64_t n = 1; n <= (uint64_t{1} << 24); ++n) {
        const float got = er::detail::log_scaled_float(n, 24);
        const double ref = std::log(static_cast<double>(n) * 0x1p-24);
        const double ulp = ref == 0.0 ? 0x1p-149 : std::ldexp(1.0, std::ilogb(ref) - 23);
        worst_log = std::max(worst_log, std::fabs(got - ref) / ulp);
    }
    CHECK(worst_log <= 2.0);

    // Float cos(2 pi k 2^-24), exhaustively: absolute error within 2^-23 (one ulp at 1).
    double worst_cos = 0.0;
    for (uint32_t k = 0; k < (1u << 24); ++k) {
        const double ref = std::cos(2.0 * kPi * (static_cast<double>(k) * 0x1p-24));
        worst_cos = std::max(worst_cos, std::fabs(er::detail::cos_2pi_float(k) - ref));
    }
    CHECK(worst_cos <= 0x1p-23);

    // Double kernels on a sample, against long double libm.
    double worst_log_d = 0.0, worst_cos_d = 0.0;
    for (uint64_t i = 0; i < 200000; ++i) {
        const er::PhiloxCounter w = er::philox_group(kSeed, 0, i);
        const uint64_t n = static_cast<uint64_t>(w.x[0] >> (w.x[2] % 32)) + 1;  // spread over all magnitudes
        const long double lref = std::log(static_cast<long double>(n) * 0x1p-32L);
        const double lulp = lref == 0.0L ? 0x1p-1074 : std::ldexp(1.0, std::ilogb(static_cast<double>(lref)) - 52);
        worst_log_d =
            std::max(worst_log_d, static_cast<double>(std::fabs(er::detail::log_scaled_double(n, 32) - lref)) / lulp);
        const long double cref = std::cos(2.0L * kPiL * (static_cast<long double>(w.x[1]) * 0x1p-32L));
        worst_cos_d = std::max(worst_cos_d, static_cast<double>(std::fabs(er::detail::cos_2pi_double(w.x[1]) - cref)));
    }
    CHECK(er::detail::log_scaled_double(uint64_t{1} << 32, 32) == 0.0);
    CHECK(worst_log_d <= 2.0);
    CHECK(worst_cos_d <= 0x1p-52);
}

TEST_CASE("uniform float: range, moments, Kolmogorov-Smirnov", "[philox][stats]") {
    std::vector<float> u = draw_uniform_float(kSeed, 0, kDraws);
    CHECK(std::all_of(u.begin(), u.end(), [](float x) { return x >= 0.0f && x < 1.0f; }));
    const Moments m = moments(u);
    const double n = static_cast<double>(kDraws);
    CHECK(std::fabs(m.mean - 0.5) < 5.0 * std::sqrt(1.0 / 12.0 / n));
    // Var[(U - 1/2)^2] = 1/80 - 1/144 = 1/180.
    CHECK(std::fabs(m.var - 1.0 / 12.0) < 5.0 * std::sqrt(1.0 / 180.0 / n));
    CHECK(ks_statistic(u, [](double x) { return x; }) < ks_critical_001(kDraws));
}

TEST_CASE("uniform double: range, moments, Kolmogorov-Smirnov", "[philox][stats]") {
    std::vector<double> u(kDraws);
    for (uint64_t g = 0; g < kDraws / 2; ++g) er::uniform_double2(kSeed, 99, g, &u[2 * g]);
    CHECK(std::all_of(u.begin(), u.end(), [](double x) { return x >= 0.0 && x < 1.0; }));
    const Moments m = moments(u);
    const double n = static_cast<double>(kDraws);
    CHECK(std::fabs(m.mean - 0.5) < 5.0 * std::sqrt(1.0 / 12.0 / n));
    CHECK(std::fabs(m.var - 1.0 / 12.0) < 5.0 * std::sqrt(1.0 / 180.0 / n));
    CHECK(ks_statistic(u, [](double x) { return x; }) < ks_critical_001(kDraws));
}

TEST_CASE("normal float: moments, Kolmogorov-Smirnov, agreement with a libm Box-Muller", "[philox][stats]") {
    std::vector<float> z = draw_normal_float(kSeed, 5, kDraws);
    const Moments m = moments(z);
    const double n = static_cast<double>(kDraws);
    CHECK(std::fabs(m.mean) < 5.0 / std::sqrt(n));
    CHECK(std::fabs(m.var - 1.0) < 5.0 * std::sqrt(2.0 / n));  // Var[Z^2] = 2
    CHECK(std::all_of(z.begin(), z.end(), [](float x) { return std::isfinite(x); }));
    CHECK(ks_statistic(z, normal_cdf) < ks_critical_001(kDraws));

    // Same words through double-precision libm: the bit-exact float kernels stay within a few float ulps.
    double worst = 0.0;
    for (uint64_t g = 0; g < 100000; ++g) {
        const er::PhiloxCounter w = er::philox_group(kSeed, 5, g);
        for (int j = 0; j < 2; ++j) {
            const double u1 = (static_cast<double>(w.x[2 * j] >> 8) + 1.0) * 0x1p-24;
            const double u2 = static_cast<double>(w.x[2 * j + 1] >> 8) * 0x1p-24;
            const double radius = std::sqrt(-2.0 * std::log(u1));
            const double ref = radius * std::cos(2.0 * kPi * u2);
            worst = std::max(worst, std::fabs(er::normal_float(kSeed, 5, 2 * g + j) - ref) / std::max(radius, 1.0));
        }
    }
    CHECK(worst < 4.0 * 0x1p-24);
}

TEST_CASE("normal double: moments, Kolmogorov-Smirnov, agreement with a libm Box-Muller", "[philox][stats]") {
    std::vector<double> z = draw_normal_double(kSeed, 6, kDraws);
    const Moments m = moments(z);
    const double n = static_cast<double>(kDraws);
    CHECK(std::fabs(m.mean) < 5.0 / std::sqrt(n));
    CHECK(std::fabs(m.var - 1.0) < 5.0 * std::sqrt(2.0 / n));
    CHECK(ks_statistic(z, normal_cdf) < ks_critical_001(kDraws));

    double worst = 0.0;
    for (uint64_t g = 0; g < 100000; ++g) {
        const er::PhiloxCounter w = er::philox_group(kSeed, 6, g);
        for (int j = 0; j < 2; ++j) {
            const long double u1 = (static_cast<long double>(w.x[2 * j]) + 1.0L) * 0x1p-32L;
            const long double u2 = static_cast<long double>(w.x[2 * j + 1]) * 0x1p-32L;
            const long double radius = std::sqrt(-2.0L * std::log(u1));
            const long double ref = radius * std::cos(2.0L * kPiL * u2);
            const double err = static_cast<double>(std::fabs(er::normal_double(kSeed, 6, 2 * g + j) - ref));
            worst = std::max(worst, err / std::max(static_cast<double>(radius), 1.0));
        }
    }
    CHECK(worst < 4.0 * 0x1p-53);
}

TEST_CASE("bernoulli frequency", "[philox][stats]") {
    const double p = 0.3;
    uint64_t hits = 0;
    for (uint64_t i = 0; i < kDraws; ++i) hits += er::bernoulli_float(kSeed, 77, i, 0.3f) ? 1 : 0;
    const double freq = static_cast<double>(hits) / static_cast<double>(kDraws);
    CHECK(std::fabs(freq - p) < 5.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(kDraws)));
    for (uint64_t i = 0; i < 1000; ++i) {
        CHECK_FALSE(er::bernoulli_float(kSeed, 77, i, 0.0f));
        CHECK(er::bernoulli_float(kSeed, 77, i, 1.0f));
    }
    // The Bernoulli draw is exactly "uniform float of the same element < p".
    for (uint64_t i = 0; i < 1000; ++i) {
        CHECK(er::bernoulli_float(kSeed, 77, i, 0.3f) == (er::uniform_float(kSeed, 77, i) < 0.3f));
    }
}

TEST_CASE("randint: coverage and chi-square uniformity", "[philox][stats]") {
    SECTION("narrow range [-5, 5)") {
        const int64_t low = -5;
        const uint64_t range = 10;
        std::vector<uint64_t> counts(range, 0);
        uint64_t out_of_range = 0;
        for (uint64_t g = 0; g < kDraws / 4; ++g) {
            int64_t block[4];
            er::randint4(kSeed, 3, g, low, range, block);
            for (int64_t v : block) {
                if (v < low || v >= low + static_cast<int64_t>(range)) {
                    ++out_of_range;
                } else {
                    ++counts[static_cast<size_t>(v - low)];
                }
            }
        }
        REQUIRE(out_of_range == 0);
        const double expected = static_cast<double>(kDraws) / static_cast<double>(range);
        double chi2 = 0.0;
        for (uint64_t c : counts) {
            CHECK(c > 0);
            chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
        }
        CHECK(chi2 < 27.877);  // chi-square, 9 degrees of freedom, 0.001 level
    }
    SECTION("range 1 is constant") {
        for (uint64_t i = 0; i < 100; ++i) CHECK(er::randint(kSeed, 0, i, 7, 1) == 7);
    }
    SECTION("wide range [-2^40, -2^40 + 3 * 2^35)") {
        const int64_t low = -(int64_t{1} << 40);
        const uint64_t range = uint64_t{3} << 35;
        REQUIRE(er::randint_is_wide(range));
        constexpr int kBuckets = 16;
        std::vector<uint64_t> counts(kBuckets, 0);
        uint64_t out_of_range = 0;
        for (uint64_t i = 0; i < kDraws; ++i) {
            const int64_t v = er::randint(kSeed, 11, i, low, range);
            if (v < low || static_cast<uint64_t>(v - low) >= range) {
                ++out_of_range;
            } else {
                ++counts[static_cast<size_t>(static_cast<uint64_t>(v - low) / (range / kBuckets))];
            }
        }
        REQUIRE(out_of_range == 0);
        const double expected = static_cast<double>(kDraws) / kBuckets;
        double chi2 = 0.0;
        for (uint64_t c : counts) {
            chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
        }
        CHECK(chi2 < 37.697);  // 15 degrees of freedom, 0.001 level
    }
    SECTION("full 64-bit range (range 0) returns the raw 64-bit word") {
        for (uint64_t g = 0; g < 100; ++g) {
            const er::PhiloxCounter w = er::philox_group(kSeed, 0, g);
            const uint64_t raw = (static_cast<uint64_t>(w.x[1]) << 32) | w.x[0];
            CHECK(static_cast<uint64_t>(er::randint(kSeed, 0, 2 * g, 0, 0)) == raw);
        }
    }
    SECTION("mulhi64 matches 128-bit multiplication") {
        for (uint64_t g = 0; g < 10000; ++g) {
            const er::PhiloxCounter w = er::philox_group(kSeed, 1, g);
            const uint64_t a = (static_cast<uint64_t>(w.x[0]) << 32) | w.x[1];
            const uint64_t b = (static_cast<uint64_t>(w.x[2]) << 32) | w.x[3];
            const uint64_t ref = static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
            CHECK(er::detail::mulhi64(a, b) == ref);
        }
        CHECK(er::detail::mulhi64(UINT64_MAX, UINT64_MAX) == UINT64_MAX - 1);
    }
}

TEST_CASE("streams: same state repeats, different offset or seed differs", "[philox]") {
    const std::vector<float> a = draw_uniform_float(kSeed, 1000, 4096);
    const std::vector<float> b = draw_uniform_float(kSeed, 1000, 4096);
    const std::vector<float> c = draw_uniform_float(kSeed, 1001 + 4096 / 4, 4096);  // disjoint counters
    const std::vector<float> d = draw_uniform_float(kSeed + 1, 1000, 4096);
    CHECK(a == b);
    size_t same_c = 0, same_d = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        same_c += a[i] == c[i] ? 1 : 0;
        same_d += a[i] == d[i] ? 1 : 0;
    }
    // Independent 24-bit uniforms coincide with probability 2^-24 per element.
    CHECK(same_c <= 2);
    CHECK(same_d <= 2);
    CHECK(draw_normal_float(kSeed, 5, 64) != draw_normal_float(kSeed, 6, 64));
    CHECK(draw_normal_float(kSeed, 5, 64) == draw_normal_float(kSeed, 5, 64));
}

TEST_CASE("functors apply the affine map with one fma", "[philox]") {
    const er::NormalFloatOp nf{kSeed, 4, 2.0f, 0.5f};
    const er::UniformDoubleOp ud{kSeed, 4, -3.0, 5.0};
    const er::RandIntOp ri{kSeed, 4, 100, 7};
    const er::BernoulliOp bo{kSeed, 4, 0.25f};
    for (uint64_t i = 0; i < 256; ++i) {
        CHECK(bits_of(nf(i)) == bits_of(std::fma(er::normal_float(kSeed, 4, i), 0.5f, 2.0f)));
        const double u = ud(i);
        CHECK(bits_of(u) == bits_of(std::fma(er::uniform_double(kSeed, 4, i), 8.0, -3.0)));
        CHECK(u >= -3.0);
        CHECK(u <= 5.0);
        CHECK(ri(i) == er::randint(kSeed, 4, i, 100, 7));
        CHECK(bo(i) == er::bernoulli_float(kSeed, 4, i, 0.25f));
    }
}

TEST_CASE("vectorised generator: philox_uniform64 equals 16 scalar uniform_float4 blocks", "[philox]") {
    // cpu::philox_uniform64 (the AVX-512 path) must reproduce the scalar stream bit for bit.
    const cpu_paths::Path avx512 = cpu_paths::all_paths("scalar")[0];
    float u[64];
    if (!avx512.supported) {
        REQUIRE_FALSE(ember::cpu::philox_uniform64(kSeed, 0, 0, u));  // not in use: writes nothing
        cpu_paths::skipped("vectorised Philox", avx512.reason);
        return;
    }
    struct Guard {
        ~Guard() { ember::cpu::vec_math_force(nullptr); }
    } guard;
    ember::cpu::vec_math_force("avx512");
    cpu_paths::say_ran({"avx512"});
    for (uint64_t seed : {uint64_t{0}, kSeed, ~uint64_t{0}})
        for (uint64_t offset : {uint64_t{0}, uint64_t{5}, uint64_t{1} << 40})
            for (uint64_t g0 : {uint64_t{0}, uint64_t{16}, uint64_t{0xFFFFFFF0u}, (uint64_t{1} << 33) + 48}) {
                INFO("seed " << seed << " offset " << offset << " g0 " << g0);
                REQUIRE(ember::cpu::philox_uniform64(seed, offset, g0, u));
                for (uint64_t j = 0; j < 16; ++j) {
                    float want[4];
                    er::uniform_float4(seed, offset, g0 + j, want);
                    for (int k = 0; k < 4; ++k) REQUIRE(bits_of(u[4 * j + k]) == bits_of(want[k]));
                }
            }
    // The AVX2 path has no vectorised generator: philox_uniform64 declines there.
    if (ember::cpu::cpu_has_avx2()) {
        ember::cpu::vec_math_force("avx2");
        REQUIRE_FALSE(ember::cpu::philox_uniform64(kSeed, 0, 0, u));
    }
}
