// Elementwise functions of one float tensor (exp, log, sqrt, the trigonometric ones) and the
// activations (sigmoid, tanh, relu, softplus, silu), each with its backward right below, written
// with differentiable ops. The backwards of sigmoid, relu and softplus are ops of their own, as in
// libtorch (sigmoid_backward, threshold_backward, softplus_backward): one fused kernel pass
// forward, and a backward of their own, so a second-order gradient runs through them too. Each
// derivative is written once (docs/derivatives.md lists them all).
#include "ops/elementwise.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

// ---- functions of one tensor ----

Tensor exp(const Tensor& x) {
    return unary_with_grad(UnaryOp::Exp, "exp", "ExpBackward0", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g * Y; });
}
Tensor log(const Tensor& x) {
    return unary_with_grad(UnaryOp::Log, "log", "LogBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g / X; });
}
Tensor log1p(const Tensor& x) {
    return unary_with_grad(UnaryOp::Log1p, "log1p", "Log1PBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g / (X + 1.0); });
}
Tensor sqrt(const Tensor& x) {
    return unary_with_grad(UnaryOp::Sqrt, "sqrt", "SqrtBackward0", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g / (Y * 2.0); });
}
Tensor rsqrt(const Tensor& x) {
    // d x^-1/2 = -1/2 x^-3/2 = -1/2 y^3
    return unary_with_grad(UnaryOp::Rsqrt, "rsqrt", "RsqrtBackward0", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g * Y * Y * Y * -0.5; });
}
Tensor sin(const Tensor& x) {
    return unary_with_grad(UnaryOp::Sin, "sin", "SinBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * cos(X); });
}
Tensor cos(const Tensor& x) {
    return unary_with_grad(UnaryOp::Cos, "cos", "CosBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return -g * sin(X); });
}
Tensor tanh(const Tensor& x) {
    // d tanh = 1 - tanh^2
    return unary_with_grad(UnaryOp::Tanh, "tanh", "TanhBackward0", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return g * (1.0 - Y * Y); });
}

// ---- activations ----

Tensor sigmoid(const Tensor& x) {
    // s' = s (1 - s), from the saved output
    return unary_with_grad(UnaryOp::Sigmoid, "sigmoid", "SigmoidBackward0", x, {}, false, true,
                           [](const Tensor& g, const Tensor&, const Tensor& Y) { return sigmoid_backward(g, Y); });
}
Tensor log_sigmoid(const Tensor& x) {
    // d log s(x) = 1 - s(x) = s(-x)
    return unary_with_grad(UnaryOp::LogSigmoid, "log_sigmoid", "LogSigmoidBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) { return g * sigmoid(-X); });
}
Tensor relu(const Tensor& x) {
    // relu' = 1 where the output is positive: libtorch's threshold_backward(g, relu(x), 0)
    Tensor y = unary_op(UnaryOp::Relu, "relu", x);
    if (autograd::needs_grad(x)) {
        SavedTensor sy(y, true);
        autograd::record("ReluBackward0", {x}, y, [sy](const Tensor& g, const Node& n) -> Grads {
            return {threshold_backward(g, sy.unpack(n), 0)};
        });
    }
    return y;
}
Tensor softplus(const Tensor& x, double beta, double threshold) {
    EMBER_ENFORCE(beta > 0, ValueError, "softplus: beta must be positive, got ", beta);
    // d softplus = sigmoid(beta x) below the threshold, 1 above it.
    return unary_with_grad(UnaryOp::Softplus, "softplus", "SoftplusBackward0", x, {beta, threshold}, true, false,
                           [beta, threshold](const Tensor& g, const Tensor& X, const Tensor&) {
                               return softplus_backward(g, X, beta, threshold);
                           });
}
Tensor silu(const Tensor& x) {
    // silu(x) = x s(x), s = sigmoid: d/dx = s + x s (1 - s) = s (1 + x (1 - s))
    return unary_with_grad(UnaryOp::Silu, "silu", "SiluBackward0", x, {}, true, false,
                           [](const Tensor& g, const Tensor& X, const Tensor&) {
                               Tensor s = sigmoid(X);
                               return g * s * (1.0 + X * (1.0 - s));
                           });
}

// ---- in place (libtorch's torch::relu_(x), x.relu_(), ...) ----

Tensor& relu_(Tensor& x) {
    return activation_inplace(x, "relu_", [](const Tensor& t) { return relu(t); });
}
Tensor& sigmoid_(Tensor& x) {
    return activation_inplace(x, "sigmoid_", [](const Tensor& t) { return sigmoid(t); });
}
Tensor& tanh_(Tensor& x) {
    return activation_inplace(x, "tanh_", [](const Tensor& t) { return tanh(t); });
}
Tensor& silu_(Tensor& x) {
    return activation_inplace(x, "silu_", [](const Tensor& t) { return silu(t); });
}
Tensor& Tensor::relu_() { return ember::relu_(*this); }
Tensor& Tensor::sigmoid_() { return ember::sigmoid_(*this); }
Tensor& Tensor::tanh_() { return ember::tanh_(*this); }

// ---- the fused backward ops (libtorch's; see derivatives.yaml) ----
// Each is linear in its first argument g, so its gradient for g is the op itself applied to the
// incoming gradient; the gradient for its second argument is written with differentiable ops.

// g y (1 - y): d/dg = sigmoid_backward(gg, y), d/dy = gg g (1 - 2 y).
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output) {
    Tensor out = binary_op(BinaryOp::SigmoidBackward, "sigmoid_backward", grad_output, output);
    if (autograd::needs_grad(grad_output, output)) {
        bool gg = grad_output.requires_grad(), gy = output.requires_grad();
        SavedTensor sg(gy ? grad_output : Tensor(), false), sy(output, false);
        autograd::record("SigmoidBackwardBackward0", {grad_output, output}, out,
                         [sg, sy, zg = SumToOperand(grad_output, out), zy = SumToOperand(output, out), gg, gy](
                             const Tensor& g, const Node& n) -> Grads {
                             Tensor Y = sy.unpack(n);
                             return {gg ? zg(sigmoid_backward(g, Y)) : Tensor(),
                                     gy ? zy(g * sg.unpack(n) * (1.0 - Y * 2.0)) : Tensor()};
                         });
    }
    return out;
}

// x <= t ? 0 : g: d/dg = threshold_backward(gg, x, t), d/dx = 0 (a step function's derivative).
Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold) {
    Tensor out = binary_op(BinaryOp::ThresholdBackward, "threshold_backward", grad_output, self, {threshold, 0});
    if (autograd::needs_grad(grad_output, self)) {
        bool gg = grad_output.requires_grad(), gx = self.requires_grad();
        SavedTensor sx(gg ? self : Tensor(), false);
        autograd::record("ThresholdBackwardBackward0", {grad_output, self}, out,
                         [sx, zg = SumToOperand(grad_output, out), zx = SumToOperand(self, out), gg, gx, threshold](
                             const Tensor& g, const Node& n) -> Grads {
                             return {gg ? zg(threshold_backward(g, sx.unpack(n), threshold)) : Tensor(),
                                     gx ? zx(zeros_like(g)) : Tensor()};
                         });
    }
    return out;
}

