// Goto/BLIS-style CPU GEMM driver: blocking, packing, threading, run-time kernel dispatch.
//
// Loop nest (the micro-kernel computes an MR x NR tile of C over a kc-long slice of K):
//
//   for jc in N, step NC                          \  one "step" per (jc, pc) pair
//     for pc in K, step KC                         /  (C gets the user beta on pc == 0, 1 afterwards)
//       pack op(B)[pc:pc+KC, jc:jc+NC] -> Bpack    all threads, NR-wide panels handed out dynamically; barrier
//       for each work item (ir, column group)      handed out dynamically, no barrier afterwards
//         pack op(A)[ir:ir+MR, pc:pc+KC] -> Apanel (thread-private, on the stack: stays in L1)
//         for jr in the group, step NR            (B micro-panels KC x NR stream from L2)
//           micro-kernel
//
// The vectorised dimension of every kernel is N (a row of C is contiguous), so the kernel broadcasts packed A
// and loads packed B. That makes the broadcast operand (A micro-panel, MR*KC elements) the L1-resident one and the
// loaded operand (B block, KC*NC) the L2-resident one -- the roles BLIS gives its NR/MR operands on Skylake-X.
// Blocking (AVX-512 fp32: KC=384, NC=768): A micro-panel 14*384*4 = 21 KiB of the 48 KiB L1d, B block
// 384*768*4 = 1.1 MiB of the 2 MiB L2 (not larger: L2 also has to hold the A/C traffic).
// fp64 halves KC so the byte sizes stay the same. MC does not exist as such: every A micro-panel is packed just
// before its sweep over the B block and reused from L1 across NC/NR kernel calls.
//
// Packing pads partial panels with zeros so kernels never need an MR/NR tail inside the FMA loop; only the final
// C update of an edge tile is masked. The packing routines handle op() directly (a transposed operand is just the
// other packing routine), so no explicit transpose copy is made.
//
// Threading: the B block is shared (each core pulls a copy into its own L2) and double-buffered, so there is one
// barrier per step; A micro-panels are claimed dynamically, which absorbs a host that steals cycles from one core
// at a time (static halves would finish at different times). Problems below ~64^3 multiply-adds stay on the
// calling thread. The exception is a short A (M <= kColumnSplitRows, the mini-batch products of the RBM and the
// MLPs): there each thread owns a fixed, private share of every B block's columns (run_columns) with no barrier
// at all. With few A micro-panels the dynamic scheme leaves items of unequal count per thread and makes each core
// read the B panels the other one packed. The measurements behind both choices: docs/decisions.md.
#include "cpu/gemm.h"
#include "cpu/cpu_features.h"
#include "cpu/gemm_pack.h"

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
#endif
}  // namespace detail

