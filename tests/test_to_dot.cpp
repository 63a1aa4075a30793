// autograd::to_dot: the recorded graph as Graphviz DOT. The DOT text is parsed back into node
// labels and arrows and compared with the graph each test builds by hand; the node count is
// compared with an independent walk of next_edges; Graphviz itself checks the syntax.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <unordered_set>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

namespace {

Tensor leaf(std::vector<double> v) { return ember::tensor(v, ember::dtype(ember::kFloat64)).requires_grad_(); }

// The graph a DOT text describes: label of each node id, and the arrows as (from, to) labels.
struct ParsedDot {
    std::map<std::string, std::string> label;  // "n3" -> "MulBackward0\nsaved [3] [3]"
    std::multiset<std::pair<std::string, std::string>> arrows;
    std::multiset<std::string> labels() const {
        std::multiset<std::string> out;
        for (const auto& [id, l] : label) out.insert(l);
        return out;
    }
};

ParsedDot parse(const std::string& dot) {
    ParsedDot g;
    const std::regex node_re(R"re(^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)")re");
    const std::regex edge_re(R"(^\s*(n\d+) -> (n\d+)\s*$)");
    std::istringstream in(dot);
    std::vector<std::pair<std::string, std::string>> edges;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, node_re)) {
            std::string text = m[2], unescaped;
            for (std::size_t i = 0; i < text.size(); ++i) {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    unescaped += text[i + 1] == 'n' ? '\n' : text[i + 1];
                    ++i;
                } else {
                    unescaped += text[i];
                }
            }
            REQUIRE(g.label.emplace(m[1], unescaped).second);  // each node declared once
        } else if (std::regex_match(line, m, edge_re)) {
            edges.emplace_back(m[1], m[2]);
        }
    }
    for (const auto& [from, to] : edges) {
        REQUIRE(g.label.count(from) == 1);
        REQUIRE(g.label.count(to) == 1);
        g.arrows.emplace(g.label.at(from), g.label.at(to));
    }
    return g;
}

// The nodes reachable from t's grad_fn, counted by a walk of its own.
std::size_t reachable_nodes(const Tensor& t) {
    std::unordered_set<const ember::autograd::Node*> seen;
    std::vector<const ember::autograd::Node*> todo = {t.grad_fn().get()};
    while (!todo.empty()) {
        const ember::autograd::Node* n = todo.back();
        todo.pop_back();
        if (!seen.insert(n).second) continue;
        for (const auto& e : n->next_edges)
            if (e.valid()) todo.push_back(e.fn.get());
    }
    return seen.size();
}

}  // namespace

TEST_CASE("to_dot: (a * b).sum() is SumBackward0 <- MulBackward0 <- the two named leaves", "[autograd][dot]") {
    Tensor a = leaf({1, 2, 3}), b = leaf({4, 5, 6});
    Tensor loss = (a * b).sum();
    ParsedDot g = parse(ember::autograd::to_dot(loss, {{"a", a}, {"b", b}}));
    // mul saves both operands (each is the other's gradient factor); sum saves nothing.
    const std::string mul = "MulBackward0\nsaved [3] [3]";
    CHECK(g.labels() == std::multiset<std::string>{"SumBackward0", mul, "a\n[3]", "b\n[3]"});
    CHECK(g.arrows ==
          std::multiset<std::pair<std::string, std::string>>{{"a\n[3]", mul}, {"b\n[3]", mul}, {mul, "SumBackward0"}});
    // Without names a leaf is its node's name and its shape.
    ParsedDot unnamed = parse(ember::autograd::to_dot(loss));
    CHECK(unnamed.labels().count("AccumulateGrad\n[3]") == 2);
}

TEST_CASE("to_dot: a module's named_parameters name the leaves; saved shapes are listed", "[autograd][dot]") {
    ember::nn::Linear lin(3, 2);
    Tensor x = ember::ones({4, 3});
    Tensor loss = lin(x).relu().sum();
    ParsedDot g = parse(ember::autograd::to_dot(loss, lin->named_parameters()));
    // x W^T + b as one addmm: with x not requiring grad only x is saved (for dW = g^T x);
    // relu saves its output [4, 2].
    const std::string addmm = "AddmmBackward0\nsaved [4, 3]", relu = "ReluBackward0\nsaved [4, 2]";
    CHECK(g.labels() == std::multiset<std::string>{"SumBackward0", relu, addmm, "weight\n[2, 3]", "bias\n[2]"});
    CHECK(g.arrows == std::multiset<std::pair<std::string, std::string>>{
                          {"bias\n[2]", addmm}, {"weight\n[2, 3]", addmm}, {addmm, relu}, {relu, "SumBackward0"}});
}

