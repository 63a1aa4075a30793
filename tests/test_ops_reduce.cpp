// Reductions (sum, mean, max/min with indices, argmax, amax, logsumexp, softmax, log_softmax,
// var/std) and matrix products (mm, bmm, matmul) against double-precision reference loops.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

namespace {

// Reference reduction over the dims in `dims` (all dims if empty) of values with shape `s`.
// Returns the output values (keepdim shape is implied) and the per-output list of reduced values.
struct RefReduce {
    Sizes kept, keep;
    std::vector<std::vector<double>> groups;
};

RefReduce ref_reduce(const std::vector<double>& v, const Sizes& s, std::vector<int64_t> dims) {
    const int64_t nd = static_cast<int64_t>(s.size());
    std::vector<bool> red(static_cast<std::size_t>(nd), dims.empty());
    for (int64_t d : dims) red[d < 0 ? d + nd : d] = true;
    RefReduce r;
    for (int64_t d = 0; d < nd; ++d) {
        if (red[d]) {
            r.keep.push_back(1);
        } else {
            r.kept.push_back(s[d]);
            r.keep.push_back(s[d]);
        }
    }
    r.groups.resize(static_cast<std::size_t>(numel_of(r.kept)));
    for (int64_t k = 0; k < numel_of(s); ++k) {
        auto idx = unravel(k, s);
        std::vector<int64_t> o;
        for (int64_t d = 0; d < nd; ++d)
            if (!red[d]) o.push_back(idx[d]);
        r.groups[ravel(o, r.kept)].push_back(v[k]);
    }
    return r;
}

double ref_sum(const std::vector<double>& g) {
    double s = 0;
    for (double x : g) s += x;
    return s;
}

}  // namespace

TEST_CASE("sum and mean over all dims and over dim lists, with keepdim", "[ops][reduce]") {
    const Sizes shape = {3, 4, 5};
    const std::vector<std::vector<int64_t>> dim_sets = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}};
    uint32_t seed = 11;
    for (const std::string& layout : all_layouts()) {
        for (const auto& dims : dim_sets) {
            for (bool keepdim : {false, true}) {
                Tensor x = layout_tensor(layout, shape, -1, 1, ++seed);
                RefReduce r = ref_reduce(raw_values(x), shape, dims);
                std::vector<double> ws, wm;
                for (const auto& g : r.groups) {
                    ws.push_back(ref_sum(g));
                    wm.push_back(ref_sum(g) / static_cast<double>(g.size()));
                }
                const Sizes& out = keepdim ? r.keep : r.kept;
                std::string what = layout + " dims " + shape_string(dims) + (keepdim ? " keepdim" : "");
                if (dims.empty() && !keepdim) {
                    require_tensor(x.sum(), {}, ws, 1e-12, 1e-12, "sum() " + what);
                    require_tensor(x.mean(), {}, wm, 1e-12, 1e-12, "mean() " + what);
                }
                require_tensor(x.sum(dims, keepdim), out, ws, 1e-12, 1e-12, "sum " + what);
                require_tensor(ember::mean(x, dims, keepdim), out, wm, 1e-12, 1e-12, "mean " + what);
            }
        }
    }
}

TEST_CASE("sum of int64 and bool tensors, float32 sum of many elements", "[ops][reduce]") {
    Tensor i = ember::arange(int64_t(101));
    REQUIRE(i.sum().dtype() == ember::kInt64);
    REQUIRE(i.sum().item<int64_t>() == 5050);
    Tensor b = ember::tensor({1.0, -1.0, 2.0, 0.0}) > 0.0;
    REQUIRE(b.sum().item<int64_t>() == 2);
    // 100,000 ones in float32 sum exactly (integers below 2^24).
    REQUIRE(ember::ones({100000}).sum().item<float>() == 100000.0f);
    Tensor r = rand_tensor({10000}, 0, 1, 3, ember::kFloat32);
    std::vector<double> rv = raw_values(r);
    REQUIRE(r.sum().item<double>() == Approx(ref_sum(rv)).epsilon(1e-5));
}

