// grad_fn()->name() against libtorch: the same call in both frameworks must record a node of the
// same name (AddBackward0 for a + b, AddBackward1 for a + 2.0, SumBackward1 for x.sum({1}), ...),
// for the elementwise ops, reductions, products, views (unbind, split and chunk included), index
// ops, copies and custom Functions.
// Calls that ember composes from other ops while libtorch has a node of its own (the losses,
// matmul of vectors, logsumexp, var, reshape of a contiguous tensor) are listed in
// docs/derivatives.md; their nodes are those of the ops they are made of.
// libtorch's headers first, Catch2 with CATCH_CONFIG_PREFIX_ALL (see test_differential.cpp).
#include <torch/torch.h>

#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include <cmath>
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
        {"leaky_relu", [](auto& x, auto&) { return ember::leaky_relu(x, 0.2); }, [](auto& x, auto&) { return torch::leaky_relu(x, 0.2); }},
        {"elu", [](auto& x, auto&) { return ember::elu(x, 0.5); }, [](auto& x, auto&) { return torch::elu(x, 0.5); }},
        {"gelu", [](auto& x, auto&) { return ember::gelu(x); }, [](auto& x, auto&) { return torch::gelu(x); }},
        {"gelu tanh", [](auto& x, auto&) { return ember::gelu(x, "tanh"); }, [](auto& x, auto&) { return torch::gelu(x, "tanh"); }},
        {"hardtanh", [](auto& x, auto&) { return ember::hardtanh(x, 0.7, 1.2); }, [](auto& x, auto&) { return torch::hardtanh(x, 0.7, 1.2); }},
        {"leaky_relu_backward", [](auto& x, auto& y) { return ember::leaky_relu_backward(x, y, 0.2, false); }, [](auto& x, auto& y) { return torch::leaky_relu_backward(x, y, 0.2, false); }},
        {"elu_backward", [](auto& x, auto& y) { return ember::elu_backward(x, 1.0, 1.0, 1.0, false, y); }, [](auto& x, auto& y) { return torch::elu_backward(x, 1.0, 1.0, 1.0, false, y); }},
        {"gelu_backward", [](auto& x, auto& y) { return ember::gelu_backward(x, y); }, [](auto& x, auto& y) { return torch::gelu_backward(x, y); }},
        {"hardtanh_backward", [](auto& x, auto& y) { return ember::hardtanh_backward(x, y, 0.7, 1.2); }, [](auto& x, auto& y) { return torch::hardtanh_backward(x, y, 0.7, 1.2); }},
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
        {"relu_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return y.relu_(); }, [](auto& x, auto&) { auto y = x * 1.0; return y.relu_(); }},
        {"sigmoid_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return y.sigmoid_(); }, [](auto& x, auto&) { auto y = x * 1.0; return y.sigmoid_(); }},
        {"tanh_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return ember::tanh_(y); }, [](auto& x, auto&) { auto y = x * 1.0; return torch::tanh_(y); }},
        {"silu_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return ember::silu_(y); }, [](auto& x, auto&) { auto y = x * 1.0; return torch::silu_(y); }},
        {"leaky_relu_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return ember::leaky_relu_(y, 0.2); }, [](auto& x, auto&) { auto y = x * 1.0; return torch::leaky_relu_(y, 0.2); }},
        {"elu_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return ember::elu_(y); }, [](auto& x, auto&) { auto y = x * 1.0; return torch::elu_(y); }},
        {"gelu_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return ember::gelu_(y); }, [](auto& x, auto&) { auto y = x * 1.0; return torch::gelu_(y); }},
        {"hardtanh_(x * 1)", [](auto& x, auto&) { auto y = x * 1.0; return ember::hardtanh_(y); }, [](auto& x, auto&) { auto y = x * 1.0; return torch::hardtanh_(y); }},
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

CATCH_TEST_CASE("node names: the gradients of the activations with create_graph", "[libtorch][names]") {
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
    auto e_leaky = [](const ETensor& t) { return ember::leaky_relu(t, 0.1); };
    auto t_leaky = [](const TTensor& t) { return torch::leaky_relu(t, 0.1); };
    auto e_elu = [](const ETensor& t) { return ember::elu(t, 0.5); };
    auto t_elu = [](const TTensor& t) { return torch::elu(t, 0.5); };
    auto e_gelu = [](const ETensor& t) { return ember::gelu(t, "tanh"); };
    auto t_gelu = [](const TTensor& t) { return torch::gelu(t, "tanh"); };
    auto e_hardtanh = [](const ETensor& t) { return ember::hardtanh(t, -1.0, 1.0); };
    auto t_hardtanh = [](const TTensor& t) { return torch::hardtanh(t, -1.0, 1.0); };
    CATCH_CHECK(grad_node(e_leaky, ex) == grad_node(t_leaky, tx));
    CATCH_CHECK(grad_node(e_elu, ex) == grad_node(t_elu, tx));
    CATCH_CHECK(grad_node(e_gelu, ex) == grad_node(t_gelu, tx));
    CATCH_CHECK(grad_node(e_hardtanh, ex) == grad_node(t_hardtanh, tx));
    CATCH_CHECK(grad_node(e_sigmoid, ex) == "SigmoidBackwardBackward0");
}

namespace {

// Leaves of several shapes, the same values in both frameworks (float64, values in [0.5, 1.5)).
template <typename T>
struct Inputs {
    T x;     // [3, 4]
    T y;     // [4, 5]
    T b;     // [2, 3, 4]
    T c;     // [2, 4, 5]
    T v;     // [4]
    T bias;  // [5]
    T W;     // [5, 4]
    T src;   // [2, 4]
    T idx;   // int64 [2] = {2, 0}
    T gidx;  // int64 [3, 2]
};

std::vector<double> values(int64_t n, double phase) {
    std::vector<double> out;
    for (int64_t i = 0; i < n; ++i) out.push_back(0.5 + std::fmod(0.37 * static_cast<double>(i) + phase, 1.0));
    return out;
}

Inputs<ETensor> ember_inputs() {
    auto leaf = [](std::vector<int64_t> shape, double phase) {
        int64_t n = 1;
        for (int64_t s : shape) n *= s;
        return ember::tensor(values(n, phase), ember::dtype(ember::kFloat64)).reshape(shape).detach().requires_grad_();
    };
    return {leaf({3, 4}, 0.1),
            leaf({4, 5}, 0.2),
            leaf({2, 3, 4}, 0.3),
            leaf({2, 4, 5}, 0.4),
            leaf({4}, 0.5),
            leaf({5}, 0.6),
            leaf({5, 4}, 0.7),
            leaf({2, 4}, 0.8),
            ember::tensor(std::vector<int64_t>{2, 0}),
            ember::tensor(std::vector<int64_t>{0, 1, 2, 3, 1, 1}).reshape({3, 2})};
}

Inputs<TTensor> torch_inputs() {
    auto leaf = [](std::vector<int64_t> shape, double phase) {
        int64_t n = 1;
        for (int64_t s : shape) n *= s;
        return torch::tensor(values(n, phase), torch::kFloat64).reshape(shape).detach().requires_grad_();
    };
    return {leaf({3, 4}, 0.1),
            leaf({4, 5}, 0.2),
            leaf({2, 3, 4}, 0.3),
            leaf({2, 4, 5}, 0.4),
            leaf({4}, 0.5),
            leaf({5}, 0.6),
            leaf({5, 4}, 0.7),
            leaf({2, 4}, 0.8),
            torch::tensor(std::vector<int64_t>{2, 0}),
            torch::tensor(std::vector<int64_t>{0, 1, 2, 3, 1, 1}).reshape({3, 2})};
}

struct ShapedRow {
    const char* what;
    std::function<ETensor(const Inputs<ETensor>&)> ember_fn;
    std::function<TTensor(const Inputs<TTensor>&)> torch_fn;
};

// The same call on both sides, written once: `in` is an Inputs of either framework and `ns` its
// namespace (ember or torch).
#define EMBER_NAME_ROW(what, expr)          \
    ShapedRow {                             \
        what,                               \
            [](const Inputs<ETensor>& in) { \
                namespace ns = ember;       \
                return expr;                \
            },                              \
            [](const Inputs<TTensor>& in) { \
                namespace ns = torch;       \
                return expr;                \
            }                               \
    }

struct Twice : ember::autograd::Function<Twice> {
    static ETensor forward(ember::autograd::AutogradContext*, ETensor x) { return x * 2.0; }
    static std::vector<ETensor> backward(ember::autograd::AutogradContext*, std::vector<ETensor> g) {
        return {g[0] * 2.0};
    }
};
struct TorchTwice : torch::autograd::Function<TorchTwice> {
    static TTensor forward(torch::autograd::AutogradContext*, TTensor x) { return x * 2.0; }
    static std::vector<TTensor> backward(torch::autograd::AutogradContext*, std::vector<TTensor> g) {
        return {g[0] * 2.0};
    }
};

}  // namespace

CATCH_TEST_CASE("node names: reductions, products, views, index ops and copies record libtorch's names",
                "[libtorch][names]") {
    // clang-format off
    const std::vector<ShapedRow> rows = {
        EMBER_NAME_ROW("x.sum()", in.x.sum()),
        EMBER_NAME_ROW("x.sum({1})", in.x.sum({1})),
        EMBER_NAME_ROW("x.sum({0}, true)", in.x.sum({0}, true)),
        EMBER_NAME_ROW("x.mean()", in.x.mean()),
        EMBER_NAME_ROW("x.mean({1})", in.x.mean({1})),
        EMBER_NAME_ROW("x.max()", in.x.max()),
        EMBER_NAME_ROW("x.min()", in.x.min()),
        EMBER_NAME_ROW("max(x, 1)", std::get<0>(ns::max(in.x, 1))),
        EMBER_NAME_ROW("min(x, 0)", std::get<0>(ns::min(in.x, 0))),
        EMBER_NAME_ROW("x.amax({1})", in.x.amax({1})),
        EMBER_NAME_ROW("x.amin({0})", in.x.amin({0})),
        EMBER_NAME_ROW("softmax", ns::softmax(in.x, 1)),
        EMBER_NAME_ROW("log_softmax", ns::log_softmax(in.x, 1)),
        EMBER_NAME_ROW("std", ns::std(in.x, {1})),
        EMBER_NAME_ROW("norm", in.x.norm()),
        ShapedRow{"sum_to_size", [](const Inputs<ETensor>& in) { return ember::sum_to_size(in.x, {1, 4}); },
                  [](const Inputs<TTensor>& in) { return in.x.sum_to_size({1, 4}); }},
        EMBER_NAME_ROW("mm", in.x.mm(in.y)),
        EMBER_NAME_ROW("bmm", in.b.bmm(in.c)),
        EMBER_NAME_ROW("matmul 2-D", in.x.matmul(in.y)),
        EMBER_NAME_ROW("addmm", ns::addmm(in.bias, in.x, in.y)),
        EMBER_NAME_ROW("linear with bias", ns::nn::functional::linear(in.x, in.W, in.bias)),
        EMBER_NAME_ROW("linear without bias", ns::nn::functional::linear(in.x, in.W)),
        EMBER_NAME_ROW("cat", ns::cat({in.x, in.x}, 0)),
        EMBER_NAME_ROW("index_select", in.x.index_select(0, in.idx)),
        EMBER_NAME_ROW("gather", in.x.gather(1, in.gidx)),
        EMBER_NAME_ROW("scatter_add", ns::scatter_add(in.x, 1, in.gidx, in.x.narrow(1, 0, 2))),
        EMBER_NAME_ROW("index_add", ns::index_add(in.x, 0, in.idx, in.src)),
        EMBER_NAME_ROW("view", in.x.view({12})),
        EMBER_NAME_ROW("transpose", in.x.transpose(0, 1)),
        EMBER_NAME_ROW("permute", in.b.permute({2, 0, 1})),
        EMBER_NAME_ROW("expand", in.v.expand({3, 4})),
        EMBER_NAME_ROW("slice", in.x.slice(1, 1, 3)),
        EMBER_NAME_ROW("narrow", in.x.narrow(1, 1, 2)),
        EMBER_NAME_ROW("select", in.x.select(0, 1)),
        EMBER_NAME_ROW("unbind", in.x.unbind(1)[2]),
        EMBER_NAME_ROW("split", in.x.split(3, 1)[1]),
        EMBER_NAME_ROW("chunk", ns::chunk(in.x, 2, 1)[0]),
        EMBER_NAME_ROW("unsqueeze", in.x.unsqueeze(0)),
        EMBER_NAME_ROW("squeeze()", in.x.unsqueeze(0).squeeze()),
        EMBER_NAME_ROW("squeeze(0)", in.x.unsqueeze(0).squeeze(0)),
        EMBER_NAME_ROW("clone", in.x.clone()),
        EMBER_NAME_ROW("contiguous of a transpose", in.x.t().contiguous()),
        EMBER_NAME_ROW("to(float32)", in.x.to(ns::kFloat32)),
        EMBER_NAME_ROW("to(float64), a no-op", in.x.to(ns::kFloat64)),
        EMBER_NAME_ROW("detach", in.x.detach()),
        EMBER_NAME_ROW("sort", std::get<0>(in.x.sort(1))),
        EMBER_NAME_ROW("sort stable", std::get<0>(in.x.sort(true, 0))),
        EMBER_NAME_ROW("topk", std::get<0>(in.x.topk(2))),
        EMBER_NAME_ROW("cumsum", in.x.cumsum(1)),
        EMBER_NAME_ROW("cumprod", in.x.cumprod(0)),
        EMBER_NAME_ROW("masked_fill scalar", in.x.masked_fill(in.x > 1.0, 0.5)),
        EMBER_NAME_ROW("masked_fill tensor", in.x.masked_fill(in.x > 1.0, in.x.sum())),
        EMBER_NAME_ROW("flip", in.x.flip({0})),
        EMBER_NAME_ROW("roll", in.x.roll({1}, {1})),
        EMBER_NAME_ROW("constant_pad_nd", ns::constant_pad_nd(in.x, {1, 1})),
        EMBER_NAME_ROW("norm(3, dim)", in.x.norm(3, {1})),
    };
    // clang-format on
    const Inputs<ETensor> e = ember_inputs();
    const Inputs<TTensor> t = torch_inputs();
    for (const ShapedRow& row : rows) {
        CATCH_INFO(row.what);
        CATCH_CHECK(node_name(row.ember_fn(e)) == node_name(row.torch_fn(t)));
    }
}

CATCH_TEST_CASE("node names: the gradients of slice and select with create_graph", "[libtorch][names]") {
    // d sum(view(x)^2) = view_backward(2 view(x)): the adjoint of the view is an op of its own.
    const std::vector<double> xv = values(12, 0.1);
    ETensor ex = ember::tensor(xv, ember::dtype(ember::kFloat64)).reshape({3, 4}).detach().requires_grad_();
    TTensor tx = torch::tensor(xv, torch::kFloat64).reshape({3, 4}).detach().requires_grad_();
    auto e_slice = [](const ETensor& t) { return t.slice(1, 1, 3).square(); };
    auto t_slice = [](const TTensor& t) { return t.slice(1, 1, 3).square(); };
    auto e_select = [](const ETensor& t) { return t.select(0, 1).square(); };
    auto t_select = [](const TTensor& t) { return t.select(0, 1).square(); };
    CATCH_CHECK(grad_node(e_slice, ex) == grad_node(t_slice, tx));
    CATCH_CHECK(grad_node(e_select, ex) == grad_node(t_select, tx));
}

CATCH_TEST_CASE("node names: a custom Function is CppNode<its type>, in ember's namespace", "[libtorch][names]") {
    ETensor ex = ember::tensor({0.5, 1.5}, ember::dtype(ember::kFloat64)).requires_grad_();
    TTensor tx = torch::tensor({0.5, 1.5}, torch::kFloat64).requires_grad_();
    std::string torch_name =
        node_name(TorchTwice::apply(tx));  // torch::autograd::CppNode<(anonymous namespace)::TorchTwice>
    std::string expected = "ember" + torch_name.substr(std::string("torch").size());
    expected.replace(expected.find("TorchTwice"), std::string("TorchTwice").size(), "Twice");
    CATCH_CHECK(torch_name.rfind("torch::autograd::CppNode<", 0) == 0);
    CATCH_CHECK(node_name(Twice::apply(ex)) == expected);
}
