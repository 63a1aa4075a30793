#pragma once
// Differential tests: the comparison of one ember tensor with one libtorch tensor, the random
// numbers of a case, the value type held by both frameworks and the guards against kinks and ties.
#include "diff_values.h"

namespace difftest {

// ---- comparison of one ember tensor with one libtorch tensor ----

// Empty when they agree; otherwise what differs (shape, dtype, requires_grad or the worst element).
// `d` is libtorch's float64 shadow of `t` (may be undefined); `low`: float32 took part.
// `scale`: a magnitude the error may be relative to besides the tensor's own (the operands of
// the op, or the sum of |terms| of the loss). `tol`: float32's rtol and floor in this case.
struct Tol {
    double rtol32, floor32;  // float32's rtol and floor for this case
};
inline std::string compare(const ETensor& e, const TTensor& t, const TTensor& d, bool low, double scale_in, Tol tol,
                           bool check_requires_grad = true) {
    if (e.defined() != t.defined())
        return std::string("defined: ember ") + (e.defined() ? "yes" : "no") + ", torch " +
               (t.defined() ? "yes" : "no");
    if (!e.defined()) return {};
    std::optional<Dt> de = dt_of(e), dtt = dt_of(t);
    if (!dtt) return "torch gave an unexpected dtype " + std::string(c10::toString(t.scalar_type()));
    if (shape_of(e) != shape_of(t)) return "shape: ember " + sh(shape_of(e)) + ", torch " + sh(shape_of(t));
    if (*de != *dtt) return std::string("dtype: ember ") + dt_name(*de) + ", torch " + dt_name(*dtt);
    if (check_requires_grad && e.requires_grad() != t.requires_grad())
        return std::string("requires_grad: ember ") + (e.requires_grad() ? "true" : "false") + ", torch " +
               (t.requires_grad() ? "true" : "false");
    std::vector<double> a = values_of(e), b = values_of(t);
    const double rtol = low ? tol.rtol32 : kRtolF64;
    double scale = std::max(low ? tol.floor32 : kFloor64, scale_in);
    for (double v : b)
        if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
    // libtorch's own float32 rounding error on this tensor (its largest element), measured
    // against the float64 shadow; ember may be kShadowFactor times as far off.
    double torch_err = 0;
    if (low && d.defined() && d.is_floating_point() && shape_of(d) == shape_of(t)) {
        std::vector<double> s = values_of(d);
        for (std::size_t i = 0; i < s.size(); ++i)
            if (std::isfinite(s[i]) && std::isfinite(b[i])) torch_err = std::max(torch_err, std::abs(b[i] - s[i]));
    }
    const bool exact = !is_fp(*de);
    std::size_t worst = a.size();
    double worst_ratio = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        bool ok;
        double ratio = 0;
        if (std::isnan(b[i]) || std::isnan(a[i]) || std::isinf(b[i]) || std::isinf(a[i])) {
            ok = (std::isnan(a[i]) && std::isnan(b[i])) || a[i] == b[i];
            ratio = ok ? 0 : INFINITY;
        } else if (exact) {
            ok = a[i] == b[i];
            ratio = ok ? 0 : INFINITY;
        } else {
            double allowed = rtol * (std::abs(b[i]) + scale) + kShadowFactor * torch_err;
            ratio = std::abs(a[i] - b[i]) / allowed;
            ok = ratio <= 1;
        }
        if (!ok && ratio > worst_ratio) {
            worst_ratio = ratio;
            worst = i;
        }
    }
    if (worst == a.size()) return {};
    std::ostringstream o;
    o.precision(17);
    o << "element " << worst << " (flat index): ember " << a[worst] << ", torch " << b[worst] << " (|diff| "
      << std::abs(a[worst] - b[worst]) << ", allowed " << rtol << " * (|torch| + " << scale << ") + " << kShadowFactor
      << " * " << torch_err << ")";
    return o.str();
}

// ---- random numbers ----

inline uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct Rng {
    std::mt19937_64 g;
    explicit Rng(uint64_t seed) : g(splitmix64(seed ^ 0x656d626572646966ULL)) {}
    int64_t i(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(g); }
    double u(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(g); }
    bool p(double prob) { return u(0, 1) < prob; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(i(0, static_cast<int64_t>(v.size()) - 1))];
    }
};

