#pragma once
// Packing for the CPU GEMM driver (gemm.cpp): copies a block of op(A) or op(B) into the micro-panel layout the
// micro-kernels read. Both operands end up as "micro-panels": W consecutive values (W = MR for A, NR for B) per k.
// pack_contig: the W values of one k are contiguous in the source (A transposed, B not transposed): row copies.
// pack_strided: the W values of one k are ld apart (A not transposed, B transposed): a transpose, which we do in
// 16/8-row strips with in-register AVX-512 transposes when available (several times faster than the scalar loop).
// Rows/columns beyond w are zero-filled so the kernel can always run the full MR x NR tile.
#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#define EMBER_GEMM_X86 1
#endif

namespace ember::cpu::detail {

#ifdef EMBER_GEMM_X86
// Defined in gemm_avx512.cpp. Transposing pack of h <= 16 (fp32) / h <= 8 (fp64) source rows:
// dst[k*dst_stride + r] = src[r*ld + k].
void pack_strided_f32_avx512(const float* src, int64_t ld, int64_t kc, int64_t h, float* dst, int64_t dst_stride);
void pack_strided_f64_avx512(const double* src, int64_t ld, int64_t kc, int64_t h, double* dst, int64_t dst_stride);
#endif

template <typename T, int W>
void pack_contig(const T* src, int64_t ld, int64_t kc, int64_t w, T* dst) {
    if (w == W) {
        for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * W, src + k * ld, sizeof(T) * W);
    } else {
        for (int64_t k = 0; k < kc; ++k) {
            std::memcpy(dst + k * W, src + k * ld, sizeof(T) * static_cast<size_t>(w));
            for (int64_t j = w; j < W; ++j) dst[k * W + j] = T(0);
        }
    }
}

template <typename T>
void pack_strided_scalar(const T* src, int64_t ld, int64_t kc, int64_t w, T* dst, int64_t W) {
    // Read along k (contiguous), write with stride W; blocked over k so the w source rows stay in L1.
    constexpr int64_t KB = 64;
    for (int64_t k0 = 0; k0 < kc; k0 += KB) {
        const int64_t k1 = std::min(kc, k0 + KB);
        for (int64_t r = 0; r < w; ++r) {
            const T* s = src + r * ld;
            for (int64_t k = k0; k < k1; ++k) dst[k * W + r] = s[k];
        }
    }
}

template <typename T, int W>
void pack_strided(const T* src, int64_t ld, int64_t kc, int64_t w, T* dst, bool simd) {
    int64_t r = 0;
#ifdef EMBER_GEMM_X86
    if (simd) {
        constexpr int64_t S = sizeof(T) == 4 ? 16 : 8;  // strip height of the AVX-512 transposer
        for (; r < w; r += S) {
            const int64_t h = std::min(S, w - r);
            if constexpr (sizeof(T) == 4)
                detail::pack_strided_f32_avx512(src + r * ld, ld, kc, h, dst + r, W);
            else
                detail::pack_strided_f64_avx512(src + r * ld, ld, kc, h, dst + r, W);
        }
    }
#else
    (void)simd;
#endif
    if (r < w) pack_strided_scalar(src + r * ld, ld, kc, w - r, dst + r, W);
    for (int64_t k = 0; k < kc; ++k)
        for (int64_t j = w; j < W; ++j) dst[k * W + j] = T(0);
}

}  // namespace ember::cpu::detail
