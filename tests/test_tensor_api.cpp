// The tensor API of libtorch programs beyond the registry rows (tests/op_rows_tensor_api.cpp
// checks values and gradients): Scalar and item(), accessor, the untyped data_ptr, new_* and to()
// forms, the index outputs of sort/topk/nonzero against brute force, the split family, any/all,
// multinomial's distribution, and the errors of bad input.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

TEST_CASE("Scalar: kinds, conversions and item()", "[tensor_api][scalar]") {
    ember::Scalar f = 2.75, i = 7, b = true, l = int64_t{1} << 40;
    REQUIRE(f.isFloatingPoint());
    REQUIRE_FALSE(f.isIntegral(true));
    REQUIRE(i.isIntegral(false));
    REQUIRE_FALSE(b.isIntegral(false));
    REQUIRE(b.isIntegral(true));
    REQUIRE(b.isBoolean());
    REQUIRE(f.toDouble() == 2.75);
    REQUIRE(f.toFloat() == 2.75f);
    REQUIRE(f.toLong() == 2);  // a C++ conversion: truncates
    REQUIRE(f.toInt() == 2);
    REQUIRE(i.toDouble() == 7.0);
    REQUIRE(b.toLong() == 1);
    REQUIRE(l.toLong() == (int64_t{1} << 40));
    REQUIRE(f.toBool());
    REQUIRE_FALSE(ember::Scalar(0.0).toBool());
    REQUIRE(f.type() == ember::kFloat64);
    REQUIRE(i.type() == ember::kInt64);
    REQUIRE((-i).toLong() == -7);
    require_throws_with<ember::ValueError>([&] { (void)l.toInt(); }, {"toInt", "out of range"});
    require_throws_with<ember::ValueError>([&] { (void)ember::Scalar(std::nan("")).toLong(); }, {"toLong"});

    // item() keeps the tensor's kind; item<T>() converts.
    ember::Scalar a = ember::tensor({2.5}).item();
    REQUIRE(a.isFloatingPoint());
    REQUIRE(a.toDouble() == 2.5);
    ember::Scalar n = ember::tensor({int64_t{-3}}).item();
    REQUIRE(n.isIntegral(false));
    REQUIRE(n.toLong() == -3);
    ember::Scalar t = ember::tensor(true).item();
    REQUIRE(t.isBoolean());
    REQUIRE(t.toBool());
    REQUIRE(ember::tensor(9).item<int64_t>() == 9);
    // Every integer dtype gives an integral Scalar, every floating one a floating Scalar (libtorch).
    for (auto dt : {ember::kInt32, ember::kUInt8}) {
        ember::Scalar i = ember::tensor({int64_t{7}}).to(dt).item();
        REQUIRE(i.isIntegral(false));
        REQUIRE(i.toLong() == 7);
    }
    for (auto dt : {ember::kFloat16, ember::kBFloat16}) {
        ember::Scalar h = ember::tensor({1.5}).to(dt).item();
        REQUIRE(h.isFloatingPoint());
        REQUIRE(h.toDouble() == 1.5);
    }
    std::ostringstream os;
    os << a << " " << n << " " << t;
    REQUIRE(os.str() == "2.5 -3 true");
    require_throws_with<ember::ValueError>([] { (void)ember::zeros({2}).item(); }, {"item", "one-element"});
}

