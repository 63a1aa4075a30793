// Ops on the GPU against the CPU beyond the parity table: arithmetic and comparisons with mixed
// layouts, cuBLAS products, exact integer reductions, ties and NaN in max/argmax, infinities in
// softmax, and run-to-run determinism.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda_test_util.h"

using namespace ember;
using namespace cuda_test;

CUDA_TEST_CASE("cuda: arithmetic matches the CPU, with broadcasting and transposed operands") {
    if (!gpu_or_skip()) return;
    manual_seed(2);
    Tensor a = randn({8, 16}), b = randn({16, 8}).t(), row = randn({16}), col = randn({8, 1});
    Tensor ga = a.to(kGpu), gb = b.to(kGpu), grow = row.to(kGpu), gcol = col.to(kGpu);
    require_close(ga + gb, a + b);
    require_close(ga * gb, a * b);
    require_close(ga - grow, a - row);
    require_close(gcol * grow, col * row);  // [8,1] x [16] -> [8,16]
    require_close(div(ga, gb.abs() + 1), div(a, b.abs() + 1));
    require_close(add(ga, gb, 0.5), add(a, b, 0.5));
    require_close(maximum(ga, gcol), maximum(a, col));
    require_close(ga * 3.0 + 1.0, a * 3.0 + 1.0);
    Tensor a64 = a.to(kFloat64);
    require_close(a64.to(kGpu) * b.to(kFloat64).to(kGpu), a64 * b.to(kFloat64), 1e-12, 1e-12);
    Tensor i = randint(-9, 9, {5, 7}), j = randint(1, 9, {7, 5}).t();
    Tensor gi = i.to(kGpu), gj = j.to(kGpu);
    REQUIRE(equal((gi * gj).cpu(), i * j));
    REQUIRE(equal((gi - gj).cpu(), i - j));
    // In place on a CUDA tensor.
    Tensor acc = ga.clone();
    {
        NoGradGuard ng;
        acc.add_(gb);
        acc.mul_(2.0);
    }
    require_close(acc, (a + b) * 2.0);
}

CUDA_TEST_CASE("cuda: comparisons and logical ops return bool tensors matching the CPU") {
    if (!gpu_or_skip()) return;
    manual_seed(3);
    Tensor a = randn({6, 9}), b = randn({9, 6}).t(), row = randn({9});
    Tensor ga = a.to(kGpu), gb = b.to(kGpu), grow = row.to(kGpu);
    REQUIRE(equal((ga < gb).cpu(), a < b));
    REQUIRE(equal((ga >= grow).cpu(), a >= row));
    REQUIRE(equal(eq(ga, ga).cpu(), ones({6, 9}, dtype(kBool))));
    REQUIRE(equal(ne(ga, gb).cpu(), ne(a, b)));
    Tensor gm = ga > 0, gn = gb > 0;
    REQUIRE(gm.dtype() == kBool);
    REQUIRE(equal(logical_and(gm, gn).cpu(), logical_and(a > 0, b > 0)));
    REQUIRE(equal(logical_or(gm, gn).cpu(), logical_or(a > 0, b > 0)));
    REQUIRE(equal(logical_not(gm).cpu(), logical_not(a > 0)));
}

CUDA_TEST_CASE("cuda: unary ops match the CPU") {
    if (!gpu_or_skip()) return;
    manual_seed(4);
    Tensor x = randn({7, 11}), pos = x.abs() + 0.1;
    Tensor gx = x.to(kGpu), gpos = pos.to(kGpu);
    require_close(exp(gx), exp(x), 1e-5, 1e-6);
    require_close(log(gpos), log(pos), 1e-5, 1e-6);
    require_close(sigmoid(gx), sigmoid(x), 1e-5, 1e-6);
    require_close(tanh(gx), tanh(x), 1e-5, 1e-6);
    require_close(relu(gx), relu(x));
    require_close(clamp(gx, -0.5, 0.5), clamp(x, -0.5, 0.5));
    require_close(-gx, -x);
    Tensor i = randint(-9, 9, {13});
    REQUIRE(equal(i.to(kGpu).abs().cpu(), i.abs()));
}

