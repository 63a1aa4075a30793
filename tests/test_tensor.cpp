// The Tensor handle: factories, dtype conversions, item/data_ptr, from_blob, views sharing storage
// and the version counter, printing, and reproducible random streams.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

TEST_CASE("factories: zeros, ones, full, empty, eye, tensor, scalar_tensor", "[tensor][factory]") {
    Tensor z = ember::zeros({2, 3});
    REQUIRE(z.dtype() == ember::kFloat32);
    REQUIRE(z.device() == ember::Device(ember::kCPU));
    REQUIRE(z.is_contiguous());
    REQUIRE(sizes_of(z) == Sizes{2, 3});
    REQUIRE((std::vector<int64_t>(z.strides().begin(), z.strides().end())) == std::vector<int64_t>{3, 1});
    REQUIRE(raw_values(z) == std::vector<double>(6, 0.0));
    REQUIRE(raw_values(ember::ones({4}, ember::dtype(ember::kInt64))) == std::vector<double>(4, 1.0));
    Tensor f = ember::full({2, 2}, -2.5, ember::dtype(ember::kFloat64));
    REQUIRE(f.dtype() == ember::kFloat64);
    REQUIRE(raw_values(f) == std::vector<double>(4, -2.5));
    REQUIRE(raw_values(ember::full({3}, 1.0, ember::dtype(ember::kBool))) == std::vector<double>(3, 1.0));
    Tensor e = ember::empty({3, 0, 2});
    REQUIRE(e.numel() == 0);
    REQUIRE(e.dim() == 3);
    REQUIRE(ember::empty({5}).numel() == 5);
    require_tensor(ember::eye(3), {3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1}, 0, 0, "eye 3");
    require_tensor(ember::eye(2, 3), {2, 3}, {1, 0, 0, 0, 1, 0}, 0, 0, "eye 2x3");
    Tensor t = ember::tensor({{1.0, 2.0}, {3.0, 4.0}});
    require_tensor(t, {2, 2}, {1, 2, 3, 4}, 0, 0, "nested tensor");
    REQUIRE(ember::tensor({1.5, 2.5}, ember::dtype(ember::kFloat64)).dtype() == ember::kFloat64);
    REQUIRE(ember::tensor(std::vector<int64_t>{1, 2}).dtype() == ember::kInt64);
    REQUIRE(ember::tensor(std::vector<float>{0.25f}).item<float>() == 0.25f);
    Tensor s = ember::scalar_tensor(3.5);
    REQUIRE(s.dim() == 0);
    REQUIRE(s.numel() == 1);
    REQUIRE(s.item<double>() == 3.5);
    Tensor g = ember::ones({2}, ember::TensorOptions().dtype(ember::kFloat64).requires_grad(true));
    REQUIRE(g.requires_grad());
    REQUIRE(g.is_leaf());
    REQUIRE(ember::zeros({2}, ember::requires_grad()).requires_grad());
    REQUIRE(raw_values(ember::zeros_like(f)) == std::vector<double>(4, 0.0));
    REQUIRE(ember::ones_like(f).dtype() == ember::kFloat64);
    REQUIRE(raw_values(ember::full_like(f, 7.0)) == std::vector<double>(4, 7.0));
}

