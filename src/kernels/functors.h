#pragma once
// The arithmetic of every elementwise op, once, as host-and-device functors: the CPU loops and
// the CUDA kernels instantiate the same structs, so the math is tested on the CPU everywhere.
// Which op uses which functor, for which dtypes, is the op table (kernels/op_table.def); the
// visitors at the end of this file are generated from it.
#include <math.h>

#include <cstdint>
#include <type_traits>

#include "ember/tensor/macros.h"
#include "kernels/float_math.h"
#include "kernels/iter.h"

namespace ember::kernels {

// Overloads of the C math library picking the float or double entry point, usable in device code.
namespace km {
EMBER_HD inline float exp(float x) { return ::expf(x); }
EMBER_HD inline double exp(double x) { return ::exp(x); }
EMBER_HD inline float log(float x) { return ::logf(x); }
EMBER_HD inline double log(double x) { return ::log(x); }
EMBER_HD inline float log1p(float x) { return ::log1pf(x); }
EMBER_HD inline double log1p(double x) { return ::log1p(x); }
EMBER_HD inline float sqrt(float x) { return ::sqrtf(x); }
EMBER_HD inline double sqrt(double x) { return ::sqrt(x); }
EMBER_HD inline float sin(float x) { return ::sinf(x); }
EMBER_HD inline double sin(double x) { return ::sin(x); }
EMBER_HD inline float cos(float x) { return ::cosf(x); }
EMBER_HD inline double cos(double x) { return ::cos(x); }
EMBER_HD inline float tanh(float x) { return ::tanhf(x); }
EMBER_HD inline double tanh(double x) { return ::tanh(x); }
EMBER_HD inline float expm1(float x) { return ::expm1f(x); }
EMBER_HD inline double expm1(double x) { return ::expm1(x); }
EMBER_HD inline float erf(float x) { return ::erff(x); }
EMBER_HD inline double erf(double x) { return ::erf(x); }
EMBER_HD inline float pow(float x, float y) { return ::powf(x, y); }
EMBER_HD inline double pow(double x, double y) { return ::pow(x, y); }
// Integer powers by squaring, in the integer type (int64, int32, uint8), wrapping as PyTorch's do;
// a negative exponent gives 0 unless |x| is 1.
template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
EMBER_HD inline T pow(T x, T y) {
    if constexpr (std::is_signed_v<T>) {
        if (y < 0) return x == 1 ? T(1) : (x == -1 ? T(y % 2 ? -1 : 1) : T(0));
    }
    // In the unsigned type of the same width: the wrap-around is defined there.
    using U = std::make_unsigned_t<T>;
    U r = 1, b = static_cast<U>(x);
    while (y) {
        if (y & 1) r = static_cast<U>(r * b);
        b = static_cast<U>(b * b);
        y = static_cast<T>(y >> 1);
    }
    return static_cast<T>(r);
}
EMBER_HD inline float abs(float x) { return ::fabsf(x); }
EMBER_HD inline double abs(double x) { return ::fabs(x); }
template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
EMBER_HD inline T abs(T x) {
    if constexpr (std::is_signed_v<T>)
        return x < 0 ? static_cast<T>(-x) : x;
    else
        return x;
}
template <typename T>
EMBER_HD inline bool isnan(T x) {
    return x != x;
}
}  // namespace km

struct NegF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return -x;
    }
};
// float32: kernels/float_math.h, the function the vectorised CPU kernels compute too.
struct ExpF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if constexpr (std::is_same_v<T, float>) return float_math::exp(x);
        return km::exp(x);
    }
};
struct LogF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::log(x);
    }
};
struct Log1pF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::log1p(x);
    }
};
struct SqrtF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::sqrt(x);
    }
};
struct RsqrtF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return T(1) / km::sqrt(x);
    }
};
struct AbsF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::abs(x);
    }
};
struct SignF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return T((T(0) < x) - (x < T(0)));
    }
};
struct SinF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::sin(x);
    }
};
struct CosF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::cos(x);
    }
};
// 1 / (1 + e^-x), evaluated on the side where the exponential cannot overflow (float32: the
// same algebra in kernels/float_math.h).
struct SigmoidF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if constexpr (std::is_same_v<T, float>) return float_math::sigmoid(x);
        if (x >= T(0)) return T(1) / (T(1) + km::exp(-x));
        T e = km::exp(x);
        return e / (T(1) + e);
    }
};
// log sigmoid(x) = min(x, 0) - log1p(e^-|x|): finite for every finite x.
struct LogSigmoidF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if constexpr (std::is_same_v<T, float>) return float_math::log_sigmoid(x);
        T m = x < T(0) ? x : T(0);
        return m - km::log1p(km::exp(-km::abs(x)));
    }
};
struct TanhF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::tanh(x);
    }
};
struct ReluF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return x > T(0) ? x : T(0);
    }
};
// softplus(x) = log(1 + e^(beta x)) / beta = (max(z, 0) + log1p(e^-|z|)) / beta with z = beta x,
// which neither overflows for large z nor loses everything to rounding for very negative z.
// Above `threshold` (z > threshold) it returns x, as PyTorch does.
struct SoftplusF {
    double beta, threshold;
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if constexpr (std::is_same_v<T, float>) return float_math::softplus(x, float(beta), float(threshold));
        T z = x * T(beta);
        if (z > T(threshold)) return x;
        T m = z > T(0) ? z : T(0);
        return (m + km::log1p(km::exp(-km::abs(z)))) / T(beta);
    }
};
struct SquareF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return x * x;
    }
};
struct ReciprocalF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return T(1) / x;
    }
};
struct PowScalarF {
    double exponent;
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if (exponent == 2.0) return x * x;
        if (exponent == 1.0) return x;
        return km::pow(x, T(exponent));
    }
};
// base ^ x for a scalar base.
struct RPowScalarF {
    double base;
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return km::pow(T(base), x);
    }
};
// clamp to [lo, hi]; NaN stays NaN (as in PyTorch). Missing bounds arrive as -inf/+inf.
struct ClampF {
    double lo, hi;
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if constexpr (std::is_integral_v<T>) {
            // Compared in double: an infinite bound (a missing one) has no integer value, and a
            // bound outside T's range must not wrap into it.
            const double v = double(x);
            return v < lo ? T(lo) : (v > hi ? T(hi) : x);
        }
        if (km::isnan(x)) return x;
        T l = T(lo), h = T(hi);
        return x < l ? l : (x > h ? h : x);
    }
};
struct LogicalNotF {
    EMBER_HD bool operator()(bool x) const { return !x; }
};
// silu(x) = x sigmoid(x), with sigmoid's arithmetic.
struct SiluF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return x * SigmoidF{}(x);
    }
};

