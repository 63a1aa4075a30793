#pragma once
// float32 exp, sigmoid, softplus and log-sigmoid, written once for both devices: the float bodies
// of ExpF, SigmoidF, SoftplusF and LogSigmoidF (kernels/functors.h) call these, so the CPU's
// scalar loop and the CUDA kernels run this code, and the AVX2 and AVX-512 kernels of
// cpu/vec_math_avx2.cpp and cpu/vec_math_avx512.cpp repeat it operation for operation (same
// constants, same order, each fused multiply-add where it is here; AVX-512 applies 2^n with
// vscalefps, the same correctly rounded product). Every operation is an IEEE operation rounded to
// nearest, so every path returns the same bits (tests/test_same_arithmetic.cpp).
//
// Why the arithmetic is spelled out: a compiler may fuse a product and a following sum into one
// fma (nvcc does by default, GCC wherever the target has FMA, even across AVX intrinsics), which
// rounds differently. Here
// every fused multiply-add is an explicit fma, and no plain product feeds a sum, so there is
// nothing left to fuse; on CUDA the plain operations are also the _rn intrinsics, which nvcc
// never fuses. On the host fmaf is the C library's, correctly rounded with or without FMA hardware.
//
// exp(x): x clamped to [-104, 89] (NaN passes), n = round(x log2 e) by adding 1.5 2^23 in one fma
// (the sum's last bit is then the integer n), r = x - n ln 2 with ln 2 in two parts (Cody-Waite),
// exp(r) by Cephes' degree-7 polynomial on |r| <= ln(2)/2, times 2^n as two exact powers of two
// (2^n alone may not be a float) with one rounding at the end. Within 2 ulp for normal results;
// +inf above ~88.72, 0 below ~-103.97.
// log1p(y) for y in [0, 1]: u = 1 + y = m 2^e with m in [sqrt(1/2), sqrt(2)) by bit operations,
// Cephes' logf polynomial in f = m - 1, plus the rounding correction (y - (u - 1)) / u.
#include <math.h>

#include <cstdint>
#include <cstring>

#include "ember/tensor/macros.h"