TEST_CASE("tensor(values): the dtype follows the values unless the options set one (libtorch's rule)",
          "[tensor][factory]") {
    // libtorch 1.13 gives: long, long, float, bool, long (0-dim), float (0-dim), double.
    require_tensor(ember::tensor({3, -1, 4}), {3}, {3, -1, 4}, 0, 0);
    CHECK(ember::tensor({3, -1, 4}).dtype() == ember::kInt64);
    Tensor rows = ember::tensor({{1, 2}, {3, 4}});
    CHECK(rows.dtype() == ember::kInt64);
    require_tensor(rows, {2, 2}, {1, 2, 3, 4}, 0, 0);
    CHECK(ember::tensor({1.5, 2.0}).dtype() == ember::kFloat32);
    CHECK(ember::tensor({1.0, 2}).dtype() == ember::kFloat32);  // a mixed list is a list of doubles
    Tensor b = ember::tensor({true, false, true});
    CHECK(b.dtype() == ember::kBool);
    require_tensor(b, {3}, {1, 0, 1}, 0, 0);
    CHECK(ember::tensor(3).dtype() == ember::kInt64);
    CHECK(ember::tensor(3).dim() == 0);
    CHECK(ember::tensor(2.5).item<double>() == 2.5);
    CHECK(ember::tensor(2.5).dtype() == ember::kFloat32);
    CHECK(ember::tensor(true).dtype() == ember::kBool);
    CHECK(ember::tensor({1, 2}, ember::kFloat64).dtype() == ember::kFloat64);
    CHECK(ember::tensor(std::vector<int64_t>{1, 2}, ember::TensorOptions().device(ember::kCPU)).dtype() ==
          ember::kInt64);  // options without a dtype keep the inferred one
    require_throws_with<ember::ShapeError>([] { ember::tensor({{1, 2}, {3}}); }, {"tensor", "ragged"});
    require_throws_with<ember::ShapeError>([] { ember::tensor({{1}, {2, 3}, {}}); }, {"tensor", "ragged"});
}

TEST_CASE("arange and linspace", "[tensor][factory]") {
    Tensor a = ember::arange(5);
    REQUIRE(a.dtype() == ember::kInt64);
    REQUIRE(raw_values(a) == std::vector<double>{0, 1, 2, 3, 4});
    REQUIRE(ember::arange(int64_t(3)).dtype() == ember::kInt64);
    Tensor af = ember::arange(1.0, 2.0, 0.25);
    REQUIRE(af.dtype() == ember::kFloat32);
    REQUIRE(raw_values(af) == std::vector<double>{1.0, 1.25, 1.5, 1.75});
    REQUIRE(ember::arange(2.5).numel() == 3);
    REQUIRE(raw_values(ember::arange(5.0, 0.0, -2.0)) == std::vector<double>{5, 3, 1});
    REQUIRE(ember::arange(3.0, 3.0).numel() == 0);
    // 0.1 steps: ceil((1 - 0) / 0.1) = 10 elements, like PyTorch.
    REQUIRE(ember::arange(0.0, 1.0, 0.1, ember::dtype(ember::kFloat64)).numel() == 10);

    Tensor l = ember::linspace(-1.0, 1.0, 5, ember::dtype(ember::kFloat64));
    require_tensor(l, {5}, {-1, -0.5, 0, 0.5, 1}, 0, 1e-16, "linspace");
    Tensor l7 = ember::linspace(0.0, 1.0, 7, ember::dtype(ember::kFloat64));
    std::vector<double> lv = raw_values(l7);
    REQUIRE(lv.front() == 0.0);
    REQUIRE(lv.back() == 1.0);
    for (int i = 0; i < 7; ++i) REQUIRE(lv[i] == Approx(i / 6.0).epsilon(1e-15));
    REQUIRE(raw_values(ember::linspace(2.0, 3.0, 1)) == std::vector<double>{2.0});
    REQUIRE(ember::linspace(0.0, 1.0, 0).numel() == 0);
}

