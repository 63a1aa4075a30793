// The piecewise activations of libtorch beyond relu: leaky_relu, elu and hardtanh, each with its
// fused backward op (libtorch's leaky_relu_backward, elu_backward, hardtanh_backward), which is
// recorded and differentiable in turn, so a second-order gradient goes through it
// (docs/derivatives.md lists the formulas).
#include "ops/elementwise.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// The node of a fused backward op b(g, x) that is linear in g and piecewise constant in x:
// d/dg = b(gg, x), d/dx = 0 (the derivative of a step). `again(gg, x)` is b itself.
template <typename Again>
void record_step_backward(const char* node, const Tensor& grad_output, const Tensor& self, Tensor& out, Again again) {
    if (!autograd::needs_grad(grad_output, self)) return;
    bool gg = grad_output.requires_grad(), gx = self.requires_grad();
    SavedTensor sx(gg ? self : Tensor(), false);
    autograd::record(node, {grad_output, self}, out,
                     [sx, zg = SumToOperand(grad_output, out), zx = SumToOperand(self, out), gg, gx, again](
                         const Tensor& g, const Node& n) -> Grads {
                         return {gg ? zg(again(g, sx.unpack(n))) : Tensor(), gx ? zx(zeros_like(g)) : Tensor()};
                     });
}

// leaky_relu and elu record the node `node`: libtorch names the in-place forms' nodes
// LeakyReluBackward1 and EluBackward1 (their backward reads the output; here it reads the saved
// copy of the input, which gives the same gradient).
Tensor leaky_relu_recorded(const Tensor& x, double negative_slope, const char* node) {
    // d/dx = 1 for x > 0, negative_slope otherwise
    return unary_with_grad(UnaryOp::LeakyRelu, "leaky_relu", node, x, {negative_slope}, true, false,
                           [negative_slope](const Tensor& g, const Tensor& X, const Tensor&) {
                               return leaky_relu_backward(g, X, negative_slope, false);
                           });
}
Tensor elu_recorded(const Tensor& x, double alpha, double scale, double input_scale, const char* node) {
    // d/dx = scale for x > 0, input_scale scale alpha e^(input_scale x) otherwise
    return unary_with_grad(UnaryOp::Elu, "elu", node, x, {alpha, scale, input_scale}, true, false,
                           [alpha, scale, input_scale](const Tensor& g, const Tensor& X, const Tensor&) {
                               return elu_backward(g, alpha, scale, input_scale, false, X);
                           });
}

}  // namespace

// ---- leaky_relu ----

Tensor leaky_relu(const Tensor& x, double negative_slope) {
    return leaky_relu_recorded(x, negative_slope, "LeakyReluBackward0");
}
Tensor& leaky_relu_(Tensor& x, double negative_slope) {
    return activation_inplace(x, "leaky_relu_", [=](const Tensor& t) {
        return leaky_relu_recorded(t, negative_slope, "LeakyReluBackward1");
    });
}

// x > 0 ? g : slope g. With self_is_result, `self` is the output y: for slope >= 0, y > 0 exactly
// where x > 0, so the same formula holds (libtorch refuses a negative slope there, as here).
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& self, double negative_slope, bool self_is_result) {
    EMBER_ENFORCE(!self_is_result || negative_slope >= 0, ValueError,
                  "leaky_relu_backward: with self_is_result (the backward of leaky_relu_) the slope must be >= 0, "
                  "got ",
                  negative_slope, " (the sign of the output no longer tells the sign of the input)");
    Tensor out = binary_op(BinaryOp::LeakyReluBackward, "leaky_relu_backward", grad_output, self, {negative_slope});
    record_step_backward("LeakyReluBackwardBackward0", grad_output, self, out,
                         [negative_slope](const Tensor& g, const Tensor& x) {
                             return leaky_relu_backward(g, x, negative_slope, false);
                         });
    return out;
}

// ---- elu ----

Tensor elu(const Tensor& x, double alpha, double scale, double input_scale) {
    return elu_recorded(x, alpha, scale, input_scale, "EluBackward0");
}
Tensor& elu_(Tensor& x, double alpha, double scale, double input_scale) {
    return activation_inplace(
        x, "elu_", [=](const Tensor& t) { return elu_recorded(t, alpha, scale, input_scale, "EluBackward1"); });
}

// g elu'(x). With is_result, self_or_result is the output y, and below 0
// elu'(x) = input_scale scale alpha e^(input_scale x) = input_scale (y + scale alpha).
Tensor elu_backward(const Tensor& grad_output, double alpha, double scale, double input_scale, bool is_result,
                    const Tensor& self_or_result) {
    if (is_result) {
        EMBER_ENFORCE(alpha >= 0, ValueError,
                      "elu_backward: with is_result (the backward of elu_) alpha must be >= 0, "
                      "got ",
                      alpha);
        const Tensor& y = self_or_result;
        return where(y > 0.0, grad_output * scale, grad_output * input_scale * (y + scale * alpha));
    }
    const Tensor& x = self_or_result;
    Tensor out = binary_op(BinaryOp::EluBackward, "elu_backward", grad_output, x, {alpha, scale, input_scale});
    if (autograd::needs_grad(grad_output, x)) {
        // d/dg = elu_backward(gg, x); d/dx = gg g elu''(x), and elu''(x) = input_scale elu'(x)
        // below 0 and 0 above, so d/dx = elu_backward(gg g, x) input_scale [x <= 0].
        bool gg = grad_output.requires_grad(), gx = x.requires_grad();
        SavedTensor sg(gx ? grad_output : Tensor(), false), sx(x, false);
        autograd::record("EluBackwardBackward0", {grad_output, x}, out,
                         [sg, sx, zg = SumToOperand(grad_output, out), zx = SumToOperand(x, out), gg, gx, alpha, scale,
                          input_scale](const Tensor& g, const Node& n) -> Grads {
                             Tensor X = sx.unpack(n);
                             Grads r(2);
                             if (gg) r[0] = zg(elu_backward(g, alpha, scale, input_scale, false, X));
                             if (gx)
                                 r[1] = zx(elu_backward(g * sg.unpack(n), alpha, scale, input_scale, false, X) *
                                           (X <= 0.0) * input_scale);
                             return r;
                         });
    }
    return out;
}

// ---- hardtanh ----

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
    EMBER_ENFORCE(min_val <= max_val, ValueError, "hardtanh: min_val (", min_val, ") must not exceed max_val (",
                  max_val, ")");
    // The values are clamp's (one kernel row); the gradient is not: it is 0 at the edges too.
    return unary_with_grad(UnaryOp::Clamp, "hardtanh", "HardtanhBackward0", x, {min_val, max_val}, true, false,
                           [min_val, max_val](const Tensor& g, const Tensor& X, const Tensor&) {
                               return hardtanh_backward(g, X, min_val, max_val);
                           });
}

Tensor& hardtanh_(Tensor& x, double min_val, double max_val) {
    return activation_inplace(x, "hardtanh_", [=](const Tensor& t) { return hardtanh(t, min_val, max_val); });
}

// min < x < max ? g : 0.
Tensor hardtanh_backward(const Tensor& grad_output, const Tensor& self, double min_val, double max_val) {
    Tensor out = binary_op(BinaryOp::HardtanhBackward, "hardtanh_backward", grad_output, self, {min_val, max_val});
    record_step_backward(
        "HardtanhBackwardBackward0", grad_output, self, out,
        [min_val, max_val](const Tensor& g, const Tensor& x) { return hardtanh_backward(g, x, min_val, max_val); });
    return out;
}

}  // namespace ember
