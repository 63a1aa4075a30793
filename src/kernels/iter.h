#pragma once
// What a kernel receives: raw strided operands, already broadcast to one shape, with their dims
// coalesced. A plain struct with fixed arrays so it can be passed by value to a CUDA kernel.
#include <cstdint>

#include "ember/tensor/dtype.h"
#include "kernels/op_table.h"  // the op enums

namespace ember::kernels {

constexpr int kMaxDims = 16;
constexpr int kMaxOperands = 4;

struct StridedIter {
    int ndim = 0;  // after coalescing; 0 means a single element
    int nops = 0;  // operand 0 is the output
    int64_t numel = 0;
    // Only the first `ndim` entries (and `nops` operands) are meaningful. They are deliberately not
    // zero-initialised: on small tensors clearing all 640 bytes would dominate building the iterator.
    int64_t sizes[kMaxDims];                  // innermost dim last
    int64_t strides[kMaxOperands][kMaxDims];  // in elements; 0 on broadcast dims
    char* data[kMaxOperands] = {};
    ScalarType dtypes[kMaxOperands] = {};
};

// The 2-D picture of a reduction: `outer` independent results, each over `inner` elements;
// element (o, r) sits at in[o * outer_stride + r * inner_stride].
struct Reduce2D {
    const char* in = nullptr;
    int64_t outer = 1;
    int64_t inner = 1;
    int64_t outer_stride = 0;
    int64_t inner_stride = 1;
    char* out = nullptr;         // `outer` contiguous values
    int64_t* indices = nullptr;  // argmax/argmin/max/min with indices: `outer` contiguous int64
    ScalarType dtype = kFloat32;
};

// Parameters of the parameterised ops (kernels/op_table.def says which reads what; alpha of add/sub
// is `a`; elu reads all three).
struct OpParams {
    double a = 0;
    double b = 0;
    double c = 0;
};

}  // namespace ember::kernels