TEST_CASE("dtype conversions with to(), item, data_ptr", "[tensor][dtype]") {
    Tensor x = ember::tensor({-1.75, 0.0, 2.5, 3.0}, ember::dtype(ember::kFloat64));
    Tensor i = x.to(ember::kInt64);
    REQUIRE(i.dtype() == ember::kInt64);
    REQUIRE(raw_values(i) == std::vector<double>{-1, 0, 2, 3});  // truncation toward zero
    Tensor b = x.to(ember::kBool);
    REQUIRE(raw_values(b) == std::vector<double>{1, 0, 1, 1});
    Tensor f = x.to(ember::kFloat32);
    REQUIRE(f.dtype() == ember::kFloat32);
    REQUIRE(raw_values(f) == std::vector<double>{-1.75, 0.0, 2.5, 3.0});
    REQUIRE(raw_values(b.to(ember::kFloat64)) == std::vector<double>{1, 0, 1, 1});
    REQUIRE(x.to(ember::kFloat64).is_same(x));  // same dtype: no copy
    Tensor o = x.to(ember::TensorOptions().dtype(ember::kFloat32));
    REQUIRE(o.dtype() == ember::kFloat32);
    // A non-contiguous source converts element by element in logical order.
    Tensor t = ember::tensor({{1.0, 2.0}, {3.0, 4.0}}).t().to(ember::kInt64);
    REQUIRE(raw_values(t) == std::vector<double>{1, 3, 2, 4});
    REQUIRE(t.to_vector<int64_t>() == std::vector<int64_t>{1, 3, 2, 4});

    REQUIRE(ember::tensor({2.5}).item<float>() == 2.5f);
    REQUIRE(ember::tensor({2.5}).item().toDouble() == 2.5);
    REQUIRE(ember::tensor(std::vector<int64_t>{7}).item<int64_t>() == 7);
    REQUIRE(ember::tensor({1.0, 2.0})[1].item<double>() == 2.0);

    Tensor d = ember::zeros({3}, ember::dtype(ember::kFloat64));
    double* p = d.data_ptr<double>();
    p[1] = 5.0;
    REQUIRE(raw_values(d) == std::vector<double>{0, 5, 0});
    REQUIRE(d.slice(0, 1).data_ptr<double>() == p + 1);  // data_ptr includes the storage offset
    require_throws_with<ember::DTypeError>([&] { (void)d.data_ptr<float>(); }, {"data_ptr", "float64", "float32"});
    REQUIRE(d.element_size() == 8);
    REQUIRE(d.nbytes() == 24);
}

TEST_CASE("contiguous and clone copy; contiguous of a contiguous tensor does not", "[tensor]") {
    Tensor x = rand_tensor({3, 4}, -1, 1, 5);
    REQUIRE(x.contiguous().is_same(x));
    Tensor c = x.clone();
    REQUIRE(c.storage() != x.storage());
    REQUIRE(raw_values(c) == raw_values(x));
    c.fill_(0.0);
    REQUIRE(raw_values(x) != raw_values(c));
    Tensor t = x.t();
    Tensor tc = t.contiguous();
    REQUIRE(tc.is_contiguous());
    REQUIRE(tc.storage() != x.storage());
    REQUIRE(raw_values(tc) == raw_values(t));
    Tensor tcl = t.clone();
    REQUIRE(sizes_of(tcl) == Sizes{4, 3});
    REQUIRE(raw_values(tcl) == raw_values(t));
}

TEST_CASE("from_blob wraps caller memory, with and without a deleter", "[tensor][factory]") {
    std::vector<float> buf = {1, 2, 3, 4, 5, 6};
    {
        Tensor t = ember::from_blob(buf.data(), {2, 3});
        REQUIRE(t.data_ptr<float>() == buf.data());
        require_tensor(t, {2, 3}, {1, 2, 3, 4, 5, 6}, 0, 0, "from_blob");
        t.mul_(2.0);
        REQUIRE(buf[5] == 12.0f);  // writes reach the caller's buffer
    }
    REQUIRE(buf[0] == 2.0f);  // no deleter: memory untouched after the tensor died
    // Strided: a column of a row-major 2x3 buffer.
    Tensor col = ember::from_blob(buf.data() + 1, {2}, {3});
    require_tensor(col, {2}, {4, 10}, 0, 0, "from_blob strided");

    int deleted = 0;
    double* heap = new double[4]{1, 2, 3, 4};
    {
        Tensor t = ember::from_blob(heap, {4}, ember::dtype(ember::kFloat64), [&deleted](void* p) {
            ++deleted;
            delete[] static_cast<double*>(p);
        });
        Tensor view = t.slice(0, 1, 3);
        t = Tensor();
        REQUIRE(deleted == 0);  // the view keeps the storage alive
        REQUIRE(raw_values(view) == std::vector<double>{2, 3});
    }
    REQUIRE(deleted == 1);
}