// ---- one value of the chain, held by both frameworks ----

struct Val {
    ETensor e;
    TTensor t;
    std::string name;
    bool low = false;     // a float32 tensor took part in computing it
    bool usable = true;   // finite and of moderate size: may feed further ops
    TTensor d;            // the float64 shadow: the same chain in libtorch, all in float64
    bool in_loss = true;  // may be a term of the loss
    int64_t dim() const { return t.dim(); }
    Shape shape() const { return shape_of(t); }
    int64_t size(int64_t d) const { return t.size(d); }
    int64_t numel() const { return t.numel(); }
    Dt dt() const { return *dt_of(t); }
    bool fp() const { return t.is_floating_point(); }
};

struct Stats {
    double min = 0, max = 0, minabs = 0, maxabs = 0;
};
inline Stats stats_of(const Val& v) {
    std::vector<double> x = values_of(v.t);
    Stats s;
    if (x.empty()) return s;
    s.min = s.max = x[0];
    s.minabs = s.maxabs = std::abs(x[0]);
    for (double a : x) {
        s.min = std::min(s.min, a);
        s.max = std::max(s.max, a);
        s.minabs = std::min(s.minabs, std::abs(a));
        s.maxabs = std::max(s.maxabs, std::abs(a));
    }
    return s;
}
// Every element at least kMargin (1 + |k|) away from k.
inline bool away_from(const Val& v, double k) {
    for (double a : values_of(v.t))
        if (std::abs(a - k) < kMargin * (1 + std::abs(k))) return false;
    return true;
}
// a and b (broadcast) nowhere within the margin of each other.
inline bool apart(const TTensor& a, const TTensor& b) {
    TTensor A = a.detach().to(at::kDouble), B = b.detach().to(at::kDouble);
    TTensor gap = (A - B).abs() - kMargin * (1 + torch::maximum(A.abs(), B.abs()));
    return gap.numel() == 0 || gap.min().item<double>() >= 0;
}
// Over the dims `rdims` of x, both the largest and the smallest element of every group stand
// apart from the runner-up, so max/min, their indices and their gradients are unambiguous.
inline bool distinct_extremes(const TTensor& x, const Shape& rdims_in) {
    if (x.dim() == 0 || x.numel() == 0) return true;
    Shape rdims;
    for (int64_t d : rdims_in) rdims.push_back(d < 0 ? d + x.dim() : d);
    Shape perm;
    int64_t inner = 1;
    for (int64_t d = 0; d < x.dim(); ++d)
        if (std::find(rdims.begin(), rdims.end(), d) == rdims.end()) perm.push_back(d);
    for (int64_t d : rdims) {
        perm.push_back(d);
        inner *= x.size(d);
    }
    if (inner <= 1) return true;
    TTensor y = x.detach().to(at::kDouble).permute(perm).reshape({-1, inner});
    TTensor s = std::get<0>(y.sort(1));
    TTensor lo = s.select(1, 0), lo2 = s.select(1, 1), hi = s.select(1, inner - 1), hi2 = s.select(1, inner - 2);
    bool ok_lo = ((lo2 - lo) - kMargin * (1 + lo.abs())).min().item<double>() >= 0;
    bool ok_hi = ((hi - hi2) - kMargin * (1 + hi.abs())).min().item<double>() >= 0;
    return ok_lo && ok_hi;
}

inline bool broadcastable(const Shape& a, const Shape& b) {
    for (std::size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
        int64_t x = a[a.size() - i], y = b[b.size() - i];
        if (x != y && x != 1 && y != 1) return false;
    }
    return true;
}

// Every group over `rdims` spans more than the margin (max - min), so std stays away from 0.
inline bool spread_out(const TTensor& x, const Shape& rdims) {
    if (x.dim() == 0) return false;
    TTensor d = x.detach().to(at::kDouble);
    TTensor span = d.amax(rdims) - d.amin(rdims);
    return (span - kMargin * (1 + d.abs().amax(rdims))).min().item<double>() >= 0;
}

struct Disagree {
    std::string what;
};

}  // namespace difftest
