// Differential tests against libtorch: random chains of ops, built the same way in ember and in
// libtorch from the same input values, with every intermediate value and the gradient of every
// leaf compared. See docs/differential_testing.md for what is covered, the tolerances and how to
// replay a case (EMBER_DIFF_SEED=N runs case N alone and prints its chain).
//
// The op families of a case are in diff_ops_*.cpp; here are its driver and the test cases.
#include "diff_case.h"

namespace difftest {

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

}  // namespace difftest

namespace {

using namespace difftest;

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