TEST_CASE("views alias storage and share the version counter", "[tensor][views]") {
    Tensor base = ember::zeros({4, 6}, ember::dtype(ember::kFloat64));
    std::vector<Tensor> views = {
        base.view({6, 4}), base.t(),          base.slice(1, 1, 5, 2),       base.narrow(0, 1, 2),
        base.select(0, 3), base.unsqueeze(0), base.permute({1, 0}),         base.reshape({24}),
        base[2],           base.flatten(),    base.unsqueeze(2).squeeze(2), base.detach()};
    for (const Tensor& v : views) REQUIRE(v.storage() == base.storage());
    Tensor e = ember::zeros({1, 6}, ember::dtype(ember::kFloat64));
    REQUIRE(e.expand({3, 6}).storage() == e.storage());

    // Writing through a view changes the base.
    base.select(0, 3).fill_(7.0);
    REQUIRE(raw_values(base.select(0, 3)) == std::vector<double>(6, 7.0));
    base.t().select(0, 0).fill_(-1.0);  // column 0 of base
    std::vector<double> bv = raw_values(base);
    for (int i = 0; i < 4; ++i) REQUIRE(bv[i * 6] == -1.0);
    REQUIRE(bv[3 * 6 + 1] == 7.0);
    Tensor s = base.slice(1, 1, 5, 2);  // columns 1 and 3
    s.add_(ember::ones({4, 2}, ember::dtype(ember::kFloat64)));
    bv = raw_values(base);
    REQUIRE(bv[0 * 6 + 1] == 1.0);
    REQUIRE(bv[0 * 6 + 3] == 1.0);
    REQUIRE(bv[0 * 6 + 2] == 0.0);
    REQUIRE(bv[3 * 6 + 3] == 8.0);

    // Every in-place op bumps the shared version counter, whichever alias it goes through.
    Tensor v = base.view({24});
    Tensor other = ember::ones({4, 6}, ember::dtype(ember::kFloat64));
    struct Step {
        const char* name;
        std::function<void()> run;
    };
    const std::vector<Step> steps = {
        {"add_", [&] { base.add_(other); }},
        {"add_ scalar", [&] { v.add_(1.0); }},
        {"sub_", [&] { base.sub_(other, 2.0); }},
        {"sub_ scalar", [&] { base.sub_(0.5); }},
        {"mul_", [&] { base.t().mul_(other.t()); }},
        {"mul_ scalar", [&] { base.mul_(3.0); }},
        {"div_", [&] { base.div_(other); }},
        {"div_ scalar", [&] { base.select(1, 2).div_(2.0); }},
        {"zero_", [&] { base.narrow(0, 0, 1).zero_(); }},
        {"fill_", [&] { v.fill_(0.25); }},
        {"copy_", [&] { base.copy_(other); }},
        {"uniform_", [&] { base.uniform_(-1, 1); }},
        {"normal_", [&] { base.t().normal_(); }},
        {"bernoulli_", [&] { v.bernoulli_(0.3); }},
        {"clamp_", [&] { base.clamp_(0.1, 0.5); }},
        {"operator+=", [&] { base += 1.0; }},
        {"operator*=", [&] { base *= other; }},
    };
    for (const Step& step : steps) {
        INFO(step.name);
        const uint32_t before = base._version();
        REQUIRE(v._version() == before);
        step.run();
        REQUIRE(base._version() > before);
        REQUIRE(v._version() == base._version());
        REQUIRE(base.t()._version() == base._version());
    }
    // An out-of-place op does not bump the version of its input.
    const uint32_t before = base._version();
    Tensor unused = base + 1.0;
    REQUIRE(base._version() == before);
    // The values in-place ops write are right (a few spot checks against closed forms).
    Tensor w = ember::full({3}, 2.0, ember::dtype(ember::kFloat64));
    w.mul_(ember::tensor({1.0, 2.0, 3.0}, ember::dtype(ember::kFloat64))).add_(1.0).div_(2.0).sub_(0.5);
    REQUIRE(raw_values(w) == std::vector<double>{1.0, 2.0, 3.0});
    w.clamp_(1.5, 2.5);
    REQUIRE(raw_values(w) == std::vector<double>{1.5, 2.0, 2.5});
    w.copy_(ember::tensor({9.0}));  // broadcast, float32 -> float64
    REQUIRE(raw_values(w) == std::vector<double>{9.0, 9.0, 9.0});
}

