// make_data_loader with worker threads: the same batches in the same order for any number of
// workers, a bounded prefetch, no deadlock on an early break or a destroyed loader, and a worker's
// exception rethrown in the loop's thread as itself. Also built under ThreadSanitizer
// (-DEMBER_TSAN=ON, target ember_tsan_tests; see docs/data.md), which checks the loader's locking.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "ember/ember.h"

using namespace ember;
namespace datasets = ember::data::datasets;
namespace samplers = ember::data::samplers;
namespace transforms = ember::data::transforms;
using data::DataLoaderOptions;
using data::Example;

namespace {

struct Boom : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What the copies of a data set (one per worker) share: counters and the threads that ran get().
struct Shared {
    std::atomic<int> started{0};  // get() calls begun
    std::mutex mutex;
    std::set<std::thread::id> threads;
};

// Example i: an image [1, 2, 2] of values i + k / 4 and target i. get() may sleep (so that workers
// are busy when the loop breaks) and throws Boom for index `fail`.
struct Images : datasets::Dataset<Images> {
    Images(size_t n, std::shared_ptr<Shared> shared, int sleep_us = 0, size_t fail = SIZE_MAX)
        : n(n), shared(std::move(shared)), sleep_us(sleep_us), fail(fail) {}
    Example<> get(size_t i) override {
        shared->started.fetch_add(1);
        {
            std::lock_guard<std::mutex> lock(shared->mutex);
            shared->threads.insert(std::this_thread::get_id());
        }
        if (sleep_us) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
        if (i == fail) throw Boom("get(" + std::to_string(i) + ") failed");
        Tensor img = arange(4, dtype(kFloat32)).div(4.0).add(static_cast<double>(i)).view({1, 2, 2});
        return {img, ember::tensor(static_cast<int64_t>(i))};
    }
    optional<size_t> size() const override { return n; }
    size_t n;
    std::shared_ptr<Shared> shared;
    int sleep_us;
    size_t fail;
};

auto pipeline(Images ds) { return std::move(ds).map(transforms::Normalize<>(0.5, 0.25)).map(transforms::Stack<>()); }

struct Epoch {
    std::vector<Tensor> data, targets;
};

template <typename Loader>
Epoch run_epoch(Loader& loader) {
    Epoch e;
    for (auto& batch : *loader) {
        e.data.push_back(batch.data);
        e.targets.push_back(batch.target);
    }
    return e;
}

bool same(const Epoch& a, const Epoch& b) {
    if (a.data.size() != b.data.size()) return false;
    for (size_t k = 0; k < a.data.size(); ++k)
        if (!a.data[k].equal(b.data[k]) || !a.targets[k].equal(b.targets[k])) return false;
    return true;
}

}  // namespace

TEST_CASE("DataLoader workers: the same batches in the same order with 0, 1 and 3 workers", "[data][loader][threads]") {
    for (bool random : {false, true}) {
        INFO("random sampler " << random);
        std::vector<std::vector<Epoch>> runs;
        for (size_t workers : {size_t(0), size_t(1), size_t(3)}) {
            auto shared = std::make_shared<Shared>();
            manual_seed(21);
            std::vector<Epoch> epochs;
            if (random) {
                auto loader =
                    data::make_data_loader(pipeline(Images(23, shared)), DataLoaderOptions(4).workers(workers));
                for (int e = 0; e < 3; ++e) epochs.push_back(run_epoch(loader));
            } else {
                auto loader = data::make_data_loader<samplers::SequentialSampler>(
                    pipeline(Images(23, shared)), DataLoaderOptions(4).workers(workers));
                for (int e = 0; e < 3; ++e) epochs.push_back(run_epoch(loader));
            }
            CHECK(shared->started.load() == 3 * 23);
            runs.push_back(std::move(epochs));
        }
        for (size_t r = 1; r < runs.size(); ++r)
            for (size_t e = 0; e < 3; ++e) CHECK(same(runs[r][e], runs[0][e]));
        // And the batches are the right ones: sequentially, targets 0..22 in batches of 4 + a last of 3,
        // data normalised from the closed form.
        const Epoch& first = runs[0][0];
        REQUIRE(first.data.size() == 6);
        CHECK(first.data.back().sizes() == IntArrayRef({3, 1, 2, 2}));
        std::multiset<int64_t> targets;
        for (const Tensor& t : first.targets)
            for (int64_t v : t.to_vector<int64_t>()) targets.insert(v);
        CHECK(targets.size() == 23);
        CHECK(std::set<int64_t>(targets.begin(), targets.end()).size() == 23);
        if (!random) {
            CHECK(first.targets[1].to_vector<int64_t>() == std::vector<int64_t>{4, 5, 6, 7});
            CHECK(first.data[1][0].flatten().to_vector<float>()[3] == Approx((4.75 - 0.5) / 0.25));
        }
    }
}

TEST_CASE("DataLoader workers: enforce_ordering(false) still yields every batch once", "[data][loader][threads]") {
    auto shared = std::make_shared<Shared>();
    auto loader = data::make_data_loader<samplers::SequentialSampler>(
        pipeline(Images(30, shared)), DataLoaderOptions(5).workers(3).enforce_ordering(false));
    std::vector<int64_t> firsts;
    for (auto& batch : *loader) firsts.push_back(batch.target[0].item<int64_t>());
    std::sort(firsts.begin(), firsts.end());
    CHECK(firsts == std::vector<int64_t>{0, 5, 10, 15, 20, 25});
}