TEST_CASE("accessor reads and writes through the strides; data_ptr() untyped", "[tensor_api][accessor]") {
    Tensor x = ember::arange(0.0, 12.0, 1.0, ember::dtype(ember::kFloat64)).reshape({3, 4});
    auto a = x.accessor<double, 2>();
    REQUIRE(a.size(0) == 3);
    REQUIRE(a.size(1) == 4);
    REQUIRE(a.stride(0) == 4);
    REQUIRE(a.sizes() == ember::IntArrayRef({3, 4}));
    REQUIRE(a[2][1] == 9.0);
    a[1][3] = -1;
    REQUIRE(x[1][3].item<double>() == -1.0);
    // A transposed view: the accessor follows its strides.
    Tensor t = x.t();
    auto at = t.accessor<double, 2>();
    REQUIRE(at[3][1] == -1.0);
    REQUIRE(at[1][2] == 9.0);
    auto row = at[0];
    REQUIRE(row.size(0) == 3);
    REQUIRE(row[2] == 8.0);
    require_throws_with<ember::DTypeError>([&] { (void)x.accessor<float, 2>(); }, {"data_ptr", "float64"});
    require_throws_with<ember::ShapeError>([&] { (void)x.accessor<double, 3>(); }, {"accessor", "3", "[3, 4]"});
    // untyped data_ptr: the first element of the view
    Tensor s = x.narrow(1, 2, 2);
    REQUIRE(s.data_ptr() == static_cast<void*>(x.data_ptr<double>() + 2));
}

TEST_CASE("new_zeros/new_ones/new_full/new_empty and the to() forms", "[tensor_api]") {
    Tensor x = ember::zeros({2}, ember::dtype(ember::kFloat64));
    Tensor z = x.new_zeros({3, 2});
    REQUIRE(z.dtype() == ember::kFloat64);
    require_tensor(z, {3, 2}, std::vector<double>(6, 0.0));
    Tensor o = x.new_ones({2}, ember::dtype(ember::kInt64));
    REQUIRE(o.dtype() == ember::kInt64);
    require_tensor(o, {2}, {1, 1});
    Tensor f = x.new_full({2, 2}, 3.5);
    REQUIRE(f.dtype() == ember::kFloat64);
    require_tensor(f, {2, 2}, {3.5, 3.5, 3.5, 3.5});
    Tensor e = x.new_empty({4});
    REQUIRE(e.dtype() == ember::kFloat64);
    REQUIRE(e.numel() == 4);
    REQUIRE(x.new_zeros({1}, ember::requires_grad()).requires_grad());

    Tensor i = ember::tensor({1, 2, 3});
    // to(options) without a dtype keeps the dtype; to(other) takes other's.
    REQUIRE(i.to(ember::TensorOptions().device(ember::kCPU)).dtype() == ember::kInt64);
    REQUIRE(i.to(x).dtype() == ember::kFloat64);
    REQUIRE(i.to(ember::kFloat32, /*non_blocking=*/false, /*copy=*/false).dtype() == ember::kFloat32);
    REQUIRE(i.to(ember::kInt64).is_same(i));
    Tensor c = i.to(ember::kInt64, false, /*copy=*/true);
    REQUIRE_FALSE(c.is_same(i));
    REQUIRE(c.storage() != i.storage());
    REQUIRE(i.to(ember::Device(ember::kCPU), ember::kFloat64).dtype() == ember::kFloat64);
}

TEST_CASE("sort, argsort and topk indices against a brute-force order", "[tensor_api][sort]") {
    // Ties: the stable order keeps equal values by position; NaN sorts above every number.
    Tensor x = ember::tensor({3.0, 1.0, 2.0, 1.0, std::nan(""), -4.0, 2.0});
    auto [v, i] = x.sort();
    REQUIRE(i.to_vector<int64_t>() == std::vector<int64_t>{5, 1, 3, 2, 6, 0, 4});
    std::vector<float> vv = v.to_vector<float>();
    REQUIRE(std::isnan(vv[6]));
    REQUIRE(vv[0] == -4.0f);
    auto [vd, id] = x.sort(0, /*descending=*/true);
    REQUIRE(id.to_vector<int64_t>() == std::vector<int64_t>{4, 0, 2, 6, 1, 3, 5});
    REQUIRE(x.argsort(0, true).to_vector<int64_t>() == id.to_vector<int64_t>());
    REQUIRE(ember::argsort(x, /*stable=*/true, 0, false).to_vector<int64_t>() == i.to_vector<int64_t>());

    // Random rows: every topk index points at its value, and the k values are the k largest.
    Tensor r = rand_tensor({6, 11}, -1, 1, 5);
    for (bool largest : {true, false}) {
        auto [tv, ti] = r.topk(4, 1, largest);
        REQUIRE(ti.dtype() == ember::kInt64);
        REQUIRE(ember::equal(r.gather(1, ti), tv));
        std::vector<double> rv = r.to_vector<double>();
        std::vector<int64_t> tiv = ti.to_vector<int64_t>();
        for (int64_t row = 0; row < 6; ++row) {
            std::vector<double> line(rv.begin() + row * 11, rv.begin() + (row + 1) * 11);
            std::sort(line.begin(), line.end());
            if (largest) std::reverse(line.begin(), line.end());
            for (int64_t k = 0; k < 4; ++k)
                REQUIRE(rv[std::size_t(row * 11 + tiv[std::size_t(row * 4 + k)])] == line[std::size_t(k)]);
        }
    }
    // int64 and bool sort too; a 0-dim tensor sorts to itself.
    REQUIRE(std::get<0>(ember::tensor({3, -1, 2}).sort()).to_vector<int64_t>() == std::vector<int64_t>{-1, 2, 3});
    REQUIRE(std::get<1>(ember::tensor(2.0).sort()).item<int64_t>() == 0);
    // k = 0 and k = size are allowed
    REQUIRE(std::get<0>(r.topk(0)).sizes() == ember::IntArrayRef({6, 0}));
    REQUIRE(std::get<0>(r.topk(11)).sizes() == ember::IntArrayRef({6, 11}));
}

