// Assignment to views and Tensor::index / index_put_, written as libtorch programs write them.
// The indexed tensors hold their own row-major positions (x = arange(n).view(shape)), so every
// expected value is a position computed here by hand from NumPy's indexing rules.
#include <limits>

#include "core_test_util.h"

using namespace core_test;
using namespace ember::indexing;
using ember::Tensor;

namespace {

// x[i][j][k] == i*12 + j*4 + k
Tensor positions_234(ember::ScalarType dt = ember::kFloat64) {
    return ember::arange(24, ember::TensorOptions().dtype(dt)).view({2, 3, 4});
}

Tensor longs(std::vector<int64_t> v) { return ember::tensor(v); }

}  // namespace

TEST_CASE("assignment to a view copies into it, as in libtorch", "[tensor][indexing]") {
    Tensor t = ember::zeros({2, 3}, ember::kFloat64);
    t[0] = ember::tensor({1.0, 2.0, 3.0}, ember::kFloat64);
    t[1][2] = 2.5;
    require_tensor(t, {2, 3}, {1, 2, 3, 0, 0, 2.5}, 0, 0);

    // The source broadcasts and converts to the destination's dtype, as copy_ does.
    Tensor f = ember::zeros({2, 3});
    f[1] = ember::full({1}, 0.1, ember::kFloat64);
    require_tensor(f, {2, 3}, {0, 0, 0, 0.1f, 0.1f, 0.1f}, 0, 0);
    f.index({Slice(), 0}) = 7;
    require_tensor(f, {2, 3}, {7, 0, 0, 7, 0.1f, 0.1f}, 0, 0);

    // Assignment to a named tensor rebinds the handle and leaves the old tensor alone.
    Tensor a = ember::zeros({2});
    Tensor old = a;
    Tensor b = ember::ones({2});
    a = b;
    CHECK(a.is_same(b));
    require_tensor(old, {2}, {0, 0}, 0, 0);
    Tensor row = t[0];
    row = b;  // row is a named handle now: t is untouched
    require_tensor(t, {2, 3}, {1, 2, 3, 0, 0, 2.5}, 0, 0);

    const uint32_t v0 = t._version();
    t[0] = 0.0;
    CHECK(t._version() > v0);
    require_throws_with<ember::ShapeError>([&] { t[0] = ember::ones({2}); }, {"copy_", "[2]", "[3]"});
}

TEST_CASE("assignment to a view of a tensor that requires grad fails clearly instead of writing",
          "[tensor][indexing]") {
    // libtorch refuses these for a leaf and rewrites the history of a non-leaf (CopySlices); ember
    // refuses both, since a gradient that ignored the write would be silently wrong.
    Tensor w = ember::zeros({2, 2}).requires_grad_();
    require_throws_with<ember::NotImplementedError>([&] { w[0] = 1.0; }, {"fill_", "view", "requires grad"});
    require_throws_with<ember::NotImplementedError>([&] { w[0] = ember::ones({2}); },
                                                    {"copy_", "view", "requires grad", "NoGradGuard"});
    Tensor y = w * 2;
    require_throws_with<ember::NotImplementedError>([&] { y[0] = ember::ones({2}); }, {"copy_", "view"});
    {
        ember::NoGradGuard no_grad;  // as an optimizer writes its parameters
        w[1][1] = 3.0;
    }
    require_tensor(w, {2, 2}, {0, 0, 0, 3}, 0, 0);
}

TEST_CASE("index: integers, slices, None, Ellipsis and booleans select views", "[tensor][indexing]") {
    Tensor x = positions_234();
    // x[1, :, -1] -> 12 + 4j + 3
    require_tensor(x.index({1, Slice(), -1}), {3}, {15, 19, 23}, 0, 0);
    // x[:, 1:, ::2] -> 12i + 4j + k for j in {1, 2}, k in {0, 2}
    require_tensor(x.index({Slice(), Slice(1, None), Slice(None, None, 2)}), {2, 2, 2}, {4, 6, 8, 10, 16, 18, 20, 22},
                   0, 0);
    // x[..., 1] and x["...", 1] -> 12i + 4j + 1
    require_tensor(x.index({Ellipsis, 1}), {2, 3}, {1, 5, 9, 13, 17, 21}, 0, 0);
    require_tensor(x.index({"...", 1}), {2, 3}, {1, 5, 9, 13, 17, 21}, 0, 0);
    // x[0, None, -3:-1] -> rows 0 and 1 of x[0]; x[0, -2:-5] is empty
    require_tensor(x.index({0, None, Slice(-3, -1)}), {1, 2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}, 0, 0);
    CHECK(sizes_of(x.index({0, Slice(-2, -5)})) == Sizes{0, 4});
    CHECK(sizes_of(x.index({true, 1})) == Sizes{1, 3, 4});
    CHECK(sizes_of(x.index({false})) == Sizes{0, 2, 3, 4});
    CHECK(sizes_of(x.index({None, Ellipsis, None})) == Sizes{1, 2, 3, 4, 1});
    CHECK(sizes_of(x.index({})) == Sizes{2, 3, 4});

    // Views: writing through one writes x.
    Tensor v = x.index({Slice(), 2, Slice(1, 3)});
    CHECK(v.storage() == x.storage());
    v.fill_(-1);
    CHECK(x.index({1, 2, 2}).item<double>() == -1);
    CHECK(x.index({1, 1, 2}).item<double>() == 18);

    require_throws_with<ember::IndexError>([&] { x.index({0, 0, 0, 0}); }, {"index", "too many indices", "[2, 3, 4]"});
    require_throws_with<ember::IndexError>([&] { x.index({Ellipsis, 0, "..."}); }, {"index", "one ellipsis"});
    require_throws_with<ember::IndexError>([&] { x.index({0, 3}); }, {"index", "index 3", "size 3"});
    require_throws_with<ember::ValueError>([&] { x.index({Slice(None, None, -1)}); }, {"index", "step", "-1"});
    require_throws_with<ember::ValueError>([] { Slice(None, None, 0); }, {"Slice", "step cannot be zero"});
    CHECK(Slice().start() == 0);  // libtorch's open ends: 0 and INT64_MAX
    CHECK(Slice().stop() == std::numeric_limits<int64_t>::max());
    require_throws_with<ember::IndexError>([&] { x.index({".."}); }, {"TensorIndex", "\"...\""});
}