// leaky_relu(x) = x for x > 0, slope x otherwise.
struct LeakyReluF {
    double negative_slope;
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return x > T(0) ? x : x * T(negative_slope);
    }
};
// elu(x) = scale x for x > 0, scale alpha (e^(input_scale x) - 1) otherwise (libtorch's three
// coefficients; nn::ELU has scale = input_scale = 1). expm1 keeps the digits that exp(z) - 1
// would cancel for z near 0.
struct EluF {
    double alpha, scale, input_scale;
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if (x > T(0)) return x * T(scale);
        return T(alpha * scale) * km::expm1(x * T(input_scale));
    }
};
// gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2, Phi the standard normal CDF.
struct GeluF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        return x * T(0.5) * (T(1) + km::erf(x * T(0.70710678118654752440)));
    }
};
// gelu's tanh approximation: x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2.
struct GeluTanhF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        const T u = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
        return T(0.5) * x * (T(1) + km::tanh(u));
    }
};

// a + alpha b. The visitors hand AddF with alpha 1 to the loops as AddPlainF (run_functor below):
// a multiply by a run-time 1 would otherwise stay in every element.
struct AddF {
    double alpha;
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        return a + T(alpha) * b;
    }
};
struct AddPlainF {
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        return a + b;
    }
};
struct SubF {
    double alpha;
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        return a - T(alpha) * b;
    }
};
struct MulF {
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        return a * b;
    }
};
struct DivF {
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        return a / b;
    }
};
struct PowF {
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        return km::pow(a, b);
    }
};
// maximum/minimum propagate NaN, as in PyTorch.
struct MaximumF {
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        if (km::isnan(a)) return a;
        if (km::isnan(b)) return b;
        return a > b ? a : b;
    }
};
struct MinimumF {
    template <typename T>
    EMBER_HD T operator()(T a, T b) const {
        if (km::isnan(a)) return a;
        if (km::isnan(b)) return b;
        return a < b ? a : b;
    }
};
struct EqF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return a == b;
    }
};
struct NeF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return a != b;
    }
};
struct LtF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return a < b;
    }
};
struct LeF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return a <= b;
    }
};
struct GtF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return a > b;
    }
};
struct GeF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return a >= b;
    }
};
struct LogicalAndF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return bool(a) && bool(b);
    }
};
struct LogicalOrF {
    template <typename T>
    EMBER_HD bool operator()(T a, T b) const {
        return bool(a) || bool(b);
    }
};