TEST_CASE("float32 sums of 10^7 terms are accurate: full sums, long rows and long columns", "[ops][reduce]") {
    // Summed lane by lane, 10^7 copies of 0.1f drift by about 1e-3 relative (each lane adds 0.1 to
    // a running total near 6e4, whose float32 spacing is 4e-3); summed pairwise they stay within a
    // few float32 roundings of the exact sum of the stored values. The reference is a float64 loop.
    const int64_t n = 10'000'019;  // not a multiple of any block size
    Tensor c = ember::full({n}, 0.1, ember::dtype(ember::kFloat32));
    const double exact_c = static_cast<double>(0.1f) * static_cast<double>(n);
    CHECK(c.sum().item<double>() == Approx(exact_c).epsilon(1e-6));
    CHECK(c.mean().item<double>() == Approx(static_cast<double>(0.1f)).epsilon(1e-6));
    Tensor r = rand_tensor({2, n / 2}, 0, 1, 11, ember::kFloat32);
    std::vector<double> rv = raw_values(r);
    const std::size_t half = rv.size() / 2;
    double row0 = 0, row1 = 0;
    for (std::size_t k = 0; k < half; ++k) {
        row0 += rv[k];
        row1 += rv[half + k];
    }
    CHECK(r.sum().item<double>() == Approx(row0 + row1).epsilon(1e-6));
    Tensor rows = r.sum({1});
    CHECK(rows[0].item<double>() == Approx(row0).epsilon(1e-6));
    CHECK(rows[1].item<double>() == Approx(row1).epsilon(1e-6));
    // A column sum (the reduced dim is not the innermost): 5 * 10^5 rows of row 0.
    Tensor cols = r.select(0, 0).narrow(0, 0, 5'000'000).reshape({500'000, 10}).sum({0});
    double col3 = 0;
    for (std::size_t k = 3; k < 5'000'000; k += 10) col3 += rv[k];
    CHECK(cols[3].item<double>() == Approx(col3).epsilon(1e-6));
}

TEST_CASE("max/min with indices, argmax/argmin, amax/amin", "[ops][reduce]") {
    const Sizes shape = {4, 5, 3};
    uint32_t seed = 40;
    for (const std::string& layout : all_layouts()) {
        Tensor x = layout_tensor(layout, shape, -5, 5, ++seed);
        std::vector<double> xv = raw_values(x);
        for (int64_t dim = -3; dim < 3; ++dim) {
            for (bool keepdim : {false, true}) {
                RefReduce r = ref_reduce(xv, shape, {dim});
                std::vector<double> wmax, wmin, wimax, wimin;
                for (const auto& g : r.groups) {
                    auto mx = std::max_element(g.begin(), g.end());
                    auto mn = std::min_element(g.begin(), g.end());
                    wmax.push_back(*mx);
                    wmin.push_back(*mn);
                    wimax.push_back(double(mx - g.begin()));
                    wimin.push_back(double(mn - g.begin()));
                }
                const Sizes& out = keepdim ? r.keep : r.kept;
                std::string what = layout + " dim " + std::to_string(dim);
                auto [vmax, imax] = x.max(dim, keepdim);
                auto [vmin, imin] = ember::min(x, dim, keepdim);
                REQUIRE(imax.dtype() == ember::kInt64);
                require_tensor(vmax, out, wmax, 0, 0, "max " + what);
                require_tensor(imax, out, wimax, 0, 0, "argmax " + what);
                require_tensor(vmin, out, wmin, 0, 0, "min " + what);
                require_tensor(imin, out, wimin, 0, 0, "argmin " + what);
                require_tensor(x.argmax(dim, keepdim), out, wimax, 0, 0, "argmax() " + what);
                require_tensor(x.argmin(dim, keepdim), out, wimin, 0, 0, "argmin() " + what);
                require_tensor(x.amax({dim}, keepdim), out, wmax, 0, 0, "amax " + what);
                require_tensor(x.amin({dim}, keepdim), out, wmin, 0, 0, "amin " + what);
            }
        }
        auto mx = std::max_element(xv.begin(), xv.end());
        REQUIRE(x.max().item<double>() == *mx);
        REQUIRE(x.min().item<double>() == *std::min_element(xv.begin(), xv.end()));
        REQUIRE(x.argmax().item<int64_t>() == mx - xv.begin());
        RefReduce r = ref_reduce(xv, shape, {0, 2});
        std::vector<double> w;
        for (const auto& g : r.groups) w.push_back(*std::max_element(g.begin(), g.end()));
        require_tensor(x.amax({0, 2}, true), {1, 5, 1}, w, 0, 0, "amax {0,2} " + layout);
    }
    // Ties: the first occurrence wins, as in PyTorch on CPU.
    Tensor t = ember::tensor({1.0, 3.0, 3.0, 0.0});
    REQUIRE(t.argmax().item<int64_t>() == 1);
    REQUIRE(std::get<1>(t.max(0)).item<int64_t>() == 1);
    REQUIRE(ember::tensor({2.0, 0.0, 0.0}).argmin().item<int64_t>() == 1);
}

TEST_CASE("logsumexp matches the definition and is stable for 1e4 inputs", "[ops][reduce]") {
    const Sizes shape = {3, 4};
    for (const std::string& layout : all_layouts()) {
        Tensor x = layout_tensor(layout, shape, -3, 3, 77);
        std::vector<double> xv = raw_values(x);
        for (int64_t dim : {0, 1}) {
            RefReduce r = ref_reduce(xv, shape, {dim});
            std::vector<double> want;
            for (const auto& g : r.groups) {
                double s = 0;
                for (double v : g) s += std::exp(v);
                want.push_back(std::log(s));
            }
            require_tensor(x.logsumexp({dim}), r.kept, want, 1e-12, 1e-12, "logsumexp " + layout);
            require_tensor(ember::logsumexp(x, {dim}, true), r.keep, want, 1e-12, 1e-12, "logsumexp keepdim " + layout);
        }
    }
    // exp(1e4) overflows even float64; the shifted form gives 1e4 + log(sum exp(x - 1e4)).
    Tensor big = ember::tensor({1e4, 1e4, 1e4 - 1.0});
    const double want = 1e4 + std::log(2.0 + std::exp(-1.0));
    REQUIRE(big.logsumexp({0}).item<double>() == Approx(want).epsilon(1e-6));
    Tensor neg = ember::tensor({-1e4, -1e4}, ember::dtype(ember::kFloat64));
    REQUIRE(neg.logsumexp({0}).item<double>() == Approx(-1e4 + std::log(2.0)).epsilon(1e-14));
    const double inf = std::numeric_limits<double>::infinity();
    Tensor ninf = ember::tensor({-inf, -inf}, ember::dtype(ember::kFloat64));
    REQUIRE(ninf.logsumexp({0}).item<double>() == -inf);
}

TEST_CASE("softmax and log_softmax along every dim, stable for large inputs", "[ops][reduce]") {
    const Sizes shape = {2, 3, 4};
    for (const std::string& layout : all_layouts()) {
        for (auto dt : {ember::kFloat64, ember::kFloat32}) {
            Tensor x = layout_tensor(layout, shape, -4, 4, 91, dt);
            std::vector<double> xv = raw_values(x);
            for (int64_t dim = -3; dim < 3; ++dim) {
                const int64_t d = dim < 0 ? dim + 3 : dim;
                std::vector<double> ws(xv.size()), wl(xv.size());
                for (int64_t k = 0; k < numel_of(shape); ++k) {
                    auto idx = unravel(k, shape);
                    double s = 0;
                    for (int64_t j = 0; j < shape[d]; ++j) {
                        auto jdx = idx;
                        jdx[d] = j;
                        s += std::exp(xv[ravel(jdx, shape)]);
                    }
                    ws[k] = std::exp(xv[k]) / s;
                    wl[k] = xv[k] - std::log(s);
                }
                const double tol = dt == ember::kFloat64 ? 1e-12 : 2e-6;
                std::string what = layout + " dim " + std::to_string(dim);
                Tensor y = x.softmax(dim);
                REQUIRE(y.dtype() == dt);
                require_tensor(y, shape, ws, tol, tol, "softmax " + what);
                require_tensor(ember::log_softmax(x, dim), shape, wl, tol, tol, "log_softmax " + what);
            }
        }
    }
    Tensor big = ember::tensor({1e4, 1e4 - 1.0, -1e4});
    const double z = 1 + std::exp(-1.0);
    require_close(raw_values(big.softmax(0)), {1 / z, std::exp(-1.0) / z, 0.0}, 1e-6, 1e-30);
    std::vector<double> ls = raw_values(big.log_softmax(0));
    REQUIRE(ls[0] == Approx(-std::log(z)).epsilon(1e-5));
    REQUIRE(ls[1] == Approx(-1 - std::log(z)).epsilon(1e-5));
    REQUIRE(ls[2] == Approx(-2e4 - std::log(z)).epsilon(1e-6));
    REQUIRE(std::isfinite(ls[2]));
}

TEST_CASE("var and std, unbiased and biased, over dims", "[ops][reduce]") {
    const Sizes shape = {4, 6};
    for (const std::string& layout : all_layouts()) {
        Tensor x = layout_tensor(layout, shape, -2, 2, 123);
        std::vector<double> xv = raw_values(x);
        for (const std::vector<int64_t>& dims : std::vector<std::vector<int64_t>>{{0}, {1}, {0, 1}}) {
            for (bool unbiased : {true, false}) {
                RefReduce r = ref_reduce(xv, shape, dims);
                std::vector<double> wv, wsd;
                for (const auto& g : r.groups) {
                    double m = ref_sum(g) / double(g.size()), ss = 0;
                    for (double v : g) ss += (v - m) * (v - m);
                    double var = ss / (double(g.size()) - (unbiased ? 1 : 0));
                    wv.push_back(var);
                    wsd.push_back(std::sqrt(var));
                }
                std::string what = layout + " dims " + shape_string(dims) + (unbiased ? " unbiased" : " biased");
                require_tensor(x.var(dims, unbiased), r.kept, wv, 1e-12, 1e-14, "var " + what);
                require_tensor(ember::std(x, dims, unbiased, true), r.keep, wsd, 1e-12, 1e-14, "std " + what);
            }
        }
    }
}

TEST_CASE("norm: the square root of the sum of squares of every element", "[ops][reduce]") {
    const Sizes shape = {3, 4, 5};
    for (const std::string& layout : all_layouts()) {
        for (auto dt : {ember::kFloat64, ember::kFloat32}) {
            Tensor x = layout_tensor(layout, shape, -3, 3, 321, dt);
            double ss = 0;
            for (double v : raw_values(x)) ss += v * v;
            Tensor n = x.norm();
            REQUIRE(n.dim() == 0);
            REQUIRE(n.dtype() == dt);
            const double tol = dt == ember::kFloat64 ? 1e-14 : 1e-6;
            require_tensor(n, {}, {std::sqrt(ss)}, tol, 0, "norm " + layout);
            require_tensor(ember::norm(x), {}, {std::sqrt(ss)}, tol, 0, "ember::norm " + layout);
        }
    }
    require_tensor(ember::tensor({3.0, -4.0}).norm(), {}, {5.0}, 0, 0, "norm of (3, -4)");
    require_tensor(ember::zeros({2, 2}).norm(), {}, {0.0}, 0, 0, "norm of zeros");
    require_tensor(ember::zeros({0, 3}).norm(), {}, {0.0}, 0, 0, "norm of an empty tensor");
}

TEST_CASE("sum_to_size: sums the broadcast dims back to the given shape", "[ops][reduce]") {
    const Sizes shape = {2, 3, 4};
    const std::vector<Sizes> targets = {{2, 3, 4}, {3, 4}, {4}, {1, 4}, {3, 1}, {2, 1, 4}, {1, 1, 1}, {}, {2, 3, 1}};
    for (const std::string& layout : all_layouts()) {
        Tensor x = layout_tensor(layout, shape, -1, 1, 77);
        const std::vector<double> xv = raw_values(x);
        for (const Sizes& target : targets) {
            // By definition: output element o collects every x element that broadcasting from
            // `target` maps onto o.
            std::vector<double> want(static_cast<std::size_t>(numel_of(target)), 0.0);
            for (int64_t k = 0; k < numel_of(shape); ++k) {
                const auto idx = unravel(k, shape);
                const std::size_t lead = shape.size() - target.size();
                std::vector<int64_t> o(target.size());
                for (std::size_t d = 0; d < target.size(); ++d) o[d] = target[d] == 1 ? 0 : idx[lead + d];
                want[static_cast<std::size_t>(ravel(o, target))] += xv[static_cast<std::size_t>(k)];
            }
            require_tensor(ember::sum_to_size(x, target), target, want, 1e-14, 1e-15,
                           "sum_to_size " + layout + " to " + shape_string(target));
        }
    }
    // The same shape gives the input itself, as libtorch's sum_to_size.
    Tensor y = ember::ones({2, 3});
    REQUIRE(ember::sum_to_size(y, {2, 3}).is_same(y));
    require_throws_with<ember::ShapeError>([&] { (void)ember::sum_to_size(y, {2}); },
                                           {"sum_to_size", "Tensor[2, 3] float32 cpu", "[2]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)ember::sum_to_size(y, {1, 2, 3});
        },
        {"sum_to_size", "Tensor[2, 3] float32 cpu", "[1, 2, 3]"});
}

// ---- matrix products ----

namespace {

// C = A @ B by a double triple loop over logical values.
std::vector<double> ref_mm(const std::vector<double>& a, const std::vector<double>& b, int64_t M, int64_t K,
                           int64_t N) {
    std::vector<double> c(static_cast<std::size_t>(M * N), 0.0);
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double s = 0;
            for (int64_t k = 0; k < K; ++k) s += a[i * K + k] * b[k * N + j];
            c[i * N + j] = s;
        }
    return c;
}

}  // namespace

TEST_CASE("mm (CPU GEMM) matches a float64 triple loop for odd shapes and strided operands", "[ops][linalg][gemm]") {
    struct Dims {
        int64_t M, K, N;
    };
    const std::vector<Dims> dims = {{1, 1, 1},    {1, 7, 1},   {7, 1, 5},   {3, 5, 2},    {17, 13, 19},
                                    {33, 65, 31}, {64, 1, 64}, {5, 129, 3}, {130, 67, 9}, {2, 300, 257}};
    const std::vector<std::string> layouts = {"contiguous", "transposed", "strided", "offset"};
    uint32_t seed = 500;
    for (const Dims& d : dims) {
        for (const std::string& la : layouts) {
            for (const std::string& lb : layouts) {
                for (auto dt : {ember::kFloat64, ember::kFloat32}) {
                    Tensor A = layout_tensor(la, {d.M, d.K}, -1, 1, ++seed, dt);
                    Tensor B = layout_tensor(lb, {d.K, d.N}, -1, 1, ++seed, dt);
                    std::vector<double> want = ref_mm(raw_values(A), raw_values(B), d.M, d.K, d.N);
                    Tensor C = A.mm(B);
                    REQUIRE(C.dtype() == dt);
                    // Error bound of a length-K dot product of values in [-1, 1].
                    const double eps = dt == ember::kFloat64 ? 1e-15 : 1e-6;
                    require_tensor(C, {d.M, d.N}, want, 0, 4 * eps * double(d.K),
                                   "mm " + std::to_string(d.M) + "x" + std::to_string(d.K) + "x" + std::to_string(d.N) +
                                       " " + la + "/" + lb + " " + ember::dtype_name(dt));
                }
            }
        }
    }
    // K == 0: the product is all zeros.
    Tensor z = ember::mm(ember::ones({3, 0}), ember::ones({0, 4}));
    require_tensor(z, {3, 4}, std::vector<double>(12, 0.0), 0, 0, "mm with K == 0");
    // Expanded operands (stride 0) are read correctly.
    Tensor row = ember::tensor({1.0, 2.0, 3.0}, ember::dtype(ember::kFloat64));
    Tensor E = row.unsqueeze(0).expand({2, 3});
    Tensor I = ember::eye(3, ember::dtype(ember::kFloat64));
    require_tensor(E.mm(I), {2, 3}, {1, 2, 3, 1, 2, 3}, 0, 0, "expanded @ eye");
    require_tensor(I.mm(row.unsqueeze(1).expand({3, 2})), {3, 2}, {1, 1, 2, 2, 3, 3}, 0, 0, "eye @ expanded");
}

TEST_CASE("bmm, matmul (2-D, batched with broadcast batch dims, vectors) and t()", "[ops][linalg]") {
    uint32_t seed = 900;
    auto rt = [&](const Sizes& s) { return rand_tensor(s, -1, 1, ++seed); };
    // Reference batched matmul over broadcast batch dims (vectors promoted and squeezed as in NumPy).
    auto ref_matmul = [](const Tensor& a, const Tensor& b, Sizes& out_shape) {
        Sizes sa = sizes_of(a), sb = sizes_of(b);
        bool va = sa.size() == 1, vb = sb.size() == 1;
        if (va) sa.insert(sa.begin(), 1);
        if (vb) sb.push_back(1);
        const int64_t M = sa[sa.size() - 2], K = sa.back(), N = sb.back();
        Sizes ba(sa.begin(), sa.end() - 2), bb(sb.begin(), sb.end() - 2);
        Sizes batch = broadcast(ba, bb);
        std::vector<double> av = raw_values(a), bv = raw_values(b), out;
        for (int64_t k = 0; k < numel_of(batch); ++k) {
            auto idx = unravel(k, batch);
            auto pick = [&](const Sizes& bs) {
                std::vector<int64_t> i2(bs.size());
                for (std::size_t d = 0; d < bs.size(); ++d) i2[d] = bs[d] == 1 ? 0 : idx[idx.size() - bs.size() + d];
                return bs.empty() ? 0 : ravel(i2, bs);
            };
            int64_t ia = pick(ba), ib = pick(bb);
            std::vector<double> am(av.begin() + ia * M * K, av.begin() + (ia + 1) * M * K);
            std::vector<double> bm(bv.begin() + ib * K * N, bv.begin() + (ib + 1) * K * N);
            auto c = ref_mm(am, bm, M, K, N);
            out.insert(out.end(), c.begin(), c.end());
        }
        out_shape = batch;
        if (!va) out_shape.push_back(M);
        if (!vb) out_shape.push_back(N);
        return out;
    };
    const std::vector<std::pair<Sizes, Sizes>> cases = {
        {{3, 4}, {4, 5}},       {{4}, {4, 5}},    {{3, 4}, {4}},    {{4}, {4}},          {{2, 3, 4}, {4, 5}},
        {{2, 3, 4}, {2, 4, 5}}, {{2, 3, 4}, {4}}, {{4}, {2, 4, 5}}, {{3, 4}, {2, 4, 5}}, {{2, 1, 3, 4}, {5, 4, 2}},
        {{1, 3, 4}, {6, 4, 2}}};
    for (const auto& [sa, sb] : cases) {
        for (bool transposed : {false, true}) {
            Tensor a = transposed ? layout_tensor("transposed", sa, -1, 1, ++seed) : rt(sa);
            Tensor b = transposed ? layout_tensor("strided", sb, -1, 1, ++seed) : rt(sb);
            Sizes out;
            std::vector<double> want = ref_matmul(a, b, out);
            require_tensor(a.matmul(b), out, want, 1e-12, 1e-13,
                           "matmul " + shape_string(sa) + " @ " + shape_string(sb) + (transposed ? " strided" : ""));
        }
    }
    Tensor a = rt({3, 2, 4}), b = layout_tensor("transposed", {3, 4, 5}, -1, 1, 77);
    Sizes out;
    std::vector<double> want = ref_matmul(a, b, out);
    require_tensor(ember::bmm(a, b), {3, 2, 5}, want, 1e-12, 1e-13, "bmm");
    // t() of a 2-D tensor swaps the dims and shares storage; t() of a vector is itself.
    Tensor m = rt({2, 3});
    Tensor mt = m.t();
    REQUIRE(sizes_of(mt) == Sizes{3, 2});
    REQUIRE(mt.storage() == m.storage());
    std::vector<double> mv = raw_values(m);
    require_tensor(mt, {3, 2}, {mv[0], mv[3], mv[1], mv[4], mv[2], mv[5]}, 0, 0, "t");
    REQUIRE(sizes_of(ember::ones({4}).t()) == Sizes{4});
    // outer and addmm
    Tensor u = ember::tensor({1.0, 2.0}, ember::dtype(ember::kFloat64)),
           v = ember::tensor({3.0, 4.0, 5.0}, ember::dtype(ember::kFloat64));
    require_tensor(ember::outer(u, v), {2, 3}, {3, 4, 5, 6, 8, 10}, 0, 0, "outer");
    Tensor self = ember::ones({2, 3}, ember::dtype(ember::kFloat64));
    require_tensor(ember::addmm(self, u.unsqueeze(1), v.unsqueeze(0), 2.0, 0.5), {2, 3}, {3.5, 4, 4.5, 5, 6, 7}, 1e-15,
                   0, "addmm");
}
