// The losses of nn::functional. Each checks its arguments (naming the loss, the shapes and the
// dtypes), computes per-element losses with differentiable ops, and reduces them.
#include <limits>
#include <string>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/nn/functional.h"
#include "nn/loss_checks.h"

namespace ember::nn::functional {

namespace {

using detail::check_floating_arg;
using detail::check_pair;

// Per-element BCE with PyTorch's explicit backward. Written as autograd::log(p) alone, the
// gradient at p = 0 would be 0 * (1 / 0) = NaN even though the clamped loss is finite.
//   l = -(y max(log p, -100) + (1 - y) max(log(1 - p), -100))
//   dl/dp = (p - y) / max(p (1 - p), 1e-12)
//   dl/dy = max(log(1 - p), -100) - max(log p, -100)
struct BinaryCrossEntropyFunction : autograd::Function<BinaryCrossEntropyFunction> {
    static Tensor forward(autograd::AutogradContext* ctx, const Tensor& p, const Tensor& y) {
        ctx->save_for_backward({p, y});
        ctx->saved_data["target_requires_grad"] = y.requires_grad();
        return -(y * clamp_min(log(p), -100) + (1.0 - y) * clamp_min(log1p(-p), -100));
    }
    static std::vector<Tensor> backward(autograd::AutogradContext* ctx, std::vector<Tensor> grads) {
        std::vector<Tensor> saved = ctx->get_saved_variables();
        const Tensor &p = saved[0], &y = saved[1], &g = grads[0];
        Tensor grad_p = g * (p - y) / clamp_min(p * (1.0 - p), 1e-12);
        Tensor grad_y;
        if (ctx->saved_data["target_requires_grad"].toBool())
            grad_y = g * (clamp_min(log1p(-p), -100) - clamp_min(log(p), -100));
        return {grad_p, grad_y};
    }
};

// The per-sample terms of nll_loss, for nll_loss and cross_entropy (with label smoothing, whose
// second term reduces with the same per-sample weights).
struct NllTerms {
    Tensor x;       // input as [N, C]
    Tensor losses;  // -w_i x[i, t_i], [N]
    Tensor w;       // w_i = weight[t_i] (t_i != ignore_index); undefined: all ones
    Tensor keep;    // (t_i != ignore_index) in input's dtype; undefined when no target is ignored
    bool single;    // input [C], target 0-d: the unreduced loss is 0-d
};

// Reduces per-sample losses l_i (each already weighted by w_i) as nll_loss does: the mean divides
// by sum_i w_i, which is N without weights or ignored targets.
Tensor reduce_weighted(const Tensor& losses, const NllTerms& terms, Reduction reduction) {
    switch (reduction) {
        case Reduction::None: return terms.single ? losses.reshape({}) : losses;
        case Reduction::Sum: return sum(losses);
        case Reduction::Mean: return terms.w.defined() ? sum(losses) / sum(terms.w) : mean(losses);
    }
    return losses;
}

// `loss` names the caller in errors.
NllTerms nll_terms(const char* loss, const Tensor& input, const Tensor& target, const Tensor& weight,
                   int64_t ignore_index) {
    check_floating_arg(loss, input, "input");
    EMBER_ENFORCE(target.defined(), ValueError, loss, ": undefined target");
    EMBER_ENFORCE(target.dtype() == kInt64, DTypeError, loss, ": target must hold int64 class indices, got ",
                  describe(target));
    const bool single = input.dim() == 1;
    EMBER_ENFORCE(
        (input.dim() == 2 && target.dim() == 1 && target.size(0) == input.size(0)) || (single && target.dim() == 0),
        ShapeError, loss, ": expected input [N, C] with target [N] (or input [C] with a 0-d target), got input ",
        shape_str(input.sizes()), " and target ", shape_str(target.sizes()));
    EMBER_ENFORCE(target.device() == input.device(), DeviceError, loss, ": input on ", input.device(),
                  " but target on ", target.device());
    const int64_t classes = input.size(-1);
    if (weight.defined()) {
        check_floating_arg(loss, weight, "weight");
        EMBER_ENFORCE(weight.dim() == 1 && weight.size(0) == classes, ShapeError, loss, ": weight ",
                      shape_str(weight.sizes()), " must have one entry per class (", classes, ")");
    }

    // Targets are read on the host once: out-of-range classes must be an error naming the value,
    // not a read past the row, and ignored targets need a valid index for gather.
    std::vector<int64_t> t = target.to_vector<int64_t>();
    std::vector<double> keep(t.size(), 1.0);
    bool any_ignored = false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i] == ignore_index) {
            t[i] = 0;
            keep[i] = 0;
            any_ignored = true;
            continue;
        }
        EMBER_ENFORCE(t[i] >= 0 && t[i] < classes, IndexError, loss, ": target ", t[i], " of sample ", i,
                      " is out of range for ", classes, " classes (expected 0 <= target < ", classes, ")");
    }
    const TensorOptions on_device = TensorOptions().dtype(kInt64).device(input.device());
    Tensor index = tensor(t, on_device);  // [N]
    Tensor x = single ? input.unsqueeze(0) : input;
    Tensor picked = gather(x, 1, index.unsqueeze(1)).squeeze(1);  // x[i, t_i], [N]

    // Per-sample weights w_i = weight[t_i] * (t_i != ignore_index); undefined means all ones.
    Tensor w, mask;
    if (weight.defined()) w = index_select(weight, 0, index);
    if (any_ignored) {
        mask = tensor(keep, TensorOptions().dtype(input.dtype()).device(input.device()));
        w = w.defined() ? w * mask : mask;
    }
    return {x, w.defined() ? -(picked * w) : -picked, w, mask, single};
}

