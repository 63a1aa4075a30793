#pragma once
// The options of a data loader, spelled as libtorch's torch::data::DataLoaderOptions:
// `opts.batch_size(64)` sets (and returns the options, to chain), `opts.batch_size()` reads.
//
// batch_size, workers, max_jobs, timeout, enforce_ordering and drop_last are libtorch's and
// configure the loaders of make_data_loader (dataloader.h). shuffle and seed are ember's and only
// ember's own ember::data::DataLoader (dataset.h) reads them; drop_last and batch_size serve both.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "ember/tensor/optional.h"

namespace ember::data {

class DataLoaderOptions {
public:
    DataLoaderOptions() = default;
    // Implicit, as libtorch's: make_data_loader(dataset, 64).
    DataLoaderOptions(size_t batch_size) : batch_size_(batch_size) {}

    // Examples per batch.
    DataLoaderOptions& batch_size(size_t v) {
        batch_size_ = v;
        return *this;
    }
    // Threads that fetch batches ahead of the loop; 0 fetches each batch in the loop's thread.
    DataLoaderOptions& workers(size_t v) {
        workers_ = v;
        return *this;
    }
    // Batches requested ahead at most (the bound of the prefetch queue); default 2 * workers.
    DataLoaderOptions& max_jobs(optional<size_t> v) {
        max_jobs_ = v;
        return *this;
    }
    // How long the loop waits for a worker's next batch before throwing; default forever.
    DataLoaderOptions& timeout(optional<std::chrono::milliseconds> v) {
        timeout_ = v;
        return *this;
    }
    // Batches arrive in the sampler's order whatever the number of workers (true), or as workers
    // finish them (false).
    DataLoaderOptions& enforce_ordering(bool v) {
        enforce_ordering_ = v;
        return *this;
    }
    // Omit a final batch smaller than batch_size.
    DataLoaderOptions& drop_last(bool v) {
        drop_last_ = v;
        return *this;
    }
    // ember::data::DataLoader only: reshuffle every epoch, from this seed.
    DataLoaderOptions& shuffle(bool v) {
        shuffle_ = v;
        return *this;
    }
    DataLoaderOptions& seed(uint64_t v) {
        seed_ = v;
        return *this;
    }

    const size_t& batch_size() const noexcept { return batch_size_; }
    const size_t& workers() const noexcept { return workers_; }
    const optional<size_t>& max_jobs() const noexcept { return max_jobs_; }
    const optional<std::chrono::milliseconds>& timeout() const noexcept { return timeout_; }
    const bool& enforce_ordering() const noexcept { return enforce_ordering_; }
    const bool& drop_last() const noexcept { return drop_last_; }
    bool shuffle() const noexcept { return shuffle_; }
    uint64_t seed() const noexcept { return seed_; }

private:
    size_t batch_size_ = 1;
    size_t workers_ = 0;
    optional<size_t> max_jobs_;
    optional<std::chrono::milliseconds> timeout_;
    bool enforce_ordering_ = true;
    bool drop_last_ = false;
    bool shuffle_ = false;
    uint64_t seed_ = 0;
};

// The options with every default resolved (max_jobs = 2 * workers), as a loader made by
// make_data_loader reports them from options() (libtorch's FullDataLoaderOptions).
struct FullDataLoaderOptions {
    explicit FullDataLoaderOptions(DataLoaderOptions options)
        : batch_size(options.batch_size()),
          workers(options.workers()),
          max_jobs(options.max_jobs().value_or(2 * options.workers())),
          timeout(options.timeout()),
          enforce_ordering(options.enforce_ordering()),
          drop_last(options.drop_last()) {}

    size_t batch_size;
    size_t workers;
    size_t max_jobs;
    optional<std::chrono::milliseconds> timeout;
    bool enforce_ordering;
    bool drop_last;
};

}  // namespace ember::data
