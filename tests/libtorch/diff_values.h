#pragma once
// Differential tests against libtorch (docs/differential_testing.md): the tolerances, the dtypes,
// shapes and values of both frameworks, and the losses written for each.
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

namespace difftest {

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

inline ember::ScalarType to_ember(Dt d) {
    switch (d) {
        case Dt::F32: return ember::kFloat32;
        case Dt::F64: return ember::kFloat64;
        case Dt::I64: return ember::kInt64;
        case Dt::Bool: return ember::kBool;
    }
    return ember::kFloat32;
}
inline at::ScalarType to_torch(Dt d) {
    switch (d) {
        case Dt::F32: return at::kFloat;
        case Dt::F64: return at::kDouble;
        case Dt::I64: return at::kLong;
        case Dt::Bool: return at::kBool;
    }
    return at::kFloat;
}
inline const char* dt_name(Dt d) {
    switch (d) {
        case Dt::F32: return "f32";
        case Dt::F64: return "f64";
        case Dt::I64: return "i64";
        case Dt::Bool: return "bool";
    }
    return "?";
}
inline std::optional<Dt> dt_of(const ETensor& e) {
    switch (e.dtype()) {
        case ember::kFloat32: return Dt::F32;
        case ember::kFloat64: return Dt::F64;
        case ember::kInt64: return Dt::I64;
        case ember::kBool: return Dt::Bool;
        default: break;  // the op-chain generator makes no other dtype (test_diff_dtypes.cpp covers them)
    }
    return std::nullopt;
}
inline std::optional<Dt> dt_of(const TTensor& t) {
    switch (t.scalar_type()) {
        case at::kFloat: return Dt::F32;
        case at::kDouble: return Dt::F64;
        case at::kLong: return Dt::I64;
        case at::kBool: return Dt::Bool;
        default: return std::nullopt;
    }
}
inline bool is_fp(Dt d) { return d == Dt::F32 || d == Dt::F64; }

inline Shape shape_of(const ETensor& e) { return Shape(e.sizes().begin(), e.sizes().end()); }
inline Shape shape_of(const TTensor& t) { return t.sizes().vec(); }
inline int64_t numel_of(const Shape& s) {
    int64_t n = 1;
    for (int64_t v : s) n *= v;
    return n;
}

inline std::string join(const Shape& s) {
    std::ostringstream o;
    for (std::size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
    return o.str();
}
// (Built with +=: g++ 12 warns falsely (-Wrestrict) about "[" + std::string&&.)
inline std::string wrap(char open, const Shape& s, char close) {
    std::string r(1, open);
    r += join(s);
    r += close;
    return r;
}
inline std::string sh(const Shape& s) { return wrap('[', s, ']'); }
inline std::string br(const Shape& s) { return wrap('{', s, '}'); }
// A value's name such as "c3", built with += : GCC 12 warns falsely (-Wrestrict) about "c" + to_string(n).
inline std::string numbered(char prefix, std::size_t n) {
    std::string s(1, prefix);
    s += std::to_string(n);
    return s;
}

inline std::string num(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
}

inline std::vector<double> values_of(const TTensor& t) {
    TTensor c = t.detach().to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}
inline std::vector<double> values_of(const ETensor& e) { return e.detach().to_vector<double>(); }
// The float64 shadow of a libtorch tensor: floating tensors in float64, others as they are.
inline TTensor shadow_of(const TTensor& t) {
    return t.is_floating_point() && t.scalar_type() != at::kDouble ? t.to(at::kDouble) : t;
}
// A libtorch copy of an ember tensor: same shape, dtype and values (exact: through double).
inline TTensor torch_copy(const ETensor& e) {
    std::vector<double> v = values_of(e);
    return torch::from_blob(v.data(), shape_of(e), at::kDouble).clone().to(to_torch(*dt_of(e)));
}

// The op a chain line applies, for the coverage count: "v3.permute({1, 0})" -> ".permute()",
// "v1.clone().add_(v2, 0.5)" -> ".clone().add_()", "v1 + v2" -> "+", "-0.25 / v1" -> "scalar /",
// "softmax(v1, 0)" -> "softmax".
inline std::string op_key(const std::string& text) {
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

inline std::string first_line(const char* what) {
    std::string s(what);
    std::size_t n = s.find('\n');
    return n == std::string::npos ? s : s.substr(0, n);
}

// Helpers with one overload per framework, for the few calls whose spelling differs.
inline ember::IntArrayRef ir(const ETensor&, const Shape& v) { return ember::IntArrayRef(v); }
inline at::IntArrayRef ir(const TTensor&, const Shape& v) { return at::IntArrayRef(v); }
inline ETensor conv(const ETensor& a, Dt d) { return a.to(to_ember(d)); }
inline TTensor conv(const TTensor& a, Dt d) { return a.to(to_torch(d)); }
inline ETensor cat2(const ETensor& a, const ETensor& b, int64_t d) { return ember::cat({a, b}, d); }
inline TTensor cat2(const TTensor& a, const TTensor& b, int64_t d) { return torch::cat({a, b}, d); }
inline ETensor stack2(const ETensor& a, const ETensor& b, int64_t d) { return ember::stack({a, b}, d); }
inline TTensor stack2(const TTensor& a, const TTensor& b, int64_t d) { return torch::stack({a, b}, d); }
inline ETensor one_hot_as(const ETensor& labels, int64_t c, const ETensor& like) {
    return ember::one_hot(labels, c).to(like.dtype());
}
inline TTensor one_hot_as(const TTensor& labels, int64_t c, const TTensor& like) {
    return TF::one_hot(labels, c).to(like.scalar_type());
}
inline ETensor linear3(const ETensor& x, const ETensor& w, const ETensor& b) { return EF::linear(x, w, b); }
inline TTensor linear3(const TTensor& x, const TTensor& w, const TTensor& b) { return TF::linear(x, w, b); }
inline ETensor linear2(const ETensor& x, const ETensor& w) { return EF::linear(x, w); }
inline TTensor linear2(const TTensor& x, const TTensor& w) { return TF::linear(x, w); }

// ---- losses (reduction 0 none, 1 mean, 2 sum) ----
inline ember::nn::Reduction e_red(int r) { return r == 0 ? ember::kNone : r == 1 ? ember::kMean : ember::kSum; }
template <class O>
O t_red(O o, int r) {
    if (r == 0) return o.reduction(torch::kNone);
    if (r == 1) return o.reduction(torch::kMean);
    return o.reduction(torch::kSum);
}
inline const char* red_name(int r) { return r == 0 ? "none" : r == 1 ? "mean" : r == 2 ? "sum" : "batchmean"; }

inline ETensor mse(const ETensor& x, const ETensor& y, int r) {
    return EF::mse_loss(x, y, EF::MSELossFuncOptions(e_red(r)));
}
inline TTensor mse(const TTensor& x, const TTensor& y, int r) {
    return TF::mse_loss(x, y, t_red(TF::MSELossFuncOptions(), r));
}
inline ETensor bce(const ETensor& p, const ETensor& y, const ETensor* w, int r) {
    EF::BinaryCrossEntropyFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    return EF::binary_cross_entropy(p, y, o);
}
inline TTensor bce(const TTensor& p, const TTensor& y, const TTensor* w, int r) {
    auto o = t_red(TF::BinaryCrossEntropyFuncOptions(), r);
    if (w) o.weight(*w);
    return TF::binary_cross_entropy(p, y, o);
}
inline ETensor bce_logits(const ETensor& z, const ETensor& y, const ETensor* w, const ETensor* pw, int r) {
    EF::BinaryCrossEntropyWithLogitsFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    if (pw) o.pos_weight(*pw);
    return EF::binary_cross_entropy_with_logits(z, y, o);
}
inline TTensor bce_logits(const TTensor& z, const TTensor& y, const TTensor* w, const TTensor* pw, int r) {
    auto o = t_red(TF::BinaryCrossEntropyWithLogitsFuncOptions(), r);
    if (w) o.weight(*w);
    if (pw) o.pos_weight(*pw);
    return TF::binary_cross_entropy_with_logits(z, y, o);
}
inline ETensor nll(const ETensor& x, const ETensor& t, const ETensor* w, int64_t ignore, int r) {
    EF::NLLLossFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    o.ignore_index(ignore);
    return EF::nll_loss(x, t, o);
}
inline TTensor nll(const TTensor& x, const TTensor& t, const TTensor* w, int64_t ignore, int r) {
    auto o = t_red(TF::NLLLossFuncOptions(), r);
    if (w) o.weight(*w);
    o.ignore_index(ignore);
    return TF::nll_loss(x, t, o);
}
inline ETensor xent(const ETensor& x, const ETensor& t, const ETensor* w, int64_t ignore, int r, double eps = 0) {
    EF::CrossEntropyFuncOptions o(e_red(r));
    if (w) o.weight(*w);
    o.ignore_index(ignore).label_smoothing(eps);
    return EF::cross_entropy(x, t, o);
}
inline TTensor xent(const TTensor& x, const TTensor& t, const TTensor* w, int64_t ignore, int r, double eps = 0) {
    auto o = t_red(TF::CrossEntropyFuncOptions(), r);
    if (w) o.weight(*w);
    o.ignore_index(ignore).label_smoothing(eps);
    return TF::cross_entropy(x, t, o);
}
inline ETensor l1(const ETensor& x, const ETensor& y, int r) {
    return EF::l1_loss(x, y, EF::L1LossFuncOptions(e_red(r)));
}
inline TTensor l1(const TTensor& x, const TTensor& y, int r) {
    return TF::l1_loss(x, y, t_red(TF::L1LossFuncOptions(), r));
}
// libtorch 1.13's F::smooth_l1_loss reads beta from its fourth argument only (see ember's functional.h).
inline ETensor smooth_l1(const ETensor& x, const ETensor& y, int r, double beta) {
    return EF::smooth_l1_loss(x, y, EF::SmoothL1LossFuncOptions(e_red(r)).beta(beta));
}
inline TTensor smooth_l1(const TTensor& x, const TTensor& y, int r, double beta) {
    return TF::smooth_l1_loss(x, y, t_red(TF::SmoothL1LossFuncOptions(), r), beta);
}
inline ETensor huber(const ETensor& x, const ETensor& y, int r, double delta) {
    return EF::huber_loss(x, y, EF::HuberLossFuncOptions(e_red(r)).delta(delta));
}
inline TTensor huber(const TTensor& x, const TTensor& y, int r, double delta) {
    return TF::huber_loss(x, y, t_red(TF::HuberLossFuncOptions(), r).delta(delta));
}
// reduction 3 is batchmean.
inline ETensor kldiv(const ETensor& x, const ETensor& y, int r, bool log_target) {
    EF::KLDivFuncOptions o = r == 3 ? EF::KLDivFuncOptions(ember::kBatchMean) : EF::KLDivFuncOptions(e_red(r));
    return EF::kl_div(x, y, o.log_target(log_target));
}
inline TTensor kldiv(const TTensor& x, const TTensor& y, int r, bool log_target) {
    TF::KLDivFuncOptions o;
    if (r == 3)
        o.reduction(torch::kBatchMean);
    else
        o = t_red(o, r);
    return TF::kl_div(x, y, o.log_target(log_target));
}

}  // namespace difftest
