#pragma once
// The hooks of one tensor (Tensor::register_hook), shared by the tensor and the node that receives
// its gradient: the tensor's grad_fn for a computed tensor, its AccumulateGrad for a leaf. The
// tensor keeps them for the hooks it is given later; the node lists them in Node::tensor_hooks for
// the engine, which runs them on the gradient before anything else sees it.
#include <functional>
#include <vector>

#include "ember/autograd/node.h"

namespace ember::autograd {

using TensorHook = std::function<Tensor(const Tensor&)>;

struct TensorHooks {
    // By position, as register_hook returned it; a removed hook leaves an empty slot so that the
    // other positions stay valid.
    std::vector<TensorHook> hooks;
    // The node the list is attached to (null for a leaf, whose accumulator comes and goes): an
    // in-place op gives a computed tensor a new grad_fn, and hooks registered after it must go to
    // that one.
    const Node* node = nullptr;
};

// Runs each node-attached hook list on the gradient of its output, in registration order.
void run_tensor_hooks(const Node& node, std::vector<Tensor>& grads);

}  // namespace ember::autograd
