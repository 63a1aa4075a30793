// CUDA indexing kernels, the mirror of src/cpu/index.cpp: index_select / index_add on
// [outer, n, inner] buffers, gather / scatter_add along one dim of strided operands.
//
// Bad indices: the index tensors live on the GPU, so the kernels check them there. A thread that
// meets an index out of range skips it (nothing is read or written out of bounds) and lowers a
// device word to its position (cuda/scratch.h, BadIndexFlag); the host reads that word back after
// the launch. That read is a synchronisation, the one each indexing op costs; it lets the op
// throw the CPU's IndexError, naming the same first bad position, at the call that caused it.
// (On a bad index the output is partly written, as on the CPU; the op throws and drops it.)
//
// Determinism: index_add and scatter_add, where several sources may add into one target, add
// without atomics, in the CPU's order. index_add gives each thread one (outer, inner) column and
// walks the index in order; scatter_add gives each thread one line along the scattered dim
// (every coordinate but that dim fixed), walked in order. Two threads never write the same
// target, so results are bitwise equal to the CPU's and repeatable. The price: the parallelism
// is the number of columns / lines, so a 1-D index_add or scatter_add of n elements runs in one
// thread (slow for large n, still correct).
#include <algorithm>

#include "cuda/check.h"
#include "cuda/index_math.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "cuda/scratch.h"
#include "ember/tensor/dtype.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {

__device__ __forceinline__ void report_bad(unsigned long long* bad, int64_t position) {
    atomicMin(bad, static_cast<unsigned long long>(position));
}

// Every index of a 1-D index tensor against [0, n).
__global__ void check_index_range(const int64_t* index, int64_t n_index, int64_t n, unsigned long long* bad) {
    EMBER_GRID_STRIDE(i, n_index) {
        const int64_t v = index[i];
        if (v < 0 || v >= n) report_bad(bad, i);
    }
}

// ---- index_select: one thread per output element, copying elements of the dtype's size ----
template <typename E>
__global__ void index_select_elements(const E* in, E* out, int64_t n_in, int64_t inner, const int64_t* index,
                                      int64_t n_index, int64_t total) {
    EMBER_GRID_STRIDE(k, total) {
        const int64_t r = k % inner, t = k / inner;
        const int64_t i = t % n_index, o = t / n_index;
        const int64_t v = index[i];
        if (v < 0 || v >= n_in) continue;  // reported by check_index_range
        out[k] = in[(o * n_in + v) * inner + r];
    }
}

// ---- index_add: one thread per (outer, inner) column, the index walked in order ----
template <typename T>
__global__ void index_add_columns(T* out, int64_t n_out, int64_t inner, const int64_t* index, int64_t n_index,
                                  const T* src, int64_t columns) {
    EMBER_GRID_STRIDE(c, columns) {
        const int64_t o = c / inner, r = c % inner;
        T* dst = out + o * n_out * inner + r;
        const T* from = src + o * n_index * inner + r;
        for (int64_t i = 0; i < n_index; ++i) {
            const int64_t v = index[i];
            if (v < 0 || v >= n_out) continue;  // reported by check_index_range
            dst[v * inner] += from[i * inner];
        }
    }
}

// ---- gather / scatter_add over an iterator that keeps every dim of the index ----
// (The offset arithmetic is in cuda/index_math.h, tested on the host.)

template <typename T>
__global__ void gather_elements(StridedIter it, const T* x, AlongDim a, unsigned long long* bad) {
    T* out = reinterpret_cast<T*>(it.data[0]);
    const int64_t* index = reinterpret_cast<const int64_t*>(it.data[1]);
    EMBER_GRID_STRIDE(n, it.numel) {
        const ElementOffsets o = element_offsets_along(it, a, n);
        const int64_t v = index[o.op1];
        if (v < 0 || v >= a.dim_size) {
            report_bad(bad, n);  // n: the position in the CPU's row-major walk
            continue;
        }
        out[o.op0] = x[o.along + v * a.dim_stride];
    }
}

// One thread per line (see scatter_line_dim). Operands of the iterator: 0 = index, 1 = src.
template <typename T>
__global__ void scatter_add_lines(StridedIter it, T* self, AlongDim a, int line, int64_t lines,
                                  unsigned long long* bad) {
    const int64_t* index = reinterpret_cast<const int64_t*>(it.data[0]);
    const T* src = reinterpret_cast<const T*>(it.data[1]);
    EMBER_GRID_STRIDE(l, lines) {
        const ScatterLine s = scatter_line(it, a, line, l);
        for (int64_t k = 0; k < s.len; ++k) {
            const int64_t v = index[s.start.op0 + k * s.step_index];
            if (v < 0 || v >= a.dim_size) {
                report_bad(bad, s.flat + k * s.step_flat);
                continue;
            }
            self[s.start.along + v * a.dim_stride] += src[s.start.op1 + k * s.step_src];
        }
    }
}

