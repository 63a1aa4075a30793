// The index math of the CUDA unfold/fold kernels (src/kernels/window.h: im2col_source,
// col2im_pixel), run on the host element by element as the GPU threads run it, against the CPU
// kernels behind ember::im2col / ember::col2im. The CPU kernels walk rows instead, so this is
// what tests the GPU's offsets where no GPU exists; col2im must agree bitwise (same summation
// order on both backends).
#include <vector>

#include "core_test_util.h"
#include "kernels/window.h"

using namespace ember;

namespace {
struct Case {
    int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw;
};

kernels::Window2d window_of(const Case& k) {
    kernels::Window2d g;
    g.channels = k.c;
    g.height = k.h;
    g.width = k.w;
    g.kh = k.kh;
    g.kw = k.kw;
    g.stride_h = k.sh;
    g.stride_w = k.sw;
    g.pad_h = k.ph;
    g.pad_w = k.pw;
    g.dil_h = k.dh;
    g.dil_w = k.dw;
    g.out_h = kernels::window_positions(k.h, k.kh, k.ph, k.sh, k.dh);
    g.out_w = kernels::window_positions(k.w, k.kw, k.pw, k.sw, k.dw);
    return g;
}
}  // namespace

TEST_CASE("unfold/fold: the GPU kernels' index math, run on the host, matches the CPU kernels") {
    manual_seed(11);
    const std::vector<Case> cases = {
        {2, 3, 6, 5, 3, 2, 1, 1, 0, 0, 1, 1}, {1, 2, 7, 6, 2, 3, 2, 1, 1, 2, 2, 1},
        {2, 1, 5, 5, 3, 3, 3, 2, 1, 1, 1, 2}, {1, 4, 4, 9, 1, 4, 1, 2, 0, 2, 1, 1},
        {3, 2, 8, 3, 4, 1, 2, 1, 2, 0, 1, 1},
    };
    for (const Case& k : cases) {
        const kernels::Window2d g = window_of(k);
        INFO("case c=" << k.c << " " << k.h << "x" << k.w << " kernel " << k.kh << "x" << k.kw << " stride " << k.sh
                       << "x" << k.sw << " padding " << k.ph << "x" << k.pw << " dilation " << k.dh << "x" << k.dw);
        REQUIRE(g.out_h > 0);
        REQUIRE(g.out_w > 0);
        Tensor x = randn({k.n, k.c, k.h, k.w});
        Tensor cols = im2col(x, {k.kh, k.kw}, {k.dh, k.dw}, {k.ph, k.pw}, {k.sh, k.sw});
        const int64_t rows = g.col_rows(), L = g.positions(), image = k.c * k.h * k.w;
        REQUIRE(cols.sizes() == IntArrayRef({k.n, rows, L}));
        // im2col: one "thread" per column entry (n, row, l).
        std::vector<float> xs = x.to_vector<float>(), expect = cols.to_vector<float>(), got(expect.size());
        for (int64_t n = 0; n < k.n; ++n)
            for (int64_t row = 0; row < rows; ++row)
                for (int64_t l = 0; l < L; ++l) {
                    const int64_t src = kernels::im2col_source(g, row, l);
                    got[std::size_t((n * rows + row) * L + l)] = src < 0 ? 0.0f : xs[std::size_t(n * image + src)];
                }
        CHECK(got == expect);
        // col2im: one "thread" per image pixel, summing its entries in (i, j) order.
        Tensor c = randn({k.n, rows, L});
        Tensor folded = col2im(c, {k.h, k.w}, {k.kh, k.kw}, {k.dh, k.dw}, {k.ph, k.pw}, {k.sh, k.sw});
        std::vector<float> cs = c.to_vector<float>(), want = folded.to_vector<float>(), sum(want.size());
        for (int64_t n = 0; n < k.n; ++n)
            for (int64_t p = 0; p < image; ++p)
                sum[std::size_t(n * image + p)] = kernels::col2im_pixel<float, float>(g, cs.data() + n * rows * L, p);
        CHECK(sum == want);  // bitwise: the same order of additions
    }
}