namespace {

using detail::MicroKernel;
using detail::pack_contig;
using detail::pack_strided;

enum class Path : int { Auto = 0, Avx512 = 1, Avx2 = 2, Generic = 3 };
std::atomic<int> g_forced{static_cast<int>(Path::Auto)};

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
void ukernel_generic(int64_t kc, const T* pa, const T* pb, T* c, int64_t ldc, T alpha, T beta, int64_t mr, int64_t nr) {
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

thread_local AlignedBuffer tl_bpack;  // the packed B blocks, owned by the calling thread and shared with the team

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Up to this many rows of A (rounded up to MR), threads split the columns of C instead (run_columns).
constexpr int64_t kColumnSplitRows = 256;

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

// State of one call. Steps s = (jc, pc) in order; per step:
//   all threads pack the KC x NC B block into bbuf[s % 2] (panels handed out dynamically), barrier;
//   work items (A micro-panel p, column group g) are handed out dynamically: pack A panel p (L1), sweep group g.
// The compute loop has no barrier after it: the next step packs into the other B buffer, and the barrier after
// that packing proves everyone has left the previous step. One barrier per step, and a thread slowed down by
// the host only delays the others by at most one work item.
template <typename T, int MR, int NR, int KC>
struct GemmCall {
    bool transA, transB;
    int64_t M, N, K;
    T alpha, beta;
    const T* A;
    int64_t lda;
    const T* B;
    int64_t ldb;
    T* C;
    int64_t ldc;
    MicroKernel<T> kernel;
    bool simd_pack;          // use the AVX-512 transposer for strided packing
    int64_t kc_max, nc_max;  // balanced block sizes (<= KC, NC)
    int64_t n_pc, n_steps;   // K slices, (jc, pc) steps
    int64_t m_panels;        // MR-row micro-panels of A
    int64_t groups;          // column groups per B block (> 1 only when M is too short to feed all threads)
    T* bbuf[2];              // double-buffered packed B block (run_columns: bbuf[0] holds the private shares)
    int64_t shares;          // run_columns: column shares per block, and
    int64_t share_elems;     //   the elements each share's region of bbuf[0] holds

    // Packs B micro-panel q of step s to dst.
    void pack_b_panel(int64_t s, int64_t q, T* dst) const {
        const int64_t jc = (s / n_pc) * nc_max, pc = (s % n_pc) * kc_max;
        const int64_t kc = std::min(kc_max, K - pc), j0 = jc + q * NR, w = std::min<int64_t>(NR, N - j0);
        if (transB)
            pack_strided<T, NR>(B + j0 * ldb + pc, ldb, kc, w, dst, simd_pack);
        else
            pack_contig<T, NR>(B + pc * ldb + j0, ldb, kc, w, dst);
    }
    int64_t b_panels(int64_t s) const { return ceil_div(std::min(nc_max, N - (s / n_pc) * nc_max), NR); }

    int64_t kc_of(int64_t s) const { return std::min(kc_max, K - (s % n_pc) * kc_max); }
    // Where the shared block of step s keeps micro-panel q (run<true>, run<false>).
    T* shared_panel(int64_t s, int64_t q) const { return bbuf[s & 1] + q * NR * kc_of(s); }

    void compute_item(int64_t s, int64_t item, T* apanel) const {
        const int64_t p = item / groups, g = item % groups;
        int64_t q0, q1;
        split_range(b_panels(s), groups, g, q0, q1);
        if (q1 > q0) compute_panels(s, p, q0, q1, shared_panel(s, q0), apanel);
    }

    // A micro-panel p of step s against the B micro-panels [q0, q1) of the step's block, packed one after the
    // other from bp.
    void compute_panels(int64_t s, int64_t p, int64_t q0, int64_t q1, const T* bp, T* apanel) const {
        const int64_t jc = (s / n_pc) * nc_max, pc = (s % n_pc) * kc_max;
        const int64_t kc = std::min(kc_max, K - pc);
        const int64_t i0 = p * MR, mr = std::min<int64_t>(MR, M - i0);
        if (transA)
            pack_contig<T, MR>(A + pc * lda + i0, lda, kc, mr, apanel);
        else
            pack_strided<T, MR>(A + i0 * lda + pc, lda, kc, mr, apanel, simd_pack);
        const T beta_eff = pc == 0 ? beta : T(1);  // later K slices accumulate onto the first one
        for (int64_t q = q0; q < q1; ++q) {
            const int64_t j0 = jc + q * NR, nr = std::min<int64_t>(NR, N - j0);
            kernel(kc, apanel, bp + (q - q0) * NR * kc, C + i0 * ldc + j0, ldc, alpha, beta_eff, mr, nr);
        }
    }

    // Short A (few micro-panels, as in mini-batch products): thread t of nt owns a fixed share of the
    // micro-panels of every B block, packs them itself and runs every A micro-panel against them. Its
    // share stays in its own L2 (in run() a thread reads the panels the other threads packed), the
    // shares are balanced to one micro-panel (in run() the short M leaves items of unequal count),
    // and nothing is shared, so no thread ever waits for another.
    // The block's micro-panels are split into `shares` ranges, each packed into its own region of bbuf[0]
    // (share_elems apart); thread t of a team of `team` takes shares t, t + team, ... (one each when the runtime
    // gives all the threads asked for).
    void run_columns(int t, int team) const {
        alignas(64) T apanel[MR * KC];
        for (int64_t s = 0; s < n_steps; ++s) {
            const int64_t kc = kc_of(s);
            for (int64_t v = t; v < shares; v += team) {
                int64_t q0, q1;
                split_range(b_panels(s), shares, v, q0, q1);
                if (q1 <= q0) continue;
                T* mine = bbuf[0] + v * share_elems;
                for (int64_t q = q0; q < q1; ++q) pack_b_panel(s, q, mine + (q - q0) * NR * kc);
                for (int64_t p = 0; p < m_panels; ++p) compute_panels(s, p, q0, q1, mine, apanel);
            }
        }
    }

    template <bool Par>
    void run() const {
        alignas(64) T apanel[MR * KC];  // this thread's A micro-panel, L1 resident
        const int64_t items = m_panels * groups;
        for (int64_t s = 0; s < n_steps; ++s) {
            const int64_t nb = b_panels(s);
            if constexpr (Par) {
#ifdef _OPENMP
#pragma omp for schedule(dynamic) nowait
#endif
                for (int64_t q = 0; q < nb; ++q) pack_b_panel(s, q, shared_panel(s, q));
#ifdef _OPENMP
#pragma omp barrier
#pragma omp for schedule(dynamic) nowait
#endif
                for (int64_t it = 0; it < items; ++it) compute_item(s, it, apanel);
            } else {
                for (int64_t q = 0; q < nb; ++q) pack_b_panel(s, q, shared_panel(s, q));
                for (int64_t it = 0; it < items; ++it) compute_item(s, it, apanel);
            }
        }
    }
};

// MR x NR: micro-kernel tile. KC: K slice, sized so the A micro-panel (MR*KC) sits in L1 (48 KiB) next to the
// streamed B micro-panels. NC: B block width, KC*NC*sizeof(T) ~ 1.1 MiB of the 2 MiB L2.
template <typename T, int MR, int NR, int KC, int NC>
void gemm_blocked(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc, MicroKernel<T> kernel, bool simd_pack) {
    GemmCall<T, MR, NR, KC> ctx{};
    ctx.transA = transA;
    ctx.transB = transB;
    ctx.M = M;
    ctx.N = N;
    ctx.K = K;
    ctx.alpha = alpha;
    ctx.beta = beta;
    ctx.A = A;
    ctx.lda = lda;
    ctx.B = B;
    ctx.ldb = ldb;
    ctx.C = C;
    ctx.ldc = ldc;
    ctx.kernel = kernel;
    ctx.simd_pack = simd_pack;
    ctx.groups = 1;
    int nt = 1;
#ifdef _OPENMP
    if (static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K) >= 262144.0 && !omp_in_parallel())
        nt = omp_get_max_threads();
#endif
    ctx.m_panels = ceil_div(M, MR);
    const int64_t n_panels = ceil_div(N, NR);
    // Short A and enough B micro-panels to share out: split by columns (run_columns). Each thread's share
    // of a block is then NC wide, so the block is NC * nt.
    const bool by_columns = nt > 1 && ctx.m_panels * MR <= kColumnSplitRows && n_panels >= 4 * nt;
    const int64_t nc = by_columns ? NC * nt : NC;
    // Balance the K slices and the N blocks (K=512 with KC=384 -> 2 x 256 rather than 384 + 128).
    ctx.kc_max = ceil_div(K, ceil_div(K, KC));
    ctx.nc_max = ceil_div(n_panels, ceil_div(n_panels * NR, nc)) * NR;
    ctx.n_pc = ceil_div(K, ctx.kc_max);
    ctx.n_steps = ceil_div(N, ctx.nc_max) * ctx.n_pc;
    // Enough work items per step for dynamic balancing: split the columns of a block when M is short.
    const int64_t nb_max = ceil_div(ctx.nc_max, NR);
    while (nt > 1 && !by_columns && ctx.m_panels * ctx.groups < 4 * nt && ctx.groups < nb_max) ++ctx.groups;
    const int64_t one = ctx.nc_max * ctx.kc_max;
    const bool shared = nt > 1 && !by_columns;  // run<true>: double-buffered so packing overlaps computing
    if (by_columns) {
        ctx.shares = nt;
        ctx.share_elems = ceil_div(nb_max, nt) * NR * ctx.kc_max;
    }
    const int64_t elems = by_columns ? nt * ctx.share_elems : shared ? 2 * one : one;
    T* b = static_cast<T*>(tl_bpack.get(sizeof(T) * static_cast<size_t>(elems)));  // before the team: may throw
    ctx.bbuf[0] = b;
    ctx.bbuf[1] = shared ? b + one : b;
#ifdef _OPENMP
    if (by_columns) {
#pragma omp parallel num_threads(nt)
        ctx.run_columns(omp_get_thread_num(), omp_get_num_threads());
        return;
    }
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        ctx.template run<true>();
        return;
    }
#endif
    ctx.template run<false>();
}

