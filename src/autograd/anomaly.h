#pragma once
// Anomaly mode's checks (autograd::DetectAnomalyGuard, grad_mode.h). Called by connect() for every
// recorded forward op and by the engine for every backward node, only while the mode is on.
#include <vector>

#include "ember/autograd/node.h"

namespace ember::autograd::anomaly {

// True when t is not a floating tensor or holds no NaN/Inf.
bool all_finite(const Tensor& t);

// Throws AnomalyError if a floating output of `node` holds NaN or Inf; the message names the op,
// the output, and which inputs already held NaN/Inf.
void check_forward(const Node& node, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs);

// Throws AnomalyError if a gradient returned by `node`'s backward holds NaN or Inf; the message names
// the node, which input the gradient is for, its shape and dtype. `incoming_finite`: whether the
// gradients that reached the node were finite.
void check_backward(const Node& node, bool incoming_finite, const std::vector<Tensor>& input_grads);

// While alive, forward errors name `node` as the backward being computed (create_graph records the
// ops of a backward formula, and connect() checks them like any forward op).
class BackwardScope {
public:
    explicit BackwardScope(const Node* node);
    ~BackwardScope();
    BackwardScope(const BackwardScope&) = delete;
    BackwardScope& operator=(const BackwardScope&) = delete;

private:
    const Node* prev_;
};

}  // namespace ember::autograd::anomaly