TEST_CASE("cumsum keeps or converts the dtype; the gradient of a later dim", "[tensor_api][scan]") {
    Tensor b = ember::tensor({true, false, true, true});
    Tensor cb = b.cumsum(0);
    REQUIRE(cb.dtype() == ember::kInt64);
    REQUIRE(cb.to_vector<int64_t>() == std::vector<int64_t>{1, 1, 2, 3});
    Tensor ci = ember::tensor({1, 2, 3}).cumprod(0);
    REQUIRE(ci.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 6});
    REQUIRE(ember::tensor({1, 2, 3}).cumsum(0, ember::kFloat64).dtype() == ember::kFloat64);
    // d/dx_i sum_j w_j cumsum(x)_j = sum_{j >= i} w_j
    Tensor x = ember::zeros({4}, ember::dtype(ember::kFloat64)).requires_grad_();
    Tensor w = ember::tensor({1.0, 2.0, 3.0, 4.0}, ember::kFloat64);
    (x.cumsum(0) * w).sum().backward();
    require_tensor(x.grad(), {4}, {10, 9, 7, 4});
    REQUIRE(x.cumsum(0).grad_fn()->name() == "CumsumBackward0");
}

TEST_CASE("nonzero, masked_select, masked_fill_ against brute force", "[tensor_api][mask]") {
    Tensor x = ember::tensor({{0.0, 1.5, 0.0}, {-2.0, 0.0, 3.0}});
    Tensor nz = x.nonzero();
    REQUIRE(nz.dtype() == ember::kInt64);
    REQUIRE(nz.sizes() == ember::IntArrayRef({3, 2}));
    REQUIRE(nz.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1, 0, 1, 2});
    REQUIRE(ember::nonzero(ember::zeros({2, 2})).sizes() == ember::IntArrayRef({0, 2}));
    // brute force on a random bool tensor of 3 dims
    Tensor m = ember::rand({3, 4, 5}) > 0.5;
    std::vector<bool> mb = m.to_vector<bool>();
    std::vector<int64_t> want;
    for (int64_t k = 0; k < 60; ++k)
        if (mb[std::size_t(k)]) {
            want.push_back(k / 20);
            want.push_back(k / 5 % 4);
            want.push_back(k % 5);
        }
    REQUIRE(m.nonzero().to_vector<int64_t>() == want);

    // masked_select broadcasts x and the mask together.
    Tensor row = ember::tensor({10.0, 20.0, 30.0});
    Tensor mask = ember::tensor({true, false, true, false, true, true}).reshape({2, 3});
    require_tensor(row.masked_select(mask), {4}, {10, 30, 20, 30});

    Tensor y = ember::zeros({2, 3});
    y.masked_fill_(mask, 7);
    require_tensor(y, {2, 3}, {7, 0, 7, 0, 7, 7});
    y.masked_fill_(ember::tensor({false, true, false}), ember::tensor(-1.0));
    require_tensor(y, {2, 3}, {7, -1, 7, 0, -1, 7});
    // int64 keeps its dtype
    Tensor li = ember::tensor({1, 2, 3}).masked_fill(ember::tensor({true, false, false}), 9);
    REQUIRE(li.dtype() == ember::kInt64);
    REQUIRE(li.to_vector<int64_t>() == std::vector<int64_t>{9, 2, 3});
    // masked_fill's gradient: zero where filled; the value's the sum over the filled places.
    Tensor a = ember::ones({2, 3}, ember::dtype(ember::kFloat64)).requires_grad_();
    Tensor v = ember::tensor(2.0, ember::kFloat64).requires_grad_();
    Tensor out = a.masked_fill(mask, v);
    REQUIRE(out.grad_fn()->name() == "MaskedFillBackward1");
    (out * ember::arange(1.0, 7.0, 1.0, ember::dtype(ember::kFloat64)).reshape({2, 3})).sum().backward();
    require_tensor(a.grad(), {2, 3}, {0, 2, 0, 4, 0, 0});
    REQUIRE(v.grad().item<double>() == 1 + 3 + 5 + 6);
}

