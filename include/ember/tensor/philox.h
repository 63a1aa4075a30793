#pragma once
// Philox 4x32-10 counter-based random numbers and the distribution transforms ember builds on them.
//
// Philox (Salmon, Moraes, Dror, Shaw, "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11) maps a 128-bit counter
// and a 64-bit key to 128 random bits through 10 rounds of a multiply-based Feistel-like network. It is the generator
// of Random123 and of cuRAND's CURAND_RNG_PSEUDO_PHILOX4_32_10, and its output here matches Random123's kat_vectors.
// A counter-based generator has no sequential state: any element of any stream is a pure function of
// (seed, offset, element index), so a CPU loop and a CUDA kernel can each compute element i independently and get the
// same bits. Everything in this header is EMBER_HD, allocation- and exception-free, for exactly that reason.
//
// ---------------------------------------------------------------------------------------------------------------------
// STREAM LAYOUT (a contract: the CUDA backend reproduces it bit for bit, and saved generator states depend on it)
// ---------------------------------------------------------------------------------------------------------------------
// Generator state: (seed: uint64, offset: uint64).
//   key          = { lo32(seed), hi32(seed) }
//   counter(g)   = { lo32(offset + g), hi32(offset + g), 0, 0 }        (offset + g wraps mod 2^64; words 2, 3 reserved)
//   words(g)     = philox4x32_10(counter(g), key) = { w0, w1, w2, w3 }
// One call that fills n elements reads groups g = 0 .. groups_needed(dist, n) - 1 and the generator's offset then
// advances by exactly groups_needed(dist, n), so successive calls never reuse a counter.
//
// Element i of a call, by distribution (U24(w) = (w >> 8) * 2^-24, exact in float):
//   uniform float   g = i / 4, word w = w[i % 4];  u = U24(w) in [0, 1)            (top 24 bits: a float's precision)
//   uniform double  g = i / 2, lo = w[2 (i % 2)], hi = w[2 (i % 2) + 1];
//                   u = (((hi << 32) | lo) >> 11) * 2^-53 in [0, 1)                (top 53 bits: a double's precision)
//   normal float    g = i / 2, a = w[2 (i % 2)], b = w[2 (i % 2) + 1]  (Box-Muller, cosine branch only)
//                   u1 = ((a >> 8) + 1) * 2^-24 in (0, 1],  u2 = (b >> 8) * 2^-24 in [0, 1)
//                   z = sqrt(-2 ln u1) * cos(2 pi u2), evaluated in float
//   normal double   same groups and words, 32-bit resolution: u1 = (a + 1) * 2^-32 in (0, 1], u2 = b * 2^-32,
//                   z evaluated in double
//   bernoulli(p)    u = uniform float of element i (g = i / 4, lane i % 4);  result = u < p
//   randint         low + r with r in [0, range):
//                   range in [1, 2^32]   ("narrow")  g = i / 4, w = w[i % 4]; r = (w * range) >> 32       (Lemire)
//                   range > 2^32 or 0    ("wide")    g = i / 2, W = (w[2 (i % 2) + 1] << 32) | w[2 (i % 2)];
//                                                    r = (W * range) >> 64; range == 0 means 2^64 (r = W)
//
// Bit-exact transcendental functions. The normal transform needs ln and cos, and the CUDA libm (logf, cosf, ...)
// and glibc round differently, so this header evaluates them itself with polynomials built only from correctly
// rounded IEEE operations: +, -, *, /, sqrt and fma. Two hazards are closed off explicitly:
//   * Contraction. nvcc fuses a * b + c into one fma by default and g++ does the same when FMA is available
//     (-ffp-contract=fast is its default), which changes the rounding of the product. Every product that feeds a sum
//     is therefore written as an explicit fma (identical on both sides), and the only other products feeding sums are
//     exact (scalings by powers of two), for which fusing changes nothing.
//   * Fast-math flags. On the device the code calls __fsqrt_rn / __fdiv_rn / __fmaf_rn and their double versions,
//     which stay IEEE-rounded even under --use_fast_math (checked in the PTX); its -ftz cannot matter because no
//     intermediate comes near the subnormal range. On the host it must not be compiled with -ffast-math (which allows
//     reassociation); x86-64 SSE arithmetic (FLT_EVAL_METHOD == 0) is assumed.
// Under those rules uniform, bernoulli and randint are exact integer/dyadic computations and the normals are
// deterministic IEEE expressions, so CPU and GPU agree bitwise.

