#pragma once
// The losses as ATen spells them at the top level, `ember::smooth_l1_loss(x, y,
// ember::Reduction::Sum, 0.5)` (libtorch's torch::smooth_l1_loss(x, y, at::Reduction::Sum, 0.5)):
// the reduction is an int64 code of ember::Reduction (None 0, Mean 1, Sum 2) and the options are
// positional. Each is the functional loss of nn::functional with those options.
#include <optional>

#include "ember/nn/reduction.h"
#include "ember/tensor/tensor.h"

namespace ember {

Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean);
Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean);
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean, double beta = 1.0);
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean, double delta = 1.0);
// Reduction::Mean divides by every element (ATen has no batchmean; divide a Sum by the batch size).
Tensor kl_div(const Tensor& self, const Tensor& target, int64_t reduction = Reduction::Mean, bool log_target = false);
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight = {},
                            int64_t reduction = Reduction::Mean);
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const std::optional<Tensor>& weight = {},
                                        const std::optional<Tensor>& pos_weight = {},
                                        int64_t reduction = Reduction::Mean);
Tensor nll_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight = {},
                int64_t reduction = Reduction::Mean, int64_t ignore_index = -100);
Tensor cross_entropy_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight = {},
                          int64_t reduction = Reduction::Mean, int64_t ignore_index = -100,
                          double label_smoothing = 0.0);

}  // namespace ember
