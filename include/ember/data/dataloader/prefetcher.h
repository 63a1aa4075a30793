#pragma once
// The worker threads of a data loader (dataloader/stateless.h): they turn batch requests into
// batches ahead of the loop that consumes them.
//
// The loop's thread push()es requests, each numbered in order; a worker takes the oldest queued
// request, fetches it without holding the lock, and files the batch (or the exception the fetch
// threw) under its number; pop() hands out the result numbered next (ordered) or the first one
// finished (unordered). Requests are only pushed by the loop, one per result it pops, so at most
// max_jobs requests are queued, being fetched or waiting to be popped: the queue is bounded
// without a second condition to wait on.
//
// reset() forgets every outstanding request without waiting: it moves to a new generation, and a
// worker still fetching for the old one drops its result. stop() (and the destructor) lets each
// worker finish the fetch it is in, then joins them; nothing waits on a result that will not come.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "ember/tensor/error.h"
#include "ember/tensor/optional.h"

namespace ember::data::detail {

template <typename Request, typename Batch>
class BatchPrefetcher {
public:
    // What one worker calls; it owns what it captures (its own copy of the data set).
    using Fetch = std::function<Batch(Request)>;

    struct Result {
        optional<Batch> batch;
        std::exception_ptr error;  // set instead of batch when the fetch threw
    };

    // One thread per fetch function.
    BatchPrefetcher(std::vector<Fetch> fetchers, bool ordered, optional<std::chrono::milliseconds> timeout)
        : ordered_(ordered), timeout_(timeout) {
        threads_.reserve(fetchers.size());
        try {
            for (Fetch& f : fetchers) threads_.emplace_back([this, f = std::move(f)]() mutable { work(f); });
        } catch (...) {
            stop();  // threads that did start must not outlive *this
            throw;
        }
    }
    ~BatchPrefetcher() { stop(); }
    BatchPrefetcher(const BatchPrefetcher&) = delete;
    BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

    void push(Request request) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            jobs_.push_back(Job{generation_, next_push_++, std::move(request)});
        }
        ++in_flight_;
        job_ready_.notify_one();
    }

    // Requests pushed and not yet popped (only the loop's thread pushes and pops).
    size_t in_flight() const noexcept { return in_flight_; }

    // Waits for the next result; throws ember::Error after `timeout` without one. Call only while
    // in_flight() > 0.
    Result pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        auto ready = [this] { return ordered_ ? results_.count(next_pop_) > 0 : !results_.empty(); };
        if (timeout_) {
            if (!result_ready_.wait_for(lock, *timeout_, ready))
                throw Error(str_cat("DataLoader: no batch arrived from the worker threads within the timeout of ",
                                    timeout_->count(), " ms"));
        } else {
            result_ready_.wait(lock, ready);
        }
        auto it = ordered_ ? results_.find(next_pop_) : results_.begin();
        Result result = std::move(it->second);
        results_.erase(it);
        ++next_pop_;
        --in_flight_;
        return result;
    }

    // Forgets every outstanding request (see the top of the file); numbering restarts at 0.
    void reset() {
        std::deque<Job> dropped_jobs;
        std::map<size_t, Result> dropped_results;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++generation_;
            dropped_jobs.swap(jobs_);
            dropped_results.swap(results_);
            next_push_ = next_pop_ = 0;
        }
        in_flight_ = 0;
        // The dropped batches are destroyed here, outside the lock.
    }

    // Joins the workers (each after the fetch it is in); idempotent.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        job_ready_.notify_all();
        for (std::thread& t : threads_)
            if (t.joinable()) t.join();
    }

private:
    struct Job {
        uint64_t generation;
        size_t sequence;
        Request request;
    };

    void work(Fetch& fetch) {
        std::unique_lock<std::mutex> lock(mutex_);
        while (true) {
            job_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            Job job = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            Result result;
            try {
                result.batch.emplace(fetch(std::move(job.request)));
            } catch (...) {
                result.error = std::current_exception();
            }
            lock.lock();
            if (job.generation == generation_) {
                results_.emplace(job.sequence, std::move(result));
                result_ready_.notify_one();
            } else {
                lock.unlock();  // a stale batch: destroyed without holding the lock
                result = Result();
                lock.lock();
            }
        }
    }

    const bool ordered_;
    const optional<std::chrono::milliseconds> timeout_;
    std::mutex mutex_;
    std::condition_variable job_ready_, result_ready_;
    std::deque<Job> jobs_;              // queued, in push order
    std::map<size_t, Result> results_;  // finished, by sequence number
    uint64_t generation_ = 0;
    size_t next_push_ = 0, next_pop_ = 0;
    size_t in_flight_ = 0;  // the loop's thread only
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace ember::data::detail
