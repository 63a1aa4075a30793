// The elementwise engines (unary_op, binary_op: dtype conversion by the op table, broadcasting,
// one kernel call), the comparisons and logical ops, where, and the operators. The differentiable
// ops live in elementwise_arith.cpp and elementwise_activations.cpp, each backward right below its
// forward.
//
// EMBER_KERNEL(device, name, ...) (ops/internal.h) calls cpu::name for a CPU tensor and cuda::name
// for a CUDA one: unary_kernel and binary_kernel are in src/cpu/elementwise.cpp and
// src/cuda/elementwise.cu, where_kernel beside them.
#include "ops/elementwise.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace detail {

namespace {
// The dtype an op's kernels compute in, for inputs of (promoted) dtype t: the op's row in
// kernels/op_table.def says which dtypes its kernels take, and the others are converted first,
// as PyTorch promotes (an integer input of a floating op computes in float32, a bool input of an
// arithmetic op in int64, any input of a logical op as bool).
//
// float16 and bfloat16 are in no class: they compute in float32, and the result is rounded back to
// the input's dtype (round_result). This is the one place that upcasts for the elementwise ops, as
// PyTorch's CPU kernels compute half in float ("opmath"): the result is float32 arithmetic rounded
// once, the same on every device.
ScalarType compute_dtype(kernels::DTypeClass accepted, ScalarType t) {
    if (is_reduced_float(t)) return accepted == kernels::DTypeClass::Bool ? kBool : kFloat32;
    switch (accepted) {
        case kernels::DTypeClass::Floating: return is_floating(t) ? t : kFloat32;
        case kernels::DTypeClass::Numeric: return t == kBool ? kInt64 : t;
        case kernels::DTypeClass::All: return t;
        case kernels::DTypeClass::Bool: return kBool;
    }
    return t;
}

// The float32 result of a float16/bfloat16 op rounded to that dtype (`wanted`); out otherwise.
Tensor round_result(Tensor out, ScalarType wanted) {
    if (!is_reduced_float(wanted) || out.dtype() != kFloat32) return out;
    Tensor r = make_empty(out.sizes(), wanted, out.device());
    copy_into(r, out);
    return r;
}
}  // namespace

Tensor unary_op(UnaryOp op, const char* name, const Tensor& x, OpParams p) {
    check_defined(name, x);
    const ScalarType t = compute_dtype(kernels::op_dtypes(op), x.dtype());
    Tensor converted;  // only when x's dtype does not suit the op (no handle copy otherwise)
    if (t != x.dtype()) converted = x.to(t);
    const Tensor& in = converted.defined() ? converted : x;
    Tensor out = make_empty(in.sizes(), in.dtype(), in.device());
    if (out.numel() == 0) return out;
    StridedIter it = make_iter(out, {&in});
    EMBER_KERNEL(in.device(), unary_kernel, op, it, p);
    return round_result(std::move(out), x.dtype());
}

Tensor binary_op(BinaryOp op, const char* name, const Tensor& a, const Tensor& b, OpParams p) {
    check_defined(name, a, "first operand");
    check_defined(name, b, "second operand");
    check_same_device(name, a, b);
    // Operands of one shape (the common case) need no broadcasting: skip building a new Shape.
    Shape broadcast;
    IntArrayRef shape = a.sizes();
    if (!(a.sizes() == b.sizes())) {
        broadcast = broadcast_shapes(a.sizes(), b.sizes(), name);
        shape = broadcast;
    }
    // Division of integers is true division (float32), as in PyTorch: div's row is Floating.
    const ScalarType promoted = promote_types(a.dtype(), b.dtype());
    const ScalarType t = compute_dtype(kernels::op_dtypes(op), promoted);
    // Converted copies only where the dtype differs; otherwise the operands are used as they are
    // (copying a Tensor handle costs two atomic reference-count updates, a sizeable share of a
    // one-element op).
    Tensor a_conv, b_conv;
    if (a.dtype() != t) a_conv = a.to(t);
    if (b.dtype() != t) b_conv = b.to(t);
    const Tensor& A = a_conv.defined() ? a_conv : a;
    const Tensor& B = b_conv.defined() ? b_conv : b;
    const bool bool_result = kernels::binary_result(op) == kernels::BinaryResult::Bool;
    Tensor out = make_empty(shape, bool_result ? kBool : t, a.device());
    if (out.numel() == 0) return out;
    StridedIter it = make_iter(out, {&A, &B});
    EMBER_KERNEL(a.device(), binary_kernel, op, it, p);
    return round_result(std::move(out), promoted);
}

