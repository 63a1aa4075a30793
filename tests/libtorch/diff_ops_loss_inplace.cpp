// Differential tests: the losses and in-place ops of a random case (see diff_case.h).
#include "diff_case.h"

namespace difftest {

bool Case::op_loss(const Val& x) {
    const int red = static_cast<int>(r_.i(0, 2));
    const std::string n = x.name, rs = std::string(", ") + red_name(red) + ")";
    const Dt dt = x.dt();
    switch (r_.i(0, 8)) {
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
            const double eps = r_.p(0.3) ? 0.2 : 0.0;  // label smoothing
            const std::string tail = (use_w ? ", weight=" + w.name : "") + (ignore != -100 ? ", ignore_index=-1" : "") +
                                     (eps > 0 ? ", label_smoothing=0.2" : "") + rs;
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
                    return xent(a, b, use_w ? &c : nullptr, ignore, red, eps);
                },
                x, t, w);
        }
        case 6: {  // l1_loss; the kink at x = y is kept away from
            const Val& y = input(x.shape(), dt);
            const Val* d = apply(
                n + " - " + y.name, false, [](const auto& a, const auto& b) { return a - b; }, x, y);
            if (!d || !away_from(*d, 0)) return true;
            return apply(
                "l1_loss(" + n + ", " + y.name + rs, false, [=](const auto& a, const auto& b) { return l1(a, b, red); },
                x, y);
        }
        case 7: {  // smooth_l1_loss or huber_loss, away from |x - y| = beta (the switch of branches)
            static const std::vector<double> betas = {1, 0.5, 2, 0};
            const double beta = r_.pick(betas);
            const bool is_huber = beta > 0 && r_.p(0.5);
            const Val& y = input(x.shape(), dt);
            const Val* d = apply(
                n + " - " + y.name, false, [](const auto& a, const auto& b) { return a - b; }, x, y);
            if (!d || !away_from(*d, beta) || !away_from(*d, -beta) || !away_from(*d, 0)) return true;
            if (is_huber)
                return apply(
                    "huber_loss(" + n + ", " + y.name + ", delta=" + num(beta) + rs, false,
                    [=](const auto& a, const auto& b) { return huber(a, b, red, beta); }, x, y);
            return apply(
                "smooth_l1_loss(" + n + ", " + y.name + ", beta=" + num(beta) + rs, false,
                [=](const auto& a, const auto& b) { return smooth_l1(a, b, red, beta); }, x, y);
        }
        case 8: {  // kl_div of log_softmax(x) from a probability target (log_target: its log), 4 reductions
            if (x.dim() == 0) return false;
            // mean is rare: libtorch warns on every call with it (mean is not the divergence)
            const int kred = r_.p(0.1) ? 1 : static_cast<int>(r_.pick(std::vector<int64_t>{0, 2, 3}));
            const bool log_target = r_.p(0.5);
            Val logits = constant(x.shape(), dt, -2, 2);
            const Val* y = apply(
                std::string(log_target ? "log_softmax(" : "softmax(") + logits.name + ", -1)", false,
                [=](const auto& a) { return log_target ? a.log_softmax(-1) : a.softmax(-1); }, logits);
            const Val* lp = apply(
                "log_softmax(" + n + ", -1)", false, [](const auto& a) { return a.log_softmax(-1); }, x);
            return apply(
                "kl_div(" + lp->name + ", " + y->name + (log_target ? ", log_target" : "") + ", " + red_name(kred) +
                    ")",
                false, [=](const auto& a, const auto& b) { return kldiv(a, b, kred, log_target); }, *lp, *y);
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

}  // namespace difftest
