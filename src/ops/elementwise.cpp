// Elementwise ops: forward through the shared functors, backward right below each forward.
// Every backward is written with differentiable ops, so second-order gradients need no new code.
#include <cmath>
#include <limits>

#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace detail {

Tensor unary_op(UnaryOp op, const char* name, const Tensor& x, OpParams p, bool floating_only) {
    check_defined(name, x);
    Tensor converted;  // only when x's dtype does not suit the op (no handle copy otherwise)
    if (floating_only && !x.is_floating_point()) converted = x.to(kFloat32);
    if (!floating_only && x.dtype() == kBool && op != UnaryOp::LogicalNot) converted = x.to(kInt64);
    const Tensor& in = converted.defined() ? converted : x;
    Tensor out = make_empty(in.sizes(), in.dtype(), in.device());
    if (out.numel() == 0) return out;
    StridedIter it = make_iter(out, {&in});
    EMBER_KERNEL(in.device(), unary_kernel, op, it, p);
    return out;
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
    ScalarType t = promote_types(a.dtype(), b.dtype());
    bool compare = kernels::is_comparison(op);
    if (!compare && t == kBool) t = kInt64;
    if (op == BinaryOp::Div && t == kInt64) t = kFloat32;  // true division, as in PyTorch
    if (op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr) t = kBool;
    // Converted copies only where the dtype differs; otherwise the operands are used as they are
    // (copying a Tensor handle costs two atomic reference-count updates, a sizeable share of a
    // one-element op).
    Tensor a_conv, b_conv;
    if (a.dtype() != t) a_conv = a.to(t);
    if (b.dtype() != t) b_conv = b.to(t);
    const Tensor& A = a_conv.defined() ? a_conv : a;
    const Tensor& B = b_conv.defined() ? b_conv : b;
    Tensor out = make_empty(shape, compare ? kBool : t, a.device());
    if (out.numel() == 0) return out;
    StridedIter it = make_iter(out, {&A, &B});
    EMBER_KERNEL(a.device(), binary_kernel, op, it, p);
    return out;
}

void binary_op_inplace(BinaryOp op, const char* name, Tensor& out, const Tensor& b, OpParams p) {
    check_defined(name, b, "second operand");
    check_same_device(name, out, b);
    Shape shape = broadcast_shapes(out.sizes(), b.sizes(), name);
    EMBER_CHECK(shape == Shape(out.sizes().begin(), out.sizes().end()), ShapeError, name, ": operand of shape ",
                shape_str(b.sizes()), " cannot be broadcast to the in-place target of shape ", shape_str(out.sizes()));
    EMBER_CHECK(out.is_floating_point() || !b.is_floating_point(), DTypeError, name, ": the result of ", describe(out),
                " and ", describe(b), " is floating point and cannot be stored in place in ", dtype_name(out.dtype()));
    EMBER_CHECK(out.dtype() != kBool, DTypeError, name, ": arithmetic in place on a bool tensor ", describe(out));
    Tensor B = b.dtype() == out.dtype() ? b : b.to(out.dtype());
    if (out.numel() == 0) return;
    StridedIter it = make_iter(out, {&out, &B});
    EMBER_KERNEL(out.device(), binary_kernel, op, it, p);
    out.storage()->bump_version();
}

}  // namespace detail

namespace {

// A unary op on floats with a backward g -> fn(g, saved input x, saved output y).
template <typename Bw>
Tensor unary_with_grad(UnaryOp op, const char* name, const Tensor& x, OpParams p, bool save_x, bool save_y, Bw bw) {
    Tensor y = unary_op(op, name, x, p);
    if (autograd::needs_grad(x)) {
        SavedTensor sx(save_x ? x : Tensor(), false), sy(save_y ? y : Tensor(), true);
        autograd::record(name, {x}, y, [sx, sy, bw](const Tensor& g, const Node& n) -> Grads {
            return {bw(g, sx.unpack(n), sy.unpack(n))};
        });
    }
    return y;
}

Tensor scalar_of(double v, const Tensor& like) { return wrap_scalar(v, like); }

// The shape an operand's gradient must be summed back to, kept by a backward only when
// broadcasting made the operand's shape differ from the output's (null in the usual same-shape
// case, where the gradient passes through as it is). A Shape is 72 bytes and a node is allocated
// per recorded op, so keeping it only when needed makes the graph of a scalar chain a third smaller.
using SumBack = std::unique_ptr<const Shape>;
SumBack sum_back_shape(const Tensor& operand, const Tensor& out) {
    if (operand.sizes() == out.sizes()) return nullptr;
    return std::make_unique<const Shape>(operand.sizes().begin(), operand.sizes().end());
}
Tensor sum_back(const Tensor& g, const SumBack& shape) { return shape ? sum_to_size(g, *shape) : g; }

}  // namespace

