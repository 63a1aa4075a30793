#pragma once
// Host loops for the ops that reorder or scan along one dim (src/ops/sort.cpp): each works on a
// contiguous [rows, n] buffer, one row after another, threaded over rows. The CUDA backend has no
// kernels for these: its tensors come to the host for them (docs/cuda.md).
#include <cstdint>

#include "ember/tensor/dtype.h"

namespace ember::cpu {

// Each row of `in` sorted into `values`, and the source position of each value into `indices`.
// Stable (equal values keep their order); NaN compares above every number, in both directions.
void sort_rows(ScalarType dtype, const void* in, void* values, int64_t* indices, int64_t rows, int64_t n,
               bool descending);

// Running sums (product = false) or products along each row: out[r][j] = in[r][0] + ... + in[r][j].
// float32 accumulates in double, as libtorch's CPU scan does; int64 in int64.
void cumulative_rows(ScalarType dtype, bool product, const void* in, void* out, int64_t rows, int64_t n);

}  // namespace ember::cpu
