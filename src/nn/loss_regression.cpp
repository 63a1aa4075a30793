// The regression and divergence losses of nn::functional: l1_loss, smooth_l1_loss, huber_loss and
// kl_div. Each is written with differentiable ops, so its gradient (and second-order gradient)
// comes from autograd.
#include "ember/nn/functional.h"
#include "nn/loss_checks.h"

namespace ember::nn::functional {

using detail::check_pair;

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options) {
    check_pair("l1_loss", input, target);
    return apply_reduction(abs(input - target), options.reduction());
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options,
                      std::optional<double> beta_argument) {
    const char* loss = "smooth_l1_loss";
    EMBER_ENFORCE(!beta_argument || options.beta() == 1.0 || *beta_argument == options.beta(), ValueError, loss,
                  ": beta given twice, ", options.beta(), " in the options and ", *beta_argument, " as the argument");
    const double beta = beta_argument ? *beta_argument : options.beta();
    EMBER_ENFORCE(beta >= 0, ValueError, loss, ": beta must be >= 0, got ", beta);
    check_pair(loss, input, target);
    Tensor a = abs(input - target);
    if (beta == 0) return apply_reduction(a, options.reduction());
    // Quadratic within beta of the target, linear beyond, the two meeting with equal slope (1).
    return apply_reduction(where(a < beta, square(a) * (0.5 / beta), a - 0.5 * beta), options.reduction());
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options) {
    const char* loss = "huber_loss";
    const double delta = options.delta();
    EMBER_ENFORCE(delta > 0, ValueError, loss, ": delta must be positive, got ", delta);
    check_pair(loss, input, target);
    Tensor a = abs(input - target);
    // delta * smooth_l1 with beta = delta: slope delta beyond delta.
    return apply_reduction(where(a < delta, square(a) * 0.5, (a - 0.5 * delta) * delta), options.reduction());
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options) {
    const char* loss = "kl_div";
    check_pair(loss, input, target);
    Tensor l;
    if (options.log_target()) {
        l = exp(target) * (target - input);
    } else {
        // y log y with 0 log 0 = 0 (xlogy): log reads 1 where y = 0, so neither the value nor
        // the gradient sees log 0. A negative y still gives NaN, as in libtorch.
        Tensor safe = where(target == 0.0, 1.0, target);
        l = target * log(safe) - target * input;
    }
    const KLDivReduction& r = options.reduction();
    Tensor reduced = apply_reduction(l, r.reduction());
    // batchmean: the KL divergence per sample, sum / N (the plain sum for a 0-d input).
    if (r.is_batchmean() && input.dim() != 0) reduced = reduced / static_cast<double>(input.size(0));
    return reduced;
}

}  // namespace ember::nn::functional

namespace ember::nn {

Reduction reduction_from_code(int64_t code, const char* op) {
    switch (code) {
        case ember::Reduction::None: return Reduction::None;
        case ember::Reduction::Mean: return Reduction::Mean;
        case ember::Reduction::Sum: return Reduction::Sum;
        default: break;
    }
    throw ValueError(str_cat(op, ": reduction must be Reduction::None (0), Mean (1) or Sum (2), got ", code));
}

}  // namespace ember::nn
