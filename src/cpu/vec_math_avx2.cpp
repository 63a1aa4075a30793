// AVX2/FMA versions of the cpu/vec_math.h kernels (8 lanes), for CPUs without AVX-512: the
// functions of kernels/float_math.h, operation for operation, so each lane returns the bits the
// scalar path and the CUDA kernels return. Compiled without global -m flags (see gemm_avx2.cpp).
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "cpu/cpu_features.h"
#include "kernels/float_math.h"

namespace ember::cpu::detail {
namespace {

namespace c = ember::kernels::float_math::c;

EMBER_AVX2 inline __m256 set1(float v) { return _mm256_set1_ps(v); }
EMBER_AVX2 inline __m256i set1i(uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }

// 2^k for integer k in [-126, 127] as a float.
EMBER_AVX2 inline __m256 pow2i(__m256i k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

// float_math::exp, line for line.
EMBER_AVX2 inline __m256 exp8(__m256 x) {
    // max/min return their second operand when either is NaN: a NaN x passes through.
    x = _mm256_max_ps(set1(c::kExpLo), x);
    x = _mm256_min_ps(set1(c::kExpHi), x);
    const __m256 t = _mm256_fmadd_ps(x, set1(c::kLog2e), set1(c::kRound));
    const __m256 n = _mm256_sub_ps(t, set1(c::kRound));
    const __m256i ni = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(set1(c::kRound)));
    const __m256i n1 = _mm256_srai_epi32(ni, 1);
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256 r = _mm256_fnmadd_ps(n, set1(c::kLn2Hi), x);
    r = _mm256_fnmadd_ps(n, set1(c::kLn2Lo), r);
    __m256 p = set1(c::kExpP0);
    p = _mm256_fmadd_ps(p, r, set1(c::kExpP1));
    p = _mm256_fmadd_ps(p, r, set1(c::kExpP2));
    p = _mm256_fmadd_ps(p, r, set1(c::kExpP3));
    p = _mm256_fmadd_ps(p, r, set1(c::kExpP4));
    p = _mm256_fmadd_ps(p, r, set1(c::kExpP5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, set1(1.0f)));
    return _mm256_fmadd_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(n2), _mm256_setzero_ps());
}

// float_math::log1p_unit, line for line.
EMBER_AVX2 inline __m256 log1p8(__m256 y) {
    const __m256 one = set1(1.0f);
    const __m256 u = _mm256_add_ps(y, one);
    const __m256 corr = _mm256_div_ps(_mm256_sub_ps(y, _mm256_sub_ps(u, one)), u);
    const __m256i ub = _mm256_castps_si256(u);
    const __m256i mant = _mm256_and_si256(ub, set1i(c::kMantissa));
    const __m256i big = _mm256_cmpgt_epi32(mant, set1i(c::kSqrt2Mantissa));  // all ones where big
    const __m256 m =
        _mm256_castsi256_ps(_mm256_or_si256(mant, _mm256_blendv_epi8(set1i(c::kOne), set1i(c::kHalf), big)));
    // e = exponent - 127 + big (big is -1 where set).
    const __m256 e =
        _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_sub_epi32(_mm256_srli_epi32(ub, 23), _mm256_set1_epi32(127)), big));
    const __m256 f = _mm256_sub_ps(m, one);
    const __m256 z = _mm256_mul_ps(f, f);
    __m256 p = set1(c::kLogP0);
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP1));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP2));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP3));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP4));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP5));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP6));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP7));
    p = _mm256_fmadd_ps(p, f, set1(c::kLogP8));
    p = _mm256_mul_ps(_mm256_mul_ps(p, f), z);
    p = _mm256_fmadd_ps(e, set1(c::kLn2Lo), p);
    p = _mm256_fnmadd_ps(z, set1(0.5f), p);
    const __m256 r = _mm256_add_ps(f, _mm256_add_ps(p, corr));
    return _mm256_fmadd_ps(e, set1(c::kLn2Hi), r);
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
    const __m256 r = _mm256_div_ps(_mm256_add_ps(m, log1p8(exp8(neg_abs(z)))), set1(beta));
    return _mm256_blendv_ps(r, x, _mm256_cmp_ps(z, set1(threshold), _CMP_GT_OQ));
}

EMBER_AVX2 inline __m256 log_sigmoid8(__m256 x) {
    const __m256 m = _mm256_min_ps(x, _mm256_setzero_ps());
    return _mm256_sub_ps(m, log1p8(exp8(neg_abs(x))));
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