void binary_op_inplace(BinaryOp op, const char* name, Tensor& out, const Tensor& b, OpParams p) {
    check_defined(name, b, "second operand");
    check_same_device(name, out, b);
    Shape shape = broadcast_shapes(out.sizes(), b.sizes(), name);
    EMBER_ENFORCE(shape == Shape(out.sizes().begin(), out.sizes().end()), ShapeError, name, ": operand of shape ",
                  shape_str(b.sizes()), " cannot be broadcast to the in-place target of shape ",
                  shape_str(out.sizes()));
    EMBER_ENFORCE(out.is_floating_point() || !b.is_floating_point(), DTypeError, name, ": the result of ",
                  describe(out), " and ", describe(b), " is floating point and cannot be stored in place in ",
                  dtype_name(out.dtype()));
    EMBER_ENFORCE(out.dtype() != kBool, DTypeError, name, ": arithmetic in place on a bool tensor ", describe(out));
    if (out.numel() == 0) return;
    if (is_reduced_float(out.dtype())) {
        // Computed in float32 (see compute_dtype), rounded into out.
        NoGradGuard no_grad;
        Tensor F = out.to(kFloat32), B = b.to(kFloat32);
        StridedIter it = make_iter(F, {&F, &B});
        EMBER_KERNEL(out.device(), binary_kernel, op, it, p);
        copy_into(out, F);
    } else {
        Tensor B = b.dtype() == out.dtype() ? b : b.to(out.dtype());
        StridedIter it = make_iter(out, {&out, &B});
        EMBER_KERNEL(out.device(), binary_kernel, op, it, p);
    }
    out.storage()->bump_version();
}

}  // namespace detail

// ---- comparisons and logic (not differentiable) ----
Tensor eq(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Eq, "eq", a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ne, "ne", a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Lt, "lt", a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Le, "le", a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Gt, "gt", a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ge, "ge", a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::LogicalAnd, "logical_and", a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::LogicalOr, "logical_or", a, b); }
// Non-bool input is converted first (x != 0), logical_not's row taking bool only.
Tensor logical_not(const Tensor& x) { return unary_op(UnaryOp::LogicalNot, "logical_not", x); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    const char* name = "where";
    check_defined(name, cond, "condition");
    check_defined(name, a, "first value");
    check_defined(name, b, "second value");
    EMBER_ENFORCE(cond.dtype() == kBool, DTypeError, "where: the condition must be a bool tensor, got ",
                  describe(cond));
    check_same_device(name, cond, a);
    check_same_device(name, a, b);
    Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), name), b.sizes(), name);
    ScalarType t = promote_types(a.dtype(), b.dtype());
    Tensor A = a.dtype() == t ? a : a.to(t);
    Tensor B = b.dtype() == t ? b : b.to(t);
    Tensor out = make_empty(shape, t, a.device());
    if (out.numel() > 0) {
        StridedIter it = make_iter(out, {&cond, &A, &B});
        EMBER_KERNEL(out.device(), where_kernel, it);
    }
    if (autograd::needs_grad(a, b)) {
        // d/da = where(c, g, 0), d/db = where(c, 0, g), each summed to its operand's shape.
        SavedTensor sc(cond, false);
        autograd::record(
            "WhereBackward0", {a, b}, out,
            [sc, za = SumToOperand(a, out), zb = SumToOperand(b, out)](const Tensor& g, const Node& n) -> Grads {
                Tensor c = sc.unpack(n);
                Tensor z = zeros({}, g.options());
                return {za(where(c, g, z)), zb(where(c, z, g))};
            });
    }
    return out;
}
Tensor where(const Tensor& c, const Tensor& a, double b) { return where(c, a, wrap_scalar(b, a)); }
Tensor where(const Tensor& c, double a, const Tensor& b) { return where(c, wrap_scalar(a, b), b); }

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
    NoGradGuard g;
    Tensor A = a.to(kFloat64), B = b.to(kFloat64);
    Tensor ok = abs(A - B) <= (abs(B) * rtol + atol);
    // NaN == NaN is not close (as in PyTorch with equal_nan=false).
    return ok.logical_not().sum().item<int64_t>() == 0;
}

bool equal(const Tensor& a, const Tensor& b) {
    if (a.sizes() != b.sizes()) return false;
    NoGradGuard g;
    return ne(a, b).sum().item<int64_t>() == 0;
}

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return sub(wrap_scalar(a, b), b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return div(wrap_scalar(a, b), b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, wrap_scalar(b, a)); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, wrap_scalar(b, a)); }
Tensor operator<(const Tensor& a, double b) { return lt(a, wrap_scalar(b, a)); }
Tensor operator<=(const Tensor& a, double b) { return le(a, wrap_scalar(b, a)); }
Tensor operator>(const Tensor& a, double b) { return gt(a, wrap_scalar(b, a)); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, wrap_scalar(b, a)); }
Tensor operator!(const Tensor& a) { return logical_not(a); }

}  // namespace ember