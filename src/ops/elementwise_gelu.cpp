// gelu, exact (x Phi(x), with erf) or in its tanh approximation, as libtorch's
// torch::gelu(x, approximate = "none" | "tanh"), with its fused backward op gelu_backward, whose
// own backward is written with differentiable ops (docs/derivatives.md).
#include <cmath>
#include <numbers>

#include "ops/elementwise.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// Whether `approximate` asks for the tanh form; anything but "none" and "tanh" is an error, as in
// libtorch.
bool use_tanh(std::string_view approximate, const char* op) {
    EMBER_ENFORCE(approximate == "none" || approximate == "tanh", ValueError, op,
                  ": approximate must be \"none\" or \"tanh\", got \"", std::string(approximate), "\"");
    return approximate == "tanh";
}

// gelu''(x), with differentiable ops (so third-order gradients work too).
//   exact: gelu' = Phi + x phi, and phi' = -x phi, so gelu'' = 2 phi - x^2 phi = phi (2 - x^2);
//   tanh:  with u = k (x + c x^3), t = tanh(u), u' = k (1 + 3 c x^2), u'' = 6 k c x,
//          gelu' = (1 + t) / 2 + x (1 - t^2) u' / 2, so
//          gelu'' = (1 - t^2) (u' + x (u'' - 2 t u'^2) / 2).
Tensor gelu_second_derivative(const Tensor& x, bool tanh_form) {
    if (!tanh_form) return exp(x * x * -0.5) * (2.0 - x * x) * (1.0 / std::sqrt(2.0 * std::numbers::pi));
    const double k = std::sqrt(2.0 / std::numbers::pi), c = 0.044715;
    Tensor x2 = x * x;
    Tensor t = tanh((x + x2 * x * c) * k);
    Tensor du = (x2 * (3.0 * c) + 1.0) * k;
    Tensor ddu = x * (6.0 * k * c);
    return (1.0 - t * t) * (du + x * (ddu - t * du * du * 2.0) * 0.5);
}

}  // namespace

Tensor gelu(const Tensor& x, std::string_view approximate) {
    const bool tanh_form = use_tanh(approximate, "gelu");
    return unary_with_grad(tanh_form ? UnaryOp::GeluTanh : UnaryOp::Gelu, "gelu", "GeluBackward0", x, {}, true, false,
                           [tanh_form](const Tensor& g, const Tensor& X, const Tensor&) {
                               return gelu_backward(g, X, tanh_form ? "tanh" : "none");
                           });
}

Tensor& gelu_(Tensor& x, std::string_view approximate) {
    return activation_inplace(x, "gelu_", [=](const Tensor& t) { return gelu(t, approximate); });
}

// g gelu'(x): d/dg = gelu_backward(gg, x), d/dx = gg g gelu''(x).
Tensor gelu_backward(const Tensor& grad_output, const Tensor& self, std::string_view approximate) {
    const bool tanh_form = use_tanh(approximate, "gelu_backward");
    Tensor out =
        binary_op(tanh_form ? BinaryOp::GeluTanhBackward : BinaryOp::GeluBackward, "gelu_backward", grad_output, self);
    if (autograd::needs_grad(grad_output, self)) {
        bool gg = grad_output.requires_grad(), gx = self.requires_grad();
        SavedTensor sg(gx ? grad_output : Tensor(), false), sx(self, false);
        autograd::record("GeluBackwardBackward0", {grad_output, self}, out,
                         [sg, sx, zg = SumToOperand(grad_output, out), zx = SumToOperand(self, out), gg, gx, tanh_form](
                             const Tensor& g, const Node& n) -> Grads {
                             Tensor X = sx.unpack(n);
                             Grads r(2);
                             if (gg) r[0] = zg(gelu_backward(g, X, tanh_form ? "tanh" : "none"));
                             if (gx) r[1] = zx(g * sg.unpack(n) * gelu_second_derivative(X, tanh_form));
                             return r;
                         });
    }
    return out;
}

}  // namespace ember
