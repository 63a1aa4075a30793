// libtorch's torch::data API in ember::data: examples, data sets, transforms, samplers, MNIST and
// make_data_loader in the loop's thread (the worker threads are tested in
// test_data_loader_threads.cpp).
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>

#include "core_test_util.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
namespace datasets = ember::data::datasets;
namespace samplers = ember::data::samplers;
namespace transforms = ember::data::transforms;
using core_test::raw_values;
using core_test::require_throws_with;
using data::Example;
using data::TensorExample;
using ember_test::append_be32;
using ember_test::ScratchDir;

namespace {

std::vector<size_t> iota(size_t n) {
    std::vector<size_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = i;
    return v;
}

// Every index the sampler hands out in one epoch (after reset), in order.
template <typename S>
std::vector<size_t> drain(S& sampler, size_t batch_size, std::vector<size_t>* sizes = nullptr) {
    std::vector<size_t> seen;
    sampler.reset();
    while (auto batch = sampler.next(batch_size)) {
        REQUIRE(!batch->empty());
        REQUIRE(batch->size() <= batch_size);
        if (sizes) sizes->push_back(batch->size());
        seen.insert(seen.end(), batch->begin(), batch->end());
    }
    return seen;
}

// Example i: data [2] = {i, -i}, target int64 scalar 100 + i.
struct Pairs : datasets::Dataset<Pairs> {
    explicit Pairs(size_t n) : n(n) {}
    Example<> get(size_t i) override {
        const double v = static_cast<double>(i);
        return {ember::tensor({v, -v}), ember::tensor(static_cast<int64_t>(100 + i))};
    }
    optional<size_t> size() const override { return n; }
    size_t n;
};

// An IDX file assembled byte by byte, independently of ember's writer.
std::vector<uint8_t> idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
    for (uint32_t d : dims) append_be32(b, d);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes, bool gz) {
    if (!gz) return ember_test::write_bytes(path, bytes);
    gzFile f = gzopen((path + ".gz").c_str(), "wb9");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    REQUIRE(gzclose(f) == Z_OK);
}

// n images of 2 x 3 pixels: pixel k of image i is (37 i + 11 k) mod 256; label i mod 10 (+ 5 for the
// test split, to tell the splits apart).
std::vector<uint8_t> pixel_bytes(uint32_t n) {
    std::vector<uint8_t> px;
    for (uint32_t i = 0; i < n; ++i)
        for (uint32_t k = 0; k < 6; ++k) px.push_back(static_cast<uint8_t>((37 * i + 11 * k) % 256));
    return px;
}
void write_mnist_split(const ScratchDir& dir, const std::string& split, uint32_t n, bool gz) {
    std::vector<uint8_t> labels;
    for (uint32_t i = 0; i < n; ++i) labels.push_back(static_cast<uint8_t>(i % 10 + (split == "t10k" ? 5 : 0)));
    write_file(dir.file(split + "-images-idx3-ubyte"), idx_bytes(0x08, {n, 2, 3}, pixel_bytes(n)), gz);
    write_file(dir.file(split + "-labels-idx1-ubyte"), idx_bytes(0x08, {n}, labels), gz);
}

}  // namespace

TEST_CASE("data::Example holds data and target; TensorExample converts to its tensor", "[data][api]") {
    Example<> e(ember::tensor({1.0, 2.0}), ember::tensor(int64_t(3)));
    CHECK(raw_values(e.data) == std::vector<double>{1, 2});
    CHECK(e.target.item<int64_t>() == 3);
    static_assert(std::is_same_v<Example<>::DataType, Tensor> && std::is_same_v<Example<>::TargetType, Tensor>);
    TensorExample t = ember::tensor({4.0});  // implicit from a tensor, as libtorch's
    const Tensor& as_tensor = t;
    CHECK(as_tensor.is_same(t.data));
    static_assert(std::is_same_v<TensorExample::TargetType, void>);
}

