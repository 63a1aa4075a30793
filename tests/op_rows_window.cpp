// Rows of the test registry (tests/op_registry.h) for the sliding-window and normalisation ops:
// convolutions, unfold/fold, pooling, batch/layer/group norm, embedding. Every reference is a
// direct float64 loop written from the definition (PyTorch's documented formulas), not from
// ember's im2col-and-GEMM code.
#include <cmath>
#include <limits>

#include "op_registry_rows.h"

namespace op_registry {

namespace {

using V = std::vector<double>;

// An NCHW array of doubles.
struct Img {
    int64_t n, c, h, w;
    V v;
    double at(int64_t a, int64_t b, int64_t y, int64_t x) const { return v[((a * c + b) * h + y) * w + x]; }
};

struct Geo {
    int64_t kh, kw, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

int64_t positions(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode = false) {
    const double span = double(in + 2 * p - d * (k - 1) - 1) / double(s);
    int64_t n = int64_t(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
    if (ceil_mode && (n - 1) * s >= in + p) --n;  // PyTorch: the last window starts inside
    return n;
}

// out[n, o, y, x] = b[o] + sum_{c in group, i, j} w[o, c', i, j] x[n, c, y s - p + i d, x s - p + j d]
V conv2d_ref(const Img& x, const V& w, const V& b, int64_t out_c, const Geo& g, int64_t groups) {
    const int64_t oh = positions(x.h, g.kh, g.sh, g.ph, g.dh), ow = positions(x.w, g.kw, g.sw, g.pw, g.dw);
    const int64_t cpg = x.c / groups, opg = out_c / groups;
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t o = 0; o < out_c; ++o)
            for (int64_t y = 0; y < oh; ++y)
                for (int64_t xx = 0; xx < ow; ++xx) {
                    double s = b.empty() ? 0.0 : b[o];
                    const int64_t grp = o / opg;
                    for (int64_t ci = 0; ci < cpg; ++ci)
                        for (int64_t i = 0; i < g.kh; ++i)
                            for (int64_t j = 0; j < g.kw; ++j) {
                                const int64_t iy = y * g.sh - g.ph + i * g.dh, ix = xx * g.sw - g.pw + j * g.dw;
                                if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                                s += w[((o * cpg + ci) * g.kh + i) * g.kw + j] * x.at(n, grp * cpg + ci, iy, ix);
                            }
                    out.push_back(s);
                }
    return out;
}

// The transposed convolution as a scatter: input pixel (y, x) of channel c adds w[c, o', i, j] x
// into output pixel (y s - p + i d, x s - p + j d) of channel group(c) * opg + o'.
V conv_transpose2d_ref(const Img& x, const V& w, const V& b, int64_t opg, const Geo& g, int64_t groups, int64_t oph,
                       int64_t opw) {
    const int64_t oh = (x.h - 1) * g.sh - 2 * g.ph + g.dh * (g.kh - 1) + oph + 1;
    const int64_t ow = (x.w - 1) * g.sw - 2 * g.pw + g.dw * (g.kw - 1) + opw + 1;
    const int64_t out_c = opg * groups, cpg = x.c / groups;
    V out(std::size_t(x.n * out_c * oh * ow), 0.0);
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t y = 0; y < x.h; ++y)
                for (int64_t xx = 0; xx < x.w; ++xx)
                    for (int64_t o = 0; o < opg; ++o)
                        for (int64_t i = 0; i < g.kh; ++i)
                            for (int64_t j = 0; j < g.kw; ++j) {
                                const int64_t ty = y * g.sh - g.ph + i * g.dh, tx = xx * g.sw - g.pw + j * g.dw;
                                if (ty < 0 || ty >= oh || tx < 0 || tx >= ow) continue;
                                const int64_t oc = (c / cpg) * opg + o;
                                out[std::size_t(((n * out_c + oc) * oh + ty) * ow + tx)] +=
                                    w[((c * opg + o) * g.kh + i) * g.kw + j] * x.at(n, c, y, xx);
                            }
    if (!b.empty())
        for (std::size_t k = 0; k < out.size(); ++k) out[k] += b[(k / std::size_t(oh * ow)) % std::size_t(out_c)];
    return out;
}

// Unfold: row (c, i, j), column (y, x) = x[n, c, y s - p + i d, x s - p + j d] or 0.
V im2col_ref(const Img& x, const Geo& g) {
    const int64_t oh = positions(x.h, g.kh, g.sh, g.ph, g.dh), ow = positions(x.w, g.kw, g.sw, g.pw, g.dw);
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t i = 0; i < g.kh; ++i)
                for (int64_t j = 0; j < g.kw; ++j)
                    for (int64_t y = 0; y < oh; ++y)
                        for (int64_t xx = 0; xx < ow; ++xx) {
                            const int64_t iy = y * g.sh - g.ph + i * g.dh, ix = xx * g.sw - g.pw + j * g.dw;
                            out.push_back(iy < 0 || iy >= x.h || ix < 0 || ix >= x.w ? 0.0 : x.at(n, c, iy, ix));
                        }
    return out;
}

// Fold: the scatter-add of each column entry back to the pixel it came from.
V col2im_ref(const V& cols, int64_t n_img, int64_t c, int64_t h, int64_t w, const Geo& g) {
    const int64_t oh = positions(h, g.kh, g.sh, g.ph, g.dh), ow = positions(w, g.kw, g.sw, g.pw, g.dw);
    V out(std::size_t(n_img * c * h * w), 0.0);
    std::size_t k = 0;
    for (int64_t n = 0; n < n_img; ++n)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t i = 0; i < g.kh; ++i)
                for (int64_t j = 0; j < g.kw; ++j)
                    for (int64_t y = 0; y < oh; ++y)
                        for (int64_t xx = 0; xx < ow; ++xx, ++k) {
                            const int64_t iy = y * g.sh - g.ph + i * g.dh, ix = xx * g.sw - g.pw + j * g.dw;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            out[std::size_t(((n * c + ch) * h + iy) * w + ix)] += cols[k];
                        }
    return out;
}

