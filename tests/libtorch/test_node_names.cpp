// grad_fn()->name() of the elementwise ops against libtorch: the same call in both frameworks
// must record a node of the same name (AddBackward0 for a + b, AddBackward1 for a + 2.0, ...).
// libtorch's headers first, Catch2 with CATCH_CONFIG_PREFIX_ALL (see test_differential.cpp).
#include <torch/torch.h>

#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace {

using ETensor = ember::Tensor;
using TTensor = at::Tensor;

// One call written for both frameworks: x and y are leaves requiring grad, values in [0.5, 1.5).
struct NameRow {
    const char* what;
    std::function<ETensor(const ETensor&, const ETensor&)> ember_fn;
    std::function<TTensor(const TTensor&, const TTensor&)> torch_fn;
};

std::string node_name(const ETensor& t) { return t.grad_fn() ? t.grad_fn()->name() : "(none)"; }
std::string node_name(const TTensor& t) { return t.grad_fn() ? t.grad_fn()->name() : "(none)"; }

// The node of the first-order gradient of sum(f(x)) recorded with create_graph.
template <typename F>
std::string grad_node(F f, const ETensor& x) {
    return node_name(ember::autograd::grad({f(x).sum()}, {x}, {}, std::nullopt, true)[0]);
}
template <typename F>
std::string grad_node(F f, const TTensor& x) {
    return node_name(torch::autograd::grad({f(x).sum()}, {x}, {}, true, true)[0]);
}

}  // namespace

CATCH_TEST_CASE("node names: every elementwise op records libtorch's grad_fn name", "[libtorch][names]") {
    // clang-format off
    const std::vector<NameRow> rows = {
        {"x + y", [](auto& x, auto& y) { return x + y; }, [](auto& x, auto& y) { return x + y; }},
        {"x.add(y, 2)", [](auto& x, auto& y) { return x.add(y, 2); }, [](auto& x, auto& y) { return x.add(y, 2); }},
        {"x + 2.0", [](auto& x, auto&) { return x + 2.0; }, [](auto& x, auto&) { return x + 2.0; }},
        {"2.0 + x", [](auto& x, auto&) { return 2.0 + x; }, [](auto& x, auto&) { return 2.0 + x; }},
        {"x - y", [](auto& x, auto& y) { return x - y; }, [](auto& x, auto& y) { return x - y; }},
        {"x - 2.0", [](auto& x, auto&) { return x - 2.0; }, [](auto& x, auto&) { return x - 2.0; }},
        {"2.0 - x", [](auto& x, auto&) { return 2.0 - x; }, [](auto& x, auto&) { return 2.0 - x; }},
        {"x * y", [](auto& x, auto& y) { return x * y; }, [](auto& x, auto& y) { return x * y; }},
        {"x * 2.0", [](auto& x, auto&) { return x * 2.0; }, [](auto& x, auto&) { return x * 2.0; }},
        {"2.0 * x", [](auto& x, auto&) { return 2.0 * x; }, [](auto& x, auto&) { return 2.0 * x; }},
        {"x / y", [](auto& x, auto& y) { return x / y; }, [](auto& x, auto& y) { return x / y; }},
        {"x / 2.0", [](auto& x, auto&) { return x / 2.0; }, [](auto& x, auto&) { return x / 2.0; }},
        {"2.0 / x", [](auto& x, auto&) { return 2.0 / x; }, [](auto& x, auto&) { return 2.0 / x; }},
        {"-x", [](auto& x, auto&) { return -x; }, [](auto& x, auto&) { return -x; }},
        {"x.pow(2.0)", [](auto& x, auto&) { return x.pow(2.0); }, [](auto& x, auto&) { return x.pow(2.0); }},
        {"x.pow(y)", [](auto& x, auto& y) { return x.pow(y); }, [](auto& x, auto& y) { return x.pow(y); }},
        {"pow(2.0, x)", [](auto& x, auto&) { return ember::pow(2.0, x); }, [](auto& x, auto&) { return torch::pow(2.0, x); }},
        {"square", [](auto& x, auto&) { return x.square(); }, [](auto& x, auto&) { return x.square(); }},
        {"reciprocal", [](auto& x, auto&) { return x.reciprocal(); }, [](auto& x, auto&) { return x.reciprocal(); }},
        {"exp", [](auto& x, auto&) { return x.exp(); }, [](auto& x, auto&) { return x.exp(); }},
        {"log", [](auto& x, auto&) { return x.log(); }, [](auto& x, auto&) { return x.log(); }},
        {"log1p", [](auto& x, auto&) { return x.log1p(); }, [](auto& x, auto&) { return x.log1p(); }},
        {"sqrt", [](auto& x, auto&) { return x.sqrt(); }, [](auto& x, auto&) { return x.sqrt(); }},
        {"rsqrt", [](auto& x, auto&) { return x.rsqrt(); }, [](auto& x, auto&) { return x.rsqrt(); }},
        {"abs", [](auto& x, auto&) { return x.abs(); }, [](auto& x, auto&) { return x.abs(); }},
        {"sign", [](auto& x, auto&) { return x.sign(); }, [](auto& x, auto&) { return x.sign(); }},
        {"sin", [](auto& x, auto&) { return x.sin(); }, [](auto& x, auto&) { return x.sin(); }},
        {"cos", [](auto& x, auto&) { return x.cos(); }, [](auto& x, auto&) { return x.cos(); }},
        {"sigmoid", [](auto& x, auto&) { return x.sigmoid(); }, [](auto& x, auto&) { return x.sigmoid(); }},
        {"log_sigmoid", [](auto& x, auto&) { return ember::log_sigmoid(x); }, [](auto& x, auto&) { return torch::log_sigmoid(x); }},
        {"tanh", [](auto& x, auto&) { return x.tanh(); }, [](auto& x, auto&) { return x.tanh(); }},
        {"relu", [](auto& x, auto&) { return x.relu(); }, [](auto& x, auto&) { return x.relu(); }},
        {"softplus", [](auto& x, auto&) { return ember::softplus(x, 2.0, 20); }, [](auto& x, auto&) { return torch::softplus(x, 2.0, 20); }},
        {"silu", [](auto& x, auto&) { return ember::silu(x); }, [](auto& x, auto&) { return torch::silu(x); }},
        {"clamp(x, lo, hi)", [](auto& x, auto&) { return ember::clamp(x, 0.7, 1.2); }, [](auto& x, auto&) { return torch::clamp(x, 0.7, 1.2); }},
        {"clamp(x, lo, none)", [](auto& x, auto&) { return ember::clamp(x, 0.7, std::nullopt); }, [](auto& x, auto&) { return torch::clamp(x, 0.7, c10::nullopt); }},
        {"clamp_min", [](auto& x, auto&) { return ember::clamp_min(x, 0.7); }, [](auto& x, auto&) { return torch::clamp_min(x, 0.7); }},
        {"clamp_max", [](auto& x, auto&) { return ember::clamp_max(x, 0.7); }, [](auto& x, auto&) { return torch::clamp_max(x, 0.7); }},
        {"maximum", [](auto& x, auto& y) { return ember::maximum(x, y); }, [](auto& x, auto& y) { return torch::maximum(x, y); }},
        {"minimum", [](auto& x, auto& y) { return ember::minimum(x, y); }, [](auto& x, auto& y) { return torch::minimum(x, y); }},
        {"where", [](auto& x, auto& y) { return ember::where(x > 1.0, x, y); }, [](auto& x, auto& y) { return torch::where(x > 1.0, x, y); }},
        {"sigmoid_backward", [](auto& x, auto& y) { return ember::sigmoid_backward(x, y); }, [](auto& x, auto& y) { return torch::sigmoid_backward(x, y); }},
        {"threshold_backward", [](auto& x, auto& y) { return ember::threshold_backward(x, y, 1.0); }, [](auto& x, auto& y) { return torch::threshold_backward(x, y, 1.0); }},
        {"softplus_backward", [](auto& x, auto& y) { return ember::softplus_backward(x, y, 2.0, 1.0); }, [](auto& x, auto& y) { return torch::softplus_backward(x, y, 2.0, 1.0); }},
        // In-place ops take the out-of-place op's node.
        {"(x * 1).add_(2.0)", [](auto& x, auto&) { return (x * 1.0).add_(2.0); }, [](auto& x, auto&) { return (x * 1.0).add_(2.0); }},
        {"(x * 1).mul_(y)", [](auto& x, auto& y) { return (x * 1.0).mul_(y); }, [](auto& x, auto& y) { return (x * 1.0).mul_(y); }},
        {"(x * 1).clamp_(lo, hi)", [](auto& x, auto&) { return (x * 1.0).clamp_(0.7, 1.2); }, [](auto& x, auto&) { return (x * 1.0).clamp_(0.7, 1.2); }},
    };
    // clang-format on
    const std::vector<double> xv = {0.6, 1.1, 1.4}, yv = {1.3, 0.9, 0.55};
    for (const NameRow& row : rows) {
        CATCH_INFO(row.what);
        ETensor ex = ember::tensor(xv, ember::dtype(ember::kFloat64)).requires_grad_();
        ETensor ey = ember::tensor(yv, ember::dtype(ember::kFloat64)).requires_grad_();
        TTensor tx = torch::tensor(xv, torch::kFloat64).requires_grad_();
        TTensor ty = torch::tensor(yv, torch::kFloat64).requires_grad_();
        CATCH_CHECK(node_name(row.ember_fn(ex, ey)) == node_name(row.torch_fn(tx, ty)));
    }
}

