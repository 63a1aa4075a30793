// Fused optimizer updates: one pass over a parameter and its state instead of one per composed op.
// The math is kernels::SgdStepF (kernels/functors.h), run by each backend's sgd_step_kernel.
#include "kernels/functors.h"
#include "ops/internal.h"

namespace ember {

using namespace detail;

void sgd_step_(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, double lr, double momentum, double dampening,
               double weight_decay, bool nesterov) {
    static constexpr const char* op = "sgd_step_";
    check_inplace(op, param);
    check_defined(op, grad, "grad");
    check_floating(op, param);
    check_same_device(op, param, grad);
    EMBER_ENFORCE(grad.sizes() == param.sizes(), ShapeError, op, ": grad ", describe(grad), " does not match param ",
                  describe(param));
    const bool first = momentum != 0 && !momentum_buffer.defined();
    if (momentum != 0 && !first) {
        EMBER_ENFORCE(momentum_buffer.sizes() == param.sizes() && momentum_buffer.dtype() == param.dtype(), ShapeError,
                      op, ": momentum buffer ", describe(momentum_buffer), " does not match param ", describe(param));
        check_same_device(op, param, momentum_buffer);
    }
    NoGradGuard no_grad;
    // float16/bfloat16 parameters take the composed ops (each computes in float32 and rounds).
    const bool fused = !is_reduced_float(param.dtype()) && param.is_contiguous() && grad.is_contiguous() &&
                       grad.dtype() == param.dtype() && (momentum == 0 || first || momentum_buffer.is_contiguous());
    if (!fused) {
        // Strided or mixed-dtype operands: the composed ops (torch.optim.SGD's lines, in order).
        Tensor d = weight_decay != 0 ? grad + param * weight_decay : grad;
        if (momentum != 0) {
            if (first)
                momentum_buffer = d.clone();
            else
                momentum_buffer.mul_(momentum).add_(d, 1.0 - dampening);
            d = nesterov ? d + momentum_buffer * momentum : momentum_buffer;
        }
        param.add_(d, -lr);
        return;
    }
    if (first) momentum_buffer = make_empty(param.sizes(), param.dtype(), param.device());
    if (param.numel() > 0) {
        kernels::SgdStepF step{lr, momentum, dampening, weight_decay, nesterov, first};
        EMBER_KERNEL(param.device(), sgd_step_kernel, param.dtype(), param.raw_data_ptr(), grad.raw_data_ptr(),
                     momentum != 0 ? momentum_buffer.raw_data_ptr() : nullptr, param.numel(), step);
    }
    param.storage()->bump_version();
    if (momentum != 0) momentum_buffer.storage()->bump_version();
}

}  // namespace ember