// ---- arithmetic ----

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
    Tensor out = binary_op(BinaryOp::Add, "add", a, b, {alpha, 0});
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        autograd::record(
            "add", {a, b}, out,
            [sa = sum_back_shape(a, out), sb = sum_back_shape(b, out), alpha, ga, gb](const Tensor& g,
                                                                                      const Node&) -> Grads {
                return {ga ? sum_back(g, sa) : Tensor(), gb ? sum_back(alpha == 1 ? g : g * alpha, sb) : Tensor()};
            });
    }
    return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
    Tensor out = binary_op(BinaryOp::Sub, "sub", a, b, {alpha, 0});
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        autograd::record("sub", {a, b}, out,
                         [sa = sum_back_shape(a, out), sb = sum_back_shape(b, out), alpha, ga, gb](
                             const Tensor& g, const Node&) -> Grads {
                             return {ga ? sum_back(g, sa) : Tensor(), gb ? sum_back(g * (-alpha), sb) : Tensor()};
                         });
    }
    return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
    Tensor out = binary_op(BinaryOp::Mul, "mul", a, b);
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(ga ? b : Tensor(), false);
        autograd::record(
            "mul", {a, b}, out,
            [sa, sb, za = sum_back_shape(a, out), zb = sum_back_shape(b, out), ga, gb](const Tensor& g,
                                                                                       const Node& n) -> Grads {
                return {ga ? sum_back(g * sb.unpack(n), za) : Tensor(), gb ? sum_back(g * sa.unpack(n), zb) : Tensor()};
            });
    }
    return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
    Tensor out = binary_op(BinaryOp::Div, "div", a, b);
    if (autograd::needs_grad(a, b)) {
        bool gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(b, false);
        autograd::record("div", {a, b}, out,
                         [sa, sb, za = sum_back_shape(a, out), zb = sum_back_shape(b, out), gb](
                             const Tensor& g, const Node& n) -> Grads {
                             Tensor B = sb.unpack(n);
                             // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
                             return {sum_back(g / B, za), gb ? sum_back(-g * sa.unpack(n) / (B * B), zb) : Tensor()};
                         });
    }
    return out;
}

Tensor add(const Tensor& a, double b) { return add(a, scalar_of(b, a)); }
Tensor sub(const Tensor& a, double b) { return sub(a, scalar_of(b, a)); }
Tensor mul(const Tensor& a, double b) { return mul(a, scalar_of(b, a)); }
Tensor div(const Tensor& a, double b) { return div(a, scalar_of(b, a)); }

Tensor neg(const Tensor& x) {
    Tensor y = unary_op(UnaryOp::Neg, "neg", x, {}, false);
    if (autograd::needs_grad(x))
        autograd::record("neg", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {-g}; });
    return y;
}

Tensor pow(const Tensor& x, double e) {
    Tensor y = unary_op(UnaryOp::PowScalar, "pow", x, {e, 0}, !(x.dtype() == kInt64 && e >= 0 && std::floor(e) == e));
    if (autograd::needs_grad(x)) {
        SavedTensor sx(x, false);
        autograd::record("pow", {x}, y, [sx, e](const Tensor& g, const Node& n) -> Grads {
            if (e == 0) return {zeros_like(g)};
            return {g * (pow(sx.unpack(n), e - 1) * e)};  // d x^e = e x^(e-1)
        });
    }
    return y;
}