TEST_CASE("index: tensor indices gather, broadcast together, and place their dims as NumPy does",
          "[tensor][indexing]") {
    Tensor x = positions_234();
    // x[[1, 0, 1]] -> rows 1, 0, 1; negative positions count from the back.
    Tensor rows = x.index({longs({1, 0, -1})});
    REQUIRE(sizes_of(rows) == Sizes{3, 3, 4});
    for (int64_t r = 0; r < 3; ++r)
        for (int64_t j = 0; j < 3; ++j) CHECK(rows.index({r, j, 3}).item<double>() == (r == 1 ? 0 : 12) + 4 * j + 3);
    CHECK(rows.storage() != x.storage());  // a gather is a copy

    // x[:, idx] with a 2-D idx: its shape replaces the indexed dim.
    Tensor idx = ember::tensor(std::vector<int64_t>{2, 0, 1, 1}).view({2, 2});
    Tensor g = x.index({Slice(), idx, 0});
    REQUIRE(sizes_of(g) == Sizes{2, 2, 2});
    const int64_t jj[4] = {2, 0, 1, 1};
    for (int64_t i = 0; i < 2; ++i)
        for (int64_t e = 0; e < 4; ++e) CHECK(g.index({i, e / 2, e % 2}).item<double>() == 12 * i + 4 * jj[e]);

    // Two adjacent tensor indices broadcast to pairs: x[:, [0, 2], [[1], [3]]] -> shape [2, 2, 2],
    // element [i, a, b] = x[i, {0,2}[b], {1,3}[a]].
    Tensor pairs = x.index({Slice(), longs({0, 2}), ember::tensor(std::vector<int64_t>{1, 3}).view({2, 1})});
    REQUIRE(sizes_of(pairs) == Sizes{2, 2, 2});
    for (int64_t i = 0; i < 2; ++i)
        for (int64_t a = 0; a < 2; ++a)
            for (int64_t b = 0; b < 2; ++b)
                CHECK(pairs.index({i, a, b}).item<double>() == 12 * i + 4 * (b ? 2 : 0) + (a ? 3 : 1));

    // Separated tensor indices put the broadcast dims first: x[[1, 0], :, [3, 2]] -> [2, 3].
    Tensor apart = x.index({longs({1, 0}), Slice(), longs({3, 2})});
    REQUIRE(sizes_of(apart) == Sizes{2, 3});
    for (int64_t e = 0; e < 2; ++e)
        for (int64_t j = 0; j < 3; ++j) CHECK(apart.index({e, j}).item<double>() == 12 * (1 - e) + 4 * j + (3 - e));

    require_throws_with<ember::IndexError>([&] { x.index({longs({0, 2})}); }, {"index", "index 2", "size 2"});
    require_throws_with<ember::IndexError>([&] { x.index({Slice(), longs({-4})}); }, {"index", "index -4", "size 3"});
    require_throws_with<ember::DTypeError>([&] { x.index({ember::zeros({2})}); }, {"index", "int64", "bool"});
    require_throws_with<ember::ShapeError>(
        [&] {
            x.index({longs({0, 1, 0}), Slice(), longs({0, 1})});
        },
        {"index", "[3]", "[2]"});
}

