// The backward engine: orders the graph topologically with explicit stacks (no recursion, so a
// chain of 100,000 ops is fine), sums the gradients reaching each node, and runs the nodes.
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "autograd/anomaly.h"
#include "autograd/hooks.h"
#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {

// The final callbacks (Engine::queue_callback) of each backward running on this thread, innermost
// last: a hook may run a backward of its own, whose callbacks are its own.
thread_local std::vector<std::vector<std::function<void()>>*> callback_frames;

// Opens a backward's callback list for its lifetime; run() calls them once the graph is done.
class CallbackFrame {
public:
    CallbackFrame() { callback_frames.push_back(&callbacks_); }
    ~CallbackFrame() { callback_frames.pop_back(); }
    CallbackFrame(const CallbackFrame&) = delete;
    CallbackFrame& operator=(const CallbackFrame&) = delete;
    // By index, not iterator: a callback may queue another, which grows the list.
    void run() {
        for (std::size_t i = 0; i < callbacks_.size(); ++i) {
            std::function<void()> callback = std::move(callbacks_[i]);
            callback();
        }
    }

private:
    std::vector<std::function<void()>> callbacks_;
};

struct Capture {
    Node* node;
    uint32_t output_nr;
    std::size_t slot;
};

// Per-run state of every node reachable from the roots: how many edges into it are still to be
// processed, and the gradients summed for it so far. Kept in a flat open-addressing table keyed by
// the node's address (one probe per lookup, no allocation per node: on a graph of small nodes,
// hash-map bookkeeping would cost as much as the backward itself). Entries never move once
// the counting walk is done, but a reference must not be held across an insertion before that.
// A lookup is a cache miss on a large graph (the slots are spread by the hash), so the run below
// looks each node up once per edge into it and carries the task pointer along from there.
struct NodeTask {
    Node* node = nullptr;
    int dependencies = 0;
    bool visited = false;  // reached by the counting walk
    bool queued = false;   // a root already put on the ready list
    std::vector<Tensor> grads;
};

class NodeTable {
public:
    NodeTable() : slots_(kInitialSlots, -1), shift_(64 - kInitialLog2) {}
    // The task of n, created if absent.
    NodeTask& at(Node* n) {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(n);; i = (i + 1) & mask) {
            const int32_t s = slots_[i];
            if (s >= 0) {
                if (tasks_[static_cast<std::size_t>(s)].node == n) return tasks_[static_cast<std::size_t>(s)];
                continue;
            }
            if ((tasks_.size() + 1) * 2 > slots_.size()) {
                grow();
                return at(n);
            }
            slots_[i] = static_cast<int32_t>(tasks_.size());
            tasks_.emplace_back().node = n;
            return tasks_.back();
        }
    }

