#pragma once
// Transforms made from a function (libtorch's Lambda and BatchLambda):
//   .map(transforms::Lambda<Example<>>([](Example<> e) { e.data = e.data * 2; return e; }))
//   .map(transforms::BatchLambda<std::vector<Example<>>, Tensor>([](auto batch) { ... }))
#include <functional>
#include <utility>

#include "ember/data/transforms/base.h"

namespace ember::data::transforms {

// A BatchTransform calling a function on the whole batch.
template <typename Input, typename Output = Input>
class BatchLambda : public BatchTransform<Input, Output> {
public:
    using typename BatchTransform<Input, Output>::InputBatchType;
    using typename BatchTransform<Input, Output>::OutputBatchType;
    using FunctionType = std::function<OutputBatchType(InputBatchType)>;

    explicit BatchLambda(FunctionType function) : function_(std::move(function)) {}

    OutputBatchType apply_batch(InputBatchType input_batch) override { return function_(std::move(input_batch)); }

private:
    FunctionType function_;
};

// A Transform calling a function on each example.
template <typename Input, typename Output = Input>
class Lambda : public Transform<Input, Output> {
public:
    using typename Transform<Input, Output>::InputType;
    using typename Transform<Input, Output>::OutputType;
    using FunctionType = std::function<Output(Input)>;

    explicit Lambda(FunctionType function) : function_(std::move(function)) {}

    OutputType apply(InputType input) override { return function_(std::move(input)); }

private:
    FunctionType function_;
};

}  // namespace ember::data::transforms