TEST_CASE("chunk, split, split_with_sizes, tensor_split: sizes as libtorch's", "[tensor_api][split]") {
    Tensor x = ember::arange(10);
    auto sizes = [](const std::vector<Tensor>& p) {
        std::vector<int64_t> s;
        for (const Tensor& t : p) s.push_back(t.size(0));
        return s;
    };
    REQUIRE(sizes(x.chunk(3)) == std::vector<int64_t>{4, 4, 2});
    REQUIRE(sizes(x.chunk(4)) == std::vector<int64_t>{3, 3, 3, 1});
    REQUIRE(sizes(ember::arange(6).chunk(4)) == std::vector<int64_t>{2, 2, 2});  // fewer than asked, as libtorch
    REQUIRE(sizes(ember::zeros({0}).chunk(2)) == std::vector<int64_t>{0, 0});
    REQUIRE(sizes(x.split(4)) == std::vector<int64_t>{4, 4, 2});
    REQUIRE(sizes(x.split({2, 8})) == std::vector<int64_t>{2, 8});
    REQUIRE(sizes(x.split_with_sizes({5, 0, 5})) == std::vector<int64_t>{5, 0, 5});
    REQUIRE(sizes(x.tensor_split(4)) == std::vector<int64_t>{3, 3, 2, 2});
    REQUIRE(sizes(x.tensor_split(ember::IntArrayRef({2, 7, 20}))) == std::vector<int64_t>{2, 5, 3, 0});
    REQUIRE(sizes(x.tensor_split(ember::IntArrayRef({6, 3}))) == std::vector<int64_t>{6, 0, 7});  // NumPy: x[3:]
    // the pieces are views of x, in order
    std::vector<Tensor> p = x.split(3);
    REQUIRE(p[1].storage() == x.storage());
    REQUIRE(p[3].to_vector<int64_t>() == std::vector<int64_t>{9});
    require_throws_with<ember::ValueError>(
        [&] {
            (void)x.split_with_sizes({3, 3});
        },
        {"split_with_sizes", "10", "[3, 3]"});
    require_throws_with<ember::ValueError>([&] { (void)x.chunk(0); }, {"chunk", "greater than 0"});
    require_throws_with<ember::ValueError>([&] { (void)x.split(0); }, {"split", "split_size"});
    require_throws_with<ember::IndexError>([&] { (void)x.split(2, 1); }, {"split"});
}

