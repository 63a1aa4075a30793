// Every differentiable op, gradchecked (central differences in float64) in one table: adding an op
// means adding a row. Each row runs with contiguous inputs and again with strided and transposed
// inputs (made inside the checked function, so the gradient flows through the view as well);
// rows marked second_order also run gradgradcheck.
#include <cmath>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;
using TL = std::vector<Tensor>;

namespace {

struct GradRow {
    std::string name;
    std::function<Tensor(const TL&)> fn;
    std::vector<Sizes> shapes;
    double lo = -1.5, hi = 1.5;  // input range (kept away from kinks and singularities by the row)
    bool second_order = false;
};

Tensor idx(std::vector<int64_t> v, const Sizes& shape) { return ember::tensor(v).reshape(shape); }

const std::vector<GradRow>& grad_rows() {
    using namespace ember;
    static const std::vector<GradRow> rows = {
        // ---- elementwise, unary ----
        {"neg", [](const TL& x) { return -x[0]; }, {{2, 3}}, -1.5, 1.5, true},
        {"exp", [](const TL& x) { return x[0].exp(); }, {{2, 3}}, -1.5, 1.5, true},
        {"log", [](const TL& x) { return x[0].log(); }, {{2, 3}}, 0.5, 2, true},
        {"log1p", [](const TL& x) { return log1p(x[0]); }, {{2, 3}}, -0.5, 2, true},
        {"sqrt", [](const TL& x) { return x[0].sqrt(); }, {{2, 3}}, 0.5, 2, true},
        {"rsqrt", [](const TL& x) { return x[0].rsqrt(); }, {{2, 3}}, 0.5, 2, true},
        {"abs", [](const TL& x) { return x[0].abs(); }, {{2, 3}}, -1.5, 1.5, true},
        {"sign", [](const TL& x) { return x[0].sign() * x[0]; }, {{2, 3}}, -1.5, 1.5, true},
        {"sin", [](const TL& x) { return x[0].sin(); }, {{2, 3}}, -3, 3, true},
        {"cos", [](const TL& x) { return x[0].cos(); }, {{2, 3}}, -3, 3, true},
        {"sigmoid", [](const TL& x) { return x[0].sigmoid(); }, {{2, 3}}, -3, 3, true},
        {"log_sigmoid", [](const TL& x) { return x[0].log_sigmoid(); }, {{2, 3}}, -3, 3, true},
        {"tanh", [](const TL& x) { return x[0].tanh(); }, {{2, 3}}, -2, 2, true},
        {"relu", [](const TL& x) { return x[0].relu(); }, {{2, 3}}, -1.5, 1.5, true},
        {"softplus", [](const TL& x) { return x[0].softplus(); }, {{2, 3}}, -3, 3, true},
        {"softplus beta=2", [](const TL& x) { return softplus(x[0], 2.0, 20); }, {{2, 3}}, -3, 3, true},
        {"softplus above threshold", [](const TL& x) { return softplus(x[0] + 25.0); }, {{2, 3}}, -1, 1, true},
        {"silu", [](const TL& x) { return silu(x[0]); }, {{2, 3}}, -3, 3, true},
        {"square", [](const TL& x) { return x[0].square(); }, {{2, 3}}, -1.5, 1.5, true},
        {"reciprocal", [](const TL& x) { return x[0].reciprocal(); }, {{2, 3}}, 0.5, 2, true},
        {"pow 3", [](const TL& x) { return x[0].pow(3.0); }, {{2, 3}}, -1.5, 1.5, true},
        {"pow 0.5", [](const TL& x) { return x[0].pow(0.5); }, {{2, 3}}, 0.5, 2, true},
        {"pow -2", [](const TL& x) { return x[0].pow(-2.0); }, {{2, 3}}, 0.5, 2, true},
        {"pow 0", [](const TL& x) { return x[0].pow(0.0); }, {{2, 3}}, 0.5, 2, true},
        {"2^x", [](const TL& x) { return pow(2.0, x[0]); }, {{2, 3}}, -1.5, 1.5, true},
        {"clamp", [](const TL& x) { return x[0].clamp(-0.7, 0.6); }, {{2, 3}}, -1.5, 1.5, true},
        {"clamp_min", [](const TL& x) { return x[0].clamp_min(0.1); }, {{2, 3}}, -1.5, 1.5, true},
        {"clamp_max", [](const TL& x) { return x[0].clamp_max(0.1); }, {{2, 3}}, -1.5, 1.5, true},
        {"x + s", [](const TL& x) { return x[0] + 2.0; }, {{2, 3}}, -1.5, 1.5, true},
        {"s - x", [](const TL& x) { return 2.0 - x[0]; }, {{2, 3}}, -1.5, 1.5, true},
        {"x * s", [](const TL& x) { return 3.0 * x[0] * 0.5; }, {{2, 3}}, -1.5, 1.5, true},
        {"s / x", [](const TL& x) { return 2.0 / x[0]; }, {{2, 3}}, 0.5, 2, true},
        {"x / s", [](const TL& x) { return x[0] / 4.0 - 1.0; }, {{2, 3}}, -1.5, 1.5, true},
        // ---- elementwise, binary with broadcasting ----
        {"add", [](const TL& x) { return x[0] + x[1]; }, {{3, 4}, {4}}, -1.5, 1.5, true},
        {"add alpha", [](const TL& x) { return x[0].add(x[1], -2.5); }, {{3, 1}, {1, 4}}, -1.5, 1.5, true},
        {"sub", [](const TL& x) { return x[0] - x[1]; }, {{2, 1, 3}, {4, 1}}, -1.5, 1.5, true},
        {"sub alpha", [](const TL& x) { return sub(x[0], x[1], 0.5); }, {{3}, {2, 3}}, -1.5, 1.5, true},
        {"mul", [](const TL& x) { return x[0] * x[1]; }, {{3, 1}, {1, 4}}, -1.5, 1.5, true},
        {"mul same", [](const TL& x) { return x[0] * x[0]; }, {{2, 3}}, -1.5, 1.5, true},
        {"div", [](const TL& x) { return x[0] / x[1]; }, {{3, 4}, {3, 1}}, 0.5, 2, true},
        {"pow tensor", [](const TL& x) { return x[0].pow(x[1]); }, {{3, 4}, {4}}, 0.5, 2, true},
        {"maximum", [](const TL& x) { return x[0].maximum(x[1]); }, {{3, 4}, {4}}, -1.5, 1.5, true},
        {"minimum", [](const TL& x) { return minimum(x[0], x[1]); }, {{3, 1}, {4}}, -1.5, 1.5, true},
        {"where",
         [](const TL& x) {
             return where(idx({1, 0, 0, 1}, {4}).to(kBool), x[0], x[1]);
         },
         {{3, 4}, {3, 1}},
         -1.5,
         1.5,
         true},
        {"where scalar", [](const TL& x) { return where(x[0] > 0.0, x[0] * x[0], 0.5); }, {{2, 3}}, -1.5, 1.5, true},
        // ---- the fused backward ops (differentiable ops of their own), with a broadcast operand ----
        {"sigmoid_backward", [](const TL& x) { return sigmoid_backward(x[0], x[1]); }, {{3, 4}, {4}}, -1.5, 1.5, true},
        {"threshold_backward",
         [](const TL& x) { return threshold_backward(x[0], x[1], 0.25); },
         {{4}, {3, 4}},
         -1.5,
         1.5,
         true},
        {"softplus_backward",
         [](const TL& x) { return softplus_backward(x[0], x[1], 1.0, 20.0); },
         {{3, 4}, {4}},
         -3,
         3,
         true},
        {"softplus_backward beta=2 threshold=1",
         [](const TL& x) { return softplus_backward(x[0], x[1], 2.0, 1.0); },
         {{4}, {3, 4}},
         -1.5,
         1.5,
         true},
        // ---- reductions ----
        {"sum", [](const TL& x) { return x[0].sum(); }, {{2, 3, 2}}, -1.5, 1.5, true},
        {"sum dims keepdim",
         [](const TL& x) {
             return x[0].sum({0, 2}, true);
         },
         {{2, 3, 2}},
         -1.5,
         1.5,
         true},
        {"sum dim -1", [](const TL& x) { return sum(x[0], {-1}); }, {{2, 3, 2}}, -1.5, 1.5, true},
        {"mean", [](const TL& x) { return x[0].mean(); }, {{2, 3}}, -1.5, 1.5, true},
        {"mean dim", [](const TL& x) { return x[0].mean({1}, true); }, {{2, 3}}, -1.5, 1.5, true},
        {"max", [](const TL& x) { return x[0].max(); }, {{2, 3}}, -1.5, 1.5, true},
        {"min", [](const TL& x) { return x[0].min(); }, {{2, 3}}, -1.5, 1.5, true},
        {"max dim", [](const TL& x) { return std::get<0>(x[0].max(1)); }, {{3, 4}}, -1.5, 1.5, true},
        {"min dim keepdim", [](const TL& x) { return std::get<0>(x[0].min(0, true)); }, {{3, 4}}, -1.5, 1.5, true},
        {"amax",
         [](const TL& x) {
             return x[0].amax({0, 2});
         },
         {{2, 3, 2}},
         -1.5,
         1.5,
         true},
        {"amin keepdim", [](const TL& x) { return x[0].amin({1}, true); }, {{2, 3, 2}}, -1.5, 1.5, true},
        {"logsumexp", [](const TL& x) { return x[0].logsumexp({1}); }, {{3, 4}}, -2, 2, true},
        {"logsumexp all keepdim",
         [](const TL& x) {
             return logsumexp(x[0], {0, 1}, true);
         },
         {{3, 4}},
         -2,
         2,
         true},
        {"softmax", [](const TL& x) { return x[0].softmax(1); }, {{3, 4}}, -2, 2, true},
        {"softmax dim 0", [](const TL& x) { return x[0].softmax(0); }, {{3, 4}}, -2, 2, true},
        {"log_softmax", [](const TL& x) { return x[0].log_softmax(-1); }, {{3, 4}}, -2, 2, true},
        {"log_softmax dim 0", [](const TL& x) { return log_softmax(x[0], 0); }, {{3, 2, 2}}, -2, 2, true},
        {"var", [](const TL& x) { return x[0].var({1}); }, {{3, 4}}, -1.5, 1.5, true},
        {"var biased all",
         [](const TL& x) {
             return x[0].var({0, 1}, false);
         },
         {{3, 4}},
         -1.5,
         1.5,
         true},
        {"std", [](const TL& x) { return x[0].std({1}, true, true); }, {{3, 4}}, -1.5, 1.5, true},
        {"norm", [](const TL& x) { return x[0].norm(); }, {{3, 4}}, -1.5, 1.5, true},
        // ---- linear algebra ----
        {"mm", [](const TL& x) { return x[0].mm(x[1]); }, {{3, 4}, {4, 2}}, -1.5, 1.5, true},
        {"mm same operand", [](const TL& x) { return x[0].mm(x[0].t()); }, {{3, 4}}, -1.5, 1.5, true},
        {"bmm", [](const TL& x) { return bmm(x[0], x[1]); }, {{2, 3, 4}, {2, 4, 2}}, -1.5, 1.5, true},
        {"matmul batched broadcast",
         [](const TL& x) { return x[0].matmul(x[1]); },
         {{2, 1, 2, 3}, {3, 3, 2}},
         -1.5,
         1.5,
         true},
        {"matmul 3-D @ 2-D", [](const TL& x) { return x[0].matmul(x[1]); }, {{2, 2, 3}, {3, 2}}, -1.5, 1.5, true},
        {"matmul vec @ mat", [](const TL& x) { return matmul(x[0], x[1]); }, {{3}, {3, 2}}, -1.5, 1.5, true},
        {"matmul mat @ vec", [](const TL& x) { return matmul(x[0], x[1]); }, {{2, 3}, {3}}, -1.5, 1.5, true},
        {"matmul batch @ vec", [](const TL& x) { return matmul(x[0], x[1]); }, {{2, 2, 3}, {3}}, -1.5, 1.5, true},
        {"matmul vec @ batch", [](const TL& x) { return matmul(x[0], x[1]); }, {{3}, {2, 3, 2}}, -1.5, 1.5, true},
        {"matmul vec @ vec", [](const TL& x) { return matmul(x[0], x[1]); }, {{4}, {4}}, -1.5, 1.5, true},
        {"outer", [](const TL& x) { return outer(x[0], x[1]); }, {{3}, {2}}, -1.5, 1.5, true},
        {"addmm",
         [](const TL& x) { return addmm(x[0], x[1], x[2], 0.5, 2.0); },
         {{2}, {3, 2}, {2, 2}},
         -1.5,
         1.5,
         true},
        {"addmm 2-D self, beta 1",
         [](const TL& x) { return addmm(x[0], x[1], x[2]); },
         {{3, 2}, {3, 4}, {4, 2}},
         -1.5,
         1.5,
         true},
        {"addmm beta 0",
         [](const TL& x) { return addmm(x[0], x[1], x[2], 0.0, 1.0); },
         {{1, 2}, {3, 4}, {4, 2}},
         -1.5,
         1.5,
         true},
        {"linear", [](const TL& x) { return linear(x[0], x[1], x[2]); }, {{3, 4}, {2, 4}, {2}}, -1.5, 1.5, true},
        {"linear no bias", [](const TL& x) { return linear(x[0], x[1]); }, {{3, 4}, {2, 4}}, -1.5, 1.5, true},
        // ---- shape and indexing ----
        {"view split", [](const TL& x) { return x[0].view({1, 2, 3, 1}) * 2.0; }, {{2, 3}}, -1.5, 1.5, true},
        {"view", [](const TL& x) { return x[0].view({3, 2}).sin(); }, {{6}}, -1.5, 1.5, true},
        {"reshape", [](const TL& x) { return x[0].reshape({-1}).sin(); }, {{2, 3}}, -1.5, 1.5, true},
        {"transpose", [](const TL& x) { return x[0].transpose(0, 2).exp(); }, {{2, 3, 2}}, -1.5, 1.5, true},
        {"t", [](const TL& x) { return x[0].t() * x[1]; }, {{3, 2}, {2, 3}}, -1.5, 1.5, true},
        {"permute", [](const TL& x) { return x[0].permute({2, 0, 1}).sin(); }, {{2, 3, 2}}, -1.5, 1.5, true},
        {"expand", [](const TL& x) { return x[0].expand({2, 3, 4}).sin(); }, {{3, 1}}, -1.5, 1.5, true},
        {"slice step", [](const TL& x) { return x[0].slice(1, 1, 5, 2).exp(); }, {{3, 5}}, -1.5, 1.5, true},
        {"narrow", [](const TL& x) { return x[0].narrow(0, 1, 2).square(); }, {{4, 2}}, -1.5, 1.5, true},
        {"select", [](const TL& x) { return x[0].select(1, 2).square(); }, {{2, 4}}, -1.5, 1.5, true},
        {"unsqueeze",
         [](const TL& x) { return x[0].unsqueeze(0) * x[1].unsqueeze(-1); },
         {{3}, {2, 3}},
         -1.5,
         1.5,
         true},
        {"squeeze",
         [](const TL& x) { return x[0].squeeze().square() + x[0].squeeze(0).sum(); },
         {{1, 3, 1}},
         -1.5,
         1.5,
         true},
        {"flatten", [](const TL& x) { return x[0].flatten(1).exp(); }, {{2, 2, 2}}, -1.5, 1.5, true},
        {"contiguous", [](const TL& x) { return x[0].t().contiguous().square(); }, {{2, 3}}, -1.5, 1.5, true},
        {"clone", [](const TL& x) { return x[0].clone().square(); }, {{2, 3}}, -1.5, 1.5, true},
        {"index_select",
         [](const TL& x) { return x[0].index_select(0, idx({2, 0, 2}, {3})).square(); },
         {{3, 2}},
         -1.5,
         1.5,
         true},
        {"index_select dim 1",
         [](const TL& x) { return index_select(x[0], 1, idx({1, 1}, {2})).exp(); },
         {{2, 3}},
         -1.5,
         1.5,
         true},
        {"gather",
         [](const TL& x) { return x[0].gather(1, idx({0, 2, 2, 1, 0, 0}, {3, 2})).square(); },
         {{3, 3}},
         -1.5,
         1.5,
         true},
        {"scatter_add",
         [](const TL& x) { return scatter_add(x[0], 1, idx({0, 2, 2, 1, 0, 0}, {3, 2}), x[1]).square(); },
         {{3, 3}, {3, 2}},
         -1.5,
         1.5,
         true},
        {"index_add",
         [](const TL& x) { return index_add(x[0], 0, idx({1, 1, 0}, {3}), x[1]).square(); },
         {{2, 3}, {3, 3}},
         -1.5,
         1.5,
         true},
        {"cat", [](const TL& x) { return cat({x[0], x[1], x[0]}, 1).square(); }, {{2, 1}, {2, 3}}, -1.5, 1.5, true},
        {"stack", [](const TL& x) { return stack({x[0], x[1]}, 1).exp(); }, {{2, 3}, {2, 3}}, -1.5, 1.5, true},
        {"to float64 no-op", [](const TL& x) { return x[0].to(kFloat64) * 2.0; }, {{3}}, -1.5, 1.5, true},
        // ---- composites: several ops sharing an input ----
        {"mlp",
         [](const TL& x) { return x[0].mm(x[1]).add(x[2]).tanh().mm(x[1].t()).sum({1}); },
         {{2, 3}, {3, 3}, {3}},
         -1,
         1,
         true},
        {"free energy",
         [](const TL& x) { return -(x[0].mm(x[1]) + x[2]).softplus().sum({1}) - x[0].sum({1}); },
         {{2, 3}, {3, 2}, {2}},
         -1,
         1,
         false},
    };
    return rows;
}

}  // namespace