// y[r * incy] = alpha * sum_k op(Mat)[r, k] x[k * incx] + beta y[r * incy] for r < R: the matrix-vector products
// (N == 1 or M == 1). The blocked path would pack the vector into an NR-wide zero-padded panel and do NR times the
// work; here each element of Mat is read once. op(Mat) rows contiguous (trans false): one dot product per row;
// otherwise the rows of Mat are the k's, and each row adds a multiple of itself to all R accumulators at once.
template <typename T>
void gemv(bool trans, int64_t R, int64_t K, T alpha, const T* Mat, int64_t ld, const T* x, int64_t incx, T beta, T* y,
          int64_t incy) {
    auto store = [&](int64_t r, T acc) {
        T& out = y[r * incy];
        out = beta == T(0) ? alpha * acc : alpha * acc + beta * out;  // beta == 0: never read y (may be NaN)
    };
    [[maybe_unused]] const bool par = static_cast<double>(R) * static_cast<double>(K) >= 1048576.0;
    if (!trans) {
#ifdef _OPENMP
#pragma omp parallel for if (par && !omp_in_parallel()) schedule(static)
#endif
        for (int64_t r = 0; r < R; ++r) {
            const T* row = Mat + r * ld;
            T acc = T(0);
            if (incx == 1) {
#ifdef _OPENMP
#pragma omp simd reduction(+ : acc)
#endif
                for (int64_t k = 0; k < K; ++k) acc += row[k] * x[k];
            } else {
                for (int64_t k = 0; k < K; ++k) acc += row[k] * x[k * incx];
            }
            store(r, acc);
        }
        return;
    }
    // Columns of R in chunks that stay in L1 while every k row streams past.
    constexpr int64_t kChunk = 1024;
#ifdef _OPENMP
#pragma omp parallel for if (par && !omp_in_parallel()) schedule(static)
#endif
    for (int64_t r0 = 0; r0 < R; r0 += kChunk) {
        const int64_t n = std::min(kChunk, R - r0);
        T acc[kChunk];
        std::fill(acc, acc + n, T(0));
        for (int64_t k = 0; k < K; ++k) {
            const T xk = x[k * incx];
            const T* row = Mat + k * ld + r0;
#ifdef _OPENMP
#pragma omp simd
#endif
            for (int64_t r = 0; r < n; ++r) acc[r] += row[r] * xk;
        }
        for (int64_t r = 0; r < n; ++r) store(r0 + r, acc[r]);
    }
}

