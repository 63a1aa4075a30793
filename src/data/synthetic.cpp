// Synthetic data sets (see include/ember/data/synthetic.h).
#include "ember/data/synthetic.h"

#include <algorithm>
#include <cmath>

#include "data/rng.h"
#include "ember/ops/ops.h"

namespace ember::data {

using detail::SplitMix64;

Tensor bars_and_stripes(int side) {
    EMBER_ENFORCE(side >= 1 && side <= 12, ValueError, "bars_and_stripes: side must be in [1, 12], got ", side);
    const int64_t patterns = int64_t(1) << side, pixels = int64_t(side) * side;
    Tensor out = zeros({2 * patterns, pixels}, kFloat32);
    float* p = out.data_ptr<float>();
    for (int64_t i = 0; i < patterns; ++i) {
        float* stripes = p + i * pixels;
        float* bars = p + (patterns + i) * pixels;
        for (int r = 0; r < side; ++r)
            for (int c = 0; c < side; ++c) {
                stripes[r * side + c] = static_cast<float>((i >> r) & 1);
                bars[r * side + c] = static_cast<float>((i >> c) & 1);
            }
    }
    return out;
}

LabeledData two_moons(int64_t n, double noise, uint64_t seed) {
    EMBER_ENFORCE(n >= 0, ValueError, "two_moons: n must be >= 0, got ", n);
    EMBER_ENFORCE(noise >= 0, ValueError, "two_moons: noise must be >= 0, got ", noise);
    SplitMix64 rng(seed);
    LabeledData out{empty({n, 2}, kFloat32), empty({n}, kInt64)};
    float* x = n ? out.data.data_ptr<float>() : nullptr;
    int64_t* y = n ? out.labels.data_ptr<int64_t>() : nullptr;
    const int64_t upper = (n + 1) / 2, lower = n - upper;
    const double pi = 3.141592653589793;
    for (int64_t i = 0; i < n; ++i) {
        const bool first = i < upper;
        // Evenly spaced angles along each half circle, as make_moons does.
        const int64_t k = first ? i : i - upper, m = first ? upper : lower;
        const double t = m > 1 ? pi * static_cast<double>(k) / static_cast<double>(m - 1) : 0.0;
        double px = first ? std::cos(t) : 1.0 - std::cos(t);
        double py = first ? std::sin(t) : 0.5 - std::sin(t);
        x[2 * i] = static_cast<float>(px + noise * rng.normal());
        x[2 * i + 1] = static_cast<float>(py + noise * rng.normal());
        y[i] = first ? 0 : 1;
    }
    return out;
}

LabeledData gaussian_blobs(int64_t n, int64_t centers, uint64_t seed, int64_t dim, double stddev) {
    EMBER_ENFORCE(n >= 0 && centers >= 1 && dim >= 1 && stddev >= 0, ValueError,
                  "gaussian_blobs: need n >= 0, centers >= 1, dim >= 1, stddev >= 0; got n=", n, ", centers=", centers,
                  ", dim=", dim, ", stddev=", stddev);
    SplitMix64 rng(seed);
    std::vector<double> mu(static_cast<std::size_t>(centers * dim));
    for (double& m : mu) m = rng.uniform(-5.0, 5.0);
    LabeledData out{empty({n, dim}, kFloat32), empty({n}, kInt64)};
    float* x = n ? out.data.data_ptr<float>() : nullptr;
    int64_t* y = n ? out.labels.data_ptr<int64_t>() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t c = i % centers;
        y[i] = c;
        for (int64_t d = 0; d < dim; ++d) x[i * dim + d] = static_cast<float>(mu[c * dim + d] + stddev * rng.normal());
    }
    return out;
}

namespace {

// Whether the point (u, v), in pixels relative to the shape's centre and divided by its scale,
// lies inside the shape of class `label`. Shapes span about 18 px at scale 1.
bool inside(int64_t label, double u, double v) {
    const double au = std::abs(u), av = std::abs(v), r = std::sqrt(u * u + v * v);
    const bool box = au < 9 && av < 9;
    switch (label) {
        case 0: return av < 2.5 && au < 9;                                   // horizontal bar
        case 1: return au < 2.5 && av < 9;                                   // vertical bar
        case 2: return au < 7 && av < 7;                                     // filled square
        case 3: return std::max(au, av) < 8 && std::max(au, av) >= 5.5;      // outline
        case 4: return r < 8;                                                // filled disk
        case 5: return r < 8.5 && r >= 5.5;                                  // ring
        case 6: return box && std::abs(u - v) < 2.5;                         // diagonal
        case 7: return box && (std::abs(u - v) < 2 || std::abs(u + v) < 2);  // X
        case 8: return box && (au < 2 || av < 2);                            // plus
        case 9: return v > -7 && v < 7 && au < (v + 7) / 2;                  // triangle, apex up
        default: return false;
    }
}

}  // namespace

MNISTSplit synthetic_fashion(int64_t n, uint64_t seed) {
    EMBER_ENFORCE(n >= 0, ValueError, "synthetic_fashion: n must be >= 0, got ", n);
    constexpr int kSide = 28;
    SplitMix64 rng(seed);
    MNISTSplit out{empty({n, kSide, kSide}, kFloat32), empty({n}, kInt64)};
    float* px = n ? out.images.data_ptr<float>() : nullptr;
    int64_t* y = n ? out.labels.data_ptr<int64_t>() : nullptr;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t label = i % 10;
        y[i] = label;
        const double cx = 13.5 + rng.uniform(-3, 3), cy = 13.5 + rng.uniform(-3, 3);
        const double scale = rng.uniform(0.75, 1.25), bright = rng.uniform(0.6, 1.0);
        float* img = px + i * kSide * kSide;
        for (int r = 0; r < kSide; ++r)
            for (int c = 0; c < kSide; ++c) {
                double v = inside(label, (c - cx) / scale, (r - cy) / scale) ? bright : 0.0;
                v += 0.1 * rng.normal();
                img[r * kSide + c] = static_cast<float>(std::clamp(v, 0.0, 1.0));
            }
    }
    return out;
}

}  // namespace ember::data
