// Goto/BLIS-style CPU GEMM driver: blocking, packing, threading, run-time kernel dispatch.
//
// Loop nest (per call; the micro-kernel computes an MR x NR tile of C over a kc-long slice of K):
//
//   for ic  in M, step MCB           (A chunk; MCB rows of packed A are shared by all threads)
//    for pc in K, step KC            (K slice; C gets the user beta on the first slice, 1 afterwards)
//      pack op(A)[ic:ic+MCB, pc:pc+KC] -> Apack   (all threads cooperate, then barrier)
//      each thread, on its own rectangle (rows x columns) of the chunk:
//        for jc in its columns, step NC
//          pack op(B)[pc:pc+KC, jc:jc+NC] -> Bpack (thread-private, ~L2 sized)
//          for ir in its rows, step MR     (A micro-panel MR x KC stays in L1 across the jr loop)
//            for jr in NC, step NR         (B micro-panels KC x NR stream from L2)
//              micro-kernel
//
// The vectorised dimension of every kernel is N (a row of C is contiguous), so the kernel broadcasts packed A
// and loads packed B. That makes the broadcast operand (A micro-panel, MR*KC elements) the L1-resident one and the
// loaded operand (B block, KC*NC) the L2-resident one -- the same roles BLIS gives its NR/MR operands on SKX.
// Packing pads partial panels with zeros so kernels never need a K/MR/NR tail inside the FMA loop; only the final
// C update of an edge tile is masked. The packing routines handle op() directly (a transposed operand is just the
// other packing routine), so no explicit transpose copy is made.
//
// Threads are laid out as a tm x tn grid over the tiles of C (usually tn = all threads: each thread keeps its own
// B block in its own L2, and packed A is shared). Problems below ~64^3 multiply-adds run on the calling thread.
#include "cpu/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#define EMBER_GEMM_X86 1
#endif