TEST_CASE("DataLoader workers: get() and transforms run in the worker threads", "[data][loader][threads]") {
    for (size_t workers : {size_t(0), size_t(2)}) {
        auto shared = std::make_shared<Shared>();
        std::atomic<int> transformed{0};
        std::mutex mutex;
        std::set<std::thread::id> transform_threads;
        auto ds = Images(12, shared).map(transforms::TensorLambda<>([&](Tensor t) {
            ++transformed;
            std::lock_guard<std::mutex> lock(mutex);
            transform_threads.insert(std::this_thread::get_id());
            return t;
        }));
        auto loader = data::make_data_loader<samplers::SequentialSampler>(ds.map(transforms::Stack<>()),
                                                                          DataLoaderOptions(3).workers(workers));
        int batches = 0;
        for (auto& batch : *loader) batches += batch.data.size(0) == 3;
        CHECK(batches == 4);
        CHECK(transformed.load() == 12);
        const bool main_ran_get = shared->threads.count(std::this_thread::get_id()) > 0;
        const bool main_ran_transform = transform_threads.count(std::this_thread::get_id()) > 0;
        CHECK(main_ran_get == (workers == 0));
        CHECK(main_ran_transform == (workers == 0));
        CHECK(shared->threads.size() <= std::max<size_t>(workers, 1));
    }
}

TEST_CASE("DataLoader workers: at most max_jobs batches are fetched ahead", "[data][loader][threads]") {
    auto shared = std::make_shared<Shared>();
    auto loader = data::make_data_loader<samplers::SequentialSampler>(pipeline(Images(40, shared)),
                                                                      DataLoaderOptions(2).workers(3).max_jobs(2));
    CHECK(loader->options().max_jobs == 2);
    int popped = 0;
    for (auto& batch : *loader) {
        ++popped;
        (void)batch;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // let the workers run ahead if they could
        // Requests pushed = max_jobs at the start + one per batch popped; each is 2 examples.
        CHECK(shared->started.load() <= 2 * (2 + popped));
    }
    CHECK(popped == 20);
}

TEST_CASE("DataLoader workers: an early break, a new epoch, and destruction mid-epoch", "[data][loader][threads]") {
    auto shared = std::make_shared<Shared>();
    {
        auto loader = data::make_data_loader<samplers::SequentialSampler>(
            pipeline(Images(64, shared, /*sleep_us=*/500)), DataLoaderOptions(2).workers(3));
        for (auto& batch : *loader) {
            CHECK(batch.target[0].item<int64_t>() == 0);
            break;
        }
        // The next epoch starts over from the first batch (libtorch throws here instead).
        std::vector<int64_t> firsts;
        for (auto& batch : *loader) {
            firsts.push_back(batch.target[0].item<int64_t>());
            if (firsts.size() == 3) break;
        }
        CHECK(firsts == std::vector<int64_t>{0, 2, 4});
        // Then a complete epoch: the batches fetched ahead for the abandoned ones are gone.
        std::vector<int64_t> all;
        for (auto& batch : *loader)
            for (int64_t v : batch.target.to_vector<int64_t>()) all.push_back(v);
        REQUIRE(all.size() == 64);
        for (int64_t i = 0; i < 64; ++i) CHECK(all[i] == i);
        // Leaving the scope mid-epoch, with workers sleeping in get(): the destructor joins them.
        auto it = loader->begin();
        CHECK(it != loader->end());
    }
    SUCCEED("no deadlock");
}

TEST_CASE("DataLoader workers: an exception in get() reaches the loop as itself", "[data][loader][threads]") {
    for (size_t workers : {size_t(0), size_t(1), size_t(3)}) {
        INFO("workers " << workers);
        auto shared = std::make_shared<Shared>();
        auto loader = data::make_data_loader<samplers::SequentialSampler>(pipeline(Images(12, shared, 0, /*fail=*/5)),
                                                                          DataLoaderOptions(2).workers(workers));
        std::vector<int64_t> firsts;
        bool thrown = false;
        try {
            for (auto& batch : *loader) firsts.push_back(batch.target[0].item<int64_t>());
        } catch (const Boom& e) {
            thrown = true;
            CHECK(std::string(e.what()) == "get(5) failed");
        }
        CHECK(thrown);
        CHECK(firsts == std::vector<int64_t>{0, 2});  // the batches before the failing one {4, 5}
        // The loader is still usable; going on past the failure by hand gives the batches after it.
        auto it = loader->begin();
        std::vector<int64_t> rest;
        for (int k = 0; k < 6; ++k) {
            try {
                if (it == loader->end()) break;
                rest.push_back(it->target[0].item<int64_t>());
                ++it;
            } catch (const Boom&) {
                rest.push_back(-1);
            }
        }
        CHECK(rest == std::vector<int64_t>{0, 2, -1, 6, 8, 10});
    }
}

TEST_CASE("DataLoader workers: timeout throws instead of waiting forever", "[data][loader][threads]") {
    auto shared = std::make_shared<Shared>();
    auto loader = data::make_data_loader<samplers::SequentialSampler>(
        pipeline(Images(4, shared, /*sleep_us=*/100000)),
        DataLoaderOptions(2).workers(1).timeout(std::chrono::milliseconds(20)));
    bool thrown = false;
    try {
        for (auto& batch : *loader) (void)batch;
    } catch (const Error& e) {
        thrown = true;
        CHECK(std::string(e.what()).find("timeout of 20 ms") != std::string::npos);
    }
    CHECK(thrown);
}
