#pragma once
// StatelessDataLoader: libtorch's loader for a data set addressed by batch requests. The sampler
// (run in the loop's thread) makes each epoch's requests; the data set (with its transforms)
// turns them into batches, in the loop's thread when `workers` is 0, otherwise in `workers`
// threads that each own a copy of the data set and fetch up to max_jobs batches ahead.
//
// With enforce_ordering (the default) batches arrive in the sampler's order, so an epoch yields
// the same batches whatever the number of workers. An exception thrown while fetching a batch
// (by get(), get_batch() or a transform) is rethrown, as itself, by the iteration that reaches
// that batch; the loader stays usable. Breaking out of an epoch, starting a new one with begin()
// or destroying the loader discards the batches fetched ahead and never waits on one.
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "ember/data/dataloader/iterator.h"
#include "ember/data/dataloader/prefetcher.h"
#include "ember/data/dataloader_options.h"

namespace ember::data {

namespace detail {
// The options with defaults resolved, after checking them (ValueError naming the bad one).
FullDataLoaderOptions checked_loader_options(const DataLoaderOptions& options);
}  // namespace detail

template <typename Dataset, typename Sampler>
class StatelessDataLoader {
public:
    using BatchType = typename Dataset::BatchType;
    using BatchRequestType = typename Sampler::BatchRequestType;

    StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
        : options_(detail::checked_loader_options(options)), sampler_(std::move(sampler)) {
        if (options_.workers == 0) {
            main_thread_dataset_ = std::make_unique<Dataset>(std::move(dataset));
            return;
        }
        std::vector<typename Prefetcher::Fetch> fetchers;
        fetchers.reserve(options_.workers);
        for (size_t w = 0; w < options_.workers; ++w)
            fetchers.emplace_back(
                [copy = dataset](BatchRequestType request) mutable { return copy.get_batch(std::move(request)); });
        prefetcher_ = std::make_unique<Prefetcher>(std::move(fetchers), options_.enforce_ordering, options_.timeout);
    }
    StatelessDataLoader(const StatelessDataLoader&) = delete;
    StatelessDataLoader& operator=(const StatelessDataLoader&) = delete;
    ~StatelessDataLoader() = default;  // the prefetcher joins the workers

    // Starts an epoch (resetting the sampler; any epoch in progress is abandoned).
    Iterator<BatchType> begin() {
        EMBER_ENFORCE(!joined_, Error, "DataLoader: begin() after join(): the worker threads are gone");
        sampler_.reset();
        if (prefetcher_) {
            prefetcher_->reset();
            prefetch(options_.max_jobs);
        }
        return Iterator<BatchType>([this] { return next(); });
    }
    Iterator<BatchType> end() { return Iterator<BatchType>(); }

    // Joins the worker threads (after the fetches they are in); the loader cannot iterate again.
    void join() {
        if (prefetcher_) prefetcher_->stop();
        joined_ = true;
    }

    const FullDataLoaderOptions& options() const noexcept { return options_; }

private:
    using Prefetcher = detail::BatchPrefetcher<BatchRequestType, BatchType>;

    // The sampler's next request, or nullopt at the end of the epoch (or at a final partial batch
    // under drop_last).
    optional<BatchRequestType> next_request() {
        auto request = sampler_.next(options_.batch_size);
        if (!request || (request->size() < options_.batch_size && options_.drop_last)) return nullopt;
        EMBER_ENFORCE(request->size() > 0, ValueError, "DataLoader: the sampler returned an empty batch request");
        return request;
    }

    void prefetch(size_t jobs) {
        for (size_t j = 0; j < jobs; ++j) {
            auto request = next_request();
            if (!request) break;
            prefetcher_->push(std::move(*request));
        }
    }

    optional<BatchType> next() {
        if (!prefetcher_) {
            if (auto request = next_request()) return main_thread_dataset_->get_batch(std::move(*request));
            return nullopt;
        }
        if (prefetcher_->in_flight() == 0) return nullopt;
        auto result = prefetcher_->pop();
        // Refilled before rethrowing a failed fetch, so that an epoch can go on past it.
        prefetch(1);
        if (result.error) std::rethrow_exception(result.error);
        return std::move(result.batch);
    }

    const FullDataLoaderOptions options_;
    Sampler sampler_;
    std::unique_ptr<Dataset> main_thread_dataset_;  // workers == 0 only
    std::unique_ptr<Prefetcher> prefetcher_;        // workers > 0 only
    bool joined_ = false;
};

}  // namespace ember::data
