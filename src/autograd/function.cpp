// Custom Functions: the node's name, the context's checks, and wiring the outputs of forward
// into the graph (function.h describes the rules, which are libtorch's).
#include "ember/autograd/function.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "autograd/anomaly.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

std::string cpp_node_name(const std::type_info& function_type) {
    // The Itanium ABI demangler gives the type as written ("ns::MyFn", "(anonymous namespace)::MyFn"),
    // which is what libtorch's c10::demangle prints in its node names.
    int status = 0;
    std::unique_ptr<char, decltype(&std::free)> demangled(
        abi::__cxa_demangle(function_type.name(), nullptr, nullptr, &status), &std::free);
    std::string type = status == 0 && demangled ? demangled.get() : function_type.name();
    return "ember::autograd::CppNode<" + type + ">";
}

void AutogradContext::finish_saving(const std::vector<Tensor>& outputs) {
    saved_.clear();
    for (const Tensor& t : to_save_) {
        // An output of this node is saved without its history (SavedTensor); a non-differentiable
        // output has none pointing here and is kept as it is.
        bool is_output = false;
        for (const Tensor& o : outputs)
            is_output |= t.defined() && o.impl()->grad_fn.get() == node_ && o.storage() == t.storage() &&
                         o.sizes() == t.sizes() && o.strides() == t.strides() &&
                         o.storage_offset() == t.storage_offset();
        saved_.emplace_back(t, is_output);
    }
    to_save_.clear();
}

std::vector<Tensor> AutogradContext::get_saved_variables() const {
    EMBER_ENFORCE(!released_, AutogradError,
                  "custom Function: saved variables were already freed by a previous backward; use retain_graph=true");
    if (!to_save_.empty()) return to_save_;  // forward did not record (no input required grad)
    std::vector<Tensor> out;
    for (const SavedTensor& s : saved_) out.push_back(s.unpack(*node_));
    return out;
}

void AutogradContext::mark_dirty(const variable_list& inputs) {
    for (const Tensor& t : inputs)
        if (t.defined()) dirty_.push_back(t.impl());
}

void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
    for (const Tensor& t : outputs)
        if (t.defined()) non_differentiable_.push_back(t.impl());
}

bool AutogradContext::needs_input_grad(std::size_t tensor_input_index) const {
    EMBER_ENFORCE(tensor_input_index < needs_input_grad_.size(), IndexError, "needs_input_grad: index ",
                  tensor_input_index, " out of range for ", needs_input_grad_.size(), " tensor arguments");
    return needs_input_grad_[tensor_input_index];
}

namespace {
bool contains(const std::vector<const TensorImpl*>& set, const TensorImpl* t) {
    return std::find(set.begin(), set.end(), t) != set.end();
}
}  // namespace

