// Upsampling (ATen's upsample_nearest1d/2d, _upsample_nearest_exact1d/2d, upsample_linear1d,
// upsample_bilinear2d): one kernel pass over the output with the taps of kernels/interp.h, and
// the backward as an op of its own, the adjoint (a scatter-add of the gradient into the taps).
// Each op is linear in its input, so the two are each other's backward and both are
// differentiable to any order.
#include <cmath>

#include "ember/ops/window_ops.h"
#include "kernels/interp.h"
#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using kernels::InterpMode;
using kernels::Upsample2d;
using Grads = std::vector<Tensor>;

namespace {

// The node names of libtorch: "UpsampleBilinear2DBackward0", and "...BackwardBackward0" for the
// backward's own node.
struct UpsampleNames {
    const char* op;
    const char* node;
    const char* backward_node;
};

Tensor upsample_backward_op(const Tensor& grad, const Upsample2d& g, const UpsampleNames& names, int64_t dims);

// x4 [N, C, in_h, in_w] -> [N, C, out_h, out_w].
Tensor upsample_op(const Tensor& x4, const Upsample2d& g, const UpsampleNames& names, int64_t dims) {
    Tensor xc = x4.contiguous();
    const int64_t n = x4.size(0), c = x4.size(1);
    Tensor out = make_empty({n, c, g.out_h, g.out_w}, x4.dtype(), x4.device());
    if (out.numel() > 0)
        EMBER_KERNEL(x4.device(), upsample_kernel, x4.dtype(), g, n * c, xc.raw_data_ptr(), out.raw_data_ptr());
    if (autograd::needs_grad(x4))
        autograd::record(names.node, {x4}, out, [g, names, dims](const Tensor& grad, const Node&) -> Grads {
            return {upsample_backward_op(grad, g, names, dims)};
        });
    return out;
}

Tensor upsample_backward_op(const Tensor& grad, const Upsample2d& g, const UpsampleNames& names, int64_t dims) {
    Tensor gc = grad.contiguous();
    const int64_t n = grad.size(0), c = grad.size(1);
    Tensor out = make_empty({n, c, g.in_h, g.in_w}, grad.dtype(), grad.device());
    if (out.numel() > 0)
        EMBER_KERNEL(grad.device(), upsample_backward_kernel, grad.dtype(), g, n * c, gc.raw_data_ptr(),
                     out.raw_data_ptr());
    if (autograd::needs_grad(grad))
        autograd::record(names.backward_node, {grad}, out, [g, names, dims](const Tensor& gg, const Node&) -> Grads {
            return {upsample_op(gg, g, names, dims)};
        });
    return out;
}

// Checks and geometry shared by every upsample op: a (dims + 2)-D floating input with non-empty
// spatial dims, an output_size of `dims` positive sizes, positive scales if given.
Tensor upsample(const UpsampleNames& names, int64_t dims, const Tensor& input, IntArrayRef output_size, InterpMode mode,
                bool align_corners, std::optional<double> scale_h, std::optional<double> scale_w) {
    const char* op = names.op;
    check_defined(op, input);
    check_floating(op, input);
    EMBER_ENFORCE(input.dim() == dims + 2, ShapeError, op, ": expected a ", dims + 2, "-D input [N, C, ",
                  dims == 1 ? "W" : "H, W", "], got ", describe(input));
    EMBER_ENFORCE(static_cast<int64_t>(output_size.size()) == dims, ShapeError, op, ": output_size must have ", dims,
                  " values, got ", shape_str(output_size));
    bool positive = true;
    for (int64_t d = 0; d < dims; ++d)
        positive = positive && input.size(2 + d) > 0 && output_size[static_cast<std::size_t>(d)] > 0;
    EMBER_ENFORCE(positive, ShapeError, op, ": input and output sizes must be greater than 0, got input ",
                  describe(input), " and output_size ", shape_str(output_size));
    for (const auto& s : {scale_h, scale_w})
        EMBER_ENFORCE(!s || (*s > 0 && std::isfinite(*s)), ValueError, op,
                      ": scale factors must be positive and finite, got ", s.value_or(0));
    Upsample2d g;
    g.mode = mode;
    g.align_corners = align_corners;
    if (dims == 1) {
        g.in_w = input.size(2);
        g.out_w = output_size[0];
        g.scale_w = scale_h.value_or(0);  // a 1-D op's one scale
    } else {
        g.in_h = input.size(2);
        g.in_w = input.size(3);
        g.out_h = output_size[0];
        g.out_w = output_size[1];
        g.scale_h = scale_h.value_or(0);
        g.scale_w = scale_w.value_or(0);
    }
    Tensor x4 = dims == 1 ? input.unsqueeze(2) : input;
    Tensor out = upsample_op(x4, g, names, dims);
    return dims == 1 ? out.squeeze(2) : out;
}

constexpr UpsampleNames kNearest1d{"upsample_nearest1d", "UpsampleNearest1DBackward0",
                                   "UpsampleNearest1DBackwardBackward0"};
constexpr UpsampleNames kNearest2d{"upsample_nearest2d", "UpsampleNearest2DBackward0",
                                   "UpsampleNearest2DBackwardBackward0"};
constexpr UpsampleNames kNearestExact1d{"_upsample_nearest_exact1d", "UpsampleNearestExact1DBackward0",
                                        "UpsampleNearestExact1DBackwardBackward0"};
constexpr UpsampleNames kNearestExact2d{"_upsample_nearest_exact2d", "UpsampleNearestExact2DBackward0",
                                        "UpsampleNearestExact2DBackwardBackward0"};
constexpr UpsampleNames kLinear1d{"upsample_linear1d", "UpsampleLinear1DBackward0",
                                  "UpsampleLinear1DBackwardBackward0"};
constexpr UpsampleNames kBilinear2d{"upsample_bilinear2d", "UpsampleBilinear2DBackward0",
                                    "UpsampleBilinear2DBackwardBackward0"};

}  // namespace

Tensor upsample_nearest1d(const Tensor& input, IntArrayRef output_size, std::optional<double> scales) {
    return upsample(kNearest1d, 1, input, output_size, InterpMode::Nearest, false, scales, std::nullopt);
}

Tensor upsample_nearest2d(const Tensor& input, IntArrayRef output_size, std::optional<double> scales_h,
                          std::optional<double> scales_w) {
    return upsample(kNearest2d, 2, input, output_size, InterpMode::Nearest, false, scales_h, scales_w);
}

Tensor _upsample_nearest_exact1d(const Tensor& input, IntArrayRef output_size, std::optional<double> scales) {
    return upsample(kNearestExact1d, 1, input, output_size, InterpMode::NearestExact, false, scales, std::nullopt);
}

Tensor _upsample_nearest_exact2d(const Tensor& input, IntArrayRef output_size, std::optional<double> scales_h,
                                 std::optional<double> scales_w) {
    return upsample(kNearestExact2d, 2, input, output_size, InterpMode::NearestExact, false, scales_h, scales_w);
}

Tensor upsample_linear1d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales) {
    return upsample(kLinear1d, 1, input, output_size, InterpMode::Linear, align_corners, scales, std::nullopt);
}

Tensor upsample_bilinear2d(const Tensor& input, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h, std::optional<double> scales_w) {
    return upsample(kBilinear2d, 2, input, output_size, InterpMode::Linear, align_corners, scales_h, scales_w);
}

}  // namespace ember
