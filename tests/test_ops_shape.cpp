// Shape ops (views and copies), indexing (index_select, gather, scatter_add, index_add, one_hot)
// and joining (cat, stack) against reference loops over raw storage.
#include <cmath>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

namespace {
// 0, 1, 2, ... in float64 with the given shape.
Tensor iota(const Sizes& s) {
    return ember::arange(0.0, double(numel_of(s)), 1.0, ember::dtype(ember::kFloat64)).reshape(s);
}
std::vector<double> iota_values(int64_t n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[i] = double(i);
    return v;
}
}  // namespace

TEST_CASE("transpose, permute, t, unsqueeze, squeeze, flatten are views with the right values", "[ops][shape]") {
    Tensor x = iota({2, 3, 4});
    std::vector<double> xv = iota_values(24);
    auto at = [&](int64_t i, int64_t j, int64_t k) { return xv[(i * 3 + j) * 4 + k]; };

    Tensor tr = x.transpose(0, 2);
    REQUIRE(tr.storage() == x.storage());
    REQUIRE_FALSE(tr.is_contiguous());
    std::vector<double> w;
    for (int64_t k = 0; k < 4; ++k)
        for (int64_t j = 0; j < 3; ++j)
            for (int64_t i = 0; i < 2; ++i) w.push_back(at(i, j, k));
    require_tensor(tr, {4, 3, 2}, w, 0, 0, "transpose(0,2)");
    require_tensor(ember::transpose(x, -1, 0), {4, 3, 2}, w, 0, 0, "transpose(-1,0)");

    Tensor p = x.permute({1, 2, 0});
    REQUIRE(p.storage() == x.storage());
    w.clear();
    for (int64_t j = 0; j < 3; ++j)
        for (int64_t k = 0; k < 4; ++k)
            for (int64_t i = 0; i < 2; ++i) w.push_back(at(i, j, k));
    require_tensor(p, {3, 4, 2}, w, 0, 0, "permute");
    require_tensor(p.contiguous(), {3, 4, 2}, w, 0, 0, "permute contiguous");
    REQUIRE(p.contiguous().is_contiguous());
    require_tensor(ember::permute(x, {-1, 0, 1}).permute({1, 2, 0}), {2, 3, 4}, xv, 0, 0, "permute inverse");

    Tensor u = x.unsqueeze(1);
    REQUIRE(sizes_of(u) == Sizes{2, 1, 3, 4});
    REQUIRE(sizes_of(x.unsqueeze(-1)) == Sizes{2, 3, 4, 1});
    REQUIRE(sizes_of(x.unsqueeze(0)) == Sizes{1, 2, 3, 4});
    require_tensor(u, {2, 1, 3, 4}, xv, 0, 0, "unsqueeze");
    REQUIRE(u.storage() == x.storage());
    Tensor q = ember::zeros({1, 3, 1, 2});
    REQUIRE(sizes_of(q.squeeze()) == Sizes{3, 2});
    REQUIRE(sizes_of(q.squeeze(2)) == Sizes{1, 3, 2});
    REQUIRE(sizes_of(q.squeeze(1)) == Sizes{1, 3, 1, 2});  // not size 1: unchanged
    REQUIRE(sizes_of(ember::squeeze(q, -4)) == Sizes{3, 1, 2});

    REQUIRE(sizes_of(x.flatten()) == Sizes{24});
    REQUIRE(sizes_of(x.flatten(1)) == Sizes{2, 12});
    REQUIRE(sizes_of(x.flatten(0, 1)) == Sizes{6, 4});
    REQUIRE(x.flatten().storage() == x.storage());
    // flatten of a transposed tensor must copy, and read in logical order.
    std::vector<double> trv = raw_values(tr);
    Tensor tf = tr.flatten();
    require_tensor(tf, {24}, trv, 0, 0, "flatten of transpose");
}

