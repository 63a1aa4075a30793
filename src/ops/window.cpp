// unfold (im2col) and fold (col2im): the sliding-window ops every convolution and pooling op
// here is built from. Each is the other's adjoint, so each is the other's backward.
#include "ops/window.h"

#include "ember/ops/window_ops.h"

namespace ember {

using namespace detail;
using autograd::Node;
using kernels::Window2d;
using Grads = std::vector<Tensor>;

namespace detail {

std::array<int64_t, 2> expand_pair(IntArrayRef v, const char* op, const char* what, int64_t min, int64_t spatial_dims) {
    EMBER_ENFORCE(v.size() == 1 || static_cast<int64_t>(v.size()) == spatial_dims, ShapeError, op, ": ", what,
                  " must have 1 or ", spatial_dims, " values, got ", shape_str(v));
    for (int64_t x : v)
        EMBER_ENFORCE(x >= min, ValueError, op, ": ", what, " must be >= ", min, ", got ", shape_str(v));
    // A 1-D op works on a unit-height image: its height takes size 1 (kernel, stride, dilation)
    // or 0 (padding).
    if (spatial_dims == 1) return {min == 0 ? 0 : 1, v[0]};
    return {v[0], v.size() == 1 ? v[0] : v[1]};
}

Tensor as_batch4d(const char* op, const Tensor& x, bool& unbatched, int64_t spatial_dims) {
    check_defined(op, x);
    check_floating(op, x);
    const int64_t d = spatial_dims;
    EMBER_ENFORCE(x.dim() == d + 1 || x.dim() == d + 2, ShapeError, op, ": expected a ", d + 1, "-D [C, ...] or ",
                  d + 2, "-D [N, C, ...] input, got ", describe(x));
    unbatched = x.dim() == d + 1;
    Tensor t = d == 1 ? x.unsqueeze(-2) : x;
    return unbatched ? t.unsqueeze(0) : t;
}

Tensor from_batch4d(Tensor out, bool unbatched, int64_t spatial_dims) {
    if (spatial_dims == 1) out = out.squeeze(-2);
    return unbatched ? out.squeeze(0) : out;
}

Tensor weight_4d(const char* op, const Tensor& weight, int64_t spatial_dims) {
    check_defined(op, weight, "weight");
    EMBER_ENFORCE(weight.dim() == spatial_dims + 2, ShapeError, op, ": expected a ", spatial_dims + 2,
                  "-D weight, got ", describe(weight));
    return spatial_dims == 1 ? weight.unsqueeze(-2) : weight;
}

Window2d make_window(const char* op, const Tensor& x4, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                     std::array<int64_t, 2> padding, std::array<int64_t, 2> dilation, bool ceil_mode) {
    Window2d g;
    g.channels = x4.size(1);
    g.height = x4.size(2);
    g.width = x4.size(3);
    g.kh = kernel[0];
    g.kw = kernel[1];
    g.stride_h = stride[0];
    g.stride_w = stride[1];
    g.pad_h = padding[0];
    g.pad_w = padding[1];
    g.dil_h = dilation[0];
    g.dil_w = dilation[1];
    g.out_h = kernels::window_positions(g.height, g.kh, g.pad_h, g.stride_h, g.dil_h, ceil_mode);
    g.out_w = kernels::window_positions(g.width, g.kw, g.pad_w, g.stride_w, g.dil_w, ceil_mode);
    EMBER_ENFORCE(g.out_h > 0 && g.out_w > 0, ShapeError, op, ": a ", g.kh, "x", g.kw, " window (dilation ", g.dil_h,
                  "x", g.dil_w, ", padding ", g.pad_h, "x", g.pad_w, ") does not fit the input ", describe(x4),
                  " (spatial size ", g.height, "x", g.width, ")");
    return g;
}

Tensor unfold_window(const Tensor& x4, const Window2d& g) {
    Tensor xc = x4.contiguous();
    const int64_t n = x4.size(0);
    Tensor out = make_empty({n, g.col_rows(), g.positions()}, x4.dtype(), x4.device());
    if (out.numel() > 0)
        EMBER_KERNEL(x4.device(), im2col_kernel, x4.dtype(), g, n, xc.raw_data_ptr(), out.raw_data_ptr());
    if (autograd::needs_grad(x4))
        autograd::record("Im2ColBackward0", {x4}, out,
                         [g](const Tensor& grad, const Node&) -> Grads { return {fold_window(grad, g)}; });
    return out;
}

Tensor fold_window(const Tensor& cols, const Window2d& g) {
    Tensor cc = cols.contiguous();
    const int64_t n = cols.size(0);
    Tensor out = make_empty({n, g.channels, g.height, g.width}, cols.dtype(), cols.device());
    if (out.numel() > 0)
        EMBER_KERNEL(cols.device(), col2im_kernel, cols.dtype(), g, n, cc.raw_data_ptr(), out.raw_data_ptr());
    if (autograd::needs_grad(cols))
        autograd::record("Col2ImBackward0", {cols}, out,
                         [g](const Tensor& grad, const Node&) -> Grads { return {unfold_window(grad, g)}; });
    return out;
}

}  // namespace detail

Tensor im2col(const Tensor& x, IntArrayRef kernel_size, IntArrayRef dilation, IntArrayRef padding, IntArrayRef stride) {
    const char* op = "im2col";
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, x, unbatched);
    Window2d g =
        make_window(op, x4, expand_pair(kernel_size, op, "kernel_size", 1), expand_pair(stride, op, "stride", 1),
                    expand_pair(padding, op, "padding", 0), expand_pair(dilation, op, "dilation", 1));
    return from_batch4d(unfold_window(x4, g), unbatched);
}

Tensor col2im(const Tensor& cols, IntArrayRef output_size, IntArrayRef kernel_size, IntArrayRef dilation,
              IntArrayRef padding, IntArrayRef stride) {
    const char* op = "col2im";
    check_defined(op, cols);
    check_floating(op, cols);
    EMBER_ENFORCE(cols.dim() == 2 || cols.dim() == 3, ShapeError, op,
                  ": expected a 2-D [C kh kw, L] or 3-D [N, C kh kw, L] input, got ", describe(cols));
    const bool unbatched = cols.dim() == 2;
    Tensor c3 = unbatched ? cols.unsqueeze(0) : cols;
    const auto k = expand_pair(kernel_size, op, "kernel_size", 1);
    const auto size = expand_pair(output_size, op, "output_size", 1);
    const int64_t taps = k[0] * k[1];
    EMBER_ENFORCE(c3.size(1) % taps == 0, ShapeError, op, ": the input ", describe(cols), " has ", c3.size(1),
                  " rows, not a multiple of the kernel's ", taps, " taps");
    // The geometry of the images that im2col would have unfolded into these columns.
    Tensor like = make_empty({1, c3.size(1) / taps, size[0], size[1]}, cols.dtype(), cols.device());
    Window2d g = make_window(op, like, k, expand_pair(stride, op, "stride", 1), expand_pair(padding, op, "padding", 0),
                             expand_pair(dilation, op, "dilation", 1));
    EMBER_ENFORCE(c3.size(2) == g.positions(), ShapeError, op, ": the input ", describe(cols), " has ", c3.size(2),
                  " columns, but an output of ", size[0], "x", size[1], " with these sizes has ", g.out_h, "x", g.out_w,
                  " = ", g.positions(), " window positions");
    Tensor out = fold_window(c3, g);
    return unbatched ? out.squeeze(0) : out;
}

}  // namespace ember
