#pragma once
// nn::functional: the stateless forms of the layers and losses (libtorch's torch::nn::functional,
// usually aliased `namespace F = ember::nn::functional;`). The loss modules of loss.h call these.
#include <optional>

#include "ember/nn/functional_activation.h"
#include "ember/nn/layers.h"
#include "ember/nn/loss_options.h"

namespace ember::nn {

namespace functional {

// Inverted dropout: in training, each element is zeroed with probability p and the survivors are
// scaled by 1 / (1 - p), so E[dropout(x)] = x and evaluation needs no rescaling. Identity when
// !training or p == 0.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);

// Reduces per-element losses as `reduction` says (mean, sum or none).
Tensor apply_reduction(const Tensor& loss, Reduction reduction);

// l = (x - y)^2, input and target of the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});

// l = |x - y|.
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});

// l = |d| < beta ? d^2 / (2 beta) : |d| - beta / 2 for d = x - y (beta = 0: |d|). beta is
// options.beta(), or the fourth argument of libtorch 1.13's signature when given (a ValueError if
// both are set and differ). libtorch 1.13 itself reads only the fourth argument, so there
// F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().beta(0.5)) silently uses beta = 1;
// libtorch 2 reads options.beta(), as ember does (docs/porting.md).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options = {},
                      std::optional<double> beta = std::nullopt);

// l = |d| < delta ? d^2 / 2 : delta (|d| - delta / 2) for d = x - y.
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options = {});

// KL divergence of `target` from exp(input), input holding log-probabilities:
// l = y (log y - x) (0 where y = 0), or e^y (y - x) with log_target. batchmean divides the sum by
// input.size(0); mean divides it by the number of elements (libtorch warns that this is not the
// KL divergence; so does this comment).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {});

// l = -w [y log p + (1 - y) log(1 - p)] for probabilities p in [0, 1]; each log is clamped to
// >= -100 as in PyTorch, so p = 0 or 1 gives a finite loss. The gradient is PyTorch's
// (p - y) / max(p (1 - p), 1e-12), finite at the edges too.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {});

// BCE on logits z, without ever forming sigmoid(z): l = softplus(z) - z y
// (= max(z, 0) - z y + log1p(e^-|z|)), exact for |z| = 1e4 in float32 where log(sigmoid(z))
// would give -inf. With pos_weight q: l = (1 - y) z + (1 + (q - 1) y) softplus(-z).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {});

// Negative log likelihood: input [N, C] of log-probabilities, target [N] of int64 class indices
// in [0, C); l_i = -w[t_i] input[i, t_i]. The mean divides by sum_i w[t_i] (N without weights).
// A 1-D input [C] with a 0-d target is one sample.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});

// Cross entropy of logits [N, C] against class indices [N]: nll_loss(log_softmax(input, 1)),
// i.e. l_i = logsumexp_c(x_ic) - x_{i,t_i}, stable for large logits. A floating target of the
// input's shape is read as class probabilities: l_i = -sum_c w_c y_ic log_softmax(x)_ic.
// label_smoothing eps mixes the target with the uniform distribution, PyTorch's way: with class
// indices, l_i = (1 - eps) nll_i + eps / C sum_c w_c (-log_softmax(x)_ic), the mean dividing both
// terms by sum_i w_{t_i}; with probabilities, y becomes (1 - eps) y + eps / C.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});

}  // namespace functional
}  // namespace ember::nn