TEST_CASE("any and all, overall and along a dim", "[tensor_api]") {
    Tensor x = ember::tensor({{0.0, 1.0}, {0.0, 0.0}});
    REQUIRE(x.any().item<bool>());
    REQUIRE_FALSE(x.all().item<bool>());
    REQUIRE(x.any(1).to_vector<bool>() == std::vector<bool>{true, false});
    REQUIRE(x.all(0, true).sizes() == ember::IntArrayRef({1, 2}));
    REQUIRE(ember::all(ember::ones({3})).item<bool>());
    REQUIRE(ember::any(ember::tensor({false, false})).item<bool>() == false);
    REQUIRE(ember::tensor({std::nan("")}).all().item<bool>());  // NaN is non-zero
}

TEST_CASE("norm: p = inf, -inf, 0, and the gradient of the 2-norm at zero", "[tensor_api][norm]") {
    Tensor x = ember::tensor({{3.0, -4.0, 0.0}, {1.0, 0.0, -2.0}}, ember::kFloat64);
    require_tensor(x.norm(INFINITY, {1}), {2}, {4, 2});
    require_tensor(x.norm(-INFINITY, {1}), {2}, {0, 0});
    require_tensor(x.norm(0, {1}), {2}, {2, 2});
    require_tensor(x.norm(std::nullopt, {0}), {3}, {std::sqrt(10.0), 4, 2});
    Tensor z = ember::zeros({3}, ember::dtype(ember::kFloat64)).requires_grad_();
    z.norm(3).backward();
    require_tensor(z.grad(), {3}, {0, 0, 0});
}

