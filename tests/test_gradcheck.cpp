// Every differentiable row of the test registry (tests/op_registry.cpp), gradchecked (central
// differences in float64) at the registry's tolerances, with contiguous inputs and again with
// strided, transposed and expanded inputs (made inside the checked function, so the gradient flows
// through the view as well); rows with gradgrad also run gradgradcheck. Then gradcheck itself:
// that those tolerances catch small errors, and its error messages.
#include <cmath>

#include "core_test_util.h"
#include "op_registry.h"

using namespace core_test;
using ember::Tensor;
using TL = std::vector<Tensor>;
using op_registry::OpRow;

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
bool prepare(const OpRow& row, const Layout& layout, uint32_t seed, TL& inputs, std::function<Tensor(const TL&)>& fn) {
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
        return row.fn(views, ember::Device(ember::kCPU));
    };
    return true;
}

}  // namespace

namespace {

using Check =
    std::function<bool(const std::function<Tensor(const TL&)>&, const TL&, const ember::autograd::GradcheckOptions&)>;

// Runs `check` (gradcheck or gradgradcheck) on every row accepted by `use_row`, in every layout
// accepted by `use_layout`, at the row's tolerances.
int run_table(const char* what, uint32_t seed, const std::function<bool(const OpRow&)>& use_row,
              const std::function<bool(const Layout&)>& use_layout, const Check& check) {
    int checked = 0;
    for (const OpRow& row : op_registry::op_rows()) {
        if (!use_row(row)) continue;
        for (const Layout& layout : grad_layouts()) {
            if (!use_layout(layout)) continue;
            TL inputs;
            std::function<Tensor(const TL&)> fn;
            if (!prepare(row, layout, seed += 10, inputs, fn)) continue;
            if (layout.name == "contiguous" && inputs.empty()) {
                for (const Sizes& s : row.shapes)
                    inputs.push_back(rand_tensor(s, row.lo, row.hi, seed++).requires_grad_());
                fn = [&row](const TL& xs) { return row.fn(xs, ember::Device(ember::kCPU)); };
            }
            INFO("op " << row.name << ", layout " << layout.name);
            // A row with tolerances of its own says why.
            if (row.grad_rtol != op_registry::kGradRtol || row.grad_atol != op_registry::kGradAtol)
                CHECK_FALSE(row.relaxed_because.empty());
            ember::autograd::GradcheckOptions opts;
            opts.rtol = row.grad_rtol;
            opts.atol = row.grad_atol;
            bool ok = false;
            ++checked;
            try {
                ok = check(fn, inputs, opts);
            } catch (const ember::Error& e) {
                FAIL_CHECK(what << " threw: " << e.what());
            }
            CHECK(ok);
        }
    }
    return checked;
}

}  // namespace

TEST_CASE("gradcheck: every differentiable row, every input layout, at the registry's tolerances",
          "[gradcheck][autograd]") {
    const int checked = run_table(
        "gradcheck", 1000, [](const OpRow& row) { return row.backward && row.gradcheck; },
        [](const Layout&) { return true; },
        [](const std::function<Tensor(const TL&)>& fn, const TL& in, const ember::autograd::GradcheckOptions& o) {
            return ember::autograd::gradcheck(fn, in, o);
        });
    CHECK(checked > 300);
}

TEST_CASE("gradgradcheck: second derivatives of every row that has them", "[gradcheck][autograd]") {
    const int checked = run_table(
        "gradgradcheck", 5000, [](const OpRow& row) { return row.backward && row.gradcheck && row.gradgrad; },
        [](const Layout& l) { return l.name == "contiguous" || l.name == "strided"; },
        [](const std::function<Tensor(const TL&)>& fn, const TL& in, const ember::autograd::GradcheckOptions& o) {
            return ember::autograd::gradgradcheck(fn, in, o);
        });
    CHECK(checked > 150);
}

