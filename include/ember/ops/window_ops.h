#pragma once
// The sliding-window ops with ATen's names and signatures: unfold/fold (im2col, col2im),
// convolutions, pooling. Sizes taken as IntArrayRef accept one value for every spatial dim
// (`stride = 2`) or one per dim (`{2, 1}`), as in libtorch. Inputs are batched [N, C, ...] or
// unbatched [C, ...].
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "ember/tensor/tensor.h"

namespace ember {

// x [N, C, H, W] -> [N, C kh kw, L]: column l holds window position l's input patch, in (c, i, j)
// order (zeros for padding); L = out_h out_w positions (kernels/window.h gives the formula).
Tensor im2col(const Tensor& x, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride);
// The adjoint of im2col: cols [N, C kh kw, L] -> [N, C, H, W] for output_size {H, W}, each pixel
// the sum of the entries im2col would have copied from it.
Tensor col2im(const Tensor& cols, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride);

// Cross-correlation, as every framework calls convolution: weight [C_out, C_in / groups, k...],
// bias [C_out] or undefined. Computed as one matrix product per image and group on im2col's
// columns, so the gradients (and second-order ones) come from those ops.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
              IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
// padding "valid" (none) or "same" (output size = input size; stride must be 1), as in PyTorch.
// (A template, so that a literal 0 picks the IntArrayRef overload rather than a null string.)
Tensor conv_padded(int64_t spatial_dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   IntArrayRef stride, std::string_view padding, IntArrayRef dilation, int64_t groups);
template <typename S>
requires(std::is_convertible_v<S, std::string_view> && !std::is_integral_v<S>) Tensor
    conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, const S& padding,
           IntArrayRef dilation = 1, int64_t groups = 1) {
    return conv_padded(1, input, weight, bias, stride, padding, dilation, groups);
}
template <typename S>
requires(std::is_convertible_v<S, std::string_view> && !std::is_integral_v<S>) Tensor
    conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, const S& padding,
           IntArrayRef dilation = 1, int64_t groups = 1) {
    return conv_padded(2, input, weight, bias, stride, padding, dilation, groups);
}
// The adjoint of conv2d in its input (a "deconvolution"): weight [C_in, C_out / groups, k...];
// output size (in - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = 1,
                        IntArrayRef padding = 0, IntArrayRef output_padding = 0, int64_t groups = 1,
                        IntArrayRef dilation = 1);

// Max pooling; stride defaults ({}) to the kernel size. The indices (int64, the output's shape)
// are positions iy * W + ix within each input plane, as PyTorch's; the backward routes each
// gradient to its maximum. Padding counts as -inf.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride = {},
                                                   IntArrayRef padding = 0, IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
Tensor max_pool2d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
Tensor max_pool1d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
// Mean over each window. count_include_pad: padding zeros count in the divisor; a
// divisor_override replaces the divisor altogether.
Tensor avg_pool2d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool1d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
// Output cell (p, q) averages input rows [floor(p H / oh), ceil((p + 1) H / oh)) and the columns
// likewise: a linear map applied as A_h x A_w^T.
Tensor adaptive_avg_pool2d(const Tensor& x, IntArrayRef output_size);
Tensor adaptive_avg_pool1d(const Tensor& x, IntArrayRef output_size);

// Adaptive max pooling over the windows of adaptive_avg_pool2d: the maxima and their indices
// (iy * W + ix within each input plane, int64), as ATen's (which returns both).
std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& x, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& x, IntArrayRef output_size);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride = {},
                                                   IntArrayRef padding = 0, IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);

// Upsampling of [N, C, W] (1d) or [N, C, H, W] (2d) input to output_size, as ATen's
// upsample_* ops: the optional scales (the user's scale factors) set the source-index ratio
// 1 / scale in place of in / out, as in PyTorch. Nearest takes src = min(floor(dst ratio), in - 1);
// linear samples x = dst (in - 1) / (out - 1) with align_corners, else the half-pixel
// max((dst + 0.5) ratio - 0.5, 0) (src/kernels/interp.h). The backward is a scatter-add of the
// gradient with the same weights, an op whose own backward is the upsampling again.
Tensor upsample_nearest1d(const Tensor& input, IntArrayRef output_size, std::optional<double> scales = std::nullopt);
Tensor upsample_nearest2d(const Tensor& input, IntArrayRef output_size, std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
// PyTorch's "nearest-exact": src = min(floor((dst + 0.5) ratio), in - 1).
Tensor _upsample_nearest_exact1d(const Tensor& input, IntArrayRef output_size,
                                 std::optional<double> scales = std::nullopt);
Tensor _upsample_nearest_exact2d(const Tensor& input, IntArrayRef output_size,
                                 std::optional<double> scales_h = std::nullopt,
                                 std::optional<double> scales_w = std::nullopt);
Tensor upsample_linear1d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales = std::nullopt);
Tensor upsample_bilinear2d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h = std::nullopt,
                           std::optional<double> scales_w = std::nullopt);

}  // namespace ember
