#pragma once
// What the hand-written differential tests (test_diff_window, test_diff_tensor_api, test_diff_rnn)
// share: a seeded generator of sizes, coin flips and data, float64 leaves with the same values in
// both frameworks, and the comparison of an ember result with libtorch's.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "diff_values.h"

namespace difftest {

struct Rng {
    std::mt19937_64 g;
    explicit Rng(uint64_t seed) : g(seed) {}
    int64_t i(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g); }
    bool p(double q) { return std::uniform_real_distribution<double>(0, 1)(g) < q; }
    // n values uniform in [-1, 1).
    std::vector<double> data(int64_t n) {
        std::vector<double> v(static_cast<std::size_t>(n));
        for (double& x : v) x = std::uniform_real_distribution<double>(-1, 1)(g);
        return v;
    }
};

// A float64 leaf of shape s in both frameworks, with the same values.
struct Leaf {
    ETensor e;
    TTensor t;
};
inline Leaf leaf(Rng& r, const Shape& s, bool grad = true) {
    std::vector<double> d = r.data(numel_of(s));
    Leaf l{ember::tensor(d, ember::dtype(ember::kFloat64)).reshape(s).clone(),
           torch::from_blob(d.data(), s, at::kDouble).clone()};
    l.e.requires_grad_(grad);
    l.t.requires_grad_(grad);
    return l;
}

// Empty when the two agree in shape and in value to `rtol` relative to libtorch's largest |value|
// (at least 1); otherwise what differs first.
inline std::string differ(const ETensor& e, const TTensor& t, double rtol = 1e-10) {
    if (e.defined() != t.defined()) return std::string("defined: ember ") + (e.defined() ? "yes" : "no");
    if (!e.defined()) return {};
    const Shape se = shape_of(e), st = shape_of(t);
    if (se != st) return "shape " + ember::shape_str(se) + " vs " + ember::shape_str(st);
    const std::vector<double> a = values_of(e), b = values_of(t);
    double scale = 1;
    for (double v : b) scale = std::max(scale, std::abs(v));
    for (std::size_t k = 0; k < a.size(); ++k)
        if (!(std::abs(a[k] - b[k]) <= rtol * scale))
            return "element " + std::to_string(k) + ": ember " + std::to_string(a[k]) + ", torch " +
                   std::to_string(b[k]);
    return {};
}

}  // namespace difftest
