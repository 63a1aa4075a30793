// A custom Function's context as libtorch's: saved_data holding IValues, backward returning one
// gradient per forward argument, mark_non_differentiable, set_materialize_grads, mark_dirty for an
// in-place op, needs_input_grad; and IValue itself.
#include <string>
#include <vector>

#include "core_test_util.h"

using namespace core_test;
using ember::IValue;
using ember::Tensor;
using ember::autograd::AutogradContext;
using ember::autograd::variable_list;

namespace {
Tensor leaf(std::vector<double> v) { return ember::tensor(v, ember::dtype(ember::kFloat64)).requires_grad_(); }
std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

// y = alpha x^n, with alpha, n, a flag, a name, the sizes and a tensor carried in saved_data.
struct PowerScale : ember::autograd::Function<PowerScale> {
    static Tensor forward(AutogradContext* ctx, Tensor x, double alpha, int64_t n) {
        ctx->saved_data["alpha"] = alpha;
        ctx->saved_data["n"] = n;
        ctx->saved_data["negate"] = false;
        ctx->saved_data["name"] = "power";
        ctx->saved_data["sizes"] = x.sizes();
        ctx->saved_data["x"] = x;
        return x.pow(static_cast<double>(n)) * alpha;
    }
    static variable_list backward(AutogradContext* ctx, variable_list g) {
        const double alpha = ctx->saved_data["alpha"].toDouble();
        const int64_t n = ctx->saved_data["n"].toInt();
        REQUIRE_FALSE(ctx->saved_data["negate"].toBool());
        REQUIRE(ctx->saved_data["name"].toStringRef() == "power");
        REQUIRE(ctx->saved_data["sizes"].toIntVector() == std::vector<int64_t>{2});
        REQUIRE(ctx->saved_data["never set"].isNone());
        Tensor x = ctx->saved_data["x"].toTensor();
        // libtorch's form: one gradient per argument, undefined for alpha and n.
        return {g[0] * x.pow(static_cast<double>(n - 1)) * (alpha * static_cast<double>(n)), Tensor(), Tensor()};
    }
};

// Returns {2 x, argmax(x), (x > 0) as float64}; the last two are not differentiable. Records the
// gradients backward receives.
std::vector<std::vector<bool>> g_defined;
struct WithIndex : ember::autograd::Function<WithIndex> {
    static variable_list forward(AutogradContext* ctx, Tensor x, bool materialize) {
        Tensor idx = x.argmax();
        Tensor mask = (x > 0).to(ember::kFloat64);
        ctx->mark_non_differentiable({idx, mask});
        ctx->set_materialize_grads(materialize);
        return {x * 2, idx, mask};
    }
    static variable_list backward(AutogradContext*, variable_list g) {
        std::vector<bool> d;
        for (const Tensor& t : g) d.push_back(t.defined());
        g_defined.push_back(d);
        if (g[2].defined()) REQUIRE(vals(g[2]) == std::vector<double>{0, 0, 0});
        return {g[0] * 2, Tensor()};
    }
};

// x += y in place, as a custom Function: forward modifies x and returns it.
struct AddInPlace : ember::autograd::Function<AddInPlace> {
    static Tensor forward(AutogradContext* ctx, Tensor x, Tensor y) {
        x.add_(y);
        ctx->mark_dirty({x});
        return x;
    }
    static variable_list backward(AutogradContext*, variable_list g) { return {g[0], g[0]}; }
};

// Modifies x in place but forgets to return it.
struct ForgetsDirty : ember::autograd::Function<ForgetsDirty> {
    static Tensor forward(AutogradContext* ctx, Tensor x) {
        x.mul_(2.0);
        ctx->mark_dirty({x});
        return x * 1.0;
    }
    static variable_list backward(AutogradContext*, variable_list g) { return {g[0]}; }
};

// Returns `count` gradients for its two arguments (a tensor and a double); `extra` defined ones.
struct GradCount : ember::autograd::Function<GradCount> {
    static Tensor forward(AutogradContext* ctx, Tensor x, double count) {
        ctx->saved_data["count"] = count;
        return x * 3.0;
    }
    static variable_list backward(AutogradContext* ctx, variable_list g) {
        const double count = ctx->saved_data["count"].toDouble();
        if (count == 1) return {g[0] * 3.0};                      // ember's older form
        if (count == 2) return {g[0] * 3.0, Tensor()};            // libtorch's
        if (count == 3) return {g[0] * 3.0, Tensor(), Tensor()};  // extra undefined: dropped
        if (count == 4) return {g[0] * 3.0, g[0]};                // a gradient for the double
        return {g[0], g[0], g[0], g[0]};
    }
};

std::vector<bool> g_needs;
struct RecordNeeds : ember::autograd::Function<RecordNeeds> {
    static Tensor forward(AutogradContext* ctx, Tensor a, double, Tensor b) {
        g_needs = {ctx->needs_input_grad(0), ctx->needs_input_grad(1)};
        return a + b;
    }
    static variable_list backward(AutogradContext*, variable_list g) { return {g[0], Tensor(), g[0]}; }
};
}  // namespace

