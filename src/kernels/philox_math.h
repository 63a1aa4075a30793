#pragma once
// The bit-exact arithmetic behind philox.h's normal transforms: IEEE-rounded fma, division and
// square root on both host and device, and ln / cos evaluated by polynomials from those
// operations only, so the CPU and the GPU produce the same bits.
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

}  // namespace ember::random
