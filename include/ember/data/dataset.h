#pragma once
// Datasets and the DataLoader, in the spirit of libtorch's torch::data but without its template
// machinery: a Dataset hands out (data, target) pairs by index, and a DataLoader walks it in
// batches, reshuffled every epoch.
//
//   ember::data::TensorDataset ds(images, labels);
//   ember::data::DataLoader loader(ds, ember::data::DataLoaderOptions().batch_size(64).shuffle(true).seed(1));
//   for (int epoch = 0; epoch < 5; ++epoch)
//       for (auto& batch : loader)          // each range-for is one epoch
//           train_step(batch.data, batch.target);
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ember/data/dataloader_options.h"
#include "ember/tensor/tensor.h"

namespace ember::data {

// One example or one batch of them. `target` is undefined for unlabelled data.
struct Batch {
    Tensor data;
    Tensor target;
};

// A custom data set: override get() and size(). get_batch() collates by stacking get(i) along a
// new first dimension; override it when a faster gather exists (TensorDataset does).
class Dataset {
public:
    virtual ~Dataset() = default;
    virtual Batch get(int64_t index) const = 0;
    virtual int64_t size() const = 0;
    virtual Batch get_batch(const std::vector<int64_t>& indices) const;
};

// Examples are the rows (first-dimension slices) of `data` and `targets` (targets optional).
class TensorDataset : public Dataset {
public:
    explicit TensorDataset(Tensor data, Tensor targets = Tensor());
    Batch get(int64_t index) const override;  // views data[index], targets[index]
    int64_t size() const override { return data_.size(0); }
    // One index_select per tensor: a single gather copy, whatever the order.
    Batch get_batch(const std::vector<int64_t>& indices) const override;
    const Tensor& data() const { return data_; }
    const Tensor& targets() const { return targets_; }

private:
    Tensor data_, targets_;
};

class DataLoader {
public:
    DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});
    // Takes a copy of a concrete data set (cheap for TensorDataset: tensors are handles).
    template <typename D>
    requires std::derived_from<std::decay_t<D>, Dataset> DataLoader(D&& dataset, DataLoaderOptions options = {})
        : DataLoader(std::make_shared<const std::decay_t<D>>(std::forward<D>(dataset)), options) {}

    // An input iterator over one epoch's batches; a batch is gathered when first dereferenced.
    class Iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        using pointer = Batch*;
        using reference = Batch&;

        Iterator() = default;
        Batch& operator*();
        Batch* operator->() { return &**this; }
        Iterator& operator++();
        bool operator==(const Iterator& other) const { return batch_ == other.batch_; }

    private:
        friend class DataLoader;
        Iterator(const DataLoader* loader, std::shared_ptr<const std::vector<int64_t>> order, int64_t batch)
            : loader_(loader), order_(std::move(order)), batch_(batch) {}
        const DataLoader* loader_ = nullptr;
        std::shared_ptr<const std::vector<int64_t>> order_;
        int64_t batch_ = 0;
        std::optional<Batch> current_;
    };

    // Starts the next epoch: epoch e (counting from 0) visits every index exactly once (minus the
    // last partial batch under drop_last), in the order epoch_order(e).
    Iterator begin();
    Iterator end() const { return Iterator(this, nullptr, size()); }

    // Batches per epoch: ceil(N / batch_size), or floor with drop_last.
    int64_t size() const;
    // Epochs started so far (the next begin() runs epoch `epoch()`); set_epoch rewinds or skips.
    int64_t epoch() const { return epoch_; }
    void set_epoch(int64_t epoch) { epoch_ = epoch; }
    // The sample order of epoch e: 0..N-1, or with shuffle a permutation that is a pure function of
    // (seed, e), different for different epochs.
    std::vector<int64_t> epoch_order(int64_t epoch) const;

    const Dataset& dataset() const { return *dataset_; }
    const DataLoaderOptions& options() const { return options_; }

private:
    std::shared_ptr<const Dataset> dataset_;
    DataLoaderOptions options_;
    int64_t epoch_ = 0;
};

}  // namespace ember::data