namespace {

// How a logical input of shape S reaches the op: the tensor gradcheck perturbs has shape
// stored_shape(S), and make_view turns it into a tensor of shape S inside the checked function.
struct Layout {
    std::string name;
    std::function<Sizes(const Sizes&)> stored_shape;
    std::function<Tensor(const Tensor&, const Sizes&)> make_view;
    std::function<bool(const Sizes&)> applies;  // false: the input is passed as it is
};

const std::vector<Layout>& grad_layouts() {
    static const std::vector<Layout> layouts = {
        {"contiguous", [](const Sizes& s) { return s; }, [](const Tensor& t, const Sizes&) { return t; },
         [](const Sizes&) { return false; }},
        // every second element of a buffer with a trailing dim of 2
        {"strided",
         [](const Sizes& s) {
             Sizes r = s;
             r.push_back(2);
             return r;
         },
         [](const Tensor& t, const Sizes&) { return t.select(-1, 0); }, [](const Sizes&) { return true; }},
        // last two dims stored swapped
        {"transposed",
         [](const Sizes& s) {
             Sizes r = s;
             std::swap(r[r.size() - 1], r[r.size() - 2]);
             return r;
         },
         [](const Tensor& t, const Sizes&) { return t.transpose(-1, -2); },
         [](const Sizes& s) { return s.size() >= 2; }},
        // dim 0 broadcast from size 1 (the gradient of the stored tensor sums over it)
        {"expanded",
         [](const Sizes& s) {
             Sizes r = s;
             r[0] = 1;
             return r;
         },
         [](const Tensor& t, const Sizes& s) { return t.expand(s); },
         [](const Sizes& s) { return !s.empty() && s[0] > 1; }},
    };
    return layouts;
}

// Builds the inputs and the wrapped function of one (row, layout) pair; false if the layout
// changes nothing for this row.
bool prepare(const GradRow& row, const Layout& layout, uint32_t seed, TL& inputs,
             std::function<Tensor(const TL&)>& fn) {
    bool any = false;
    for (const Sizes& s : row.shapes) any |= layout.applies(s);
    if (!any) return layout.name == "contiguous";
    inputs.clear();
    for (const Sizes& s : row.shapes) {
        Sizes stored = layout.applies(s) ? layout.stored_shape(s) : s;
        inputs.push_back(rand_tensor(stored, row.lo, row.hi, seed++).requires_grad_());
    }
    fn = [&row, &layout](const TL& xs) {
        TL views;
        for (std::size_t i = 0; i < xs.size(); ++i)
            views.push_back(layout.applies(row.shapes[i]) ? layout.make_view(xs[i], row.shapes[i]) : xs[i]);
        return row.fn(views);
    };
    return true;
}

}  // namespace