TEST_CASE("view and reshape: aliasing when possible, copy or error when not", "[ops][shape]") {
    Tensor x = iota({4, 6});
    Tensor v = x.view({2, 12});
    REQUIRE(v.storage() == x.storage());
    require_tensor(v, {2, 12}, iota_values(24), 0, 0, "view");
    require_tensor(x.view({-1}), {24}, iota_values(24), 0, 0, "view -1");
    require_tensor(x.view({3, -1, 2}), {3, 4, 2}, iota_values(24), 0, 0, "view infer middle");
    // A view of a transposed tensor is possible when it only splits or merges compatible dims.
    Tensor t = x.t();  // [6, 4], strides [1, 6]
    Tensor ts = t.view({3, 2, 4});
    REQUIRE(ts.storage() == x.storage());
    require_tensor(ts, {3, 2, 4}, raw_values(t), 0, 0, "split a transposed dim");
    // Merging the two transposed dims is impossible without a copy.
    require_throws_with<ember::ShapeError>([&] { (void)t.view({24}); }, {"view", "[24]", "reshape"});
    Tensor r = t.reshape({24});
    REQUIRE(r.storage() != x.storage());
    require_tensor(r, {24}, raw_values(t), 0, 0, "reshape copies");
    Tensor r2 = x.reshape({8, 3});
    REQUIRE(r2.storage() == x.storage());
    // Columns 0, 2, 4 of every row are evenly spaced (stride 2 throughout): a flat view exists.
    Tensor s6 = x.slice(1, 0, std::nullopt, 2);  // [4, 3], strides [6, 2]
    Tensor flat = s6.view({12});
    REQUIRE(flat.storage() == x.storage());
    require_tensor(flat, {12}, raw_values(s6), 0, 0, "view of an evenly strided slice");
    // Columns 0 and 2 only: rows can still be split, but not merged with the columns.
    Tensor s = x.slice(1, 0, 4, 2);  // [4, 2], strides [6, 2]
    REQUIRE(s.view({2, 2, 2}).storage() == x.storage());
    require_throws_with<ember::ShapeError>([&] { (void)s.view({8}); }, {"view", "[4, 2]", "[8]"});
    require_tensor(s.reshape({8}), {8}, raw_values(s), 0, 0, "reshape of slice");
    require_tensor(x.view_as(ember::zeros({3, 8})), {3, 8}, iota_values(24), 0, 0, "view_as");
    require_tensor(ember::reshape(x, {24, 1}), {24, 1}, iota_values(24), 0, 0, "reshape fn");
}

TEST_CASE("expand, slice, narrow, select and operator[]", "[ops][shape]") {
    Tensor col = ember::tensor({1.0, 2.0, 3.0}, ember::dtype(ember::kFloat64)).unsqueeze(1);
    Tensor e = col.expand({2, 3, 4});
    REQUIRE(e.storage() == col.storage());
    REQUIRE(e.stride(0) == 0);
    REQUIRE(e.stride(2) == 0);
    std::vector<double> w;
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 4; ++j) w.push_back(i + 1.0);
    require_tensor(e, {2, 3, 4}, w, 0, 0, "expand");
    require_tensor(col.expand({-1, 2}), {3, 2}, {1, 1, 2, 2, 3, 3}, 0, 0, "expand -1");
    require_tensor(ember::expand(col, {3, 1}), {3, 1}, {1, 2, 3}, 0, 0, "expand same");
    require_tensor(col.expand_as(ember::zeros({3, 2})), {3, 2}, {1, 1, 2, 2, 3, 3}, 0, 0, "expand_as");

    Tensor x = iota({5, 6});
    auto xv = iota_values(30);
    Tensor s = x.slice(1, 1, 6, 2);  // columns 1, 3, 5
    REQUIRE(s.storage() == x.storage());
    w.clear();
    for (int i = 0; i < 5; ++i)
        for (int j : {1, 3, 5}) w.push_back(xv[i * 6 + j]);
    require_tensor(s, {5, 3}, w, 0, 0, "slice step 2");
    // Negative and out-of-range bounds are clamped as in Python.
    require_tensor(x.slice(0, -2), {2, 6}, std::vector<double>(xv.begin() + 18, xv.end()), 0, 0, "slice -2:");
    require_tensor(x.slice(0, 3, 100), {2, 6}, std::vector<double>(xv.begin() + 18, xv.end()), 0, 0, "slice 3:100");
    REQUIRE(x.slice(0, 4, 2).size(0) == 0);
    require_tensor(x.slice(0, 0, 5, 3).slice(1, 2, 6, 3), {2, 2}, {2, 5, 20, 23}, 0, 0, "slice of slice");

    Tensor n = x.narrow(0, 1, 2);
    require_tensor(n, {2, 6}, std::vector<double>(xv.begin() + 6, xv.begin() + 18), 0, 0, "narrow");
    REQUIRE(n.storage_offset() == 6);
    require_tensor(ember::narrow(x, 1, -2, 2), {5, 2}, {4, 5, 10, 11, 16, 17, 22, 23, 28, 29}, 0, 0, "narrow -2");

    Tensor row = x.select(0, 2);
    require_tensor(row, {6}, std::vector<double>(xv.begin() + 12, xv.begin() + 18), 0, 0, "select row");
    require_tensor(x.select(1, -1), {5}, {5, 11, 17, 23, 29}, 0, 0, "select col -1");
    require_tensor(x[4], {6}, std::vector<double>(xv.begin() + 24, xv.end()), 0, 0, "operator[]");
    Tensor scalar = x[1][2];
    REQUIRE(scalar.dim() == 0);
    REQUIRE(scalar.item<double>() == 8.0);
}

