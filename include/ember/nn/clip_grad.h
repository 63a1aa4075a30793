#pragma once
// nn::utils: gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
#include <limits>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::nn::utils {

// Rescales the gradients of `parameters` in place so that their joint norm
//   total = (sum over every gradient element g of |g|^p)^(1/p)   (max |g| for p = inf)
// is at most max_norm: when total > max_norm each gradient is multiplied by
// max_norm / (total + 1e-6), as in PyTorch. Parameters without a gradient are skipped.
// Returns the total norm before clipping. With error_if_nonfinite, a NaN/inf total throws.
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2, bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace ember::nn::utils
