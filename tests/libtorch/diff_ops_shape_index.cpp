// Differential tests: the views, reshapes, cat/stack and index ops of a random case (see diff_case.h).
#include "diff_case.h"

namespace difftest {

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

}  // namespace difftest