TEST_CASE("index_select, gather, scatter_add and index_add against reference loops", "[ops][index]") {
    for (const std::string& layout : all_layouts()) {
        Tensor x = layout_tensor(layout, {4, 5}, -1, 1, 31);
        std::vector<double> xv = raw_values(x);
        Tensor idx = ember::tensor(std::vector<int64_t>{3, 0, 3, 1});
        std::vector<int64_t> iv = {3, 0, 3, 1};
        std::vector<double> w;
        for (int64_t i : iv)
            for (int j = 0; j < 5; ++j) w.push_back(xv[i * 5 + j]);
        require_tensor(x.index_select(0, idx), {4, 5}, w, 0, 0, "index_select 0 " + layout);
        w.clear();
        for (int i = 0; i < 4; ++i)
            for (int64_t j : iv) w.push_back(xv[i * 5 + j]);
        require_tensor(ember::index_select(x, 1, idx), {4, 4}, w, 0, 0, "index_select 1 " + layout);

        // gather along dim 1 with a [4, 3] index, and along dim 0 with a [2, 5] index.
        std::vector<int64_t> g1 = {0, 4, 4, 1, 1, 2, 3, 0, 3, 2, 2, 2};
        Tensor gi = ember::tensor(g1).view({4, 3});
        w.clear();
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 3; ++j) w.push_back(xv[i * 5 + g1[i * 3 + j]]);
        require_tensor(x.gather(1, gi), {4, 3}, w, 0, 0, "gather 1 " + layout);
        std::vector<int64_t> g0 = {3, 2, 1, 0, 0, 0, 1, 2, 3, 3};
        Tensor gi0 = ember::tensor(g0).view({2, 5});
        w.clear();
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 5; ++j) w.push_back(xv[g0[i * 5 + j] * 5 + j]);
        require_tensor(ember::gather(x, 0, gi0), {2, 5}, w, 0, 0, "gather 0 " + layout);
        // gather with a transposed (non-contiguous) index
        Tensor git = ember::tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 0, 1, 2}).view({2, 4}).t();  // [4, 2]
        std::vector<double> gv = raw_values(git);
        w.clear();
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 2; ++j) w.push_back(xv[i * 5 + int64_t(gv[i * 2 + j])]);
        require_tensor(x.gather(1, git), {4, 2}, w, 0, 0, "gather transposed index " + layout);

        // scatter_add: out[i][index[i][j]] += src[i][j] (dim 1), duplicates accumulate.
        Tensor src = layout_tensor(layout, {4, 3}, -1, 1, 32);
        std::vector<double> sv = raw_values(src);
        std::vector<double> out = xv;
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 3; ++j) out[i * 5 + g1[i * 3 + j]] += sv[i * 3 + j];
        require_tensor(ember::scatter_add(x, 1, gi, src), {4, 5}, out, 1e-15, 1e-15, "scatter_add 1 " + layout);
        require_tensor(x, {4, 5}, xv, 0, 0, "scatter_add leaves its input alone");
        Tensor src0 = layout_tensor(layout, {2, 5}, -1, 1, 33);
        std::vector<double> s0 = raw_values(src0);
        out = xv;
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 5; ++j) out[g0[i * 5 + j] * 5 + j] += s0[i * 5 + j];
        require_tensor(ember::scatter_add(x, 0, gi0, src0), {4, 5}, out, 1e-15, 1e-15, "scatter_add 0 " + layout);

        // index_add: rows index[i] += src[i] along dim 0, duplicates accumulate.
        Tensor rows = layout_tensor(layout, {4, 5}, -1, 1, 34);
        std::vector<double> rv = raw_values(rows);
        out = xv;
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 5; ++j) out[iv[i] * 5 + j] += rv[i * 5 + j];
        require_tensor(ember::index_add(x, 0, idx, rows), {4, 5}, out, 1e-15, 1e-15, "index_add 0 " + layout);
        Tensor cols = layout_tensor(layout, {4, 4}, -1, 1, 35);
        std::vector<double> cv = raw_values(cols);
        out = xv;
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) out[i * 5 + iv[j]] += cv[i * 4 + j];
        require_tensor(ember::index_add(x, 1, idx, cols), {4, 5}, out, 1e-15, 1e-15, "index_add 1 " + layout);
    }
}

