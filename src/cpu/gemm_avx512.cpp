// AVX-512 micro-kernels and transposing pack helpers for src/cpu/gemm.cpp.
//
// Compiled without global -m flags: every function carries a target attribute and is only called after the
// run-time check in gemm.cpp. Nothing here has external template/inline linkage (everything but the four
// entry points is in an anonymous namespace), so no AVX-512 COMDAT copy can replace a baseline one at link time.
//
// Kernel shape fp32: 14 x 32 (MR x NR; a short last micro-panel runs a tile of fewer rows). Per k: 2 aligned zmm loads
// of packed B, 14 broadcasts of packed A, 28 FMAs into 28 zmm accumulators (31 of the 32 zmm registers in use). Two FMA
// ports -> 14 cycles per k, while the 16 loads fit easily in the 2-3 load ports; the broadcast operand is tiny so most
// bandwidth goes to B. fp64 is the same layout with 8-lane vectors: 14 x 16.
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// GCC 12's shuffle/unpack intrinsics pass _mm512_undefined_*() (`__m512 __Y = __Y;`) as the masked-off source,
// which trips a false -Wmaybe-uninitialized once inlined. Silence it for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "cpu/cpu_features.h"

namespace ember::cpu::detail {
namespace {

// Prefetch `bytes` past p. Done in integer arithmetic: near the end of the packed buffer the address lies past the
// allocation (harmless for a prefetch, but forming such a pointer would be UB).
inline void prefetch_ahead(const void* p, uintptr_t bytes) {
    _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(p) + bytes), _MM_HINT_T0);
}

// Store one row (two vectors) of the finished tile: C = alpha*acc + beta*C (C not read when beta == 0).
EMBER_AVX512 inline void store_row_f32(float* c, __m512 a0, __m512 a1, __m512 valpha, __m512 vbeta, bool beta0,
                                       __mmask16 m0, __mmask16 m1, bool full) {
    a0 = _mm512_mul_ps(a0, valpha);
    a1 = _mm512_mul_ps(a1, valpha);
    if (full) {
        if (!beta0) {
            a0 = _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(c), a0);
            a1 = _mm512_fmadd_ps(vbeta, _mm512_loadu_ps(c + 16), a1);
        }
        _mm512_storeu_ps(c, a0);
        _mm512_storeu_ps(c + 16, a1);
    } else {
        if (!beta0) {
            a0 = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m0, c), a0);
            a1 = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(m1, c + 16), a1);
        }
        _mm512_mask_storeu_ps(c, m0, a0);
        _mm512_mask_storeu_ps(c + 16, m1, a1);
    }
}

EMBER_AVX512 inline void store_row_f64(double* c, __m512d a0, __m512d a1, __m512d valpha, __m512d vbeta, bool beta0,
                                       __mmask8 m0, __mmask8 m1, bool full) {
    a0 = _mm512_mul_pd(a0, valpha);
    a1 = _mm512_mul_pd(a1, valpha);
    if (full) {
        if (!beta0) {
            a0 = _mm512_fmadd_pd(vbeta, _mm512_loadu_pd(c), a0);
            a1 = _mm512_fmadd_pd(vbeta, _mm512_loadu_pd(c + 8), a1);
        }
        _mm512_storeu_pd(c, a0);
        _mm512_storeu_pd(c + 8, a1);
    } else {
        if (!beta0) {
            a0 = _mm512_fmadd_pd(vbeta, _mm512_maskz_loadu_pd(m0, c), a0);
            a1 = _mm512_fmadd_pd(vbeta, _mm512_maskz_loadu_pd(m1, c + 8), a1);
        }
        _mm512_mask_storeu_pd(c, m0, a0);
        _mm512_mask_storeu_pd(c + 8, m1, a1);
    }
}

}  // namespace

