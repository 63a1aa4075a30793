// Sorting and running sums along rows (see sort_scan.h).
#include "cpu/sort_scan.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "cpu/loops.h"

namespace ember::cpu {

namespace {

template <typename T>
bool is_nan(T v) {
    if constexpr (std::is_floating_point_v<T>) {
        return std::isnan(v);
    } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
        return std::isnan(static_cast<float>(v));
    } else {
        return false;
    }
}

}  // namespace

void sort_rows(ScalarType dtype, const void* in, void* values, int64_t* indices, int64_t rows, int64_t n,
               bool descending) {
    dispatch_all(dtype, "sort", [&]<typename T>() {
        const T* src = static_cast<const T*>(in);
        T* dst = static_cast<T*>(values);
        // NaN is the largest value: last in ascending order, first in descending order.
        auto before = [descending](T a, T b) {
            if (is_nan(a) || is_nan(b)) return descending ? is_nan(a) && !is_nan(b) : !is_nan(a) && is_nan(b);
            return descending ? b < a : a < b;
        };
        parallel_for(
            rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, n * 8)), [&](int64_t b, int64_t e) {
                for (int64_t r = b; r < e; ++r) {
                    const T* row = src + r * n;
                    int64_t* idx = indices + r * n;
                    std::iota(idx, idx + n, int64_t{0});
                    std::stable_sort(idx, idx + n, [&](int64_t i, int64_t j) { return before(row[i], row[j]); });
                    for (int64_t j = 0; j < n; ++j) dst[r * n + j] = row[idx[j]];
                }
            });
    });
}

void cumulative_rows(ScalarType dtype, bool product, const void* in, void* out, int64_t rows, int64_t n) {
    dispatch_numeric(dtype, "cumulative_rows", [&]<typename T>() {
        using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
        const T* src = static_cast<const T*>(in);
        T* dst = static_cast<T*>(out);
        parallel_for(rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) {
                Acc acc = product ? Acc(1) : Acc(0);
                for (int64_t j = 0; j < n; ++j) {
                    const Acc v = static_cast<Acc>(src[r * n + j]);
                    acc = product ? acc * v : acc + v;
                    dst[r * n + j] = static_cast<T>(acc);
                }
            }
        });
    });
}

}  // namespace ember::cpu
