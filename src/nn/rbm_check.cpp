// Bad-input and divergence checks (rbm_check.h).
#include "nn/rbm_check.h"

#include <cmath>

#include "ember/nn/layers.h"

namespace ember::nn::detail {

namespace {

// A scalar that is exactly 0 when every element of x is fine and non-zero (or NaN) otherwise:
//   finite only:  sum(x * 0)  (0 * Inf and 0 * NaN are NaN, 0 * finite is 0);
//   in [0, 1]:    sum |x - clamp(x, 0, 1)|  (positive out of range, NaN or Inf for NaN and Inf).
// One reduction on x's device, read as one double.
bool all_fine(const Tensor& x, bool unit_interval) {
    NoGradGuard no_grad;
    if (x.numel() == 0) return true;
    const Tensor bad = unit_interval ? (x - x.clamp(0, 1)).abs().sum() : (x * 0).sum();
    return bad.item<double>() == 0;  // false for NaN too
}

}  // namespace

std::string rbm_name(const RBMImpl& rbm) {
    return str_cat("RBM(", rbm.n_visible(), ", ", rbm.n_hidden(), ", ", rbm.gaussian() ? "Gaussian" : "Bernoulli",
                   " visible", rbm.gaussian_hidden() ? ", Gaussian hidden" : "", ")");
}

void check_visible_values(const RBMImpl& rbm, const Tensor& v, const std::string& who, const char* what) {
    EMBER_ENFORCE(v.defined() && v.dim() == 2 && v.size(1) == rbm.n_visible(), ShapeError, who, ": expected ", what,
                  " of shape [N, ", rbm.n_visible(), "], got ", describe(v));
    const bool unit = !rbm.gaussian();
    // Integer data has no NaN, but its range still matters: compare it as the model's dtype.
    const bool floating = v.dtype() == kFloat32 || v.dtype() == kFloat64;
    if (all_fine(floating ? v : v.to(rbm.weight.dtype()), unit)) return;
    // The error path: find the first offending element on the host, row-major.
    NoGradGuard no_grad;
    const Tensor h = v.cpu().to(kFloat64).contiguous();
    const double* p = h.data_ptr<double>();
    const int64_t rows = h.size(0), cols = h.size(1);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const double x = p[r * cols + c];
            EMBER_ENFORCE(std::isfinite(x), ValueError, who, ": ", what, "[", r, ", ", c, "] = ", x,
                          " is not finite (NaN or Inf)");
            EMBER_ENFORCE(!unit || (x >= 0 && x <= 1), ValueError, who, ": ", what, "[", r, ", ", c, "] = ", x,
                          " is outside [0, 1], which Bernoulli visible units require (probabilities or binary "
                          "states; use VisibleUnits::Gaussian for real-valued data)");
        }
}

void check_parameters_finite(const RBMImpl& rbm, int64_t epoch) {
    NoGradGuard no_grad;
    // One reduction over the three parameters together; which one is looked up only on failure.
    const Tensor bad = (rbm.weight * 0).sum() + (rbm.visible_bias * 0).sum() + (rbm.hidden_bias * 0).sum();
    if (bad.item<double>() == 0) return;
    for (const auto& [t, name] : {std::pair{&rbm.weight, "weight"}, std::pair{&rbm.visible_bias, "visible_bias"},
                                  std::pair{&rbm.hidden_bias, "hidden_bias"}})
        EMBER_ENFORCE((*t * 0).sum().item<double>() == 0, ValueError, rbm_name(rbm),
                      "::fit: training diverged at epoch ", epoch, ": the parameters (", name,
                      ") hold NaN or Inf; lower the learning rate (or use a smaller momentum or weight decay)");
}

}  // namespace ember::nn::detail
