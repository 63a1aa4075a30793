// Autograd behaviour: leaves and grad_fn, accumulation, retain_grad, backward with a gradient,
// autograd::grad (create_graph, allow_unused), grad mode and its thread locality, detach, deep
// graphs, freed buffers, version checks, in-place rules and custom Functions.
#include <cmath>
#include <thread>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

namespace {
Tensor leaf(std::vector<double> v) { return ember::tensor(v, ember::dtype(ember::kFloat64)).requires_grad_(); }
}  // namespace

TEST_CASE("a node keeps every edge, inline (up to two) or on the heap (more)", "[autograd]") {
    Tensor a = leaf({1, 2}), b = leaf({3, 4}), c = leaf({5, 6});
    Tensor two = ember::cat({a, b}, 0);
    REQUIRE(two.grad_fn()->next_edges.size() == 2);
    Tensor three = ember::cat({a, b, c}, 0);
    const auto& edges = three.grad_fn()->next_edges;
    REQUIRE(edges.size() == 3);
    for (const auto& e : edges) REQUIRE(e.valid());
    REQUIRE(edges[2].fn->name() == "AccumulateGrad");  // c is a leaf
    (three * ember::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, ember::dtype(ember::kFloat64))).sum().backward();
    REQUIRE(a.grad().to_vector<double>() == std::vector<double>{1, 2});
    REQUIRE(b.grad().to_vector<double>() == std::vector<double>{3, 4});
    REQUIRE(c.grad().to_vector<double>() == std::vector<double>{5, 6});
}

TEST_CASE("add/sub/mul/div sum a broadcast operand's gradient back to its shape", "[autograd]") {
    // The backward of these ops keeps an operand's shape only when broadcasting changed it.
    Tensor x = ember::ones({2, 3}, ember::dtype(ember::kFloat64)).requires_grad_();
    Tensor r = ember::full({3}, 2.0, ember::dtype(ember::kFloat64)).requires_grad_();
    Tensor y = ((x + r) - r * 0.5) * r / r;
    y.sum().backward();
    REQUIRE(x.grad().sizes() == x.sizes());
    REQUIRE(r.grad().sizes() == r.sizes());
    REQUIRE(x.grad().allclose(ember::ones({2, 3}, ember::dtype(ember::kFloat64))));
    REQUIRE(r.grad().allclose(ember::full({3}, 1.0, ember::dtype(ember::kFloat64))));  // d/dr sum(x + r/2) = 2 * 0.5
}

TEST_CASE("requires_grad, is_leaf and grad_fn", "[autograd]") {
    Tensor a = leaf({1, 2, 3});
    Tensor c = ember::tensor({1.0, 1.0, 1.0}, ember::dtype(ember::kFloat64));
    REQUIRE(a.requires_grad());
    REQUIRE(a.is_leaf());
    REQUIRE(a.grad_fn() == nullptr);
    REQUIRE_FALSE(c.requires_grad());
    Tensor y = a * c;
    REQUIRE(y.requires_grad());
    REQUIRE_FALSE(y.is_leaf());
    REQUIRE(y.grad_fn() != nullptr);
    REQUIRE(y.grad_fn()->name() == "MulBackward0");
    REQUIRE(y.grad_fn()->next_edges.size() == 2);
    REQUIRE(y.grad_fn()->next_edges[0].valid());
    REQUIRE_FALSE(y.grad_fn()->next_edges[1].valid());  // c needs no gradient
    Tensor z = c + c;
    REQUIRE_FALSE(z.requires_grad());
    REQUIRE(z.grad_fn() == nullptr);
    // Integer tensors cannot require grad.
    REQUIRE_THROWS_AS(ember::tensor(std::vector<int64_t>{1}).requires_grad_(), ember::DTypeError);
    c.requires_grad_();
    REQUIRE(c.requires_grad());
    c.requires_grad_(false);
    REQUIRE_FALSE(c.requires_grad());
}

