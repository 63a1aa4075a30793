// Elementwise arithmetic: + - * /, neg, the three pows, square, reciprocal, abs, sign, clamp,
// maximum and minimum. Each forward runs one kernel of the op table; its backward sits right below,
// written with differentiable ops (so second-order gradients need no new code), and a broadcast
// operand's gradient is summed back to its shape by SumToOperand. Each records the node libtorch
// records for the same call (AddBackward0 for a + b, AddBackward1 for a + 2.0, ...).
#include <cmath>
#include <limits>

#include "ops/elementwise.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// a + alpha b and a - alpha b: d/da = g, d/db = +-alpha g.
Tensor add_impl(const char* node, const Tensor& a, const Tensor& b, double alpha) {
    Tensor out = binary_op(BinaryOp::Add, "add", a, b, {alpha, 0});
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        autograd::record(node, {a, b}, out,
                         [za = SumToOperand(a, out), zb = SumToOperand(b, out), alpha, ga, gb](const Tensor& g,
                                                                                               const Node&) -> Grads {
                             return {ga ? za(g) : Tensor(), gb ? zb(alpha == 1 ? g : g * alpha) : Tensor()};
                         });
    }
    return out;
}

Tensor sub_impl(const char* node, const Tensor& a, const Tensor& b, double alpha) {
    Tensor out = binary_op(BinaryOp::Sub, "sub", a, b, {alpha, 0});
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        autograd::record(node, {a, b}, out,
                         [za = SumToOperand(a, out), zb = SumToOperand(b, out), alpha, ga, gb](const Tensor& g,
                                                                                               const Node&) -> Grads {
                             return {ga ? za(g) : Tensor(), gb ? zb(g * (-alpha)) : Tensor()};
                         });
    }
    return out;
}

// a b: d/da = g b, d/db = g a (each operand saved only if the other needs its gradient).
Tensor mul_impl(const char* node, const Tensor& a, const Tensor& b) {
    Tensor out = binary_op(BinaryOp::Mul, "mul", a, b);
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(ga ? b : Tensor(), false);
        autograd::record(node, {a, b}, out,
                         [sa, sb, za = SumToOperand(a, out), zb = SumToOperand(b, out), ga, gb](
                             const Tensor& g, const Node& n) -> Grads {
                             return {ga ? za(g * sb.unpack(n)) : Tensor(), gb ? zb(g * sa.unpack(n)) : Tensor()};
                         });
    }
    return out;
}

// a / b: d/da = g / b, d/db = -g a / b^2.
Tensor div_impl(const char* node, const Tensor& a, const Tensor& b) {
    Tensor out = binary_op(BinaryOp::Div, "div", a, b);
    if (autograd::needs_grad(a, b)) {
        bool gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(b, false);
        autograd::record(node, {a, b}, out,
                         [sa, sb, za = SumToOperand(a, out), zb = SumToOperand(b, out), gb](const Tensor& g,
                                                                                            const Node& n) -> Grads {
                             Tensor B = sb.unpack(n);
                             return {za(g / B), gb ? zb(-g * sa.unpack(n) / (B * B)) : Tensor()};
                         });
    }
    return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) { return add_impl("AddBackward0", a, b, alpha); }