TEST_CASE("printing in PyTorch's style", "[tensor][print]") {
    auto str = [](const Tensor& t) {
        std::ostringstream os;
        os << t;
        return os.str();
    };
    REQUIRE(str(ember::tensor({{1.0, 2.0}, {3.0, 4.0}})) == "tensor([[1., 2.],\n        [3., 4.]])");
    REQUIRE(str(ember::tensor({1.5, -2.0})) == "tensor([ 1.5000, -2.0000])");
    REQUIRE(str(ember::tensor(std::vector<int64_t>{1, 20, -3})) == "tensor([ 1, 20, -3])");
    REQUIRE(str(ember::tensor({0.5}, ember::dtype(ember::kFloat64))) == "tensor([0.5000], dtype=float64)");
    REQUIRE(str(ember::scalar_tensor(3.0)) == "tensor(3.)");
    REQUIRE(str(ember::tensor({1.0, 0.0}) > 0.5) == "tensor([ True, False])");
    REQUIRE(str(ember::zeros({2}, ember::requires_grad())) == "tensor([0., 0.], requires_grad=True)");
    REQUIRE(ember::tensor({1.0, 2.0}).t().toString() == "tensor([1., 2.])");
    // A transposed tensor prints in logical order.
    REQUIRE(str(ember::tensor({{1.0, 2.0}, {3.0, 4.0}}).t()) == "tensor([[1., 3.],\n        [2., 4.]])");
    // 3-D: blank line between the matrices.
    REQUIRE(str(ember::arange(4).view({2, 1, 2})) == "tensor([[[0, 1]],\n\n        [[2, 3]]])");
    REQUIRE(str(Tensor()) == "tensor(undefined)");
}

namespace {
std::vector<double> stream_values() {
    std::vector<double> v;
    for (double x : raw_values(ember::rand({50}))) v.push_back(x);
    for (double x : raw_values(ember::randn({50}, ember::dtype(ember::kFloat64)))) v.push_back(x);
    for (double x : raw_values(ember::randint(0, 10, {50}))) v.push_back(x);
    for (double x : raw_values(ember::bernoulli(ember::full({50}, 0.3)))) v.push_back(x);
    Tensor b = ember::empty({50});
    for (double x : raw_values(b.bernoulli_(0.6))) v.push_back(x);
    return v;
}
}  // namespace

TEST_CASE("manual_seed makes rand/randn/randint/bernoulli reproducible", "[tensor][random]") {
    ember::manual_seed(1234);
    std::vector<double> a = stream_values();
    ember::manual_seed(1234);
    std::vector<double> b = stream_values();
    ember::manual_seed(4321);
    std::vector<double> c = stream_values();
    REQUIRE(a == b);
    REQUIRE(a != c);
    // Each segment on its own differs between seeds too.
    for (int seg = 0; seg < 4; ++seg) {
        INFO("segment " << seg);
        REQUIRE(std::vector<double>(a.begin() + seg * 50, a.begin() + seg * 50 + 50) !=
                std::vector<double>(c.begin() + seg * 50, c.begin() + seg * 50 + 50));
    }
    // Consecutive calls continue the stream instead of repeating it.
    ember::manual_seed(7);
    Tensor r1 = ember::rand({20}), r2 = ember::rand({20});
    REQUIRE(raw_values(r1) != raw_values(r2));
}

