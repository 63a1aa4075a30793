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
// Bit-exact ln and cos for the normal transforms: philox_math.h.
#include <cmath>
#include <cstdint>

#include "ember/tensor/macros.h"
#include "kernels/philox_math.h"

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
