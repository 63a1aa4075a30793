#pragma once
// A picture of the tape: the graph that autograd recorded for a tensor, as Graphviz DOT text
// (torchviz's make_dot in C++). Render it with `dot -Tsvg graph.dot -o graph.svg`.
//
//   Tensor loss = model->forward(x).sub(y).square().sum();
//   std::string dot = ember::autograd::to_dot(loss, model->named_parameters());
//
// One box per node reachable from tensor.grad_fn() through next_edges: its name (libtorch's, as
// grad_fn()->name()) and the shapes of the tensors it saved for backward. Leaves (AccumulateGrad)
// are shown by the parameter name given for their tensor, or "AccumulateGrad", and their shape.
// An arrow goes from each input's node to the node of the op that used it: the direction the
// values flowed forward, as in torchviz; backward walks the arrows the other way.
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::autograd {

std::string to_dot(const Tensor& tensor);
// Leaves whose tensor is one of `named` are labelled with its name.
std::string to_dot(const Tensor& tensor, const std::vector<std::pair<std::string, Tensor>>& named);

// Any name -> tensor dictionary whose items have key() and value(), as the OrderedDict returned
// by Module::named_parameters().
template <typename Dict>
requires requires(const Dict& d) {
    d.begin()->key();
    d.begin()->value();
}
std::string to_dot(const Tensor& tensor, const Dict& named) {
    std::vector<std::pair<std::string, Tensor>> pairs;
    for (const auto& item : named) pairs.emplace_back(item.key(), item.value());
    return to_dot(tensor, pairs);
}

}  // namespace ember::autograd
