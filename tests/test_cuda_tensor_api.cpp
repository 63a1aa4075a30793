// The host-side ops of the tensor API on a CUDA tensor (docs/cuda.md): sort, topk, cumsum,
// nonzero, masked_select and multinomial give the CPU's results exactly, and multinomial draws the
// CPU's samples for the same seed. (The registry rows' parity checks cover values and gradients.)
#include "core_test_util.h"
#include "cuda_test_util.h"

using namespace ember;
using namespace cuda_test;

CUDA_TEST_CASE("cuda: sort, topk, cumsum, nonzero, masked_select equal the CPU's results") {
    if (!gpu_or_skip()) return;
    manual_seed(11);
    Tensor x = randn({5, 9}), gx = x.to(kGpu);
    auto [v, i] = x.sort(1, true);
    auto [gv, gi] = gx.sort(1, true);
    check_same(gv, v, 0, 0, "sort values");
    check_same(gi, i, 0, 0, "sort indices");
    auto [tv, ti] = x.topk(3, 0, false);
    auto [gtv, gti] = gx.topk(3, 0, false);
    check_same(gtv, tv, 0, 0, "topk values");
    check_same(gti, ti, 0, 0, "topk indices");
    check_same(gx.cumsum(1), x.cumsum(1), 0, 0, "cumsum");
    check_same((gx > 0.3).nonzero(), (x > 0.3).nonzero(), 0, 0, "nonzero");
    check_same(gx.masked_select(gx > 0.0), x.masked_select(x > 0.0), 0, 0, "masked_select");
}

CUDA_TEST_CASE("cuda: multinomial draws the CPU's samples for the same seed") {
    if (!gpu_or_skip()) return;
    Tensor w = rand({4, 30}) + 0.01;
    for (bool replacement : {true, false}) {
        manual_seed(5);
        Tensor c = w.multinomial(12, replacement);
        manual_seed(5);
        Tensor g = w.to(kGpu).multinomial(12, replacement);
        check_same(g, c, 0, 0, replacement ? "with replacement" : "without replacement");
    }
}
