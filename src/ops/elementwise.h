#pragma once
// What the elementwise op files (src/ops/elementwise*.cpp) share: recording a unary op with its
// backward, and summing a broadcast operand's gradient back to the operand's shape.
#include <memory>

#include "ops/internal.h"

namespace ember::detail {

// The shape an operand's gradient is summed back to (the adjoint of broadcasting), for the
// backward of every binary op. It keeps the shape only when broadcasting made the operand's shape
// differ from the output's: in the usual same-shape case it holds nothing and the gradient passes
// through as it is. (A Shape is 72 bytes and a node is allocated per recorded op, so keeping it
// only when needed makes the graph of a scalar chain a third smaller.)
class SumToOperand {
public:
    SumToOperand(const Tensor& operand, const Tensor& out)
        : shape_(operand.sizes() == out.sizes()
                     ? nullptr
                     : std::make_unique<const Shape>(operand.sizes().begin(), operand.sizes().end())) {}
    // g, of the output's shape, summed to the operand's shape (sum_to_size).
    Tensor operator()(const Tensor& g) const { return shape_ ? sum_to_size(g, *shape_) : g; }

private:
    std::unique_ptr<const Shape> shape_;
};

// A unary op on floats whose backward is g -> bw(g, saved input x, saved output y): runs the
// kernel of `op` and records the node `node_name` (libtorch's name, e.g. "ExpBackward0"). Only
// what the backward reads is saved (save_x, save_y); the other argument arrives undefined.
template <typename Bw>
Tensor unary_with_grad(UnaryOp op, const char* name, const char* node_name, const Tensor& x, OpParams p, bool save_x,
                       bool save_y, Bw bw) {
    Tensor y = unary_op(op, name, x, p);
    if (autograd::needs_grad(x)) {
        autograd::SavedTensor sx(save_x ? x : Tensor(), false), sy(save_y ? y : Tensor(), true);
        autograd::record(node_name, {x}, y,
                         [sx, sy, bw](const Tensor& g, const autograd::Node& n) -> std::vector<Tensor> {
                             return {bw(g, sx.unpack(n), sy.unpack(n))};
                         });
    }
    return y;
}

// An in-place activation (torch::relu_(x), leaky_relu_, ...): runs `op`, the out-of-place op,
// and writes its result into `self`. Without autograd it writes straight back; with autograd, op
// runs on a copy of the old values (which its backward saves and the write would otherwise
// overwrite) and the result's history moves into self, as clamp_ does.
template <typename Op>
Tensor& activation_inplace(Tensor& self, const char* name, Op op) {
    check_inplace(name, self);
    const bool record = autograd::needs_grad(self);
    Tensor r = op(record ? self.clone() : self);
    EMBER_ENFORCE(r.dtype() == self.dtype(), DTypeError, name, ": the result (", dtype_name(r.dtype()),
                  ") cannot be stored in place in ", describe(self), "; use the out-of-place op");
    if (r.requires_grad()) {
        transplant(self, r, name);
    } else {
        copy_into(self, r);
        self.storage()->bump_version();
    }
    return self;
}

}  // namespace ember::detail
