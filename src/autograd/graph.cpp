// Recording: grad mode, edges, saved tensors, accumulation into leaves.
#include <atomic>
#include <limits>

#include "autograd/anomaly.h"
#include "autograd/hooks.h"
#include "ember/autograd/node.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_inference_mode = false;
}  // namespace
bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool enabled) { t_grad_enabled = enabled; }

InferenceMode::InferenceMode(bool enabled) : prev_grad_(t_grad_enabled), prev_inference_(t_inference_mode) {
    t_grad_enabled = !enabled;
    t_inference_mode = enabled;
}
InferenceMode::~InferenceMode() {
    t_grad_enabled = prev_grad_;
    t_inference_mode = prev_inference_;
}
bool InferenceMode::is_enabled() { return t_inference_mode; }

namespace autograd {

void EdgeList::push_back_to_heap(Edge&& e) {
    if (heap_.empty())  // the third edge: move all of them to the heap
        for (std::size_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
    heap_.push_back(std::move(e));
    ++size_;
}

Edge gradient_edge(const Tensor& t) {
    if (!t.defined() || !t.requires_grad()) return {};
    TensorImpl* impl = t.impl();
    if (impl->grad_fn) return {impl->grad_fn, impl->output_nr, impl->dtype};
    // A leaf: share one accumulator between every use of the leaf alive at the same time.
    std::shared_ptr<Node> acc = impl->grad_accumulator.lock();
    if (!acc) {
        acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
        impl->grad_accumulator = acc;
        if (impl->hooks) [[unlikely]]
            acc->tensor_hooks.emplace_back(0, impl->hooks);  // the leaf's register_hook hooks
    }
    return {acc, 0, impl->dtype};
}

namespace {
// Filled by SavedTensor's constructor while an op prepares its backward, emptied by the
// connect() that records the op (ops build their SavedTensors right before recording).
thread_local SavedShapes t_pending_saved_shapes;
}  // namespace

void SavedShapes::add(IntArrayRef sizes) {
    if (size_ + 1 + sizes.size() > kCapacity) {
        if (dropped_ < std::numeric_limits<uint8_t>::max()) ++dropped_;
        return;
    }
    packed_[size_++] = static_cast<int64_t>(sizes.size());
    for (int64_t s : sizes) packed_[size_++] = s;
}

std::vector<Shape> SavedShapes::shapes() const {
    std::vector<Shape> out;
    for (std::size_t i = 0; i < size_; i += 1 + static_cast<std::size_t>(packed_[i]))
        out.emplace_back(packed_ + i + 1, packed_ + i + 1 + packed_[i]);
    return out;
}

SavedShapes take_pending_saved_shapes() {
    SavedShapes out = t_pending_saved_shapes;
    t_pending_saved_shapes.clear();
    return out;
}

namespace {
// What connect() does with the pending shapes: nothing beyond one test for an op that saved none.
inline void hand_saved_shapes_to(Node& node) {
    if (!t_pending_saved_shapes.empty()) node.saved_shapes = take_pending_saved_shapes();
}
}  // namespace

void connect(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
             const std::vector<Tensor*>& outputs) {
    // Every recorded op passes here, after its forward has filled its outputs: the one place
    // where anomaly mode checks forward results (before anything is attached). The pending saved
    // shapes are taken first, so that an anomaly error does not leave them to the next op's node.
    hand_saved_shapes_to(*node);
    if (AnomalyMode::is_enabled()) [[unlikely]]
        anomaly::check_forward(*node, inputs, outputs);
    node->next_edges.reserve(inputs.size());
    for (const Tensor& in : inputs) node->next_edges.push_back(gradient_edge(in));
    if (outputs.size() > 1) node->output_meta.reserve(outputs.size());
    uint32_t nr = 0;
    for (Tensor* out : outputs) {
        TensorImpl* impl = out->impl();
        impl->requires_grad = true;
        impl->grad_fn = node;
        impl->output_nr = nr++;
        if (outputs.size() > 1) node->output_meta.push_back({impl->sizes, impl->dtype, impl->device});
    }
}

void connect(const std::shared_ptr<Node>& node, std::initializer_list<Tensor> inputs, Tensor& output) {
    // The one-output form every op's record() uses: no vectors built on the success path.
    if (AnomalyMode::is_enabled()) [[unlikely]] {
        connect(node, std::vector<Tensor>(inputs), std::vector<Tensor*>{&output});
        return;
    }
    hand_saved_shapes_to(*node);
    node->next_edges.reserve(inputs.size());
    for (const Tensor& in : inputs) node->next_edges.push_back(gradient_edge(in));
    TensorImpl* impl = output.impl();
    impl->requires_grad = true;
    impl->grad_fn = node;
    impl->output_nr = 0;
}

[[noreturn]] void throw_backward_twice(const std::string& node_name) {
    throw AutogradError(
        str_cat("backward: trying to backward through ", node_name,
                " a second time, but its saved tensors were already freed. Specify retain_graph=true on the first "
                "backward (or autograd::grad) call if you need to backward through the graph again."));
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output) {
    if (!t.defined()) return;
    t_pending_saved_shapes.add(t.sizes());
    version_ = t._version();
    // An output is saved without its history (see the class comment); an input as it is.
    data_ = is_output ? make_view(t, t.sizes(), t.strides(), t.storage_offset()) : t;
    if (is_output) data_.impl()->is_view = t.impl()->is_view;
}

Tensor SavedTensor::unpack(const Node& owner) const {
    if (!data_.defined()) return data_;
    uint32_t now = data_._version();
    if (now != version_) [[unlikely]] {
        throw AutogradError(str_cat(
            "backward of ", owner.name(), ": one of the tensors saved for the gradient computation (", describe(data_),
            ") has been modified by an in-place operation: it is at version ", now, " but was saved at version ",
            version_, ". Use an out-of-place op, or clone() the tensor before modifying it."));
    }
    if (!is_output_) return data_;
    Tensor alias = make_view(data_, data_.sizes(), data_.strides(), data_.storage_offset());
    TensorImpl* impl = alias.impl();
    impl->requires_grad = true;
    impl->grad_fn = std::const_pointer_cast<Node>(owner.shared_from_this());
    impl->output_nr = 0;
    return alias;
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
    Tensor& incoming = grads[0];
    if (!incoming.defined()) return {};
    TensorImpl* leaf = leaf_.get();
    if (!leaf->grad) {
        // Keep the incoming tensor when nobody else holds it; otherwise copy, so that a later
        // in-place accumulation never writes into a tensor the user still sees.
        bool exclusive = incoming.impl_ptr().use_count() == 1 && incoming.storage().use_count() == 1 &&
                         incoming.is_contiguous() && !GradMode::is_enabled();
        Tensor g = GradMode::is_enabled() ? incoming : (exclusive ? incoming.detach() : incoming.detach().clone());
        leaf->grad = g.impl_ptr();
    } else if (GradMode::is_enabled()) {
        // create_graph: the accumulated gradient must itself be differentiable, so add out of place.
        leaf->grad = (Tensor(leaf->grad) + incoming).impl_ptr();
    } else {
        Tensor(leaf->grad).add_(incoming);
    }
    return {};
}

}  // namespace autograd
}  // namespace ember

namespace ember::autograd {
Node::~Node() {
    for (Edge& e : next_edges) release_node(std::move(e.fn));
}
}  // namespace ember::autograd
