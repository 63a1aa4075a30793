// AVX2/FMA versions of the cpu/vec_math.h kernels (8 lanes), for CPUs without AVX-512. Same
// polynomials as vec_math_avx512.cpp; 2^n is applied as two exact power-of-two factors since
// AVX2 has no vscalefps. Compiled without global -m flags (see gemm_avx2.cpp).
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "cpu/cpu_features.h"

namespace ember::cpu::detail {
namespace {

EMBER_AVX2 inline __m256 set1(float v) { return _mm256_set1_ps(v); }

// 2^k for integer k in [-126, 127] as a float.
EMBER_AVX2 inline __m256 pow2i(__m256i k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

EMBER_AVX2 inline __m256 exp8(__m256 x) {
    // max/min return their second operand when either is NaN: a NaN x passes through.
    x = _mm256_max_ps(set1(-104.0f), x);
    x = _mm256_min_ps(set1(89.0f), x);
    const __m256 n =
        _mm256_round_ps(_mm256_mul_ps(x, set1(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, set1(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
    __m256 p = set1(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, set1(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, set1(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, set1(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, set1(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, set1(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, set1(1.0f)));
    // n in [-150, 129]: split into two halves, each a normal power of two. NaN n converts to
    // INT_MIN, but p is already NaN then.
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(n2));
}

EMBER_AVX2 inline __m256 log1p8(__m256 y) {
    const __m256 one = set1(1.0f);
    const __m256 u = _mm256_add_ps(y, one);
    const __m256 c = _mm256_div_ps(_mm256_sub_ps(y, _mm256_sub_ps(u, one)), u);
    // u >= 1 is normal: split exponent and mantissa with integer ops; m in [1, 2).
    const __m256i bits = _mm256_castps_si256(u);
    __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
    __m256 m = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
    const __m256 big = _mm256_cmp_ps(m, set1(1.41421356237309505f), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, set1(0.5f)), big);
    e = _mm256_add_ps(e, _mm256_and_ps(big, one));
    const __m256 f = _mm256_sub_ps(m, one);
    const __m256 z = _mm256_mul_ps(f, f);
    __m256 p = set1(7.0376836292e-2f);
    p = _mm256_fmadd_ps(p, f, set1(-1.1514610310e-1f));
    p = _mm256_fmadd_ps(p, f, set1(1.1676998740e-1f));
    p = _mm256_fmadd_ps(p, f, set1(-1.2420140846e-1f));
    p = _mm256_fmadd_ps(p, f, set1(1.4249322787e-1f));
    p = _mm256_fmadd_ps(p, f, set1(-1.6668057665e-1f));
    p = _mm256_fmadd_ps(p, f, set1(2.0000714765e-1f));
    p = _mm256_fmadd_ps(p, f, set1(-2.4999993993e-1f));
    p = _mm256_fmadd_ps(p, f, set1(3.3333331174e-1f));
    p = _mm256_mul_ps(_mm256_mul_ps(p, f), z);
    p = _mm256_fmadd_ps(e, set1(-2.12194440e-4f), p);
    p = _mm256_fnmadd_ps(z, set1(0.5f), p);
    __m256 r = _mm256_add_ps(f, _mm256_add_ps(p, c));
    r = _mm256_fmadd_ps(e, set1(0.693359375f), r);
    // u = +inf or NaN: return u itself.
    const __m256 special =
        _mm256_or_ps(_mm256_cmp_ps(u, set1(__builtin_inff()), _CMP_EQ_OQ), _mm256_cmp_ps(u, u, _CMP_UNORD_Q));
    return _mm256_blendv_ps(r, u, special);
}

EMBER_AVX2 inline __m256 neg_abs(__m256 x) { return _mm256_or_ps(x, set1(-0.0f)); }

EMBER_AVX2 inline __m256 sigmoid8(__m256 x) {
    const __m256 e = exp8(neg_abs(x));
    const __m256 d = _mm256_add_ps(set1(1.0f), e);
    const __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
    return _mm256_div_ps(_mm256_blendv_ps(e, set1(1.0f), pos), d);
}

EMBER_AVX2 inline __m256 softplus8(__m256 x, float beta, float threshold) {
    const __m256 z = _mm256_mul_ps(x, set1(beta));
    const __m256 m = _mm256_max_ps(z, _mm256_setzero_ps());
    __m256 r = _mm256_div_ps(_mm256_add_ps(m, log1p8(exp8(neg_abs(z)))), set1(beta));
    r = _mm256_blendv_ps(r, z, _mm256_cmp_ps(z, z, _CMP_UNORD_Q));
    return _mm256_blendv_ps(r, x, _mm256_cmp_ps(z, set1(threshold), _CMP_GT_OQ));
}

EMBER_AVX2 inline __m256 log_sigmoid8(__m256 x) {
    const __m256 m = _mm256_min_ps(x, _mm256_setzero_ps());
    const __m256 r = _mm256_sub_ps(m, log1p8(exp8(neg_abs(x))));
    return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

template <typename F>
EMBER_AVX2 inline void map8(const float* x, float* y, int64_t n, F f) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));
    if (i < n) {
        alignas(32) float buf[8] = {};
        for (int64_t j = i; j < n; ++j) buf[j - i] = x[j];
        _mm256_store_ps(buf, f(_mm256_load_ps(buf)));
        for (int64_t j = i; j < n; ++j) y[j] = buf[j - i];
    }
}

// Functors rather than lambdas: a lambda's function-pointer thunk would not carry the target.
struct Exp8 {
    EMBER_AVX2 __m256 operator()(__m256 v) const { return exp8(v); }
};
struct Sigmoid8 {
    EMBER_AVX2 __m256 operator()(__m256 v) const { return sigmoid8(v); }
};
struct Softplus8 {
    float beta, threshold;
    EMBER_AVX2 __m256 operator()(__m256 v) const { return softplus8(v, beta, threshold); }
};
struct LogSigmoid8 {
    EMBER_AVX2 __m256 operator()(__m256 v) const { return log_sigmoid8(v); }
};

}  // namespace

EMBER_AVX2 void exp_f32_avx2(const float* x, float* y, int64_t n) { map8(x, y, n, Exp8{}); }
EMBER_AVX2 void sigmoid_f32_avx2(const float* x, float* y, int64_t n) { map8(x, y, n, Sigmoid8{}); }
EMBER_AVX2 void softplus_f32_avx2(const float* x, float* y, int64_t n, float beta, float threshold) {
    map8(x, y, n, Softplus8{beta, threshold});
}
EMBER_AVX2 void log_sigmoid_f32_avx2(const float* x, float* y, int64_t n) { map8(x, y, n, LogSigmoid8{}); }

}  // namespace ember::cpu::detail

#endif
