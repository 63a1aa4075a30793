// AVX2/FMA micro-kernels for src/cpu/gemm.cpp (used on CPUs without AVX-512, or when forced).
//
// Shape fp32: 6 x 16 (MR x NR): 12 ymm accumulators + 2 B vectors + 1 broadcast = 15 of the 16 ymm registers;
// per k: 2 loads + 6 broadcasts for 12 FMAs. fp64: 6 x 8, same register layout with 4-lane vectors.
// Edge tiles (mr < 6 or nr < NR) go through a small stack tile so no element outside C is touched.
// Compiled without global -m flags; see gemm_avx512.cpp for the linkage rules.
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "cpu/cpu_features.h"

namespace ember::cpu::detail {
namespace {

// Edge tile: `tile` already holds alpha * (A*B); add beta * C for the mr x nr valid part only.
template <typename T>
EMBER_AVX2 inline void update_edge(const T* tile, int64_t ldt, T* c, int64_t ldc, T beta, int64_t mr, int64_t nr) {
    for (int64_t r = 0; r < mr; ++r)
        for (int64_t j = 0; j < nr; ++j) {
            const T v = tile[r * ldt + j];
            c[r * ldc + j] = beta == T(0) ? v : v + beta * c[r * ldc + j];
        }
}

}  // namespace

// The six accumulator rows are spelled out as named variables: with `__m256 c0[6], c1[6]` GCC 12 (-O2) keeps one
// accumulator in memory inside the K loop even though two ymm registers are free.
#define EMBER_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

EMBER_AVX2 void sgemm_ukernel_avx2(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, float alpha,
                                   float beta, int64_t mr, int64_t nr) {
    constexpr int MR = 6, NR = 16;
#define EMBER_DECL(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
    EMBER_ROWS(EMBER_DECL)
#undef EMBER_DECL
    for (int64_t k = 0; k < kc; ++k) {
        const __m256 b0 = _mm256_load_ps(pb);
        const __m256 b1 = _mm256_load_ps(pb + 8);
#define EMBER_FMA(r)                                  \
    {                                                 \
        const __m256 a = _mm256_broadcast_ss(pa + r); \
        c##r##0 = _mm256_fmadd_ps(a, b0, c##r##0);    \
        c##r##1 = _mm256_fmadd_ps(a, b1, c##r##1);    \
    }
        EMBER_ROWS(EMBER_FMA)
#undef EMBER_FMA
        pa += MR;
        pb += NR;
    }
    const __m256 valpha = _mm256_set1_ps(alpha), vbeta = _mm256_set1_ps(beta);
    alignas(32) float tile[MR * NR];
    const bool full = mr == MR && nr == NR;
#define EMBER_STORE(r)                                                                   \
    {                                                                                    \
        __m256 v0 = _mm256_mul_ps(c##r##0, valpha), v1 = _mm256_mul_ps(c##r##1, valpha); \
        if (full) {                                                                      \
            float* cr = c + r * ldc;                                                     \
            if (beta != 0.0f) {                                                          \
                v0 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(cr), v0);                    \
                v1 = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(cr + 8), v1);                \
            }                                                                            \
            _mm256_storeu_ps(cr, v0);                                                    \
            _mm256_storeu_ps(cr + 8, v1);                                                \
        } else {                                                                         \
            _mm256_store_ps(tile + r * NR, v0);                                          \
            _mm256_store_ps(tile + r * NR + 8, v1);                                      \
        }                                                                                \
    }
    EMBER_ROWS(EMBER_STORE)
#undef EMBER_STORE
    if (!full) update_edge(tile, NR, c, ldc, beta, mr, nr);
}

EMBER_AVX2 void dgemm_ukernel_avx2(int64_t kc, const double* pa, const double* pb, double* c, int64_t ldc, double alpha,
                                   double beta, int64_t mr, int64_t nr) {
    constexpr int MR = 6, NR = 8;
#define EMBER_DECL(r) __m256d c##r##0 = _mm256_setzero_pd(), c##r##1 = _mm256_setzero_pd();
    EMBER_ROWS(EMBER_DECL)
#undef EMBER_DECL
    for (int64_t k = 0; k < kc; ++k) {
        const __m256d b0 = _mm256_load_pd(pb);
        const __m256d b1 = _mm256_load_pd(pb + 4);
#define EMBER_FMA(r)                                   \
    {                                                  \
        const __m256d a = _mm256_broadcast_sd(pa + r); \
        c##r##0 = _mm256_fmadd_pd(a, b0, c##r##0);     \
        c##r##1 = _mm256_fmadd_pd(a, b1, c##r##1);     \
    }
        EMBER_ROWS(EMBER_FMA)
#undef EMBER_FMA
        pa += MR;
        pb += NR;
    }
    const __m256d valpha = _mm256_set1_pd(alpha), vbeta = _mm256_set1_pd(beta);
    alignas(32) double tile[MR * NR];
    const bool full = mr == MR && nr == NR;
#define EMBER_STORE(r)                                                                    \
    {                                                                                     \
        __m256d v0 = _mm256_mul_pd(c##r##0, valpha), v1 = _mm256_mul_pd(c##r##1, valpha); \
        if (full) {                                                                       \
            double* cr = c + r * ldc;                                                     \
            if (beta != 0.0) {                                                            \
                v0 = _mm256_fmadd_pd(vbeta, _mm256_loadu_pd(cr), v0);                     \
                v1 = _mm256_fmadd_pd(vbeta, _mm256_loadu_pd(cr + 4), v1);                 \
            }                                                                             \
            _mm256_storeu_pd(cr, v0);                                                     \
            _mm256_storeu_pd(cr + 4, v1);                                                 \
        } else {                                                                          \
            _mm256_store_pd(tile + r * NR, v0);                                           \
            _mm256_store_pd(tile + r * NR + 4, v1);                                       \
        }                                                                                 \
    }
    EMBER_ROWS(EMBER_STORE)
#undef EMBER_STORE
    if (!full) update_edge(tile, NR, c, ldc, beta, mr, nr);
}

#undef EMBER_ROWS

}  // namespace ember::cpu::detail

#endif  // x86
