#pragma once
#include <functional>
#include <optional>
#include <vector>

#include "ember/autograd/dot.h"
#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"

namespace ember::autograd {

// Accumulates d(sum of tensors[i] * grad_tensors[i]) into the .grad of every leaf that requires it.
void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// Returns d(sum of outputs[i] * grad_outputs[i]) / d(inputs[j]) without touching any .grad.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, std::optional<bool> retain_graph = std::nullopt,
                         bool create_graph = false, bool allow_unused = false);

struct GradcheckOptions {
    double eps = 1e-6;
    double atol = 1e-5;
    double rtol = 1e-3;
    bool raise_exception = true;
};

// Compares the Jacobian that autograd computes for `fn` at `inputs` (float64 tensors requiring
// grad) with central finite differences, element by element. On a mismatch it throws an
// AutogradError naming the input, the output element and both values (or returns false).
bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options = {});

// Checks second derivatives: gradchecks the function inputs -> d(sum(fn(inputs) * v))/d(inputs)
// for a fixed random v, differentiated through a create_graph backward.
bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options = {});

}  // namespace ember::autograd
