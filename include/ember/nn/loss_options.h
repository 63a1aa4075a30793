#pragma once
// The options of the losses, libtorch's names and defaults, shared by the functional forms
// (F::mse_loss(x, y, F::MSELossFuncOptions(ember::kSum))) and the modules (nn::MSELoss).
#include "ember/nn/options.h"
#include "ember/nn/reduction.h"
#include "ember/tensor/tensor.h"

namespace ember::nn {

struct MSELossOptions {
    MSELossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Reduction, reduction);
};

// l = |x - y|.
struct L1LossOptions {
    L1LossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Reduction, reduction);
};

// l = |d| < beta ? d^2 / (2 beta) : |d| - beta / 2, d = x - y (beta = 0: the L1 loss).
struct SmoothL1LossOptions {
    SmoothL1LossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Reduction, reduction);
    EMBER_ARG(double, beta) = 1.0;
};

// l = |d| < delta ? d^2 / 2 : delta (|d| - delta / 2), d = x - y: smooth_l1 scaled by delta.
struct HuberLossOptions {
    HuberLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Reduction, reduction);
    EMBER_ARG(double, delta) = 1.0;
};

// KL(target || exp(input)) per element for log-probabilities `input`:
// l = y (log y - x), or with log_target (y given as log-probabilities) e^y (y - x).
// The mean divides by every element; batchmean (the KL divergence proper) by the batch size.
struct KLDivLossOptions {
    KLDivLossOptions(KLDivReduction reduction = Reduction::Mean) : reduction_(reduction) {}
    KLDivLossOptions(BatchMean b) : reduction_(b) {}
    EMBER_ARG(KLDivReduction, reduction);
    EMBER_ARG(bool, log_target) = false;
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

// As NLLLossOptions, and label_smoothing eps in [0, 1]: the target becomes (1 - eps) one_hot + eps / C.
struct CrossEntropyLossOptions {
    CrossEntropyLossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(int64_t, ignore_index) = -100;
    EMBER_ARG(Reduction, reduction);
    EMBER_ARG(double, label_smoothing) = 0.0;
};

namespace functional {
// libtorch names the functional options separately; here they are the same types.
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
}  // namespace functional

}  // namespace ember::nn
