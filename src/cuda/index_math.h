#pragma once
// The per-element indexing of the CUDA gather / scatter_add kernels (src/cuda/index.cu), as
// host-and-device functions: tests/test_cuda.cpp runs them on the CPU over real iterators and
// compares with the CPU kernels, so the offsets the GPU computes are tested without a GPU.
#include <cstdint>

#include "ember/tensor/macros.h"
#include "kernels/iter.h"

namespace ember::cuda {

// The strided tensor that gather reads (x) or scatter_add writes (self), seen from the iterator
// over the index: its strides in the index's dims, 0 on the indexed dim, plus that dim's own
// stride and size.
struct AlongDim {
    int64_t strides[kernels::kMaxDims];
    int64_t dim_stride;
    int64_t dim_size;  // indices must lie in [0, dim_size)
};

inline AlongDim make_along_dim(int ndim, const int64_t* strides, int64_t dim_stride, int64_t dim_size) {
    AlongDim a{};
    for (int d = 0; d < ndim && d < kernels::kMaxDims; ++d) a.strides[d] = strides[d];
    a.dim_stride = dim_stride;
    a.dim_size = dim_size;
    return a;
}

// Element n of the iterator (row-major over it.sizes, the CPU's walk): offsets in operands 0
// and 1 and in the AlongDim tensor (before adding index * dim_stride).
struct ElementOffsets {
    int64_t op0 = 0, op1 = 0, along = 0;
};
EMBER_HD inline ElementOffsets element_offsets_along(const kernels::StridedIter& it, const AlongDim& a, int64_t n) {
    ElementOffsets o;
    for (int d = it.ndim - 1; d >= 0; --d) {
        const int64_t c = n % it.sizes[d];
        n /= it.sizes[d];
        o.op0 += c * it.strides[0][d];
        o.op1 += c * it.strides[1][d];
        o.along += c * a.strides[d];
    }
    return o;
}

// scatter_add without atomics: one thread per line along dim `line` (every coordinate but that
// one fixed). The targets of two different lines differ (the target is non-overlapping and a
// line fixes every target coordinate but the indexed one), so lines never race; within a line
// the adds happen in the CPU's order.
//
// The line dim is the one where the target's stride is 0 (ops/ zeroes the indexed dim's stride
// and the target is a fresh contiguous tensor). Only dims of size > 1 count: along a size-1 dim
// every element is its own line (line = -1). Returns -2 when the layout is ambiguous (more than
// one such dim: an overlapping target), where the kernel falls back to atomics.
inline int scatter_line_dim(const kernels::StridedIter& it, const AlongDim& a) {
    int line = -1;
    for (int d = 0; d < it.ndim; ++d)
        if (a.strides[d] == 0 && it.sizes[d] > 1) {
            if (line >= 0) return -2;
            line = d;
        }
    return line;
}
inline int64_t scatter_line_count(const kernels::StridedIter& it, int line) {
    return line >= 0 ? it.numel / it.sizes[line] : it.numel;
}

// Where line l starts (its element k = 0) and how each operand steps along it; `flat` is the
// row-major position of the element in the CPU's walk (the position a bad index is reported at).
struct ScatterLine {
    int64_t len = 1;
    ElementOffsets start;  // op0 = index, op1 = src, along = self
    int64_t flat = 0;
    int64_t step_index = 0, step_src = 0, step_flat = 0;
};
EMBER_HD inline ScatterLine scatter_line(const kernels::StridedIter& it, const AlongDim& a, int line, int64_t l) {
    ScatterLine s;
    int64_t flat_step = 1;
    for (int d = it.ndim - 1; d >= 0; --d) {
        if (d == line) {
            s.len = it.sizes[d];
            s.step_index = it.strides[0][d];
            s.step_src = it.strides[1][d];
            s.step_flat = flat_step;
        } else {
            const int64_t c = l % it.sizes[d];
            l /= it.sizes[d];
            s.start.op0 += c * it.strides[0][d];
            s.start.op1 += c * it.strides[1][d];
            s.start.along += c * a.strides[d];
            s.flat += c * flat_step;
        }
        flat_step *= it.sizes[d];
    }
    return s;
}

}  // namespace ember::cuda