TEST_CASE("random distributions: ranges, means and variances within 5 sigma", "[tensor][random]") {
    ember::manual_seed(2024);
    const int64_t n = 100000;
    auto moments = [](const std::vector<double>& v, double& mean, double& var) {
        mean = 0;
        for (double x : v) mean += x;
        mean /= double(v.size());
        var = 0;
        for (double x : v) var += (x - mean) * (x - mean);
        var /= double(v.size() - 1);
    };
    // The standard error of the sample variance is sqrt((mu4 - sigma^4) / n).
    auto check = [&](const std::vector<double>& v, double mu, double sigma2, double mu4, const char* what) {
        INFO(what);
        double m, s2;
        moments(v, m, s2);
        REQUIRE(std::abs(m - mu) < 5 * std::sqrt(sigma2 / double(n)));
        REQUIRE(std::abs(s2 - sigma2) < 5 * std::sqrt((mu4 - sigma2 * sigma2) / double(n)));
    };
    for (auto dt : {ember::kFloat32, ember::kFloat64}) {
        std::vector<double> u = raw_values(ember::rand({n}, ember::dtype(dt)));
        for (double x : u) REQUIRE((x >= 0 && x < 1));
        check(u, 0.5, 1.0 / 12, 1.0 / 80, "rand");
        std::vector<double> g = raw_values(ember::randn({n}, ember::dtype(dt)));
        check(g, 0, 1, 3, "randn");
        Tensor un = ember::empty({n}, ember::dtype(dt));
        std::vector<double> u2 = raw_values(un.uniform_(-2, 4));
        for (double x : u2) REQUIRE((x >= -2 && x < 4));
        check(u2, 1, 3, 81.0 / 5, "uniform_(-2, 4)");  // (b-a)^2/12 = 3, mu4 = (b-a)^4/80
        Tensor nn = ember::empty({n}, ember::dtype(dt));
        check(raw_values(nn.normal_(3, 2)), 3, 4, 48, "normal_(3, 2)");  // mu4 = 3 sigma^4
    }
    std::vector<double> ri = raw_values(ember::randint(-3, 4, {n}));
    for (double x : ri) REQUIRE((x >= -3 && x <= 3 && x == std::floor(x)));
    // Discrete uniform on 7 values: var = (7^2 - 1) / 12 = 4, mu4 = (3 k^4 ... ) = 196/... computed directly.
    double mu4 = 0;
    for (int k = -3; k <= 3; ++k) mu4 += std::pow(k, 4) / 7.0;
    check(ri, 0, 4, mu4, "randint(-3, 4)");
    std::vector<double> r10 = raw_values(ember::randint(10, {1000}));
    for (int k = 0; k < 10; ++k) REQUIRE(std::count(r10.begin(), r10.end(), double(k)) > 0);
    const double p = 0.3;
    std::vector<double> be = raw_values(ember::bernoulli(ember::full({n}, p, ember::dtype(ember::kFloat64))));
    for (double x : be) REQUIRE((x == 0 || x == 1));
    check(be, p, p * (1 - p), p * (1 - p) * (1 - 3 * p + 3 * p * p), "bernoulli(0.3)");
    // Per-element probabilities: p = 0 and p = 1 are deterministic.
    std::vector<double> fixed = raw_values(ember::bernoulli(ember::tensor({0.0, 1.0, 0.0, 1.0})));
    REQUIRE(fixed == std::vector<double>{0, 1, 0, 1});
    Tensor bb = ember::empty({n});
    check(raw_values(bb.bernoulli_(0.8)), 0.8, 0.16, 0.16 * (1 - 3 * 0.8 + 3 * 0.64), "bernoulli_(0.8)");
    // Filling a non-contiguous view writes only that view.
    Tensor z = ember::zeros({4, 6});
    z.t().slice(0, 0, 6, 2).uniform_(1, 2);
    std::vector<double> zv = raw_values(z);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 6; ++j) REQUIRE(((j % 2 == 0) ? (zv[i * 6 + j] >= 1) : (zv[i * 6 + j] == 0)));
}

TEST_CASE("randperm: a permutation of 0..n-1, reproducible, each ordering equally likely", "[tensor][random]") {
    ember::manual_seed(31);
    for (int64_t n : {0, 1, 2, 7, 1000}) {
        INFO("n = " << n);
        Tensor p = ember::randperm(n);
        REQUIRE(p.dtype() == ember::kInt64);
        REQUIRE(sizes_of(p) == Sizes{n});
        std::vector<double> v = raw_values(p);
        std::sort(v.begin(), v.end());
        for (int64_t i = 0; i < n; ++i) REQUIRE(v[i] == double(i));
    }
    Tensor f = ember::randperm(5, ember::dtype(ember::kFloat64));
    REQUIRE(f.dtype() == ember::kFloat64);
    std::vector<double> fv = raw_values(f);
    std::sort(fv.begin(), fv.end());
    REQUIRE(fv == std::vector<double>{0, 1, 2, 3, 4});
    ember::manual_seed(5);
    const std::vector<double> a = raw_values(ember::randperm(1000));
    ember::manual_seed(5);
    REQUIRE(raw_values(ember::randperm(1000)) == a);
    ember::manual_seed(6);
    REQUIRE(raw_values(ember::randperm(1000)) != a);
    // 4800 draws of randperm(4): each of the 24 orderings is expected 200 times, with a binomial
    // standard deviation of sqrt(4800 (1/24) (23/24)) = 13.8; all lie within 5 of them.
    std::map<std::vector<double>, int> counts;
    for (int k = 0; k < 4800; ++k) ++counts[raw_values(ember::randperm(4))];
    REQUIRE(counts.size() == 24);
    for (const auto& [perm, c] : counts) {
        INFO("ordering " << perm[0] << perm[1] << perm[2] << perm[3] << " seen " << c << " times");
        REQUIRE(std::abs(c - 200) < 5 * 13.8);
    }
    require_throws_with<ember::ValueError>([] { (void)ember::randperm(-1); }, {"randperm", "non-negative", "-1"});
}