Tensor pow(const Tensor& x, const Tensor& e) {
    Tensor y = binary_op(BinaryOp::Pow, "pow", x, e);
    if (autograd::needs_grad(x, e)) {
        SavedTensor sx(x, false), se(e, false), sy(y, true);
        Shape zx(x.sizes().begin(), x.sizes().end()), ze(e.sizes().begin(), e.sizes().end());
        bool gx = x.requires_grad(), ge = e.requires_grad();
        autograd::record("pow", {x, e}, y, [=](const Tensor& g, const Node& n) -> Grads {
            Tensor X = sx.unpack(n), E = se.unpack(n);
            Grads r(2);
            if (gx) r[0] = sum_to_size(g * E * pow(X, E - 1.0), zx);
            // d x^e / de = x^e log x, taken as 0 where x == 0 (the limit for e > 0).
            if (ge) r[1] = sum_to_size(where(X == 0.0, zeros_like(g), g * sy.unpack(n) * log(X)), ze);
            return r;
        });
    }
    return y;
}

Tensor pow(double base, const Tensor& e) {
    Tensor y = unary_op(UnaryOp::RPowScalar, "pow", e, {base, 0});
    if (autograd::needs_grad(e)) {
        SavedTensor sy(y, true);
        double lb = std::log(base);
        autograd::record("pow", {e}, y,
                         [sy, lb](const Tensor& g, const Node& n) -> Grads { return {g * sy.unpack(n) * lb}; });
    }
    return y;
}

Tensor square(const Tensor& x) {
    return unary_with_grad(UnaryOp::Square, "square", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * X * 2.0; });
}
Tensor reciprocal(const Tensor& x) {
    return unary_with_grad(UnaryOp::Reciprocal, "reciprocal", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return -g * Y * Y; });
}
Tensor exp(const Tensor& x) {
    return unary_with_grad(UnaryOp::Exp, "exp", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g * Y; });
}
Tensor log(const Tensor& x) {
    return unary_with_grad(UnaryOp::Log, "log", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g / X; });
}
Tensor log1p(const Tensor& x) {
    return unary_with_grad(UnaryOp::Log1p, "log1p", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g / (X + 1.0); });
}
Tensor sqrt(const Tensor& x) {
    return unary_with_grad(UnaryOp::Sqrt, "sqrt", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g / (Y * 2.0); });
}
Tensor rsqrt(const Tensor& x) {
    // d x^-1/2 = -1/2 x^-3/2 = -1/2 y^3
    return unary_with_grad(UnaryOp::Rsqrt, "rsqrt", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g * Y * Y * Y * -0.5; });
}
Tensor sin(const Tensor& x) {
    return unary_with_grad(UnaryOp::Sin, "sin", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * cos(X); });
}
Tensor cos(const Tensor& x) {
    return unary_with_grad(UnaryOp::Cos, "cos", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return -g * sin(X); });
}
Tensor sigmoid(const Tensor& x) {
    // s' = s (1 - s)
    // Without create_graph the formula runs as one fused pass (same arithmetic, no temporaries).
    return unary_with_grad(UnaryOp::Sigmoid, "sigmoid", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) {
                               if (!GradMode::is_enabled() && g.dtype() == Y.dtype())
                                   return binary_op(BinaryOp::SigmoidBackward, "sigmoid_backward", g, Y);
                               return g * Y * (1.0 - Y);
                           });
}
Tensor log_sigmoid(const Tensor& x) {
    // d log s(x) = 1 - s(x) = s(-x)
    return unary_with_grad(UnaryOp::LogSigmoid, "log_sigmoid", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * sigmoid(-X); });
}
Tensor tanh(const Tensor& x) {
    return unary_with_grad(UnaryOp::Tanh, "tanh", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g * (1.0 - Y * Y); });
}
Tensor softplus(const Tensor& x, double beta, double threshold) {
    EMBER_CHECK(beta > 0, ValueError, "softplus: beta must be positive, got ", beta);
    // d softplus = sigmoid(beta x) below the threshold, 1 above it.
    return unary_with_grad(
        UnaryOp::Softplus, "softplus", x, {beta, threshold}, true, false,
        [beta, threshold](const Tensor& g, const Tensor& X, const Tensor&) {
            if (!GradMode::is_enabled() && g.dtype() == X.dtype())
                return binary_op(BinaryOp::SoftplusBackward, "softplus_backward", g, X, {beta, threshold});
            Tensor z = X * beta;
            return where(z > threshold, g, g * sigmoid(z));
        });
}