TEST_CASE("multinomial: frequencies, distinct samples, determinism", "[tensor_api][multinomial]") {
    const std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
    Tensor w = ember::tensor(p, ember::kFloat64) * 5.0;  // unnormalised weights
    ember::manual_seed(123);
    const int64_t n = 200000;
    Tensor s = w.multinomial(n, /*replacement=*/true);
    REQUIRE(s.dtype() == ember::kInt64);
    REQUIRE(s.sizes() == ember::IntArrayRef({n}));
    std::vector<int64_t> sv = s.to_vector<int64_t>();
    std::vector<double> freq(4, 0);
    for (int64_t c : sv) {
        REQUIRE(c >= 0);
        REQUIRE(c < 4);
        freq[std::size_t(c)] += 1.0 / n;
    }
    // The binomial standard deviation is sqrt(p (1 - p) / n) <= 0.0012: 6 of them is 0.007.
    for (std::size_t c = 0; c < 4; ++c) REQUIRE(std::abs(freq[c] - p[c]) < 0.007);
    // The same seed draws the same samples.
    ember::manual_seed(123);
    REQUIRE(ember::equal(w.multinomial(n, true), s));

    // Without replacement: each row's samples are distinct; a zero weight is never drawn; the first
    // sample of a row follows p and the second sum_{i != j} p_i p_j / (1 - p_i) (sequential draws).
    ember::manual_seed(7);
    const int64_t rows = 40000;
    Tensor wr = ember::tensor({0.1, 0.2, 0.0, 0.3, 0.4}, ember::kFloat64).unsqueeze(0).expand({rows, 5});
    Tensor d = ember::multinomial(wr, 3, false);
    REQUIRE(d.sizes() == ember::IntArrayRef({rows, 3}));
    std::vector<int64_t> dv = d.to_vector<int64_t>();
    const std::vector<double> q = {0.1, 0.2, 0.0, 0.3, 0.4};
    std::vector<double> first(5, 0), second(5, 0);
    for (int64_t r = 0; r < rows; ++r) {
        std::set<int64_t> seen(dv.begin() + r * 3, dv.begin() + r * 3 + 3);
        REQUIRE(seen.size() == 3);
        REQUIRE(seen.count(2) == 0);
        first[std::size_t(dv[std::size_t(r * 3)])] += 1.0 / rows;
        second[std::size_t(dv[std::size_t(r * 3 + 1)])] += 1.0 / rows;
    }
    for (std::size_t j = 0; j < 5; ++j) {
        double want2 = 0;
        for (std::size_t i = 0; i < 5; ++i)
            if (i != j && q[i] < 1) want2 += q[i] * q[j] / (1 - q[i]);
        // sd <= sqrt(0.25 / 40000) = 0.0025: 5 of them is 0.0125.
        CHECK(std::abs(first[j] - q[j]) < 0.0125);
        CHECK(std::abs(second[j] - want2) < 0.0125);
    }
    // all categories without replacement: a permutation
    std::vector<int64_t> perm = ember::ones({6}).multinomial(6).to_vector<int64_t>();
    std::sort(perm.begin(), perm.end());
    REQUIRE(perm == std::vector<int64_t>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("bad input to the tensor API: errors name the op, the shapes and the expectation", "[tensor_api][errors]") {
    Tensor x = ember::rand({3, 4});
    require_throws_with<ember::IndexError>([&] { (void)x.topk(5); }, {"topk", "k = 5", "size 4", "[3, 4]"});
    require_throws_with<ember::IndexError>([&] { (void)x.topk(-1); }, {"topk", "k = -1"});
    require_throws_with<ember::IndexError>([&] { (void)x.sort(2); }, {"sort", "2"});
    require_throws_with<ember::IndexError>([&] { (void)x.cumsum(-3); }, {"cumsum", "-3"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)x.masked_fill(ember::zeros({2, 4}) > 0.0, 1.0);
        },
        {"masked_fill", "[2, 4]", "[3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)x.masked_fill(ember::zeros({2, 3, 4}) > 0.0, 1.0);
        },
        {"masked_fill", "[2, 3, 4]", "[3, 4]"});
    require_throws_with<ember::DTypeError>(
        [&] {
            (void)x.masked_fill(ember::zeros({3, 4}), 1.0);
        },
        {"masked_fill", "bool"});
    require_throws_with<ember::ShapeError>([&] { (void)x.masked_fill(x > 0.5, ember::zeros({2})); },
                                           {"masked_fill", "0-dimensional", "[2]"});
    require_throws_with<ember::ShapeError>([&] { (void)x.masked_select(ember::zeros({2}) > 0.0); },
                                           {"masked_select", "[3, 4]", "[2]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)ember::constant_pad_nd(x, {1, 2, 3});
        },
        {"constant_pad_nd", "even", "[1, 2, 3]", "[3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)ember::constant_pad_nd(x, {1, 1, 1, 1, 1, 1});
        },
        {"constant_pad_nd", "length 6"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)ember::constant_pad_nd(x, {-3, -2});
        },
        {"constant_pad_nd", "-1"});
    namespace F = ember::nn::functional;
    require_throws_with<ember::ValueError>(
        [&] {
            (void)F::pad(x, F::PadFuncOptions({4, 0}).mode(ember::kReflect));
        },
        {"reflect", "smaller than its size 4"});
    require_throws_with<ember::ShapeError>([&] { (void)F::pad(x, F::PadFuncOptions({1}).mode(ember::kReplicate)); },
                                           {"replicate", "even"});
    require_throws_with<ember::ValueError>([&] { (void)ember::ones({4}).multinomial(5); },
                                           {"multinomial", "num_samples = 5", "4 categories", "without replacement"});
    require_throws_with<ember::ValueError>(
        [&] {
            (void)ember::tensor({1.0, 0.0, 0.0}).multinomial(2);
        },
        {"multinomial", "not enough", "1 categories of positive weight"});
    require_throws_with<ember::ValueError>(
        [&] {
            (void)ember::tensor({0.5, -0.1}).multinomial(1, true);
        },
        {"multinomial", "element < 0", "-0.1"});
    require_throws_with<ember::ValueError>([&] { (void)ember::zeros({3}).multinomial(1, true); },
                                           {"multinomial", "sum of probabilities"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)ember::ones({2, 2, 2}).multinomial(1);
        },
        {"multinomial", "1 or 2 dim"});
    require_throws_with<ember::ShapeError>([&] { (void)x.repeat({2}); }, {"repeat", "(1)", "[3, 4]"});
    require_throws_with<ember::ValueError>([&] { (void)x.roll({1, 2}, {0}); }, {"roll", "[1, 2]", "[0]"});
    require_throws_with<ember::ValueError>([&] { (void)x.flip({0, -2}); }, {"flip", "multiple times"});
}