// Max (or its position iy * W + ix) over each window, padding excluded.
V max_pool_ref(const Img& x, const Geo& g, bool ceil_mode, bool indices) {
    const int64_t oh = positions(x.h, g.kh, g.sh, g.ph, g.dh, ceil_mode);
    const int64_t ow = positions(x.w, g.kw, g.sw, g.pw, g.dw, ceil_mode);
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t y = 0; y < oh; ++y)
                for (int64_t xx = 0; xx < ow; ++xx) {
                    double best = -std::numeric_limits<double>::infinity();
                    int64_t arg = -1;
                    for (int64_t i = 0; i < g.kh; ++i)
                        for (int64_t j = 0; j < g.kw; ++j) {
                            const int64_t iy = y * g.sh - g.ph + i * g.dh, ix = xx * g.sw - g.pw + j * g.dw;
                            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
                            if (x.at(n, c, iy, ix) > best) {
                                best = x.at(n, c, iy, ix);
                                arg = iy * x.w + ix;
                            }
                        }
                    out.push_back(indices ? double(arg) : best);
                }
    return out;
}

// Window sums over the padded input divided by PyTorch's divisor (see avg_pool2d's docs).
V avg_pool_ref(const Img& x, const Geo& g, bool ceil_mode, bool count_include_pad, double divisor_override = 0) {
    const int64_t oh = positions(x.h, g.kh, g.sh, g.ph, 1, ceil_mode),
                  ow = positions(x.w, g.kw, g.sw, g.pw, 1, ceil_mode);
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t y = 0; y < oh; ++y)
                for (int64_t xx = 0; xx < ow; ++xx) {
                    const int64_t y0 = y * g.sh - g.ph, x0 = xx * g.sw - g.pw;
                    const int64_t y1 = std::min(y0 + g.kh, x.h + g.ph), x1 = std::min(x0 + g.kw, x.w + g.pw);
                    double s = 0;
                    int64_t inside = 0;
                    for (int64_t iy = std::max<int64_t>(y0, 0); iy < std::min(y1, x.h); ++iy)
                        for (int64_t ix = std::max<int64_t>(x0, 0); ix < std::min(x1, x.w); ++ix) {
                            s += x.at(n, c, iy, ix);
                            ++inside;
                        }
                    const double div = divisor_override > 0 ? divisor_override
                                       : count_include_pad  ? double((y1 - y0) * (x1 - x0))
                                                            : double(inside);
                    out.push_back(s / div);
                }
    return out;
}