namespace {

// Runs `check` (gradcheck or gradgradcheck) on every row accepted by `use_row`, in every layout
// accepted by `use_layout`.
void run_table(const char* what, uint32_t seed, const std::function<bool(const GradRow&)>& use_row,
               const std::function<bool(const Layout&)>& use_layout,
               const std::function<bool(const std::function<Tensor(const TL&)>&, const TL&)>& check) {
    for (const GradRow& row : grad_rows()) {
        if (!use_row(row)) continue;
        for (const Layout& layout : grad_layouts()) {
            if (!use_layout(layout)) continue;
            TL inputs;
            std::function<Tensor(const TL&)> fn;
            if (!prepare(row, layout, seed += 10, inputs, fn)) continue;
            if (layout.name == "contiguous" && inputs.empty()) {
                for (const Sizes& s : row.shapes)
                    inputs.push_back(rand_tensor(s, row.lo, row.hi, seed++).requires_grad_());
                fn = row.fn;
            }
            INFO("op " << row.name << ", layout " << layout.name);
            bool ok = false;
            try {
                ok = check(fn, inputs);
            } catch (const ember::Error& e) {
                FAIL_CHECK(what << " threw: " << e.what());
            }
            CHECK(ok);
        }
    }
}

}  // namespace

TEST_CASE("gradcheck: every differentiable op, every input layout", "[gradcheck][autograd]") {
    run_table(
        "gradcheck", 1000, [](const GradRow&) { return true; }, [](const Layout&) { return true; },
        [](const std::function<Tensor(const TL&)>& fn, const TL& in) { return ember::autograd::gradcheck(fn, in); });
}

