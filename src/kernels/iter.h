#pragma once
// What a kernel receives: raw strided operands, already broadcast to one shape, with their dims
// coalesced. A plain struct with fixed arrays so it can be passed by value to a CUDA kernel.
#include <cstdint>

#include "ember/tensor/dtype.h"

namespace ember::kernels {

constexpr int kMaxDims = 16;
constexpr int kMaxOperands = 4;

struct StridedIter {
    int ndim = 0;  // after coalescing; 0 means a single element
    int nops = 0;  // operand 0 is the output
    int64_t numel = 0;
    // Only the first `ndim` entries (and `nops` operands) are meaningful. They are deliberately not
    // zero-initialised: clearing 640 bytes per op was a third of the iterator's cost on small tensors.
    int64_t sizes[kMaxDims];                  // innermost dim last
    int64_t strides[kMaxOperands][kMaxDims];  // in elements; 0 on broadcast dims
    char* data[kMaxOperands] = {};
    ScalarType dtypes[kMaxOperands] = {};

    // True when every operand walks its innermost dim with stride 1 (or 0 for a broadcast scalar)
    // and there is a single dim: the kernels' fast path.
    bool is_flat() const { return ndim <= 1; }
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

enum class UnaryOp : uint8_t {
    Neg,
    Exp,
    Log,
    Log1p,
    Sqrt,
    Rsqrt,
    Abs,
    Sign,
    Sin,
    Cos,
    Sigmoid,
    LogSigmoid,
    Tanh,
    Relu,
    Softplus,
    Square,
    Reciprocal,
    PowScalar,
    RPowScalar,
    Clamp,
    LogicalNot
};
enum class BinaryOp : uint8_t {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Maximum,
    Minimum,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    // Fused first-order backward formulas (g, saved): used when no graph of the backward is
    // recorded; with create_graph the differentiable compositions run instead.
    SigmoidBackward,   // (g, y): g y (1 - y)
    ReluBackward,      // (g, y): y > 0 ? g : 0
    SoftplusBackward,  // (g, x), p = {beta, threshold}: beta x > threshold ? g : g sigmoid(beta x)
};
enum class ReduceOp : uint8_t { Sum, Max, Min, ArgMax, ArgMin };

inline bool is_comparison(BinaryOp op) {
    return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::Gt ||
           op == BinaryOp::Ge || op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr;
}

// Parameters of the parameterised unary ops (alpha of add/sub lives in `a`).
struct OpParams {
    double a = 0;
    double b = 0;
};

}  // namespace ember::kernels
