// Datasets and the DataLoader (see include/ember/data/dataset.h).
#include "ember/data/dataset.h"

#include <numeric>

#include "data/rng.h"
#include "ember/ops/ops.h"

namespace ember::data {

Batch Dataset::get_batch(const std::vector<int64_t>& indices) const {
    EMBER_ENFORCE(!indices.empty(), ValueError, "Dataset::get_batch: empty index list");
    std::vector<Tensor> data, targets;
    data.reserve(indices.size());
    for (int64_t i : indices) {
        Batch b = get(i);
        EMBER_ENFORCE(b.data.defined(), ValueError, "Dataset::get_batch: get(", i, ") returned undefined data");
        data.push_back(std::move(b.data));
        if (b.target.defined()) targets.push_back(std::move(b.target));
    }
    EMBER_ENFORCE(targets.empty() || targets.size() == data.size(), ValueError,
                  "Dataset::get_batch: some examples have a target and some do not");
    Batch out{stack(data), Tensor()};
    if (!targets.empty()) out.target = stack(targets);
    return out;
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) : data_(std::move(data)), targets_(std::move(targets)) {
    EMBER_ENFORCE(data_.defined() && data_.dim() >= 1, ShapeError,
                  "TensorDataset: data must have at least one dimension (examples along dim 0), got ",
                  data_.defined() ? describe(data_) : std::string("an undefined tensor"));
    if (targets_.defined())
        EMBER_ENFORCE(targets_.dim() >= 1 && targets_.size(0) == data_.size(0), ShapeError, "TensorDataset: targets ",
                      describe(targets_), " must have as many rows as data ", describe(data_));
}

Batch TensorDataset::get(int64_t index) const {
    EMBER_ENFORCE(index >= 0 && index < size(), IndexError, "TensorDataset::get: index ", index,
                  " out of range for a data set of ", size(), " examples");
    return {data_.select(0, index), targets_.defined() ? targets_.select(0, index) : Tensor()};
}

Batch TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
    Tensor idx = tensor(indices);
    Batch out;
    out.data = data_.index_select(0, data_.is_cpu() ? idx : idx.to(data_.device()));
    if (targets_.defined()) out.target = targets_.index_select(0, targets_.is_cpu() ? idx : idx.to(targets_.device()));
    return out;
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
    EMBER_ENFORCE(dataset_ != nullptr, ValueError, "DataLoader: null dataset");
    // A negative batch size wrapped around in the size_t; shown as the int64_t the caller wrote.
    const int64_t batch_size = static_cast<int64_t>(options_.batch_size());
    EMBER_ENFORCE(batch_size >= 1, ValueError, "DataLoader: batch_size must be >= 1, got ", batch_size);
}

int64_t DataLoader::size() const {
    const int64_t n = dataset_->size(), b = static_cast<int64_t>(options_.batch_size());
    return options_.drop_last() ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::epoch_order(int64_t epoch) const {
    std::vector<int64_t> order(static_cast<std::size_t>(dataset_->size()));
    std::iota(order.begin(), order.end(), int64_t(0));
    if (options_.shuffle()) {
        // Fisher-Yates with our own generator (std::shuffle's algorithm differs between standard
        // libraries), seeded by (seed, epoch) so any epoch can be reproduced on its own.
        detail::SplitMix64 rng(options_.seed(), static_cast<uint64_t>(epoch));
        for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    }
    return order;
}

DataLoader::Iterator DataLoader::begin() {
    auto order = std::make_shared<const std::vector<int64_t>>(epoch_order(epoch_));
    ++epoch_;
    return Iterator(this, std::move(order), 0);
}

Batch& DataLoader::Iterator::operator*() {
    EMBER_ENFORCE(loader_ && order_ && batch_ < loader_->size(), IndexError,
                  "DataLoader: dereferencing an iterator past the end of the epoch");
    if (!current_) {
        const int64_t b = static_cast<int64_t>(loader_->options_.batch_size()),
                      n = static_cast<int64_t>(order_->size());
        const int64_t start = batch_ * b, stop = std::min(start + b, n);
        std::vector<int64_t> indices(order_->begin() + start, order_->begin() + stop);
        current_ = loader_->dataset_->get_batch(indices);
    }
    return *current_;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
    ++batch_;
    current_.reset();
    return *this;
}

}  // namespace ember::data
