// Pooling. Max pooling finds each window's argmax with a kernel and then gathers those elements,
// so its backward is gather's (a scatter-add of the gradient to the maxima), differentiable
// again. Average pooling sums unfolded windows; adaptive average pooling is the linear map
// A_h x A_w^T with averaging matrices.
#include <cmath>

#include "ember/ops/window_ops.h"
#include "ops/window.h"

namespace ember {

using namespace detail;
using kernels::Window2d;

namespace {

// Pooling windows: stride defaults to the kernel; padding at most half the kernel (PyTorch's
// rule, which keeps every window partly inside the input).
Window2d pool_window(const char* op, const Tensor& x4, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                     IntArrayRef dilation, bool ceil_mode, int64_t dims) {
    const auto k = expand_pair(kernel_size, op, "kernel_size", 1, dims);
    const auto s = stride.empty() ? k : expand_pair(stride, op, "stride", 1, dims);
    const auto p = expand_pair(padding, op, "padding", 0, dims);
    EMBER_ENFORCE(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, ValueError, op, ": padding ", shape_str(padding),
                  " must be at most half the kernel size ", shape_str(kernel_size));
    return make_window(op, x4, k, s, p, expand_pair(dilation, op, "dilation", 1, dims), ceil_mode);
}

std::tuple<Tensor, Tensor> max_pool_nd(const char* op, int64_t dims, const Tensor& x, IntArrayRef kernel_size,
                                       IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, x, unbatched, dims);
    Window2d g = pool_window(op, x4, kernel_size, stride, padding, dilation, ceil_mode, dims);
    const int64_t n = x4.size(0), c = x4.size(1), planes = n * c;
    g.channels = 1;  // the kernel walks planes
    Tensor flat = x4.reshape({planes, g.plane()});
    Tensor idx = make_empty({planes, g.positions()}, kInt64, x.device());
    if (idx.numel() > 0) {
        Tensor xc = flat.contiguous();
        EMBER_KERNEL(x.device(), max_pool2d_kernel, x.dtype(), g, planes, xc.raw_data_ptr(), idx.data_ptr<int64_t>());
    }
    Tensor out = gather(flat, 1, idx).view({n, c, g.out_h, g.out_w});
    idx = idx.view({n, c, g.out_h, g.out_w});
    return {from_batch4d(out, unbatched, dims), from_batch4d(idx, unbatched, dims)};
}

Tensor avg_pool_nd(const char* op, int64_t dims, const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride,
                   IntArrayRef padding, bool ceil_mode, bool count_include_pad,
                   std::optional<int64_t> divisor_override) {
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, x, unbatched, dims);
    const Window2d g = pool_window(op, x4, kernel_size, stride, padding, 1, ceil_mode, dims);
    EMBER_ENFORCE(!divisor_override || *divisor_override != 0, ValueError, op, ": divisor_override must not be zero");
    const int64_t n = x4.size(0), c = x4.size(1), L = g.positions();
    Tensor sums = unfold_window(x4, g).view({n, c, g.taps(), L}).sum({2});
    Tensor out;
    if (divisor_override) {
        out = sums / static_cast<double>(*divisor_override);
    } else {
        // PyTorch's divisor: the window clipped to the padded input, or to the input itself
        // without count_include_pad.
        std::vector<double> div(static_cast<std::size_t>(L));
        bool uniform = true;
        for (int64_t l = 0; l < L; ++l) {
            const int64_t y0 = (l / g.out_w) * g.stride_h - g.pad_h, x0 = (l % g.out_w) * g.stride_w - g.pad_w;
            int64_t y1 = std::min(y0 + g.kh, g.height + g.pad_h), x1 = std::min(x0 + g.kw, g.width + g.pad_w);
            double d = static_cast<double>((y1 - y0) * (x1 - x0));
            if (!count_include_pad)
                d = static_cast<double>((std::min(y1, g.height) - std::max<int64_t>(y0, 0)) *
                                        (std::min(x1, g.width) - std::max<int64_t>(x0, 0)));
            div[static_cast<std::size_t>(l)] = d;
            uniform = uniform && d == div[0];
        }
        out = uniform ? sums / div[0] : sums / tensor(div, TensorOptions().dtype(x.dtype()).device(x.device()));
    }
    return from_batch4d(out.view({n, c, g.out_h, g.out_w}), unbatched, dims);
}