// The fused backward ops, libtorch's sigmoid_backward, threshold_backward and softplus_backward:
// one pass each instead of the two or three of a composition. sigmoid_backward does the
// arithmetic of g * y * (1 - y) in its order; softplus_backward that of
// where(beta x > t, g, g * sigmoid(beta x)).
struct SigmoidBackwardF {
    template <typename T>
    EMBER_HD T operator()(T g, T y) const {
        return (g * y) * (T(1) - y);
    }
};
// x <= threshold ? 0 : g, a selection (not g times a mask, so g = inf gives 0, not NaN, where
// x <= threshold); a NaN x passes g, as in PyTorch.
struct ThresholdBackwardF {
    double threshold;
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        return x <= T(threshold) ? T(0) : g;
    }
};
struct SoftplusBackwardF {
    double beta, threshold;
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        using R = decltype(T(0) * 1.0f);  // float or double (int64, never used, computes in float)
        const R z = R(x) * R(beta);
        if (z > R(threshold)) return g;
        return T(R(g) * SigmoidF{}(z));
    }
};

// leaky_relu_backward(g, x) = x > 0 ? g : slope g (a selection, as threshold_backward).
struct LeakyReluBackwardF {
    double negative_slope;
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        return x > T(0) ? g : g * T(negative_slope);
    }
};
// elu_backward(g, x) = x > 0 ? scale g : g input_scale scale alpha e^(input_scale x), the
// derivative of EluF times g (p = {alpha, scale, input_scale}).
struct EluBackwardF {
    double alpha, scale, input_scale;
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        if (x > T(0)) return g * T(scale);
        return g * T(input_scale * scale * alpha) * km::exp(x * T(input_scale));
    }
};
// gelu_backward(g, x) = g (Phi(x) + x phi(x)), phi(x) = e^(-x^2 / 2) / sqrt(2 pi).
struct GeluBackwardF {
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        const T cdf = T(0.5) * (T(1) + km::erf(x * T(0.70710678118654752440)));
        const T pdf = km::exp(T(-0.5) * x * x) * T(0.39894228040143267794);
        return g * (cdf + x * pdf);
    }
};
// The tanh form: with u = k (x + c x^3), t = tanh(u),
// d/dx = (1 + t) / 2 + x (1 - t^2) k (1 + 3 c x^2) / 2.
struct GeluTanhBackwardF {
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        const T k = T(0.79788456080286535588), c = T(0.044715);
        const T t = km::tanh(k * (x + c * x * x * x));
        const T du = k * (T(1) + T(3) * c * x * x);
        return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du);
    }
};
// hardtanh_backward(g, x) = g inside (min, max), 0 at and beyond the edges (libtorch's: the
// gradient of clamp passes at the edges, hardtanh's does not). p = {min, max}.
struct HardtanhBackwardF {
    double min_val, max_val;
    template <typename T>
    EMBER_HD T operator()(T g, T x) const {
        return (x <= T(min_val) || x >= T(max_val)) ? T(0) : g;
    }
};

