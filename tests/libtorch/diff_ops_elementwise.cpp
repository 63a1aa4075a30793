// Differential tests: the unary, scalar, binary and where ops of a random case (see diff_case.h).
#include "diff_case.h"

namespace difftest {

bool Case::op_unary(const Val& x) {
    const Stats s = stats_of(x);
    const std::string n = x.name;
    switch (r_.i(0, 25)) {
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
        case 22: {  // leaky_relu, sometimes in place on a copy
            static const std::vector<double> slopes = {0.01, 0.2, -0.5, 1.5};
            const double slope = r_.pick(slopes);
            if (!away_from(x, 0)) return false;
            // libtorch's leaky_relu_ reads its output in backward and refuses a negative slope
            // there; ember's reads a copy of the input and takes any slope (docs/porting.md).
            if (slope >= 0 && r_.p(0.3))
                return apply(
                    "leaky_relu_(" + n + ".clone(), " + num(slope) + ")", false,
                    [=](const auto& a) {
                        auto y = a.clone();
                        return leaky_relu_(y, slope);
                    },
                    x);
            return apply(
                "leaky_relu(" + n + ", " + num(slope) + ")", false, [=](const auto& a) { return leaky_relu(a, slope); },
                x);
        }
        case 23: {  // elu with libtorch's three coefficients
            static const std::vector<double> alphas = {1, 0.5, 2}, scales = {1, 1.5}, input_scales = {1, 0.5};
            const double alpha = r_.pick(alphas), scale = r_.pick(scales), input_scale = r_.pick(input_scales);
            if (!away_from(x, 0) || s.max > 20) return false;
            return apply(
                "elu(" + n + ", " + num(alpha) + ", " + num(scale) + ", " + num(input_scale) + ")", false,
                [=](const auto& a) { return elu(a, alpha, scale, input_scale); }, x);
        }
        case 24: {  // gelu, exact or tanh
            const bool tanh_form = r_.p(0.5);
            return apply(
                std::string("gelu(") + n + (tanh_form ? ", \"tanh\")" : ")"), false,
                [=](const auto& a) { return gelu(a, tanh_form ? "tanh" : "none"); }, x);
        }
        case 25: {  // hardtanh: the kinks at both edges are kept away from
            if (s.max - s.min < 0.1) return false;
            double lo = std::round(r_.u(s.min - 0.2, s.max) * 100) / 100;
            double hi = std::round(r_.u(lo + 0.05, s.max + 0.5) * 100) / 100;
            if (lo >= hi || !away_from(x, lo) || !away_from(x, hi)) return false;
            return apply(
                "hardtanh(" + n + ", " + num(lo) + ", " + num(hi) + ")", false,
                [=](const auto& a) { return hardtanh(a, lo, hi); }, x);
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

}  // namespace difftest
