// CUDA reductions over the 2-D picture of kernels::Reduce2D, and the row-wise (log-)softmax: the
// mirror of src/cpu/reduce.cpp, with the same results up to the order of float additions.
//
// Determinism: no atomics. Each result is reduced by one fixed group of threads in a fixed
// order (per-thread strided accumulation, then a shuffle/shared-memory tree), so repeated runs on
// the same GPU give bitwise equal results. The order depends on the launch shape, which depends
// on the GPU's multiprocessor count, so two different GPUs may differ in the last bits of a
// float sum (as the CPU and the GPU do).
//
// Three shapes of work:
//  - rows (the elements of one result lie together, inner_stride == 1 typically): a group of
//    threads per result, a warp when rows are short or results plentiful, a 256-thread block
//    otherwise;
//  - columns (the results lie together, outer_stride == 1, e.g. a bias gradient summed over the
//    batch): a 32 x 8 block covers 32 neighbouring results, each thread row reading a share of
//    the reduced elements, so every load is coalesced;
//  - split: when there are too few results to fill the GPU (a full sum, or columns over many
//    rows), each result's elements are cut into chunks reduced by separate groups into a
//    scratch buffer of partial results, which a second pass combines in chunk order.
//
// Sums accumulate in double for floating types (a float32 sum is rounded once, at the end) and
// exactly for int64, as on the CPU. max/min/argmax/argmin: NaN wins (the first NaN, by index); otherwise the extreme
// value, and the first index among ties, exactly as the CPU's sequential scan: the combine
// below is the maximum of a total order on (is NaN, value, -index), so any tree gives the CPU's
// answer.
#include <algorithm>
#include <limits>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/scratch.h"
#include "ember/tensor/dtype.h"
#include "kernels/functors.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {

constexpr int kWarp = 32;
constexpr int kBlock = 256;          // threads of a row-reduction block
constexpr int kColRows = 8;          // thread rows of a column-reduction block (32 x kColRows)
constexpr int64_t kMaxGrid = 65536;  // grid-stride loops cover the rest

template <typename T>
__device__ __forceinline__ T shfl_down(T v, int offset) {
    return __shfl_down_sync(0xffffffffu, v, offset);
}
template <typename T>
__device__ __forceinline__ T shfl_xor(T v, int mask) {
    return __shfl_xor_sync(0xffffffffu, v, mask);
}

// ---- the reductions, as (identity, make, combine, shuffle, write) ----

template <typename T>
struct SumOp {
    // Floating sums accumulate in double, as on the CPU (src/cpu/reduce.cpp); integers exactly.
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
    __device__ static Acc identity() { return Acc(0); }
    __device__ static Acc make(T v, int64_t) { return static_cast<Acc>(v); }
    __device__ static Acc combine(Acc a, Acc b) { return a + b; }
    __device__ static Acc shuffle_down(Acc a, int offset) { return shfl_down(a, offset); }
    __device__ static void write(const Reduce2D& r, int64_t o, Acc a) {
        reinterpret_cast<T*>(r.out)[o] = static_cast<T>(a);
    }
};

template <typename T, bool IsMax>
struct ExtremeOp {
    struct Acc {
        T v;
        int64_t i;  // < 0: no element yet
    };
    __device__ static Acc identity() { return Acc{T(0), -1}; }
    __device__ static Acc make(T v, int64_t i) { return Acc{v, i}; }
    __device__ static Acc combine(Acc a, Acc b) {
        if (a.i < 0) return b;
        if (b.i < 0) return a;
        const bool an = a.v != a.v, bn = b.v != b.v;  // NaN (never true for int64)
        if (an || bn) {
            if (an && bn) return a.i < b.i ? a : b;
            return an ? a : b;
        }
        if (IsMax ? b.v > a.v : b.v < a.v) return b;
        if (IsMax ? a.v > b.v : a.v < b.v) return a;
        return a.i < b.i ? a : b;  // equal (incl. -0 == +0): the first one, as the CPU scan keeps
    }
    __device__ static Acc shuffle_down(Acc a, int offset) {
        return Acc{shfl_down(a.v, offset), shfl_down(a.i, offset)};
    }
    __device__ static void write(const Reduce2D& r, int64_t o, Acc a) {
        if (r.out) reinterpret_cast<T*>(r.out)[o] = a.v;
        if (r.indices) r.indices[o] = a.i;
    }
};

