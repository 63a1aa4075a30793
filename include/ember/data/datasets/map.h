#pragma once
// MapDataset: a data set whose batches are a transform applied to another data set's batches,
// made by `dataset.map(transform)` (libtorch's torch::data::datasets::MapDataset). The transform
// runs where get_batch runs: in the DataLoader's worker threads when it has workers.
#include <type_traits>
#include <utility>

#include "ember/data/datasets/base.h"

namespace ember::data::datasets {

namespace detail {
template <bool C, typename T>
using optional_if_t = std::conditional_t<C, optional<T>, T>;
}  // namespace detail

template <typename SourceDataset, typename AppliedTransform>
class MapDataset
    : public BatchDataset<MapDataset<SourceDataset, AppliedTransform>,
                          detail::optional_if_t<SourceDataset::is_stateful, typename AppliedTransform::OutputBatchType>,
                          typename SourceDataset::BatchRequestType> {
public:
    using DatasetType = SourceDataset;
    using TransformType = AppliedTransform;
    using BatchRequestType = typename SourceDataset::BatchRequestType;
    using OutputBatchType =
        detail::optional_if_t<SourceDataset::is_stateful, typename AppliedTransform::OutputBatchType>;

    MapDataset(DatasetType dataset, TransformType transform)
        : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

    OutputBatchType get_batch(BatchRequestType request) override {
        if constexpr (SourceDataset::is_stateful) {
            if (auto batch = dataset_.get_batch(std::move(request))) return transform_.apply_batch(std::move(*batch));
            return nullopt;
        } else {
            return transform_.apply_batch(dataset_.get_batch(std::move(request)));
        }
    }

    optional<size_t> size() const noexcept override { return dataset_.size(); }

    // Only for stateful source data sets, which have a reset().
    void reset() { dataset_.reset(); }

    const SourceDataset& dataset() noexcept { return dataset_; }
    const AppliedTransform& transform() noexcept { return transform_; }

private:
    SourceDataset dataset_;
    AppliedTransform transform_;
};

template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform) {
    using SourceBatch = std::conditional_t<DatasetType::is_stateful, typename DatasetType::BatchType::value_type,
                                           typename DatasetType::BatchType>;
    static_assert(std::is_same_v<SourceBatch, typename TransformType::InputBatchType>,
                  "BatchType type of dataset does not match input type of transform");
    return {std::move(dataset), std::move(transform)};
}

}  // namespace ember::data::datasets