TEST_CASE("index: a bool mask selects its true elements in row-major order", "[tensor][indexing]") {
    Tensor x = positions_234();
    // x[x % 5 == 0] -> the multiples of 5 below 24.
    std::vector<int64_t> fives(24);
    for (int64_t p = 0; p < 24; ++p) fives[p] = p % 5 == 0;
    Tensor mask = ember::tensor(fives).to(ember::kBool).view({2, 3, 4});
    require_tensor(x.index({mask}), {5}, {0, 5, 10, 15, 20}, 0, 0);
    // A 2-D mask over dims 1 and 2 of row 1: x[1][m] with m true at (0, 1), (2, 0), (2, 3).
    Tensor m = ember::zeros({3, 4}, ember::kBool);
    m[0][1] = 1;
    m[2][0] = 1;
    m[2][3] = 1;
    require_tensor(x.index({1, m}), {3}, {13, 20, 23}, 0, 0);
    // A mask over dim 1 only, with the last dim kept: x[:, [true, false, true]] -> [2, 2, 4].
    Tensor keep = ember::tensor(std::vector<int64_t>{1, 0, 1}).to(ember::kBool);
    Tensor kept = x.index({Slice(), keep});
    REQUIRE(sizes_of(kept) == Sizes{2, 2, 4});
    CHECK(kept.index({1, 1, 3}).item<double>() == 12 + 8 + 3);
    require_throws_with<ember::IndexError>(
        [&] {
            x.index({Slice(), ember::ones({4}, ember::kBool)});
        },
        {"index", "mask", "[4]", "does not match"});
}

TEST_CASE("index: gradients of gathers and views against finite differences", "[tensor][indexing][autograd]") {
    Tensor x = rand_tensor({3, 4}, -1, 1, 7).requires_grad_();
    Tensor idx = longs({2, 0, 2, -1});  // repeats: the gradient accumulates
    auto fn = [&](const std::vector<Tensor>& in) {
        return (in[0].index({idx, Slice(1, None)}) * in[0].index({Slice(), longs({3, 0}), None}).sum()).tanh();
    };
    CHECK(ember::autograd::gradcheck(fn, {x}));
    CHECK(ember::autograd::gradgradcheck(fn, {x}));
    // The gradient of a repeated row, by hand: d/dx sum(x[[2, 2]]) = 2 on row 2.
    Tensor x2 = x.detach().clone().requires_grad_();
    x2.index({longs({2, 2})}).sum().backward();
    require_tensor(x2.grad(), {3, 4}, {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2}, 0, 0);
}

TEST_CASE("index_put_: writes through basic and tensor indices, the last of repeated positions winning",
          "[tensor][indexing]") {
    Tensor x = positions_234();
    x.index_put_({Slice(), 0, Slice(None, 2)}, ember::tensor({-1.0, -2.0}, ember::kFloat64));
    CHECK(x.index({1, 0, 1}).item<double>() == -2);
    CHECK(x.index({1, 0, 2}).item<double>() == 14);

    // x[x > 20] = 0: masks are how programs clip.
    Tensor y = positions_234(ember::kFloat32);
    y.index_put_({y > 20.0}, 0);
    std::vector<double> want(24);
    for (int64_t p = 0; p < 24; ++p) want[p] = p > 20 ? 0 : p;
    require_tensor(y, {2, 3, 4}, want, 0, 0);

    // Values broadcast over the gathered shape; repeated positions take the later value.
    Tensor z = ember::zeros({4, 2}, ember::kFloat64);
    z.index_put_({longs({3, 1, 3})}, ember::tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, ember::kFloat64));
    require_tensor(z, {4, 2}, {0, 0, 3, 4, 0, 0, 5, 6}, 0, 0);

    // Values are written exactly, however large the old ones were (no old + (new - old)).
    Tensor big = ember::full({3}, 1e8f);
    big.index_put_({longs({1})}, 1.0);
    require_tensor(big, {3}, {1e8, 1, 1e8}, 0, 0);

    // Separated tensor indices on a non-contiguous target, and int64 targets.
    Tensor w = positions_234().transpose(0, 2);  // [4, 3, 2], w[k][j][i] = 12i + 4j + k
    w.index_put_({longs({0, 3}), Slice(), longs({1, 0})},
                 ember::tensor({{-1.0, -2.0, -3.0}, {-4.0, -5.0, -6.0}}, ember::kFloat64));
    CHECK(w.index({0, 2, 1}).item<double>() == -3);
    CHECK(w.index({3, 1, 0}).item<double>() == -5);
    CHECK(w.index({3, 1, 1}).item<double>() == 12 + 4 + 3);
    Tensor n = ember::arange(5);
    n.index_put_({longs({4, 0})}, 9);
    CHECK(n.to_vector<int64_t>() == std::vector<int64_t>{9, 1, 2, 3, 9});

    Tensor leaf = ember::zeros({3}).requires_grad_();
    require_throws_with<ember::AutogradError>([&] { leaf.index_put_({longs({0})}, 1.0); }, {"index_put_", "leaf"});
    Tensor nonleaf = leaf * 2;
    require_throws_with<ember::NotImplementedError>([&] { nonleaf.index_put_({longs({0})}, 1.0); },
                                                    {"index_put_", "autograd", "NoGradGuard"});
    require_throws_with<ember::ShapeError>([&] { z.index_put_({longs({0, 1})}, ember::ones({3})); }, {"[3]", "[2, 2]"});
}