TEST_CASE("gradients accumulate into leaves across backward calls", "[autograd]") {
    // y = sum(a^2 * b), dy/da = 2 a b, dy/db = a^2
    Tensor a = leaf({1, -2, 3}), b = leaf({0.5, 4, -1});
    Tensor y = (a * a * b).sum();
    y.backward();
    require_tensor(a.grad(), {3}, {1, -16, -6}, 1e-15, 0, "da");
    require_tensor(b.grad(), {3}, {1, 4, 9}, 1e-15, 0, "db");
    REQUIRE_FALSE(a.grad().requires_grad());
    (a * a * b).sum().backward();
    require_tensor(a.grad(), {3}, {2, -32, -12}, 1e-15, 0, "da twice");
    // A leaf used twice in one graph receives the sum of both paths: d(a*a + 3a) = 2a + 3.
    Tensor c = leaf({1, 2});
    (c * c + c * 3.0).sum().backward();
    require_tensor(c.grad(), {2}, {5, 7}, 1e-15, 0, "two paths");
    // zeroing by hand, as optimizers do
    c.grad().zero_();
    (c * 2.0).sum().backward();
    require_tensor(c.grad(), {2}, {2, 2}, 0, 0, "after zero_");
    // set_grad(undefined) clears it
    c.set_grad(Tensor());
    REQUIRE_FALSE(c.grad().defined());
}

TEST_CASE("retain_grad on a non-leaf; non-leaves have no grad by default", "[autograd]") {
    Tensor x = leaf({1, 2, 3});
    Tensor h = x * 2.0;
    Tensor k = h + 1.0;
    h.retain_grad();
    REQUIRE(h.retains_grad());
    Tensor y = (k * k).sum();  // dy/dk = 2k, dy/dh = 2k
    y.backward();
    require_tensor(h.grad(), {3}, {6, 10, 14}, 1e-15, 0, "h.grad");
    REQUIRE_FALSE(k.grad().defined());
    require_tensor(x.grad(), {3}, {12, 20, 28}, 1e-15, 0, "x.grad");
}

TEST_CASE("backward with an explicit gradient for a non-scalar output", "[autograd]") {
    Tensor x = leaf({1, 2, 3});
    Tensor y = x * x;  // dy_i/dx_i = 2 x_i
    y.backward(ember::tensor({1.0, 0.5, -1.0}, ember::dtype(ember::kFloat64)));
    require_tensor(x.grad(), {3}, {2, 2, -6}, 1e-15, 0, "weighted");
    // Broadcast op: gradient of a [2, 3] output summed back to the [3] input.
    Tensor b = leaf({1, 1, 1});
    Tensor m = ember::ones({2, 3}, ember::dtype(ember::kFloat64)) * b;
    m.backward(ember::tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, ember::dtype(ember::kFloat64)));
    require_tensor(b.grad(), {3}, {5, 7, 9}, 0, 0, "sum to size");
    // autograd::backward with several roots
    Tensor p = leaf({2.0});
    ember::autograd::backward({p * 3.0, p * p}, {});
    require_tensor(p.grad(), {1}, {7}, 0, 0, "two roots");
}

TEST_CASE("autograd::grad: first and second derivatives, allow_unused", "[autograd]") {
    // f(x) = x^3 sin(x): f' = 3x^2 sin x + x^3 cos x, f'' = 6x sin x + 6x^2 cos x - x^3 sin x
    std::vector<double> xs = {0.3, -1.2, 2.0};
    Tensor x = leaf(xs);
    Tensor f = (x.pow(3.0) * x.sin()).sum();
    auto g = ember::autograd::grad({f}, {x}, {}, std::nullopt, true);
    REQUIRE(g[0].requires_grad());
    REQUIRE_FALSE(x.grad().defined());  // grad() does not touch .grad
    std::vector<double> w1, w2;
    for (double v : xs) {
        w1.push_back(3 * v * v * std::sin(v) + v * v * v * std::cos(v));
        w2.push_back(6 * v * std::sin(v) + 6 * v * v * std::cos(v) - v * v * v * std::sin(v));
    }
    require_tensor(g[0], {3}, w1, 1e-12, 1e-14, "f'");
    auto gg = ember::autograd::grad({g[0].sum()}, {x});
    require_tensor(gg[0], {3}, w2, 1e-12, 1e-14, "f''");
    REQUIRE_FALSE(gg[0].requires_grad());

    // Without create_graph the result carries no history.
    Tensor y = leaf({1.0, 2.0});
    auto g1 = ember::autograd::grad({(y * y).sum()}, {y});
    REQUIRE_FALSE(g1[0].requires_grad());
    require_tensor(g1[0], {2}, {2, 4}, 0, 0, "2y");

    // Unused input: an error unless allow_unused, then an undefined gradient.
    Tensor u = leaf({1.0});
    Tensor out = (y * 2.0).sum();
    REQUIRE_THROWS_AS(ember::autograd::grad({out}, {y, u}, {}, true), ember::AutogradError);
    auto gu = ember::autograd::grad({out}, {y, u}, {}, std::nullopt, false, true);
    REQUIRE(gu[0].defined());
    REQUIRE_FALSE(gu[1].defined());
    require_tensor(gu[0], {2}, {2, 2}, 0, 0, "used");

    // grad with respect to a non-leaf intermediate, with an explicit grad_output.
    Tensor a = leaf({1.0, 2.0});
    Tensor h = a.exp();
    Tensor z = h * 3.0;
    auto gh = ember::autograd::grad({z}, {h}, {ember::tensor({1.0, 2.0}, ember::dtype(ember::kFloat64))});
    require_tensor(gh[0], {2}, {3, 6}, 0, 0, "dz/dh");
}

