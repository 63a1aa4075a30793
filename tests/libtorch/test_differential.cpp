// Differential tests against libtorch: random chains of ops, built the same way in ember and in
// libtorch from the same input values, with every intermediate value and the gradient of every
// leaf compared. See docs/differential_testing.md for what is covered, the tolerances and how to
// replay a case (EMBER_DIFF_SEED=N runs case N alone and prints its chain).
//
// libtorch's headers come first and Catch2 is used with CATCH_CONFIG_PREFIX_ALL: libtorch pulls
// in glog, whose CHECK macros would otherwise clash with Catch2's.
#include <torch/torch.h>

#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/ember.h"

namespace {

using ETensor = ember::Tensor;
using TTensor = at::Tensor;
using Shape = std::vector<int64_t>;
namespace EF = ember::nn::functional;
namespace TF = torch::nn::functional;

template <class T>
constexpr bool is_torch = std::is_same_v<std::decay_t<T>, at::Tensor>;

// ---- tolerances (docs/differential_testing.md) ----
// A value or gradient agrees when every element satisfies
//     |ember - torch| <= rtol (|torch| + M) + kShadowFactor * E
// - rtol: 1e-4 as soon as a float32 tensor took part in computing the value (for gradients:
//   anywhere in the case), else 1e-10; 1e-3 for float32 in the large-tensor cases (see tol());
// - M, the scale an error may be relative to besides the element itself: the largest of the
//   tensor's largest |torch|; for the loss, the sum of |terms|; for a gradient, 1% of the largest
//   gradient of any leaf in the case; and a floor (1e-2 with float32, 1 in large cases and for
//   pure float64; inputs and weights are O(1) by construction) for tensors that are nothing but
//   cancellation noise, such as an exact zero computed as 1e-9 in one framework and -2e-9 in the
//   other;
// - E: libtorch's own float32 rounding error on this tensor (largest over its elements),
//   measured against a float64 "shadow" run of the same chain in libtorch. Where a chain is
//   ill-conditioned (cos of a large argument, a cancelling difference of large products) ember
//   may be off by up to 10 times what libtorch itself is off by.
// A value that fails this is compared once more with libtorch's op applied to ember's own
// operands (M then includes the operands' largest |value|): its inputs agreed, not exactly, and
// an ill-conditioned op (cos of a large sum) amplified the difference. If that agrees, the value
// is counted as checked but not used further nor put in the loss.
constexpr double kRtolF32 = 1e-4;
constexpr double kRtolF32Large = 1e-3;
constexpr double kRtolF64 = 1e-10;
constexpr double kFloor32 = 1e-2;
constexpr double kFloor32Large = 1;
constexpr double kFloor64 = 1;
constexpr double kShadowFactor = 10;
// Kinks and ties are avoided by construction: an op whose result or gradient jumps at some input
// (relu, abs, sign, clamp, max/min and their indices, maximum/minimum, comparisons, softplus with
// a small threshold) is only applied when every input is at least kMargin (1 + |x|) away from
// the jump, so the rounding differences between the frameworks cannot pick different branches.
constexpr double kMargin = 1e-3;

// ---- dtypes, shapes, values of both frameworks ----

enum class Dt { F32, F64, I64, Bool };

ember::ScalarType to_ember(Dt d) {
    switch (d) {
        case Dt::F32: return ember::kFloat32;
        case Dt::F64: return ember::kFloat64;
        case Dt::I64: return ember::kInt64;
        case Dt::Bool: return ember::kBool;
    }
    return ember::kFloat32;
}
at::ScalarType to_torch(Dt d) {
    switch (d) {
        case Dt::F32: return at::kFloat;
        case Dt::F64: return at::kDouble;
        case Dt::I64: return at::kLong;
        case Dt::Bool: return at::kBool;
    }
    return at::kFloat;
}
const char* dt_name(Dt d) {
    switch (d) {
        case Dt::F32: return "f32";
        case Dt::F64: return "f64";
        case Dt::I64: return "i64";
        case Dt::Bool: return "bool";
    }
    return "?";
}
std::optional<Dt> dt_of(const ETensor& e) {
    switch (e.dtype()) {
        case ember::kFloat32: return Dt::F32;
        case ember::kFloat64: return Dt::F64;
        case ember::kInt64: return Dt::I64;
        case ember::kBool: return Dt::Bool;
    }
    return std::nullopt;
}
std::optional<Dt> dt_of(const TTensor& t) {
    switch (t.scalar_type()) {
        case at::kFloat: return Dt::F32;
        case at::kDouble: return Dt::F64;
        case at::kLong: return Dt::I64;
        case at::kBool: return Dt::Bool;
        default: return std::nullopt;
    }
}
bool is_fp(Dt d) { return d == Dt::F32 || d == Dt::F64; }

Shape shape_of(const ETensor& e) { return Shape(e.sizes().begin(), e.sizes().end()); }
Shape shape_of(const TTensor& t) { return t.sizes().vec(); }
int64_t numel_of(const Shape& s) {
    int64_t n = 1;
    for (int64_t v : s) n *= v;
    return n;
}

std::string join(const Shape& s) {
    std::ostringstream o;
    for (std::size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
    return o.str();
}
// (Built with +=: g++ 12 warns falsely (-Wrestrict) about "[" + std::string&&.)
std::string wrap(char open, const Shape& s, char close) {
    std::string r(1, open);
    r += join(s);
    r += close;
    return r;
}
std::string sh(const Shape& s) { return wrap('[', s, ']'); }
std::string br(const Shape& s) { return wrap('{', s, '}'); }
std::string num(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
}

std::vector<double> values_of(const TTensor& t) {
    TTensor c = t.detach().to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}
std::vector<double> values_of(const ETensor& e) { return e.detach().to_vector<double>(); }
// The float64 shadow of a libtorch tensor: floating tensors in float64, others as they are.
TTensor shadow_of(const TTensor& t) {
    return t.is_floating_point() && t.scalar_type() != at::kDouble ? t.to(at::kDouble) : t;
}
// A libtorch copy of an ember tensor: same shape, dtype and values (exact: through double).
TTensor torch_copy(const ETensor& e) {
    std::vector<double> v = values_of(e);
    return torch::from_blob(v.data(), shape_of(e), at::kDouble).clone().to(to_torch(*dt_of(e)));
}

// The op a chain line applies, for the coverage count: "v3.permute({1, 0})" -> ".permute()",
// "v1.clone().add_(v2, 0.5)" -> ".clone().add_()", "v1 + v2" -> "+", "-0.25 / v1" -> "scalar /",
// "softmax(v1, 0)" -> "softmax".
std::string op_key(const std::string& text) {
    auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    const bool operand_first =
        text.size() > 1 && (text[0] == 'v' || text[0] == 'L' || text[0] == 'c') && is_digit(text[1]);
    const bool scalar_first = !text.empty() && (is_digit(text[0]) || text[0] == '-');
    if (!operand_first && !scalar_first) return text.substr(0, text.find('('));
    std::size_t i = 1;
    while (i < text.size() && (is_digit(text[i]) || (scalar_first && text[i] == '.'))) ++i;
    if (i < text.size() && text[i] == ' ') {  // an operator
        std::size_t j = text.find(' ', i + 1);
        std::string o = text.substr(i + 1, j == std::string::npos ? std::string::npos : j - i - 1);
        return scalar_first ? "scalar " + o : o;
    }
    std::string key;  // a chain of methods, their arguments dropped
    int depth = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '(' && depth++ == 0) key += "()";
        if (c == ')') --depth;
        if (depth == 0 && c != ')' && c != ' ') key += c;
        if (depth == 0 && c == ' ') break;
    }
    return key;
}

std::string first_line(const char* what) {
    std::string s(what);
    std::size_t n = s.find('\n');
    return n == std::string::npos ? s : s.substr(0, n);
}

// Helpers with one overload per framework, for the few calls whose spelling differs.
ember::IntArrayRef ir(const ETensor&, const Shape& v) { return ember::IntArrayRef(v); }
at::IntArrayRef ir(const TTensor&, const Shape& v) { return at::IntArrayRef(v); }
ETensor conv(const ETensor& a, Dt d) { return a.to(to_ember(d)); }
TTensor conv(const TTensor& a, Dt d) { return a.to(to_torch(d)); }
ETensor cat2(const ETensor& a, const ETensor& b, int64_t d) { return ember::cat({a, b}, d); }
TTensor cat2(const TTensor& a, const TTensor& b, int64_t d) { return torch::cat({a, b}, d); }
ETensor stack2(const ETensor& a, const ETensor& b, int64_t d) { return ember::stack({a, b}, d); }
TTensor stack2(const TTensor& a, const TTensor& b, int64_t d) { return torch::stack({a, b}, d); }
ETensor one_hot_as(const ETensor& labels, int64_t c, const ETensor& like) {
    return ember::one_hot(labels, c).to(like.dtype());
}
TTensor one_hot_as(const TTensor& labels, int64_t c, const TTensor& like) {
    return TF::one_hot(labels, c).to(like.scalar_type());
}
ETensor linear3(const ETensor& x, const ETensor& w, const ETensor& b) { return EF::linear(x, w, b); }
TTensor linear3(const TTensor& x, const TTensor& w, const TTensor& b) { return TF::linear(x, w, b); }
ETensor linear2(const ETensor& x, const ETensor& w) { return EF::linear(x, w); }
TTensor linear2(const TTensor& x, const TTensor& w) { return TF::linear(x, w); }

// ---- losses (reduction 0 none, 1 mean, 2 sum) ----
ember::nn::Reduction e_red(int r) { return r == 0 ? ember::kNone : r == 1 ? ember::kMean : ember::kSum; }
template <class O>
O t_red(O o, int r) {
    if (r == 0) return o.reduction(torch::kNone);
    if (r == 1) return o.reduction(torch::kMean);
    return o.reduction(torch::kSum);
}
const char* red_name(int r) { return r == 0 ? "none" : r == 1 ? "mean" : "sum"; }