// [out, in] with row p averaging in[floor(p in / out), ceil((p + 1) in / out)).
Tensor adaptive_matrix(int64_t out, int64_t in, const Tensor& like) {
    std::vector<double> a(static_cast<std::size_t>(out * in), 0.0);
    for (int64_t p = 0; p < out; ++p) {
        const int64_t s = (p * in) / out, e = ((p + 1) * in + out - 1) / out;
        for (int64_t i = s; i < e; ++i) a[static_cast<std::size_t>(p * in + i)] = 1.0 / static_cast<double>(e - s);
    }
    return tensor(a, TensorOptions().dtype(like.dtype()).device(like.device())).view({out, in});
}

Tensor adaptive_avg_pool_nd(const char* op, int64_t dims, const Tensor& x, IntArrayRef output_size) {
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, x, unbatched, dims);
    const auto o = expand_pair(output_size, op, "output_size", 1, dims);
    const int64_t h = x4.size(2), w = x4.size(3);
    EMBER_ENFORCE(h > 0 && w > 0, ShapeError, op, ": empty spatial dims in ", describe(x));
    Tensor out;
    if (o[0] == 1 && o[1] == 1) {
        out = x4.mean({2, 3}, true);
    } else if (h % o[0] == 0 && w % o[1] == 0) {
        // Equal windows that tile the input: plain average pooling.
        out = avg_pool_nd(op, 2, x4, {h / o[0], w / o[1]}, {}, 0, false, true, std::nullopt);
    } else {
        // x A_w^T then (.)^T A_h^T: each a single GEMM over all rows of the batch.
        Tensor t = matmul(x4, adaptive_matrix(o[1], w, x4).t());                            // [N, C, H, ow]
        out = matmul(t.transpose(2, 3), adaptive_matrix(o[0], h, x4).t()).transpose(2, 3);  // [N, C, oh, ow]
    }
    return from_batch4d(out, unbatched, dims);
}

// Adaptive max pooling: each window's argmax by a kernel, then a gather (so the backward is
// gather's, differentiable again), as max_pool_nd.
std::tuple<Tensor, Tensor> adaptive_max_pool_nd(const char* op, int64_t dims, const Tensor& x,
                                                IntArrayRef output_size) {
    bool unbatched = false;
    Tensor x4 = as_batch4d(op, x, unbatched, dims);
    const auto o = expand_pair(output_size, op, "output_size", 1, dims);
    kernels::AdaptiveWindow2d g;
    g.height = x4.size(2);
    g.width = x4.size(3);
    g.out_h = o[0];
    g.out_w = o[1];
    EMBER_ENFORCE(g.height > 0 && g.width > 0, ShapeError, op, ": empty spatial dims in ", describe(x));
    const int64_t n = x4.size(0), c = x4.size(1), planes = n * c;
    Tensor flat = x4.reshape({planes, g.plane()});
    Tensor idx = make_empty({planes, g.positions()}, kInt64, x.device());
    if (idx.numel() > 0) {
        Tensor xc = flat.contiguous();
        EMBER_KERNEL(x.device(), adaptive_max_pool2d_kernel, x.dtype(), g, planes, xc.raw_data_ptr(),
                     idx.data_ptr<int64_t>());
    }
    Tensor out = gather(flat, 1, idx).view({n, c, g.out_h, g.out_w});
    idx = idx.view({n, c, g.out_h, g.out_w});
    return {from_batch4d(out, unbatched, dims), from_batch4d(idx, unbatched, dims)};
}

}  // namespace

std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& x, IntArrayRef output_size) {
    return adaptive_max_pool_nd("adaptive_max_pool2d", 2, x, output_size);
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& x, IntArrayRef output_size) {
    return adaptive_max_pool_nd("adaptive_max_pool1d", 1, x, output_size);
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
    return max_pool_nd("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
    return max_pool_nd("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode);
}

Tensor max_pool2d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
    return std::get<0>(max_pool_nd("max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_pool1d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
    return std::get<0>(max_pool_nd("max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
    return avg_pool_nd("avg_pool2d", 2, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override);
}

Tensor avg_pool1d(const Tensor& x, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                  bool count_include_pad) {
    return avg_pool_nd("avg_pool1d", 1, x, kernel_size, stride, padding, ceil_mode, count_include_pad, std::nullopt);
}

Tensor adaptive_avg_pool2d(const Tensor& x, IntArrayRef output_size) {
    return adaptive_avg_pool_nd("adaptive_avg_pool2d", 2, x, output_size);
}

Tensor adaptive_avg_pool1d(const Tensor& x, IntArrayRef output_size) {
    return adaptive_avg_pool_nd("adaptive_avg_pool1d", 1, x, output_size);
}

}  // namespace ember
