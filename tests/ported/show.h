#pragma once
// The ported programs' one output format: a name, the sizes, and the values as float64, on one
// line, so that the two builds' outputs compare as text. Written against libtorch like the
// programs, and renamed with them.
#include <torch/torch.h>

#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>

inline void show(const std::string& name, const torch::Tensor& t) {
    torch::Tensor c = t.to(torch::kDouble).contiguous();
    std::cout << name << " [";
    for (int64_t d = 0; d < c.dim(); ++d) std::cout << (d ? "," : "") << c.size(d);
    std::cout << "]";
    const double* p = c.data_ptr<double>();
    for (int64_t i = 0; i < c.numel(); ++i) std::cout << ' ' << std::setprecision(10) << p[i];
    std::cout << '\n';
}

// The same line with each value rounded to `digits` significant digits, for results of exp, erf,
// tanh and log, whose last bits may differ between the two libraries' math functions. A value
// within 1e-12 of zero prints as 0 (a cancellation that is exactly 0 in one library may be 1e-17
// in the other).
inline void show_rounded(const std::string& name, const torch::Tensor& t, int digits = 5) {
    torch::Tensor c = t.to(torch::kDouble).contiguous();
    std::cout << name << " [";
    for (int64_t d = 0; d < c.dim(); ++d) std::cout << (d ? "," : "") << c.size(d);
    std::cout << "]";
    const double* p = c.data_ptr<double>();
    for (int64_t i = 0; i < c.numel(); ++i) {
        const double v = p[i] < 1e-12 && p[i] > -1e-12 ? 0.0 : p[i];
        std::cout << ' ' << std::setprecision(digits) << v;
    }
    std::cout << '\n';
}