TEST_CASE("one_hot", "[ops][index]") {
    Tensor labels = ember::tensor(std::vector<int64_t>{2, 0, 1, 2});
    Tensor oh = ember::one_hot(labels, 4);
    REQUIRE(oh.dtype() == ember::kInt64);
    require_tensor(oh, {4, 4}, {0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}, 0, 0, "one_hot 4");
    Tensor inferred = ember::one_hot(labels.view({2, 2}));
    require_tensor(inferred, {2, 2, 3}, {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1}, 0, 0, "one_hot inferred");
    require_throws_with<ember::IndexError>([&] { (void)ember::one_hot(labels, 2); }, {"one_hot", "2"});
    require_throws_with<ember::IndexError>([] { (void)ember::one_hot(ember::tensor(std::vector<int64_t>{-1}), 3); },
                                           {"one_hot", "-1", "3"});
}

TEST_CASE("cat and stack along every dim, mixed layouts", "[ops][shape]") {
    Tensor a = layout_tensor("transposed", {2, 3}, -1, 1, 61);
    Tensor b = layout_tensor("strided", {2, 3}, -1, 1, 62);
    Tensor c = layout_tensor("expanded", {2, 3}, -1, 1, 63);
    std::vector<double> av = raw_values(a), bv = raw_values(b), cv = raw_values(c);
    // dim 0: rows of a, then b, then c.
    std::vector<double> w = av;
    w.insert(w.end(), bv.begin(), bv.end());
    w.insert(w.end(), cv.begin(), cv.end());
    require_tensor(ember::cat({a, b, c}, 0), {6, 3}, w, 0, 0, "cat 0");
    // dim 1 (and -1): each row concatenated.
    w.clear();
    for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 3; ++j) w.push_back(av[i * 3 + j]);
        for (int j = 0; j < 3; ++j) w.push_back(bv[i * 3 + j]);
    }
    require_tensor(ember::cat({a, b}, 1), {2, 6}, w, 0, 0, "cat 1");
    require_tensor(ember::cat({a, b}, -1), {2, 6}, w, 0, 0, "cat -1");
    // Unequal sizes along the cat dim, and an empty part.
    Tensor d = layout_tensor("contiguous", {1, 3}, -1, 1, 64);
    Tensor empty = ember::zeros({0, 3}, ember::dtype(ember::kFloat64));
    w = av;
    auto dv = raw_values(d);
    w.insert(w.end(), dv.begin(), dv.end());
    require_tensor(ember::cat({a, empty, d}, 0), {3, 3}, w, 0, 0, "cat uneven");
    // Mixed dtypes promote.
    REQUIRE(ember::cat({ember::ones({2}), ember::ones({2}, ember::dtype(ember::kFloat64))}).dtype() == ember::kFloat64);

    for (int64_t dim : {0, 1, 2, -1}) {
        Tensor s = ember::stack({a, b, c}, dim);
        const int64_t dd = dim < 0 ? dim + 3 : dim;
        Sizes shape = {2, 3};
        shape.insert(shape.begin() + dd, 3);
        REQUIRE(sizes_of(s) == shape);
        const std::vector<double>* parts[3] = {&av, &bv, &cv};
        w.clear();
        for (int64_t k = 0; k < 18; ++k) {
            auto idx = unravel(k, shape);
            int64_t which = idx[dd];
            idx.erase(idx.begin() + dd);
            w.push_back((*parts[which])[idx[0] * 3 + idx[1]]);
        }
        require_tensor(s, shape, w, 0, 0, "stack dim " + std::to_string(dim));
    }
}