TEST_CASE("IValue: each type round trips, accessors are strict, None by default", "[autograd][function]") {
    REQUIRE(IValue().isNone());
    REQUIRE(IValue(2.5).toDouble() == 2.5);
    REQUIRE(IValue(3).isInt());
    REQUIRE(IValue(int64_t{1} << 40).toInt() == int64_t{1} << 40);
    REQUIRE(IValue(true).toBool());
    const IValue text = std::string("text");
    REQUIRE(text.isString());
    REQUIRE(text.toStringRef() == "text");
    REQUIRE(IValue(std::vector<double>{0.5, 1.5}).toDoubleVector() == std::vector<double>{0.5, 1.5});
    Tensor t = ember::ones({2});
    REQUIRE(IValue(t).toTensor().is_same(t));
    REQUIRE(IValue(2.5).tagKind() == "Double");
    REQUIRE(IValue(t).tagKind() == "Tensor");
    // No silent conversions: an Int is no Double, a Bool no Int.
    require_throws_with<ember::ValueError>([] { IValue(3).toDouble(); }, {"expected Double", "got Int"});
    require_throws_with<ember::ValueError>([] { IValue(true).toInt(); }, {"expected Int", "got Bool"});
    require_throws_with<ember::ValueError>([] { IValue().toTensor(); }, {"expected Tensor", "got None"});
}

TEST_CASE("custom Function: saved_data round-trips every IValue type into backward", "[autograd][function]") {
    Tensor x = leaf({1, -2});
    Tensor y = PowerScale::apply(x, 0.5, int64_t{3});  // 0.5 x^3
    REQUIRE(vals(y) == std::vector<double>{0.5, -4});
    y.sum().backward();
    REQUIRE(vals(x.grad()) == std::vector<double>{1.5, 6});  // 1.5 x^2
}

TEST_CASE("custom Function: backward returns one gradient per argument, as libtorch's", "[autograd][function]") {
    for (double count : {1.0, 2.0, 3.0}) {
        INFO("count " << count);
        Tensor x = leaf({1, 2});
        GradCount::apply(x, count).sum().backward();
        REQUIRE(vals(x.grad()) == std::vector<double>{3, 3});
    }
    Tensor x = leaf({1, 2});
    require_throws_with<ember::AutogradError>([&] { GradCount::apply(x, 4.0).sum().backward(); },
                                              {"GradCount", "position 2", "not a Tensor"});
    require_throws_with<ember::AutogradError>([&] { GradCount::apply(x, 5.0).sum().backward(); },
                                              {"GradCount", "returned 4 gradients", "2 arguments"});

    // needs_input_grad(i) counts Tensor arguments: a needs one, b does not.
    Tensor a = leaf({1}), b = ember::ones({1}, ember::dtype(ember::kFloat64));
    RecordNeeds::apply(a, 2.0, b);
    REQUIRE(g_needs == std::vector<bool>{true, false});
    {
        ember::NoGradGuard no_grad;
        RecordNeeds::apply(a, 2.0, b);
        REQUIRE(g_needs == std::vector<bool>{false, false});
    }
}

