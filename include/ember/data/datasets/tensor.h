#pragma once
// libtorch's torch::data::datasets::TensorDataset: the examples are the rows (first-dimension
// slices) of one tensor, each an example without a target. For (data, target) pairs see ember's
// own ember::data::TensorDataset (dataset.h) or write a Dataset<Self> returning Example<>.
#include <utility>
#include <vector>

#include "ember/data/datasets/base.h"
#include "ember/ops/ops.h"

namespace ember::data::datasets {

struct TensorDataset : public Dataset<TensorDataset, TensorExample> {
    // The tensors stacked along a new first dimension.
    explicit TensorDataset(const std::vector<Tensor>& tensors) : TensorDataset(ember::stack(tensors)) {}
    explicit TensorDataset(Tensor tensor) : tensor(std::move(tensor)) {}

    // A view of row `index`. Checked here because a size_t past INT64_MAX would reach select() as
    // a negative index and wrap around to a row counted from the end.
    TensorExample get(size_t index) override {
        EMBER_ENFORCE(index < static_cast<size_t>(tensor.size(0)), IndexError, "TensorDataset::get: index ", index,
                      " out of range for a data set of ", tensor.size(0), " examples");
        return tensor[static_cast<int64_t>(index)];
    }
    optional<size_t> size() const override { return static_cast<size_t>(tensor.size(0)); }

    Tensor tensor;
};

}  // namespace ember::data::datasets
