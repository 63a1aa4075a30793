// Philox 4x32-10 for 16 counter groups at once (AVX-512), producing exactly the uniform floats of
// kernels/philox.h (the stream layout contract: group g of stream (seed, offset) has counter
// {lo32(offset + g), hi32(offset + g), 0, 0}; element 4 g + k is U24(word k)), so the fused
// sampling ops need not run the scalar generator per group. Called only after the run-time
// AVX-512 check (cpu/vec_math.cpp); compiled without global -m flags (see gemm_avx512.cpp).
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "kernels/philox.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "cpu/cpu_features.h"

namespace ember::cpu::detail {
namespace {

// hi and lo 32 bits of the 32x32 -> 64 products a * m, lane by lane (m a broadcast constant).
EMBER_AVX512 inline void mulhilo(__m512i a, __m512i m, __m512i& hi, __m512i& lo) {
    const __m512i even = _mm512_mul_epu32(a, m);                        // products of lanes 0, 2, ...
    const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);  // products of lanes 1, 3, ...
    lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
    hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

EMBER_AVX512 inline __m512 u24(__m512i w) {
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w, 8)), _mm512_set1_ps(0x1p-24f));
}

}  // namespace

// u[4 j + k] = uniform float of word k of group g0 + j, j < 16.
EMBER_AVX512 void philox_uniform64_avx512(uint64_t seed, uint64_t offset, uint64_t g0, float* u) {
    // Counters offset + g0 + j in 64-bit arithmetic (wrapping), split into their 32-bit halves.
    const __m512i base = _mm512_set1_epi64(static_cast<long long>(offset + g0));
    const __m512i c_lo = _mm512_add_epi64(base, _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    const __m512i c_hi = _mm512_add_epi64(base, _mm512_setr_epi64(8, 9, 10, 11, 12, 13, 14, 15));
    __m512i x0 =
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(c_lo)), _mm512_cvtepi64_epi32(c_hi), 1);
    __m512i x1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(_mm512_srli_epi64(c_lo, 32))),
                                    _mm512_cvtepi64_epi32(_mm512_srli_epi64(c_hi, 32)), 1);
    __m512i x2 = _mm512_setzero_si512(), x3 = _mm512_setzero_si512();
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    const __m512i m0 = _mm512_set1_epi32(static_cast<int>(random::detail::kPhiloxM0));
    const __m512i m1 = _mm512_set1_epi32(static_cast<int>(random::detail::kPhiloxM1));
    for (int r = 0; r < 10; ++r) {
        if (r > 0) {
            k0 += random::detail::kPhiloxW0;
            k1 += random::detail::kPhiloxW1;
        }
        __m512i hi0, lo0, hi1, lo1;
        mulhilo(x0, m0, hi0, lo0);
        mulhilo(x2, m1, hi1, lo1);
        const __m512i y0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32(static_cast<int>(k0)));
        const __m512i y2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32(static_cast<int>(k1)));
        x0 = y0;
        x1 = lo1;
        x2 = y2;
        x3 = lo0;
    }
    // Lane j holds group g0 + j; memory wants its four words together: a 4 x 16 transpose.
    const __m512 w0 = u24(x0), w1 = u24(x1), w2 = u24(x2), w3 = u24(x3);
    const __m512 t0 = _mm512_unpacklo_ps(w0, w1), t1 = _mm512_unpackhi_ps(w0, w1);
    const __m512 t2 = _mm512_unpacklo_ps(w2, w3), t3 = _mm512_unpackhi_ps(w2, w3);
    // In each 128-bit lane L, s_m now holds the four words of group 4 L + m.
    const __m512 s0 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
    const __m512 s1 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
    const __m512 s2 = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
    const __m512 s3 = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
    const __m512 a = _mm512_shuffle_f32x4(s0, s1, 0x44), b = _mm512_shuffle_f32x4(s2, s3, 0x44);
    const __m512 c = _mm512_shuffle_f32x4(s0, s1, 0xEE), d = _mm512_shuffle_f32x4(s2, s3, 0xEE);
    _mm512_storeu_ps(u, _mm512_shuffle_f32x4(a, b, 0x88));
    _mm512_storeu_ps(u + 16, _mm512_shuffle_f32x4(a, b, 0xDD));
    _mm512_storeu_ps(u + 32, _mm512_shuffle_f32x4(c, d, 0x88));
    _mm512_storeu_ps(u + 48, _mm512_shuffle_f32x4(c, d, 0xDD));
}

}  // namespace ember::cpu::detail

#endif