private:
    static constexpr std::size_t kInitialLog2 = 6;
    static constexpr std::size_t kInitialSlots = std::size_t{1} << kInitialLog2;
    std::size_t hash(Node* n) const {
        return static_cast<std::size_t>((reinterpret_cast<uintptr_t>(n) * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    void grow() {
        slots_.assign(slots_.size() * 2, -1);
        --shift_;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t t = 0; t < tasks_.size(); ++t) {
            std::size_t i = hash(tasks_[t].node);
            while (slots_[i] >= 0) i = (i + 1) & mask;
            slots_[i] = static_cast<int32_t>(t);
        }
    }
    std::vector<int32_t> slots_;
    std::vector<NodeTask> tasks_;
    unsigned shift_;
};

// Makes room for the gradient of output `nr` of `fn` in its task's buffer.
Tensor& buffer_slot(NodeTask& task, const Node& fn, uint32_t nr) {
    if (task.grads.size() <= nr) task.grads.resize(std::max<std::size_t>(nr + 1, fn.output_meta.size()));
    return task.grads[nr];
}

void add_to_buffer(Tensor& slot, Tensor grad) {
    if (!slot.defined())
        slot = std::move(grad);
    else
        slot = slot + grad;  // out of place: with create_graph this sum is itself recorded
}

// Runs backward from `roots` seeded with `root_grads`. With `captures`, the gradients reaching
// the captured (node, output) pairs are written to `captured` and leaves are left untouched
// (autograd::grad); without, leaves accumulate into .grad (Tensor::backward).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads, bool keep_graph,
                  bool create_graph, const std::vector<Capture>* captures, std::vector<Tensor>* captured) {
    NodeTable tasks;
    std::vector<std::shared_ptr<Node>> root_nodes;
    CallbackFrame callbacks;

    for (std::size_t i = 0; i < roots.size(); ++i) {
        Edge e = gradient_edge(roots[i]);
        EMBER_ENFORCE(e.valid(), AutogradError, "backward: element ", i, " of the outputs (", describe(roots[i]),
                      ") does not require grad and has no grad_fn");
        const Tensor& g = root_grads[i];
        EMBER_ENFORCE(g.sizes() == roots[i].sizes(), ShapeError, "backward: gradient of shape ", shape_str(g.sizes()),
                      " does not match output of shape ", shape_str(roots[i].sizes()));
        add_to_buffer(buffer_slot(tasks.at(e.fn.get()), *e.fn, e.input_nr), g);
        root_nodes.push_back(e.fn);
    }

    // Count, for every reachable node, how many edges point at it.
    {
        std::vector<Node*> stack;
        for (auto& r : root_nodes) {
            NodeTask& t = tasks.at(r.get());
            if (!t.visited) {
                t.visited = true;
                stack.push_back(r.get());
            }
        }
        while (!stack.empty()) {
            Node* n = stack.back();
            stack.pop_back();
            for (const Edge& e : n->next_edges) {
                if (!e.valid()) continue;
                NodeTask& t = tasks.at(e.fn.get());
                ++t.dependencies;
                if (!t.visited) {
                    t.visited = true;
                    stack.push_back(e.fn.get());
                }
            }
        }
    }

    std::unordered_map<Node*, std::vector<const Capture*>> capture_at;
    if (captures)
        for (const Capture& c : *captures) capture_at[c.node].push_back(&c);

    // From here on no task is inserted (every reachable node has one), so task pointers are stable.
    // A ready node is held by a shared_ptr: the run must not depend on who else keeps it alive.
    struct Ready {
        std::shared_ptr<Node> node;
        NodeTask* task;
    };
    std::vector<Ready> ready;
    for (auto& r : root_nodes) {
        NodeTask& t = tasks.at(r.get());
        if (t.dependencies == 0 && !t.queued) {
            t.queued = true;
            ready.push_back({r, &t});
        }
    }

    // Backward runs with grad mode = create_graph and gives the caller's mode back afterwards
    // (also when called under NoGradGuard, which must stay in force).
    struct Restore {
        bool prev;
        ~Restore() { GradMode::set_enabled(prev); }
    } restore{GradMode::is_enabled()};
    GradMode::set_enabled(create_graph);

    while (!ready.empty()) {
        std::shared_ptr<Node> node = std::move(ready.back().node);
        std::vector<Tensor> grads = std::move(ready.back().task->grads);
        ready.pop_back();
        std::size_t n_out = std::max<std::size_t>(1, node->output_meta.size());
        grads.resize(std::max(grads.size(), n_out));

        // A tensor's hooks see its gradient first and may replace it (Tensor::register_hook).
        if (!node->tensor_hooks.empty()) [[unlikely]]
            run_tensor_hooks(*node, grads);

        bool any_defined = false;
        for (const Tensor& g : grads) any_defined |= g.defined();

        for (auto& [idx, weak] : node->retained) {
            if (idx >= grads.size() || !grads[idx].defined()) continue;
            if (auto impl = weak.lock()) {
                Tensor g = create_graph ? grads[idx] : grads[idx].detach();
                impl->grad = impl->grad ? (Tensor(impl->grad) + g).impl_ptr() : g.clone().impl_ptr();
            }
        }
        // (autograd::grad leaves .grad alone; the dynamic_cast is only paid when it matters.)
        const bool skip_leaf = captures && dynamic_cast<AccumulateGrad*>(node.get()) != nullptr;
        if (captures) {
            if (auto it = capture_at.find(node.get()); it != capture_at.end())
                for (const Capture* c : it->second)
                    if (c->output_nr < grads.size() && grads[c->output_nr].defined())
                        add_to_buffer((*captured)[c->slot], grads[c->output_nr]);
        }

        std::vector<Tensor> input_grads;
        if (any_defined && !skip_leaf) {
            // A node with several outputs receives zeros for the outputs nobody differentiated.
            for (std::size_t i = 0; i < node->output_meta.size(); ++i)
                if (!grads[i].defined()) {
                    const OutputMeta& m = node->output_meta[i];
                    grads[i] = zeros(m.sizes, TensorOptions().dtype(m.dtype).device(m.device));
                }
            if (AnomalyMode::is_enabled()) [[unlikely]] {
                bool incoming_finite = true;
                for (const Tensor& g : grads) incoming_finite = incoming_finite && anomaly::all_finite(g);
                {
                    anomaly::BackwardScope scope(node.get());
                    input_grads = node->apply(std::move(grads));
                }
                anomaly::check_backward(*node, incoming_finite, input_grads);
            } else {
                // For an op's node this runs the backward lambda the op passed to
                // autograd::record, written below its forward in src/ops/.
                input_grads = node->apply(std::move(grads));
            }
            if (!keep_graph) node->release_saved();
        }

        for (std::size_t i = 0; i < node->next_edges.size(); ++i) {
            const Edge& e = node->next_edges[i];
            if (!e.valid()) continue;
            NodeTask& next = tasks.at(e.fn.get());
            if (i < input_grads.size() && input_grads[i].defined()) {
                if (e.dtype && input_grads[i].dtype() != *e.dtype) input_grads[i] = input_grads[i].to(*e.dtype);
                add_to_buffer(buffer_slot(next, *e.fn, e.input_nr), std::move(input_grads[i]));
            }
            if (--next.dependencies == 0) ready.push_back({e.fn, &next});
        }
    }
    // The whole graph is processed (every .grad accumulated): the final callbacks run.
    callbacks.run();
}

}  // namespace