// z = beta x; z > t ? g : g s(z): d/dg = softplus_backward(gg, x, beta, t),
// d/dx = gg g beta s(z) (1 - s(z)) where z < t, 0 above (libtorch's softplus_double_backward).
Tensor softplus_backward(const Tensor& grad_output, const Tensor& self, double beta, double threshold) {
    Tensor out = binary_op(BinaryOp::SoftplusBackward, "softplus_backward", grad_output, self, {beta, threshold});
    if (autograd::needs_grad(grad_output, self)) {
        bool gg = grad_output.requires_grad(), gx = self.requires_grad();
        SavedTensor sg(gx ? grad_output : Tensor(), false), sx(self, false);
        autograd::record("SoftplusBackwardBackward0", {grad_output, self}, out,
                         [sg, sx, zg = SumToOperand(grad_output, out), zx = SumToOperand(self, out), gg, gx, beta,
                          threshold](const Tensor& g, const Node& n) -> Grads {
                             Tensor X = sx.unpack(n);
                             Grads r(2);
                             if (gg) r[0] = zg(softplus_backward(g, X, beta, threshold));
                             if (gx) {
                                 Tensor z = X * beta;
                                 r[1] = zx(sigmoid_backward(g * sg.unpack(n), sigmoid(z)) * (z < threshold) * beta);
                             }
                             return r;
                         });
    }
    return out;
}

}  // namespace ember
