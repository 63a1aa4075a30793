// AVX-512 versions of the cpu/vec_math.h kernels (16 lanes): the functions of
// kernels/float_math.h, operation for operation, as in vec_math_avx2.cpp. Compiled without global -m flags:
// every function carries a target attribute and runs only after the run-time check in
// vec_math.cpp; everything but the entry points is in an anonymous namespace (see gemm_avx512.cpp).
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "cpu/cpu_features.h"
#include "kernels/float_math.h"

namespace ember::cpu::detail {
namespace {

namespace c = ember::kernels::float_math::c;

EMBER_AVX512 inline __m512 set1(float v) { return _mm512_set1_ps(v); }
EMBER_AVX512 inline __m512i set1i(uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }

// float_math::exp, line for line (but for the last line, the same value in one instruction).
EMBER_AVX512 inline __m512 exp16(__m512 x) {
    // max/min return their second operand when either is NaN: a NaN x passes through.
    x = _mm512_max_ps(set1(c::kExpLo), x);
    x = _mm512_min_ps(set1(c::kExpHi), x);
    const __m512 t = _mm512_fmadd_ps(x, set1(c::kLog2e), set1(c::kRound));
    const __m512 n = _mm512_sub_ps(t, set1(c::kRound));
    __m512 r = _mm512_fnmadd_ps(n, set1(c::kLn2Hi), x);
    r = _mm512_fnmadd_ps(n, set1(c::kLn2Lo), r);
    __m512 p = set1(c::kExpP0);
    p = _mm512_fmadd_ps(p, r, set1(c::kExpP1));
    p = _mm512_fmadd_ps(p, r, set1(c::kExpP2));
    p = _mm512_fmadd_ps(p, r, set1(c::kExpP3));
    p = _mm512_fmadd_ps(p, r, set1(c::kExpP4));
    p = _mm512_fmadd_ps(p, r, set1(c::kExpP5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, set1(1.0f)));
    // p 2^n rounded once: vscalefps computes in one instruction the value of float_math's
    // (p 2^n1) 2^n2 (the first product is exact, the second rounds).
    return _mm512_scalef_ps(p, n);
}

// float_math::log1p_unit, line for line.
EMBER_AVX512 inline __m512 log1p16(__m512 y) {
    const __m512 one = set1(1.0f);
    const __m512 u = _mm512_add_ps(y, one);
    const __m512 corr = _mm512_div_ps(_mm512_sub_ps(y, _mm512_sub_ps(u, one)), u);
    const __m512i ub = _mm512_castps_si512(u);
    const __m512i mant = _mm512_and_si512(ub, set1i(c::kMantissa));
    const __mmask16 big = _mm512_cmpgt_epu32_mask(mant, set1i(c::kSqrt2Mantissa));
    const __m512 m =
        _mm512_castsi512_ps(_mm512_or_si512(mant, _mm512_mask_mov_epi32(set1i(c::kOne), big, set1i(c::kHalf))));
    const __m512i ebits = _mm512_sub_epi32(_mm512_srli_epi32(ub, 23), _mm512_set1_epi32(127));
    const __m512 e = _mm512_cvtepi32_ps(_mm512_mask_add_epi32(ebits, big, ebits, _mm512_set1_epi32(1)));
    const __m512 f = _mm512_sub_ps(m, one);
    const __m512 z = _mm512_mul_ps(f, f);
    __m512 p = set1(c::kLogP0);
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP1));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP2));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP3));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP4));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP5));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP6));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP7));
    p = _mm512_fmadd_ps(p, f, set1(c::kLogP8));
    p = _mm512_mul_ps(_mm512_mul_ps(p, f), z);
    p = _mm512_fmadd_ps(e, set1(c::kLn2Lo), p);
    p = _mm512_fnmadd_ps(z, set1(0.5f), p);
    const __m512 r = _mm512_add_ps(f, _mm512_add_ps(p, corr));
    return _mm512_fmadd_ps(e, set1(c::kLn2Hi), r);
}

EMBER_AVX512 inline __m512 neg_abs(__m512 x) {
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN)));
}

EMBER_AVX512 inline __m512 sigmoid16(__m512 x) {
    const __m512 e = exp16(neg_abs(x));
    const __m512 d = _mm512_add_ps(set1(1.0f), e);
    const __mmask16 pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
    return _mm512_div_ps(_mm512_mask_mov_ps(e, pos, set1(1.0f)), d);
}

// softplus(x) = (max(z, 0) + log1p(exp(-|z|))) / beta with z = beta x; x itself above threshold.
EMBER_AVX512 inline __m512 softplus16(__m512 x, float beta, float threshold) {
    const __m512 z = _mm512_mul_ps(x, set1(beta));
    const __m512 m = _mm512_max_ps(z, _mm512_setzero_ps());
    const __m512 r = _mm512_div_ps(_mm512_add_ps(m, log1p16(exp16(neg_abs(z)))), set1(beta));
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(z, set1(threshold), _CMP_GT_OQ), x);
}

// log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)).
EMBER_AVX512 inline __m512 log_sigmoid16(__m512 x) {
    const __m512 m = _mm512_min_ps(x, _mm512_setzero_ps());
    return _mm512_sub_ps(m, log1p16(exp16(neg_abs(x))));
}

template <typename F>
EMBER_AVX512 inline void map16(const float* x, float* y, int64_t n, F f) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

// Functors rather than lambdas: a lambda's function-pointer thunk would not carry the target.
struct Exp16 {
    EMBER_AVX512 __m512 operator()(__m512 v) const { return exp16(v); }
};
struct Sigmoid16 {
    EMBER_AVX512 __m512 operator()(__m512 v) const { return sigmoid16(v); }
};
struct Softplus16 {
    float beta, threshold;
    EMBER_AVX512 __m512 operator()(__m512 v) const { return softplus16(v, beta, threshold); }
};
struct LogSigmoid16 {
    EMBER_AVX512 __m512 operator()(__m512 v) const { return log_sigmoid16(v); }
};

}  // namespace

EMBER_AVX512 void exp_f32_avx512(const float* x, float* y, int64_t n) { map16(x, y, n, Exp16{}); }
EMBER_AVX512 void sigmoid_f32_avx512(const float* x, float* y, int64_t n) { map16(x, y, n, Sigmoid16{}); }
EMBER_AVX512 void softplus_f32_avx512(const float* x, float* y, int64_t n, float beta, float threshold) {
    map16(x, y, n, Softplus16{beta, threshold});
}
EMBER_AVX512 void log_sigmoid_f32_avx512(const float* x, float* y, int64_t n) { map16(x, y, n, LogSigmoid16{}); }

}  // namespace ember::cpu::detail

#endif