#include <cmath>
#include <cstdint>

#include "ember/tensor/macros.h"

namespace ember::random {

// ---------------------------------------------------------------------------------------------------------------------
// Philox 4x32-10 core
// ---------------------------------------------------------------------------------------------------------------------

// 128-bit counter block; also the type of the generator's 4-word output.
struct PhiloxCounter {
    uint32_t x[4];
};

// 64-bit key.
struct PhiloxKey {
    uint32_t k[2];
};

namespace detail {

// Round multipliers (chosen by Salmon et al. for avalanche) and the key-schedule Weyl increments
// (golden ratio and sqrt(3) - 1, in 32-bit fixed point).
constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;

// One Philox S-box round: two 32x32 -> 64 multiplies, their high halves mixed with the other words and the key,
//   (x0, x1, x2, x3) -> (hi(M1 x2) ^ x1 ^ k0, lo(M1 x2), hi(M0 x0) ^ x3 ^ k1, lo(M0 x0)).
EMBER_HD inline PhiloxCounter philox_round(PhiloxCounter c, PhiloxKey key) {
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c.x[0];
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c.x[2];
    PhiloxCounter out;
    out.x[0] = static_cast<uint32_t>(p1 >> 32) ^ c.x[1] ^ key.k[0];
    out.x[1] = static_cast<uint32_t>(p1);
    out.x[2] = static_cast<uint32_t>(p0 >> 32) ^ c.x[3] ^ key.k[1];
    out.x[3] = static_cast<uint32_t>(p0);
    return out;
}

}  // namespace detail

// Philox4x32 with 10 rounds; the key is bumped by the Weyl increments between rounds (Random123 philox4x32_R(10,..)).
EMBER_HD inline PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
    ctr = detail::philox_round(ctr, key);
    for (int r = 1; r < 10; ++r) {
        key.k[0] += detail::kPhiloxW0;
        key.k[1] += detail::kPhiloxW1;
        ctr = detail::philox_round(ctr, key);
    }
    return ctr;
}

// Array form of the same function, for callers that hold raw words.
EMBER_HD inline void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
    const PhiloxCounter r =
        philox4x32_10(PhiloxCounter{{counter[0], counter[1], counter[2], counter[3]}}, PhiloxKey{{key[0], key[1]}});
    for (int j = 0; j < 4; ++j) out[j] = r.x[j];
}

