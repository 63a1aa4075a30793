#pragma once
// nn::functional: the stateless forms of the layers and losses (libtorch's torch::nn::functional,
// usually aliased `namespace F = ember::nn::functional;`). The loss modules of loss.h call these.
#include "ember/nn/functional_activation.h"
#include "ember/nn/layers.h"
#include "ember/nn/options.h"

namespace ember::nn {

// How a loss turns its per-element values into the result: the mean (the default), the sum, or
// no reduction at all (a tensor of per-element or per-sample losses).
enum class Reduction { None, Mean, Sum };
const char* reduction_name(Reduction r);

struct MSELossOptions {
    MSELossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Reduction, reduction);
};

// `weight` (optional) rescales each element's loss; it broadcasts against the input.
struct BCELossOptions {
    BCELossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(Reduction, reduction);
};

// `pos_weight` (optional, broadcast over the last dim) multiplies the loss of positive targets:
// the usual cure for class imbalance, as in PyTorch.
struct BCEWithLogitsLossOptions {
    BCEWithLogitsLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(Tensor, pos_weight);
    EMBER_ARG(Reduction, reduction);
};

// `weight` (optional, shape [C]) weights each class; targets equal to `ignore_index` contribute
// nothing, neither to the sum nor to the mean's denominator.
struct NLLLossOptions {
    NLLLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(int64_t, ignore_index) = -100;
    EMBER_ARG(Reduction, reduction);
};

struct CrossEntropyLossOptions {
    CrossEntropyLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(int64_t, ignore_index) = -100;
    EMBER_ARG(Reduction, reduction);
};

namespace functional {

// Inverted dropout: in training, each element is zeroed with probability p and the survivors are
// scaled by 1 / (1 - p), so E[dropout(x)] = x and evaluation needs no rescaling. Identity when
// !training or p == 0.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);

// Reduces per-element losses as `reduction` says (mean, sum or none).
Tensor apply_reduction(const Tensor& loss, Reduction reduction);

// l = (x - y)^2, input and target of the same shape.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});

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
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});

// libtorch names the functional options separately; here they are the same types.
using MSELossFuncOptions = MSELossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;

}  // namespace functional
}  // namespace ember::nn

namespace ember {
// libtorch's spellings: MSELossOptions().reduction(ember::kSum).
inline constexpr nn::Reduction kNone = nn::Reduction::None;
inline constexpr nn::Reduction kMean = nn::Reduction::Mean;
inline constexpr nn::Reduction kSum = nn::Reduction::Sum;
}  // namespace ember