// One step of SGD with momentum on one element, torch.optim.SGD's rule (see nn/optim/sgd.h):
//   d = g + weight_decay p;  buf = first ? d : momentum buf + (1 - dampening) d;
//   d = nesterov ? d + momentum buf : buf;  p -= lr d.
// momentum == 0 leaves buf untouched (it may be null then). One pass over p, g and buf instead of
// the four or five of the composed ops.
struct SgdStepF {
    double lr, momentum, dampening, weight_decay;
    bool nesterov, first;
    // The step with its option branches fixed at compile time (loops over it vectorise).
    template <bool kDecay, bool kMomentum, bool kFirst, bool kNesterov, typename T>
    EMBER_HD void apply(T& p, T g, T* buf) const {
        T d = kDecay ? g + p * T(weight_decay) : g;
        if constexpr (kMomentum) {
            const T b = kFirst ? d : *buf * T(momentum) + d * T(1 - dampening);
            *buf = b;
            d = kNesterov ? d + b * T(momentum) : b;
        }
        p -= d * T(lr);
    }
    // Calls f.template operator()<kDecay, kMomentum, kFirst, kNesterov>() for this step's options.
    template <typename F>
    void dispatch(F&& f) const {  // host only: picks the kernel instantiation
        auto with_momentum = [&]<bool kDecay>() {
            if (momentum == 0) return f.template operator()<kDecay, false, false, false>();
            if (first)
                return nesterov ? f.template operator()<kDecay, true, true, true>()
                                : f.template operator()<kDecay, true, true, false>();
            return nesterov ? f.template operator()<kDecay, true, false, true>()
                            : f.template operator()<kDecay, true, false, false>();
        };
        if (weight_decay != 0)
            with_momentum.template operator()<true>();
        else
            with_momentum.template operator()<false>();
    }
};

// ---- the functors of where, copy and fill (no table row: each is a kernel of its own) ----
// out = c ? a : b
struct WhereF {
    template <typename T>
    EMBER_HD T operator()(bool c, T a, T b) const {
        return c ? a : b;
    }
};
// out = x converted to O (copy_kernel between any two dtypes)
template <typename O>
struct CastF {
    template <typename I>
    EMBER_HD O operator()(I x) const {
        return static_cast<O>(x);
    }
};
// out = value (fill_kernel)
template <typename T>
struct ConstantF {
    T value;
    EMBER_HD T operator()() const { return value; }
};

// ---- the visitors, generated from the op table ----

// Calls f(functor). AddF with alpha 1 goes to the loops as AddPlainF (see AddF).
template <typename F, typename Functor>
EMBER_HD inline void run_functor(F& f, const Functor& functor) {
    f(functor);
}
template <typename F>
EMBER_HD inline void run_functor(F& f, const AddF& add) {
    if (add.alpha == 1.0)
        f(AddPlainF{});
    else
        f(add);
}

// visit_unary<T>(op, p, f): when op's row accepts element type T, calls f(op's functor) and
// returns true; otherwise returns false without instantiating anything for T. Both backends run
// their loop inside f, so the ops each dtype takes (the int64 lists) are the table's. The switch
// has no default: -Wswitch names a missing case.
template <typename T, typename F>
EMBER_HD inline bool visit_unary(UnaryOp op, OpParams p, F&& f) {
    (void)p;  // read only by the parameterised rows
    switch (op) {
#define EMBER_UNARY_OP(Enum, name, dtypes, ...)                            \
    case UnaryOp::Enum:                                                    \
        if constexpr (accepts<T>(DTypeClass::dtypes)) {                    \
            static_assert(std::is_same_v<decltype((__VA_ARGS__)(T{})), T>, \
                          "a unary functor returns its operand's type");   \
            run_functor(f, __VA_ARGS__);                                   \
            return true;                                                   \
        } else {                                                           \
            return false;                                                  \
        }
#include "kernels/op_table.def"
    }
    return false;
}

// Whether a binary functor's return type fits its row's result column.
constexpr bool result_matches(BinaryResult r, bool returns_bool, bool returns_operand_type) {
    return r == BinaryResult::Bool ? returns_bool : returns_operand_type;
}

// visit_binary<T>(op, p, f): as visit_unary, for operands of type T; f(functor) is called with a
// functor returning T (result Same) or bool (result Bool), as the row says.
template <typename T, typename F>
EMBER_HD inline bool visit_binary(BinaryOp op, OpParams p, F&& f) {
    (void)p;
    switch (op) {
#define EMBER_BINARY_OP(Enum, name, dtypes, result, ...)                                                       \
    case BinaryOp::Enum:                                                                                       \
        if constexpr (accepts<T>(DTypeClass::dtypes)) {                                                        \
            using R = decltype((__VA_ARGS__)(T{}, T{}));                                                       \
            static_assert(result_matches(BinaryResult::result, std::is_same_v<R, bool>, std::is_same_v<R, T>), \
                          "the functor's return type must match the row's result column");                     \
            run_functor(f, __VA_ARGS__);                                                                       \
            return true;                                                                                       \
        } else {                                                                                               \
            return false;                                                                                      \
        }
#include "kernels/op_table.def"
    }
    return false;
}

}  // namespace ember::kernels
