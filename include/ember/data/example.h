#pragma once
// One example of a data set, as libtorch's torch::data::Example: its data and its target (label).
// Example<Data, example::NoTarget> (TensorExample for a tensor) is an example without a target,
// which converts to its data, so code written for a templated Example also serves unlabelled data.
#include <utility>

#include "ember/tensor/tensor.h"

namespace ember::data {

template <typename Data = Tensor, typename Target = Tensor>
struct Example {
    using DataType = Data;
    using TargetType = Target;

    Example() = default;
    Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}

    Data data;
    Target target;
};

namespace example {
using NoTarget = void;
}  // namespace example

template <typename Data>
struct Example<Data, example::NoTarget> {
    using DataType = Data;
    using TargetType = example::NoTarget;

    Example() = default;
    Example(Data data) : data(std::move(data)) {}  // implicit, as libtorch's: get() may return a tensor

    operator Data&() { return data; }
    operator const Data&() const { return data; }

    Data data;
};

using TensorExample = Example<Tensor, example::NoTarget>;

}  // namespace ember::data