// ---- where the elements come from, where a group's result goes ----

template <typename T, typename Op>
struct InputLoad {
    const T* in;
    int64_t outer_stride, inner_stride;
    __device__ typename Op::Acc operator()(int64_t o, int64_t r) const {
        return Op::make(in[o * outer_stride + r * inner_stride], r);
    }
};
template <typename Op>
struct PartialLoad {  // partial results laid out [outer, splits]
    const typename Op::Acc* partial;
    int64_t splits;
    __device__ typename Op::Acc operator()(int64_t o, int64_t s) const { return partial[o * splits + s]; }
};
template <typename Op>
struct FinalStore {  // task == result index (no split)
    Reduce2D r;
    __device__ void operator()(int64_t o, typename Op::Acc a) const { Op::write(r, o, a); }
};
template <typename Op>
struct PartialStore {  // task == o * splits + s
    typename Op::Acc* partial;
    __device__ void operator()(int64_t task, typename Op::Acc a) const { partial[task] = a; }
};

template <typename Op>
__device__ __forceinline__ typename Op::Acc warp_reduce(typename Op::Acc a) {
    for (int offset = kWarp / 2; offset > 0; offset /= 2) a = Op::combine(a, Op::shuffle_down(a, offset));
    return a;  // complete in lane 0
}

// Rows: `tasks` = outer * splits groups of GROUP threads; task t reduces elements
// [s * chunk, min(inner, (s + 1) * chunk)) of result o = t / splits, s = t % splits.
template <typename Op, int GROUP, typename Load, typename Store>
__global__ void __launch_bounds__(kBlock)
    reduce_rows(int64_t tasks, int64_t splits, int64_t chunk, int64_t inner, Load load, Store store) {
    using Acc = typename Op::Acc;
    constexpr int kGroups = kBlock / GROUP;
    __shared__ Acc warp_results[kBlock / kWarp];
    const int lane = static_cast<int>(threadIdx.x) % GROUP;
    for (int64_t t = static_cast<int64_t>(blockIdx.x) * kGroups + threadIdx.x / GROUP; t < tasks;
         t += static_cast<int64_t>(gridDim.x) * kGroups) {
        // (t is the same for every thread of a group, so whole warps/blocks run the loop together.)
        const int64_t o = t / splits, s = t % splits;
        const int64_t begin = s * chunk, end = min(inner, begin + chunk);
        Acc acc = Op::identity();
        for (int64_t r = begin + lane; r < end; r += GROUP) acc = Op::combine(acc, load(o, r));
        acc = warp_reduce<Op>(acc);
        if constexpr (GROUP > kWarp) {
            const int warp = lane / kWarp;
            if (lane % kWarp == 0) warp_results[warp] = acc;
            __syncthreads();
            if (warp == 0) {
                acc = lane < GROUP / kWarp ? warp_results[lane] : Op::identity();
                acc = warp_reduce<Op>(acc);
            }
            __syncthreads();  // warp_results is reused by the next task
        }
        if (lane == 0) store(t, acc);
    }
}