TEST_CASE("unbind, split and chunk: views with libtorch's piece counts, one node, zeros for unused outputs",
          "[ops][shape]") {
    Tensor x = iota({3, 5});
    std::vector<Tensor> u = x.unbind(1);
    REQUIRE(u.size() == 5);
    for (int64_t j = 0; j < 5; ++j) {
        REQUIRE(u[j].storage() == x.storage());
        REQUIRE(u[j].sizes() == ember::IntArrayRef({3}));
        REQUIRE(u[j].to_vector<double>() == std::vector<double>{double(j), double(5 + j), double(10 + j)});
    }
    REQUIRE(ember::unbind(x, -2).size() == 3);
    // split: pieces of the given length, the last one shorter; chunk: ceil(n / chunks) each.
    auto lengths = [](const std::vector<Tensor>& pieces, int64_t d) {
        std::vector<int64_t> n;
        for (const Tensor& p : pieces) n.push_back(p.size(d));
        return n;
    };
    REQUIRE(lengths(x.split(2, 1), 1) == std::vector<int64_t>{2, 2, 1});
    REQUIRE(lengths(x.split(5, 1), 1) == std::vector<int64_t>{5});
    REQUIRE(lengths(x.split(7, 1), 1) == std::vector<int64_t>{5});
    REQUIRE(lengths(x.chunk(2, 1), 1) == std::vector<int64_t>{3, 2});
    REQUIRE(lengths(x.chunk(4, 1), 1) == std::vector<int64_t>{2, 2, 1});  // fewer than asked, as libtorch
    REQUIRE(lengths(x.chunk(9, 1), 1) == std::vector<int64_t>{1, 1, 1, 1, 1});
    REQUIRE(lengths(ember::chunk(x, 3, 0), 0) == std::vector<int64_t>{1, 1, 1});
    REQUIRE(x.split(2, 1)[2].to_vector<double>() == std::vector<double>{4, 9, 14});
    Tensor empty = ember::zeros({0, 2});
    REQUIRE(lengths(empty.split(0, 0), 0) == std::vector<int64_t>{0});
    REQUIRE(lengths(empty.chunk(3, 0), 0) == std::vector<int64_t>{0, 0, 0});
    REQUIRE(empty.unbind(0).empty());

    // One backward node for all the pieces (libtorch's names); an unused piece gets zeros.
    Tensor w = iota({3, 5}).requires_grad_();
    std::vector<Tensor> pu = w.unbind(1);
    REQUIRE(pu[0].grad_fn() == pu[4].grad_fn());
    REQUIRE(pu[0].grad_fn()->name() == "UnbindBackward0");
    (pu[1] * 2.0).sum().backward();
    REQUIRE(w.grad().to_vector<double>() == std::vector<double>{0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0});
    Tensor v = iota({3, 5}).requires_grad_();
    std::vector<Tensor> pc = v.chunk(2, 1);
    REQUIRE(pc[1].grad_fn()->name() == "SplitBackward0");
    pc[1].square().sum().backward();
    REQUIRE(v.grad().to_vector<double>() == std::vector<double>{0, 0, 0, 6, 8, 0, 0, 0, 16, 18, 0, 0, 0, 26, 28});

    require_throws_with<ember::IndexError>([] { ember::tensor(1.0).unbind(0); }, {"unbind", "0-dim"});
    require_throws_with<ember::IndexError>([&] { x.unbind(2); }, {"unbind"});
    require_throws_with<ember::ValueError>([&] { x.chunk(0, 1); }, {"chunk", "greater than 0", "0"});
    require_throws_with<ember::ValueError>([&] { x.split(-1, 1); }, {"split", "non-negative", "-1"});
    require_throws_with<ember::ValueError>([&] { x.split(0, 1); }, {"split", "0", "size 5"});
}
