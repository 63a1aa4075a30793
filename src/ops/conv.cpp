// Convolutions as matrix products on unfolded columns: for image n and group g,
//   out[n, g] = W[g] (C_out/G x C_in/G kh kw)  @  cols[n, g] (C_in/G kh kw x L),
// with cols = im2col(x). Transposed convolution is the adjoint in the input:
//   out = col2im(W^T @ x). The gradients come from matmul and the unfold/fold pair, so they
// need no formula of their own and are differentiable again.
#include "ember/ops/window_ops.h"
#include "ops/window.h"

namespace ember {

using namespace detail;
using kernels::Window2d;

namespace {

struct ConvArgs {
    std::array<int64_t, 2> stride, padding, dilation;
};

ConvArgs conv_args(const char* op, IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t dims) {
    return {expand_pair(stride, op, "stride", 1, dims), expand_pair(padding, op, "padding", 0, dims),
            expand_pair(dilation, op, "dilation", 1, dims)};
}

// The checks every convolution makes on the 4-D input and weight: dtypes, devices, the bias
// shape and the groups (the weight is [C_out, C_in / groups, ...], or [C_in, C_out / groups, ...]
// when transposed).
void check_conv(const char* op, const Tensor& x4, const Tensor& weight, const Tensor& bias, int64_t groups,
                bool transposed, int64_t out_channels) {
    check_same_device(op, x4, weight);
    EMBER_ENFORCE(weight.dtype() == x4.dtype(), DTypeError, op, ": input ", describe(x4), " and weight ",
                  describe(weight), " differ in dtype");
    EMBER_ENFORCE(groups >= 1, ValueError, op, ": groups must be >= 1, got ", groups);
    const int64_t c = x4.size(1);
    EMBER_ENFORCE(c % groups == 0 && weight.size(0) % groups == 0, ShapeError, op, ": input channels ", c,
                  " and weight ", shape_str(weight.sizes()), " must both divide into ", groups, " groups");
    if (transposed) {
        EMBER_ENFORCE(weight.size(0) == c, ShapeError, op, ": input ", describe(x4), " has ", c,
                      " channels, but the weight ", shape_str(weight.sizes()), " expects ", weight.size(0),
                      " (weight [C_in, C_out / groups, kh, kw])");
    } else {
        EMBER_ENFORCE(weight.size(1) * groups == c, ShapeError, op, ": input ", describe(x4), " has ", c,
                      " channels, but the weight ", shape_str(weight.sizes()), " with groups = ", groups, " expects ",
                      weight.size(1) * groups, " (weight [C_out, C_in / groups, kh, kw])");
    }
    if (bias.defined()) {
        check_same_device(op, x4, bias);
        EMBER_ENFORCE(bias.dim() == 1 && bias.size(0) == out_channels, ShapeError, op, ": expected a bias of shape [",
                      out_channels, "], got ", describe(bias));
    }
}

Tensor conv_nd(const char* op, int64_t dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
               const ConvArgs& a, int64_t groups) {
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, input, unbatched, dims);
    Tensor w4 = weight_4d(op, weight, dims);
    const int64_t out_c = w4.size(0);
    check_conv(op, x4, w4, bias, groups, false, out_c);
    const Window2d g = make_window(op, x4, {w4.size(2), w4.size(3)}, a.stride, a.padding, a.dilation);
    const int64_t n = x4.size(0), c = x4.size(1);
    // A 1x1 kernel at stride 1 without padding reads each pixel once: the input is its own columns.
    const bool pointwise = g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0;
    Tensor cols = pointwise ? x4.reshape({n, c, g.positions()}) : unfold_window(x4, g);
    Tensor out;
    if (groups == 1) {
        out = matmul(w4.reshape({out_c, -1}), cols);
    } else {
        out = matmul(w4.reshape({groups, out_c / groups, -1}), cols.reshape({n, groups, -1, g.positions()}));
    }
    out = out.reshape({n, out_c, g.out_h, g.out_w});
    if (bias.defined()) out = out + bias.view({1, out_c, 1, 1});
    return from_batch4d(out, unbatched, dims);
}

Tensor conv_transpose_nd(const char* op, int64_t dims, const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const ConvArgs& a, IntArrayRef output_padding, int64_t groups) {
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, input, unbatched, dims);
    Tensor w4 = weight_4d(op, weight, dims);
    const int64_t out_c = w4.size(1) * groups;
    check_conv(op, x4, w4, bias, groups, true, out_c);
    const auto op_pad = expand_pair(output_padding, op, "output_padding", 0, dims);
    const int64_t n = x4.size(0), c = x4.size(1), h = x4.size(2), w = x4.size(3);
    Window2d g;
    g.channels = out_c;
    g.kh = w4.size(2);
    g.kw = w4.size(3);
    g.stride_h = a.stride[0];
    g.stride_w = a.stride[1];
    g.pad_h = a.padding[0];
    g.pad_w = a.padding[1];
    g.dil_h = a.dilation[0];
    g.dil_w = a.dilation[1];
    for (int d = 0; d < 2; ++d)
        EMBER_ENFORCE(op_pad[d] < a.stride[d] || op_pad[d] < a.dilation[d], ValueError, op, ": output_padding ",
                      shape_str(output_padding), " must be smaller than the stride or the dilation");
    g.height = (h - 1) * g.stride_h - 2 * g.pad_h + g.dil_h * (g.kh - 1) + op_pad[0] + 1;
    g.width = (w - 1) * g.stride_w - 2 * g.pad_w + g.dil_w * (g.kw - 1) + op_pad[1] + 1;
    EMBER_ENFORCE(g.height > 0 && g.width > 0, ShapeError, op, ": the output size ", g.height, "x", g.width,
                  " for input ", describe(x4), " is not positive (padding too large)");
    // The input's pixels are the window positions of the output image.
    g.out_h = h;
    g.out_w = w;
    Tensor cols;
    if (groups == 1) {
        cols = matmul(w4.reshape({c, -1}).t(), x4.reshape({n, c, h * w}));
    } else {
        cols = matmul(w4.reshape({groups, c / groups, -1}).transpose(1, 2), x4.reshape({n, groups, c / groups, h * w}))
                   .reshape({n, g.col_rows(), h * w});
    }
    Tensor out = fold_window(cols, g);
    if (bias.defined()) out = out + bias.view({1, out_c, 1, 1});
    return from_batch4d(out, unbatched, dims);
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
              IntArrayRef dilation, int64_t groups) {
    return conv_nd("conv1d", 1, input, weight, bias, conv_args("conv1d", stride, padding, dilation, 1), groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride, IntArrayRef padding,
              IntArrayRef dilation, int64_t groups) {
    return conv_nd("conv2d", 2, input, weight, bias, conv_args("conv2d", stride, padding, dilation, 2), groups);
}

Tensor conv_padded(int64_t dims, const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                   std::string_view padding, IntArrayRef dilation, int64_t groups) {
    const char* op = dims == 1 ? "conv1d" : "conv2d";
    EMBER_ENFORCE(padding == "same" || padding == "valid", ValueError, op,
                  ": padding must be \"same\", \"valid\" or sizes, got \"", padding, "\"");
    if (padding == "valid")
        return conv_nd(op, dims, input, weight, bias, conv_args(op, stride, 0, dilation, dims), groups);
    ConvArgs a = conv_args(op, stride, 0, dilation, dims);
    EMBER_ENFORCE(a.stride[0] == 1 && a.stride[1] == 1, ValueError, op,
                  ": padding=\"same\" is not supported for strided convolutions (stride ", shape_str(stride), ")");
    weight_4d(op, weight, dims);  // its checks, before reading the kernel size
    // Total padding d (k - 1) per dim, split evenly; an odd total puts the extra on the right
    // (PyTorch's rule), computed here as padding ceil(total / 2) on both sides and the first
    // output position dropped.
    std::array<int64_t, 2> total{0, 0};
    bool odd = false;
    for (int64_t d = 0; d < dims; ++d) {
        const int64_t k = weight.size(2 + d), slot = dims == 1 ? 1 : d;
        total[slot] = a.dilation[slot] * (k - 1);
        a.padding[slot] = (total[slot] + 1) / 2;
        odd = odd || total[slot] % 2 == 1;
    }
    Tensor out = conv_nd(op, dims, input, weight, bias, a, groups);
    if (!odd) return out;
    for (int64_t d = 0; d < dims; ++d) {
        const int64_t slot = dims == 1 ? 1 : d, dim = out.dim() - dims + d;
        if (total[slot] % 2 == 1) out = out.narrow(dim, 1, out.size(dim) - 1);
    }
    return out;
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
    const char* op = "conv_transpose1d";
    return conv_transpose_nd(op, 1, input, weight, bias, conv_args(op, stride, padding, dilation, 1), output_padding,
                             groups);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef padding, IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
    const char* op = "conv_transpose2d";
    return conv_transpose_nd(op, 2, input, weight, bias, conv_args(op, stride, padding, dilation, 2), output_padding,
                             groups);
}

}  // namespace ember