template <typename T>
void gemm_impl(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
               int64_t ldb, T beta, T* C, int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == T(0)) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    if (N == 1) {  // C (M x 1) = op(A) op(B): op(B)'s single column is B[k * ldb] (B[k] when transposed)
        gemv(transA, M, K, alpha, A, lda, B, transB ? 1 : ldb, beta, C, ldc);
        return;
    }
    if (M == 1) {  // C (1 x N) = (op(B)^T op(A)^T)^T: op(A)'s single row is A[k] (A[k * lda] if transposed)
        gemv(!transB, N, K, alpha, B, ldb, A, transA ? lda : 1, beta, C, 1);
        return;
    }
    // Per path: micro-kernel shape MR x NR and blocking KC, NC (see the header comment for the cache budget).
    constexpr bool f32 = sizeof(T) == 4;
    switch (active_path()) {
#ifdef EMBER_GEMM_X86
        case Path::Avx512:
            // 14 x (2 zmm): 28 accumulators + 2 B vectors + broadcast = 31 of the 32 zmm registers.
            if constexpr (f32)
                return gemm_blocked<T, 14, 32, 384, 768>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                                         detail::sgemm_ukernel_avx512, true);
            else
                return gemm_blocked<T, 14, 16, 192, 768>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                                         detail::dgemm_ukernel_avx512, true);
        case Path::Avx2:
            // 6 x (2 ymm): 12 accumulators + 2 B vectors + broadcast = 15 of the 16 ymm registers.
            if constexpr (f32)
                return gemm_blocked<T, 6, 16, 384, 768>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                                        detail::sgemm_ukernel_avx2, false);
            else
                return gemm_blocked<T, 6, 8, 192, 768>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                                       detail::dgemm_ukernel_avx2, false);
#endif
        default:
            // Portable: 4 x 8 (fp32) / 4 x 4 (fp64) tiles, which the baseline SSE2 vector unit holds in registers.
            if constexpr (f32)
                return gemm_blocked<T, 4, 8, 256, 1024>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                                        ukernel_generic<T, 4, 8>, false);
            else
                return gemm_blocked<T, 4, 4, 256, 512>(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,
                                                       ukernel_generic<T, 4, 4>, false);
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