TEST_CASE("rand_like and randn_like: the shape, dtype and device of t, new values", "[tensor][random]") {
    // As libtorch: the result takes t's sizes, dtype and device, not t's values nor requires_grad.
    ember::manual_seed(17);
    Tensor t = ember::full({300, 200}, 5.0, ember::TensorOptions().dtype(ember::kFloat64).requires_grad(true));
    Tensor u = ember::rand_like(t);
    REQUIRE(sizes_of(u) == Sizes{300, 200});
    REQUIRE(u.dtype() == ember::kFloat64);
    REQUIRE(u.device() == t.device());
    REQUIRE_FALSE(u.requires_grad());
    const double n = 60000;
    double m = 0, s2 = 0;
    for (double x : raw_values(u)) {
        REQUIRE((x >= 0 && x < 1));
        m += x / n;
    }
    for (double x : raw_values(u)) s2 += (x - m) * (x - m) / (n - 1);
    // U(0, 1): mean 1/2, variance 1/12 (standard error sqrt((1/80 - 1/144) / n)).
    REQUIRE(std::abs(m - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
    REQUIRE(std::abs(s2 - 1.0 / 12) < 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / n));

    Tensor g = ember::randn_like(ember::zeros({200, 300}, ember::dtype(ember::kFloat32)).t());
    REQUIRE(sizes_of(g) == Sizes{300, 200});
    REQUIRE(g.dtype() == ember::kFloat32);
    m = 0, s2 = 0;
    for (double x : raw_values(g)) m += x / n;
    for (double x : raw_values(g)) s2 += (x - m) * (x - m) / (n - 1);
    // N(0, 1): mean 0, variance 1 (standard error sqrt(2 / n)).
    REQUIRE(std::abs(m) < 5 * std::sqrt(1 / n));
    REQUIRE(std::abs(s2 - 1) < 5 * std::sqrt(2 / n));
}

TEST_CASE("bernoulli(p, scalar_p): p's shape and dtype, probability scalar_p whatever p holds", "[tensor][random]") {
    // libtorch's bernoulli(self, p) is empty_like(self).bernoulli_(p): self's values are not read.
    ember::manual_seed(23);
    const int64_t n = 40000;
    for (double fill : {0.0, 1.0}) {
        for (double q : {0.2, 0.7}) {
            INFO("p filled with " << fill << ", scalar_p " << q);
            Tensor b = ember::bernoulli(ember::full({200, 200}, fill, ember::dtype(ember::kFloat64)), q);
            REQUIRE(sizes_of(b) == Sizes{200, 200});
            REQUIRE(b.dtype() == ember::kFloat64);
            double ones = 0;
            for (double x : raw_values(b)) {
                REQUIRE((x == 0 || x == 1));
                ones += x;
            }
            REQUIRE(std::abs(ones - n * q) < 5 * std::sqrt(n * q * (1 - q)));
        }
    }
    Tensor half = ember::full({64}, 0.5);
    REQUIRE(raw_values(ember::bernoulli(half, 0.0)) == std::vector<double>(64, 0.0));
    REQUIRE(raw_values(ember::bernoulli(half, 1.0)) == std::vector<double>(64, 1.0));
    require_throws_with<ember::ValueError>([&] { (void)ember::bernoulli(half, 1.5); },
                                           {"bernoulli_", "1.5", "expected 0 <= p <= 1"});
}
