#pragma once
// The arithmetic of every elementwise op, once, as host-and-device functors: the CPU loops and
// the CUDA kernels instantiate the same structs, so the math is tested on the CPU everywhere.
#include <math.h>

#include <cstdint>

#include "ember/tensor/macros.h"
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
EMBER_HD inline float pow(float x, float y) { return ::powf(x, y); }
EMBER_HD inline double pow(double x, double y) { return ::pow(x, y); }
EMBER_HD inline int64_t pow(int64_t x, int64_t y) {
    if (y < 0) return x == 1 ? 1 : (x == -1 ? (y % 2 ? -1 : 1) : 0);
    int64_t r = 1;
    while (y) {
        if (y & 1) r *= x;
        x *= x;
        y >>= 1;
    }
    return r;
}
EMBER_HD inline float abs(float x) { return ::fabsf(x); }
EMBER_HD inline double abs(double x) { return ::fabs(x); }
EMBER_HD inline int64_t abs(int64_t x) { return x < 0 ? -x : x; }
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
struct ExpF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
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
// 1 / (1 + e^-x), evaluated on the side where the exponential cannot overflow.
struct SigmoidF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
        if (x >= T(0)) return T(1) / (T(1) + km::exp(-x));
        T e = km::exp(x);
        return e / (T(1) + e);
    }
};
// log sigmoid(x) = min(x, 0) - log1p(e^-|x|): finite for every finite x.
struct LogSigmoidF {
    template <typename T>
    EMBER_HD T operator()(T x) const {
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
        if (km::isnan(x)) return x;
        T l = T(lo), h = T(hi);
        return x < l ? l : (x > h ? h : x);
    }
};
struct LogicalNotF {
    EMBER_HD bool operator()(bool x) const { return !x; }
};

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

// Fused backward formulas (see BinaryOp): the same arithmetic, in the same order, as the
// compositions they replace.
struct SigmoidBackwardF {
    template <typename T>
    EMBER_HD T operator()(T g, T y) const {
        return (g * y) * (T(1) - y);
    }
};
struct ReluBackwardF {
    template <typename T>
    EMBER_HD T operator()(T g, T y) const {
        return y > T(0) ? g : T(0);
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

// Calls f(functor) with the functor of `op`; used by both backends to turn the op enum into a
// kernel instantiation. Ops valid only for some dtypes are filtered by the caller.
template <typename F>
EMBER_HD inline void visit_unary(UnaryOp op, OpParams p, F&& f) {
    switch (op) {
        case UnaryOp::Neg: return f(NegF{});
        case UnaryOp::Exp: return f(ExpF{});
        case UnaryOp::Log: return f(LogF{});
        case UnaryOp::Log1p: return f(Log1pF{});
        case UnaryOp::Sqrt: return f(SqrtF{});
        case UnaryOp::Rsqrt: return f(RsqrtF{});
        case UnaryOp::Abs: return f(AbsF{});
        case UnaryOp::Sign: return f(SignF{});
        case UnaryOp::Sin: return f(SinF{});
        case UnaryOp::Cos: return f(CosF{});
        case UnaryOp::Sigmoid: return f(SigmoidF{});
        case UnaryOp::LogSigmoid: return f(LogSigmoidF{});
        case UnaryOp::Tanh: return f(TanhF{});
        case UnaryOp::Relu: return f(ReluF{});
        case UnaryOp::Softplus: return f(SoftplusF{p.a, p.b});
        case UnaryOp::Square: return f(SquareF{});
        case UnaryOp::Reciprocal: return f(ReciprocalF{});
        case UnaryOp::PowScalar: return f(PowScalarF{p.a});
        case UnaryOp::RPowScalar: return f(RPowScalarF{p.a});
        case UnaryOp::Clamp: return f(ClampF{p.a, p.b});
        case UnaryOp::LogicalNot: return;  // bool only, handled by the caller
    }
}

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

template <typename F>
EMBER_HD inline void visit_arith(BinaryOp op, OpParams p, F&& f) {
    switch (op) {
        case BinaryOp::Add: return p.a == 1.0 ? f(AddPlainF{}) : f(AddF{p.a});
        case BinaryOp::Sub: return f(SubF{p.a});
        case BinaryOp::Mul: return f(MulF{});
        case BinaryOp::Div: return f(DivF{});
        case BinaryOp::Pow: return f(PowF{});
        case BinaryOp::Maximum: return f(MaximumF{});
        case BinaryOp::Minimum: return f(MinimumF{});
        case BinaryOp::SigmoidBackward: return f(SigmoidBackwardF{});
        case BinaryOp::ReluBackward: return f(ReluBackwardF{});
        case BinaryOp::SoftplusBackward: return f(SoftplusBackwardF{p.a, p.b});
        default: return;
    }
}

template <typename F>
EMBER_HD inline void visit_compare(BinaryOp op, F&& f) {
    switch (op) {
        case BinaryOp::Eq: return f(EqF{});
        case BinaryOp::Ne: return f(NeF{});
        case BinaryOp::Lt: return f(LtF{});
        case BinaryOp::Le: return f(LeF{});
        case BinaryOp::Gt: return f(GtF{});
        case BinaryOp::Ge: return f(GeF{});
        case BinaryOp::LogicalAnd: return f(LogicalAndF{});
        case BinaryOp::LogicalOr: return f(LogicalOrF{});
        default: return;
    }
}

}  // namespace ember::kernels
