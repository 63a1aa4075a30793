#pragma once
// Transforms of an example's data tensor, leaving its target alone (libtorch's TensorTransform,
// TensorLambda and Normalize).
#include <functional>
#include <utility>

#include "ember/data/example.h"
#include "ember/data/transforms/base.h"
#include "ember/ops/ops.h"
#include "ember/tensor/small_vector.h"

namespace ember::data::transforms {

template <typename Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
public:
    using E = Example<Tensor, Target>;
    using typename Transform<E, E>::InputType;
    using typename Transform<E, E>::OutputType;

    virtual Tensor operator()(Tensor input) = 0;

    OutputType apply(InputType input) override {
        input.data = (*this)(std::move(input.data));
        return input;
    }
};

// A TensorTransform calling a function on the data tensor.
template <typename Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
public:
    using FunctionType = std::function<Tensor(Tensor)>;

    explicit TensorLambda(FunctionType function) : function_(std::move(function)) {}

    Tensor operator()(Tensor input) override { return function_(std::move(input)); }

private:
    FunctionType function_;
};

// (input - mean) / stddev per channel. mean and stddev hold one value (every channel) or one per
// channel; they are kept as float32 tensors of shape [C, 1, 1], so an input [C, H, W] broadcasts
// channel by channel (as in libtorch: a 1-D input [D] broadcasts to [C, 1, D]).
template <typename Target = Tensor>
struct Normalize : public TensorTransform<Target> {
    Normalize(ArrayRef<double> mean, ArrayRef<double> stddev)
        : mean(ember::tensor(mean.vec(), kFloat32).unsqueeze(1).unsqueeze(2)),
          stddev(ember::tensor(stddev.vec(), kFloat32).unsqueeze(1).unsqueeze(2)) {}

    Tensor operator()(Tensor input) override { return input.sub(mean).div(stddev); }

    Tensor mean, stddev;
};

}  // namespace ember::data::transforms
