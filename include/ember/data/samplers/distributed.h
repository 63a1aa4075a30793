#pragma once
// Samplers for data-parallel training (libtorch's DistributedRandomSampler and
// DistributedSequentialSampler): each of `num_replicas` processes makes one with its own `rank`
// and visits only its shard of the data set, the shards of all ranks being disjoint.
//
// With allow_duplicates (the default) every rank gets ceil(size / num_replicas) indices: the
// index list 0 .. size - 1 is padded to num_replicas * ceil(size / num_replicas) entries by
// repeating it from its start, so every example is visited at least once per epoch and the few
// padding ones twice. Without it every rank gets floor(size / num_replicas) and the last
// size % num_replicas examples are never visited (libtorch's rule: they are cut before shuffling).
//
// The random sampler shuffles the padded list with std::mt19937 seeded by the epoch, the same on
// every rank without any communication; call set_epoch(e) before each epoch (the loader's reset
// then reshuffles), otherwise every epoch repeats the order of epoch 0. This is the generator and
// shuffle libtorch uses, so with the same standard library the orders equal libtorch's.
#include <cstddef>
#include <vector>

#include "ember/data/samplers/base.h"

namespace ember::data::samplers {

template <typename BatchRequest = std::vector<size_t>>
class DistributedSampler : public Sampler<BatchRequest> {
public:
    DistributedSampler(size_t size, size_t num_replicas = 1, size_t rank = 0, bool allow_duplicates = true)
        : size_(size), num_replicas_(num_replicas), rank_(rank), epoch_(0), allow_duplicates_(allow_duplicates) {
        EMBER_ENFORCE(num_replicas >= 1, ValueError, "DistributedSampler: num_replicas must be >= 1, got ",
                      num_replicas);
        EMBER_ENFORCE(rank < num_replicas, ValueError, "DistributedSampler: rank ", rank,
                      " out of range for num_replicas ", num_replicas);
    }

    // Selects the shuffle of the next reset(); every rank must set the same epoch.
    void set_epoch(size_t epoch) { epoch_ = epoch; }
    size_t epoch() const { return epoch_; }

protected:
    // Indices per rank and epoch.
    size_t local_sample_count() const {
        return allow_duplicates_ ? (size_ + num_replicas_ - 1) / num_replicas_ : size_ / num_replicas_;
    }

    size_t size_;
    size_t num_replicas_;
    size_t rank_;
    size_t epoch_;
    bool allow_duplicates_;
};

class DistributedRandomSampler : public DistributedSampler<> {
public:
    DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0, bool allow_duplicates = true);

    void reset(optional<size_t> new_size = nullopt) override;
    optional<std::vector<size_t>> next(size_t batch_size) override;

    // Position in the shuffled padded list (begins at rank * local_sample_count()).
    size_t index() const noexcept { return sample_index_; }

private:
    void populate_indices();

    size_t begin_index_ = 0;
    size_t end_index_ = 0;
    size_t sample_index_ = 0;
    std::vector<size_t> all_indices_;
};

// Rank r visits the contiguous run [r * k, (r + 1) * k) of the padded list, k = local_sample_count().
class DistributedSequentialSampler : public DistributedSampler<> {
public:
    DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0, bool allow_duplicates = true);

    void reset(optional<size_t> new_size = nullopt) override;
    optional<std::vector<size_t>> next(size_t batch_size) override;

    size_t index() const noexcept { return sample_index_; }

private:
    void populate_indices();

    size_t begin_index_ = 0;
    size_t end_index_ = 0;
    size_t sample_index_ = 0;
};

}  // namespace ember::data::samplers
