#pragma once
// libtorch's data set interfaces (torch::data::datasets), for programs written against them.
//
// A BatchDataset maps a batch request (by default a list of indices) to a batch; a Dataset is
// the common case of one example per index, whose get_batch() gathers get(i) for each index into
// a std::vector. Both are CRTP bases (Self is the derived class) so that `.map(transform)`
// returns a MapDataset of the derived type without slicing it:
//
//   struct Squares : ember::data::datasets::Dataset<Squares> {
//       ember::data::Example<> get(size_t i) override { ... }
//       ember::optional<size_t> size() const override { return 10; }
//   };
//   auto ds = Squares().map(ember::data::transforms::Stack<>());   // batches are one Example
//
// ember's own, simpler ember::data::Dataset (dataset.h) is a different class; with both
// `using namespace ember::data` and `using namespace ember::data::datasets` the names Dataset
// and TensorDataset are ambiguous, so qualify one of them.
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/data/example.h"
#include "ember/tensor/optional.h"
#include "ember/tensor/small_vector.h"

namespace ember::data::datasets {

template <typename SourceDataset, typename AppliedTransform>
class MapDataset;
template <typename DatasetType, typename TransformType>
MapDataset<DatasetType, TransformType> map(DatasetType dataset, TransformType transform);

namespace detail {
template <typename T>
struct is_optional : std::false_type {};
template <typename T>
struct is_optional<optional<T>> : std::true_type {};
}  // namespace detail

// A data set that returns a whole batch per request. `is_stateful` (a batch type that is an
// optional: the data set decides when an epoch ends) marks libtorch's stateful data sets, which
// ember's loaders do not take yet.
template <typename Self, typename Batch = std::vector<Example<>>, typename BatchRequest = ArrayRef<size_t>>
class BatchDataset {
public:
    using SelfType = Self;
    using BatchType = Batch;
    using BatchRequestType = BatchRequest;
    constexpr static bool is_stateful = detail::is_optional<BatchType>::value;

    virtual ~BatchDataset() = default;

    virtual Batch get_batch(BatchRequest request) = 0;
    // The number of examples, or nullopt for a data set of unknown size (a stream).
    virtual optional<size_t> size() const = 0;

    // A data set whose batches are `transform` applied to this one's (this one copied or moved in).
    template <typename TransformType>
    MapDataset<Self, TransformType> map(TransformType transform) & {
        return datasets::map(static_cast<Self&>(*this), std::move(transform));
    }
    template <typename TransformType>
    MapDataset<Self, TransformType> map(TransformType transform) && {
        return datasets::map(std::move(static_cast<Self&>(*this)), std::move(transform));
    }
};

// A data set of examples addressed by index; a batch is the vector of the requested examples.
template <typename Self, typename SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
public:
    using ExampleType = SingleExample;

    virtual ExampleType get(size_t index) = 0;

    std::vector<ExampleType> get_batch(ArrayRef<size_t> indices) override {
        std::vector<ExampleType> batch;
        batch.reserve(indices.size());
        for (const size_t i : indices) batch.push_back(get(i));
        return batch;
    }
};

// A data set asked only for a number of examples at a time (libtorch's stream data sets).
template <typename Self, typename Batch = std::vector<Example<>>>
using StreamDataset = BatchDataset<Self, Batch, /*BatchRequest=*/size_t>;

}  // namespace ember::data::datasets