namespace ember::kernels::float_math {

// The rounded-to-nearest operations everything below is written with.
#ifdef __CUDA_ARCH__
__device__ inline float fma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
__device__ inline float add(float a, float b) { return __fadd_rn(a, b); }
__device__ inline float sub(float a, float b) { return __fsub_rn(a, b); }
__device__ inline float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ inline float div(float a, float b) { return __fdiv_rn(a, b); }
__device__ inline uint32_t bits(float x) { return static_cast<uint32_t>(__float_as_int(x)); }
__device__ inline float from_bits(uint32_t b) { return __int_as_float(static_cast<int>(b)); }
#else
inline float fma(float a, float b, float c) { return ::fmaf(a, b, c); }
inline float add(float a, float b) { return a + b; }
inline float sub(float a, float b) { return a - b; }
inline float mul(float a, float b) { return a * b; }
inline float div(float a, float b) { return a / b; }
inline uint32_t bits(float x) {
    uint32_t b;
    std::memcpy(&b, &x, 4);
    return b;
}
inline float from_bits(uint32_t b) {
    float x;
    std::memcpy(&x, &b, 4);
    return x;
}
#endif

// The constants, shared with the vector kernels.
namespace c {
constexpr float kExpLo = -104.0f, kExpHi = 89.0f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kRound = 12582912.0f;  // 1.5 2^23: x + kRound has unit last place
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kExpP0 = 1.9875691500e-4f, kExpP1 = 1.3981999507e-3f, kExpP2 = 8.3334519073e-3f,
                kExpP3 = 4.1665795894e-2f, kExpP4 = 1.6666665459e-1f, kExpP5 = 5.0000001201e-1f;
constexpr uint32_t kMantissa = 0x007FFFFFu, kOne = 0x3F800000u, kHalf = 0x3F000000u;
constexpr uint32_t kSqrt2Mantissa = 0x003504F3u;  // the mantissa bits of sqrt(2)
constexpr float kLogP0 = 7.0376836292e-2f, kLogP1 = -1.1514610310e-1f, kLogP2 = 1.1676998740e-1f,
                kLogP3 = -1.2420140846e-1f, kLogP4 = 1.4249322787e-1f, kLogP5 = -1.6668057665e-1f,
                kLogP6 = 2.0000714765e-1f, kLogP7 = -2.4999993993e-1f, kLogP8 = 3.3333331174e-1f;
}  // namespace c

// 2^k for an integer k in [-126, 127] (unsigned arithmetic: any k is defined behaviour).
EMBER_HD inline float pow2i(int32_t k) { return from_bits((static_cast<uint32_t>(k) + 127u) << 23); }

EMBER_HD inline float exp(float x) {
    // Written as selections, not fminf/fmaxf, so that a NaN x passes (as the vector max/min do).
    x = x < c::kExpLo ? c::kExpLo : x;
    x = x > c::kExpHi ? c::kExpHi : x;
    const float t = fma(x, c::kLog2e, c::kRound);
    const float n = sub(t, c::kRound);
    // n in [-150, 128] (garbage for a NaN x, whose p is NaN anyway): 2^n = 2^n1 2^n2, both normal.
    const int32_t ni = static_cast<int32_t>(bits(t) - bits(c::kRound));
    const int32_t n1 = ni >> 1, n2 = ni - n1;
    float r = fma(-n, c::kLn2Hi, x);
    r = fma(-n, c::kLn2Lo, r);
    float p = c::kExpP0;
    p = fma(p, r, c::kExpP1);
    p = fma(p, r, c::kExpP2);
    p = fma(p, r, c::kExpP3);
    p = fma(p, r, c::kExpP4);
    p = fma(p, r, c::kExpP5);
    p = fma(p, mul(r, r), add(r, 1.0f));
    // The last product as an fma with 0 (the same value, p > 0): a caller's sum cannot fuse with it.
    return fma(mul(p, pow2i(n1)), pow2i(n2), 0.0f);
}

EMBER_HD inline float log1p_unit(float y) {
    const float u = add(y, 1.0f);
    const float corr = div(sub(y, sub(u, 1.0f)), u);
    // u in [1, 2]: exponent e in {0, 1}, mantissa m in [1, 2) folded to [sqrt(1/2), sqrt(2)).
    const uint32_t ub = bits(u);
    const uint32_t mant = ub & c::kMantissa;
    const bool big = mant > c::kSqrt2Mantissa;
    const float m = from_bits(mant | (big ? c::kHalf : c::kOne));
    const float e = static_cast<float>(static_cast<int32_t>(ub >> 23) - 127 + (big ? 1 : 0));
    const float f = sub(m, 1.0f);
    const float z = mul(f, f);
    float p = c::kLogP0;
    p = fma(p, f, c::kLogP1);
    p = fma(p, f, c::kLogP2);
    p = fma(p, f, c::kLogP3);
    p = fma(p, f, c::kLogP4);
    p = fma(p, f, c::kLogP5);
    p = fma(p, f, c::kLogP6);
    p = fma(p, f, c::kLogP7);
    p = fma(p, f, c::kLogP8);
    p = mul(mul(p, f), z);
    p = fma(e, c::kLn2Lo, p);
    p = fma(-z, 0.5f, p);
    const float r = add(f, add(p, corr));
    return fma(e, c::kLn2Hi, r);
}

// 1 / (1 + e^-x) on the side where the exponential cannot overflow: e = exp(-|x|).
EMBER_HD inline float sigmoid(float x) {
    const float e = exp(-::fabsf(x));
    const float d = add(1.0f, e);
    return div(x >= 0.0f ? 1.0f : e, d);
}

// softplus(x) = (max(z, 0) + log1p(e^-|z|)) / beta with z = beta x; x itself above threshold.
EMBER_HD inline float softplus(float x, float beta, float threshold) {
    const float z = mul(x, beta);
    if (z > threshold) return x;
    const float m = z > 0.0f ? z : 0.0f;
    return div(add(m, log1p_unit(exp(-::fabsf(z)))), beta);
}

// log sigmoid(x) = min(x, 0) - log1p(e^-|x|).
EMBER_HD inline float log_sigmoid(float x) {
    const float m = x < 0.0f ? x : 0.0f;
    return sub(m, log1p_unit(exp(-::fabsf(x))));
}

}  // namespace ember::kernels::float_math
