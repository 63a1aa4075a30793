// The backward engine: orders the graph topologically with explicit stacks (no recursion, so a
// chain of 100,000 ops is fine), sums the gradients reaching each node, and runs the nodes.
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {

struct Capture {
    Node* node;
    uint32_t output_nr;
    std::size_t slot;
};

void add_to_buffer(Tensor& slot, const Tensor& grad) {
    if (!slot.defined())
        slot = grad;
    else
        slot = slot + grad;  // out of place: with create_graph this sum is itself recorded
}

// Runs backward from `roots` seeded with `root_grads`. With `captures`, the gradients reaching
// the captured (node, output) pairs are written to `captured` and leaves are left untouched
// (autograd::grad); without, leaves accumulate into .grad (Tensor::backward).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads, bool keep_graph,
                  bool create_graph, const std::vector<Capture>* captures, std::vector<Tensor>* captured) {
    std::unordered_map<Node*, std::vector<Tensor>> buffers;
    std::unordered_map<Node*, int> dependencies;
    std::vector<std::shared_ptr<Node>> root_nodes;

    for (std::size_t i = 0; i < roots.size(); ++i) {
        Edge e = gradient_edge(roots[i]);
        EMBER_CHECK(e.valid(), AutogradError, "backward: element ", i, " of the outputs (", describe(roots[i]),
                    ") does not require grad and has no grad_fn");
        const Tensor& g = root_grads[i];
        EMBER_CHECK(g.sizes() == roots[i].sizes(), ShapeError, "backward: gradient of shape ", shape_str(g.sizes()),
                    " does not match output of shape ", shape_str(roots[i].sizes()));
        auto& buf = buffers[e.fn.get()];
        if (buf.size() <= e.input_nr) buf.resize(std::max<std::size_t>(e.input_nr + 1, e.fn->output_meta.size()));
        add_to_buffer(buf[e.input_nr], g);
        root_nodes.push_back(e.fn);
    }

    // Count, for every reachable node, how many edges point at it.
    {
        std::unordered_set<Node*> seen;
        std::vector<Node*> stack;
        for (auto& r : root_nodes)
            if (seen.insert(r.get()).second) stack.push_back(r.get());
        while (!stack.empty()) {
            Node* n = stack.back();
            stack.pop_back();
            for (const Edge& e : n->next_edges) {
                if (!e.valid()) continue;
                ++dependencies[e.fn.get()];
                if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
            }
        }
    }

    std::unordered_map<Node*, std::vector<const Capture*>> capture_at;
    if (captures)
        for (const Capture& c : *captures) capture_at[c.node].push_back(&c);

    std::vector<std::shared_ptr<Node>> ready;
    {
        std::unordered_set<Node*> queued;
        for (auto& r : root_nodes)
            if (dependencies[r.get()] == 0 && queued.insert(r.get()).second) ready.push_back(r);
    }

    // Backward runs with grad mode = create_graph and gives the caller's mode back afterwards
    // (also when called under NoGradGuard, which must stay in force).
    struct Restore {
        bool prev;
        ~Restore() { GradMode::set_enabled(prev); }
    } restore{GradMode::is_enabled()};
    GradMode::set_enabled(create_graph);

    while (!ready.empty()) {
        std::shared_ptr<Node> node = std::move(ready.back());
        ready.pop_back();
        std::vector<Tensor> grads;
        if (auto it = buffers.find(node.get()); it != buffers.end()) {
            grads = std::move(it->second);
            buffers.erase(it);
        }
        std::size_t n_out = std::max<std::size_t>(1, node->output_meta.size());
        grads.resize(std::max(grads.size(), n_out));

        bool any_defined = false;
        for (const Tensor& g : grads) any_defined |= g.defined();

        for (auto& [idx, weak] : node->retained) {
            if (idx >= grads.size() || !grads[idx].defined()) continue;
            if (auto impl = weak.lock()) {
                Tensor g = create_graph ? grads[idx] : grads[idx].detach();
                impl->grad = impl->grad ? (Tensor(impl->grad) + g).impl_ptr() : g.clone().impl_ptr();
            }
        }
        bool is_leaf_node = dynamic_cast<AccumulateGrad*>(node.get()) != nullptr;
        if (captures) {
            if (auto it = capture_at.find(node.get()); it != capture_at.end())
                for (const Capture* c : it->second)
                    if (c->output_nr < grads.size() && grads[c->output_nr].defined())
                        add_to_buffer((*captured)[c->slot], grads[c->output_nr]);
        }

        std::vector<Tensor> input_grads;
        if (any_defined && !(captures && is_leaf_node)) {
            // A node with several outputs receives zeros for the outputs nobody differentiated.
            for (std::size_t i = 0; i < node->output_meta.size(); ++i)
                if (!grads[i].defined()) {
                    const OutputMeta& m = node->output_meta[i];
                    grads[i] = zeros(m.sizes, TensorOptions().dtype(m.dtype).device(m.device));
                }
            input_grads = node->apply(std::move(grads));
            if (!keep_graph) node->release_saved();
        }

        for (std::size_t i = 0; i < node->next_edges.size(); ++i) {
            const Edge& e = node->next_edges[i];
            if (!e.valid()) continue;
            if (i < input_grads.size() && input_grads[i].defined()) {
                auto& buf = buffers[e.fn.get()];
                if (buf.size() <= e.input_nr)
                    buf.resize(std::max<std::size_t>(e.input_nr + 1, e.fn->output_meta.size()));
                add_to_buffer(buf[e.input_nr], input_grads[i]);
            }
            if (--dependencies[e.fn.get()] == 0) ready.push_back(e.fn);
        }
    }
}

}  // namespace

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph) {
    std::vector<Tensor> grads(tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (i < grad_tensors.size() && grad_tensors[i].defined()) {
            grads[i] = grad_tensors[i];
        } else {
            EMBER_CHECK(tensors[i].numel() == 1, AutogradError,
                        "backward: a gradient can be created implicitly only for one-element outputs, but output ",
                        i, " is ", describe(tensors[i]), "; pass a gradient tensor of that shape");
            grads[i] = ones_like(tensors[i]);
        }
    }
    run_backward(tensors, grads, retain_graph.value_or(create_graph), create_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
    std::vector<Tensor> seeds(outputs.size());
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (i < grad_outputs.size() && grad_outputs[i].defined()) {
            seeds[i] = grad_outputs[i];
        } else {
            EMBER_CHECK(outputs[i].numel() == 1, AutogradError,
                        "autograd::grad: a gradient can be created implicitly only for one-element outputs, but "
                        "output ", i, " is ", describe(outputs[i]));
            seeds[i] = ones_like(outputs[i]);
        }
    }
    std::vector<Capture> captures;
    std::vector<Edge> keep_alive;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        EMBER_CHECK(inputs[i].defined() && inputs[i].requires_grad(), AutogradError, "autograd::grad: input ", i,
                    " (", describe(inputs[i]), ") does not require grad");
        Edge e = gradient_edge(inputs[i]);
        keep_alive.push_back(e);
        captures.push_back({e.fn.get(), e.input_nr, i});
    }
    std::vector<Tensor> result(inputs.size());
    run_backward(outputs, seeds, retain_graph.value_or(create_graph), create_graph, &captures, &result);
    for (std::size_t i = 0; i < result.size(); ++i) {
        EMBER_CHECK(result[i].defined() || allow_unused, AutogradError, "autograd::grad: input ", i, " (",
                    describe(inputs[i]),
                    ") was not used to compute the outputs; pass allow_unused=true to get an undefined gradient");
        if (result[i].defined() && !create_graph) result[i] = result[i].detach();
    }
    return result;
}

}  // namespace ember::autograd

namespace ember {

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
    autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

}  // namespace ember