namespace ember::cpu {
namespace detail {
// Micro-kernel signature: C[0:mr, 0:nr] = alpha * (Apanel * Bpanel) + beta * C (beta == 0: C not read).
// pa: kc x MR (MR contiguous values per k), pb: kc x NR (NR contiguous values per k), both zero padded.
template <typename T>
using MicroKernel = void (*)(int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc, T alpha, T beta, int64_t mr,
                             int64_t nr);

#ifdef EMBER_GEMM_X86
// Defined in gemm_avx512.cpp (MR x NR = 14x32 fp32, 14x16 fp64) and gemm_avx2.cpp (6x16 fp32, 6x8 fp64).
// The shapes below must match those files.
void sgemm_ukernel_avx512(int64_t, const float*, const float*, float*, int64_t, float, float, int64_t, int64_t);
void dgemm_ukernel_avx512(int64_t, const double*, const double*, double*, int64_t, double, double, int64_t, int64_t);
void sgemm_ukernel_avx2(int64_t, const float*, const float*, float*, int64_t, float, float, int64_t, int64_t);
void dgemm_ukernel_avx2(int64_t, const double*, const double*, double*, int64_t, double, double, int64_t, int64_t);
// Transposing pack of h <= 16 (fp32) / h <= 8 (fp64) source rows: dst[k*dst_stride + r] = src[r*ld + k].
void pack_strided_f32_avx512(const float* src, int64_t ld, int64_t kc, int64_t h, float* dst, int64_t dst_stride);
void pack_strided_f64_avx512(const double* src, int64_t ld, int64_t kc, int64_t h, double* dst, int64_t dst_stride);
#endif
}  // namespace detail

namespace {

using detail::MicroKernel;

enum class Path : int { Auto = 0, Avx512 = 1, Avx2 = 2, Generic = 3 };
std::atomic<int> g_forced{static_cast<int>(Path::Auto)};

bool cpu_has_avx512() {
#ifdef EMBER_GEMM_X86
    static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    return ok;
#else
    return false;
#endif
}

bool cpu_has_avx2() {
#ifdef EMBER_GEMM_X86
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok;
#else
    return false;
#endif
}

Path active_path() {
    const auto forced = static_cast<Path>(g_forced.load(std::memory_order_relaxed));
    if (forced != Path::Auto) return forced;
    if (cpu_has_avx512()) return Path::Avx512;
    if (cpu_has_avx2()) return Path::Avx2;
    return Path::Generic;
}

// ---------------------------------------------------------------------------------------------------------------
// Portable micro-kernel: plain loops over a small accumulator tile; the compiler vectorises the NR loop with
// whatever the baseline ISA offers (SSE2 on x86-64). 4 x (2 vectors) keeps the tile in 8-12 registers.
template <typename T, int MR, int NR>
void ukernel_generic(int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc, T alpha, T beta, int64_t mr,
                     int64_t nr) {
    T acc[MR][NR] = {};
    for (int64_t k = 0; k < kc; ++k) {
        const T* a = pa + k * MR;
        const T* b = pb + k * NR;
        for (int r = 0; r < MR; ++r)
            for (int j = 0; j < NR; ++j) acc[r][j] += a[r] * b[j];
    }
    for (int64_t r = 0; r < mr; ++r) {
        T* cr = c + r * ldc;
        if (beta == T(0)) {
            for (int64_t j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j];
        } else {
            for (int64_t j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j] + beta * cr[j];
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Packing. Both operands end up as "micro-panels": W consecutive values (W = MR for A, NR for B) per k index.
// pack_contig: the W values of one k are contiguous in the source (A transposed, B not transposed): row copies.
// pack_strided: the W values of one k are ld apart (A not transposed, B transposed): a transpose, which we do in
// 16/8-wide strips with an AVX-512 helper when available (the scalar version costs ~5-10% at n=512).
// Rows/columns beyond w are zero-filled so the kernel can always run the full MR x NR tile.

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

// ---------------------------------------------------------------------------------------------------------------
// Buffers: 64-byte aligned, grown on demand, never shrunk; one set per thread (thread_local), so steady-state
// calls do not allocate.
struct AlignedBuffer {
    void* ptr = nullptr;
    size_t bytes = 0;
    AlignedBuffer() = default;
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    ~AlignedBuffer() { std::free(ptr); }
    void* get(size_t need) {
        if (need > bytes) {
            std::free(ptr);
            bytes = (need + 4095) & ~size_t(4095);
            ptr = std::aligned_alloc(64, bytes);
            if (!ptr) {
                bytes = 0;
                throw std::bad_alloc();
            }
        }
        return ptr;
    }
};

thread_local AlignedBuffer tl_apack;  // one A micro-panel (MR x KC)
thread_local AlignedBuffer tl_bpack;  // private B block of each thread

// Blocking parameters of one kernel configuration (see the per-path tables in gemm_impl()).
struct Blocking {
    int64_t kc;  // K slice: the A micro-panel (MR*KC) must sit in L1 (48 KiB) next to the streamed B micro-panels
    int64_t nc;  // columns of a thread's B block: KC*NC*sizeof(T) should fill ~3/4 of the 2 MiB L2
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Split `total` units into `parts` contiguous ranges as evenly as possible; returns [begin, end) of part p.
inline void split_range(int64_t total, int64_t parts, int64_t p, int64_t& begin, int64_t& end) {
    const int64_t base = total / parts, rem = total % parts;
    begin = p * base + std::min(p, rem);
    end = begin + base + (p < rem ? 1 : 0);
}

template <typename T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
    for (int64_t i = 0; i < M; ++i) {
        T* c = C + i * ldc;
        if (beta == T(0)) {
            for (int64_t j = 0; j < N; ++j) c[j] = T(0);
        } else if (beta != T(1)) {
            for (int64_t j = 0; j < N; ++j) c[j] *= beta;
        }
    }
}

// One thread's share: the C rectangle [m0, m1) x [n0, n1) (m0, n0 multiples of MR, NR), computed completely
// independently of the other threads -- no shared buffers, no barriers. Duplicated packing (every thread packs
// the A rows it needs) costs ~1-2% at n=512, less than the barrier waits it replaces on this noisy 2-core VM.
template <typename T, int MR, int NR>
void gemm_rect(bool transA, bool transB, int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t M, int64_t N,
               int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc,
               MicroKernel<T> kernel, Blocking blk, bool simd_pack) {
    // Balance the K slices and the N blocks (K=512 with KC=384 -> 2 x 256 rather than 384 + 128).
    const int64_t kc_max = ceil_div(K, ceil_div(K, blk.kc));
    const int64_t panels = ceil_div(n1 - n0, NR);
    const int64_t nc_max = ceil_div(panels, ceil_div(panels * NR, blk.nc)) * NR;
    T* bpack = static_cast<T*>(tl_bpack.get(sizeof(T) * static_cast<size_t>(nc_max * kc_max)));
    T* apack = static_cast<T*>(tl_apack.get(sizeof(T) * static_cast<size_t>(MR * kc_max)));

    for (int64_t jc = n0; jc < n1; jc += nc_max) {
        const int64_t nc = std::min(nc_max, n1 - jc);
        const int64_t nb = ceil_div(nc, NR);
        for (int64_t pc = 0; pc < K; pc += kc_max) {
            const int64_t kc = std::min(kc_max, K - pc);
            const T beta_eff = pc == 0 ? beta : T(1);  // later K slices accumulate onto the first one
            for (int64_t q = 0; q < nb; ++q) {
                const int64_t j0 = jc + q * NR, w = std::min<int64_t>(NR, N - j0);
                T* dst = bpack + q * NR * kc;
                if (transB)
                    pack_strided<T, NR>(B + j0 * ldb + pc, ldb, kc, w, dst, simd_pack);
                else
                    pack_contig<T, NR>(B + pc * ldb + j0, ldb, kc, w, dst);
            }
            for (int64_t i0 = m0; i0 < m1; i0 += MR) {
                // The A micro-panel is packed right before its jr sweep, so the kernel finds it in L1.
                const int64_t mr = std::min<int64_t>(MR, M - i0);
                if (transA)
                    pack_contig<T, MR>(A + pc * lda + i0, lda, kc, mr, apack);
                else
                    pack_strided<T, MR>(A + i0 * lda + pc, lda, kc, mr, apack, simd_pack);
                for (int64_t q = 0; q < nb; ++q) {
                    const int64_t j0 = jc + q * NR, nr = std::min<int64_t>(NR, N - j0);
                    kernel(kc, apack, bpack + q * NR * kc, C + i0 * ldc + j0, ldc, alpha, beta_eff, mr, nr);
                }
            }
        }
    }
}

template <typename T, int MR, int NR>
void gemm_blocked(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc, MicroKernel<T> kernel, Blocking blk,
                  bool simd_pack) {
    if (const char* e = std::getenv("EMBER_KC")) blk.kc = std::atol(e);  // TUNING-ONLY
    if (const char* e = std::getenv("EMBER_NC")) blk.nc = std::atol(e);  // TUNING-ONLY
    const int64_t m_panels = ceil_div(M, MR), n_panels = ceil_div(N, NR);
    int nt = 1;
#ifdef _OPENMP
    // Below ~64^3 multiply-adds the fork/join costs more than the second core gains.
    if (static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K) >= 262144.0 && !omp_in_parallel())
        nt = omp_get_max_threads();
#endif
    nt = static_cast<int>(std::min<int64_t>(nt, m_panels * n_panels));
    // Thread grid tm x tn over the tiles of C: the factorisation wasting the fewest tile slots, ties going to a
    // larger tn (splitting N gives every thread a disjoint B block; A is the cheaper operand to pack twice).
    int tm = 1, tn = 1;
    double best = -1.0;
    for (int cand_tn = nt; cand_tn >= 1; --cand_tn) {
        if (nt % cand_tn) continue;
        const int cand_tm = nt / cand_tn;
        const double en = double(n_panels) / double(cand_tn * ceil_div(n_panels, cand_tn));
        const double em = double(m_panels) / double(cand_tm * ceil_div(m_panels, cand_tm));
        if (en * em > best + 1e-9) {
            best = en * em;
            tm = cand_tm;
            tn = cand_tn;
        }
    }
    auto run_part = [&](int tid, int nthreads) {
        const int ptm = nthreads == tm * tn ? tm : 1, ptn = nthreads == tm * tn ? tn : nthreads;
        int64_t p0, p1, q0, q1;
        split_range(m_panels, ptm, tid / ptn, p0, p1);
        split_range(n_panels, ptn, tid % ptn, q0, q1);
        if (p1 <= p0 || q1 <= q0) return;
        gemm_rect<T, MR, NR>(transA, transB, p0 * MR, std::min(M, p1 * MR), q0 * NR, std::min(N, q1 * NR), M, N, K,
                             alpha, A, lda, B, ldb, beta, C, ldc, kernel, blk, simd_pack);
    };
#ifdef _OPENMP
    if (nt > 1) {
        // Exceptions (only std::bad_alloc from the packing buffers) must not escape the parallel region.
        bool failed = false;
#pragma omp parallel num_threads(nt)
        {
            try {
                run_part(omp_get_thread_num(), omp_get_num_threads());
            } catch (...) {
#pragma omp atomic write
                failed = true;
            }
        }
        if (failed) throw std::bad_alloc();
        return;
    }
#endif
    run_part(0, 1);
}

template <typename T>
void gemm_impl(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == T(0)) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    constexpr bool f32 = sizeof(T) == 4;
    switch (active_path()) {
#ifdef EMBER_GEMM_X86
        case Path::Avx512:
            // 14 x (2 zmm): 28 accumulators + 2 B vectors + broadcast = 31 of 32 zmm registers.
            // KC=384: A micro-panel 14*384*4 = 21 KiB (fp32) in L1; B block 384*NC*sizeof(T) ~ 1.5 MiB in L2.
            if constexpr (f32)
                return gemm_blocked<T, 14, 32>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                               detail::sgemm_ukernel_avx512, {512, 768}, true);
            else
                return gemm_blocked<T, 14, 16>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                               detail::dgemm_ukernel_avx512, {256, 768}, true);
        case Path::Avx2:
            // 6 x (2 ymm): 12 accumulators + 2 B vectors + broadcast = 15 of 16 ymm registers.
            if constexpr (f32)
                return gemm_blocked<T, 6, 16>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                              detail::sgemm_ukernel_avx2, {384, 1024}, false);
            else
                return gemm_blocked<T, 6, 8>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                             detail::dgemm_ukernel_avx2, {256, 768}, false);
#endif
        default:
            if constexpr (f32)
                return gemm_blocked<T, 4, 8>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                             ukernel_generic<T, 4, 8>, {256, 1024}, false);
            else
                return gemm_blocked<T, 4, 4>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                             ukernel_generic<T, 4, 4>, {256, 512}, false);
    }
}

}  // namespace

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    gemm_impl<float>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
    gemm_impl<double>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char* gemm_kernel_name() {
    switch (active_path()) {
        case Path::Avx512: return "avx512";
        case Path::Avx2: return "avx2";
        default: return "generic";
    }
}

void gemm_force_kernel(const char* name) {
    Path p = Path::Auto;
    if (name == nullptr) {
        p = Path::Auto;
    } else if (std::strcmp(name, "avx512") == 0) {
        if (!cpu_has_avx512()) throw std::invalid_argument("gemm_force_kernel: CPU lacks AVX-512F/VL/BW/DQ");
        p = Path::Avx512;
    } else if (std::strcmp(name, "avx2") == 0) {
        if (!cpu_has_avx2()) throw std::invalid_argument("gemm_force_kernel: CPU lacks AVX2/FMA");
        p = Path::Avx2;
    } else if (std::strcmp(name, "generic") == 0) {
        p = Path::Generic;
    } else {
        throw std::invalid_argument(std::string("gemm_force_kernel: unknown kernel '") + name + "'");
    }
    g_forced.store(static_cast<int>(p), std::memory_order_relaxed);
}

}  // namespace ember::cpu