CUDA_TEST_CASE("cuda: matrix products through cuBLAS match the CPU") {
    if (!gpu_or_skip()) return;
    manual_seed(5);
    Tensor a = randn({33, 20}), b = randn({20, 17});
    require_close(mm(a.to(kGpu), b.to(kGpu)), mm(a, b), 1e-4, 1e-4);
    Tensor at = randn({20, 33}).t(), bt = randn({17, 20}).t();  // transposed operands
    require_close(mm(at.to(kGpu), bt.to(kGpu)), mm(at, bt), 1e-4, 1e-4);
    Tensor d = randn({9, 4}, dtype(kFloat64)), e = randn({4, 6}, dtype(kFloat64));
    require_close(mm(d.to(kGpu), e.to(kGpu)), mm(d, e), 1e-12, 1e-12);
}

CUDA_TEST_CASE("cuda: integer and bool reductions match the CPU exactly") {
    if (!gpu_or_skip()) return;
    manual_seed(31);
    Tensor i = randint(-1000, 1000, {700, 900});
    Tensor gi = i.to(kGpu);
    REQUIRE(equal(gi.sum().cpu(), i.sum()));
    REQUIRE(equal(gi.sum({0}).cpu(), i.sum({0})));
    REQUIRE(equal(gi.t().sum({1}).cpu(), i.t().sum({1})));
    REQUIRE(equal(gi.max().cpu(), i.max()));
    REQUIRE(equal(argmax(gi, 1).cpu(), argmax(i, 1)));
    REQUIRE(equal(argmin(gi, 0).cpu(), argmin(i, 0)));
    REQUIRE(equal(argmax(gi).cpu(), argmax(i)));
    Tensor b = i > 0;
    REQUIRE(equal((gi > 0).sum().cpu(), b.sum()));
    REQUIRE(equal((gi > 0).sum({1}).cpu(), b.sum({1})));
    // int64 sums are exact (no detour through floating point), far beyond 2^53.
    Tensor big = full({3000}, 4e12 + 1, dtype(kInt64));
    REQUIRE(big.to(kGpu).sum().item<int64_t>() == int64_t(3000) * int64_t(4000000000001));
    // Empty reductions: sum of nothing is 0.
    REQUIRE(equal(zeros({0, 5}, device(kCUDA)).sum({0}).cpu(), zeros({5})));
}

CUDA_TEST_CASE("cuda: max/min/argmax pick the first of tied values and let NaN win, as the CPU does") {
    if (!gpu_or_skip()) return;
    const double nan = std::nan("");
    for (ScalarType dt : {kFloat32, kFloat64}) {
        INFO(dtype_name(dt));
        // Small values, many ties; big enough for the split and column paths.
        manual_seed(32);
        Tensor x = randint(0, 4, {3000, 300}).to(dt);
        Tensor gx = x.to(kGpu);
        for (int64_t d : {0, 1}) {
            auto [vc, ic] = max(x, d);
            auto [vg, ig] = max(gx, d);
            REQUIRE(equal(vg.cpu(), vc));
            REQUIRE(equal(ig.cpu(), ic));
            auto [wc, jc] = min(x, d);
            auto [wg, jg] = min(gx, d);
            REQUIRE(equal(wg.cpu(), wc));
            REQUIRE(equal(jg.cpu(), jc));
        }
        REQUIRE(equal(argmax(gx).cpu(), argmax(x)));
        REQUIRE(equal(argmin(gx).cpu(), argmin(x)));
        // NaN: the first NaN wins, in a row and over everything.
        Tensor y = x.clone();
        {
            NoGradGuard ng;
            y.select(0, 17).select(0, 123).fill_(nan);
            y.select(0, 17).select(0, 7).fill_(nan);
            y.select(0, 2500).select(0, 299).fill_(nan);
        }
        Tensor gy = y.to(kGpu);
        for (int64_t d : {0, 1}) {
            auto [vc, ic] = max(y, d);
            auto [vg, ig] = max(gy, d);
            check_same(vg, vc, 0, 0, "max values with NaN");
            REQUIRE(equal(ig.cpu(), ic));
            auto [wc, jc] = min(y, d);
            auto [wg, jg] = min(gy, d);
            check_same(wg, wc, 0, 0, "min values with NaN");
            REQUIRE(equal(jg.cpu(), jc));
        }
        REQUIRE(equal(argmax(gy).cpu(), argmax(y)));
        REQUIRE(argmax(gy).item<int64_t>() == 17 * 300 + 7);
        REQUIRE(std::isnan(gy.max().item<double>()));
        REQUIRE(std::isnan(gy.amin({1}).cpu().select(0, 17).item<double>()));
        // -0.0 and +0.0 tie: the first one is kept.
        Tensor z = tensor({0.0, -0.0, 0.0}, dtype(dt));
        REQUIRE(argmin(z.to(kGpu)).item<int64_t>() == argmin(z).item<int64_t>());
        REQUIRE(std::signbit(z.to(kGpu).max().item<double>()) == std::signbit(z.max().item<double>()));
    }
}