// Columns: block (32, kColRows); x picks the result, y a share of the chunk's rows; the block's
// y rows are combined in order through shared memory. gridDim.y = splits.
template <typename Op, typename T, typename Store>
__global__ void __launch_bounds__(kWarp* kColRows)
    reduce_columns(const T* in, int64_t outer, int64_t outer_stride, int64_t inner, int64_t inner_stride,
                   int64_t splits, int64_t chunk, Store store) {
    using Acc = typename Op::Acc;
    __shared__ Acc rows[kColRows][kWarp];
    const int64_t s = blockIdx.y;
    const int64_t begin = s * chunk, end = min(inner, begin + chunk);
    for (int64_t ob = static_cast<int64_t>(blockIdx.x) * kWarp; ob < outer;
         ob += static_cast<int64_t>(gridDim.x) * kWarp) {
        const int64_t o = ob + threadIdx.x;
        Acc acc = Op::identity();
        if (o < outer)
            for (int64_t r = begin + threadIdx.y; r < end; r += kColRows)
                acc = Op::combine(acc, Op::make(in[o * outer_stride + r * inner_stride], r));
        rows[threadIdx.y][threadIdx.x] = acc;
        __syncthreads();
        if (threadIdx.y == 0 && o < outer) {
            for (int k = 1; k < kColRows; ++k) acc = Op::combine(acc, rows[k][threadIdx.x]);
            store(o * splits + s, acc);
        }
        __syncthreads();
    }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
unsigned grid_for(int64_t blocks) { return static_cast<unsigned>(std::max<int64_t>(1, std::min(blocks, kMaxGrid))); }

// Pass 1 over rows with GROUP threads per task.
template <typename Op, int GROUP, typename Load, typename Store>
void launch_rows(int64_t tasks, int64_t splits, int64_t chunk, int64_t inner, Load load, Store store) {
    constexpr int kGroups = kBlock / GROUP;
    reduce_rows<Op, GROUP><<<grid_for(ceil_div(tasks, kGroups)), kBlock>>>(tasks, splits, chunk, inner, load, store);
    EMBER_CUDA_CHECK_LAUNCH("reduce_kernel (rows)");
}

// Pass 2 of a split reduction: combine each result's `splits` partials in order.
template <typename Op>
void combine_partials(const Reduce2D& r, const typename Op::Acc* partial, int64_t splits) {
    if (splits > 4 * kWarp)
        launch_rows<Op, kBlock>(r.outer, 1, splits, splits, PartialLoad<Op>{partial, splits}, FinalStore<Op>{r});
    else
        launch_rows<Op, kWarp>(r.outer, 1, splits, splits, PartialLoad<Op>{partial, splits}, FinalStore<Op>{r});
}

template <typename T, typename Op>
void reduce_typed(const Reduce2D& r) {
    using Acc = typename Op::Acc;
    if (r.outer <= 0) return;
    const T* in = reinterpret_cast<const T*>(r.in);
    const int64_t inner = std::max<int64_t>(r.inner, 0);
    const int64_t busy = 4 * static_cast<int64_t>(sm_count());  // blocks that keep every SM busy

    const bool columns = r.outer > 1 && (inner == 1 || (r.outer_stride == 1 && r.inner_stride != 1));
    if (columns) {
        const int64_t col_blocks = ceil_div(r.outer, kWarp);
        int64_t splits = 1;
        if (col_blocks < busy && inner > 64 * kColRows)
            splits = std::min({ceil_div(inner, 64 * kColRows), ceil_div(busy, col_blocks), int64_t(65535)});
        const int64_t chunk = ceil_div(std::max<int64_t>(inner, 1), splits);
        splits = std::max<int64_t>(1, ceil_div(inner, chunk));
        dim3 grid(grid_for(col_blocks), static_cast<unsigned>(splits)), block(kWarp, kColRows);
        if (splits == 1) {
            reduce_columns<Op>
                <<<grid, block>>>(in, r.outer, r.outer_stride, inner, r.inner_stride, 1, chunk, FinalStore<Op>{r});
            EMBER_CUDA_CHECK_LAUNCH("reduce_kernel (columns)");
            return;
        }
        DeviceScratch partial(static_cast<std::size_t>(r.outer * splits) * sizeof(Acc));
        reduce_columns<Op><<<grid, block>>>(in, r.outer, r.outer_stride, inner, r.inner_stride, splits, chunk,
                                            PartialStore<Op>{partial.as<Acc>()});
        EMBER_CUDA_CHECK_LAUNCH("reduce_kernel (columns)");
        combine_partials<Op>(r, partial.as<Acc>(), splits);
        return;
    }

    const InputLoad<T, Op> load{in, r.outer_stride, r.inner_stride};
    // Short rows, or enough results for a warp each to fill the GPU: a warp per result.
    if (inner <= 4 * kWarp || r.outer >= busy * (kBlock / kWarp)) {
        launch_rows<Op, kWarp>(r.outer, 1, inner, inner, load, FinalStore<Op>{r});
        return;
    }
    int64_t splits = 1;
    if (r.outer < busy && inner > 16 * kBlock) splits = std::min(ceil_div(inner, 16 * kBlock), ceil_div(busy, r.outer));
    const int64_t chunk = ceil_div(inner, splits);
    splits = ceil_div(inner, chunk);
    if (splits == 1) {
        launch_rows<Op, kBlock>(r.outer, 1, inner, inner, load, FinalStore<Op>{r});
        return;
    }
    DeviceScratch partial(static_cast<std::size_t>(r.outer * splits) * sizeof(Acc));
    launch_rows<Op, kBlock>(r.outer * splits, splits, chunk, inner, load, PartialStore<Op>{partial.as<Acc>()});
    combine_partials<Op>(r, partial.as<Acc>(), splits);
}

// ---- softmax ----

template <typename T, int GROUP>
struct GroupAllReduce {
    // Every thread of the group gets the same (bitwise) result: the butterfly gives each lane the
    // same sums, since a + b == b + a exactly; the warps' results are combined in warp order.
    template <typename F>
    __device__ static T run(T v, F f, T* scratch) {
        for (int mask = kWarp / 2; mask > 0; mask /= 2) v = f(v, shfl_xor(v, mask));
        if constexpr (GROUP > kWarp) {
            const int lane = static_cast<int>(threadIdx.x) % GROUP;
            if (lane % kWarp == 0) scratch[lane / kWarp] = v;
            __syncthreads();
            v = scratch[0];
            for (int w = 1; w < GROUP / kWarp; ++w) v = f(v, scratch[w]);
            __syncthreads();
        }
        return v;
    }
};

template <typename T, int GROUP>
__global__ void __launch_bounds__(kBlock) softmax_rows(bool log, const T* in, T* out, int64_t outer, int64_t inner) {
    constexpr int kGroups = kBlock / GROUP;
    __shared__ T scratch[kBlock / kWarp];
    const int lane = static_cast<int>(threadIdx.x) % GROUP;
    constexpr T inf = std::numeric_limits<T>::infinity();  // constexpr: usable on the device
    for (int64_t row = static_cast<int64_t>(blockIdx.x) * kGroups + threadIdx.x / GROUP; row < outer;
         row += static_cast<int64_t>(gridDim.x) * kGroups) {
        const T* x = in + row * inner;
        T* y = out + row * inner;
        // Shift by the row maximum (NaNs ignored, as the CPU's x > m scan ignores them).
        T m = -inf;
        for (int64_t i = lane; i < inner; i += GROUP) m = x[i] > m ? x[i] : m;
        m = GroupAllReduce<T, GROUP>::run(
            m, [](T a, T b) { return b > a ? b : a; }, scratch);
        if (!(m - m == T(0))) m = m != m ? m : (m > 0 ? m : T(0));  // not finite: as on the CPU
        T s = 0;
        for (int64_t i = lane; i < inner; i += GROUP) s += km::exp(x[i] - m);
        s = GroupAllReduce<T, GROUP>::run(
            s, [](T a, T b) { return a + b; }, scratch);
        if (log) {
            const T log_s = km::log(s);
            for (int64_t i = lane; i < inner; i += GROUP) y[i] = (x[i] - m) - log_s;
        } else {
            const T inv = T(1) / s;
            for (int64_t i = lane; i < inner; i += GROUP) y[i] = km::exp(x[i] - m) * inv;
        }
    }
}

}  // namespace