Engine& Engine::get_default_engine() {
    static Engine engine;
    return engine;
}

void Engine::queue_callback(std::function<void()> callback) {
    EMBER_ENFORCE(!callback_frames.empty(), AutogradError,
                  "Engine::queue_callback: no backward is running on this thread; final callbacks can only be "
                  "installed during backward pass (from a tensor hook or a node)");
    EMBER_ENFORCE(static_cast<bool>(callback), ValueError, "Engine::queue_callback: the callback is empty");
    callback_frames.back()->push_back(std::move(callback));
}

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph) {
    std::vector<Tensor> grads(tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (i < grad_tensors.size() && grad_tensors[i].defined()) {
            grads[i] = grad_tensors[i];
        } else {
            EMBER_ENFORCE(tensors[i].numel() == 1, AutogradError,
                          "backward: a gradient can be created implicitly only for one-element outputs, but output ", i,
                          " is ", describe(tensors[i]), "; pass a gradient tensor of that shape");
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
            EMBER_ENFORCE(outputs[i].numel() == 1, AutogradError,
                          "autograd::grad: a gradient can be created implicitly only for one-element outputs, but "
                          "output ",
                          i, " is ", describe(outputs[i]));
            seeds[i] = ones_like(outputs[i]);
        }
    }
    std::vector<Capture> captures;
    std::vector<Edge> keep_alive;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        EMBER_ENFORCE(inputs[i].defined() && inputs[i].requires_grad(), AutogradError, "autograd::grad: input ", i,
                      " (", describe(inputs[i]), ") does not require grad");
        Edge e = gradient_edge(inputs[i]);
        keep_alive.push_back(e);
        captures.push_back({e.fn.get(), e.input_nr, i});
    }
    std::vector<Tensor> result(inputs.size());
    run_backward(outputs, seeds, retain_graph.value_or(create_graph), create_graph, &captures, &result);
    for (std::size_t i = 0; i < result.size(); ++i) {
        EMBER_ENFORCE(result[i].defined() || allow_unused, AutogradError, "autograd::grad: input ", i, " (",
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
