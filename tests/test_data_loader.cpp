// DataLoader, datasets and the synthetic data sets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "core_test_util.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::data;
using core_test::require_throws_with;

namespace {

// Runs one epoch; returns the sample ids in visiting order (data row i holds the value i) and the
// batch sizes, and checks that each batch's target matches its data row for row.
std::pair<std::vector<int64_t>, std::vector<int64_t>> run_epoch(DataLoader& loader) {
    std::vector<int64_t> seen, sizes;
    for (auto& batch : loader) {
        REQUIRE(batch.data.dim() == 2);
        auto ids = batch.data.select(1, 0).to(kInt64).to_vector<int64_t>();
        auto targets = batch.target.to_vector<int64_t>();
        for (std::size_t k = 0; k < ids.size(); ++k) CHECK(targets[k] == 1000 + ids[k]);
        seen.insert(seen.end(), ids.begin(), ids.end());
        sizes.push_back(batch.data.size(0));
    }
    return {seen, sizes};
}

// 10 examples: data row i is [i, -i], target 1000 + i.
TensorDataset ten_examples() {
    Tensor ids = arange(10, dtype(kFloat32));
    return TensorDataset(stack({ids, ids.neg()}, 1), arange(10, dtype(kInt64)).add(1000));
}

// A custom dataset exercising the default (stacking) collation.
class SquaresDataset : public Dataset {
public:
    Batch get(int64_t i) const override {
        return {full({2}, double(i)), scalar_tensor(double(1000 + i), dtype(kInt64))};
    }
    int64_t size() const override { return 7; }
};

}  // namespace

TEST_CASE("DataLoader visits every example exactly once per epoch", "[data][loader]") {
    for (bool shuffle : {false, true}) {
        DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(4).shuffle(shuffle).seed(7));
        CHECK(loader.size() == 3);
        for (int epoch = 0; epoch < 3; ++epoch) {
            auto [seen, sizes] = run_epoch(loader);
            CHECK(sizes == std::vector<int64_t>{4, 4, 2});
            std::vector<int64_t> sorted = seen;
            std::sort(sorted.begin(), sorted.end());
            std::vector<int64_t> all(10);
            for (int i = 0; i < 10; ++i) all[i] = i;
            CHECK(sorted == all);
            if (!shuffle) CHECK(seen == all);
        }
        CHECK(loader.epoch() == 3);
    }
}

TEST_CASE("DataLoader drop_last drops only the final partial batch", "[data][loader]") {
    DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(4).shuffle(true).drop_last(true).seed(3));
    CHECK(loader.size() == 2);
    auto [seen, sizes] = run_epoch(loader);
    CHECK(sizes == std::vector<int64_t>{4, 4});
    CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 8);  // no repeats
    // The 8 seen are the first 8 of the epoch order; the 2 dropped are its tail.
    auto order = loader.epoch_order(0);
    CHECK(seen == std::vector<int64_t>(order.begin(), order.begin() + 8));
    // Exact multiple: nothing dropped. Batch larger than the set: no batch at all.
    CHECK(DataLoader(ten_examples(), DataLoaderOptions(5).drop_last(true)).size() == 2);
    CHECK(DataLoader(ten_examples(), DataLoaderOptions(11).drop_last(true)).size() == 0);
    DataLoader none(ten_examples(), DataLoaderOptions(11).drop_last(true));
    CHECK(none.begin() == none.end());
    DataLoader one(ten_examples(), DataLoaderOptions(11));
    CHECK(one.size() == 1);
    CHECK(run_epoch(one).second == std::vector<int64_t>{10});
}

TEST_CASE("DataLoader shuffling is deterministic and differs across epochs", "[data][loader]") {
    auto opts = DataLoaderOptions().batch_size(3).shuffle(true).seed(42);
    DataLoader a(ten_examples(), opts), b(ten_examples(), opts);
    auto a0 = run_epoch(a).first, a1 = run_epoch(a).first, a2 = run_epoch(a).first;
    auto b0 = run_epoch(b).first, b1 = run_epoch(b).first;
    CHECK(a0 == b0);
    CHECK(a1 == b1);
    CHECK(a0 != a1);
    CHECK(a1 != a2);
    CHECK(a0 == a.epoch_order(0));
    // A different seed gives a different order; set_epoch replays an epoch.
    DataLoader c(ten_examples(), DataLoaderOptions().batch_size(3).shuffle(true).seed(43));
    CHECK(run_epoch(c).first != a0);
    a.set_epoch(1);
    CHECK(run_epoch(a).first == a1);
    // Over many epochs every index lands in every position (a crude uniformity check: a broken
    // shuffle that never moves element 0 would fail).
    std::set<int64_t> first_positions;
    for (int e = 0; e < 200; ++e) first_positions.insert(a.epoch_order(e)[0]);
    CHECK(first_positions.size() == 10);
}