// The op table's reduce_kind says what a row reduces to; every reduction takes numeric dtypes.
void reduce_kernel(ReduceOp op, const Reduce2D& r) {
    dispatch_numeric(r.dtype, op_name(op), [&]<typename T>() {
        switch (reduce_kind(op)) {
            case ReduceKind::Sum: return reduce_typed<T, SumOp<T>>(r);
            case ReduceKind::Largest: return reduce_typed<T, ExtremeOp<T, true>>(r);
            case ReduceKind::Smallest: return reduce_typed<T, ExtremeOp<T, false>>(r);
        }
    });
}

void softmax_kernel(bool log, ScalarType dtype, const void* in, void* out, int64_t outer, int64_t inner) {
    if (outer <= 0 || inner <= 0) return;
    dispatch_floating(dtype, log ? "log_softmax" : "softmax", [&]<typename T>() {
        const T* x = static_cast<const T*>(in);
        T* y = static_cast<T*>(out);
        if (inner <= 1024)  // a warp per row
            softmax_rows<T, kWarp><<<grid_for(ceil_div(outer, kBlock / kWarp)), kBlock>>>(log, x, y, outer, inner);
        else  // a block per row
            softmax_rows<T, kBlock><<<grid_for(outer), kBlock>>>(log, x, y, outer, inner);
    });
    EMBER_CUDA_CHECK_LAUNCH("softmax_kernel");
}

}  // namespace ember::cuda
