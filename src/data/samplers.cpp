// libtorch's samplers (see include/ember/data/samplers/*.h).
#include <algorithm>
#include <numeric>
#include <random>

#include "ember/data/samplers/distributed.h"
#include "ember/data/samplers/random.h"
#include "ember/data/samplers/sequential.h"
#include "ember/ops/ops.h"

namespace ember::data::samplers {

namespace {

void check_batch_size(const char* sampler, size_t batch_size) {
    EMBER_ENFORCE(batch_size >= 1, ValueError, sampler, "::next: batch_size must be >= 1, got 0");
}

}  // namespace

// ---- SequentialSampler ----

void SequentialSampler::reset(optional<size_t> new_size) {
    if (new_size) size_ = *new_size;
    index_ = 0;
}

optional<std::vector<size_t>> SequentialSampler::next(size_t batch_size) {
    check_batch_size("SequentialSampler", batch_size);
    const size_t remaining = size_ - index_;
    if (remaining == 0) return nullopt;
    std::vector<size_t> batch(std::min(batch_size, remaining));
    std::iota(batch.begin(), batch.end(), index_);
    index_ += batch.size();
    return batch;
}

// ---- RandomSampler ----

RandomSampler::RandomSampler(int64_t size, Dtype index_dtype) {
    EMBER_ENFORCE(size >= 0, ValueError, "RandomSampler: size must be >= 0, got ", size);
    indices_ = randperm(size, dtype(index_dtype));
}

RandomSampler::~RandomSampler() = default;

void RandomSampler::reset(optional<size_t> new_size) {
    const int64_t size = new_size ? static_cast<int64_t>(*new_size) : indices_.numel();
    indices_ = randperm(size, dtype(indices_.dtype()));
    index_ = 0;
}

optional<std::vector<size_t>> RandomSampler::next(size_t batch_size) {
    check_batch_size("RandomSampler", batch_size);
    const int64_t remaining = indices_.numel() - index_;
    if (remaining == 0) return nullopt;
    const int64_t n = std::min(static_cast<int64_t>(batch_size), remaining);
    const std::vector<int64_t> picked = indices_.slice(0, index_, index_ + n).to(kInt64).to_vector<int64_t>();
    index_ += n;
    return std::vector<size_t>(picked.begin(), picked.end());
}

// ---- DistributedRandomSampler ----

DistributedRandomSampler::DistributedRandomSampler(size_t size, size_t num_replicas, size_t rank, bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
    reset(size_);
}

void DistributedRandomSampler::populate_indices() {
    const size_t local = local_sample_count();
    // One replica takes the whole data set; otherwise the list is cut or padded to a multiple of
    // num_replicas, the padding repeating indices from the front. Padding index i is i mod size:
    // libtorch writes i - size, which is past the data set when the padding outnumbers it (1
    // example on 3 ranks); the two agree otherwise.
    const size_t count = num_replicas_ == 1 ? size_ : local * num_replicas_;
    all_indices_.resize(count);
    for (size_t i = 0; i < count; ++i) all_indices_[i] = i % size_;
    begin_index_ = rank_ * local;
    end_index_ = begin_index_ + local;
    sample_index_ = begin_index_;
}

void DistributedRandomSampler::reset(optional<size_t> new_size) {
    size_ = new_size.value_or(size_);
    populate_indices();
    // Seeded by the epoch alone, so that every rank draws the same permutation and the shards stay
    // disjoint. std::mt19937 and std::shuffle, as libtorch does: the same orders as libtorch's on
    // the same standard library.
    std::mt19937 generator(static_cast<std::mt19937::result_type>(epoch_));
    std::shuffle(all_indices_.begin(), all_indices_.end(), generator);
    sample_index_ = begin_index_;
}

optional<std::vector<size_t>> DistributedRandomSampler::next(size_t batch_size) {
    check_batch_size("DistributedRandomSampler", batch_size);
    if (sample_index_ == end_index_) return nullopt;
    const size_t end = std::min(sample_index_ + batch_size, end_index_);
    std::vector<size_t> batch(all_indices_.begin() + static_cast<std::ptrdiff_t>(sample_index_),
                              all_indices_.begin() + static_cast<std::ptrdiff_t>(end));
    sample_index_ = end;
    return batch;
}

// ---- DistributedSequentialSampler ----

DistributedSequentialSampler::DistributedSequentialSampler(size_t size, size_t num_replicas, size_t rank,
                                                           bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
    populate_indices();
}

void DistributedSequentialSampler::populate_indices() {
    begin_index_ = rank_ * local_sample_count();
    end_index_ = begin_index_ + local_sample_count();
    sample_index_ = begin_index_;
}

void DistributedSequentialSampler::reset(optional<size_t> new_size) {
    size_ = new_size.value_or(size_);
    populate_indices();
}

optional<std::vector<size_t>> DistributedSequentialSampler::next(size_t batch_size) {
    check_batch_size("DistributedSequentialSampler", batch_size);
    if (sample_index_ == end_index_) return nullopt;
    const size_t end = std::min(sample_index_ + batch_size, end_index_);
    std::vector<size_t> batch(end - sample_index_);
    // Positions past the data set are the padding: they wrap around to its first indices.
    for (size_t k = 0; k < batch.size(); ++k) batch[k] = (sample_index_ + k) % size_;
    sample_index_ = end;
    return batch;
}

}  // namespace ember::data::samplers