namespace {

// x -> scale x^2 with a backward that is wrong by the factor (1 + rel_error).
struct ScaledSquare : ember::autograd::Function<ScaledSquare> {
    static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor x, double scale, double rel_error) {
        ctx->save_for_backward({x});
        ctx->saved_data["scale"] = scale;
        ctx->saved_data["rel_error"] = rel_error;
        return x * x * scale;
    }
    static std::vector<Tensor> backward(ember::autograd::AutogradContext* ctx, std::vector<Tensor> g) {
        Tensor x = ctx->get_saved_variables()[0];
        const double scale = ctx->saved_data["scale"].toDouble(), err = ctx->saved_data["rel_error"].toDouble();
        return {g[0] * x * (2 * scale * (1 + err))};
    }
};

ember::autograd::GradcheckOptions table_tolerances() {
    ember::autograd::GradcheckOptions o;
    o.rtol = op_registry::kGradRtol;
    o.atol = op_registry::kGradAtol;
    o.raise_exception = false;
    return o;
}

bool check_scaled_square(double scale, double rel_error, const ember::autograd::GradcheckOptions& o) {
    Tensor x = rand_tensor({4}, 0.5, 1.5, 3).requires_grad_();
    return ember::autograd::gradcheck(
        [scale, rel_error](const TL& xs) { return ScaledSquare::apply(xs[0], scale, rel_error); }, {x}, o);
}

}  // namespace

TEST_CASE("gradcheck: the public defaults are PyTorch's", "[gradcheck][autograd]") {
    // torch.autograd.gradcheck(eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True).
    const ember::autograd::GradcheckOptions o;
    CHECK(o.eps == 1e-6);
    CHECK(o.atol == 1e-5);
    CHECK(o.rtol == 1e-3);
    CHECK(o.raise_exception);
}

TEST_CASE("gradcheck: the registry's tolerances catch small errors that the defaults let pass",
          "[gradcheck][autograd]") {
    ember::autograd::GradcheckOptions defaults;
    defaults.raise_exception = false;
    // The correct backward passes at the table's tolerances (the test is not rejecting everything).
    CHECK(check_scaled_square(1.0, 0.0, table_tolerances()));
    CHECK(check_scaled_square(1e-7, 0.0, table_tolerances()));
    // A backward 1e-4 relative wrong: caught at rtol 1e-6, and not at PyTorch's rtol 1e-3.
    CHECK_FALSE(check_scaled_square(1.0, 1e-4, table_tolerances()));
    CHECK(check_scaled_square(1.0, 1e-4, defaults));
    // A tiny gradient (2e-7 x < 1e-5) 50% wrong: under PyTorch's atol 1e-5, above ours of 1e-8.
    CHECK_FALSE(check_scaled_square(1e-7, 0.5, table_tolerances()));
    CHECK(check_scaled_square(1e-7, 0.5, defaults));
    // A backward 50% wrong fails either way.
    CHECK_FALSE(check_scaled_square(1.0, 0.5, defaults));
    CHECK_FALSE(check_scaled_square(1.0, 0.5, table_tolerances()));
}

TEST_CASE("gradcheck: errors name the input, the element and the dtype", "[gradcheck][autograd][errors]") {
    auto fn = [](const TL& xs) { return ScaledSquare::apply(xs[0], 1.0, 0.5); };
    Tensor x = rand_tensor({3}, 0.5, 1.5, 3).requires_grad_();
    require_throws_with<ember::AutogradError>(
        [&] { ember::autograd::gradcheck(fn, {x}); },
        {"gradcheck: Jacobian mismatch for input 0", "element 0", "analytic", "numerical", "atol 1e-05", "rtol 0.001"});
    // gradcheck wants float64.
    require_throws_with<ember::DTypeError>(
        [&] { ember::autograd::gradcheck(fn, {ember::ones({2}, ember::requires_grad())}); },
        {"gradcheck: inputs must be float64", "Tensor[2] float32 cpu"});
    require_throws_with<ember::DTypeError>(
        [&] { ember::autograd::gradcheck([](const TL& xs) { return xs[0].to(ember::kFloat32); }, {x}); },
        {"gradcheck: the function must return float64", "Tensor[3] float32 cpu"});
}