// The four words of counter group g of the stream (seed, offset): the layout contract above.
EMBER_HD inline PhiloxCounter philox_group(uint64_t seed, uint64_t offset, uint64_t g) {
    const uint64_t c = offset + g;  // wraps mod 2^64 by design
    const PhiloxCounter ctr{{static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), 0u, 0u}};
    const PhiloxKey key{{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
    return philox4x32_10(ctr, key);
}

// ---------------------------------------------------------------------------------------------------------------------
// Consumption bookkeeping
// ---------------------------------------------------------------------------------------------------------------------

enum class Dist : uint8_t {
    uniform_float,   // 4 elements per group
    uniform_double,  // 2
    normal_float,    // 2
    normal_double,   // 2
    bernoulli,       // 4 (uses the uniform float of the element)
    randint_narrow,  // 4 (range in [1, 2^32])
    randint_wide,    // 2 (range > 2^32, or 0 meaning 2^64)
};

// True when randint over `range` values needs two words per element (see the layout contract).
EMBER_HD constexpr bool randint_is_wide(uint64_t range) { return range == 0 || range > (uint64_t{1} << 32); }

EMBER_HD constexpr Dist randint_dist(uint64_t range) {
    return randint_is_wide(range) ? Dist::randint_wide : Dist::randint_narrow;
}

EMBER_HD constexpr uint64_t elements_per_group(Dist d) {
    switch (d) {
        case Dist::uniform_float:
        case Dist::bernoulli:
        case Dist::randint_narrow: return 4;
        case Dist::uniform_double:
        case Dist::normal_float:
        case Dist::normal_double:
        case Dist::randint_wide: return 2;
    }
    return 1;  // unreachable for valid enumerators
}

// Counter groups one call of n elements consumes = ceil(n / elements_per_group); the offset advances by this much.
// Written without n + k - 1 so n near 2^64 cannot overflow.
EMBER_HD constexpr uint64_t groups_needed(Dist d, uint64_t n) {
    const uint64_t per = elements_per_group(d);
    return n / per + (n % per != 0 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------------------------
// Bit-exact arithmetic helpers (see "Bit-exact transcendental functions" above)
// ---------------------------------------------------------------------------------------------------------------------

namespace detail {

EMBER_HD inline float fma_rn(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
    return __fmaf_rn(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

EMBER_HD inline double fma_rn(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
    return __fma_rn(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

EMBER_HD inline float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    return __fdiv_rn(a, b);
#else
    return a / b;
#endif
}

EMBER_HD inline double div_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __ddiv_rn(a, b);
#else
    return a / b;
#endif
}

EMBER_HD inline float sqrt_rn(float a) {
#if defined(__CUDA_ARCH__)
    return __fsqrt_rn(a);
#else
    return std::sqrt(a);
#endif
}

EMBER_HD inline double sqrt_rn(double a) {
#if defined(__CUDA_ARCH__)
    return __dsqrt_rn(a);
#else
    return std::sqrt(a);
#endif
}

// Count of leading zero bits; v must be nonzero.
EMBER_HD inline int clz64(uint64_t v) {
#if defined(__CUDA_ARCH__)
    return __clzll(static_cast<long long>(v));
#elif defined(__GNUC__) || defined(__clang__)
    return __builtin_clzll(v);
#else
    int n = 0;
    for (int s = 32; s > 0; s >>= 1) {
        if ((v >> (64 - s)) == 0) {
            n += s;
            v <<= s;
        }
    }
    return n;
#endif
}

// High 64 bits of the 128-bit product a * b, from four 32x32 -> 64 partial products (same code on host and device).
EMBER_HD inline uint64_t mulhi64(uint64_t a, uint64_t b) {
    const uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const uint64_t lolo = a_lo * b_lo, lohi = a_lo * b_hi, hilo = a_hi * b_lo, hihi = a_hi * b_hi;
    // Bits 32..95 of the product collect three 32-bit pieces; their sum < 3 * 2^32 cannot overflow 64 bits.
    const uint64_t mid = (lolo >> 32) + (lohi & 0xFFFFFFFFu) + (hilo & 0xFFFFFFFFu);
    return hihi + (lohi >> 32) + (hilo >> 32) + (mid >> 32);
}

// ln(n * 2^-scale_bits) for an integer 1 <= n <= 2^32 (so the argument lies in (0, 1] when n <= 2^scale_bits).
//
// Write n = m * 2^e with m in [sqrt(1/2), sqrt(2)): normalising the integer (shift its top bit to bit 63) makes
// m exact. Then ln(n 2^-scale) = E ln2 + ln m with E = e - scale, and ln m = 2 atanh(s) with s = (m - 1) / (m + 1),
// |s| <= 3 - 2 sqrt(2) = 0.1716, via the odd series 2 atanh(s) = 2s (1 + s^2/3 + s^4/5 + ...). The series is cut
// where s^2k / (2k+1) drops below the type's half-ulp (k = 5 for float, k = 10 for double). E ln2 uses a
// Cody-Waite hi/lo split of ln 2 so large |E| keeps full accuracy.
// Computed entirely in the result type; m - 1 is exact (Sterbenz) and the power-of-two scalings are exact.
EMBER_HD inline float log_scaled_float(uint64_t n, int scale_bits) {
    const int lz = clz64(n);
    float m = static_cast<float>(n << lz) * 0x1p-63f;  // n has <= 25 significant bits here: exact
    int e = 63 - lz;
    if (m > 0x1.6a09e6p+0f) {  // sqrt(2) rounded to float
        m *= 0.5f;
        ++e;
    }
    const float f = m - 1.0f;
    const float s = div_rn(f, 2.0f + f);
    const float s2 = s * s;
    float p = 0x1.745d18p-4f;           // 1/11
    p = fma_rn(p, s2, 0x1.c71c72p-4f);  // 1/9
    p = fma_rn(p, s2, 0x1.24924ap-3f);  // 1/7
    p = fma_rn(p, s2, 0x1.99999ap-3f);  // 1/5
    p = fma_rn(p, s2, 0x1.555556p-2f);  // 1/3
    const float two_s = s + s;
    const float ln_m = fma_rn(two_s, s2 * p, two_s);  // 2s + 2s (s^2 p)
    const float ef = static_cast<float>(e - scale_bits);
    return fma_rn(ef, 0x1.62e4p-1f, fma_rn(ef, 0x1.7f7d1cp-20f, ln_m));  // E ln2_hi + (E ln2_lo + ln m)
}

EMBER_HD inline double log_scaled_double(uint64_t n, int scale_bits) {
    const int lz = clz64(n);
    double m = static_cast<double>(n << lz) * 0x1p-63;  // n has <= 33 significant bits here: exact
    int e = 63 - lz;
    if (m > 0x1.6a09e667f3bcdp+0) {
        m *= 0.5;
        ++e;
    }
    const double f = m - 1.0;
    const double s = div_rn(f, 2.0 + f);
    const double s2 = s * s;
    double p = 0x1.8618618618618p-5;          // 1/21
    p = fma_rn(p, s2, 0x1.af286bca1af28p-5);  // 1/19
    p = fma_rn(p, s2, 0x1.e1e1e1e1e1e1ep-5);  // 1/17
    p = fma_rn(p, s2, 0x1.1111111111111p-4);  // 1/15
    p = fma_rn(p, s2, 0x1.3b13b13b13b14p-4);  // 1/13
    p = fma_rn(p, s2, 0x1.745d1745d1746p-4);  // 1/11
    p = fma_rn(p, s2, 0x1.c71c71c71c71cp-4);  // 1/9
    p = fma_rn(p, s2, 0x1.2492492492492p-3);  // 1/7
    p = fma_rn(p, s2, 0x1.999999999999ap-3);  // 1/5
    p = fma_rn(p, s2, 0x1.5555555555555p-2);  // 1/3
    const double two_s = s + s;
    const double ln_m = fma_rn(two_s, s2 * p, two_s);
    const double ef = static_cast<double>(e - scale_bits);
    return fma_rn(ef, 0x1.62e42fefa2000p-1, fma_rn(ef, 0x1.9ef35793c7673p-41, ln_m));
}

// cos(2 pi t) for t = w * 2^-bits, an integer fraction of a turn with w < 2^bits (bits = 24 or 32).
//
// Range reduction is exact integer arithmetic: q = round(4t) (the nearest quarter turn), r = t - q/4 in [-1/8, 1/8),
// and cos(2 pi t) = cos(2 pi r + q pi/2) = {cos, -sin, -cos, sin}(2 pi r) for q mod 4 = {0, 1, 2, 3}. With
// |2 pi r| <= pi/4 the Taylor series in r converge fast: cos(2 pi r) = sum (-1)^k (2 pi)^2k / (2k)! r^2k and
// sin(2 pi r) = sum (-1)^k (2 pi)^(2k+1) / (2k+1)! r^(2k+1); evaluating in r rather than in theta = 2 pi r avoids
// rounding theta. Truncated where the next term is far below half an ulp (float: r^10 / r^11; double: r^16 / r^17).
EMBER_HD inline float cos_2pi_float(uint32_t w24) {
    const uint32_t qq = (w24 + (1u << 21)) >> 22;                                      // round(w / 2^22) in 0..4
    const int32_t r_int = static_cast<int32_t>(w24) - static_cast<int32_t>(qq << 22);  // in [-2^21, 2^21)
    const uint32_t q = qq & 3u;
    const float r = static_cast<float>(r_int) * 0x1p-24f;  // exact
    const float r2 = r * r;
    float v;
    if ((q & 1u) == 0) {
        float p = -0x1.a6d1f2p+4f;
        p = fma_rn(p, r2, 0x1.e1f506p+5f);
        p = fma_rn(p, r2, -0x1.55d3c8p+6f);
        p = fma_rn(p, r2, 0x1.03c1f0p+6f);
        p = fma_rn(p, r2, -0x1.3bd3ccp+4f);
        v = fma_rn(p, r2, 1.0f);
    } else {
        float p = -0x1.e30750p+3f;
        p = fma_rn(p, r2, 0x1.507834p+5f);
        p = fma_rn(p, r2, -0x1.32d2ccp+6f);
        p = fma_rn(p, r2, 0x1.466bc6p+6f);
        p = fma_rn(p, r2, -0x1.4abbcep+5f);
        p = fma_rn(p, r2, 0x1.921fb6p+2f);
        v = r * p;
    }
    return (q == 1u || q == 2u) ? -v : v;
}

EMBER_HD inline double cos_2pi_double(uint32_t w32) {
    const uint64_t qq = (static_cast<uint64_t>(w32) + (uint64_t{1} << 29)) >> 30;      // round(w / 2^30) in 0..4
    const int64_t r_int = static_cast<int64_t>(w32) - static_cast<int64_t>(qq << 30);  // in [-2^29, 2^29)
    const uint64_t q = qq & 3u;
    const double r = static_cast<double>(r_int) * 0x1p-32;  // exact
    const double r2 = r * r;
    double v;
    if ((q & 1u) == 0) {
        double p = 0x1.20c62c2f2d7f5p-2;
        p = fma_rn(p, r2, -0x1.b6e24f44b128fp+0);
        p = fma_rn(p, r2, 0x1.f9d38a3763cc3p+2);
        p = fma_rn(p, r2, -0x1.a6d1f2a204a8cp+4);
        p = fma_rn(p, r2, 0x1.e1f506891babbp+5);
        p = fma_rn(p, r2, -0x1.55d3c7e3cbffap+6);
        p = fma_rn(p, r2, 0x1.03c1f081b5ac4p+6);
        p = fma_rn(p, r2, -0x1.3bd3cc9be45dep+4);
        v = fma_rn(p, r2, 1.0);
    } else {
        double p = 0x1.aaec32af93359p-4;
        p = fma_rn(p, r2, -0x1.6fadb9f155744p-1);
        p = fma_rn(p, r2, 0x1.e8f434d018d63p+1);
        p = fma_rn(p, r2, -0x1.e3074fde8871fp+3);
        p = fma_rn(p, r2, 0x1.50783487ee782p+5);
        p = fma_rn(p, r2, -0x1.32d2cce62bd86p+6);
        p = fma_rn(p, r2, 0x1.466bc6775aae2p+6);
        p = fma_rn(p, r2, -0x1.4abbce625be53p+5);
        p = fma_rn(p, r2, 0x1.921fb54442d18p+2);
        v = r * p;
    }
    return (q == 1u || q == 2u) ? -v : v;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------------------------------
// Word -> value transforms (the per-element math; shared by per-element and block helpers and by the CUDA kernels)
// ---------------------------------------------------------------------------------------------------------------------

// Top 24 bits times 2^-24: every value k 2^-24 for k in [0, 2^24) equally likely, exactly representable, max 1 - 2^-24.
EMBER_HD inline float uniform_float_from_word(uint32_t w) { return static_cast<float>(w >> 8) * 0x1p-24f; }

// Top 53 bits of hi:lo times 2^-53.
EMBER_HD inline double uniform_double_from_words(uint32_t lo, uint32_t hi) {
    const uint64_t bits = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;
    return static_cast<double>(bits) * 0x1p-53;
}

// Box-Muller, cosine branch: z = sqrt(-2 ln u1) cos(2 pi u2), u1 = ((a >> 8) + 1) 2^-24 in (0, 1] so ln u1 is finite,
// u2 = (b >> 8) 2^-24. Since u1 >= 2^-24, |z| <= sqrt(48 ln 2) = 5.77: the float normal's tails are cut there
// (probability mass beyond is ~8e-9). Each element uses its own pair of words, so elements are independent.
EMBER_HD inline float normal_float_from_words(uint32_t a, uint32_t b) {
    const float ln_u1 = detail::log_scaled_float(static_cast<uint64_t>(a >> 8) + 1, 24);
    const float radius = detail::sqrt_rn(-2.0f * ln_u1);
    return radius * detail::cos_2pi_float(b >> 8);
}

// As above in double with 32-bit uniforms: u1 = (a + 1) 2^-32, u2 = b 2^-32; |z| <= sqrt(64 ln 2) = 6.66.
EMBER_HD inline double normal_double_from_words(uint32_t a, uint32_t b) {
    const double ln_u1 = detail::log_scaled_double(static_cast<uint64_t>(a) + 1, 32);
    const double radius = detail::sqrt_rn(-2.0 * ln_u1);
    return radius * detail::cos_2pi_double(b);
}

// Lemire's multiply-shift: r = floor(w * range / 2^32) in [0, range) for range in [1, 2^32], no division and no
// rejection (a counter-based stream must consume a fixed number of words). Each r is hit by floor or ceil of
// 2^32 / range words, so the relative bias is at most range / 2^32 (e.g. 2.3e-9 for range 10, 2.3e-4 for 10^6).
EMBER_HD inline int64_t randint_from_word(uint32_t w, int64_t low, uint64_t range) {
    const uint64_t r = (static_cast<uint64_t>(w) * range) >> 32;
    return static_cast<int64_t>(static_cast<uint64_t>(low) + r);  // modular add: low + r may cross int64 bounds
}

// Wide version: W = hi:lo, r = floor(W * range / 2^64), relative bias at most range / 2^64 (< 6e-8 for range
// < 2^40; it only becomes large for ranges near 2^64). range == 0 stands for 2^64: r = W, i.e. any int64.
EMBER_HD inline int64_t randint_from_words(uint32_t lo, uint32_t hi, int64_t low, uint64_t range) {
    const uint64_t w = (static_cast<uint64_t>(hi) << 32) | lo;
    const uint64_t r = range == 0 ? w : detail::mulhi64(w, range);
    return static_cast<int64_t>(static_cast<uint64_t>(low) + r);
}

// Affine maps for uniform(low, high) and normal(mean, std). Written as one fma so that the CPU (which may or may not
// contract) and nvcc (which contracts by default) round identically: callers must use these, not x * a + b.
// Note uniform: low + (high - low) u can round up to high itself for some (low, high) even though u < 1.
EMBER_HD inline float scale_shift(float x, float scale, float shift) { return detail::fma_rn(x, scale, shift); }
EMBER_HD inline double scale_shift(double x, double scale, double shift) { return detail::fma_rn(x, scale, shift); }

// ---------------------------------------------------------------------------------------------------------------------
// Per-element helpers: element i of the call whose generator state is (seed, offset)
// ---------------------------------------------------------------------------------------------------------------------

EMBER_HD inline float uniform_float(uint64_t seed, uint64_t offset, uint64_t i) {
    return uniform_float_from_word(philox_group(seed, offset, i / 4).x[i % 4]);
}

EMBER_HD inline double uniform_double(uint64_t seed, uint64_t offset, uint64_t i) {
    const PhiloxCounter w = philox_group(seed, offset, i / 2);
    const unsigned lane = 2u * static_cast<unsigned>(i % 2);
    return uniform_double_from_words(w.x[lane], w.x[lane + 1]);
}

EMBER_HD inline float normal_float(uint64_t seed, uint64_t offset, uint64_t i) {
    const PhiloxCounter w = philox_group(seed, offset, i / 2);
    const unsigned lane = 2u * static_cast<unsigned>(i % 2);
    return normal_float_from_words(w.x[lane], w.x[lane + 1]);
}

EMBER_HD inline double normal_double(uint64_t seed, uint64_t offset, uint64_t i) {
    const PhiloxCounter w = philox_group(seed, offset, i / 2);
    const unsigned lane = 2u * static_cast<unsigned>(i % 2);
    return normal_double_from_words(w.x[lane], w.x[lane + 1]);
}

// True with probability p (p is compared against a 24-bit uniform, so it is effectively rounded to a multiple of
// 2^-24; p <= 0 never fires, p >= 1 always does).
EMBER_HD inline bool bernoulli_float(uint64_t seed, uint64_t offset, uint64_t i, float p) {
    return uniform_float(seed, offset, i) < p;
}

// Uniform integer in [low, low + range) (modulo 2^64); range == 0 means the full 2^64 values. The layout (one word
// per element or two) depends on the range, see randint_is_wide / randint_dist.
EMBER_HD inline int64_t randint(uint64_t seed, uint64_t offset, uint64_t i, int64_t low, uint64_t range) {
    if (!randint_is_wide(range)) {
        return randint_from_word(philox_group(seed, offset, i / 4).x[i % 4], low, range);
    }
    const PhiloxCounter w = philox_group(seed, offset, i / 2);
    const unsigned lane = 2u * static_cast<unsigned>(i % 2);
    return randint_from_words(w.x[lane], w.x[lane + 1], low, range);
}

// ---------------------------------------------------------------------------------------------------------------------
// Block helpers: every element of counter group g at once (one Philox evaluation), bitwise equal to the per-element
// helpers for elements g * elements_per_group + j. CPU loops use these; a tail group is filled and truncated.
// ---------------------------------------------------------------------------------------------------------------------

// Elements 4g .. 4g+3.
EMBER_HD inline void uniform_float4(uint64_t seed, uint64_t offset, uint64_t g, float out[4]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    for (int j = 0; j < 4; ++j) out[j] = uniform_float_from_word(w.x[j]);
}

// Elements 2g, 2g+1.
EMBER_HD inline void uniform_double2(uint64_t seed, uint64_t offset, uint64_t g, double out[2]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    out[0] = uniform_double_from_words(w.x[0], w.x[1]);
    out[1] = uniform_double_from_words(w.x[2], w.x[3]);
}

// Elements 2g, 2g+1.
EMBER_HD inline void normal_float2(uint64_t seed, uint64_t offset, uint64_t g, float out[2]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    out[0] = normal_float_from_words(w.x[0], w.x[1]);
    out[1] = normal_float_from_words(w.x[2], w.x[3]);
}

// Elements 2g, 2g+1.
EMBER_HD inline void normal_double2(uint64_t seed, uint64_t offset, uint64_t g, double out[2]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    out[0] = normal_double_from_words(w.x[0], w.x[1]);
    out[1] = normal_double_from_words(w.x[2], w.x[3]);
}

// Elements 4g .. 4g+3.
EMBER_HD inline void bernoulli_float4(uint64_t seed, uint64_t offset, uint64_t g, float p, bool out[4]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    for (int j = 0; j < 4; ++j) out[j] = uniform_float_from_word(w.x[j]) < p;
}

// Narrow ranges (randint_is_wide(range) false): elements 4g .. 4g+3.
EMBER_HD inline void randint4(uint64_t seed, uint64_t offset, uint64_t g, int64_t low, uint64_t range, int64_t out[4]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    for (int j = 0; j < 4; ++j) out[j] = randint_from_word(w.x[j], low, range);
}

// Wide ranges (randint_is_wide(range) true): elements 2g, 2g+1.
EMBER_HD inline void randint2_wide(uint64_t seed, uint64_t offset, uint64_t g, int64_t low, uint64_t range,
                                   int64_t out[2]) {
    const PhiloxCounter w = philox_group(seed, offset, g);
    out[0] = randint_from_words(w.x[0], w.x[1], low, range);
    out[1] = randint_from_words(w.x[2], w.x[3], low, range);
}

// ---------------------------------------------------------------------------------------------------------------------
// Functors: element i -> value, for elementwise CPU loops and CUDA kernels (state captured by value).
// ---------------------------------------------------------------------------------------------------------------------

struct UniformFloatOp {
    uint64_t seed, offset;
    float low, high;
    EMBER_HD float operator()(uint64_t i) const { return scale_shift(uniform_float(seed, offset, i), high - low, low); }
};

struct UniformDoubleOp {
    uint64_t seed, offset;
    double low, high;
    EMBER_HD double operator()(uint64_t i) const {
        return scale_shift(uniform_double(seed, offset, i), high - low, low);
    }
};

struct NormalFloatOp {
    uint64_t seed, offset;
    float mean, std;
    EMBER_HD float operator()(uint64_t i) const { return scale_shift(normal_float(seed, offset, i), std, mean); }
};

struct NormalDoubleOp {
    uint64_t seed, offset;
    double mean, std;
    EMBER_HD double operator()(uint64_t i) const { return scale_shift(normal_double(seed, offset, i), std, mean); }
};

struct BernoulliOp {
    uint64_t seed, offset;
    float p;
    EMBER_HD bool operator()(uint64_t i) const { return bernoulli_float(seed, offset, i, p); }
};

struct RandIntOp {
    uint64_t seed, offset;
    int64_t low;
    uint64_t range;
    EMBER_HD int64_t operator()(uint64_t i) const { return randint(seed, offset, i, low, range); }
};

}  // namespace ember::random