// Output cell (p, q) is the mean of rows [floor(pH/oh), ceil((p+1)H/oh)) x the same for columns.
V adaptive_avg_ref(const Img& x, int64_t oh, int64_t ow) {
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t p = 0; p < oh; ++p)
                for (int64_t q = 0; q < ow; ++q) {
                    const int64_t y0 = p * x.h / oh, y1 = ((p + 1) * x.h + oh - 1) / oh;
                    const int64_t x0 = q * x.w / ow, x1 = ((q + 1) * x.w + ow - 1) / ow;
                    double s = 0;
                    for (int64_t iy = y0; iy < y1; ++iy)
                        for (int64_t ix = x0; ix < x1; ++ix) s += x.at(n, c, iy, ix);
                    out.push_back(s / double((y1 - y0) * (x1 - x0)));
                }
    return out;
}

// (x - mean) / sqrt(var + eps) over the groups of `group_of` (biased variance), then per-element
// scale and shift (empty: none); scale_of / shift_of map an element to its weight entry.
V normalize_ref(const V& x, const std::function<int64_t(std::size_t)>& group_of, int64_t groups, double eps, const V& w,
                const V& b, const std::function<int64_t(std::size_t)>& param_of) {
    V mean(std::size_t(groups), 0.0), var(std::size_t(groups), 0.0), count(std::size_t(groups), 0.0);
    for (std::size_t k = 0; k < x.size(); ++k) {
        mean[std::size_t(group_of(k))] += x[k];
        count[std::size_t(group_of(k))] += 1;
    }
    for (int64_t gi = 0; gi < groups; ++gi) mean[std::size_t(gi)] /= count[std::size_t(gi)];
    for (std::size_t k = 0; k < x.size(); ++k) {
        const double d = x[k] - mean[std::size_t(group_of(k))];
        var[std::size_t(group_of(k))] += d * d;
    }
    for (int64_t gi = 0; gi < groups; ++gi) var[std::size_t(gi)] /= count[std::size_t(gi)];
    V out;
    for (std::size_t k = 0; k < x.size(); ++k) {
        const auto gi = std::size_t(group_of(k));
        double y = (x[k] - mean[gi]) / std::sqrt(var[gi] + eps);
        if (!w.empty()) y *= w[std::size_t(param_of(k))];
        if (!b.empty()) y += b[std::size_t(param_of(k))];
        out.push_back(y);
    }
    return out;
}

Img img(const V& v, int64_t n, int64_t c, int64_t h, int64_t w) { return {n, c, h, w, v}; }

// Upsampling, from PyTorch's documented source-index rules, in double: along one dim, output
// index d reads input index floor(d r) (nearest), floor((d + 0.5) r) (nearest-exact), or the two
// neighbours of x = d (in - 1) / (out - 1) (align_corners) or max((d + 0.5) r - 0.5, 0), weighted
// by distance (linear); r = 1 / scale, or in / out without a scale.
enum class Interp { Nearest, NearestExact, Linear };
struct Tap {
    int64_t i0, i1;
    double w1;  // weight of i1; i0 has 1 - w1
};
Tap interp_tap(Interp m, int64_t d, int64_t in, int64_t out, bool align, double scale) {
    const double r = scale > 0 ? 1.0 / scale : double(in) / double(out);
    if (m == Interp::Nearest) {
        const auto s = std::min<int64_t>(int64_t(std::floor(double(d) * r)), in - 1);
        return {s, s, 0.0};
    }
    if (m == Interp::NearestExact) {
        const auto s = std::min<int64_t>(int64_t(std::floor((double(d) + 0.5) * r)), in - 1);
        return {s, s, 0.0};
    }
    const double x = align ? (out > 1 ? double(d) * double(in - 1) / double(out - 1) : 0.0)
                           : std::max(0.0, (double(d) + 0.5) * r - 0.5);
    const auto i0 = int64_t(std::floor(x));
    return {i0, std::min(i0 + 1, in - 1), x - double(i0)};
}
V upsample_ref(const Img& x, Interp m, int64_t oh, int64_t ow, bool align, double sh = 0, double sw = 0) {
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t y = 0; y < oh; ++y)
                for (int64_t xx = 0; xx < ow; ++xx) {
                    const Tap ty = interp_tap(m, y, x.h, oh, align, sh), tx = interp_tap(m, xx, x.w, ow, align, sw);
                    out.push_back((1 - ty.w1) *
                                      ((1 - tx.w1) * x.at(n, c, ty.i0, tx.i0) + tx.w1 * x.at(n, c, ty.i0, tx.i1)) +
                                  ty.w1 * ((1 - tx.w1) * x.at(n, c, ty.i1, tx.i0) + tx.w1 * x.at(n, c, ty.i1, tx.i1)));
                }
    return out;
}

