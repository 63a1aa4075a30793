// Rows of the test registry (tests/op_registry.h): the reductions, small and sized for the CUDA kernels' paths.
// References are written from the definitions (libtorch's documented semantics), never from
// ember's code.
#include <algorithm>
#include <cmath>

#include "op_registry_rows.h"

namespace op_registry {

std::vector<OpRow> reduction_rows() {
    using namespace ember;
    namespace F = nn::functional;
    return {
        // ---- reductions ----
        {.name = "sum",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return x[0].sum(); },
         .shapes = {{4, 5, 3}},
         .ref = [](const auto& v) { return std::vector<double>{sum_of(v[0])}; }},
        {.name = "sum dims keepdim",
         .covers = {"sum"},
         .fn =
             [](const TL& x, Device) {
                 return x[0].sum({0, 2}, true);
             },
         .shapes = {{4, 5, 3}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {4, 5, 3}, {0, 2}, sum_of);
             }},
        {.name = "sum dim -1",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return sum(x[0], {-1}); },
         .shapes = {{4, 5, 3}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {4, 5, 3}, {2}, sum_of);
             }},
        {.name = "sum dim 0",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return sum(x[0], {0}); },
         .shapes = {{6, 9}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {6, 9}, {0}, sum_of);
             }},
        {.name = "sum middle dim",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return sum(x[0], {1}); },
         .shapes = {{4, 5, 3}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {4, 5, 3}, {1}, sum_of);
             }},
        {.name = "sum size-1 dim",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return sum(x[0], {1}); },
         .shapes = {{6, 1}},
         .ref = [](const auto& v) { return v[0]; }},
        {.name = "mean",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return x[0].mean(); },
         .shapes = {{5, 7}},
         .ref = [](const auto& v) { return std::vector<double>{sum_of(v[0]) / 35}; }},
        {.name = "mean dim",
         .covers = {"sum"},
         .fn = [](const TL& x, Device) { return x[0].mean({1}, true); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {1}, [](const std::vector<double>& r) { return sum_of(r) / 7; });
             }},
        {.name = "max",
         .covers = {"max"},
         .fn = [](const TL& x, Device) { return x[0].max(); },
         .shapes = {{5, 7}},
         .ref = [](const auto& v) { return std::vector<double>{max_of(v[0])}; }},
        {.name = "min",
         .covers = {"min"},
         .fn = [](const TL& x, Device) { return x[0].min(); },
         .shapes = {{5, 7}},
         .ref = [](const auto& v) { return std::vector<double>{min_of(v[0])}; }},
        {.name = "max dim",
         .covers = {"max"},
         .fn = [](const TL& x, Device) { return std::get<0>(x[0].max(1)); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {1}, max_of);
             }},
        {.name = "min dim keepdim",
         .covers = {"min"},
         .fn = [](const TL& x, Device) { return std::get<0>(x[0].min(0, true)); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {0}, min_of);
             }},
        {.name = "max dim indices",
         .covers = {"max"},
         .fn = [](const TL& x, Device) { return std::get<1>(x[0].max(1)); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {1}, argmax_of);
             },
         .backward = false},
        {.name = "min dim 0 indices",
         .covers = {"min"},
         .fn = [](const TL& x, Device) { return std::get<1>(x[0].min(0)); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {0}, argmin_of);
             },
         .backward = false},
        {.name = "argmax",
         .covers = {"argmax"},
         .fn = [](const TL& x, Device) { return argmax(x[0]); },
         .shapes = {{5, 7}},
         .ref = [](const auto& v) { return std::vector<double>{argmax_of(v[0])}; },
         .backward = false},
        {.name = "argmin dim keepdim",
         .covers = {"argmin"},
         .fn = [](const TL& x, Device) { return argmin(x[0], 1, true); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {1}, argmin_of);
             },
         .backward = false},
        {.name = "argmax dim 0",
         .covers = {"argmax"},
         .fn = [](const TL& x, Device) { return argmax(x[0], 0); },
         .shapes = {{5, 7}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {5, 7}, {0}, argmax_of);
             },
         .backward = false},
        {.name = "amax",
         .covers = {"max"},
         .fn =
             [](const TL& x, Device) {
                 return x[0].amax({0, 2});
             },
         .shapes = {{4, 5, 3}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {4, 5, 3}, {0, 2}, max_of);
             }},
        {.name = "amin keepdim",
         .covers = {"min"},
         .fn = [](const TL& x, Device) { return x[0].amin({1}, true); },
         .shapes = {{4, 5, 3}},
         .ref =
             [](const auto& v) {
                 return reduce_ref(v[0], {4, 5, 3}, {1}, min_of);
             }},
        {.name = "logsumexp",
         .fn = [](const TL& x, Device) { return x[0].logsumexp({1}); },
         .shapes = {{5, 7}},
         .lo = -2,
         .hi = 2},
        {.name = "logsumexp all keepdim",
         .fn =
             [](const TL& x, Device) {
                 return logsumexp(x[0], {0, 1}, true);
             },
         .shapes = {{5, 7}},
         .lo = -2,
         .hi = 2},
        {.name = "softmax",
         .fn = [](const TL& x, Device) { return x[0].softmax(1); },
         .shapes = {{5, 7}},
         .lo = -2,
         .hi = 2},
        {.name = "softmax dim 0",
         .fn = [](const TL& x, Device) { return x[0].softmax(0); },
         .shapes = {{5, 7}},
         .lo = -2,
         .hi = 2},
        {.name = "log_softmax",
         .fn = [](const TL& x, Device) { return x[0].log_softmax(-1); },
         .shapes = {{5, 7}},
         .lo = -2,
         .hi = 2},
        {.name = "log_softmax dim 0",
         .fn = [](const TL& x, Device) { return log_softmax(x[0], 0); },
         .shapes = {{3, 2, 2}},
         .lo = -2,
         .hi = 2},
        {.name = "var", .fn = [](const TL& x, Device) { return x[0].var({1}); }, .shapes = {{5, 7}}},
        {.name = "var biased all",
         .fn =
             [](const TL& x, Device) {
                 return x[0].var({0, 1}, false);
             },
         .shapes = {{5, 7}}},
        {.name = "std", .fn = [](const TL& x, Device) { return x[0].std({1}, true, true); }, .shapes = {{5, 7}}},
        {.name = "norm", .fn = [](const TL& x, Device) { return x[0].norm(); }, .shapes = {{5, 7}}},
        {.name = "sum_to_size",
         .fn =
             [](const TL& x, Device) {
                 return sum_to_size(x[0], {1, 7});
             },
         .shapes = {{5, 7}}},
        // ---- reductions sized to take every path of the CUDA kernels (parity only: too big to gradcheck) ----
        {.name = "sum all, split rows",
         .fn = [](const TL& x, Device) { return x[0].sum(); },
         .shapes = {{600, 700}},
         .gradcheck = false},
        {.name = "sum dim 0, split columns",
         .fn = [](const TL& x, Device) { return sum(x[0], {0}); },
         .shapes = {{3000, 200}},
         .gradcheck = false},
        {.name = "sum dim 0, columns",
         .fn = [](const TL& x, Device) { return sum(x[0], {0}); },
         .shapes = {{128, 1024}},
         .gradcheck = false},
        {.name = "sum dim 1, block rows split",
         .fn = [](const TL& x, Device) { return sum(x[0], {1}); },
         .shapes = {{40, 9000}},
         .gradcheck = false},
        {.name = "sum dim 1, block rows",
         .fn = [](const TL& x, Device) { return sum(x[0], {1}); },
         .shapes = {{700, 2000}},
         .gradcheck = false},
        {.name = "sum dim 1, warp rows",
         .fn = [](const TL& x, Device) { return sum(x[0], {1}); },
         .shapes = {{6000, 40}},
         .gradcheck = false},
        {.name = "sum dims 0 and 2",
         .fn =
             [](const TL& x, Device) {
                 return sum(x[0], {0, 2});
             },
         .shapes = {{30, 20, 40}},
         .gradcheck = false},
        {.name = "mean dim 0 big",
         .fn = [](const TL& x, Device) { return mean(x[0], {0}); },
         .shapes = {{5000, 30}},
         .gradcheck = false},
        {.name = "max all, split",
         .fn = [](const TL& x, Device) { return x[0].max(); },
         .shapes = {{600, 700}},
         .gradcheck = false},
        {.name = "amax dim 1, block rows",
         .fn = [](const TL& x, Device) { return x[0].amax({1}); },
         .shapes = {{300, 3000}},
         .gradcheck = false},
        {.name = "max dim 0, split columns",
         .fn = [](const TL& x, Device) { return std::get<0>(max(x[0], 0)); },
         .shapes = {{5000, 64}},
         .gradcheck = false},
        {.name = "argmax dim 0, split columns",
         .fn = [](const TL& x, Device) { return argmax(x[0], 0); },
         .shapes = {{5000, 64}},
         .backward = false},
        {.name = "argmin all, split",
         .fn = [](const TL& x, Device) { return argmin(x[0]); },
         .shapes = {{600, 700}},
         .backward = false},
        {.name = "argmax dim 1, warp rows",
         .fn = [](const TL& x, Device) { return argmax(x[0], 1); },
         .shapes = {{5000, 30}},
         .backward = false},
        {.name = "softmax, block rows",
         .fn = [](const TL& x, Device) { return x[0].softmax(1); },
         .shapes = {{8, 3000}},
         .lo = -3,
         .hi = 3,
         .gradcheck = false},
        {.name = "log_softmax, warp rows",
         .fn = [](const TL& x, Device) { return x[0].log_softmax(1); },
         .shapes = {{3000, 10}},
         .lo = -3,
         .hi = 3,
         .gradcheck = false},
        {.name = "softmax dim 0, big",
         .fn = [](const TL& x, Device) { return x[0].softmax(0); },
         .shapes = {{2000, 8}},
         .lo = -3,
         .hi = 3,
         .gradcheck = false},
        {.name = "logsumexp big",
         .fn = [](const TL& x, Device) { return x[0].logsumexp({1}); },
         .shapes = {{50, 5000}},
         .lo = -3,
         .hi = 3,
         .gradcheck = false},
    };
}

}  // namespace op_registry
