#pragma once
// Differential tests: one random case, a chain of ops built in both frameworks. Its op families
// live in diff_ops_*.cpp, its driver (step, backward, run) in test_differential.cpp.
#include "diff_compare.h"

namespace difftest {

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
        Val v{e, t, numbered('c', n_const_++), dt == Dt::F32, true, shadow_of(t)};
        note(v.name + " = constant " + type_str(v) + " uniform(" + num(lo) + ", " + num(hi) + ")");
        return v;
    }
    Val int_constant(const Shape& s, int64_t lo, int64_t hi) {
        std::vector<int64_t> d(static_cast<std::size_t>(numel_of(s)));
        for (int64_t& x : d) x = r_.i(lo, hi);
        auto [e, t] = from_ints(d, s);
        Val v{e, t, numbered('c', n_const_++), false, true, t};
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
        Val v{e, t, numbered('v', vals_.size()), low, true, d};
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
        leaves_.push_back(Val{e, t, numbered('L', leaves_.size()), dt == Dt::F32, true, d});
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

}  // namespace difftest