TEST_CASE("datasets::TensorDataset: the rows of one tensor, without targets", "[data][api]") {
    Tensor x = arange(12, dtype(kFloat32)).view({4, 3});
    datasets::TensorDataset ds(x);
    CHECK(ds.size().value() == 4);
    TensorExample row = ds.get(2);
    CHECK(raw_values(row.data) == std::vector<double>{6, 7, 8});
    // The default get_batch gathers the examples of a request, in the request's order.
    std::vector<size_t> request = {3, 0, 3};
    auto batch = ds.get_batch(request);
    REQUIRE(batch.size() == 3);
    CHECK(raw_values(batch[0].data) == std::vector<double>{9, 10, 11});
    CHECK(raw_values(batch[1].data) == std::vector<double>{0, 1, 2});
    CHECK(raw_values(batch[2].data) == std::vector<double>{9, 10, 11});
    // From a list of tensors: stacked.
    datasets::TensorDataset listed(std::vector<Tensor>{ember::tensor({1.0, 2.0}), ember::tensor({3.0, 4.0})});
    CHECK(listed.tensor.sizes() == IntArrayRef({2, 2}));
    CHECK(raw_values(listed.get(1).data) == std::vector<double>{3, 4});
    require_throws_with<IndexError>([&] { (void)ds.get(4); }, {"TensorDataset::get", "4", "4 examples"});
    require_throws_with<IndexError>([&] { (void)ds.get(static_cast<size_t>(-1)); }, {"TensorDataset::get"});
}

TEST_CASE("transforms::Normalize matches (x - mean) / stddev, per channel", "[data][api][transforms]") {
    // Scalar form, as the MNIST examples write it: every element of [1, 2, 3].
    Tensor img = arange(6, dtype(kFloat32)).div(5.0).view({1, 2, 3});
    transforms::Normalize<> scalar(0.1307, 0.3081);
    CHECK(scalar.mean.sizes() == IntArrayRef({1, 1, 1}));
    Tensor out = scalar(img);
    CHECK(out.sizes() == IntArrayRef({1, 2, 3}));
    auto v = raw_values(out);
    for (int k = 0; k < 6; ++k) CHECK(v[k] == Approx((k / 5.0 - 0.1307) / 0.3081).epsilon(1e-6));
    // Per channel: channel c of [2, 2, 2] uses mean[c], stddev[c].
    transforms::Normalize<> per_channel({0.5, -1.0}, {2.0, 4.0});
    Tensor two = arange(8, dtype(kFloat32)).view({2, 2, 2});
    auto w = raw_values(per_channel(two));
    for (int k = 0; k < 8; ++k) {
        const double mean = k < 4 ? 0.5 : -1.0, stddev = k < 4 ? 2.0 : 4.0;
        CHECK(w[k] == Approx((k - mean) / stddev).epsilon(1e-6));
    }
    // As a transform of examples: the data changes, the target is kept.
    auto e = per_channel.apply(Example<>(two, ember::tensor(int64_t(9))));
    CHECK(raw_values(e.data) == w);
    CHECK(e.target.item<int64_t>() == 9);
    // libtorch's broadcasting of a 1-D input against the [C, 1, 1] mean: [D] -> [1, 1, D].
    CHECK(scalar(ember::ones({5})).sizes() == IntArrayRef({1, 1, 5}));
}

TEST_CASE("transforms::Stack collates examples into stacked tensors", "[data][api][transforms]") {
    auto ds = Pairs(5).map(transforms::Stack<>());
    static_assert(std::is_same_v<decltype(ds)::OutputBatchType, Example<>>);
    CHECK(ds.size().value() == 5);
    std::vector<size_t> request = {4, 1, 2};
    Example<> batch = ds.get_batch(request);
    CHECK(batch.data.sizes() == IntArrayRef({3, 2}));
    CHECK(batch.target.sizes() == IntArrayRef({3}));
    CHECK(batch.target.dtype() == kInt64);
    CHECK(raw_values(batch.data) == std::vector<double>{4, -4, 1, -1, 2, -2});
    CHECK(raw_values(batch.target) == std::vector<double>{104, 101, 102});
    // Without targets.
    auto rows =
        datasets::TensorDataset(arange(6, dtype(kFloat32)).view({3, 2})).map(transforms::Stack<TensorExample>());
    TensorExample stacked = rows.get_batch(std::vector<size_t>{2, 0});
    CHECK(stacked.data.sizes() == IntArrayRef({2, 2}));
    CHECK(raw_values(stacked.data) == std::vector<double>{4, 5, 0, 1});
}