ETensor mse(const ETensor& x, const ETensor& y, int r) { return EF::mse_loss(x, y, EF::MSELossFuncOptions(e_red(r))); }
TTensor mse(const TTensor& x, const TTensor& y, int r) {
    return TF::mse_loss(x, y, t_red(TF::MSELossFuncOptions(), r));
}
ETensor bce(const ETensor& p, const ETensor& y, const ETensor* w, int r) {
    EF::BinaryCrossEntropyFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    return EF::binary_cross_entropy(p, y, o);
}
TTensor bce(const TTensor& p, const TTensor& y, const TTensor* w, int r) {
    auto o = t_red(TF::BinaryCrossEntropyFuncOptions(), r);
    if (w) o.weight(*w);
    return TF::binary_cross_entropy(p, y, o);
}
ETensor bce_logits(const ETensor& z, const ETensor& y, const ETensor* w, const ETensor* pw, int r) {
    EF::BinaryCrossEntropyWithLogitsFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    if (pw) o.pos_weight(*pw);
    return EF::binary_cross_entropy_with_logits(z, y, o);
}
TTensor bce_logits(const TTensor& z, const TTensor& y, const TTensor* w, const TTensor* pw, int r) {
    auto o = t_red(TF::BinaryCrossEntropyWithLogitsFuncOptions(), r);
    if (w) o.weight(*w);
    if (pw) o.pos_weight(*pw);
    return TF::binary_cross_entropy_with_logits(z, y, o);
}
ETensor nll(const ETensor& x, const ETensor& t, const ETensor* w, int64_t ignore, int r) {
    EF::NLLLossFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    o.ignore_index(ignore);
    return EF::nll_loss(x, t, o);
}
TTensor nll(const TTensor& x, const TTensor& t, const TTensor* w, int64_t ignore, int r) {
    auto o = t_red(TF::NLLLossFuncOptions(), r);
    if (w) o.weight(*w);
    o.ignore_index(ignore);
    return TF::nll_loss(x, t, o);
}
ETensor xent(const ETensor& x, const ETensor& t, const ETensor* w, int64_t ignore, int r) {
    EF::CrossEntropyFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    o.ignore_index(ignore);
    return EF::cross_entropy(x, t, o);
}
TTensor xent(const TTensor& x, const TTensor& t, const TTensor* w, int64_t ignore, int r) {
    auto o = t_red(TF::CrossEntropyFuncOptions(), r);
    if (w) o.weight(*w);
    o.ignore_index(ignore);
    return TF::cross_entropy(x, t, o);
}

// ---- comparison of one ember tensor with one libtorch tensor ----