TEST_CASE("custom Function: mark_non_differentiable outputs get no gradient; materialize_grads",
          "[autograd][function]") {
    g_defined.clear();
    Tensor x = leaf({-1, 3, 2});
    variable_list out = WithIndex::apply(x, true);
    REQUIRE(out[0].requires_grad());
    REQUIRE_FALSE(out[1].requires_grad());
    REQUIRE(out[1].grad_fn() == nullptr);
    REQUIRE(out[1].item<int64_t>() == 1);
    REQUIRE_FALSE(out[2].requires_grad());  // a float64 output, marked
    out[0].sum().backward();
    REQUIRE(vals(x.grad()) == std::vector<double>{2, 2, 2});
    // Materialized: zeros of each output's shape and dtype for the outputs no gradient reached.
    REQUIRE(g_defined.back() == std::vector<bool>{true, true, true});

    Tensor z = leaf({-1, 3, 2});
    variable_list out2 = WithIndex::apply(z, false);
    out2[0].sum().backward();
    REQUIRE(g_defined.back() == std::vector<bool>{true, false, false});
    REQUIRE(vals(z.grad()) == std::vector<double>{2, 2, 2});
}

TEST_CASE("custom Function: mark_dirty rewrites the history of an input modified in place", "[autograd][function]") {
    Tensor p = leaf({1, 2}), r = leaf({5, 6});
    Tensor q = p * 1.0;
    const uint32_t before = q._version();
    Tensor out = AddInPlace::apply(q, r);
    // The output is q itself, with the custom node as its history; the in-place add and the
    // marking each count as a version, as in libtorch.
    REQUIRE(out.is_same(q));
    REQUIRE(q.grad_fn()->name() == "ember::autograd::CppNode<(anonymous namespace)::AddInPlace>");
    REQUIRE(q._version() == before + 2);
    REQUIRE(vals(q) == std::vector<double>{6, 8});
    // L = sum(q^2) with q = p + r: dL/dp = dL/dr = 2 (p + r).
    (out * out).sum().backward();
    REQUIRE(vals(p.grad()) == std::vector<double>{12, 16});
    REQUIRE(vals(r.grad()) == std::vector<double>{12, 16});

    // A tensor saved by an earlier op before the in-place change is caught at backward.
    Tensor p2 = leaf({1, 2});
    Tensor q2 = p2 * 1.0;
    Tensor sq = q2 * q2;  // saves q2
    AddInPlace::apply(q2, r);
    require_throws_with<ember::AutogradError>([&] { sq.sum().backward(); }, {"modified by an in-place operation"});

    // A leaf requiring grad cannot be modified in place while recording, as in libtorch ...
    Tensor l = leaf({1, 2});
    require_throws_with<ember::AutogradError>([&] { AddInPlace::apply(l, r); }, {"AddInPlace", "leaf", "in-place"});
    // ... but can under NoGradGuard (an optimizer-style update), and nothing is recorded.
    {
        ember::NoGradGuard no_grad;
        Tensor same = AddInPlace::apply(l, r);
        REQUIRE(same.is_same(l));
    }
    REQUIRE(l.is_leaf());
    // A tensor that does not require grad becomes part of the graph through the in-place op.
    Tensor buffer = ember::zeros({2}, ember::dtype(ember::kFloat64));
    AddInPlace::apply(buffer, r);
    REQUIRE(buffer.requires_grad());
    REQUIRE_FALSE(buffer.is_leaf());
    // mark_dirty on a tensor forward does not return is an error.
    Tensor m = leaf({1, 2}) * 1.0;
    require_throws_with<ember::AutogradError>([&] { ForgetsDirty::apply(m); }, {"ForgetsDirty", "mark_dirty"});
}

TEST_CASE("custom Function: InferenceMode records nothing", "[autograd][function]") {
    Tensor x = leaf({1, -2});
    ember::InferenceMode guard;
    Tensor y = PowerScale::apply(x, 2.0, int64_t{2});
    REQUIRE_FALSE(y.requires_grad());
    REQUIRE(y.grad_fn() == nullptr);
    REQUIRE(vals(y) == std::vector<double>{2, 8});
}