void FunctionRecorder::wrap_outputs(const std::shared_ptr<Node>& node, AutogradContext& ctx, const std::string& name,
                                    const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs,
                                    std::vector<OutputMeta>& output_meta) {
    for (const TensorImpl* d : ctx.dirty_) {
        const bool returned = std::any_of(outputs.begin(), outputs.end(), [&](Tensor* o) { return o->impl() == d; });
        EMBER_ENFORCE(returned, AutogradError, "custom Function ", name,
                      ": a tensor given to mark_dirty() was not returned by forward; an input modified in place must "
                      "be one of the outputs");
        // As libtorch: marking dirty counts as one more in-place change of the tensor.
        d->storage->bump_version();
    }

    std::vector<Tensor*> differentiable;
    std::vector<uint32_t> output_nr;
    output_meta.clear();
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        Tensor& o = *outputs[i];
        EMBER_ENFORCE(o.defined(), AutogradError, "custom Function ", name,
                      ": forward returned an undefined tensor as output ", i);
        output_meta.push_back({o.impl()->sizes, o.dtype(), o.device()});
        const bool is_input =
            std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& in) { return in.is_same(o); });
        const bool is_dirty = contains(ctx.dirty_, o.impl());
        // Integer and bool outputs (indices, masks) never carry a gradient, marked or not.
        const bool is_differentiable = node && !contains(ctx.non_differentiable_, o.impl()) && is_floating(o.dtype());
        if (is_dirty) {
            if (is_differentiable) {
                EMBER_ENFORCE(!(o.is_leaf() && o.requires_grad()), AutogradError, "custom Function ", name,
                              ": a leaf tensor that requires grad (", describe(o),
                              ") has been used in an in-place operation (mark_dirty); modify a copy, or run "
                              "under NoGradGuard");
                EMBER_ENFORCE(!o.impl()->is_view, NotImplementedError, "custom Function ", name,
                              ": mark_dirty() on a view (", describe(o),
                              ") while recording: ember cannot rewrite the history of the view's base yet (libtorch "
                              "does, with CopySlices); pass the base tensor, or clone the view first");
            }
            // The output is the input itself: every handle to it sees the new history.
        } else if (is_input) {
            // An input returned unchanged gets an alias of its own, so that giving the output a
            // grad_fn never rewrites the input's history.
            o = make_view(o, o.sizes(), o.strides(), o.storage_offset());
        }
        if (is_differentiable) {
            differentiable.push_back(&o);
            output_nr.push_back(static_cast<uint32_t>(i));
        }
    }
    if (!node) return;

    // Every recorded op is checked by anomaly mode in connect(); a Function is connected here.
    if (AnomalyMode::is_enabled()) [[unlikely]]
        anomaly::check_forward(*node, inputs, differentiable);
    // The edges are taken before the outputs get their grad_fn: a dirty output is one of the
    // inputs, and its gradient must flow on to its previous history.
    node->next_edges.reserve(inputs.size());
    for (const Tensor& in : inputs) node->next_edges.push_back(gradient_edge(in));
    for (std::size_t k = 0; k < differentiable.size(); ++k) {
        TensorImpl* impl = differentiable[k]->impl();
        impl->requires_grad = true;
        impl->grad_fn = node;
        impl->output_nr = output_nr[k];  // its position among all outputs, as backward numbers them
    }
}

void FunctionRecorder::prepare_grads(const AutogradContext& ctx, const std::vector<OutputMeta>& output_meta,
                                     std::vector<Tensor>& grads) {
    if (grads.size() < output_meta.size()) grads.resize(output_meta.size());
    if (!ctx.materialize_grads_) return;
    for (std::size_t i = 0; i < output_meta.size(); ++i)
        if (!grads[i].defined()) {
            const OutputMeta& m = output_meta[i];
            grads[i] = zeros(m.sizes, TensorOptions().dtype(m.dtype).device(m.device));
        }
}

std::vector<Tensor> FunctionRecorder::input_grads(const std::string& name, std::vector<Tensor>&& returned,
                                                  const std::vector<bool>& is_tensor_arg, std::size_t n_tensor_args) {
    const std::size_t n_args = is_tensor_arg.size();
    // Returning too many is fine as long as the extra ones are undefined (libtorch's rule).
    if (returned.size() > n_args && std::all_of(returned.begin() + static_cast<std::ptrdiff_t>(n_args), returned.end(),
                                                [](const Tensor& g) { return !g.defined(); }))
        returned.resize(n_args);
    if (returned.size() == n_args) {
        std::vector<Tensor> out;
        out.reserve(n_tensor_args);
        for (std::size_t i = 0; i < n_args; ++i) {
            if (is_tensor_arg[i]) {
                out.push_back(std::move(returned[i]));
            } else {
                EMBER_ENFORCE(!returned[i].defined(), AutogradError, "custom Function ", name,
                              ": backward returned a defined gradient at position ", i + 1,
                              ", but that argument of forward is not a Tensor");
            }
        }
        return out;
    }
    // ember's older form: one gradient per Tensor argument only.
    EMBER_ENFORCE(returned.size() == n_tensor_args, AutogradError, "custom Function ", name, ": backward returned ",
                  returned.size(), " gradients but forward took ", n_args, " arguments (", n_tensor_args,
                  " of them tensors); return one per argument, an undefined Tensor for those that get none");
    return std::move(returned);
}

}  // namespace ember::autograd