TEST_CASE("NoGradGuard disables recording in its scope and thread only", "[autograd]") {
    Tensor x = leaf({1, 2});
    REQUIRE(ember::GradMode::is_enabled());
    {
        ember::NoGradGuard guard;
        REQUIRE_FALSE(ember::GradMode::is_enabled());
        Tensor y = x * 2.0;
        REQUIRE_FALSE(y.requires_grad());
        REQUIRE(y.grad_fn() == nullptr);
        // Another thread has its own grad mode: it still records.
        bool other_records = false, other_enabled = false;
        std::thread t([&] {
            other_enabled = ember::GradMode::is_enabled();
            Tensor z = x * 3.0;
            other_records = z.requires_grad() && z.grad_fn() != nullptr;
        });
        t.join();
        REQUIRE(other_enabled);
        REQUIRE(other_records);
        {
            ember::EnableGradGuard enable;
            REQUIRE((x * 2.0).requires_grad());
        }
        REQUIRE_FALSE(ember::GradMode::is_enabled());
        // A backward called under the guard leaves the guard in force.
        Tensor w = leaf({1.0});
        Tensor v;
        {
            ember::EnableGradGuard enable;
            v = (w * w).sum();
        }
        v.backward();
        REQUIRE_FALSE(ember::GradMode::is_enabled());
        require_tensor(w.grad(), {1}, {2}, 0, 0, "backward under NoGradGuard");
    }
    REQUIRE(ember::GradMode::is_enabled());
    // NoGradGuard inside a thread does not leak to the main thread.
    std::thread t2([] {
        ember::NoGradGuard g;
        (void)g;
    });
    t2.join();
    REQUIRE(ember::GradMode::is_enabled());
}

TEST_CASE("detach shares storage but cuts history", "[autograd]") {
    Tensor x = leaf({1, 2, 3});
    Tensor y = x * 2.0;
    Tensor d = y.detach();
    REQUIRE_FALSE(d.requires_grad());
    REQUIRE(d.grad_fn() == nullptr);
    REQUIRE(d.is_leaf());
    REQUIRE(d.storage() == y.storage());
    // Gradient flows only through the attached path: d/dx sum(y * detach(y)) = detach(y) * 2 = 4x
    // (it would be 8x if the detached factor were differentiated too).
    (y * d).sum().backward();
    require_tensor(x.grad(), {3}, {4, 8, 12}, 0, 0, "through detach");
    Tensor e = x * 1.0;
    e.detach_();
    REQUIRE_FALSE(e.requires_grad());
    REQUIRE(e.is_leaf());
}

TEST_CASE("a chain of 100,000 ops backpropagates and is destroyed without stack overflow", "[autograd]") {
    // 100,000 ops alternating y * c and y + 1: dy/dx = c^50000.
    const double c = 1.0 + 1e-6;
    Tensor x = leaf({1.0});
    {
        Tensor y = x;
        for (int i = 0; i < 100000; ++i) y = (i % 2 == 0) ? y * c : y + 1.0;
        y.backward();
        // y dies here, releasing the whole chain
    }
    require_tensor(x.grad(), {1}, {std::pow(c, 50000)}, 1e-9, 0, "deep chain");
    // A chain that is never differentiated is released just as well.
    {
        Tensor y = x;
        for (int i = 0; i < 100000; ++i) y = y + 1.0;
        REQUIRE(y.item<double>() == 100001.0);
    }
}

