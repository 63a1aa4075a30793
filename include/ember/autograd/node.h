#pragma once
// The autograd graph. Each differentiable op that runs with grad mode on and an input requiring
// grad records a Node: its backward function and one Edge per input pointing at the node that
// will receive that input's gradient (the input's grad_fn, or the accumulator of a leaf).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/tensor/tensor.h"

namespace ember::autograd {

class Node;

struct Edge {
    std::shared_ptr<Node> fn;  // null: this input needs no gradient
    uint32_t input_nr = 0;     // which output of `fn` the gradient belongs to
    // The dtype of the tensor whose gradient flows along this edge: the engine casts a gradient
    // of another dtype to it (as libtorch does), so a float32 operand promoted to float64 by an
    // op still gets a float32 gradient.
    std::optional<ScalarType> dtype;
    bool valid() const { return fn != nullptr; }
};

// What the engine needs to make a zero gradient for an output nobody differentiated.
struct OutputMeta {
    Shape sizes;
    ScalarType dtype = kFloat32;
    Device device;
};

class Node : public std::enable_shared_from_this<Node> {
public:
    virtual ~Node();
    // Gradients with respect to this node's outputs in, gradients with respect to its inputs out
    // (one per edge; an undefined Tensor means "no gradient").
    virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;
    virtual std::string name() const = 0;
    // Frees the tensors saved for backward (called after use unless retain_graph).
    virtual void release_saved() {}

    std::vector<Edge> next_edges;
    std::vector<OutputMeta> output_meta;
    uint64_t sequence_nr = 0;
    // Non-leaf tensors that asked retain_grad(): output index -> tensor.
    std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained;
};

// Writes the gradient that reaches a leaf into leaf.grad, adding to what is there.
class AccumulateGrad final : public Node {
public:
    explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
    std::string name() const override { return "AccumulateGrad"; }
    const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

private:
    std::shared_ptr<TensorImpl> leaf_;
};

// A tensor saved for backward, with the version of its storage at the time it was saved: using
// it after an in-place op changed it is an error rather than a silently wrong gradient.
// A saved *output* of the node is kept as a history-free alias (a strong reference to the node
// would be a cycle); unpacking it re-attaches it to the owning node, so second-order gradients
// flow through it.
class SavedTensor {
public:
    SavedTensor() = default;
    SavedTensor(const Tensor& t, bool is_output);
    Tensor unpack(const Node& owner) const;
    bool defined() const { return data_.defined(); }

private:
    Tensor data_;
    uint32_t version_ = 0;
    bool is_output_ = false;
};

// Whether an op with these inputs must record a node.
inline bool any_requires_grad(const Tensor& a) { return a.defined() && a.requires_grad(); }
template <typename... Rest>
bool any_requires_grad(const Tensor& a, const Rest&... rest) {
    return any_requires_grad(a) || any_requires_grad(rest...);
}
template <typename... Ts>
bool needs_grad(const Ts&... inputs) {
    return GradMode::is_enabled() && any_requires_grad(inputs...);
}

// The edge along which a gradient for `t` flows: its grad_fn, or the accumulator of a leaf
// requiring grad, or an invalid edge.
Edge gradient_edge(const Tensor& t);

uint64_t next_sequence_nr();

// Connects `node` to its inputs and makes it the grad_fn of `outputs`.
void connect(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs);
// The same for one output (what record() uses): builds no vectors.
void connect(const std::shared_ptr<Node>& node, std::initializer_list<Tensor> inputs, Tensor& output);

// A node whose backward is a lambda `std::vector<Tensor>(const Tensor& grad_output, const Node&)`
// capturing SavedTensors by value. Used by every op in ops/ so its backward formula sits right
// below its forward.
template <typename F>
class LambdaNode final : public Node {
public:
    LambdaNode(const char* name, F fn) : name_(name), fn_(std::move(fn)) {}
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        if (!fn_) [[unlikely]]
            throw_released();
        return (*fn_)(grads[0], *this);
    }
    std::string name() const override { return name_; }
    void release_saved() override { fn_.reset(); }

private:
    [[noreturn]] void throw_released() const;
    const char* name_;
    std::optional<F> fn_;
};

[[noreturn]] void throw_backward_twice(const std::string& node_name);

template <typename F>
void LambdaNode<F>::throw_released() const {
    throw_backward_twice(name_);
}

// Records `fn` as the backward of an op with the given inputs and one output. Call only when
// needs_grad(inputs...) is true.
template <typename F>
void record(const char* name, std::initializer_list<Tensor> inputs, Tensor& output, F fn) {
    auto node = std::make_shared<LambdaNode<F>>(name, std::move(fn));
    connect(node, inputs, output);
}

}  // namespace ember::autograd
