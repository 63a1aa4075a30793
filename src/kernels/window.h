#pragma once
// The geometry of a sliding 2-D window (convolution, unfold/fold, pooling) and the index math of
// each output element, as host-and-device functions. The CUDA kernels (src/cuda/window.cu) run
// them one element per thread; the CPU loops (src/cpu/window.cpp) share max_pool_argmax and walk
// whole rows for unfold/fold, and tests/test_window_math.cpp runs im2col_source and
// col2im_pixel on the host against those loops, so the GPU's offsets are tested without a GPU.
//
// Window position (oy, ox) covers the input rows iy = oy * stride_h - pad_h + i * dil_h and the
// columns ix = ox * stride_w - pad_w + j * dil_w for 0 <= i < kh, 0 <= j < kw. Positions outside
// [0, height) x [0, width) are padding: zeros for unfold, skipped by max pooling.
#include <cstdint>

#include "ember/tensor/macros.h"

namespace ember::kernels {

struct Window2d {
    int64_t channels = 1, height = 1, width = 1;  // of one input image
    int64_t kh = 1, kw = 1;
    int64_t pad_h = 0, pad_w = 0;
    int64_t stride_h = 1, stride_w = 1;
    int64_t dil_h = 1, dil_w = 1;
    int64_t out_h = 1, out_w = 1;  // window positions; set by the caller (floor or ceil mode)

    EMBER_HD int64_t plane() const { return height * width; }
    EMBER_HD int64_t positions() const { return out_h * out_w; }
    EMBER_HD int64_t taps() const { return kh * kw; }
    // Rows of one image's column matrix: one per (channel, i, j).
    EMBER_HD int64_t col_rows() const { return channels * kh * kw; }
};

// Output positions along one dim: floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1, or with
// ceil_mode the ceiling, dropping a last window that would start in the right padding (PyTorch's
// rule). May be <= 0 when the window does not fit; callers reject that.
EMBER_HD inline int64_t window_positions(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                                         bool ceil_mode = false) {
    const int64_t span = in + 2 * pad - dil * (k - 1) - 1;
    if (span < 0) return 0;
    int64_t n = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (n - 1) * stride >= in + pad) --n;
    return n;
}

// Element (row, l) of an image's column matrix [col_rows, positions], row = (c, i, j): the offset
// of its source in the image [channels, height, width], or -1 for padding.
EMBER_HD inline int64_t im2col_source(const Window2d& g, int64_t row, int64_t l) {
    const int64_t j = row % g.kw, i = (row / g.kw) % g.kh, c = row / g.taps();
    const int64_t oy = l / g.out_w, ox = l % g.out_w;
    const int64_t iy = oy * g.stride_h - g.pad_h + i * g.dil_h;
    const int64_t ix = ox * g.stride_w - g.pad_w + j * g.dil_w;
    if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) return -1;
    return (c * g.height + iy) * g.width + ix;
}

// col2im as a gather: input pixel `p` of an image ([channels, height, width] offset) is the sum of
// the column entries that im2col copied from it, visited in the order (i, j) ascending. `cols`
// points at one image's column matrix. Both backends sum in this order, so they agree bitwise.
template <typename T, typename Acc>
EMBER_HD inline Acc col2im_pixel(const Window2d& g, const T* cols, int64_t p) {
    const int64_t x = p % g.width, y = (p / g.width) % g.height, c = p / g.plane();
    const int64_t L = g.positions();
    Acc s = 0;
    for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ny = y + g.pad_h - i * g.dil_h;  // = oy * stride_h
        if (ny < 0 || ny % g.stride_h != 0) continue;
        const int64_t oy = ny / g.stride_h;
        if (oy >= g.out_h) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t nx = x + g.pad_w - j * g.dil_w;
            if (nx < 0 || nx % g.stride_w != 0) continue;
            const int64_t ox = nx / g.stride_w;
            if (ox >= g.out_w) continue;
            s += static_cast<Acc>(cols[((c * g.kh + i) * g.kw + j) * L + oy * g.out_w + ox]);
        }
    }
    return s;
}

// Max pooling at position l of one plane [height, width]: the index (iy * width + ix) of the
// window's largest element: the first one on ties, the last NaN if any (PyTorch's rule); -1 when the
// window lies entirely in the padding (callers' shape checks prevent that).
template <typename T>
EMBER_HD inline int64_t max_pool_argmax(const Window2d& g, const T* plane, int64_t l) {
    const int64_t oy = l / g.out_w, ox = l % g.out_w;
    int64_t best = -1;
    T best_v = T(0);
    for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t iy = oy * g.stride_h - g.pad_h + i * g.dil_h;
        if (iy < 0 || iy >= g.height) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ix = ox * g.stride_w - g.pad_w + j * g.dil_w;
            if (ix < 0 || ix >= g.width) continue;
            const int64_t k = iy * g.width + ix;
            const T v = plane[k];
            if (best < 0 || v > best_v || v != v) {  // v != v: NaN
                best = k;
                best_v = v;
            }
        }
    }
    return best;
}

// Adaptive pooling of a plane [height, width] to [out_h, out_w]: output row p covers the input
// rows [floor(p height / out_h), ceil((p + 1) height / out_h)), the columns likewise (PyTorch's
// windows, which overlap when the sizes do not divide).
struct AdaptiveWindow2d {
    int64_t height = 1, width = 1, out_h = 1, out_w = 1;
    EMBER_HD int64_t plane() const { return height * width; }
    EMBER_HD int64_t positions() const { return out_h * out_w; }
};

EMBER_HD inline int64_t adaptive_start(int64_t p, int64_t in, int64_t out) { return (p * in) / out; }
EMBER_HD inline int64_t adaptive_end(int64_t p, int64_t in, int64_t out) { return ((p + 1) * in + out - 1) / out; }

// The index (iy * width + ix) of the largest element of adaptive window l: the first on ties,
// the last NaN if any, as max_pool_argmax.
template <typename T>
EMBER_HD inline int64_t adaptive_max_argmax(const AdaptiveWindow2d& g, const T* plane, int64_t l) {
    const int64_t p = l / g.out_w, q = l % g.out_w;
    const int64_t y0 = adaptive_start(p, g.height, g.out_h), y1 = adaptive_end(p, g.height, g.out_h);
    const int64_t x0 = adaptive_start(q, g.width, g.out_w), x1 = adaptive_end(q, g.width, g.out_w);
    int64_t best = y0 * g.width + x0;
    T best_v = plane[best];
    for (int64_t iy = y0; iy < y1; ++iy)
        for (int64_t ix = x0; ix < x1; ++ix) {
            const int64_t k = iy * g.width + ix;
            const T v = plane[k];
            if (v > best_v || v != v) {  // v != v: NaN
                best = k;
                best_v = v;
            }
        }
    return best;
}

}  // namespace ember::kernels