Tensor abs(const Tensor& x) {
    Tensor y = unary_op(UnaryOp::Abs, "abs", x, {}, false);
    if (autograd::needs_grad(x)) {
        SavedTensor sx(x, false);
        autograd::record("abs", {x}, y,
                         [sx](const Tensor& g, const Node& n) -> Grads { return {g * sign(sx.unpack(n))}; });
    }
    return y;
}

Tensor sign(const Tensor& x) {
    Tensor y = unary_op(UnaryOp::Sign, "sign", x, {}, false);
    if (autograd::needs_grad(x))
        autograd::record("sign", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {zeros_like(g)}; });
    return y;
}

Tensor relu(const Tensor& x) {
    Tensor y = unary_op(UnaryOp::Relu, "relu", x, {}, false);
    if (autograd::needs_grad(x)) {
        SavedTensor sy(y, true);
        autograd::record("relu", {x}, y, [sy](const Tensor& g, const Node& n) -> Grads {
            Tensor Y = sy.unpack(n);
            if (!GradMode::is_enabled() && g.dtype() == Y.dtype() && g.is_floating_point())
                return {binary_op(BinaryOp::ReluBackward, "relu_backward", g, Y)};
            return {g * (Y > 0.0)};
        });
    }
    return y;
}

Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
    const double inf = std::numeric_limits<double>::infinity();
    double l = lo.value_or(-inf), h = hi.value_or(inf);
    EMBER_CHECK(lo || hi, ValueError, "clamp: at least one of min and max must be given");
    Tensor y = unary_op(UnaryOp::Clamp, "clamp", x, {l, h}, false);
    if (autograd::needs_grad(x)) {
        SavedTensor sx(x, false);
        autograd::record("clamp", {x}, y, [sx, l, h](const Tensor& g, const Node& n) -> Grads {
            Tensor X = sx.unpack(n);
            return {g * logical_and(X >= l, X <= h)};
        });
    }
    return y;
}
Tensor clamp_min(const Tensor& x, double lo) { return clamp(x, lo, std::nullopt); }
Tensor clamp_max(const Tensor& x, double hi) { return clamp(x, std::nullopt, hi); }

namespace {
// maximum/minimum: the gradient goes to the selected operand; ties split it evenly (as PyTorch).
Tensor extremum(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
    Tensor out = binary_op(op, name, a, b);
    if (autograd::needs_grad(a, b)) {
        SavedTensor sa(a, false), sb(b, false);
        Shape za(a.sizes().begin(), a.sizes().end()), zb(b.sizes().begin(), b.sizes().end());
        bool is_max = op == BinaryOp::Maximum;
        autograd::record(name, {a, b}, out, [=](const Tensor& g, const Node& n) -> Grads {
            Tensor A = sa.unpack(n), B = sb.unpack(n);
            Tensor wa = where(A == B, full_like(g, 0.5), (is_max ? A > B : A < B).to(g.dtype()));
            return {sum_to_size(g * wa, za), sum_to_size(g * (1.0 - wa), zb)};
        });
    }
    return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::Maximum, "maximum", a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(BinaryOp::Minimum, "minimum", a, b); }

// ---- comparisons and logic (not differentiable) ----
Tensor eq(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Eq, "eq", a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ne, "ne", a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Lt, "lt", a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Le, "le", a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Gt, "gt", a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Ge, "ge", a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::LogicalAnd, "logical_and", a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::LogicalOr, "logical_or", a, b); }
Tensor logical_not(const Tensor& x) {
    Tensor b = x.dtype() == kBool ? x : x.ne(0.0);
    return unary_op(UnaryOp::LogicalNot, "logical_not", b, {}, false);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    const char* name = "where";
    check_defined(name, cond, "condition");
    check_defined(name, a, "first value");
    check_defined(name, b, "second value");
    EMBER_CHECK(cond.dtype() == kBool, DTypeError, "where: the condition must be a bool tensor, got ", describe(cond));
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
        SavedTensor sc(cond, false);
        Shape za(a.sizes().begin(), a.sizes().end()), zb(b.sizes().begin(), b.sizes().end());
        autograd::record(name, {a, b}, out, [=](const Tensor& g, const Node& n) -> Grads {
            Tensor c = sc.unpack(n);
            Tensor z = zeros({}, g.options());
            return {sum_to_size(where(c, g, z), za), sum_to_size(where(c, z, g), zb)};
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