TEST_CASE("Dataset default collation stacks get(i)", "[data][loader]") {
    DataLoader loader(SquaresDataset(), DataLoaderOptions(3));
    std::vector<int64_t> sizes;
    int64_t expected = 0;
    for (auto& batch : loader) {
        REQUIRE(batch.data.dim() == 2);
        CHECK(batch.data.size(1) == 2);
        CHECK(batch.target.dim() == 1);
        for (int64_t k = 0; k < batch.data.size(0); ++k, ++expected) {
            CHECK(batch.data[k][1].item<float>() == float(expected));
            CHECK(batch.target[k].item<int64_t>() == 1000 + expected);
        }
        sizes.push_back(batch.data.size(0));
    }
    CHECK(sizes == std::vector<int64_t>{3, 3, 1});
    // Unlabelled TensorDataset: target stays undefined; batches are copies, not views.
    Tensor x = arange(6, dtype(kFloat32)).view({3, 2});
    DataLoader plain(TensorDataset(x), DataLoaderOptions(2));
    for (auto& batch : plain) {
        CHECK_FALSE(batch.target.defined());
        batch.data.fill_(-1);
    }
    CHECK(x.min().item<float>() == 0.0f);
    require_throws_with<ShapeError>([&] { TensorDataset(x, arange(2)); },
                                    {"TensorDataset", "targets Tensor[2] int64 cpu", "data Tensor[3, 2] float32 cpu"});
    require_throws_with<ShapeError>([] { TensorDataset(scalar_tensor(1.0)); },
                                    {"TensorDataset", "at least one dimension", "Tensor[] float32 cpu"});
    require_throws_with<ValueError>([&] { DataLoader(TensorDataset(x), DataLoaderOptions(0)); },
                                    {"DataLoader", "batch_size must be >= 1", "0"});
    require_throws_with<IndexError>([&] { (void)TensorDataset(x).get(3); },
                                    {"TensorDataset::get", "index 3", "3 examples"});
}

TEST_CASE("bars_and_stripes enumerates the classic set", "[data][synthetic]") {
    Tensor bs = bars_and_stripes(4);
    REQUIRE(bs.sizes() == IntArrayRef({32, 16}));
    CHECK(bs.dtype() == kFloat32);
    // Brute force: every 4x4 binary image whose rows are uniform or whose columns are uniform.
    std::multiset<std::vector<float>> expected;
    for (int mask = 0; mask < (1 << 16); ++mask) {
        std::vector<float> img(16);
        for (int k = 0; k < 16; ++k) img[k] = float((mask >> k) & 1);
        bool rows_uniform = true, cols_uniform = true;
        for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c) {
                rows_uniform &= img[r * 4 + c] == img[r * 4];
                cols_uniform &= img[r * 4 + c] == img[c];
            }
        if (rows_uniform) expected.insert(img);
        if (cols_uniform) expected.insert(img);  // all-0 / all-1 counted twice, as in the classic set
    }
    std::multiset<std::vector<float>> got;
    for (int64_t i = 0; i < 32; ++i) got.insert(bs[i].to_vector<float>());
    CHECK(got == expected);
    CHECK(bars_and_stripes(2).size(0) == 8);
    require_throws_with<ValueError>([] { (void)bars_and_stripes(0); }, {"bars_and_stripes", "[1, 12]", "0"});
    require_throws_with<ValueError>([] { (void)two_moons(10, -0.5, 1); }, {"two_moons", "noise", "-0.5"});
    require_throws_with<ValueError>([] { (void)synthetic_fashion(-1, 1); }, {"synthetic_fashion", "-1"});
}

TEST_CASE("two_moons, gaussian_blobs and synthetic_fashion are deterministic and labelled", "[data][synthetic]") {
    auto m = two_moons(101, 0.0, 5);
    CHECK(m.data.sizes() == IntArrayRef({101, 2}));
    CHECK(m.labels.sum().item<int64_t>() == 50);
    // Without noise the points lie exactly on the two unit circles.
    Tensor upper = m.data.narrow(0, 0, 51), lower = m.data.narrow(0, 51, 50);
    CHECK(upper.square().sum({1}).allclose(ones({51}), 1e-5, 1e-5));
    Tensor shifted = lower - tensor({1.0, 0.5}).view({1, 2});
    CHECK(shifted.square().sum({1}).allclose(ones({50}), 1e-5, 1e-5));
    CHECK(two_moons(50, 0.1, 9).data.equal(two_moons(50, 0.1, 9).data));
    CHECK_FALSE(two_moons(50, 0.1, 9).data.equal(two_moons(50, 0.1, 10).data));

    auto blobs = gaussian_blobs(3000, 3, 1, 2, 0.5);
    CHECK(blobs.labels.to_vector<int64_t>()[4] == 1);
    // Per-class standard deviation close to 0.5 (independent check of the sampler).
    for (int64_t c = 0; c < 3; ++c) {
        Tensor idx = arange(c, 3000, 3, dtype(kInt64));
        Tensor cls = blobs.data.index_select(0, idx);
        CHECK(cls.std({0}).allclose(full({2}, 0.5), 0.1, 0.0));
    }

    MNISTSplit fake = synthetic_fashion(50, 3);
    CHECK(fake.images.sizes() == IntArrayRef({50, 28, 28}));
    CHECK(fake.images.min().item<float>() >= 0.0f);
    CHECK(fake.images.max().item<float>() <= 1.0f);
    CHECK(fake.labels.to_vector<int64_t>()[13] == 3);
    CHECK(fake.images.equal(synthetic_fashion(50, 3).images));
    // Shapes differ by class: the filled square (2) is much brighter on average than the bar (0).
    CHECK(fake.images[2].mean().item<float>() > fake.images[0].mean().item<float>() + 0.05f);
}