Tensor sub(const Tensor& a, const Tensor& b, double alpha) { return sub_impl("SubBackward0", a, b, alpha); }
Tensor mul(const Tensor& a, const Tensor& b) { return mul_impl("MulBackward0", a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return div_impl("DivBackward0", a, b); }
// A scalar operand becomes a 0-dim tensor (wrap_scalar); libtorch names these nodes ...Backward1.
Tensor add(const Tensor& a, double b) { return add_impl("AddBackward1", a, wrap_scalar(b, a), 1); }
Tensor sub(const Tensor& a, double b) { return sub_impl("SubBackward1", a, wrap_scalar(b, a), 1); }
Tensor mul(const Tensor& a, double b) { return mul_impl("MulBackward1", a, wrap_scalar(b, a)); }
Tensor div(const Tensor& a, double b) { return div_impl("DivBackward1", a, wrap_scalar(b, a)); }

Tensor neg(const Tensor& x) {
    Tensor y = unary_op(UnaryOp::Neg, "neg", x);
    if (autograd::needs_grad(x))
        autograd::record("NegBackward0", {x}, y, [](const Tensor& g, const Node&) -> Grads { return {-g}; });
    return y;
}

Tensor pow(const Tensor& x, double e) {
    // An integer base keeps its dtype for a non-negative integral exponent (as in PyTorch);
    // otherwise it is raised in float32.
    const bool integral = is_integral(x.dtype()) && e >= 0 && std::floor(e) == e;
    Tensor converted;
    if (!x.is_floating_point() && !integral) converted = x.to(kFloat32);
    Tensor y = unary_op(UnaryOp::PowScalar, "pow", converted.defined() ? converted : x, {e, 0});
    if (autograd::needs_grad(x)) {
        SavedTensor sx(x, false);
        autograd::record("PowBackward0", {x}, y, [sx, e](const Tensor& g, const Node& n) -> Grads {
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
        bool gx = x.requires_grad(), ge = e.requires_grad();
        autograd::record("PowBackward1", {x, e}, y,
                         [sx, se, sy, zx = SumToOperand(x, y), ze = SumToOperand(e, y), gx, ge](
                             const Tensor& g, const Node& n) -> Grads {
                             Tensor X = sx.unpack(n), E = se.unpack(n);
                             Grads r(2);
                             if (gx) r[0] = zx(g * E * pow(X, E - 1.0));
                             // d x^e / de = x^e log x, taken as 0 where x == 0 (the limit for e > 0).
                             if (ge) r[1] = ze(where(X == 0.0, zeros_like(g), g * sy.unpack(n) * log(X)));
                             return r;
                         });
    }
    return y;
}

Tensor pow(double base, const Tensor& e) {
    Tensor y = unary_op(UnaryOp::RPowScalar, "pow", e, {base, 0});
    if (autograd::needs_grad(e)) {
        SavedTensor sy(y, true);
        double lb = std::log(base);  // d b^e / de = b^e log b
        autograd::record("PowBackward2", {e}, y,
                         [sy, lb](const Tensor& g, const Node& n) -> Grads { return {g * sy.unpack(n) * lb}; });
    }
    return y;
}

// libtorch's square is pow(x, 2), hence its node name.
Tensor square(const Tensor& x) {
    return unary_with_grad(UnaryOp::Square, "square", "PowBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * X * 2.0; });
}
// d (1/x) = -1/x^2 = -y^2
Tensor reciprocal(const Tensor& x) {
    return unary_with_grad(UnaryOp::Reciprocal, "reciprocal", "ReciprocalBackward0", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return -g * Y * Y; });
}
// d |x| = sign(x) (0 at 0, as in PyTorch)
Tensor abs(const Tensor& x) {
    return unary_with_grad(UnaryOp::Abs, "abs", "AbsBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * sign(X); });
}
Tensor sign(const Tensor& x) {
    Tensor y = unary_op(UnaryOp::Sign, "sign", x);
    if (autograd::needs_grad(x))
        autograd::record("SignBackward0", {x}, y,
                         [](const Tensor& g, const Node&) -> Grads { return {zeros_like(g)}; });
    return y;
}

namespace {
// clamp to [lo, hi]: the gradient passes where lo <= x <= hi.
Tensor clamp_impl(const char* node, const Tensor& x, double lo, double hi) {
    Tensor y = unary_op(UnaryOp::Clamp, "clamp", x, {lo, hi});
    if (autograd::needs_grad(x)) {
        SavedTensor sx(x, false);
        autograd::record(node, {x}, y, [sx, lo, hi](const Tensor& g, const Node& n) -> Grads {
            Tensor X = sx.unpack(n);
            return {g * logical_and(X >= lo, X <= hi)};
        });
    }
    return y;
}
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
    EMBER_ENFORCE(lo || hi, ValueError, "clamp: at least one of min and max must be given");
    return clamp_impl("ClampBackward1", x, lo.value_or(-kInf), hi.value_or(kInf));
}
Tensor clamp_min(const Tensor& x, double lo) { return clamp_impl("ClampMinBackward0", x, lo, kInf); }
Tensor clamp_max(const Tensor& x, double hi) { return clamp_impl("ClampMaxBackward0", x, -kInf, hi); }

namespace {
// maximum/minimum: the gradient goes to the selected operand; ties split it evenly (as PyTorch).
Tensor extremum(BinaryOp op, const char* name, const char* node, const Tensor& a, const Tensor& b) {
    Tensor out = binary_op(op, name, a, b);
    if (autograd::needs_grad(a, b)) {
        SavedTensor sa(a, false), sb(b, false);
        bool is_max = op == BinaryOp::Maximum;
        autograd::record(node, {a, b}, out,
                         [sa, sb, za = SumToOperand(a, out), zb = SumToOperand(b, out), is_max](
                             const Tensor& g, const Node& n) -> Grads {
                             Tensor A = sa.unpack(n), B = sb.unpack(n);
                             Tensor wa = where(A == B, full_like(g, 0.5), (is_max ? A > B : A < B).to(g.dtype()));
                             return {za(g * wa), zb(g * (1.0 - wa))};
                         });
    }
    return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
    return extremum(BinaryOp::Maximum, "maximum", "MaximumBackward0", a, b);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
    return extremum(BinaryOp::Minimum, "minimum", "MinimumBackward0", a, b);
}

}  // namespace ember
