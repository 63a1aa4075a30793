// AVX-512 versions of the cpu/vec_math.h kernels (16 lanes). Compiled without global -m flags:
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

namespace ember::cpu::detail {
namespace {

EMBER_AVX512 inline __m512 set1(float v) { return _mm512_set1_ps(v); }

// exp(x); see vec_math.h for the method.
EMBER_AVX512 inline __m512 exp16(__m512 x) {
    // max/min return their second operand when either is NaN: a NaN x passes through.
    x = _mm512_max_ps(set1(-104.0f), x);
    x = _mm512_min_ps(set1(89.0f), x);
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, set1(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    __m512 p = set1(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, set1(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, set1(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, set1(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, set1(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, set1(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, set1(1.0f)));
    return _mm512_scalef_ps(p, n);
}

// log1p(y) for y >= 0 (or NaN); see vec_math.h.
EMBER_AVX512 inline __m512 log1p16(__m512 y) {
    const __m512 one = set1(1.0f);
    const __m512 u = _mm512_add_ps(y, one);
    // Rounding correction: log1p(y) = log(u) + (y - (u - 1)) / u to first order.
    const __m512 c = _mm512_div_ps(_mm512_sub_ps(y, _mm512_sub_ps(u, one)), u);
    // u = m 2^e with m in [sqrt(1/2), sqrt(2)): getmant gives m in [1, 2), fold the top half down.
    __m512 m = _mm512_getmant_ps(u, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    __m512 e = _mm512_getexp_ps(u);
    const __mmask16 big = _mm512_cmp_ps_mask(m, set1(1.41421356237309505f), _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, big, m, set1(0.5f));
    e = _mm512_mask_add_ps(e, big, e, one);
    const __m512 f = _mm512_sub_ps(m, one);
    const __m512 z = _mm512_mul_ps(f, f);
    __m512 p = set1(7.0376836292e-2f);
    p = _mm512_fmadd_ps(p, f, set1(-1.1514610310e-1f));
    p = _mm512_fmadd_ps(p, f, set1(1.1676998740e-1f));
    p = _mm512_fmadd_ps(p, f, set1(-1.2420140846e-1f));
    p = _mm512_fmadd_ps(p, f, set1(1.4249322787e-1f));
    p = _mm512_fmadd_ps(p, f, set1(-1.6668057665e-1f));
    p = _mm512_fmadd_ps(p, f, set1(2.0000714765e-1f));
    p = _mm512_fmadd_ps(p, f, set1(-2.4999993993e-1f));
    p = _mm512_fmadd_ps(p, f, set1(3.3333331174e-1f));
    p = _mm512_mul_ps(_mm512_mul_ps(p, f), z);
    p = _mm512_fmadd_ps(e, set1(-2.12194440e-4f), p);
    p = _mm512_fnmadd_ps(z, set1(0.5f), p);
    __m512 r = _mm512_add_ps(f, _mm512_add_ps(p, c));
    r = _mm512_fmadd_ps(e, set1(0.693359375f), r);
    // u = +inf (y = +inf) gives +inf; getexp/getmant of inf would not.
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(u, set1(__builtin_inff()), _CMP_EQ_OQ), u);
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
    __m512 r = _mm512_div_ps(_mm512_add_ps(m, log1p16(exp16(neg_abs(z)))), set1(beta));
    // NaN z: max(z, 0) above returned 0, so put the NaN back.
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(z, z, _CMP_UNORD_Q), z);
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(z, set1(threshold), _CMP_GT_OQ), x);
}

// log sigmoid(x) = min(x, 0) - log1p(exp(-|x|)).
EMBER_AVX512 inline __m512 log_sigmoid16(__m512 x) {
    const __m512 m = _mm512_min_ps(x, _mm512_setzero_ps());
    const __m512 r = _mm512_sub_ps(m, log1p16(exp16(neg_abs(x))));
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
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
