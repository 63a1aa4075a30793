#pragma once
// make_data_loader: libtorch's way to make a loader over a data set of its torch::data API
// (datasets/, samplers/, transforms/):
//
//   auto ds = ember::data::datasets::MNIST(root)
//                 .map(ember::data::transforms::Normalize<>(0.1307, 0.3081))
//                 .map(ember::data::transforms::Stack<>());
//   auto loader = ember::data::make_data_loader<ember::data::samplers::SequentialSampler>(
//       std::move(ds), ember::data::DataLoaderOptions().batch_size(64).workers(2));
//   for (auto& batch : *loader) train_step(batch.data, batch.target);
//
// The sampler defaults to RandomSampler, which draws from ember's global generator (reproducible
// after ember::manual_seed). Stateful data sets (libtorch's ChunkDataset) are not supported yet.
#include <memory>
#include <type_traits>
#include <utility>

#include "ember/data/dataloader/stateless.h"
#include "ember/data/samplers/random.h"

namespace ember::data {

template <typename Dataset, typename Sampler>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset, Sampler sampler,
                                                                        DataLoaderOptions options) {
    static_assert(!Dataset::is_stateful, "ember::data::make_data_loader: stateful data sets are not supported yet");
    return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(std::move(dataset), std::move(sampler),
                                                                   std::move(options));
}

// The sampler is made from the data set's size.
template <typename Sampler = samplers::RandomSampler, typename Dataset>
std::enable_if_t<std::is_constructible_v<Sampler, size_t>, std::unique_ptr<StatelessDataLoader<Dataset, Sampler>>>
make_data_loader(Dataset dataset, DataLoaderOptions options = DataLoaderOptions()) {
    static_assert(!Dataset::is_stateful, "ember::data::make_data_loader: stateful data sets are not supported yet");
    const optional<size_t> size = dataset.size();
    EMBER_ENFORCE(size.has_value(), ValueError,
                  "make_data_loader: expected the dataset to be sized in order to construct the Sampler");
    return make_data_loader(std::move(dataset), Sampler(*size), std::move(options));
}

}  // namespace ember::data
