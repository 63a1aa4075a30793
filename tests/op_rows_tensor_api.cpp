// Rows of the test registry (tests/op_registry.h) for sorting, scans, masks, splitting, repeating,
// reordering and padding. The references are loops over the row-major input values, written from
// libtorch's documented semantics.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core_test_util.h"
#include "op_registry_rows.h"

namespace op_registry {

namespace {

using core_test::ravel;
using core_test::unravel;

// f applied to each line of `shape` along dim d (a line's values in order), its outputs written
// back along d into a result of shape `out` (out differs from shape only in dim d).
std::vector<double> along(const std::vector<double>& v, const Sizes& shape, int64_t d, const Sizes& out,
                          const std::function<std::vector<double>(const std::vector<double>&)>& f) {
    std::vector<double> r(static_cast<std::size_t>(core_test::numel_of(out)));
    Sizes lines = shape;
    lines[static_cast<std::size_t>(d)] = 1;
    for (int64_t k = 0; k < core_test::numel_of(lines); ++k) {
        std::vector<int64_t> idx = unravel(k, lines);
        std::vector<double> line;
        for (int64_t j = 0; j < shape[static_cast<std::size_t>(d)]; ++j) {
            idx[static_cast<std::size_t>(d)] = j;
            line.push_back(v[static_cast<std::size_t>(ravel(idx, shape))]);
        }
        std::vector<double> res = f(line);
        for (int64_t j = 0; j < out[static_cast<std::size_t>(d)]; ++j) {
            idx[static_cast<std::size_t>(d)] = j;
            r[static_cast<std::size_t>(ravel(idx, out))] = res[static_cast<std::size_t>(j)];
        }
    }
    return r;
}

// The positions of a line in sorted order (ties by position: distinct random inputs have none).
std::vector<double> order(const std::vector<double>& line, bool descending) {
    std::vector<int64_t> p(line.size());
    std::iota(p.begin(), p.end(), int64_t{0});
    std::stable_sort(p.begin(), p.end(), [&](int64_t a, int64_t b) {
        return descending ? line[std::size_t(a)] > line[std::size_t(b)] : line[std::size_t(a)] < line[std::size_t(b)];
    });
    return std::vector<double>(p.begin(), p.end());
}
std::vector<double> sorted(const std::vector<double>& line, bool descending, std::size_t k) {
    std::vector<double> o = order(line, descending), r;
    for (std::size_t j = 0; j < k; ++j) r.push_back(line[std::size_t(o[j])]);
    return r;
}

// The fixed mask of the masked rows: true where (row-major position) % 3 == 1.
Tensor mask_of(const Sizes& shape, Device d) {
    std::vector<bool> bits;
    for (int64_t k = 0; k < core_test::numel_of(shape); ++k) bits.push_back(k % 3 == 1);
    return ember::tensor(bits).reshape(shape).to(d);
}

}  // namespace

std::vector<OpRow> tensor_api_rows() {
    using namespace ember;
    namespace F = nn::functional;
    return {
        // ---- sorting ----
        {.name = "sort",
         .fn = [](const TL& x, Device) { return std::get<0>(x[0].sort(1)); },
         .shapes = {{4, 6}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {4, 6}, 1, {4, 6}, [](auto l) { return sorted(l, false, 6); });
             }},
        {.name = "sort descending dim 0",
         .fn = [](const TL& x, Device) { return std::get<0>(sort(x[0], 0, true)); },
         .shapes = {{5, 3}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {5, 3}, 0, {5, 3}, [](auto l) { return sorted(l, true, 5); });
             }},
        {.name = "sort stable indices",
         .fn = [](const TL& x, Device) { return std::get<1>(x[0].sort(std::optional<bool>(true), -1, false)); },
         .shapes = {{3, 7}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {3, 7}, 1, {3, 7}, [](auto l) { return order(l, false); });
             },
         .backward = false},
        {.name = "argsort descending",
         .fn = [](const TL& x, Device) { return argsort(x[0], 0, true); },
         .shapes = {{6, 2}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {6, 2}, 0, {6, 2}, [](auto l) { return order(l, true); });
             },
         .backward = false},
        {.name = "topk largest",
         .fn = [](const TL& x, Device) { return std::get<0>(x[0].topk(3)); },
         .shapes = {{4, 7}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {4, 7}, 1, {4, 3}, [](auto l) { return sorted(l, true, 3); });
             }},
        {.name = "topk smallest dim 0",
         .fn = [](const TL& x, Device) { return std::get<0>(topk(x[0], 2, 0, false)); },
         .shapes = {{5, 3}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {5, 3}, 0, {2, 3}, [](auto l) { return sorted(l, false, 2); });
             }},
        {.name = "topk indices",
         .fn = [](const TL& x, Device) { return std::get<1>(x[0].topk(4, 1)); },
         .shapes = {{3, 9}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {3, 9}, 1, {3, 4}, [](auto l) {
                     std::vector<double> o = order(l, true);
                     return std::vector<double>(o.begin(), o.begin() + 4);
                 });
             },
         .backward = false},
        // ---- scans ----
        {.name = "cumsum",
         .fn = [](const TL& x, Device) { return x[0].cumsum(1); },
         .shapes = {{4, 6}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {4, 6}, 1, {4, 6}, [](auto l) {
                     std::partial_sum(l.begin(), l.end(), l.begin());
                     return l;
                 });
             }},
        {.name = "cumsum dim 0 float64",
         .fn = [](const TL& x, Device) { return cumsum(x[0], 0, kFloat64); },
         .shapes = {{5, 3}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {5, 3}, 0, {5, 3}, [](auto l) {
                     std::partial_sum(l.begin(), l.end(), l.begin());
                     return l;
                 });
             }},
        {.name = "cumprod",
         .fn = [](const TL& x, Device) { return x[0].cumprod(-1); },
         .shapes = {{3, 5}},
         .ref =
             [](const auto& v) {
                 return along(v[0], {3, 5}, 1, {3, 5}, [](auto l) {
                     std::partial_sum(l.begin(), l.end(), l.begin(), std::multiplies<double>());
                     return l;
                 });
             }},
        {.name = "cumprod with a zero",
         // x * (position != 2): the zero at position 2 of every row is where the quotient formula fails.
         .fn =
             [](const TL& x, Device d) {
                 Tensor keep = (arange(5, TensorOptions().dtype(kInt64).device(d)) != 2.0).to(x[0].dtype());
                 return (x[0] * keep).cumprod(1);
             },
         .shapes = {{2, 5}},
         .ref =
             [](const auto& v) {
                 std::vector<double> w = v[0];
                 for (std::size_t k = 0; k < w.size(); ++k)
                     if (k % 5 == 2) w[k] = 0;
                 return along(w, {2, 5}, 1, {2, 5}, [](auto l) {
                     std::partial_sum(l.begin(), l.end(), l.begin(), std::multiplies<double>());
                     return l;
                 });
             }},
        // ---- masks ----
        {.name = "masked_fill scalar",
         .fn =
             [](const TL& x, Device d) {
                 return x[0].masked_fill(mask_of({3, 4}, d), -2.5);
             },
         .shapes = {{3, 4}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r = v[0];
                 for (std::size_t k = 0; k < r.size(); ++k)
                     if (k % 3 == 1) r[k] = -2.5;
                 return r;
             }},
        {.name = "masked_fill broadcast mask, tensor value",
         // mask [4] broadcast over the rows of x [3, 4]; the value x[1] (0-dim) gets a gradient.
         .fn = [](const TL& x, Device d) { return masked_fill(x[0], mask_of({4}, d), x[1].reshape({})); },
         .shapes = {{3, 4}, {1}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r = v[0];
                 for (std::size_t k = 0; k < r.size(); ++k)
                     if ((k % 4) % 3 == 1) r[k] = v[1][0];
                 return r;
             }},
        {.name = "masked_select",
         .fn =
             [](const TL& x, Device d) {
                 return x[0].masked_select(mask_of({4, 3}, d));
             },
         .shapes = {{4, 3}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;
                 for (std::size_t k = 0; k < v[0].size(); ++k)
                     if (k % 3 == 1) r.push_back(v[0][k]);
                 return r;
             }},
        // ---- splitting, repeating, reordering, padding ----
        {.name = "chunk",
         .fn = [](const TL& x, Device) { return x[0].chunk(3, 1)[2] * 2.0; },
         .shapes = {{2, 7}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;  // chunks of 3, 3, 1: the last is column 6
                 for (int i = 0; i < 2; ++i) r.push_back(2 * v[0][std::size_t(i * 7 + 6)]);
                 return r;
             }},
        {.name = "split sizes",
         .fn =
             [](const TL& x, Device) {
                 std::vector<Tensor> p = x[0].split({1, 3}, 0);
                 return p[1].sin();
             },
         .shapes = {{4, 2}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;
                 for (std::size_t k = 2; k < 8; ++k) r.push_back(std::sin(v[0][k]));
                 return r;
             }},
        {.name = "repeat",
         .fn =
             [](const TL& x, Device) {
                 return x[0].repeat({2, 1, 3});
             },
         .shapes = {{2, 3}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;  // [2, 2, 9]: out[a][i][j] = x[i][j % 3]
                 for (int a = 0; a < 2; ++a)
                     for (int i = 0; i < 2; ++i)
                         for (int j = 0; j < 9; ++j) r.push_back(v[0][std::size_t(i * 3 + j % 3)]);
                 return r;
             }},
        {.name = "flip",
         .fn =
             [](const TL& x, Device) {
                 return x[0].flip({0, 2});
             },
         .shapes = {{2, 3, 4}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;
                 for (int i = 0; i < 2; ++i)
                     for (int j = 0; j < 3; ++j)
                         for (int k = 0; k < 4; ++k) r.push_back(v[0][std::size_t(((1 - i) * 3 + j) * 4 + (3 - k))]);
                 return r;
             }},
        {.name = "roll",
         .fn =
             [](const TL& x, Device) {
                 return x[0].roll({1, -2}, {0, 1});
             },
         .shapes = {{3, 5}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;  // out[i][j] = x[(i - 1) mod 3][(j + 2) mod 5]
                 for (int i = 0; i < 3; ++i)
                     for (int j = 0; j < 5; ++j) r.push_back(v[0][std::size_t(((i + 2) % 3) * 5 + (j + 2) % 5)]);
                 return r;
             }},
        {.name = "roll flattened",
         .fn = [](const TL& x, Device) { return roll(x[0], {4}); },
         .shapes = {{2, 3}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;
                 for (int k = 0; k < 6; ++k) r.push_back(v[0][std::size_t((k + 2) % 6)]);
                 return r;
             }},
        {.name = "constant_pad_nd pad and crop",
         .fn =
             [](const TL& x, Device) {
                 return constant_pad_nd(x[0], {1, -1, 2, 0}, 0.5);
             },
         .shapes = {{2, 3}},
         .ref =
             [](const auto& v) {
                 // dim 1: one before, the last column cropped -> [0.5, x0, x1]; dim 0: two rows before.
                 std::vector<double> r;
                 for (int i = 0; i < 4; ++i)
                     for (int j = 0; j < 3; ++j)
                         r.push_back(i < 2 || j == 0 ? 0.5 : v[0][std::size_t((i - 2) * 3 + j - 1)]);
                 return r;
             }},
        {.name = "pad reflect",
         .fn =
             [](const TL& x, Device) {
                 return F::pad(x[0], F::PadFuncOptions({2, 1}).mode(kReflect));
             },
         .shapes = {{2, 4}},
         .ref =
             [](const auto& v) {
                 const int src[7] = {2, 1, 0, 1, 2, 3, 2};
                 std::vector<double> r;
                 for (int i = 0; i < 2; ++i)
                     for (int j : src) r.push_back(v[0][std::size_t(i * 4 + j)]);
                 return r;
             }},
        {.name = "pad replicate 2-D",
         .fn =
             [](const TL& x, Device) {
                 return F::pad(x[0], F::PadFuncOptions({1, 2, 1, 0}).mode(kReplicate));
             },
         .shapes = {{1, 2, 3}},
         .ref =
             [](const auto& v) {
                 std::vector<double> r;  // rows: 0, 0, 1; columns: 0, 0, 1, 2, 2, 2
                 const int rows[3] = {0, 0, 1}, cols[6] = {0, 0, 1, 2, 2, 2};
                 for (int i : rows)
                     for (int j : cols) r.push_back(v[0][std::size_t(i * 3 + j)]);
                 return r;
             }},
        {.name = "pad circular",
         .fn =
             [](const TL& x, Device) {
                 return F::pad(x[0], F::PadFuncOptions({3, 1}).mode(kCircular));
             },
         .shapes = {{2, 3}},
         .ref =
             [](const auto& v) {
                 const int src[7] = {0, 1, 2, 0, 1, 2, 0};
                 std::vector<double> r;
                 for (int i = 0; i < 2; ++i)
                     for (int j : src) r.push_back(v[0][std::size_t(i * 3 + j)]);
                 return r;
             }},
        // ---- norms ----
        {.name = "norm p=3 dim",
         .fn = [](const TL& x, Device) { return x[0].norm(3, {1}, true); },
         .shapes = {{3, 4}},
         .lo = 0.2,
         .hi = 1.5,
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {3, 4}, {1}, [](const std::vector<double>& r) {
                     double s = 0;
                     for (double a : r) s += std::pow(std::abs(a), 3);
                     return std::cbrt(s);
                 });
             }},
        {.name = "norm p=1 dim 0",
         .fn = [](const TL& x, Device) { return norm(x[0], 1, {0}); },
         .shapes = {{3, 4}},
         .lo = 0.2,
         .hi = 1.5,
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {3, 4}, {0}, [](const std::vector<double>& r) {
                     double s = 0;
                     for (double a : r) s += std::abs(a);
                     return s;
                 });
             }},
        {.name = "norm p=2 all",
         .fn = [](const TL& x, Device) { return x[0].norm(); },
         .shapes = {{3, 4}},
         .ref =
             [](const auto& v) {
                 double s = 0;
                 for (double a : v[0]) s += a * a;
                 return std::vector<double>{std::sqrt(s)};
             }},
    };
}

}  // namespace op_registry
