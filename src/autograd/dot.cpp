// to_dot: the recorded graph as Graphviz DOT (see ember/autograd/dot.h).
#include "ember/autograd/dot.h"

#include <sstream>
#include <unordered_map>

#include "ember/autograd/node.h"

namespace ember::autograd {

namespace {

// A DOT string literal: quotes and backslashes escaped, "\n" kept as DOT's line break.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string node_label(const Node& node, const std::unordered_map<const TensorImpl*, std::string>& names) {
    if (const auto* acc = dynamic_cast<const AccumulateGrad*>(&node)) {
        auto it = names.find(acc->leaf().get());
        return (it != names.end() ? it->second : node.name()) + "\n" + shape_str(acc->leaf()->sizes);
    }
    std::string label = node.name();
    const std::vector<Shape> saved = node.saved_shapes.shapes();
    if (!saved.empty() || node.saved_shapes.dropped() > 0) {
        label += "\nsaved";
        for (const Shape& s : saved) {
            label += ' ';
            label += shape_str(s);
        }
        if (node.saved_shapes.dropped() > 0) {
            label += " +";
            label += std::to_string(node.saved_shapes.dropped());
            label += " more";
        }
    }
    return label;
}

}  // namespace

std::string to_dot(const Tensor& tensor) { return to_dot(tensor, {}); }

std::string to_dot(const Tensor& tensor, const std::vector<std::pair<std::string, Tensor>>& named) {
    std::unordered_map<const TensorImpl*, std::string> names;
    for (const auto& [name, t] : named)
        if (t.defined()) names.emplace(t.impl(), name);

    std::ostringstream dot;
    dot << "digraph {\n"
        << "    node [shape=box fontname=\"monospace\" fontsize=10]\n";
    Edge root = tensor.defined() ? gradient_edge(tensor) : Edge{};
    if (!root.valid()) return dot.str() + "}\n";  // nothing was recorded for this tensor

    // Number the nodes in the order a walk from the root first meets them (an explicit stack,
    // as in the engine: deep graphs must not exhaust the call stack). A node shared by several
    // ops is drawn once, with one arrow per use.
    std::unordered_map<const Node*, std::size_t> id;
    std::vector<const Node*> stack = {root.fn.get()};
    id.emplace(root.fn.get(), 0);
    std::ostringstream edges;
    while (!stack.empty()) {
        const Node* node = stack.back();
        stack.pop_back();
        const std::size_t me = id.at(node);
        const bool is_leaf = dynamic_cast<const AccumulateGrad*>(node) != nullptr;
        dot << "    n" << me << " [label=" << quoted(node_label(*node, names))
            << (is_leaf ? " style=filled fillcolor=lightblue" : "") << "]\n";
        for (const Edge& e : node->next_edges) {
            if (!e.valid()) continue;
            auto [it, inserted] = id.emplace(e.fn.get(), id.size());
            if (inserted) stack.push_back(e.fn.get());
            edges << "    n" << it->second << " -> n" << me << "\n";
        }
    }
    return dot.str() + edges.str() + "}\n";
}

}  // namespace ember::autograd