Tensor nll(const char* loss, const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
           Reduction reduction) {
    NllTerms terms = nll_terms(loss, input, target, weight, ignore_index);
    return reduce_weighted(terms.losses, terms, reduction);
}

}  // namespace

Tensor apply_reduction(const Tensor& loss, Reduction reduction) {
    switch (reduction) {
        case Reduction::None: return loss;
        case Reduction::Mean: return mean(loss);
        case Reduction::Sum: return sum(loss);
    }
    return loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options) {
    check_pair("mse_loss", input, target);
    return apply_reduction(square(input - target), options.reduction());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options) {
    const char* loss = "binary_cross_entropy";
    check_pair(loss, input, target);
    if (input.numel() > 0) {
        NoGradGuard no_grad;
        double lo = input.min().item<double>(), hi = input.max().item<double>();
        EMBER_ENFORCE(lo >= 0 && hi <= 1, ValueError, loss,
                      ": input must hold probabilities in [0, 1], got values in [", lo, ", ", hi,
                      "] (for logits use binary_cross_entropy_with_logits)");
    }
    Tensor l = BinaryCrossEntropyFunction::apply(input, target);
    if (options.weight().defined()) l = l * options.weight();
    return apply_reduction(l, options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options) {
    check_pair("binary_cross_entropy_with_logits", input, target);
    // log sigmoid(z) = -softplus(-z) and log(1 - sigmoid(z)) = -softplus(z), so
    // -[q y log s(z) + (1 - y) log(1 - s(z))] = q y softplus(-z) + (1 - y) softplus(z), and with
    // softplus(-z) = softplus(z) - z this is (1 - y) z + (1 + (q - 1) y) softplus(-z); for q = 1,
    // softplus(z) - z y. softplus is exact for large |z| and its derivative, sigmoid(z), is right
    // at z = 0 too (max(z, 0) + log1p(e^-|z|) written with relu and abs would give 0 there).
    // No threshold: softplus's default linear branch above z = 20 is off by log1p(e^-20) = 2e-9,
    // invisible in float32 but not in float64 (libtorch's loss has no such branch).
    const double no_threshold = std::numeric_limits<double>::infinity();
    Tensor l;
    const Tensor& pos_weight = options.pos_weight();
    if (pos_weight.defined())
        l = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus(-input, 1, no_threshold);
    else
        l = softplus(input, 1, no_threshold) - input * target;
    if (options.weight().defined()) l = l * options.weight();
    return apply_reduction(l, options.reduction());
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options) {
    return nll("nll_loss", input, target, options.weight(), options.ignore_index(), options.reduction());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options) {
    const char* loss = "cross_entropy";
    check_floating_arg(loss, input, "input");
    EMBER_ENFORCE(input.dim() == 1 || input.dim() == 2, ShapeError, loss, ": expected logits [N, C] or [C], got ",
                  shape_str(input.sizes()));
    const double eps = options.label_smoothing();
    EMBER_ENFORCE(eps >= 0 && eps <= 1, ValueError, loss, ": label_smoothing must be in [0, 1], got ", eps);
    const Tensor& weight = options.weight();
    const int64_t classes = input.size(-1);
    if (weight.defined()) {
        check_floating_arg(loss, weight, "weight");
        EMBER_ENFORCE(weight.dim() == 1 && weight.size(0) == classes, ShapeError, loss, ": weight ",
                      shape_str(weight.sizes()), " must have one entry per class (", classes, ")");
    }
    // log_softmax(x)_c = x_c - logsumexp(x): the max is subtracted inside, so logits of 1e4 are fine.
    Tensor logp = log_softmax(input, -1);
    EMBER_ENFORCE(target.defined(), ValueError, loss, ": undefined target");
    if (!target.is_floating_point()) {
        NllTerms terms = nll_terms(loss, logp, target, weight, options.ignore_index());
        Tensor nll_part = reduce_weighted(terms.losses, terms, options.reduction());
        if (eps == 0) return nll_part;
        // Against the uniform target: s_i = -sum_c w_c logp_ic, zero for ignored samples, reduced
        // with nll's denominator (PyTorch's cross_entropy_loss_label_smoothing).
        Tensor smooth = weight.defined() ? -sum(terms.x * weight, {-1}) : -sum(terms.x, {-1});
        if (terms.keep.defined()) smooth = smooth * terms.keep;
        return nll_part * (1.0 - eps) + reduce_weighted(smooth, terms, options.reduction()) * (eps / classes);
    }

    // Class probabilities: l_i = -sum_c w_c y_ic log_softmax(x)_ic; the mean is over samples.
    // Label smoothing mixes y with the uniform distribution: y' = (1 - eps) y + eps / C.
    EMBER_ENFORCE(target.sizes() == input.sizes(), ShapeError, loss,
                  ": a probability target must have the input's shape ", shape_str(input.sizes()), ", got ",
                  shape_str(target.sizes()), " (class indices must be int64)");
    Tensor y = eps == 0 ? target : target * (1.0 - eps) + eps / classes;
    Tensor weighted = y * logp;
    if (weight.defined()) weighted = weighted * weight;
    return apply_reduction(-sum(weighted, {-1}), options.reduction());
}

}  // namespace ember::nn::functional
