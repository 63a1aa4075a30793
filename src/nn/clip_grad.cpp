// nn::utils::clip_grad_norm_ / clip_grad_value_, as torch.nn.utils.
#include "ember/nn/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/ops.h"

namespace ember::nn::utils {

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
    EMBER_ENFORCE(norm_type > 0, ValueError, "clip_grad_norm_: norm_type must be positive (or inf), got ", norm_type);
    NoGradGuard no_grad;
    std::vector<Tensor> grads;
    for (const Tensor& p : parameters)
        if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
    if (grads.empty()) return 0.0;

    // The joint norm is the p-norm of the per-tensor p-norms; accumulate sum |g|^p (or max |g|)
    // in double on the host, one value per tensor.
    const bool inf_norm = std::isinf(norm_type);
    double acc = 0;
    for (const Tensor& g : grads) {
        if (g.numel() == 0) continue;
        Tensor a = abs(g.to(kFloat64));
        if (inf_norm)
            acc = std::max(acc, a.max().item<double>());
        else
            acc += (norm_type == 2 ? sum(a * a) : sum(pow(a, norm_type))).item<double>();
    }
    double total = inf_norm ? acc : std::pow(acc, 1.0 / norm_type);
    EMBER_ENFORCE(!error_if_nonfinite || std::isfinite(total), ValueError, "clip_grad_norm_: the total norm of order ",
                  norm_type, " of the gradients is ", total, "; set error_if_nonfinite=false to clip anyway");
    double coef = max_norm / (total + 1e-6);
    if (coef < 1)
        for (Tensor& g : grads) g.mul_(coef);
    return total;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
    return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
    EMBER_ENFORCE(clip_value >= 0, ValueError, "clip_grad_value_: clip_value must be non-negative, got ", clip_value);
    NoGradGuard no_grad;
    for (const Tensor& p : parameters) {
        if (!p.defined()) continue;
        Tensor g = p.grad();
        if (g.defined()) g.clamp_(-clip_value, clip_value);
    }
}

}  // namespace ember::nn::utils