TEST_CASE("Lambda, TensorLambda, BatchLambda and Collate apply where libtorch does", "[data][api][transforms]") {
    // Lambda: per example; TensorLambda: per data tensor; then a BatchLambda on the whole batch.
    auto ds = Pairs(4)
                  .map(transforms::Lambda<Example<>>([](Example<> e) {
                      e.target = e.target - 100;
                      return e;
                  }))
                  .map(transforms::TensorLambda<>([](Tensor t) { return t * 10; }))
                  .map(transforms::BatchLambda<std::vector<Example<>>, double>([](std::vector<Example<>> b) {
                      double total = 0;
                      for (auto& e : b) total += e.data.sum().item<double>() + e.target.item<double>();
                      return total;
                  }));
    // data (10 i, -10 i) sums to 0; targets i: 3 + 1 = 4.
    CHECK(ds.get_batch(std::vector<size_t>{3, 1}) == 4.0);
    transforms::Collate<Example<>> first([](std::vector<Example<>> b) { return b.front(); });
    auto firsts = Pairs(3).map(first);
    CHECK(firsts.get_batch(std::vector<size_t>{2, 0}).target.item<int64_t>() == 102);
}

TEST_CASE("datasets::MNIST reads the four IDX files, plain and gzip", "[data][api][mnist]") {
    for (bool gz : {false, true}) {
        INFO("gzip " << gz);
        ScratchDir dir("mnist_api");
        write_mnist_split(dir, "train", 12, gz);
        write_mnist_split(dir, "t10k", 3, gz);
        datasets::MNIST train(dir.path().string(), datasets::MNIST::Mode::kTrain);
        CHECK(train.is_train());
        CHECK(train.size().value() == 12);
        CHECK(train.images().sizes() == IntArrayRef({12, 1, 2, 3}));
        CHECK(train.images().dtype() == kFloat32);
        CHECK(train.targets().sizes() == IntArrayRef({12}));
        CHECK(train.targets().dtype() == kInt64);
        const auto px = pixel_bytes(12);
        for (size_t i : {size_t(0), size_t(7), size_t(11)}) {
            Example<> e = train.get(i);
            CHECK(e.data.sizes() == IntArrayRef({1, 2, 3}));
            CHECK(e.target.dim() == 0);
            CHECK(e.target.item<int64_t>() == static_cast<int64_t>(i % 10));
            auto v = raw_values(e.data);
            for (size_t k = 0; k < 6; ++k) CHECK(v[k] == Approx(px[6 * i + k] / 255.0).epsilon(1e-7));
        }
        datasets::MNIST test(dir.path().string(), datasets::MNIST::Mode::kTest);
        CHECK_FALSE(test.is_train());
        CHECK(test.size().value() == 3);
        CHECK(raw_values(test.targets()) == std::vector<double>{5, 6, 7});
        require_throws_with<IndexError>([&] { (void)test.get(3); }, {"MNIST::get", "3 examples"});
    }
    ScratchDir empty_dir("mnist_api_missing");
    const std::string root = empty_dir.path().string();
    require_throws_with<IOError>([&] { datasets::MNIST m(root); }, {root + "/train-images-idx3-ubyte"});
    require_throws_with<IOError>([&] { datasets::MNIST m(root, datasets::MNIST::Mode::kTest); },
                                 {root + "/t10k-images-idx3-ubyte"});
}