CATCH_TEST_CASE("node names: the gradients of sigmoid, relu and softplus with create_graph", "[libtorch][names]") {
    const std::vector<double> xv = {-1.2, 0.3, 2.0};
    ETensor ex = ember::tensor(xv, ember::dtype(ember::kFloat64)).requires_grad_();
    TTensor tx = torch::tensor(xv, torch::kFloat64).requires_grad_();
    auto e_sigmoid = [](const ETensor& t) { return t.sigmoid(); };
    auto t_sigmoid = [](const TTensor& t) { return t.sigmoid(); };
    auto e_relu = [](const ETensor& t) { return t.relu(); };
    auto t_relu = [](const TTensor& t) { return t.relu(); };
    auto e_softplus = [](const ETensor& t) { return ember::softplus(t, 1.0, 20.0); };
    auto t_softplus = [](const TTensor& t) { return torch::softplus(t, 1.0, 20.0); };
    auto e_silu = [](const ETensor& t) { return ember::silu(t); };
    auto t_silu = [](const TTensor& t) { return torch::silu(t); };
    CATCH_CHECK(grad_node(e_sigmoid, ex) == grad_node(t_sigmoid, tx));
    CATCH_CHECK(grad_node(e_relu, ex) == grad_node(t_relu, tx));
    CATCH_CHECK(grad_node(e_softplus, ex) == grad_node(t_softplus, tx));
    CATCH_CHECK(grad_node(e_silu, ex) == grad_node(t_silu, tx));
    CATCH_CHECK(grad_node(e_sigmoid, ex) == "SigmoidBackwardBackward0");
}
