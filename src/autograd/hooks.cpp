// Tensor::register_hook / remove_hook, and running the hooks in the engine (hooks.h).
#include "autograd/hooks.h"

#include "ember/ops/ops.h"

namespace ember {

unsigned Tensor::register_hook_function(std::function<Tensor(const Tensor&)> hook) const {
    TensorImpl& t = checked();
    EMBER_ENFORCE(t.requires_grad, AutogradError, "register_hook: ", describe(*this),
                  " does not require grad, so no gradient will ever reach a hook (cannot register a hook on a "
                  "tensor that doesn't require gradient)");
    const autograd::Node* owner = t.grad_fn.get();
    if (!t.hooks || t.hooks->node != owner) {
        // The first hook of this tensor, or the first since an in-place op gave it a new grad_fn.
        t.hooks = std::make_shared<autograd::TensorHooks>();
        t.hooks->node = owner;
        if (t.grad_fn) {
            t.grad_fn->tensor_hooks.emplace_back(t.output_nr, t.hooks);
        } else if (std::shared_ptr<autograd::Node> acc = t.grad_accumulator.lock()) {
            // A graph using this leaf exists already: its accumulator must run the hooks too
            // (gradient_edge attaches them to accumulators made from now on).
            acc->tensor_hooks.emplace_back(0, t.hooks);
        }
    }
    t.hooks->hooks.push_back(std::move(hook));
    return static_cast<unsigned>(t.hooks->hooks.size() - 1);
}

void Tensor::remove_hook(unsigned position) const {
    TensorImpl& t = checked();
    const bool present = t.hooks && position < t.hooks->hooks.size() && t.hooks->hooks[position];
    EMBER_ENFORCE(present, IndexError, "remove_hook: invalid index, no hook at position ", position, " of ",
                  describe(*this));
    t.hooks->hooks[position] = nullptr;
}

namespace autograd {

void run_tensor_hooks(const Node& node, std::vector<Tensor>& grads) {
    for (const auto& [output, list] : node.tensor_hooks) {
        if (output >= grads.size() || !grads[output].defined()) continue;
        Tensor& grad = grads[output];
        for (const TensorHook& hook : list->hooks) {
            if (!hook) continue;  // removed
            Tensor replacement = hook(grad);
            if (!replacement.defined()) continue;  // an observer: the gradient stays
            EMBER_ENFORCE(replacement.sizes() == grad.sizes(), ShapeError, "register_hook: a hook on a gradient of ",
                          describe(grad), " returned ", describe(replacement), "; a hook must keep the shape");
            grad = std::move(replacement);
        }
    }
}

}  // namespace autograd
}  // namespace ember