TEST_CASE("MNIST through Normalize and Stack gives normalised image batches", "[data][api][mnist]") {
    ScratchDir dir("mnist_api_pipeline");
    write_mnist_split(dir, "train", 10, false);
    auto ds =
        datasets::MNIST(dir.path().string()).map(transforms::Normalize<>(0.1307, 0.3081)).map(transforms::Stack<>());
    CHECK(ds.size().value() == 10);
    Example<> batch = ds.get_batch(std::vector<size_t>{0, 9, 4});
    CHECK(batch.data.sizes() == IntArrayRef({3, 1, 2, 3}));
    CHECK(raw_values(batch.target) == std::vector<double>{0, 9, 4});
    const auto px = pixel_bytes(10);
    auto v = raw_values(batch.data);
    const size_t images[] = {0, 9, 4};
    for (size_t b = 0; b < 3; ++b)
        for (size_t k = 0; k < 6; ++k)
            CHECK(v[6 * b + k] == Approx((px[6 * images[b] + k] / 255.0 - 0.1307) / 0.3081).epsilon(1e-5));
}

TEST_CASE("SequentialSampler: 0 .. n-1 in batches, every epoch", "[data][api][samplers]") {
    samplers::SequentialSampler s(10);
    std::vector<size_t> sizes;
    CHECK(drain(s, 4, &sizes) == iota(10));
    CHECK(sizes == std::vector<size_t>{4, 4, 2});
    CHECK(s.index() == 10);
    CHECK_FALSE(s.next(4).has_value());
    CHECK(drain(s, 3) == iota(10));
    s.reset(3);
    CHECK(*s.next(5) == iota(3));
    require_throws_with<ValueError>([&] { (void)s.next(0); }, {"SequentialSampler::next", "batch_size"});
}

TEST_CASE("RandomSampler: a permutation per epoch, reproducible after manual_seed", "[data][api][samplers]") {
    manual_seed(11);
    samplers::RandomSampler a(50);
    std::vector<size_t> e0 = drain(a, 7), e1 = drain(a, 7);
    for (const auto* e : {&e0, &e1}) {
        std::vector<size_t> sorted = *e;
        std::sort(sorted.begin(), sorted.end());
        CHECK(sorted == iota(50));  // every index exactly once
    }
    CHECK(e0 != e1);  // reshuffled (equal by chance with probability 1 / 50 factorial)
    CHECK(e0 != iota(50));
    manual_seed(11);
    samplers::RandomSampler b(50);
    CHECK(drain(b, 7) == e0);
    CHECK(drain(b, 50) == e1);  // batch size does not change the order
    b.reset(5);
    std::vector<size_t> small = *b.next(10);
    std::sort(small.begin(), small.end());
    CHECK(small == iota(5));
    CHECK_FALSE(b.next(10).has_value());
    samplers::RandomSampler none(0);
    CHECK_FALSE(none.next(1).has_value());
}

TEST_CASE("Distributed samplers: disjoint shards covering the data set, for 1..4 ranks", "[data][api][samplers]") {
    for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(7), size_t(10), size_t(12), size_t(13)})
        for (size_t world = 1; world <= 4; ++world)
            for (bool dup : {true, false})
                for (bool random : {false, true}) {
                    INFO("n " << n << " world " << world << " allow_duplicates " << dup << " random " << random);
                    const size_t local = dup ? (n + world - 1) / world : n / world;
                    // With one replica nothing is cut or padded.
                    const size_t total = world == 1 ? n : local * world;
                    for (size_t epoch : {size_t(0), size_t(3)}) {
                        std::map<size_t, int> count;
                        for (size_t rank = 0; rank < world; ++rank) {
                            std::vector<size_t> shard;
                            if (random) {
                                samplers::DistributedRandomSampler s(n, world, rank, dup);
                                s.set_epoch(epoch);
                                shard = drain(s, 3);
                            } else {
                                samplers::DistributedSequentialSampler s(n, world, rank, dup);
                                shard = drain(s, 3);
                            }
                            CHECK(shard.size() == (world == 1 ? n : local));
                            for (size_t i : shard) ++count[i];
                        }
                        // The padded (or cut) list: position i holds index i mod n (with 1 example on
                        // 4 ranks the padding wraps around more than once).
                        std::map<size_t, int> expected;
                        for (size_t i = 0; i < total; ++i) ++expected[i % n];
                        CHECK(count == expected);
                        if (dup) CHECK(count.size() == n);  // every example at least once
                        // allow_duplicates = false: no example twice (disjoint shards).
                        if (!dup)
                            for (const auto& [i, c] : count) CHECK(c == 1);
                    }
                }
}