// Adaptive max pooling: the max (or its index iy * W + ix, the first on ties) over the windows
// of adaptive_avg_ref.
V adaptive_max_ref(const Img& x, int64_t oh, int64_t ow, bool indices) {
    V out;
    for (int64_t n = 0; n < x.n; ++n)
        for (int64_t c = 0; c < x.c; ++c)
            for (int64_t p = 0; p < oh; ++p)
                for (int64_t q = 0; q < ow; ++q) {
                    const int64_t y0 = p * x.h / oh, y1 = ((p + 1) * x.h + oh - 1) / oh;
                    const int64_t x0 = q * x.w / ow, x1 = ((q + 1) * x.w + ow - 1) / ow;
                    double best = -std::numeric_limits<double>::infinity();
                    int64_t arg = -1;
                    for (int64_t iy = y0; iy < y1; ++iy)
                        for (int64_t ix = x0; ix < x1; ++ix)
                            if (x.at(n, c, iy, ix) > best) {
                                best = x.at(n, c, iy, ix);
                                arg = iy * x.w + ix;
                            }
                    out.push_back(indices ? double(arg) : best);
                }
    return out;
}

}  // namespace

std::vector<OpRow> window_rows() {
    using namespace ember;
    return {
        // ---- convolutions ----
        {.name = "conv2d",
         .fn = [](const TL& x, Device) { return conv2d(x[0], x[1], x[2]); },
         .shapes = {{2, 3, 6, 5}, {4, 3, 3, 2}, {4}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv2d_ref(img(v[0], 2, 3, 6, 5), v[1], v[2], 4, {3, 2}, 1);
             }},
        {.name = "conv2d stride, padding, dilation",
         .fn =
             [](const TL& x, Device) {
                 return conv2d(x[0], x[1], {}, {2, 1}, {1, 2}, {2, 1});
             },
         .shapes = {{1, 2, 7, 6}, {3, 2, 2, 3}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv2d_ref(img(v[0], 1, 2, 7, 6), v[1], {}, 3, {2, 3, 2, 1, 1, 2, 2, 1}, 1);
             }},
        {.name = "conv2d groups",
         .fn = [](const TL& x, Device) { return conv2d(x[0], x[1], x[2], 1, 1, 1, 2); },
         .shapes = {{2, 4, 5, 5}, {6, 2, 3, 3}, {6}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv2d_ref(img(v[0], 2, 4, 5, 5), v[1], v[2], 6, {3, 3, 1, 1, 1, 1}, 2);
             }},
        {.name = "conv2d 1x1",
         .fn = [](const TL& x, Device) { return conv2d(x[0], x[1]); },
         .shapes = {{2, 3, 4, 4}, {5, 3, 1, 1}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv2d_ref(img(v[0], 2, 3, 4, 4), v[1], {}, 5, {1, 1}, 1);
             }},
        {.name = "conv2d unbatched, strided input",
         .fn = [](const TL& x, Device) { return conv2d(x[0].transpose(1, 2), x[1]); },
         .shapes = {{2, 5, 4}, {3, 2, 3, 3}},
         .ref =
             [](const std::vector<V>& v) {
                 V t(v[0].size());  // x [2, 5, 4] transposed to [2, 4, 5]
                 for (int64_t c = 0; c < 2; ++c)
                     for (int64_t a = 0; a < 5; ++a)
                         for (int64_t b = 0; b < 4; ++b)
                             t[std::size_t((c * 4 + b) * 5 + a)] = v[0][std::size_t((c * 5 + a) * 4 + b)];
                 return conv2d_ref(img(t, 1, 2, 4, 5), v[1], {}, 3, {3, 3}, 1);
             }},
        {.name = "conv2d padding same, even kernel",
         .fn =
             [](const TL& x, Device) {
                 return conv2d(x[0], x[1], x[2], 1, "same", {1, 2});
             },
         .shapes = {{1, 2, 5, 6}, {2, 2, 2, 3}, {2}},
         .ref =
             [](const std::vector<V>& v) {
                 // total padding d (k - 1) = 1 rows, 4 columns: 0 | 1 rows, 2 | 2 columns (the extra on the right)
                 V full = conv2d_ref(img(v[0], 1, 2, 5, 6), v[1], v[2], 2, {2, 3, 1, 1, 1, 2, 1, 2}, 1);
                 // padding 1 on both sides gives 6 rows; "same" drops the first (left pad 0, not 1)
                 V out;
                 for (int64_t o = 0; o < 2; ++o)
                     for (int64_t y = 1; y < 6; ++y)
                         for (int64_t xx = 0; xx < 6; ++xx) out.push_back(full[std::size_t((o * 6 + y) * 6 + xx)]);
                 return out;
             }},
        {.name = "conv1d",
         .fn = [](const TL& x, Device) { return conv1d(x[0], x[1], x[2], 2, 1, 2); },
         .shapes = {{2, 3, 9}, {4, 3, 3}, {4}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv2d_ref(img(v[0], 2, 3, 1, 9), v[1], v[2], 4, {1, 3, 1, 2, 0, 1, 1, 2}, 1);
             }},
        {.name = "conv_transpose2d",
         .fn = [](const TL& x, Device) { return conv_transpose2d(x[0], x[1], x[2], 2, 1, 1); },
         .shapes = {{2, 4, 3, 4}, {4, 3, 3, 2}, {3}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv_transpose2d_ref(img(v[0], 2, 4, 3, 4), v[1], v[2], 3, {3, 2, 2, 2, 1, 1}, 1, 1, 1);
             }},
        {.name = "conv_transpose2d groups, dilation",
         .fn = [](const TL& x, Device) { return conv_transpose2d(x[0], x[1], {}, 1, 0, 0, 2, 2); },
         .shapes = {{1, 4, 3, 3}, {4, 2, 2, 2}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv_transpose2d_ref(img(v[0], 1, 4, 3, 3), v[1], {}, 2, {2, 2, 1, 1, 0, 0, 2, 2}, 2, 0, 0);
             }},
        {.name = "conv_transpose1d",
         .fn = [](const TL& x, Device) { return conv_transpose1d(x[0], x[1], {}, 2); },
         .shapes = {{2, 3, 5}, {3, 2, 3}},
         .ref =
             [](const std::vector<V>& v) {
                 return conv_transpose2d_ref(img(v[0], 2, 3, 1, 5), v[1], {}, 2, {1, 3, 1, 2}, 1, 0, 0);
             }},
        // ---- unfold / fold ----
        {.name = "im2col",
         .fn =
             [](const TL& x, Device) {
                 return im2col(x[0], {2, 3}, {1, 2}, {1, 0}, {2, 1});
             },
         .shapes = {{2, 2, 5, 6}},
         .ref =
             [](const std::vector<V>& v) {
                 return im2col_ref(img(v[0], 2, 2, 5, 6), {2, 3, 2, 1, 1, 0, 1, 2});
             }},
        {.name = "col2im",
         // 2 channels, 2x3 kernel on a 5x6 image: 3 x 2 positions
         .fn =
             [](const TL& x, Device) {
                 return col2im(x[0], {5, 6}, {2, 3}, {1, 2}, {1, 0}, {2, 1});
             },
         .shapes = {{2, 12, 6}},
         .ref =
             [](const std::vector<V>& v) {
                 return col2im_ref(v[0], 2, 2, 5, 6, {2, 3, 2, 1, 1, 0, 1, 2});
             }},
        // ---- pooling ----
        {.name = "max_pool2d",
         .fn = [](const TL& x, Device) { return max_pool2d(x[0], 3, 2, 1); },
         .shapes = {{2, 3, 7, 6}},
         .ref =
             [](const std::vector<V>& v) {
                 return max_pool_ref(img(v[0], 2, 3, 7, 6), {3, 3, 2, 2, 1, 1}, false, false);
             }},
        {.name = "max_pool2d ceil_mode, dilation",
         .fn =
             [](const TL& x, Device) {
                 return max_pool2d(x[0], {2, 3}, {2, 2}, {1, 0}, {2, 1}, true);
             },
         .shapes = {{1, 2, 8, 7}},
         .ref =
             [](const std::vector<V>& v) {
                 return max_pool_ref(img(v[0], 1, 2, 8, 7), {2, 3, 2, 2, 1, 0, 2, 1}, true, false);
             }},
        {.name = "max_pool2d_with_indices: indices",
         .fn = [](const TL& x, Device) { return std::get<1>(max_pool2d_with_indices(x[0], 2, 1, 1, 1, true)); },
         .shapes = {{2, 2, 5, 4}},
         .ref =
             [](const std::vector<V>& v) {
                 return max_pool_ref(img(v[0], 2, 2, 5, 4), {2, 2, 1, 1, 1, 1}, true, true);
             },
         .backward = false},
        {.name = "max_pool1d",
         .fn = [](const TL& x, Device) { return max_pool1d(x[0], 3, 2); },
         .shapes = {{2, 3, 9}},
         .ref =
             [](const std::vector<V>& v) {
                 return max_pool_ref(img(v[0], 2, 3, 1, 9), {1, 3, 1, 2}, false, false);
             }},
        {.name = "avg_pool2d",
         .fn = [](const TL& x, Device) { return avg_pool2d(x[0], 2); },
         .shapes = {{2, 3, 6, 4}},
         .ref =
             [](const std::vector<V>& v) {
                 return avg_pool_ref(img(v[0], 2, 3, 6, 4), {2, 2, 2, 2}, false, true);
             }},
        {.name = "avg_pool2d padding, ceil_mode, count_include_pad=false",
         .fn =
             [](const TL& x, Device) {
                 return avg_pool2d(x[0], {3, 2}, {2, 1}, {1, 1}, true, false);
             },
         .shapes = {{1, 2, 6, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return avg_pool_ref(img(v[0], 1, 2, 6, 5), {3, 2, 2, 1, 1, 1}, true, false);
             }},
        {.name = "avg_pool2d padding, count_include_pad",
         .fn = [](const TL& x, Device) { return avg_pool2d(x[0], 3, 2, 1, true, true); },
         .shapes = {{1, 2, 6, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return avg_pool_ref(img(v[0], 1, 2, 6, 5), {3, 3, 2, 2, 1, 1}, true, true);
             }},
        {.name = "avg_pool2d divisor_override",
         .fn = [](const TL& x, Device) { return avg_pool2d(x[0], 2, 2, 0, false, true, 3); },
         .shapes = {{2, 1, 4, 4}},
         .ref =
             [](const std::vector<V>& v) {
                 return avg_pool_ref(img(v[0], 2, 1, 4, 4), {2, 2, 2, 2}, false, true, 3);
             }},
        {.name = "adaptive_avg_pool2d uneven",
         .fn =
             [](const TL& x, Device) {
                 return adaptive_avg_pool2d(x[0], {3, 2});
             },
         .shapes = {{2, 3, 7, 5}},
         .ref = [](const std::vector<V>& v) { return adaptive_avg_ref(img(v[0], 2, 3, 7, 5), 3, 2); }},
        {.name = "adaptive_avg_pool2d 1x1",
         .fn = [](const TL& x, Device) { return adaptive_avg_pool2d(x[0], 1); },
         .shapes = {{2, 3, 4, 5}},
         .ref = [](const std::vector<V>& v) { return adaptive_avg_ref(img(v[0], 2, 3, 4, 5), 1, 1); }},
        {.name = "adaptive_avg_pool2d tiling",
         .fn =
             [](const TL& x, Device) {
                 return adaptive_avg_pool2d(x[0], {2, 5});
             },
         .shapes = {{1, 2, 6, 5}},
         .ref = [](const std::vector<V>& v) { return adaptive_avg_ref(img(v[0], 1, 2, 6, 5), 2, 5); }},
        {.name = "max_pool1d_with_indices: indices",
         .fn = [](const TL& x, Device) { return std::get<1>(max_pool1d_with_indices(x[0], 3, 2, 1)); },
         .shapes = {{2, 3, 8}},
         .ref =
             [](const std::vector<V>& v) {
                 return max_pool_ref(img(v[0], 2, 3, 1, 8), {1, 3, 1, 2, 0, 1}, false, true);
             },
         .backward = false},
        {.name = "adaptive_max_pool2d uneven",
         .fn =
             [](const TL& x, Device) {
                 return std::get<0>(adaptive_max_pool2d(x[0], {3, 2}));
             },
         .shapes = {{2, 3, 7, 5}},
         .ref = [](const std::vector<V>& v) { return adaptive_max_ref(img(v[0], 2, 3, 7, 5), 3, 2, false); }},
        {.name = "adaptive_max_pool2d: indices",
         .fn =
             [](const TL& x, Device) {
                 return std::get<1>(adaptive_max_pool2d(x[0], {4, 3}));
             },
         .shapes = {{1, 2, 6, 7}},
         .ref = [](const std::vector<V>& v) { return adaptive_max_ref(img(v[0], 1, 2, 6, 7), 4, 3, true); },
         .backward = false},
        {.name = "adaptive_max_pool1d unbatched",
         .fn = [](const TL& x, Device) { return std::get<0>(adaptive_max_pool1d(x[0], 4)); },
         .shapes = {{3, 9}},
         .ref = [](const std::vector<V>& v) { return adaptive_max_ref(img(v[0], 1, 3, 1, 9), 1, 4, false); }},
        // ---- upsampling ----
        {.name = "upsample_nearest2d",
         .fn =
             [](const TL& x, Device) {
                 return upsample_nearest2d(x[0], {5, 7});
             },
         .shapes = {{2, 3, 3, 4}},
         .ref =
             [](const std::vector<V>& v) { return upsample_ref(img(v[0], 2, 3, 3, 4), Interp::Nearest, 5, 7, false); }},
        {.name = "upsample_nearest2d scales, downsampling",
         .fn =
             [](const TL& x, Device) {
                 return upsample_nearest2d(x[0], {7, 2}, 2.5, 0.4);
             },
         .shapes = {{1, 2, 3, 6}},
         .ref =
             [](const std::vector<V>& v) {
                 return upsample_ref(img(v[0], 1, 2, 3, 6), Interp::Nearest, 7, 2, false, 2.5, 0.4);
             }},
        {.name = "upsample_nearest1d",
         .fn = [](const TL& x, Device) { return upsample_nearest1d(x[0], {12}); },
         .shapes = {{2, 3, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return upsample_ref(img(v[0], 2, 3, 1, 5), Interp::Nearest, 1, 12, false);
             }},
        {.name = "_upsample_nearest_exact2d",
         .fn =
             [](const TL& x, Device) {
                 return _upsample_nearest_exact2d(x[0], {7, 4});
             },
         .shapes = {{1, 2, 3, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return upsample_ref(img(v[0], 1, 2, 3, 5), Interp::NearestExact, 7, 4, false);
             }},
        {.name = "upsample_bilinear2d",
         .fn =
             [](const TL& x, Device) {
                 return upsample_bilinear2d(x[0], {5, 8}, false);
             },
         .shapes = {{2, 2, 3, 4}},
         .ref =
             [](const std::vector<V>& v) { return upsample_ref(img(v[0], 2, 2, 3, 4), Interp::Linear, 5, 8, false); }},
        {.name = "upsample_bilinear2d align_corners",
         .fn =
             [](const TL& x, Device) {
                 return upsample_bilinear2d(x[0], {7, 5}, true);
             },
         .shapes = {{1, 2, 4, 3}},
         .ref =
             [](const std::vector<V>& v) { return upsample_ref(img(v[0], 1, 2, 4, 3), Interp::Linear, 7, 5, true); }},
        {.name = "upsample_bilinear2d downsampling, scales",
         .fn =
             [](const TL& x, Device) {
                 return upsample_bilinear2d(x[0], {4, 3}, false, 0.7, 0.6);
             },
         .shapes = {{1, 2, 6, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return upsample_ref(img(v[0], 1, 2, 6, 5), Interp::Linear, 4, 3, false, 0.7, 0.6);
             }},
        {.name = "upsample_bilinear2d strided input",
         .fn =
             [](const TL& x, Device) {
                 return upsample_bilinear2d(x[0].transpose(2, 3), {6, 5}, false);
             },
         .shapes = {{1, 2, 4, 3}},
         .ref =
             [](const std::vector<V>& v) {
                 V t(v[0].size());  // [1, 2, 4, 3] -> [1, 2, 3, 4]
                 for (int64_t c = 0; c < 2; ++c)
                     for (int64_t a = 0; a < 4; ++a)
                         for (int64_t b = 0; b < 3; ++b)
                             t[std::size_t((c * 3 + b) * 4 + a)] = v[0][std::size_t((c * 4 + a) * 3 + b)];
                 return upsample_ref(img(t, 1, 2, 3, 4), Interp::Linear, 6, 5, false);
             }},
        {.name = "upsample_linear1d scale",
         .fn = [](const TL& x, Device) { return upsample_linear1d(x[0], {10}, false, 2.5); },
         .shapes = {{2, 3, 4}},
         .ref =
             [](const std::vector<V>& v) {
                 return upsample_ref(img(v[0], 2, 3, 1, 4), Interp::Linear, 1, 10, false, 0, 2.5);
             }},
        {.name = "upsample_linear1d align_corners",
         .fn = [](const TL& x, Device) { return upsample_linear1d(x[0], {9}, true); },
         .shapes = {{1, 2, 5}},
         .ref =
             [](const std::vector<V>& v) { return upsample_ref(img(v[0], 1, 2, 1, 5), Interp::Linear, 1, 9, true); }},
        // ---- normalisation ----
        {.name = "batch_norm training",
         .fn = [](const TL& x, Device) { return batch_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-5); },
         .shapes = {{4, 3, 2, 2}, {3}, {3}},
         .ref =
             [](const std::vector<V>& v) {
                 auto channel = [](std::size_t k) { return int64_t((k / 4) % 3); };
                 return normalize_ref(v[0], channel, 3, 1e-5, v[1], v[2], channel);
             }},
        {.name = "batch_norm eval",
         // running_var = x[2]^2 + 0.5 keeps it positive
         .fn = [](const TL& x,
                  Device) { return batch_norm(x[0], {}, {}, x[1], x[2].square() + 0.5, false, 0.1, 1e-5); },
         .shapes = {{3, 2, 4}, {2}, {2}},
         .ref =
             [](const std::vector<V>& v) {
                 V out;
                 for (std::size_t k = 0; k < v[0].size(); ++k) {
                     const std::size_t c = (k / 4) % 2;
                     out.push_back((v[0][k] - v[1][c]) / std::sqrt(v[2][c] * v[2][c] + 0.5 + 1e-5));
                 }
                 return out;
             }},
        {.name = "instance_norm",
         .fn = [](const TL& x, Device) { return instance_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-5); },
         .shapes = {{2, 3, 2, 3}, {3}, {3}},
         .ref =
             [](const std::vector<V>& v) {
                 // 6 values per (sample, channel): 6 groups
                 return normalize_ref(
                     v[0], [](std::size_t k) { return int64_t(k / 6); }, 6, 1e-5, v[1], v[2],
                     [](std::size_t k) { return int64_t((k / 6) % 3); });
             }},
        {.name = "instance_norm 1d, no affine",
         .fn = [](const TL& x, Device) { return instance_norm(x[0], {}, {}, {}, {}, true, 0.1, 1e-5); },
         .shapes = {{3, 2, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return normalize_ref(
                     v[0], [](std::size_t k) { return int64_t(k / 5); }, 6, 1e-5, {}, {},
                     [](std::size_t) { return int64_t(0); });
             }},
        {.name = "layer_norm",
         .fn =
             [](const TL& x, Device) {
                 return layer_norm(x[0], {4, 5}, x[1], x[2]);
             },
         .shapes = {{3, 4, 5}, {4, 5}, {4, 5}},
         .ref =
             [](const std::vector<V>& v) {
                 return normalize_ref(
                     v[0], [](std::size_t k) { return int64_t(k / 20); }, 3, 1e-5, v[1], v[2],
                     [](std::size_t k) { return int64_t(k % 20); });
             }},
        {.name = "group_norm",
         .fn = [](const TL& x, Device) { return group_norm(x[0], 3, x[1], x[2]); },
         .shapes = {{2, 6, 3, 2}, {6}, {6}},
         .ref =
             [](const std::vector<V>& v) {
                 // 6 values per channel, 2 channels per group, 3 groups per image
                 return normalize_ref(
                     v[0], [](std::size_t k) { return int64_t(k / 12); }, 6, 1e-5, v[1], v[2],
                     [](std::size_t k) { return int64_t((k / 6) % 6); });
             }},
        // ---- embedding ----
        {.name = "embedding, repeated indices",
         .fn =
             [](const TL& x, Device d) {
                 return embedding(x[0], ix({0, 2, 4, 2, 2, 1}, {2, 3}, d));
             },
         .shapes = {{5, 3}},
         .ref =
             [](const std::vector<V>& v) {
                 V out;
                 for (int64_t i : {0, 2, 4, 2, 2, 1})
                     for (int64_t j = 0; j < 3; ++j) out.push_back(v[0][std::size_t(i * 3 + j)]);
                 return out;
             }},
    };
}

}  // namespace op_registry