// The fallback when the target's layout does not show which dim is scattered along (an
// overlapping target; ops/ always passes a fresh contiguous one): one thread per element with
// atomic adds, so the order of the additions, and so the float rounding, may vary between runs.
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int64_t* p, int64_t v) {
    // Two's complement: an unsigned add wraps to the same bits as the signed one.
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}
__device__ __forceinline__ void atomic_add(int32_t* p, int32_t v) { atomicAdd(reinterpret_cast<int*>(p), v); }
// No 8-bit atomicAdd: a compare-and-swap loop on the aligned 32-bit word that holds the byte,
// adding modulo 256 as the CPU's uint8 arithmetic does.
__device__ __forceinline__ void atomic_add(uint8_t* p, uint8_t v) {
    const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
    unsigned int* word = reinterpret_cast<unsigned int*>(addr & ~uintptr_t(3));
    const unsigned int shift = static_cast<unsigned int>(addr & 3) * 8;
    unsigned int old = *word, assumed;
    do {
        assumed = old;
        const unsigned int sum = ((assumed >> shift) + v) & 0xffu;
        old = atomicCAS(word, assumed, (assumed & ~(0xffu << shift)) | (sum << shift));
    } while (old != assumed);
}

template <typename T>
__global__ void scatter_add_atomic(StridedIter it, T* self, AlongDim a, unsigned long long* bad) {
    const int64_t* index = reinterpret_cast<const int64_t*>(it.data[0]);
    const T* src = reinterpret_cast<const T*>(it.data[1]);
    EMBER_GRID_STRIDE(n, it.numel) {
        const ElementOffsets o = element_offsets_along(it, a, n);
        const int64_t v = index[o.op0];
        if (v < 0 || v >= a.dim_size) {
            report_bad(bad, n);
            continue;
        }
        atomic_add(self + o.along + v * a.dim_stride, src[o.op1]);
    }
}

// Launches a kernel templated on an element type of the dtype's size (a copy needs no more).
template <typename F>
void dispatch_element_size(ScalarType dtype, F&& f) {
    switch (element_size(dtype)) {
        case 1: return f.template operator()<uint8_t>();
        case 2: return f.template operator()<uint16_t>();  // float16, bfloat16
        case 4: return f.template operator()<uint32_t>();
        case 8: return f.template operator()<uint64_t>();
        default: throw DTypeError(str_cat("index kernels: unsupported element size of ", dtype_name(dtype)));
    }
}

}  // namespace

int64_t index_select_kernel(ScalarType dtype, const void* in, int64_t outer, int64_t n_in, int64_t inner,
                            const int64_t* index, int64_t n_index, void* out) {
    if (n_index <= 0) return -1;
    BadIndexFlag bad;
    check_index_range<<<blocks_for(n_index), kThreads>>>(index, n_index, n_in, bad.device_ptr());
    EMBER_CUDA_CHECK_LAUNCH("index_select_kernel (check)");
    const int64_t total = outer * n_index * inner;
    if (total > 0) {
        dispatch_element_size(dtype, [&]<typename E>() {
            index_select_elements<E><<<blocks_for(total), kThreads>>>(static_cast<const E*>(in), static_cast<E*>(out),
                                                                      n_in, inner, index, n_index, total);
        });
        EMBER_CUDA_CHECK_LAUNCH("index_select_kernel");
    }
    return bad.read();
}

int64_t index_add_kernel(ScalarType dtype, void* out, int64_t outer, int64_t n_out, int64_t inner, const int64_t* index,
                         int64_t n_index, const void* src) {
    if (n_index <= 0) return -1;
    BadIndexFlag bad;
    check_index_range<<<blocks_for(n_index), kThreads>>>(index, n_index, n_out, bad.device_ptr());
    EMBER_CUDA_CHECK_LAUNCH("index_add_kernel (check)");
    const int64_t columns = outer * inner;
    if (columns > 0) {
        dispatch_numeric(dtype, "index_add", [&]<typename T>() {
            index_add_columns<T><<<blocks_for(columns), kThreads>>>(static_cast<T*>(out), n_out, inner, index, n_index,
                                                                    static_cast<const T*>(src), columns);
        });
        EMBER_CUDA_CHECK_LAUNCH("index_add_kernel");
    }
    return bad.read();
}

int64_t gather_kernel(ScalarType dtype, const StridedIter& it, const char* x, const int64_t* x_strides,
                      int64_t dim_stride, int64_t dim_size) {
    if (it.numel <= 0) return -1;
    BadIndexFlag bad;
    const AlongDim a = make_along_dim(it.ndim, x_strides, dim_stride, dim_size);
    dispatch_all(dtype, "gather", [&]<typename T>() {
        gather_elements<T><<<blocks_for(it.numel), kThreads>>>(it, reinterpret_cast<const T*>(x), a, bad.device_ptr());
    });
    EMBER_CUDA_CHECK_LAUNCH("gather_kernel");
    return bad.read();
}

int64_t scatter_add_kernel(ScalarType dtype, const StridedIter& it, char* self, const int64_t* self_strides,
                           int64_t dim_stride, int64_t dim_size) {
    if (it.numel <= 0) return -1;
    const AlongDim a = make_along_dim(it.ndim, self_strides, dim_stride, dim_size);
    const int line = scatter_line_dim(it, a);
    BadIndexFlag bad;
    dispatch_numeric(dtype, "scatter_add", [&]<typename T>() {
        T* dst = reinterpret_cast<T*>(self);
        if (line >= -1) {
            const int64_t lines = scatter_line_count(it, line);
            scatter_add_lines<T><<<blocks_for(lines), kThreads>>>(it, dst, a, line, lines, bad.device_ptr());
        } else {
            scatter_add_atomic<T><<<blocks_for(it.numel), kThreads>>>(it, dst, a, bad.device_ptr());
        }
    });
    EMBER_CUDA_CHECK_LAUNCH("scatter_add_kernel");
    return bad.read();
}

}  // namespace ember::cuda
