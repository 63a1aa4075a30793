#pragma once
// Loss modules: thin holders of an options object around the functional losses, called as
// `loss_fn(input, target)` (libtorch's torch::nn::MSELoss and friends).
#include "ember/nn/functional.h"

namespace ember::nn {

#define EMBER_LOSS_MODULE(Name, Options, fn)                                                                         \
    class Name##Impl : public Module {                                                                               \
    public:                                                                                                          \
        explicit Name##Impl(const Options& options_ = {}) : Module(#Name), options(options_) {}                      \
        Tensor forward(const Tensor& input, const Tensor& target) { return functional::fn(input, target, options); } \
        void pretty_print(std::ostream& os) const override {                                                         \
            os << #Name "(reduction=" << reduction_name(options.reduction()) << ")";                                 \
        }                                                                                                            \
        Options options;                                                                                             \
    };                                                                                                               \
    EMBER_MODULE(Name)

EMBER_LOSS_MODULE(MSELoss, MSELossOptions, mse_loss);
EMBER_LOSS_MODULE(BCELoss, BCELossOptions, binary_cross_entropy);
EMBER_LOSS_MODULE(BCEWithLogitsLoss, BCEWithLogitsLossOptions, binary_cross_entropy_with_logits);
EMBER_LOSS_MODULE(NLLLoss, NLLLossOptions, nll_loss);
EMBER_LOSS_MODULE(CrossEntropyLoss, CrossEntropyLossOptions, cross_entropy);

#undef EMBER_LOSS_MODULE

}  // namespace ember::nn
