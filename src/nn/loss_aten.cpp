// The top-level losses of ATen's signatures (aten_losses.h), each a call of the functional loss.
#include "ember/nn/aten_losses.h"

#include "ember/nn/functional.h"

namespace ember {

namespace F = nn::functional;
using nn::reduction_from_code;

namespace {
// An absent optional and an undefined tensor both mean "no weight".
Tensor value_or_none(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
}  // namespace

Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
    return F::mse_loss(self, target, nn::MSELossOptions(reduction_from_code(reduction, "mse_loss")));
}
Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
    return F::l1_loss(self, target, nn::L1LossOptions(reduction_from_code(reduction, "l1_loss")));
}
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction, double beta) {
    return F::smooth_l1_loss(self, target,
                             nn::SmoothL1LossOptions(reduction_from_code(reduction, "smooth_l1_loss")).beta(beta));
}
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction, double delta) {
    return F::huber_loss(self, target, nn::HuberLossOptions(reduction_from_code(reduction, "huber_loss")).delta(delta));
}
Tensor kl_div(const Tensor& self, const Tensor& target, int64_t reduction, bool log_target) {
    return F::kl_div(self, target,
                     nn::KLDivLossOptions(reduction_from_code(reduction, "kl_div")).log_target(log_target));
}
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                            int64_t reduction) {
    return F::binary_cross_entropy(
        self, target,
        nn::BCELossOptions(reduction_from_code(reduction, "binary_cross_entropy")).weight(value_or_none(weight)));
}
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                                        const std::optional<Tensor>& pos_weight, int64_t reduction) {
    return F::binary_cross_entropy_with_logits(
        self, target,
        nn::BCEWithLogitsLossOptions(reduction_from_code(reduction, "binary_cross_entropy_with_logits"))
            .weight(value_or_none(weight))
            .pos_weight(value_or_none(pos_weight)));
}
Tensor nll_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight, int64_t reduction,
                int64_t ignore_index) {
    return F::nll_loss(self, target,
                       nn::NLLLossOptions(reduction_from_code(reduction, "nll_loss"))
                           .weight(value_or_none(weight))
                           .ignore_index(ignore_index));
}
Tensor cross_entropy_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                          int64_t reduction, int64_t ignore_index, double label_smoothing) {
    return F::cross_entropy(self, target,
                            nn::CrossEntropyLossOptions(reduction_from_code(reduction, "cross_entropy_loss"))
                                .weight(value_or_none(weight))
                                .ignore_index(ignore_index)
                                .label_smoothing(label_smoothing));
}

}  // namespace ember
