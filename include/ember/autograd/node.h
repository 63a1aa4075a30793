#pragma once
// The autograd graph. Each differentiable op that runs with grad mode on and an input requiring
// grad records a Node: its backward function and one Edge per input pointing at the node that
// will receive that input's gradient (the input's grad_fn, or the accumulator of a leaf).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/tensor/object_pool.h"
#include "ember/tensor/tensor.h"

namespace ember::autograd {

class Node;
struct TensorHooks;  // src/autograd/hooks.h

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

// The edges of a node, used like a std::vector<Edge>. Almost every op has one or two inputs, so up
// to two edges are stored inside the node itself and only wider ops (cat, stack, custom functions)
// put theirs on the heap: recording an op then costs one allocation, the node's, instead of two.
class EdgeList {
public:
    EdgeList() = default;
    EdgeList(const EdgeList&) = delete;
    EdgeList& operator=(const EdgeList&) = delete;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    Edge& operator[](std::size_t i) { return data()[i]; }
    const Edge& operator[](std::size_t i) const { return data()[i]; }
    Edge* begin() { return data(); }
    Edge* end() { return data() + size_; }
    const Edge* begin() const { return data(); }
    const Edge* end() const { return data() + size_; }

    void reserve(std::size_t n) {
        if (n > kInline) heap_.reserve(n);
    }
    // Small enough to be inlined where an op records its node; the rare spill is out of line.
    void push_back(Edge&& e) {
        if (heap_.empty() && size_ < kInline) [[likely]] {
            inline_[size_++] = std::move(e);
            return;
        }
        push_back_to_heap(std::move(e));
    }

private:
    void push_back_to_heap(Edge&& e);  // graph.cpp
    static constexpr std::size_t kInline = 2;
    // The edges are in inline_ while heap_ is empty, and all in heap_ once there were more than two.
    Edge* data() { return heap_.empty() ? inline_ : heap_.data(); }
    const Edge* data() const { return heap_.empty() ? inline_ : heap_.data(); }
    Edge inline_[kInline];
    std::vector<Edge> heap_;
    std::size_t size_ = 0;
};

// The shapes of the tensors a node saved for backward, kept for pictures of the graph (to_dot).
// Each shape is stored as its rank followed by its sizes, all in one inline buffer, so recording
// allocates nothing; shapes that do not fit are only counted.
class SavedShapes {
public:
    SavedShapes() = default;
    SavedShapes(const SavedShapes& o) { *this = o; }
    SavedShapes& operator=(const SavedShapes& o) {  // copies only the entries in use
        std::copy(o.packed_, o.packed_ + o.size_, packed_);
        size_ = o.size_;
        dropped_ = o.dropped_;
        return *this;
    }
    void add(IntArrayRef sizes);
    std::vector<Shape> shapes() const;
    uint32_t dropped() const { return dropped_; }
    bool empty() const { return size_ == 0 && dropped_ == 0; }
    void clear() {
        size_ = 0;
        dropped_ = 0;
    }

private:
    static constexpr std::size_t kCapacity = 15;
    int64_t packed_[kCapacity];  // rank, sizes..., rank, sizes...; only the first size_ are set
    uint8_t size_ = 0;
    uint8_t dropped_ = 0;
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

    EdgeList next_edges;
    std::vector<OutputMeta> output_meta;
    // What the node saved when it was recorded (see SavedShapes); still listed after release.
    SavedShapes saved_shapes;
    // Non-leaf tensors that asked retain_grad(): output index -> tensor.
    std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained;
    // The register_hook hooks of the tensors whose gradient this node receives: output index ->
    // hooks (for an AccumulateGrad, output 0 is its leaf). The engine runs them first.
    std::vector<std::pair<uint32_t, std::shared_ptr<TensorHooks>>> tensor_hooks;
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

// The shapes of the SavedTensors made on this thread since the last node was connected, handed
// to the next node (connect() calls it; a custom Function calls it after saving).
SavedShapes take_pending_saved_shapes();

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
    auto node = ::ember::detail::make_pooled<LambdaNode<F>>(name, std::move(fn));
    connect(node, inputs, output);
}

}  // namespace ember::autograd