namespace {
// The fp32 tile with only its first R rows computed (R <= MR = 14; the packed A panel keeps its MR stride). The
// last micro-panel of a short M (M = 100: 7 full panels and one of 2 rows) then costs R/14 of a full one instead of
// a full one on zero padding: for the batch sizes of the models (64, 100, 128) that padding is 9-12% of the work.
template <int R>
EMBER_AVX512 inline void sgemm_tile_avx512(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc,
                                           float alpha, float beta, int64_t mr, int64_t nr) {
    constexpr int MR = 14;
    __m512 c0[R], c1[R];
#pragma GCC unroll 14
    for (int r = 0; r < R; ++r) {
        c0[r] = _mm512_setzero_ps();
        c1[r] = _mm512_setzero_ps();
    }
    // The C tile is only touched after the K loop; start pulling its rows (2 lines each) in now.
    for (int64_t r = 0; r < mr; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + nr - 1), _MM_HINT_T0);
    }
    // Unrolled 4x (loop overhead off the FMA ports); the prefetch runs 8 k-steps (1 KiB) ahead in the B stream,
    // which comes from L2.
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
        prefetch_ahead(pb, 1024);
        prefetch_ahead(pb, 1024 + 64);
        const __m512 b0 = _mm512_load_ps(pb);
        const __m512 b1 = _mm512_load_ps(pb + 16);
#pragma GCC unroll 14
        for (int r = 0; r < R; ++r) {
            const __m512 a = _mm512_set1_ps(pa[r]);
            c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
        }
        pa += MR;
        pb += 32;
    }
    const __m512 valpha = _mm512_set1_ps(alpha), vbeta = _mm512_set1_ps(beta);
    const bool beta0 = beta == 0.0f, full = nr == 32;
    const __mmask16 m0 = nr >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << nr) - 1u);
    const __mmask16 m1 = nr >= 32 ? __mmask16(0xFFFF) : nr > 16 ? __mmask16((1u << (nr - 16)) - 1u) : __mmask16(0);
#pragma GCC unroll 14
    for (int r = 0; r < R; ++r)
        if (r < mr) store_row_f32(c + r * ldc, c0[r], c1[r], valpha, vbeta, beta0, m0, m1, full);
}
}  // namespace

EMBER_AVX512 void sgemm_ukernel_avx512(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, float alpha,
                                       float beta, int64_t mr, int64_t nr) {
    // Rows computed: mr rounded up to even (7 instantiations rather than 14).
    switch ((mr + 1) / 2) {
        case 1: return sgemm_tile_avx512<2>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
        case 2: return sgemm_tile_avx512<4>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
        case 3: return sgemm_tile_avx512<6>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
        case 4: return sgemm_tile_avx512<8>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
        case 5: return sgemm_tile_avx512<10>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
        case 6: return sgemm_tile_avx512<12>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
        default: return sgemm_tile_avx512<14>(kc, pa, pb, c, ldc, alpha, beta, mr, nr);
    }
}

EMBER_AVX512 void dgemm_ukernel_avx512(int64_t kc, const double* pa, const double* pb, double* c, int64_t ldc,
                                       double alpha, double beta, int64_t mr, int64_t nr) {
    constexpr int MR = 14;
    __m512d c0[MR], c1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r) {
        c0[r] = _mm512_setzero_pd();
        c1[r] = _mm512_setzero_pd();
    }
    for (int64_t r = 0; r < mr; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + nr - 1), _MM_HINT_T0);
    }
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
        prefetch_ahead(pb, 1024);
        prefetch_ahead(pb, 1024 + 64);
        const __m512d b0 = _mm512_load_pd(pb);
        const __m512d b1 = _mm512_load_pd(pb + 8);
#pragma GCC unroll 14
        for (int r = 0; r < MR; ++r) {
            const __m512d a = _mm512_set1_pd(pa[r]);
            c0[r] = _mm512_fmadd_pd(a, b0, c0[r]);
            c1[r] = _mm512_fmadd_pd(a, b1, c1[r]);
        }
        pa += MR;
        pb += 16;
    }
    const __m512d valpha = _mm512_set1_pd(alpha), vbeta = _mm512_set1_pd(beta);
    const bool beta0 = beta == 0.0, full = nr == 16;
    const __mmask8 m0 = nr >= 8 ? __mmask8(0xFF) : __mmask8((1u << nr) - 1u);
    const __mmask8 m1 = nr >= 16 ? __mmask8(0xFF) : nr > 8 ? __mmask8((1u << (nr - 8)) - 1u) : __mmask8(0);
#pragma GCC unroll 14
    for (int r = 0; r < MR; ++r)
        if (r < mr) store_row_f64(c + r * ldc, c0[r], c1[r], valpha, vbeta, beta0, m0, m1, full);
}