// Empty when they agree; otherwise what differs (shape, dtype, requires_grad or the worst element).
// `d` is libtorch's float64 shadow of `t` (may be undefined); `low`: float32 took part.
// `scale`: a magnitude the error may be relative to besides the tensor's own (the operands of
// the op, or the sum of |terms| of the loss). `tol`: float32's rtol and floor in this case.
struct Tol {
    double rtol32, floor32;  // float32's rtol and floor for this case
};
std::string compare(const ETensor& e, const TTensor& t, const TTensor& d, bool low, double scale_in, Tol tol,
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

uint64_t splitmix64(uint64_t x) {
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
Stats stats_of(const Val& v) {
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
bool away_from(const Val& v, double k) {
    for (double a : values_of(v.t))
        if (std::abs(a - k) < kMargin * (1 + std::abs(k))) return false;
    return true;
}
// a and b (broadcast) nowhere within the margin of each other.
bool apart(const TTensor& a, const TTensor& b) {
    TTensor A = a.detach().to(at::kDouble), B = b.detach().to(at::kDouble);
    TTensor gap = (A - B).abs() - kMargin * (1 + torch::maximum(A.abs(), B.abs()));
    return gap.numel() == 0 || gap.min().item<double>() >= 0;
}
// Over the dims `rdims` of x, both the largest and the smallest element of every group stand
// apart from the runner-up, so max/min, their indices and their gradients are unambiguous.
bool distinct_extremes(const TTensor& x, const Shape& rdims_in) {
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

bool broadcastable(const Shape& a, const Shape& b) {
    for (std::size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
        int64_t x = a[a.size() - i], y = b[b.size() - i];
        if (x != y && x != 1 && y != 1) return false;
    }
    return true;
}

// Every group over `rdims` spans more than the margin (max - min), so std stays away from 0.
bool spread_out(const TTensor& x, const Shape& rdims) {
    if (x.dim() == 0) return false;
    TTensor d = x.detach().to(at::kDouble);
    TTensor span = d.amax(rdims) - d.amin(rdims);
    return (span - kMargin * (1 + d.abs().amax(rdims))).min().item<double>() >= 0;
}

struct Disagree {
    std::string what;
};

// ---- one random case ----

class Case {
public:
    explicit Case(uint64_t seed) : seed_(seed), r_(seed) {}

    // Builds the chain, comparing every value as it is made, then compares the gradients of all
    // leaves after backward of a random weighted sum. Empty result: the frameworks agree.
    std::string run();
    std::string listing() const {
        std::ostringstream o;
        for (const std::string& l : lines_) o << "    " << l << "\n";
        return o.str();
    }
    const std::map<std::string, int>& op_counts() const { return ops_; }
    int leaf_grads() const { return leaf_grads_; }
    int local_checks() const { return local_checks_; }

private:
    static constexpr int64_t kSmallNumel = 1024;
    static constexpr int64_t kBigNumel = 1 << 17;

    uint64_t seed_;
    Rng r_;
    bool big_ = false;
    int dt_mode_ = 0;         // 0 float32, 1 float64, 2 mixed
    std::deque<Val> vals_;    // the values ops may use (stable addresses)
    std::deque<Val> leaves_;  // the tensors requiring grad
    std::vector<std::string> lines_;
    std::map<std::string, int> ops_;
    int n_const_ = 0;
    int leaf_grads_ = 0;
    int local_checks_ = 0;

    int64_t max_numel() const { return big_ ? kBigNumel : kSmallNumel; }
    // Large cases compare float32 with rtol 1e-3 and floor 1, set when ember's float32 sums
    // accumulated each SIMD lane in float32 (3e-4 off where libtorch's cascade was 1e-6 off over
    // 10^4-10^5 terms; docs/differential_testing.md). ember now sums float32 in double; libtorch's
    // own rounding is what the tolerance still covers. The floor matters for a gradient that is an
    // exact zero summed from 10^4 terms (softmax over an expanded dim), where it is all noise.
    Tol tol() const { return big_ ? Tol{kRtolF32Large, kFloor32Large} : Tol{kRtolF32, kFloor32}; }
    Dt pick_dt() { return dt_mode_ == 0 ? Dt::F32 : dt_mode_ == 1 ? Dt::F64 : (r_.p(0.5) ? Dt::F32 : Dt::F64); }
    int64_t rsize() { return r_.p(0.15) ? 1 : r_.i(2, 5); }
    Shape random_shape(int64_t rank) {
        if (big_) return rank == 1 ? Shape{r_.i(1000, 60000)} : Shape{r_.i(50, 300), r_.i(50, 300)};
        Shape s;
        for (int64_t i = 0; i < rank; ++i) s.push_back(rsize());
        return s;
    }
    int64_t random_rank() {
        if (big_) return r_.i(1, 2);
        static const std::vector<int64_t> ranks = {0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4};
        return r_.pick(ranks);
    }
    int64_t rdim(int64_t rank) {  // a dim index, sometimes negative
        int64_t d = r_.i(0, rank - 1);
        return r_.p(0.3) ? d - rank : d;
    }
    std::vector<double> random_data(int64_t n, double lo, double hi) {
        std::vector<double> d(static_cast<std::size_t>(n));
        for (double& v : d) v = r_.u(lo, hi);
        return d;
    }

    // Both frameworks' tensors of `s` and `dt` holding `d` (given in double).
    static std::pair<ETensor, TTensor> from_data(std::vector<double> d, const Shape& s, Dt dt) {
        ETensor e = ember::tensor(d, ember::dtype(ember::kFloat64)).reshape(s).to(to_ember(dt)).clone();
        TTensor t = torch::from_blob(d.data(), s, at::kDouble).clone().to(to_torch(dt)).clone();
        return {e, t};
    }
    static std::pair<ETensor, TTensor> from_ints(const std::vector<int64_t>& d, const Shape& s) {
        ETensor e = ember::tensor(d).reshape(s).clone();
        std::vector<int64_t> copy = d;
        TTensor t = torch::from_blob(copy.data(), s, at::kLong).clone();
        return {e, t};
    }

    void note(const std::string& line) { lines_.push_back(line); }
    static std::string type_str(const Val& v) { return std::string(dt_name(v.dt())) + sh(v.shape()); }

    // A constant (no grad) with uniform values; not added to the pool.
    Val constant(const Shape& s, Dt dt, double lo, double hi) {
        auto [e, t] = from_data(random_data(numel_of(s), lo, hi), s, dt);
        Val v{e, t, "c" + std::to_string(n_const_++), dt == Dt::F32, true, shadow_of(t)};
        note(v.name + " = constant " + type_str(v) + " uniform(" + num(lo) + ", " + num(hi) + ")");
        return v;
    }
    Val int_constant(const Shape& s, int64_t lo, int64_t hi) {
        std::vector<int64_t> d(static_cast<std::size_t>(numel_of(s)));
        for (int64_t& x : d) x = r_.i(lo, hi);
        auto [e, t] = from_ints(d, s);
        Val v{e, t, "c" + std::to_string(n_const_++), false, true, t};
        std::string vals;
        for (std::size_t i = 0; i < d.size() && i < 24; ++i) vals += (i ? ", " : "") + std::to_string(d[i]);
        if (d.size() > 24) vals += ", ...";
        note(v.name + " = constant " + type_str(v) + " {" + vals + "}");
        return v;
    }

    // Applies f to the operands in both frameworks, compares the results and records the line.
    // may_reject: an op whose validity is itself under test (view): both rejecting is agreement.
    template <class F, class... V>
    const Val* apply(const std::string& text, bool may_reject, F f, const V&... in) {
        std::string ee, te;
        ETensor e;
        TTensor t;
        try {
            e = f(in.e...);
        } catch (const std::exception& x) {
            ee = first_line(x.what());
        }
        try {
            t = f(in.t...);
        } catch (const std::exception& x) {
            te = first_line(x.what());
        }
        const std::string op = op_key(text);
        if (!ee.empty() || !te.empty()) {
            if (may_reject && !ee.empty() && !te.empty()) {
                note("(" + text + ": rejected by both)");
                return nullptr;
            }
            note("?? = " + text);
            throw Disagree{"`" + text + "`: " + (ee.empty() ? "ember accepted it" : "ember threw: " + ee) + "; " +
                           (te.empty() ? "torch accepted it" : "torch threw: " + te)};
        }
        ++ops_[op];
        // The shadow runs the same op on the float64 shadows (an explicit conversion to float32
        // rounds there too, then the shadow is float64 again). It estimates how much of the
        // float32 results is rounding error; when it cannot be computed, it is left undefined.
        TTensor d;
        try {
            d = shadow_of(f(in.d...));
        } catch (const std::exception&) {
        }
        bool low = (false || ... || in.low) || (t.defined() && t.scalar_type() == at::kFloat);
        Val v{e, t, "v" + std::to_string(vals_.size()), low, true, d};
        note(v.name + " = " + text + "    # " + (dt_of(t) ? type_str(v) : "?"));
        double in_scale = 0;
        for (const TTensor* x : {&in.t...})
            if (x->is_floating_point() && x->numel() > 0) {
                double m = x->detach().abs().max().template item<double>();
                if (std::isfinite(m)) in_scale = std::max(in_scale, m);
            }
        std::string diff = compare(e, t, d, low, 0, tol());
        bool local_only = false;
        if (!diff.empty()) {
            // The operands agreed within the tolerance, not exactly, and an ill-conditioned op
            // (cos of a large sum, a difference that cancels) can blow that up. Then ember's op
            // must match libtorch's op applied to ember's own operands (errors relative to the
            // operands' magnitude: a sum's rounding is relative to its terms), and the value
            // is not used further (nor in the loss): its inputs' rounding dominates it.
            std::string local = "(libtorch failed on ember's operands)";
            try {
                local = compare(e, f(torch_copy(in.e)...), TTensor(), low, in_scale, tol(), false);
            } catch (const std::exception&) {
            }
            if (!local.empty())
                throw Disagree{"value " + v.name + " = `" + text + "` differs: " + diff +
                               "; and from libtorch's op on ember's operands: " + local};
            local_only = true;
            ++local_checks_;
            note("  (" + v.name + ": agrees with libtorch's op on ember's operands; not used further)");
        }
        if (v.fp()) {
            Stats s = stats_of(v);
            v.usable = std::isfinite(s.maxabs) && s.maxabs < 1e6 && !local_only;
        }
        v.in_loss = !local_only;
        vals_.push_back(v);
        return &vals_.back();
    }

    // A leaf requiring grad, and a value of shape `s` made from a new leaf through a random view
    // (permuted, strided slice, broadcast by expand, select) or the leaf itself.
    const Val& leaf(const Shape& s, Dt dt, double lo, double hi) {
        auto [e, t] = from_data(random_data(numel_of(s), lo, hi), s, dt);
        e.requires_grad_(true);
        t.requires_grad_(true);
        TTensor d = shadow_of(t.detach()).clone().requires_grad_(true);
        leaves_.push_back(Val{e, t, "L" + std::to_string(leaves_.size()), dt == Dt::F32, true, d});
        note(leaves_.back().name + " = leaf " + type_str(leaves_.back()) + " uniform(" + num(lo) + ", " + num(hi) +
             ")");
        return leaves_.back();
    }
    const Val& input(const Shape& s, Dt dt, double lo = -2, double hi = 2) {
        const int64_t rank = static_cast<int64_t>(s.size());
        int kind = static_cast<int>(r_.i(0, 9));
        if (rank == 0 && kind < 8) kind = 9;
        if (kind <= 1 && rank >= 2) {  // permuted
            Shape perm(rank);
            for (int64_t i = 0; i < rank; ++i) perm[i] = i;
            std::shuffle(perm.begin(), perm.end(), r_.g);
            Shape base(rank);
            for (int64_t i = 0; i < rank; ++i) base[perm[i]] = s[i];
            const Val& L = leaf(base, dt, lo, hi);
            return *apply(
                L.name + ".permute(" + br(perm) + ")", false, [&](const auto& x) { return x.permute(ir(x, perm)); }, L);
        }
        if (kind <= 3 && rank >= 1) {  // strided slice
            int64_t d = r_.i(0, rank - 1), step = r_.i(2, 3), start = r_.i(0, 1);
            Shape base = s;
            base[d] = start + (s[d] - 1) * step + 1 + r_.i(0, 1);
            int64_t end = start + (s[d] - 1) * step + 1;
            const Val& L = leaf(base, dt, lo, hi);
            return *apply(
                L.name + ".slice(" + std::to_string(d) + ", " + std::to_string(start) + ", " + std::to_string(end) +
                    ", " + std::to_string(step) + ")",
                false, [&](const auto& x) { return x.slice(d, start, end, step); }, L);
        }
        if (kind <= 5 && rank >= 1) {  // broadcast: some dims (or leading dims) of the leaf are missing
            Shape base = s;
            for (int64_t& v : base)
                if (r_.p(0.4)) v = 1;
            int64_t drop = r_.i(0, std::min<int64_t>(rank - 1, 1));
            base.erase(base.begin(), base.begin() + drop);
            const Val& L = leaf(base, dt, lo, hi);
            return *apply(
                L.name + ".expand(" + br(s) + ")", false, [&](const auto& x) { return x.expand(ir(x, s)); }, L);
        }
        if (kind == 6) {  // select from a leaf with one more dim
            int64_t d = r_.i(0, rank), n = r_.i(2, 3), idx = r_.i(0, n - 1);
            Shape base = s;
            base.insert(base.begin() + d, n);
            const Val& L = leaf(base, dt, lo, hi);
            return *apply(
                L.name + ".select(" + std::to_string(d) + ", " + std::to_string(idx) + ")", false,
                [&](const auto& x) { return x.select(d, idx); }, L);
        }
        if (kind == 7 && rank >= 2) {  // transposed
            Shape base = s;
            std::swap(base[0], base[rank - 1]);
            const Val& L = leaf(base, dt, lo, hi);
            return *apply(
                L.name + ".transpose(0, -1)", false, [](const auto& x) { return x.transpose(0, -1); }, L);
        }
        const Val& L = leaf(s, dt, lo, hi);
        vals_.push_back(L);
        vals_.back().name = L.name;
        return vals_.back();
    }

    // A random usable floating value of the pool, most often the newest.
    const Val* pick_float() {
        std::vector<const Val*> c;
        for (const Val& v : vals_)
            if (v.fp() && v.usable) c.push_back(&v);
        if (c.empty()) return nullptr;
        if (r_.p(0.5)) return c.back();
        return c[static_cast<std::size_t>(r_.i(0, static_cast<int64_t>(c.size()) - 1))];
    }

    // x itself if every element is >= lo, else the positive value square(x) + 0.25.
    const Val& positive(const Val& x, double lo) {
        if (stats_of(x).min >= lo) return x;
        return *apply(
            x.name + ".square() + 0.25", false, [](const auto& a) { return a.square() + 0.25; }, x);
    }
    // x itself if no element is near 0, else square(x) + 0.25.
    const Val& nonzero(const Val& x) {
        if (stats_of(x).minabs >= 0.1) return x;
        return positive(x, 1e300);
    }
    // A 0-d operand meeting a dimensioned one of another dtype is converted first: libtorch
    // promotes such a pair to the dimensioned operand's dtype, ember by rank of the dtypes (see
    // docs/decisions.md, "0-d tensors in type promotion").
    const Val& align(const Val& b, const Val& a) {
        if ((a.dim() == 0) == (b.dim() == 0) || a.dt() == b.dt() || b.dim() != 0) return b;
        Dt to = a.dt();
        return *apply(
            b.name + ".to(" + dt_name(to) + ")", false, [to](const auto& x) { return conv(x, to); }, b);
    }
    std::pair<const Val*, const Val*> align_pair(const Val& a, const Val& b) {
        const Val& b2 = align(b, a);
        const Val& a2 = align(a, b2);
        return {&a2, &b2};
    }

    // A partner for a binary op with x: an existing value or a new input whose shape broadcasts
    // with x's. With `into_x`, the partner's shape broadcasts *to* x's (for in-place ops).
    const Val& partner(const Val& x, bool into_x = false) {
        const Shape xs = x.shape();
        if (r_.p(0.3)) {
            std::vector<const Val*> c;
            for (const Val& v : vals_) {
                if (!v.fp() || !v.usable) continue;
                if (!broadcastable(xs, v.shape())) continue;
                Shape b = at::infer_size(xs, v.shape());
                if (numel_of(b) <= max_numel() && (!into_x || b == xs)) c.push_back(&v);
            }
            if (!c.empty()) return *c[static_cast<std::size_t>(r_.i(0, static_cast<int64_t>(c.size()) - 1))];
        }
        Shape s = xs;
        for (int64_t& v : s)
            if (r_.p(0.25)) v = 1;
        if (!s.empty() && r_.p(0.25)) s.erase(s.begin(), s.begin() + r_.i(1, static_cast<int64_t>(s.size())));
        if (!into_x) {
            // Sometimes the partner is the larger one: x's size-1 dims stretch, or a leading dim appears.
            for (std::size_t i = 0; i < s.size(); ++i)
                if (s[i] == 1 && xs[xs.size() - s.size() + i] == 1 && r_.p(0.5)) s[i] = r_.i(2, 4);
            if (s.size() == xs.size() && xs.size() < 4 && r_.p(0.15)) s.insert(s.begin(), r_.i(2, 3));
            if (numel_of(at::infer_size(xs, s)) > max_numel()) s = xs;
        }
        return input(s, pick_dt());
    }

    // Random non-empty set of distinct dims of a rank-r tensor (some negative); for r == 0, {0} or {-1}.
    Shape random_dims(int64_t r) {
        if (r == 0) return {r_.p(0.5) ? 0 : -1};
        Shape d;
        for (int64_t i = 0; i < r; ++i)
            if (r_.p(0.4)) d.push_back(r_.p(0.3) ? i - r : i);
        if (d.empty()) d.push_back(rdim(r));
        std::shuffle(d.begin(), d.end(), r_.g);
        return d;
    }
    static int64_t group_count(const Val& x, const Shape& dims) {
        int64_t n = 1;
        for (int64_t d : dims) n *= x.dim() == 0 ? 1 : x.size(d < 0 ? d + x.dim() : d);
        return n;
    }

    bool op_unary(const Val& x);
    bool op_scalar(const Val& x);
    bool op_binary(const Val& x);
    bool op_where(const Val& x);
    bool op_reduce(const Val& x);
    bool op_linalg(const Val& x);
    bool op_shape(const Val& x);
    bool op_index(const Val& x);
    bool op_loss(const Val& x);
    bool op_inplace(const Val& x);
    void step();
    void backward_and_compare();
};

bool Case::op_unary(const Val& x) {
    const Stats s = stats_of(x);
    const std::string n = x.name;
    switch (r_.i(0, 21)) {
        case 0:
            return apply(
                "neg(" + n + ")", false, [](const auto& a) { return a.neg(); }, x);
        case 1:
            if (s.max > 8) return false;
            return apply(
                "exp(" + n + ")", false, [](const auto& a) { return a.exp(); }, x);
        case 2: {
            const Val& p = positive(x, 0.05);
            return apply(
                "log(" + p.name + ")", false, [](const auto& a) { return a.log(); }, p);
        }
        case 3: {
            const Val& p = s.min > -0.9 ? x : positive(x, 0.05);
            return apply(
                "log1p(" + p.name + ")", false, [](const auto& a) { return a.log1p(); }, p);
        }
        case 4: {
            const Val& p = positive(x, 0.05);
            return apply(
                "sqrt(" + p.name + ")", false, [](const auto& a) { return a.sqrt(); }, p);
        }
        case 5: {
            const Val& p = positive(x, 0.05);
            return apply(
                "rsqrt(" + p.name + ")", false, [](const auto& a) { return a.rsqrt(); }, p);
        }
        case 6:
            if (!away_from(x, 0)) return false;
            return apply(
                "abs(" + n + ")", false, [](const auto& a) { return a.abs(); }, x);
        case 7:
            if (!away_from(x, 0)) return false;
            return apply(
                "sign(" + n + ")", false, [](const auto& a) { return a.sign(); }, x);
        case 8:
            return apply(
                "sin(" + n + ")", false, [](const auto& a) { return a.sin(); }, x);
        case 9:
            return apply(
                "cos(" + n + ")", false, [](const auto& a) { return a.cos(); }, x);
        case 10:
            return apply(
                "sigmoid(" + n + ")", false, [](const auto& a) { return a.sigmoid(); }, x);
        case 11:
            return apply(
                "log_sigmoid(" + n + ")", false, [](const auto& a) { return log_sigmoid(a); }, x);
        case 12:
            return apply(
                "tanh(" + n + ")", false, [](const auto& a) { return a.tanh(); }, x);
        case 13:
            if (!away_from(x, 0)) return false;
            return apply(
                "relu(" + n + ")", false, [](const auto& a) { return a.relu(); }, x);
        case 14: {
            static const std::vector<double> betas = {1, 2, 0.5}, thresholds = {20, 1.5, 3};
            double beta = r_.pick(betas), thr = r_.pick(thresholds);
            // the linear branch starts at beta x > threshold: keep away from the switch
            if (!away_from(x, thr / beta)) return false;
            return apply(
                "softplus(" + n + ", " + num(beta) + ", " + num(thr) + ")", false,
                [=](const auto& a) { return softplus(a, beta, thr); }, x);
        }
        case 15:
            if (s.maxabs > 100) return false;
            return apply(
                "square(" + n + ")", false, [](const auto& a) { return a.square(); }, x);
        case 16: {
            const Val& p = nonzero(x);
            return apply(
                "reciprocal(" + p.name + ")", false, [](const auto& a) { return a.reciprocal(); }, p);
        }
        case 17: {
            static const std::vector<double> exps = {2, 3, 0, 1, -1, -2, 0.5, 1.5, -0.5, 2.5};
            double e = r_.pick(exps);
            if (e >= 2 && s.maxabs > 50) return false;
            const bool integral = std::floor(e) == e;
            const Val& p = integral ? (e < 0 ? nonzero(x) : x) : positive(x, 0.05);
            return apply(
                "pow(" + p.name + ", " + num(e) + ")", false, [=](const auto& a) { return a.pow(e); }, p);
        }
        case 18: {
            static const std::vector<double> bases = {2, 0.5, 3};
            double b = r_.pick(bases);
            if (s.maxabs > 10) return false;
            return apply(
                "pow(" + num(b) + ", " + n + ")", false, [=](const auto& a) { return pow(b, a); }, x);
        }
        case 19:
        case 20:
        case 21: {
            if (s.max - s.min < 0.1) return false;
            double lo = r_.u(s.min - 0.2, s.max), hi = r_.u(lo + 0.05, s.max + 0.5);
            lo = std::round(lo * 100) / 100;
            hi = std::round(hi * 100) / 100;
            if (lo >= hi || !away_from(x, lo) || !away_from(x, hi)) return false;
            int which = static_cast<int>(r_.i(0, 2));
            if (which == 0)
                return apply(
                    "clamp(" + n + ", " + num(lo) + ", " + num(hi) + ")", false,
                    [=](const auto& a) { return a.clamp(lo, hi); }, x);
            if (which == 1)
                return apply(
                    "clamp_min(" + n + ", " + num(lo) + ")", false, [=](const auto& a) { return a.clamp_min(lo); }, x);
            return apply(
                "clamp_max(" + n + ", " + num(hi) + ")", false, [=](const auto& a) { return a.clamp_max(hi); }, x);
        }
    }
    return false;
}

bool Case::op_scalar(const Val& x) {
    static const std::vector<double> scalars = {2, -1.5, 0.5, 3, -0.25};
    const double c = r_.pick(scalars);
    const std::string n = x.name, cs = num(c);
    switch (r_.i(0, 8)) {
        case 0:
            return apply(
                n + " + " + cs, false, [=](const auto& a) { return a + c; }, x);
        case 1:
            return apply(
                n + " - " + cs, false, [=](const auto& a) { return a - c; }, x);
        case 2:
            return apply(
                cs + " - " + n, false, [=](const auto& a) { return c - a; }, x);
        case 3:
            return apply(
                n + " * " + cs, false, [=](const auto& a) { return a * c; }, x);
        case 4:
            return apply(
                cs + " * " + n, false, [=](const auto& a) { return c * a; }, x);
        case 5:
            return apply(
                n + " / " + cs, false, [=](const auto& a) { return a / c; }, x);
        case 6: {
            const Val& p = nonzero(x);
            return apply(
                cs + " / " + p.name, false, [=](const auto& a) { return c / a; }, p);
        }
        case 7:
            return apply(
                cs + " + " + n, false, [=](const auto& a) { return c + a; }, x);
        case 8: {
            Dt to = x.dt() == Dt::F32 ? Dt::F64 : Dt::F32;
            return apply(
                n + ".to(" + dt_name(to) + ")", false, [=](const auto& a) { return conv(a, to); }, x);
        }
    }
    return false;
}

bool Case::op_binary(const Val& x0) {
    const int which = static_cast<int>(r_.i(0, 9));
    if (which == 9) return op_where(x0);
    auto [xp, bp] = align_pair(x0, partner(x0));
    const Val& x = *xp;
    const Val& b0 = *bp;
    const std::string a = x.name;
    switch (which) {
        case 0:
            return apply(
                a + " + " + b0.name, false, [](const auto& p, const auto& q) { return p + q; }, x, b0);
        case 1:
            return apply(
                a + " - " + b0.name, false, [](const auto& p, const auto& q) { return p - q; }, x, b0);
        case 2:
            return apply(
                a + " * " + b0.name, false, [](const auto& p, const auto& q) { return p * q; }, x, b0);
        case 3: {
            const Val& b = nonzero(b0);
            return apply(
                a + " / " + b.name, false, [](const auto& p, const auto& q) { return p / q; }, x, b);
        }
        case 4:
            return apply(
                a + ".add(" + b0.name + ", 0.75)", false, [](const auto& p, const auto& q) { return p.add(q, 0.75); },
                x, b0);
        case 5:
            return apply(
                a + ".sub(" + b0.name + ", -2)", false, [](const auto& p, const auto& q) { return p.sub(q, -2); }, x,
                b0);
        case 6:
            if (!apart(x.t, b0.t)) return false;
            return apply(
                "maximum(" + a + ", " + b0.name + ")", false,
                [](const auto& p, const auto& q) { return maximum(p, q); }, x, b0);
        case 7:
            if (!apart(x.t, b0.t)) return false;
            return apply(
                "minimum(" + a + ", " + b0.name + ")", false,
                [](const auto& p, const auto& q) { return minimum(p, q); }, x, b0);
        case 8: {
            if (stats_of(b0).maxabs > 3) return false;
            const Val& p = positive(x, 0.05);
            return apply(
                "pow(" + p.name + ", " + b0.name + ")", false, [](const auto& u, const auto& v) { return u.pow(v); }, p,
                b0);
        }
    }
    return false;
}

// where(cond, a, b) with cond a comparison (sometimes combined by logical_and/or/not).
bool Case::op_where(const Val& x0) {
    auto [xp, bp] = align_pair(x0, partner(x0));
    const Val& x = *xp;
    const Val& b = *bp;
    const Val& c = r_.p(0.5) ? x : partner(x);
    const Stats s = stats_of(c);
    const double k = std::round(r_.u(s.min, s.max) * 10) / 10;
    if (!away_from(c, k)) return false;
    const int cmp = static_cast<int>(r_.i(0, 3));
    static const char* names[] = {">", "<", ">=", "<="};
    const Val* cond = apply(
        c.name + " " + names[cmp] + " " + num(k), false,
        [=](const auto& u) { return cmp == 0   ? u > k
                                    : cmp == 1 ? u < k
                                    : cmp == 2 ? u >= k
                                               : u <= k; }, c);
    if (r_.p(0.3)) {
        const Val& d = partner(x);
        if (broadcastable(d.shape(), b.shape()) && broadcastable(at::infer_size(d.shape(), b.shape()), cond->shape()) &&
            apart(d.t, b.t)) {
            const Val* c2 = apply(
                d.name + " > " + b.name, false, [](const auto& u, const auto& v) { return u > v; }, d, b);
            int how = static_cast<int>(r_.i(0, 2));
            if (how == 0)
                cond = apply(
                    "logical_and(" + cond->name + ", " + c2->name + ")", false,
                    [](const auto& u, const auto& v) { return logical_and(u, v); }, *cond, *c2);
            else if (how == 1)
                cond = apply(
                    "logical_or(" + cond->name + ", " + c2->name + ")", false,
                    [](const auto& u, const auto& v) { return logical_or(u, v); }, *cond, *c2);
            else
                cond = apply(
                    "logical_not(" + cond->name + ")", false, [](const auto& u) { return logical_not(u); }, *cond);
        }
    }
    if (!broadcastable(cond->shape(), x.shape()) || !broadcastable(cond->shape(), b.shape()) ||
        !broadcastable(x.shape(), b.shape()))
        return true;
    Shape out = at::infer_size(at::infer_size(cond->shape(), x.shape()), b.shape());
    if (numel_of(out) > max_numel()) return true;
    return apply(
        "where(" + cond->name + ", " + x.name + ", " + b.name + ")", false,
        [](const auto& c0, const auto& u, const auto& v) { return where(c0, u, v); }, *cond, x, b);
}

bool Case::op_reduce(const Val& x) {
    const std::string n = x.name;
    const int64_t r = x.dim();
    const Shape dims = random_dims(r);
    const bool keep = r_.p(0.5);
    const std::string ds = br(dims), ks = keep ? "true" : "false";
    Shape all;
    for (int64_t i = 0; i < r; ++i) all.push_back(i);
    if (x.numel() == 0) return false;
    switch (r_.i(0, 19)) {
        case 0:
            return apply(
                "sum(" + n + ")", false, [](const auto& a) { return a.sum(); }, x);
        case 1:
            return apply(
                "sum(" + n + ", " + ds + ", " + ks + ")", false,
                [=](const auto& a) { return a.sum(ir(a, dims), keep); }, x);
        case 2:
            return apply(
                "mean(" + n + ")", false, [](const auto& a) { return a.mean(); }, x);
        case 3:
            return apply(
                "mean(" + n + ", " + ds + ", " + ks + ")", false,
                [=](const auto& a) { return a.mean(ir(a, dims), keep); }, x);
        case 4:
        case 5: {
            const bool unbiased = r_.p(0.5);
            if (group_count(x, dims) < 2) return false;
            const bool is_std = r_.p(0.5);
            // std of a (nearly) constant group: the gradient is 0 at exactly 0 in both, but a
            // spread of rounding noise (1e-8 in one framework, 0 in the other) gives O(1) noise.
            if (is_std && !spread_out(x.t, dims)) return false;
            std::string t = std::string(is_std ? "std(" : "var(") + n + ", " + ds + ", " +
                            (unbiased ? "true" : "false") + ", " + ks + ")";
            return apply(
                t, false,
                [=](const auto& a) {
                    return is_std ? a.std(ir(a, dims), unbiased, keep) : a.var(ir(a, dims), unbiased, keep);
                },
                x);
        }
        case 6:
            if (stats_of(x).maxabs < 0.1) return false;
            return apply(
                "norm(" + n + ")", false, [](const auto& a) { return a.norm(); }, x);
        case 7:
            if (!distinct_extremes(x.t, all)) return false;
            return r_.p(0.5) ? apply(
                                   "max(" + n + ")", false, [](const auto& a) { return a.max(); }, x)
                             : apply(
                                   "min(" + n + ")", false, [](const auto& a) { return a.min(); }, x);
        case 8:
        case 9: {
            const int64_t d = dims[0];
            if (!distinct_extremes(x.t, {d})) return false;
            const bool mx = r_.p(0.5);
            const std::string t = std::string(mx ? "max(" : "min(") + n + ", " + std::to_string(d) + ", " + ks + ")";
            if (r_.p(0.3))
                apply(
                    t + ".indices", false,
                    [=](const auto& a) { return std::get<1>(mx ? a.max(d, keep) : a.min(d, keep)); }, x);
            return apply(
                t + ".values", false, [=](const auto& a) { return std::get<0>(mx ? a.max(d, keep) : a.min(d, keep)); },
                x);
        }
        case 10:
        case 11: {
            if (!distinct_extremes(x.t, dims)) return false;
            const bool mx = r_.p(0.5);
            return apply(
                std::string(mx ? "amax(" : "amin(") + n + ", " + ds + ", " + ks + ")", false,
                [=](const auto& a) { return mx ? a.amax(ir(a, dims), keep) : a.amin(ir(a, dims), keep); }, x);
        }
        case 12: {
            const int64_t d = dims[0];
            if (!distinct_extremes(x.t, {d})) return false;
            const bool mx = r_.p(0.5);
            apply(
                std::string(mx ? "argmax(" : "argmin(") + n + ", " + std::to_string(d) + ", " + ks + ")", false,
                [=](const auto& a) { return mx ? a.argmax(d, keep) : a.argmin(d, keep); }, x);
            return true;
        }
        case 13: {
            if (!distinct_extremes(x.t, all)) return false;
            apply(
                "argmax(" + n + ")", false, [](const auto& a) { return a.argmax(); }, x);
            return true;
        }
        case 14:
        case 15:
            return apply(
                "logsumexp(" + n + ", " + ds + ", " + ks + ")", false,
                [=](const auto& a) { return a.logsumexp(ir(a, dims), keep); }, x);
        case 16:
        case 17: {
            const int64_t d = dims[0];
            return apply(
                "softmax(" + n + ", " + std::to_string(d) + ")", false, [=](const auto& a) { return a.softmax(d); }, x);
        }
        case 18:
        case 19: {
            const int64_t d = dims[0];
            return apply(
                "log_softmax(" + n + ", " + std::to_string(d) + ")", false,
                [=](const auto& a) { return a.log_softmax(d); }, x);
        }
    }
    return false;
}

bool Case::op_linalg(const Val& x) {
    const int64_t r = x.dim();
    if (r == 0) return false;
    const std::string n = x.name;
    const Dt dt = x.dt();  // products need operands of one dtype, in both frameworks
    const int64_t K = x.size(-1);
    const int64_t N = big_ ? r_.i(1, 120) : r_.i(1, 6);
    auto too_big = [&](int64_t extra) { return std::max(x.numel() / K * N, K * N) * extra > max_numel(); };
    if (too_big(1)) return false;
    if (r == 1) {
        switch (r_.i(0, 3)) {
            case 0: {
                const Val& b = input({K}, dt);
                return apply(
                    "matmul(" + n + ", " + b.name + ")", false,
                    [](const auto& p, const auto& q) { return p.matmul(q); }, x, b);
            }
            case 1: {
                const Val& b = input({K, N}, dt);
                return apply(
                    "matmul(" + n + ", " + b.name + ")", false,
                    [](const auto& p, const auto& q) { return p.matmul(q); }, x, b);
            }
            case 2: {
                const int64_t B = r_.i(1, 3);
                if (too_big(B)) return false;
                const Val& b = input({B, K, N}, dt);
                return apply(
                    "matmul(" + n + ", " + b.name + ")", false,
                    [](const auto& p, const auto& q) { return p.matmul(q); }, x, b);
            }
            case 3: {
                if (K * N > max_numel()) return false;
                const Val& b = input({N}, dt);
                return apply(
                    "outer(" + n + ", " + b.name + ")", false, [](const auto& p, const auto& q) { return outer(p, q); },
                    x, b);
            }
        }
        return false;
    }
    if (r == 2) {
        const int64_t M = x.size(0);
        switch (r_.i(0, 5)) {
            case 0: {
                const Val& b = input({K, N}, dt);
                return apply(
                    "mm(" + n + ", " + b.name + ")", false, [](const auto& p, const auto& q) { return p.mm(q); }, x, b);
            }
            case 1: {
                const Val& b = input({K}, dt);
                return apply(
                    "matmul(" + n + ", " + b.name + ")", false,
                    [](const auto& p, const auto& q) { return p.matmul(q); }, x, b);
            }
            case 2: {
                const int64_t B = r_.i(2, 3);
                if (too_big(B)) return false;
                const Val& b = input({B, K, N}, dt);
                return apply(
                    "matmul(" + n + ", " + b.name + ")", false,
                    [](const auto& p, const auto& q) { return p.matmul(q); }, x, b);
            }
            case 3: {
                static const std::vector<double> betas = {1, 0.5, -2, 0}, alphas = {1, 0.5, -2};
                const double beta = r_.pick(betas), alpha = r_.pick(alphas);
                const Val& b = input({K, N}, dt);
                Shape cs = r_.p(0.5) ? Shape{M, N} : r_.p(0.5) ? Shape{N} : Shape{1, N};
                const Val& c = input(cs, dt);
                return apply(
                    "addmm(" + c.name + ", " + n + ", " + b.name + ", " + num(beta) + ", " + num(alpha) + ")", false,
                    [=](const auto& s, const auto& p, const auto& q) { return addmm(s, p, q, beta, alpha); }, c, x, b);
            }
            case 4:
            case 5: {
                const Val& w = input({N, K}, dt);
                if (r_.p(0.3))
                    return apply(
                        "linear(" + n + ", " + w.name + ")", false,
                        [](const auto& p, const auto& q) { return linear2(p, q); }, x, w);
                const Val& bias = input({N}, dt);
                return apply(
                    "linear(" + n + ", " + w.name + ", " + bias.name + ")", false,
                    [](const auto& p, const auto& q, const auto& s) { return linear3(p, q, s); }, x, w, bias);
            }
        }
        return false;
    }
    // r >= 3: bmm for r == 3, matmul with broadcast batch dims otherwise
    if (r == 3 && r_.p(0.4)) {
        const Val& b = input({x.size(0), K, N}, dt);
        return apply(
            "bmm(" + n + ", " + b.name + ")", false, [](const auto& p, const auto& q) { return p.bmm(q); }, x, b);
    }
    Shape bs;
    switch (r_.i(0, 3)) {
        case 0: bs = {K}; break;
        case 1: bs = {K, N}; break;
        default: {
            Shape xs = x.shape();
            bs.assign(xs.begin() + r_.i(0, r - 2), xs.end() - 2);
            for (int64_t& v : bs)
                if (r_.p(0.3)) v = 1;
            bs.push_back(K);
            bs.push_back(N);
        }
    }
    const Val& b = input(bs, dt);
    return apply(
        "matmul(" + n + ", " + b.name + ")", false, [](const auto& p, const auto& q) { return p.matmul(q); }, x, b);
}

bool Case::op_shape(const Val& x) {
    const int64_t r = x.dim();
    const std::string n = x.name;
    const Shape xs = x.shape();
    switch (r_.i(0, 18)) {
        case 0: {
            if (r < 2) return false;
            int64_t a = rdim(r), b = rdim(r);
            return apply(
                n + ".transpose(" + std::to_string(a) + ", " + std::to_string(b) + ")", false,
                [=](const auto& t) { return t.transpose(a, b); }, x);
        }
        case 1: {
            Shape perm(r);
            for (int64_t i = 0; i < r; ++i) perm[i] = i;
            std::shuffle(perm.begin(), perm.end(), r_.g);
            return apply(
                n + ".permute(" + br(perm) + ")", false, [=](const auto& t) { return t.permute(ir(t, perm)); }, x);
        }
        case 2:
            if (r > 2) return false;
            return apply(
                n + ".t()", false, [](const auto& t) { return t.t(); }, x);
        case 3:
        case 4: {
            // a random factorisation of numel, sometimes with -1
            int64_t rest = x.numel();
            Shape s;
            int64_t rank = r_.i(1, 4);
            for (int64_t i = 0; i + 1 < rank; ++i) {
                std::vector<int64_t> divs;
                for (int64_t d = 1; d <= rest; ++d)
                    if (rest % d == 0) divs.push_back(d);
                int64_t d = r_.pick(divs);
                s.push_back(d);
                rest /= d;
            }
            s.push_back(rest);
            std::shuffle(s.begin(), s.end(), r_.g);
            if (r_.p(0.3)) s[static_cast<std::size_t>(r_.i(0, rank - 1))] = -1;
            if (r_.p(0.5))
                return apply(
                    n + ".reshape(" + br(s) + ")", false, [=](const auto& t) { return t.reshape(ir(t, s)); }, x);
            // Whether view() is possible depends on the strides. Ember's ops always return
            // row-major results while libtorch's follow their inputs' layout, so view() is only
            // compared where both hold the same strides (then both must accept or both reject).
            if (Shape(x.e.strides().begin(), x.e.strides().end()) != x.t.strides().vec()) return false;
            apply(
                n + ".view(" + br(s) + ")", true, [=](const auto& t) { return t.view(ir(t, s)); }, x);
            return true;
        }
        case 5: {
            if (r == 0) return false;
            int64_t a = rdim(r), b = rdim(r);
            int64_t wa = a < 0 ? a + r : a, wb = b < 0 ? b + r : b;
            if (wa > wb) std::swap(a, b);
            return apply(
                n + ".flatten(" + std::to_string(a) + ", " + std::to_string(b) + ")", false,
                [=](const auto& t) { return t.flatten(a, b); }, x);
        }
        case 6: {
            if (r >= 4) return false;
            int64_t d = r_.i(-r - 1, r);
            return apply(
                n + ".unsqueeze(" + std::to_string(d) + ")", false, [=](const auto& t) { return t.unsqueeze(d); }, x);
        }
        case 7:
            return apply(
                n + ".squeeze()", false, [](const auto& t) { return t.squeeze(); }, x);
        case 8: {
            if (r == 0) return false;
            int64_t d = rdim(r);
            return apply(
                n + ".squeeze(" + std::to_string(d) + ")", false, [=](const auto& t) { return t.squeeze(d); }, x);
        }
        case 9: {
            if (r == 0) return false;
            int64_t d = rdim(r), sz = x.size(d);
            int64_t start = r_.i(0, sz - 1), len = r_.i(1, sz - start);
            return apply(
                n + ".narrow(" + std::to_string(d) + ", " + std::to_string(start) + ", " + std::to_string(len) + ")",
                false, [=](const auto& t) { return t.narrow(d, start, len); }, x);
        }
        case 10: {
            if (r == 0) return false;
            int64_t d = rdim(r), sz = x.size(d);
            int64_t i = r_.i(-sz, sz - 1);
            return apply(
                n + ".select(" + std::to_string(d) + ", " + std::to_string(i) + ")", false,
                [=](const auto& t) { return t.select(d, i); }, x);
        }
        case 11: {
            if (r == 0) return false;
            int64_t d = rdim(r), sz = x.size(d);
            int64_t start = r_.i(0, sz - 1), end = r_.i(start + 1, sz + 2), step = r_.i(1, 3);
            return apply(
                n + ".slice(" + std::to_string(d) + ", " + std::to_string(start) + ", " + std::to_string(end) + ", " +
                    std::to_string(step) + ")",
                false, [=](const auto& t) { return t.slice(d, start, end, step); }, x);
        }
        case 12: {
            Shape s = xs;
            for (int64_t& v : s)
                if (v == 1 && r_.p(0.7)) v = r_.i(2, 4);
            if (s.size() < 4 && r_.p(0.5)) s.insert(s.begin(), r_.i(1, 3));
            if (!xs.empty() && r_.p(0.3)) s.back() = -1;
            Shape want = s;
            for (std::size_t i = 0; i < want.size(); ++i)
                if (want[i] == -1) want[i] = xs[xs.size() - (want.size() - i)];
            if (s == xs || numel_of(want) > max_numel()) return false;
            return apply(
                n + ".expand(" + br(s) + ")", false, [=](const auto& t) { return t.expand(ir(t, s)); }, x);
        }
        case 13:
            return apply(
                n + ".contiguous()", false, [](const auto& t) { return t.contiguous(); }, x);
        case 14:
            return apply(
                n + ".clone()", false, [](const auto& t) { return t.clone(); }, x);
        case 15:
        case 16: {
            if (r == 0 || 2 * x.numel() > max_numel()) return false;
            int64_t d = rdim(r);
            if (r_.p(0.3))
                return apply(
                    "cat({" + n + ", " + n + "}, " + std::to_string(d) + ")", false,
                    [=](const auto& a) { return cat2(a, a, d); }, x);
            Shape s = xs;
            s[d < 0 ? d + r : d] = r_.i(1, 3);
            const Val& b = input(s, pick_dt());
            return apply(
                "cat({" + n + ", " + b.name + "}, " + std::to_string(d) + ")", false,
                [=](const auto& a, const auto& c) { return cat2(a, c, d); }, x, b);
        }
        case 17: {
            if (r >= 4 || 2 * x.numel() > max_numel()) return false;
            int64_t d = r_.i(-r - 1, r);
            const Val& b = input(xs, pick_dt());
            return apply(
                "stack({" + n + ", " + b.name + "}, " + std::to_string(d) + ")", false,
                [=](const auto& a, const auto& c) { return stack2(a, c, d); }, x, b);
        }
        case 18: {
            Dt to = x.dt() == Dt::F32 ? Dt::F64 : Dt::F32;
            return apply(
                n + ".to(" + dt_name(to) + ")", false, [=](const auto& a) { return conv(a, to); }, x);
        }
    }
    return false;
}

bool Case::op_index(const Val& x) {
    const int64_t r = x.dim();
    if (r == 0) return false;
    const std::string n = x.name;
    const Shape xs = x.shape();
    const int64_t d = rdim(r), wd = d < 0 ? d + r : d, nd = xs[wd];
    switch (r_.i(0, 5)) {
        case 0: {  // index_select, repeated indices accumulate in the gradient
            const Shape is = r_.p(0.15) ? Shape{} : Shape{r_.i(1, 5)};
            if (x.numel() / nd * std::max<int64_t>(1, numel_of(is)) > max_numel()) return false;
            Val idx = int_constant(is, 0, nd - 1);
            return apply(
                "index_select(" + n + ", " + std::to_string(d) + ", " + idx.name + ")", false,
                [=](const auto& a, const auto& i) { return a.index_select(d, i); }, x, idx);
        }
        case 1: {  // gather
            Shape is = xs;
            for (int64_t i = 0; i < r; ++i) is[i] = i == wd ? r_.i(1, 4) : r_.i(1, xs[i]);
            if (numel_of(is) > max_numel()) return false;
            Val idx = int_constant(is, 0, nd - 1);
            return apply(
                "gather(" + n + ", " + std::to_string(d) + ", " + idx.name + ")", false,
                [=](const auto& a, const auto& i) { return a.gather(d, i); }, x, idx);
        }
        case 2: {  // scatter_add
            Shape is = xs;
            for (int64_t i = 0; i < r; ++i) is[i] = i == wd ? r_.i(1, 4) : r_.i(1, xs[i]);
            // The source has the index's shape: a larger source is valid in both, but libtorch
            // 1.13's backward then fails ("ScatterAddBackward0 returned an invalid gradient").
            const Shape ss = is;
            if (numel_of(ss) > max_numel()) return false;
            Val idx = int_constant(is, 0, nd - 1);
            const Val& src = input(ss, x.dt());
            return apply(
                "scatter_add(" + n + ", " + std::to_string(d) + ", " + idx.name + ", " + src.name + ")", false,
                [=](const auto& a, const auto& i, const auto& s) { return scatter_add(a, d, i, s); }, x, idx, src);
        }
        case 3: {  // index_add
            const int64_t len = r_.i(1, 5);
            Shape ss = xs;
            ss[wd] = len;
            if (numel_of(ss) > max_numel()) return false;
            Val idx = int_constant({len}, 0, nd - 1);
            const Val& src = input(ss, x.dt());
            return apply(
                "index_add(" + n + ", " + std::to_string(d) + ", " + idx.name + ", " + src.name + ")", false,
                [=](const auto& a, const auto& i, const auto& s) { return index_add(a, d, i, s); }, x, idx, src);
        }
        case 4: {  // x * one_hot(labels, C) over the last dim
            const int64_t C = xs.back();
            Shape ls(xs.begin(), xs.end() - 1);
            Val labels = int_constant(ls, 0, C - 1);
            return apply(
                n + " * one_hot(" + labels.name + ", " + std::to_string(C) + ")", false,
                [=](const auto& a, const auto& l) { return a * one_hot_as(l, C, a); }, x, labels);
        }
        case 5: {  // gather at argmax: the maxima through an index computed by the framework itself
            if (!distinct_extremes(x.t, {d})) return false;
            return apply(
                "gather(" + n + ", " + std::to_string(d) + ", argmax(" + n + ", " + std::to_string(d) + ", true))",
                false, [=](const auto& a) { return a.gather(d, a.argmax(d, true)); }, x);
        }
    }
    return false;
}

bool Case::op_loss(const Val& x) {
    const int red = static_cast<int>(r_.i(0, 2));
    const std::string n = x.name, rs = std::string(", ") + red_name(red) + ")";
    const Dt dt = x.dt();
    switch (r_.i(0, 5)) {
        case 0: {
            const Val& y = input(x.shape(), dt);
            return apply(
                "mse_loss(" + n + ", " + y.name + rs, false,
                [=](const auto& a, const auto& b) { return mse(a, b, red); }, x, y);
        }
        case 1: {  // binary_cross_entropy on sigmoid(x), optional broadcast weight
            const Val* p = apply(
                "sigmoid(" + n + ")", false, [](const auto& a) { return a.sigmoid(); }, x);
            if (!away_from(*p, 0) || !away_from(*p, 1)) return true;
            Val y = constant(x.shape(), dt, 0, 1);
            if (r_.p(0.5)) {
                Shape ws = x.shape();
                for (int64_t& v : ws)
                    if (r_.p(0.5)) v = 1;
                Val w = constant(ws, dt, 0.5, 2);
                return apply(
                    "binary_cross_entropy(" + p->name + ", " + y.name + ", weight=" + w.name + rs, false,
                    [=](const auto& a, const auto& b, const auto& c) { return bce(a, b, &c, red); }, *p, y, w);
            }
            return apply(
                "binary_cross_entropy(" + p->name + ", " + y.name + rs, false,
                [=](const auto& a, const auto& b) { return bce(a, b, nullptr, red); }, *p, y);
        }
        case 2: {  // binary_cross_entropy_with_logits, optional weight and pos_weight (last dim)
            Val y = constant(x.shape(), dt, 0, 1);
            const bool use_w = r_.p(0.4), use_pw = r_.p(0.5) && x.dim() > 0;
            Shape ws = x.shape();
            for (int64_t& v : ws)
                if (r_.p(0.5)) v = 1;
            Val w = constant(use_w ? ws : Shape{}, dt, 0.5, 2);
            Val pw = constant(use_pw ? Shape{x.shape().back()} : Shape{}, dt, 0.5, 3);
            std::string t = "binary_cross_entropy_with_logits(" + n + ", " + y.name +
                            (use_w ? ", weight=" + w.name : "") + (use_pw ? ", pos_weight=" + pw.name : "") + rs;
            return apply(
                t, false,
                [=](const auto& a, const auto& b, const auto& c, const auto& e) {
                    return bce_logits(a, b, use_w ? &c : nullptr, use_pw ? &e : nullptr, red);
                },
                x, y, w, pw);
        }
        case 3:
        case 4:
        case 5: {  // nll_loss(log_softmax) or cross_entropy on [N, C] or [C]
            if (x.dim() != 1 && x.dim() != 2) return false;
            const int64_t C = x.size(-1);
            const bool single = x.dim() == 1;
            // libtorch's C++ F::nll_loss wants at least 2 dims; ember's (like cross_entropy in
            // both) also takes one sample [C] with a 0-d target.
            const bool is_nll = !single && r_.p(0.33);
            const bool use_w = r_.p(0.4);
            Val w = constant(use_w ? Shape{C} : Shape{}, dt, 0.5, 2);
            const bool prob_target = !is_nll && r_.p(0.3);
            if (prob_target) {
                Val logits = constant(x.shape(), dt, -2, 2);
                const Val* y = apply(
                    "softmax(" + logits.name + ", -1)", false, [](const auto& a) { return a.softmax(-1); }, logits);
                return apply(
                    "cross_entropy(" + n + ", " + y->name + (use_w ? ", weight=" + w.name : "") + rs, false,
                    [=](const auto& a, const auto& b, const auto& c) {
                        return xent(a, b, use_w ? &c : nullptr, -100, red);
                    },
                    x, *y, w);
            }
            // integer targets; sometimes some of them are ignore_index (never all)
            Shape ts = single ? Shape{} : Shape{x.size(0)};
            Val t = int_constant(ts, 0, C - 1);
            int64_t ignore = -100;
            if (!single && x.size(0) > 1 && r_.p(0.3)) {
                ignore = -1;
                std::vector<int64_t> tv(t.t.data_ptr<int64_t>(), t.t.data_ptr<int64_t>() + t.numel());
                for (std::size_t i = 1; i < tv.size(); ++i)
                    if (r_.p(0.4)) tv[i] = -1;
                auto [e2, t2] = from_ints(tv, ts);
                t.e = e2;
                t.t = t2;
                t.d = t2;
                note(t.name + " with some entries set to -1 = {" + join(tv) + "}");
            }
            const std::string tail =
                (use_w ? ", weight=" + w.name : "") + (ignore != -100 ? ", ignore_index=-1" : "") + rs;
            if (is_nll) {
                const Val* lp = apply(
                    "log_softmax(" + n + ", -1)", false, [](const auto& a) { return a.log_softmax(-1); }, x);
                return apply(
                    "nll_loss(" + lp->name + ", " + t.name + tail, false,
                    [=](const auto& a, const auto& b, const auto& c) {
                        return nll(a, b, use_w ? &c : nullptr, ignore, red);
                    },
                    *lp, t, w);
            }
            return apply(
                "cross_entropy(" + n + ", " + t.name + tail, false,
                [=](const auto& a, const auto& b, const auto& c) {
                    return xent(a, b, use_w ? &c : nullptr, ignore, red);
                },
                x, t, w);
        }
    }
    return false;
}

// In-place ops on a fresh (non-view) result: y = x.clone(); y.op_(...).
bool Case::op_inplace(const Val& x) {
    const std::string n = x.name;
    switch (r_.i(0, 5)) {
        case 0:
            return apply(
                n + ".clone().add_(1.5)", false,
                [](const auto& a) {
                    auto y = a.clone();
                    y.add_(1.5);
                    return y;
                },
                x);
        case 1:
            return apply(
                n + ".clone().mul_(-2)", false,
                [](const auto& a) {
                    auto y = a.clone();
                    y.mul_(-2.0);
                    return y;
                },
                x);
        case 2: {
            const Val& b = partner(x, true);
            return apply(
                n + ".clone().add_(" + b.name + ", 0.5)", false,
                [](const auto& a, const auto& c) {
                    auto y = a.clone();
                    y.add_(c, 0.5);
                    return y;
                },
                x, b);
        }
        case 3: {
            const Val& b = partner(x, true);
            return apply(
                n + ".clone().mul_(" + b.name + ")", false,
                [](const auto& a, const auto& c) {
                    auto y = a.clone();
                    y.mul_(c);
                    return y;
                },
                x, b);
        }
        case 4: {
            const Val& b = nonzero(partner(x, true));
            if (b.shape() != x.shape() && at::infer_size(x.shape(), b.shape()) != x.shape()) return false;
            return apply(
                n + ".clone().div_(" + b.name + ")", false,
                [](const auto& a, const auto& c) {
                    auto y = a.clone();
                    y.div_(c);
                    return y;
                },
                x, b);
        }
        case 5: {
            const Val& b = partner(x, true);
            return apply(
                n + ".clone().sub_(" + b.name + ")", false,
                [](const auto& a, const auto& c) {
                    auto y = a.clone();
                    y.sub_(c);
                    return y;
                },
                x, b);
        }
    }
    return false;
}

void Case::step() {
    for (int attempt = 0; attempt < 40; ++attempt) {
        const Val* x = pick_float();
        if (!x) return;
        const Val& v = *x;
        bool done = false;
        int64_t k = r_.i(0, 99);
        if (k < 20)
            done = op_unary(v);
        else if (k < 28)
            done = op_scalar(v);
        else if (k < 44)
            done = op_binary(v);
        else if (k < 48)
            done = op_where(v);
        else if (k < 62)
            done = op_reduce(v);
        else if (k < 72)
            done = op_linalg(v);
        else if (k < 84)
            done = op_shape(v);
        else if (k < 91)
            done = op_index(v);
        else if (k < 96)
            done = op_loss(v);
        else
            done = op_inplace(v);
        if (done) return;
    }
}

void Case::backward_and_compare() {
    // loss = sum_k sum(v_k * W_k): the newest value and a random half of the others.
    std::vector<const Val*> outs;
    for (std::size_t i = 0; i < vals_.size(); ++i) {
        const Val& v = vals_[i];
        if (!v.fp() || !v.usable || !v.in_loss || !v.t.requires_grad()) continue;
        if (i + 1 == vals_.size() || r_.p(0.5)) outs.push_back(&v);
    }
    if (outs.empty())
        for (const Val& v : vals_)
            if (v.fp() && v.usable && v.in_loss && v.t.requires_grad()) outs.push_back(&v);
    if (outs.empty()) return;
    std::string text;
    ETensor le;
    TTensor lt, ld;
    bool shadow_ok = true;
    double loss_scale = 0;  // sum of |terms|: the loss is compared relative to it
    for (const Val* v : outs) {
        Val w = constant(v->shape(), v->dt(), -1, 1);
        ETensor ee = (v->e * w.e).sum();
        TTensor tt = (v->t * w.t).sum();
        loss_scale += (v->t.detach().abs() * w.t.abs()).sum().item<double>();
        le = le.defined() ? le + ee : ee;
        lt = lt.defined() ? lt + tt : tt;
        if (v->d.defined()) {
            TTensor dd = (v->d * w.d).sum();
            ld = ld.defined() ? ld + dd : dd;
        } else {
            shadow_ok = false;
        }
        text += std::string(text.empty() ? "" : " + ") + "sum(" + v->name + " * " + w.name + ")";
    }
    note("loss = " + text + "; loss.backward()");
    bool low = false;
    for (const Val& v : vals_) low = low || v.low;
    for (const Val& v : leaves_) low = low || v.low;
    if (!shadow_ok) ld = TTensor();
    std::string diff = compare(le, lt, ld, low, loss_scale, tol(), false);
    if (!diff.empty()) throw Disagree{"the loss differs: " + diff};
    try {
        le.backward();
    } catch (const std::exception& x) {
        throw Disagree{std::string("ember's backward threw: ") + first_line(x.what())};
    }
    try {
        lt.backward();
    } catch (const std::exception& x) {
        throw Disagree{std::string("torch's backward threw: ") + first_line(x.what())};
    }
    try {
        if (ld.defined() && ld.requires_grad()) ld.backward();
    } catch (const std::exception&) {
        ld = TTensor();
    }
    // A leaf's gradient sums contributions as large as the gradients flowing through the graph,
    // and where they cancel (d(x / x)/dx) only their rounding is left: gradients are compared
    // relative to 1% of the largest gradient of the case too.
    double grad_scale = 0;
    for (const Val& L : leaves_)
        if (L.t.grad().defined()) {
            double m = L.t.grad().abs().max().item<double>();
            if (std::isfinite(m)) grad_scale = std::max(grad_scale, m);
        }
    for (const Val& L : leaves_) {
        diff = compare(L.e.grad(), L.t.grad(), ld.defined() ? L.d.grad() : TTensor(), low, 0.01 * grad_scale, tol(),
                       false);
        if (!diff.empty()) throw Disagree{"the gradient of " + L.name + " differs: " + diff};
        ++leaf_grads_;
    }
}

std::string Case::run() {
    big_ = r_.p(0.05);
    const int64_t mode = r_.i(0, 9);
    dt_mode_ = mode < 4 ? 0 : mode < 7 ? 1 : 2;
    note(std::string("case ") + std::to_string(seed_) + (big_ ? " (large tensors)" : "") + ", dtypes: " +
         (dt_mode_ == 0   ? "float32"
          : dt_mode_ == 1 ? "float64"
                          : "mixed"));
    try {
        input(random_shape(random_rank()), pick_dt());
        if (r_.p(0.4)) input(random_shape(random_rank()), pick_dt());
        const int64_t steps = big_ ? r_.i(2, 4) : r_.i(3, 8);
        for (int64_t i = 0; i < steps; ++i) step();
        backward_and_compare();
    } catch (const Disagree& d) {
        return d.what;
    }
    return {};
}

int64_t env_int(const char* name, int64_t fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    return std::strtoll(v, nullptr, 10);
}

}  // namespace

CATCH_TEST_CASE("differential: random op chains agree with libtorch", "[libtorch]") {
    torch::set_num_threads(1);
    const int64_t only = env_int("EMBER_DIFF_SEED", -1);
    const int64_t count = env_int("EMBER_DIFF_CASES", 2000);
    const int64_t from = env_int("EMBER_DIFF_FIRST", 0);
    const int64_t first = only >= 0 ? only : from, last = only >= 0 ? only + 1 : from + count;
    const auto t0 = std::chrono::steady_clock::now();
    int64_t agreed = 0, total = 0, ops = 0, grads = 0, local = 0;
    std::map<std::string, int> coverage;
    std::vector<int64_t> failed;
    for (int64_t seed = first; seed < last; ++seed) {
        Case c(static_cast<uint64_t>(seed));
        std::string err = c.run();
        ++total;
        for (const auto& [op, k] : c.op_counts()) {
            coverage[op] += k;
            ops += k;
        }
        grads += c.leaf_grads();
        local += c.local_checks();
        if (err.empty()) {
            ++agreed;
            if (only >= 0) std::cout << c.listing() << "  agrees\n";
            continue;
        }
        failed.push_back(seed);
        std::cout << "differential case " << seed << " DISAGREES (replay: EMBER_DIFF_SEED=" << seed << ")\n"
                  << c.listing() << "  -> " << err << "\n\n";
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (env_int("EMBER_DIFF_VERBOSE", 0) > 0) {
        std::cout << "ops applied:";
        for (const auto& [op, k] : coverage) std::cout << " " << op << "=" << k;
        std::cout << "\n";
    }
    std::cout << "differential: " << agreed << "/" << total << " cases agree (" << ops << " ops of " << coverage.size()
              << " kinds, " << grads << " leaf gradients compared, " << local
              << " values checked against libtorch's op on ember's operands, " << std::fixed << std::setprecision(1)
              << secs << " s)\n";
    if (!failed.empty()) {
        std::cout << "failing seeds:";
        for (int64_t s : failed) std::cout << " " << s;
        std::cout << "\n";
    }
    CATCH_CHECK(agreed == total);
}

// The generator steers around a few differences (docs/differential_testing.md). This checks that
// they are still what the generator assumes: when one fails, the difference is gone and the
// generator can stop avoiding it.
CATCH_TEST_CASE("differential: the differences the generator avoids still hold", "[libtorch]") {
    // A 0-d tensor meeting a dimensioned one of another dtype (docs/decisions.md): libtorch keeps
    // the dimensioned operand's dtype, ember promotes by dtype alone (Case::align converts).
    {
        TTensor t = torch::ones({3}, at::kFloat) + torch::ones({}, at::kDouble);
        ETensor e = ember::ones({3}) + ember::ones({}, ember::dtype(ember::kFloat64));
        CATCH_CHECK(t.scalar_type() == at::kFloat);
        CATCH_CHECK(e.dtype() == ember::kFloat64);
    }
    // Layout of results: libtorch's elementwise results follow their inputs' strides, ember's are
    // row-major, so view() is compared only where both hold the same strides.
    {
        TTensor t = torch::ones({2, 3}).t() * 2;
        ETensor e = ember::ones({2, 3}).t() * 2.0;
        CATCH_CHECK(t.strides().vec() == Shape{1, 3});
        CATCH_CHECK(e.is_contiguous());
        CATCH_CHECK_THROWS(t.view({6}));
        CATCH_CHECK_NOTHROW(e.view({6}));
    }
    // One sample [C] with a 0-d target: ember's nll_loss takes it, libtorch's C++ F::nll_loss
    // wants at least 2 dims (cross_entropy takes it in both).
    {
        CATCH_CHECK_THROWS(TF::nll_loss(torch::zeros({3}), torch::zeros({}, at::kLong)));
        CATCH_CHECK_NOTHROW(EF::nll_loss(ember::zeros({3}), ember::zeros({}, ember::dtype(ember::kInt64))));
        CATCH_CHECK_NOTHROW(TF::cross_entropy(torch::zeros({3}), torch::zeros({}, at::kLong)));
    }
    // scatter_add with a source larger than the index: valid in both, but libtorch 1.13's
    // backward rejects its own gradient for the source. ember's is the source's shape.
    {
        TTensor tx = torch::zeros({3}, torch::requires_grad()), ts = torch::ones({4}, torch::requires_grad());
        CATCH_CHECK_THROWS(torch::scatter_add(tx, 0, torch::zeros({2}, at::kLong), ts).sum().backward());
        ETensor ex = ember::zeros({3}, ember::requires_grad()), es = ember::ones({4}, ember::requires_grad());
        ember::scatter_add(ex, 0, ember::zeros({2}, ember::dtype(ember::kInt64)), es).sum().backward();
        CATCH_CHECK(es.grad().to_vector<double>() == std::vector<double>{1, 1, 0, 0});
    }
}
