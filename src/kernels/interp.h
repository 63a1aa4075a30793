#pragma once
// Upsampling (interpolate) index math, host and device: for each output pixel the input pixels
// it reads and their weights. The CPU loops (src/cpu/interp.cpp) and the CUDA kernels
// (src/cuda/interp.cu) both call upsample_taps, forward (out = sum w_k in[i_k]) and backward (the
// scatter-add grad_in[i_k] += w_k grad_out), so both devices use the same weights.
//
// Along one dim of `in` input and `out` output pixels, with an optional user scale factor
// (`scale` > 0, else none), PyTorch's rules:
//   ratio  = 1 / scale when given, else in / out                      (nearest, linear without
//            align_corners), or (in - 1) / (out - 1) (0 when out = 1)  (linear with align_corners)
//   nearest:        src = min(floor(dst ratio), in - 1)  (the legacy "nearest", as ATen's kernel
//                   for NCHW-contiguous input; its channels-last kernel, which a [N, 1, H, W]
//                   input also takes, copies at out = in and halves at out = 2 in instead)
//   nearest-exact:  src = min(floor((dst + 0.5) ratio), in - 1)
//   linear:         x = dst ratio (align_corners) or max((dst + 0.5) ratio - 0.5, 0); the taps
//                   i0 = floor(x), i1 = min(i0 + 1, in - 1), weights 1 - l and l for l = x - i0.
// The ratio is computed in the element type (float for float32), as PyTorch's CPU kernels do, so
// the float32 indices agree with libtorch's.
#include <cmath>
#include <cstdint>

#include "ember/tensor/macros.h"

namespace ember::kernels {

enum class InterpMode : int { Nearest, NearestExact, Linear };

// One image plane's geometry; a 1-D op has in_h = out_h = 1.
struct Upsample2d {
    int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
    InterpMode mode = InterpMode::Nearest;
    bool align_corners = false;
    double scale_h = 0, scale_w = 0;  // user scale factors; <= 0: none (ratio in / out)

    EMBER_HD int64_t in_plane() const { return in_h * in_w; }
    EMBER_HD int64_t out_plane() const { return out_h * out_w; }
};

template <typename A>
EMBER_HD inline A interp_ratio(int64_t in, int64_t out, bool align_corners, double scale) {
    if (align_corners) return out > 1 ? static_cast<A>(in - 1) / static_cast<A>(out - 1) : A(0);
    return scale > 0 ? static_cast<A>(1.0 / scale) : static_cast<A>(in) / static_cast<A>(out);
}

// The taps of output index `dst` along one dim: up to two input indices and their weights.
template <typename A>
struct Taps1d {
    int64_t i0 = 0, i1 = 0;
    A w0 = A(1), w1 = A(0);
};

template <typename A>
EMBER_HD inline Taps1d<A> interp_taps_1d(InterpMode mode, int64_t dst, int64_t in, int64_t out, bool align_corners,
                                         double scale) {
    Taps1d<A> t;
    if (mode == InterpMode::NearestExact) {
        const float r = interp_ratio<float>(in, out, false, scale);
        const int64_t s = static_cast<int64_t>(floorf((static_cast<float>(dst) + 0.5f) * r));
        t.i0 = t.i1 = s < in - 1 ? s : in - 1;
        return t;
    }
    if (mode == InterpMode::Nearest) {
        // float, as PyTorch's nearest index for every dtype
        const float r = interp_ratio<float>(in, out, false, scale);
        const int64_t s = static_cast<int64_t>(floorf(static_cast<float>(dst) * r));
        t.i0 = t.i1 = s < in - 1 ? s : in - 1;
        return t;
    }
    if (in == out) {  // linear copies, whatever the scale factor (PyTorch's shortcut)
        t.i0 = t.i1 = dst;
        return t;
    }
    const A r = interp_ratio<A>(in, out, align_corners, scale);
    A x = align_corners ? r * static_cast<A>(dst) : r * (static_cast<A>(dst) + A(0.5)) - A(0.5);
    if (x < A(0)) x = A(0);
    t.i0 = static_cast<int64_t>(x);
    t.i1 = t.i0 < in - 1 ? t.i0 + 1 : t.i0;
    A l = x - static_cast<A>(t.i0);
    if (l > A(1)) l = A(1);
    t.w1 = l;
    t.w0 = A(1) - l;
    return t;
}

// Output pixel (oy, ox) of a plane: four input offsets (iy * in_w + ix) and their weights (the
// product of the two dims' weights; nearest has one nonzero tap, the others weigh 0).
template <typename A>
struct Taps2d {
    int64_t idx[4];
    A w[4];
};

template <typename A>
EMBER_HD inline Taps2d<A> upsample_taps(const Upsample2d& g, int64_t oy, int64_t ox) {
    const Taps1d<A> ty = interp_taps_1d<A>(g.mode, oy, g.in_h, g.out_h, g.align_corners, g.scale_h);
    const Taps1d<A> tx = interp_taps_1d<A>(g.mode, ox, g.in_w, g.out_w, g.align_corners, g.scale_w);
    Taps2d<A> t;
    t.idx[0] = ty.i0 * g.in_w + tx.i0;
    t.idx[1] = ty.i0 * g.in_w + tx.i1;
    t.idx[2] = ty.i1 * g.in_w + tx.i0;
    t.idx[3] = ty.i1 * g.in_w + tx.i1;
    t.w[0] = ty.w0 * tx.w0;
    t.w[1] = ty.w0 * tx.w1;
    t.w[2] = ty.w1 * tx.w0;
    t.w[3] = ty.w1 * tx.w1;
    return t;
}

// out[oy, ox] of one plane: the weighted sum of its taps (in tap order, on both devices).
template <typename T, typename A>
EMBER_HD inline T upsample_pixel(const Upsample2d& g, const T* plane, int64_t oy, int64_t ox) {
    const Taps2d<A> t = upsample_taps<A>(g, oy, ox);
    if (g.mode != InterpMode::Linear) return plane[t.idx[0]];
    A s = A(0);
    for (int k = 0; k < 4; ++k) s += t.w[k] * static_cast<A>(plane[t.idx[k]]);
    return static_cast<T>(s);
}

}  // namespace ember::kernels