TEST_CASE("to_dot: one box per reachable node; a shared subexpression is drawn once", "[autograd][dot]") {
    Tensor a = leaf({0.5, 1.0}), w = leaf({2.0, 3.0});
    Tensor h = (a * w).exp();                    // used three times below
    Tensor loss = (h * h + h.sin() * w).mean();  // w is used twice, at two depths
    ParsedDot g = parse(ember::autograd::to_dot(loss, {{"a", a}, {"w", w}}));
    CHECK(g.label.size() == reachable_nodes(loss));
    const std::multiset<std::string> labels = g.labels();
    CHECK(labels.count("ExpBackward0\nsaved [2]") == 1);
    CHECK(labels.count("w\n[2]") == 1);
    // h feeds h * h twice and sin once: three arrows leave its one box.
    std::size_t from_exp = 0;
    for (const auto& [from, to] : g.arrows) from_exp += from == "ExpBackward0\nsaved [2]";
    CHECK(from_exp == 3);
}

TEST_CASE("to_dot: a tensor without history gives an empty graph; a leaf gives one box", "[autograd][dot]") {
    CHECK(parse(ember::autograd::to_dot(ember::ones({2}))).label.empty());
    Tensor a = leaf({1, 2});
    ParsedDot g = parse(ember::autograd::to_dot(a, {{"a", a}}));
    CHECK(g.labels() == std::multiset<std::string>{"a\n[2]"});
}

TEST_CASE("to_dot: Graphviz accepts the output", "[autograd][dot]") {
    if (std::system("command -v dot > /dev/null 2>&1") != 0) {
        std::printf("SKIPPED: to_dot through Graphviz: no `dot` on PATH (Debian: apt install graphviz)\n");
        return;
    }
    struct Twice : ember::autograd::Function<Twice> {  // a name with <, >, :: and spaces
        static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor x) {
            ctx->save_for_backward({x});
            return x * 2.0;
        }
        static std::vector<Tensor> backward(ember::autograd::AutogradContext*, std::vector<Tensor> g) {
            return {g[0] * 2.0};
        }
    };
    Tensor a = leaf({1, 2, 3});
    Tensor loss = Twice::apply(a.view({3, 1}).expand({3, 4})).logsumexp({1}).sum();
    const std::string path = "ember_test_to_dot.dot";
    std::ofstream(path) << ember::autograd::to_dot(loss, {{"a \"quoted\" \\ name", a}});
    int rc = std::system(("dot -Tsvg " + path + " -o " + path + ".svg").c_str());
    std::ifstream svg(path + ".svg");
    std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    std::remove(path.c_str());
    std::remove((path + ".svg").c_str());
    CHECK(rc == 0);
    CHECK(text.find("<svg") != std::string::npos);
    CHECK(text.find("CppNode") != std::string::npos);
}

namespace {
// Saves its input five times: more shapes than a node keeps (15 numbers: rank and sizes each).
struct SaveFive : ember::autograd::Function<SaveFive> {
    static Tensor forward(ember::autograd::AutogradContext* ctx, Tensor x) {
        ctx->save_for_backward({x, x, x, x, x});
        return x * 1.0;
    }
    static std::vector<Tensor> backward(ember::autograd::AutogradContext*, std::vector<Tensor> g) { return {g[0]}; }
};
}  // namespace

TEST_CASE("to_dot: a custom Function lists what it saved; shapes beyond the node's room are counted",
          "[autograd][dot]") {
    Tensor a = ember::ones({1, 1, 2}, ember::dtype(ember::kFloat64)).requires_grad_();
    ParsedDot g = parse(ember::autograd::to_dot(SaveFive::apply(a)));
    REQUIRE(g.label.size() == 2);
    std::string fn_label;
    for (const auto& [id, l] : g.label)
        if (l.rfind("ember::autograd::CppNode<", 0) == 0) fn_label = l;
    // 3 + 1 numbers per shape: three fit in 15, two are counted.
    const std::string tail = "SaveFive>\nsaved [1, 1, 2] [1, 1, 2] [1, 1, 2] +2 more";
    REQUIRE(fn_label.size() > tail.size());
    CHECK(fn_label.substr(fn_label.size() - tail.size()) == tail);
}

TEST_CASE("to_dot: an op stopped by anomaly mode leaves no saved shapes to the next node", "[autograd][dot]") {
    Tensor x = leaf({-1, -2});  // log of negatives: NaN, which anomaly mode stops after log saved x
    {
        ember::autograd::DetectAnomalyGuard anomaly;
        REQUIRE_THROWS_AS(ember::log(x), ember::AnomalyError);
    }
    Tensor a = leaf({1, 2, 3}), b = leaf({4, 5, 6});
    ParsedDot g = parse(ember::autograd::to_dot((a * b).sum()));
    // mul saved its two [3] operands and nothing of log's [2].
    CHECK(g.labels().count("MulBackward0\nsaved [3] [3]") == 1);
}
