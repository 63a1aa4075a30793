// autograd::Engine::queue_callback (libtorch's final callbacks): they run after the whole graph is
// processed, so a callback queued from a leaf hook sees the leaf's final .grad; in queue order,
// also when queued by another callback; under autograd::grad; and only during a backward.
// Gradients in closed form: for L = sum(w * w), dL/dw = 2 w.
#include <string>
#include <vector>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;
using ember::autograd::Engine;

namespace {
Tensor leaf(std::vector<double> v) { return ember::tensor(v, ember::dtype(ember::kFloat64)).requires_grad_(); }
std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }
}  // namespace

TEST_CASE("queue_callback from a leaf hook: the callback sees every leaf's accumulated .grad",
          "[autograd][callbacks]") {
    // w's hook fires before w's gradient is accumulated into .grad, whatever the order of the
    // leaves: both .grad are final when the callback runs.
    Tensor w = leaf({1, 2}), v = leaf({3});
    w.set_grad(ember::tensor(std::vector<double>{10, 10}, ember::dtype(ember::kFloat64)));
    std::vector<double> w_seen, v_seen;
    w.register_hook([&](const Tensor&) {
        Engine::get_default_engine().queue_callback([&] {
            w_seen = vals(w.grad());
            v_seen = vals(v.grad());
        });
    });
    ((w * w).sum() * v.sum()).backward();            // dL/dw = 2 w v = (6, 12), dL/dv = sum(w^2) = 5
    REQUIRE(w_seen == std::vector<double>{16, 22});  // 10 + 6, 10 + 12
    REQUIRE(v_seen == std::vector<double>{5});
}

TEST_CASE("queue_callback: callbacks run once, in the order queued, callbacks queued by callbacks last",
          "[autograd][callbacks]") {
    Tensor w = leaf({1, 2});
    std::vector<std::string> order;
    w.register_hook([&](const Tensor&) {
        Engine& engine = Engine::get_default_engine();
        engine.queue_callback([&] {
            order.push_back("first");
            Engine::get_default_engine().queue_callback([&] { order.push_back("queued by first"); });
        });
        engine.queue_callback([&] { order.push_back("second"); });
    });
    (w * w).sum().backward();
    REQUIRE(order == std::vector<std::string>{"first", "second", "queued by first"});
    // The next backward starts with an empty list: each callback ran exactly once.
    order.clear();
    (w * w).sum().backward();
    REQUIRE(order == std::vector<std::string>{"first", "second", "queued by first"});
}

TEST_CASE("queue_callback: under autograd::grad, from a computed tensor's hook, and nested backwards",
          "[autograd][callbacks]") {
    Tensor w = leaf({1, 2});
    Tensor b = w * 3;
    int ran = 0;
    b.register_hook([&](const Tensor&) { Engine::get_default_engine().queue_callback([&] { ++ran; }); });
    std::vector<Tensor> g = ember::autograd::grad({(b * b).sum()}, {w});
    REQUIRE(ran == 1);
    REQUIRE(vals(g[0]) == std::vector<double>{18, 36});  // 18 w
    REQUIRE_FALSE(w.grad().defined());                   // autograd::grad leaves .grad alone

    // A backward run inside a hook has its own callbacks: the inner one runs when the inner
    // backward ends (before the outer hook returns), the outer one when the outer backward ends.
    Tensor u = leaf({1}), z = leaf({2});
    std::vector<std::string> order;
    z.register_hook(
        [&](const Tensor&) { Engine::get_default_engine().queue_callback([&] { order.push_back("inner"); }); });
    u.register_hook([&](const Tensor&) {
        Engine::get_default_engine().queue_callback([&] { order.push_back("outer"); });
        ember::AutoGradMode enable(true);  // backward runs its hooks with grad mode off
        (z * z).sum().backward();
        order.push_back("inner backward returned");
    });
    (u * u).sum().backward();
    REQUIRE(order == std::vector<std::string>{"inner", "inner backward returned", "outer"});
}

TEST_CASE("queue_callback outside a backward is an error, and a throwing backward drops its callbacks",
          "[autograd][callbacks]") {
    require_throws_with<ember::AutogradError>([] { Engine::get_default_engine().queue_callback([] {}); },
                                              {"queue_callback", "during backward pass"});

    Tensor w = leaf({1, 2});
    int ran = 0;
    w.register_hook([&](const Tensor&) {
        Engine::get_default_engine().queue_callback([&] { ++ran; });
        throw ember::ValueError("hook failed");
    });
    require_throws_with<ember::ValueError>([&] { (w * w).sum().backward(); }, {"hook failed"});
    REQUIRE(ran == 0);
    // The failed backward's list is gone: queueing outside a backward is an error again.
    require_throws_with<ember::AutogradError>([] { Engine::get_default_engine().queue_callback([] {}); },
                                              {"queue_callback"});
}