TEST_CASE("DistributedRandomSampler: set_epoch reshuffles identically on every rank", "[data][api][samplers]") {
    // Two ranks' samplers made independently agree on the permutation of each epoch.
    auto order = [](size_t rank, size_t epoch) {
        samplers::DistributedRandomSampler s(20, 2, rank);
        s.set_epoch(epoch);
        return drain(s, 20);
    };
    for (size_t epoch : {size_t(0), size_t(1), size_t(5)}) {
        auto r0 = order(0, epoch), r1 = order(1, epoch);
        CHECK(r0 == order(0, epoch));
        std::vector<size_t> both = r0;
        both.insert(both.end(), r1.begin(), r1.end());
        std::sort(both.begin(), both.end());
        CHECK(both == iota(20));
    }
    CHECK(order(0, 0) != order(0, 1));
    // Without set_epoch every epoch repeats epoch 0 (as in libtorch).
    samplers::DistributedRandomSampler s(20, 2, 0);
    CHECK(drain(s, 4) == drain(s, 4));
    CHECK(s.epoch() == 0);
    // libtorch 1.13's orders for 10 examples on 3 ranks (printed by a program against libtorch),
    // which use the same std::mt19937 and std::shuffle.
    const std::vector<std::vector<size_t>> libtorch_e0 = {{0, 2, 1, 5}, {9, 1, 4, 7}, {6, 0, 3, 8}};
    const std::vector<std::vector<size_t>> libtorch_e1 = {{9, 0, 2, 5}, {1, 4, 6, 3}, {1, 8, 0, 7}};
    for (size_t rank = 0; rank < 3; ++rank) {
        samplers::DistributedRandomSampler r(10, 3, rank);
        CHECK(drain(r, 4) == libtorch_e0[rank]);
        r.set_epoch(1);
        CHECK(drain(r, 4) == libtorch_e1[rank]);
        samplers::DistributedSequentialSampler q(10, 3, rank);
        const std::vector<std::vector<size_t>> libtorch_seq = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 0, 1}};
        CHECK(drain(q, 4) == libtorch_seq[rank]);
    }
    require_throws_with<ValueError>([] { samplers::DistributedRandomSampler bad(10, 2, 2); },
                                    {"rank 2", "num_replicas 2"});
    require_throws_with<ValueError>([] { samplers::DistributedSequentialSampler bad(10, 0, 0); }, {"num_replicas"});
}

TEST_CASE("DataLoaderOptions: libtorch's options and defaults, ember's kept", "[data][api][loader]") {
    data::DataLoaderOptions o;
    CHECK(o.batch_size() == 1);
    CHECK(o.workers() == 0);
    CHECK_FALSE(o.max_jobs().has_value());
    CHECK_FALSE(o.timeout().has_value());
    CHECK(o.enforce_ordering());
    CHECK_FALSE(o.drop_last());
    o.batch_size(8).workers(3).timeout(std::chrono::milliseconds(250)).enforce_ordering(false).drop_last(true);
    data::FullDataLoaderOptions full(o);
    CHECK(full.batch_size == 8);
    CHECK(full.workers == 3);
    CHECK(full.max_jobs == 6);  // 2 * workers
    CHECK(full.timeout->count() == 250);
    CHECK_FALSE(full.enforce_ordering);
    CHECK(full.drop_last);
    CHECK(data::FullDataLoaderOptions(data::DataLoaderOptions(4).workers(2).max_jobs(1)).max_jobs == 1);
    data::DataLoaderOptions implicit = 64;  // make_data_loader(dataset, 64)
    CHECK(implicit.batch_size() == 64);
    CHECK(data::DataLoaderOptions().shuffle(true).seed(9).seed() == 9);
}