TEST_CASE("second backward through freed buffers fails; retain_graph allows it", "[autograd]") {
    Tensor x = leaf({1, 2});
    Tensor y = (x.exp() * x).sum();
    y.backward();
    bool thrown = false;
    try {
        y.backward();
    } catch (const ember::AutogradError& e) {
        thrown = true;
        REQUIRE_THAT(e.what(), Catch::Matchers::Contains("retain_graph"));
        REQUIRE_THAT(e.what(), Catch::Matchers::Contains("second time"));
    }
    REQUIRE(thrown);

    Tensor z = leaf({1, 2});
    Tensor w = (z.exp() * z).sum();
    w.backward({}, true);
    w.backward();  // the first call kept the buffers
    // d(e^z z) = e^z (1 + z), twice
    require_tensor(z.grad(), {2}, {2 * std::exp(1.0) * 2, 2 * std::exp(2.0) * 3}, 1e-14, 0, "retain_graph");
}

TEST_CASE("modifying a saved tensor in place is detected at backward", "[autograd]") {
    Tensor x = leaf({1, 2, 3});
    Tensor h = x * 2.0;  // non-leaf
    Tensor s = h.sin();  // sin saves its input h
    {
        ember::NoGradGuard g;  // modify the saved input without recording
        h.add_(1.0);
    }
    bool thrown = false;
    try {
        s.sum().backward();
    } catch (const ember::AutogradError& e) {
        thrown = true;
        const std::string msg = e.what();
        INFO(msg);
        REQUIRE(msg.find("SinBackward0") != std::string::npos);
        REQUIRE(msg.find("version 1") != std::string::npos);
        REQUIRE(msg.find("version 0") != std::string::npos);
        REQUIRE(msg.find("in-place") != std::string::npos);
    }
    REQUIRE(thrown);

    // A saved output modified in place (exp saves its result).
    Tensor a = leaf({0.5});
    Tensor e = a.exp();
    {
        ember::NoGradGuard g;
        e.mul_(2.0);
    }
    REQUIRE_THROWS_AS(e.sum().backward(), ember::AutogradError);
}

TEST_CASE("in-place ops: forbidden on leaves requiring grad, recorded on non-leaves", "[autograd]") {
    Tensor x = leaf({1, 2, 3});
    const std::vector<std::pair<const char*, std::function<void()>>> ops = {
        {"add_", [&] { x.add_(1.0); }},
        {"mul_", [&] { x.mul_(x); }},
        {"sub_", [&] { x.sub_(1.0); }},
        {"div_", [&] { x.div_(2.0); }},
        {"zero_", [&] { x.zero_(); }},
        {"fill_", [&] { x.fill_(1.0); }},
        {"copy_", [&] { x.copy_(ember::zeros({3}, ember::dtype(ember::kFloat64))); }},
        {"uniform_", [&] { x.uniform_(); }},
        {"normal_", [&] { x.normal_(); }},
        {"bernoulli_", [&] { x.bernoulli_(); }},
        {"clamp_", [&] { x.clamp_(0.0, 1.0); }}};
    for (const auto& [name, run] : ops) {
        INFO(name);
        bool thrown = false;
        try {
            run();
        } catch (const ember::AutogradError& e) {
            thrown = true;
            REQUIRE_THAT(e.what(), Catch::Matchers::Contains(name));
            REQUIRE_THAT(e.what(), Catch::Matchers::Contains("leaf"));
        }
        REQUIRE(thrown);
    }
    REQUIRE(raw_values(x) == std::vector<double>{1, 2, 3});
    // Under NoGradGuard (an optimizer step) it is allowed.
    {
        ember::NoGradGuard g;
        x.sub_(ember::tensor({1.0, 1.0, 1.0}, ember::dtype(ember::kFloat64)), 0.5);
    }
    REQUIRE(raw_values(x) == std::vector<double>{0.5, 1.5, 2.5});

    // On a non-leaf, in-place ops are recorded: y = (x * 2) then y *= x then y += 1
    // -> y = 2 x^2 + 1, dy/dx = 4x.
    Tensor a = leaf({1, 2, 3});
    Tensor y = a * 2.0;
    y.mul_(a);
    y.add_(1.0);
    REQUIRE(y.grad_fn() != nullptr);
    require_tensor(y, {3}, {3, 9, 19}, 0, 0, "in-place values");
    y.sum().backward();
    require_tensor(a.grad(), {3}, {4, 8, 12}, 0, 0, "in-place gradient");
    // clamp_ on a non-leaf: gradient 1 inside the range, 0 outside.
    Tensor b = leaf({-2, 0.5, 2});
    Tensor c = b * 1.0;
    c.clamp_(-1.0, 1.0);
    c.sum().backward();
    require_tensor(b.grad(), {3}, {0, 1, 0}, 0, 0, "clamp_ gradient");
    // copy_ from a tensor requiring grad: the gradient goes to the source.
    Tensor src = leaf({1, 2, 3});
    Tensor dst = ember::zeros({3}, ember::dtype(ember::kFloat64));
    dst.copy_(src);
    (dst * dst).sum().backward();
    require_tensor(src.grad(), {3}, {2, 4, 6}, 0, 0, "copy_ gradient");
}

