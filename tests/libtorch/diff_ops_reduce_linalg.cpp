// Differential tests: the reductions and matrix products of a random case (see diff_case.h).
#include "diff_case.h"

namespace difftest {

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

}  // namespace difftest