TEST_CASE("gradgradcheck: second derivatives of elementwise ops, reductions and products", "[gradcheck][autograd]") {
    run_table(
        "gradgradcheck", 5000, [](const GradRow& row) { return row.second_order; },
        [](const Layout& l) { return l.name == "contiguous" || l.name == "strided"; },
        [](const std::function<Tensor(const TL&)>& fn, const TL& in) {
            return ember::autograd::gradgradcheck(fn, in);
        });
}

TEST_CASE("gradcheck detects a wrong backward", "[gradcheck][autograd]") {
    // A custom function whose backward is off by a factor: gradcheck must reject it.
    struct WrongSquare : ember::autograd::Function<WrongSquare> {
        static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor x) {
            ctx->save_for_backward({x});
            return x * x;
        }
        static std::vector<Tensor> backward(ember::autograd::AutogradContext* ctx, std::vector<Tensor> g) {
            Tensor x = ctx->get_saved_variables()[0];
            return {g[0] * x * 3.0};
        }
    };
    Tensor x = rand_tensor({3}, 0.5, 1.5, 3).requires_grad_();
    auto fn = [](const TL& xs) { return WrongSquare::apply(xs[0]); };
    ember::autograd::GradcheckOptions opts;
    opts.raise_exception = false;
    REQUIRE_FALSE(ember::autograd::gradcheck(fn, {x}, opts));
    REQUIRE_THROWS_AS(ember::autograd::gradcheck(fn, {x}), ember::AutogradError);
    // gradcheck wants float64.
    REQUIRE_THROWS_AS(ember::autograd::gradcheck(fn, {ember::ones({2}, ember::requires_grad())}), ember::DTypeError);
}