CUDA_TEST_CASE("cuda: softmax handles infinities and NaN as the CPU does") {
    if (!gpu_or_skip()) return;
    const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
    for (ScalarType dt : {kFloat32, kFloat64}) {
        Tensor x = tensor({{1.0, -inf, 3.0, 2.0},
                           {-inf, -inf, -inf, -inf},
                           {inf, 0.0, 1.0, 2.0},
                           {1.0, nan, 2.0, 3.0},
                           {1e4, 1e4 + 1, 1e4 - 2, 0.0}},
                          dtype(dt));
        for (int64_t d : {1, 0}) {
            check_same(softmax(x.to(kGpu), d), softmax(x, d), 1e-6, 1e-7, "softmax");
            check_same(log_softmax(x.to(kGpu), d), log_softmax(x, d), 1e-6, 1e-7, "log_softmax");
        }
        // Long rows (a block per row) with the same specials.
        Tensor big = randn({6, 5000}, dtype(dt)) * 10.0;
        {
            NoGradGuard ng;
            big.select(0, 1).fill_(-inf);
            big.select(0, 2).select(0, 4321).fill_(inf);
            big.select(0, 3).select(0, 17).fill_(nan);
        }
        check_same(softmax(big.to(kGpu), 1), softmax(big, 1), 1e-5, 1e-7, "softmax long rows");
        check_same(log_softmax(big.to(kGpu), 1), log_softmax(big, 1), 1e-5, 1e-5, "log_softmax long rows");
    }
}

CUDA_TEST_CASE("cuda: reductions and index adds are deterministic run to run") {
    if (!gpu_or_skip()) return;
    manual_seed(33);
    Tensor x = randn({2000, 3000}, device(kCUDA));
    Tensor s = x.sum();
    Tensor c = x.sum({0});
    Tensor r = x.sum({1});
    Tensor sm = x.softmax(1);
    for (int k = 0; k < 3; ++k) {
        REQUIRE(equal(x.sum().cpu(), s.cpu()));
        REQUIRE(equal(x.sum({0}).cpu(), c.cpu()));
        REQUIRE(equal(x.sum({1}).cpu(), r.cpu()));
        REQUIRE(equal(x.softmax(1).cpu(), sm.cpu()));
    }
    // scatter_add / index_add add in the CPU's order: bitwise equal to the CPU, even in float32
    // with many duplicates.
    Tensor target = randn({50, 64}), src = randn({4000, 64});
    Tensor idx = randint(0, 50, {4000});
    Tensor sidx = randint(0, 50, {4000, 64});
    REQUIRE(equal(index_add(target.to(kGpu), 0, idx.to(kGpu), src.to(kGpu)).cpu(), index_add(target, 0, idx, src)));
    REQUIRE(
        equal(scatter_add(target.to(kGpu), 0, sidx.to(kGpu), src.to(kGpu)).cpu(), scatter_add(target, 0, sidx, src)));
}
