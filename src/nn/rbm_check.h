#pragma once
// Bad-input and divergence checks of the RBM's entry points (fit, the evaluations, DBN::pretrain).
// Internal to ember. Each check is one reduction over the whole tensor and one read of its scalar
// to the host; only when that scalar says something is wrong is the tensor copied to the host to
// find the first bad element, so the common path costs one synchronisation per call.
#include <string>

#include "ember/nn/rbm.h"

namespace ember::nn::detail {

// "RBM(784, 500, Bernoulli visible)" (", Gaussian hidden" appended for Gaussian hidden units).
std::string rbm_name(const RBMImpl& rbm);

// Throws ValueError, "<who>: <what>[row, col] = value ...", when `v` (2-D) holds NaN or Inf or,
// for Bernoulli visible units, a value outside [0, 1]. `who` names the model and the function.
void check_visible_values(const RBMImpl& rbm, const Tensor& v, const std::string& who, const char* what = "data");

// Throws ValueError naming `epoch` and the parameter when the RBM's weight or biases hold NaN/Inf.
void check_parameters_finite(const RBMImpl& rbm, int64_t epoch);

}  // namespace ember::nn::detail
