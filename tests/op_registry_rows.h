#pragma once
// What the row files of the test registry (tests/op_rows_*.cpp) share: the row lists they define
// and small helpers for writing references.
#include <algorithm>
#include <cmath>

#include "op_registry.h"

namespace op_registry {

using ember::Device;

std::vector<OpRow> elementwise_rows();
std::vector<OpRow> reduction_rows();
std::vector<OpRow> other_rows();
std::vector<OpRow> window_rows();
std::vector<OpRow> tensor_api_rows();

inline double sigmoid_ref(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
inline double softplus_ref(double x, double beta = 1, double threshold = 20) {
    return beta * x > threshold ? x : std::log1p(std::exp(beta * x)) / beta;
}
// The comparison rows compare a with tie(a, b): b where b <= 0.5, a itself elsewhere, so that
// == and the others see ties as well as distinct values.
inline double tie(double a, double b) { return b > 0.5 ? a : b; }
inline Tensor tie(const Tensor& a, const Tensor& b) { return ember::where(b > 0.5, a, b); }

inline double sum_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
}
inline double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
inline double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
// The first index of the largest (smallest) value, as libtorch's argmax (argmin) picks among ties.
inline double argmax_of(const std::vector<double>& v) {
    return double(std::max_element(v.begin(), v.end()) - v.begin());
}
inline double argmin_of(const std::vector<double>& v) {
    return double(std::min_element(v.begin(), v.end()) - v.begin());
}

inline Tensor ix(std::vector<int64_t> v, const Sizes& shape, Device d) { return ember::tensor(v).reshape(shape).to(d); }

}  // namespace op_registry