// dst[k*stride + r] = src[r*ld + k] for r < h (h <= 16), k < kc: 16x16 in-register transposes. Source rows past h
// are never read (zero vectors stand in), K tails use masked loads, so nothing outside the operand is touched.
EMBER_AVX512 void pack_strided_f32_avx512(const float* src, int64_t ld, int64_t kc, int64_t h, float* dst,
                                          int64_t stride) {
    const __mmask16 hmask = h >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << h) - 1u);
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
        const int64_t kb = kc - k0 < 16 ? kc - k0 : 16;
        const __mmask16 kmask = kb >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << kb) - 1u);
        __m512 r[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i)
            r[i] = i < h ? _mm512_maskz_loadu_ps(kmask, src + i * ld + k0) : _mm512_setzero_ps();
        __m512 t[16], u[16];
#pragma GCC unroll 8
        for (int i = 0; i < 8; ++i) {
            t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
        }
        // u[4g + e]: rows 4g..4g+3 of column 4L+e in 128-bit lane L.
#pragma GCC unroll 4
        for (int g = 0; g < 4; ++g) {
            u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
            u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
            u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
            u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
        }
        __m512 col[16];
#pragma GCC unroll 4
        for (int e = 0; e < 4; ++e) {
            const __m512 v0 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88);
            const __m512 v1 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD);
            const __m512 v2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88);
            const __m512 v3 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
            col[e] = _mm512_shuffle_f32x4(v0, v2, 0x88);
            col[8 + e] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
            col[4 + e] = _mm512_shuffle_f32x4(v1, v3, 0x88);
            col[12 + e] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
        }
        for (int64_t i = 0; i < kb; ++i) _mm512_mask_storeu_ps(dst + (k0 + i) * stride, hmask, col[i]);
    }
}

EMBER_AVX512 void pack_strided_f64_avx512(const double* src, int64_t ld, int64_t kc, int64_t h, double* dst,
                                          int64_t stride) {
    const __mmask8 hmask = h >= 8 ? __mmask8(0xFF) : __mmask8((1u << h) - 1u);
    for (int64_t k0 = 0; k0 < kc; k0 += 8) {
        const int64_t kb = kc - k0 < 8 ? kc - k0 : 8;
        const __mmask8 kmask = kb >= 8 ? __mmask8(0xFF) : __mmask8((1u << kb) - 1u);
        __m512d r[8];
#pragma GCC unroll 8
        for (int i = 0; i < 8; ++i)
            r[i] = i < h ? _mm512_maskz_loadu_pd(kmask, src + i * ld + k0) : _mm512_setzero_pd();
        __m512d t[8];
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) {
            t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);      // rows 2i,2i+1 of column 2L in lane L
            t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);  // ... of column 2L+1
        }
        const __m512d u0 = _mm512_shuffle_f64x2(t[0], t[2], 0x88), u1 = _mm512_shuffle_f64x2(t[0], t[2], 0xDD);
        const __m512d u2 = _mm512_shuffle_f64x2(t[1], t[3], 0x88), u3 = _mm512_shuffle_f64x2(t[1], t[3], 0xDD);
        const __m512d u4 = _mm512_shuffle_f64x2(t[4], t[6], 0x88), u5 = _mm512_shuffle_f64x2(t[4], t[6], 0xDD);
        const __m512d u6 = _mm512_shuffle_f64x2(t[5], t[7], 0x88), u7 = _mm512_shuffle_f64x2(t[5], t[7], 0xDD);
        __m512d col[8];
        col[0] = _mm512_shuffle_f64x2(u0, u4, 0x88);
        col[4] = _mm512_shuffle_f64x2(u0, u4, 0xDD);
        col[2] = _mm512_shuffle_f64x2(u1, u5, 0x88);
        col[6] = _mm512_shuffle_f64x2(u1, u5, 0xDD);
        col[1] = _mm512_shuffle_f64x2(u2, u6, 0x88);
        col[5] = _mm512_shuffle_f64x2(u2, u6, 0xDD);
        col[3] = _mm512_shuffle_f64x2(u3, u7, 0x88);
        col[7] = _mm512_shuffle_f64x2(u3, u7, 0xDD);
        for (int64_t i = 0; i < kb; ++i) _mm512_mask_storeu_pd(dst + (k0 + i) * stride, hmask, col[i]);
    }
}

}  // namespace ember::cpu::detail

#endif  // x86