namespace {
// The custom ReLU from the header comment of include/ember/autograd/function.h.
struct MyReLU : ember::autograd::Function<MyReLU> {
    static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor x) {
        ctx->save_for_backward({x});
        return x.clamp_min(0);
    }
    static std::vector<Tensor> backward(ember::autograd::AutogradContext* ctx, std::vector<Tensor> grad_outputs) {
        Tensor x = ctx->get_saved_variables()[0];
        return {grad_outputs[0] * (x > 0)};
    }
};

// Two tensor inputs, a non-tensor argument and saved_data: y = a * b * k.
struct ScaledMul : ember::autograd::Function<ScaledMul> {
    static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor a, Tensor b, double k) {
        ctx->save_for_backward({a, b});
        ctx->saved_data["k"] = k;
        return a * b * k;
    }
    static std::vector<Tensor> backward(ember::autograd::AutogradContext* ctx, std::vector<Tensor> g) {
        auto s = ctx->get_saved_variables();
        double k = ctx->saved_data["k"].toDouble();
        return {g[0] * s[1] * k, g[0] * s[0] * k};
    }
};
}  // namespace

TEST_CASE("custom Function: a ReLU matches the built-in relu", "[autograd][function]") {
    std::vector<double> v = {-1.5, -0.2, 0.3, 2.0, -3.0, 0.7};
    Tensor a = leaf(v), b = leaf(v);
    Tensor w = ember::tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, ember::dtype(ember::kFloat64));
    Tensor ya = MyReLU::apply(a);
    Tensor yb = b.relu();
    REQUIRE(ya.grad_fn() != nullptr);
    REQUIRE(raw_values(ya) == raw_values(yb));
    (ya * w).sum().backward();
    (yb * w).sum().backward();
    REQUIRE(raw_values(a.grad()) == raw_values(b.grad()));
    require_tensor(a.grad(), {6}, {0, 0, 3, 4, 0, 6}, 0, 0, "custom relu grad");
}

TEST_CASE("custom Function with several inputs, saved_data, and gradcheck", "[autograd][function]") {
    Tensor a = leaf({1, 2}), b = leaf({3, -1});
    Tensor y = ScaledMul::apply(a, b, 0.5);
    require_tensor(y, {2}, {1.5, -1}, 0, 0, "forward");
    y.sum().backward();
    require_tensor(a.grad(), {2}, {1.5, -0.5}, 0, 0, "da");
    require_tensor(b.grad(), {2}, {0.5, 1}, 0, 0, "db");
    REQUIRE(ember::autograd::gradcheck(
        [](const std::vector<Tensor>& x) { return ScaledMul::apply(x[0], x[1], 1.5); },
        {rand_tensor({3}, -1, 1, 1).requires_grad_(), rand_tensor({3}, -1, 1, 2).requires_grad_()}));
    // Without inputs requiring grad nothing is recorded.
    Tensor c = ember::tensor({1.0, 2.0});
    REQUIRE_FALSE(MyReLU::apply(c).requires_grad());
    // A second backward through a custom node without retain_graph is an AutogradError.
    Tensor p = leaf({1.0, -1.0});
    Tensor q = MyReLU::apply(p).sum();
    q.backward();
    REQUIRE_THROWS_AS(q.backward(), ember::AutogradError);
}