TEST_CASE("make_data_loader in the loop's thread: batches in the sampler's order", "[data][api][loader]") {
    auto loader = data::make_data_loader<samplers::SequentialSampler>(Pairs(10).map(transforms::Stack<>()),
                                                                      data::DataLoaderOptions().batch_size(4));
    CHECK(loader->options().batch_size == 4);
    CHECK(loader->options().workers == 0);
    for (int epoch = 0; epoch < 2; ++epoch) {
        std::vector<double> targets;
        std::vector<int64_t> sizes;
        for (auto& batch : *loader) {
            CHECK(batch.data.size(1) == 2);
            sizes.push_back(batch.data.size(0));
            for (double t : raw_values(batch.target)) targets.push_back(t);
        }
        CHECK(sizes == std::vector<int64_t>{4, 4, 2});
        CHECK(targets == std::vector<double>{100, 101, 102, 103, 104, 105, 106, 107, 108, 109});
    }
    // drop_last omits the final partial batch; without Stack a batch is the vector of examples.
    auto dropping = data::make_data_loader<samplers::SequentialSampler>(
        Pairs(10), data::DataLoaderOptions().batch_size(4).drop_last(true));
    std::vector<size_t> sizes;
    for (std::vector<Example<>>& batch : *dropping) sizes.push_back(batch.size());
    CHECK(sizes == std::vector<size_t>{4, 4});
    // An explicit sampler object, and iterators used by hand.
    auto shard = data::make_data_loader(Pairs(10), samplers::DistributedSequentialSampler(10, 2, 1),
                                        data::DataLoaderOptions(10));
    auto it = shard->begin();
    CHECK(it != shard->end());
    CHECK(it->size() == 5);
    CHECK((*it)[0].target.item<int64_t>() == 105);
    ++it;
    CHECK(it == shard->end());
    require_throws_with<IndexError>([&] { (void)*it; }, {"past the end"});
    require_throws_with<IndexError>([&] { ++it; }, {"past the end"});
}

TEST_CASE("make_data_loader(dataset, batch_size) shuffles with a RandomSampler from manual_seed",
          "[data][api][loader]") {
    auto epoch_targets = [](auto& loader) {
        std::vector<double> t;
        for (auto& batch : *loader)
            for (double v : raw_values(batch.target)) t.push_back(v);
        return t;
    };
    manual_seed(3);
    auto a = data::make_data_loader(Pairs(20).map(transforms::Stack<>()), 6);
    auto a0 = epoch_targets(a), a1 = epoch_targets(a);
    manual_seed(3);
    auto b = data::make_data_loader(Pairs(20).map(transforms::Stack<>()), 6);
    CHECK(epoch_targets(b) == a0);
    CHECK(epoch_targets(b) == a1);
    CHECK(a0 != a1);
    std::sort(a0.begin(), a0.end());
    std::vector<double> all;
    for (int i = 0; i < 20; ++i) all.push_back(100 + i);
    CHECK(a0 == all);
}

TEST_CASE("make_data_loader rejects options it cannot honour", "[data][api][loader]") {
    using data::DataLoaderOptions;
    using samplers::SequentialSampler;
    require_throws_with<ValueError>([] { (void)data::make_data_loader<SequentialSampler>(Pairs(4), 0); },
                                    {"make_data_loader", "batch_size", "got 0"});
    require_throws_with<ValueError>(
        [] { (void)data::make_data_loader<SequentialSampler>(Pairs(4), DataLoaderOptions(2).shuffle(true)); },
        {"make_data_loader", "shuffle", "sampler"});
    require_throws_with<ValueError>(
        [] { (void)data::make_data_loader<SequentialSampler>(Pairs(4), DataLoaderOptions(2).workers(2).max_jobs(0)); },
        {"make_data_loader", "max_jobs"});
    struct Unsized : datasets::Dataset<Unsized> {
        Example<> get(size_t) override { return {}; }
        optional<size_t> size() const override { return nullopt; }
    };
    require_throws_with<ValueError>([] { (void)data::make_data_loader(Unsized(), 2); }, {"sized"});
}
