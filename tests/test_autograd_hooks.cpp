// Tensor::register_hook on leaves and computed tensors (gradients in closed form: for
// L = sum(w * w), dL/dw = 2 w), hook order and removal; and the grad-mode guards libtorch programs
// use: AutoGradMode, InferenceMode, GradMode::is_enabled.
#include <vector>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

namespace {
Tensor leaf(std::vector<double> v) { return ember::tensor(v, ember::dtype(ember::kFloat64)).requires_grad_(); }
std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }
}  // namespace

TEST_CASE("register_hook on a leaf: replaces the gradient before it reaches .grad", "[autograd][hooks]") {
    Tensor w = leaf({1, 2});
    std::vector<std::vector<double>> seen;
    const unsigned times_ten = w.register_hook([](Tensor g) { return g * 10; });
    const unsigned observe = w.register_hook([&](Tensor g) { seen.push_back(vals(g)); });
    REQUIRE(times_ten == 0);  // positions, as libtorch returns them
    REQUIRE(observe == 1);
    (w * w).sum().backward();
    // 2 w = (2, 4); the first hook makes it (20, 40), the observer sees that, .grad gets it.
    REQUIRE(seen == std::vector<std::vector<double>>{{20, 40}});
    REQUIRE(vals(w.grad()) == std::vector<double>{20, 40});

    // A hook on a leaf sees the incoming gradient only, not what .grad holds already: after
    // removing the x10 hook, a second backward adds (2, 4) to (20, 40).
    w.remove_hook(times_ten);
    (w * w).sum().backward();
    REQUIRE(seen.back() == std::vector<double>{2, 4});
    REQUIRE(vals(w.grad()) == std::vector<double>{22, 44});
    // The other position stays valid; a removed or unknown position is an error.
    w.remove_hook(observe);
    require_throws_with<ember::IndexError>([&] { w.remove_hook(times_ten); }, {"remove_hook", "position 0"});
    require_throws_with<ember::IndexError>([&] { w.remove_hook(7); }, {"remove_hook", "position 7"});
    (w * w).sum().backward();
    REQUIRE(seen.size() == 2);
}

TEST_CASE("register_hook: hooks run in registration order, each on the previous result", "[autograd][hooks]") {
    Tensor a = leaf({1, 2}), b = leaf({1, 2});
    a.register_hook([](Tensor g) { return g * 10; });
    a.register_hook([](Tensor g) { return g + 1; });
    b.register_hook([](Tensor g) { return g + 1; });
    b.register_hook([](Tensor g) { return g * 10; });
    (a * a).sum().backward();
    (b * b).sum().backward();
    REQUIRE(vals(a.grad()) == std::vector<double>{21, 41});  // (2, 4) * 10 + 1
    REQUIRE(vals(b.grad()) == std::vector<double>{30, 50});  // ((2, 4) + 1) * 10
}

TEST_CASE("register_hook on a computed tensor: the replacement flows on to the inputs", "[autograd][hooks]") {
    // b = 2 a, L = sum(b^2): dL/db = 2 b = (4, 8); the hook adds 1, so dL/da = 2 (5, 9).
    Tensor a = leaf({1, 2});
    Tensor b = a * 2;
    b.retain_grad();
    b.register_hook([](Tensor g) { return g + 1; });
    (b * b).sum().backward();
    REQUIRE(vals(a.grad()) == std::vector<double>{10, 18});
    // retain_grad's .grad is the gradient after the hooks (PyTorch 2's order; see porting.md).
    REQUIRE(vals(b.grad()) == std::vector<double>{5, 9});

    // A tensor used twice gets one call, with the summed gradient: y = 3 x,
    // L = sum(y) + sum(y^2), dL/dy = 1 + 2 y.
    Tensor x = leaf({1, -1});
    Tensor y = x * 3;
    int calls = 0;
    std::vector<double> got;
    y.register_hook([&](Tensor g) {
        ++calls;
        got = vals(g);
    });
    (y.sum() + (y * y).sum()).backward();
    REQUIRE(calls == 1);
    REQUIRE(got == std::vector<double>{7, -5});
    REQUIRE(vals(x.grad()) == std::vector<double>{21, -15});
}

TEST_CASE("register_hook: autograd::grad, graphs built before the hook, and bad hooks", "[autograd][hooks]") {
    // autograd::grad returns the gradient after the input's hooks, leaf or not.
    Tensor c = leaf({1, 2});
    c.register_hook([](Tensor g) { return g * 100; });
    REQUIRE(vals(ember::autograd::grad({(c * c).sum()}, {c})[0]) == std::vector<double>{200, 400});
    REQUIRE_FALSE(c.grad().defined());  // grad() leaves .grad alone
    Tensor d0 = leaf({1, 2});
    Tensor d = d0 * 1;
    d.register_hook([](Tensor g) { return g * 100; });
    REQUIRE(vals(ember::autograd::grad({(d * d).sum()}, {d})[0]) == std::vector<double>{200, 400});

    // A hook registered after the graph that uses the leaf was recorded still runs.
    Tensor w = leaf({3, 4});
    Tensor loss = (w * w).sum();
    w.register_hook([](Tensor g) { return -g; });
    loss.backward();
    REQUIRE(vals(w.grad()) == std::vector<double>{-6, -8});

    // No hook on a tensor that cannot receive a gradient; a hook must keep the shape.
    Tensor plain = ember::ones({2});
    require_throws_with<ember::AutogradError>([&] { plain.register_hook([](Tensor g) { return g; }); },
                                              {"register_hook", "does not require grad"});
    Tensor v = leaf({1, 2});
    v.register_hook([](Tensor g) { return g.sum(); });
    require_throws_with<ember::ShapeError>([&] { (v * v).sum().backward(); }, {"register_hook", "shape"});
}

TEST_CASE("AutoGradMode, InferenceMode and GradMode::is_enabled, as libtorch's guards", "[autograd][hooks]") {
    Tensor x = leaf({1, 2});
    REQUIRE(ember::GradMode::is_enabled());
    {
        ember::AutoGradMode off(false);
        REQUIRE_FALSE(ember::GradMode::is_enabled());
        REQUIRE_FALSE((x * 2).requires_grad());
        {
            ember::AutoGradMode on(true);
            REQUIRE((x * 2).requires_grad());
        }
        REQUIRE_FALSE(ember::GradMode::is_enabled());
    }
    {
        ember::NoGradGuard no_grad;
        ember::AutoGradMode on(true);
        REQUIRE((x * 2).requires_grad());
    }
    REQUIRE(ember::GradMode::is_enabled());

    REQUIRE_FALSE(ember::InferenceMode::is_enabled());
    {
        ember::InferenceMode guard;
        REQUIRE(ember::InferenceMode::is_enabled());
        REQUIRE_FALSE(ember::GradMode::is_enabled());
        Tensor y = x * 2;
        REQUIRE_FALSE(y.requires_grad());
        REQUIRE(y.grad_fn() == nullptr);
        {
            ember::InferenceMode normal(false);  // libtorch: grad mode back on inside
            REQUIRE_FALSE(ember::InferenceMode::is_enabled());
            REQUIRE((x * 2).requires_grad());
        }
        REQUIRE(ember::InferenceMode::is_enabled());
    }
    REQUIRE_FALSE(ember::InferenceMode::is_enabled());
    REQUIRE(ember::GradMode::is_enabled());
    REQUIRE((x * 2).requires_grad());
}
