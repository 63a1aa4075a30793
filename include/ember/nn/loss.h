#pragma once
// Loss modules: thin holders of an options object around the functional losses, called as
// `loss_fn(input, target)` (libtorch's torch::nn::MSELoss and friends). They print as libtorch
// 1.13's do: `ember::nn::MSELoss()`, and SmoothL1Loss and HuberLoss without the parentheses.
#include "ember/nn/functional.h"

namespace ember::nn {

#define EMBER_LOSS_MODULE(Name, Options, printed, call)                                         \
    class Name##Impl : public Module {                                                          \
    public:                                                                                     \
        explicit Name##Impl(const Options& options_ = {}) : Module(#Name), options(options_) {} \
        Tensor forward(const Tensor& input, const Tensor& target) { return call; }              \
        void pretty_print(std::ostream& os) const override { os << "ember::nn::" printed; }     \
        Options options;                                                                        \
    };                                                                                          \
    EMBER_MODULE(Name)

EMBER_LOSS_MODULE(MSELoss, MSELossOptions, "MSELoss()", functional::mse_loss(input, target, options));
EMBER_LOSS_MODULE(L1Loss, L1LossOptions, "L1Loss()", functional::l1_loss(input, target, options));
// The module reads options.beta() (the functional form reads its fourth argument; see functional.h).
EMBER_LOSS_MODULE(SmoothL1Loss, SmoothL1LossOptions, "SmoothL1Loss",
                  functional::smooth_l1_loss(input, target, options, options.beta()));
EMBER_LOSS_MODULE(HuberLoss, HuberLossOptions, "HuberLoss", functional::huber_loss(input, target, options));
EMBER_LOSS_MODULE(KLDivLoss, KLDivLossOptions, "KLDivLoss()", functional::kl_div(input, target, options));
EMBER_LOSS_MODULE(BCELoss, BCELossOptions, "BCELoss()", functional::binary_cross_entropy(input, target, options));
EMBER_LOSS_MODULE(BCEWithLogitsLoss, BCEWithLogitsLossOptions, "BCEWithLogitsLoss()",
                  functional::binary_cross_entropy_with_logits(input, target, options));
EMBER_LOSS_MODULE(NLLLoss, NLLLossOptions, "NLLLoss()", functional::nll_loss(input, target, options));
EMBER_LOSS_MODULE(CrossEntropyLoss, CrossEntropyLossOptions, "CrossEntropyLoss()",
                  functional::cross_entropy(input, target, options));

#undef EMBER_LOSS_MODULE

}  // namespace ember::nn
