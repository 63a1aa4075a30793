#pragma once
// The test registry: one row per op (or per variant of an op), and every op test reads it.
//   - tests/test_ops_forward.cpp: the row's forward against its float64 reference (ref1, ref2 or
//     ref), over every memory layout, in float64 and float32;
//   - tests/test_gradcheck.cpp: gradcheck of every differentiable row at ember's own tolerances
//     (kGradRtol, kGradAtol), in several input layouts, and gradgradcheck;
//   - tests/test_cuda_parity.cpp: the row on the CPU and on the GPU, forward and backward;
//   - tests/test_op_table.cpp: every op of the library's op table (src/kernels/op_table.def) is
//     named in some row's `covers`, with a forward reference, and a gradcheck when differentiable.
// Adding an op means adding a row here (docs/adding_an_op.md).
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace op_registry {

using ember::Tensor;
using TL = std::vector<Tensor>;
using Sizes = std::vector<int64_t>;

// Tolerances of ember's gradcheck table (the public defaults stay PyTorch's: eps 1e-6, atol 1e-5,
// rtol 1e-3). In float64 with eps = 1e-6 the central difference is off from the derivative by the
// truncation error eps^2 |f'''| / 6 ~ 1e-13 and the rounding error ~ 2^-52 |f| / eps ~ 2e-10 |f|,
// so for values and derivatives of order one, rtol 1e-6 and atol 1e-8 leave two orders of margin,
// and a backward 1e-4 wrong, or wrong in a gradient of 1e-6, is far outside them.
inline constexpr double kGradRtol = 1e-6;
inline constexpr double kGradAtol = 1e-8;

// A general forward reference: the inputs' values in row-major order (read from storage) to the
// expected output, row-major, computed in double without ember.
using Ref = std::function<std::vector<double>(const std::vector<std::vector<double>>&)>;

struct OpRow {
    std::string name;
    // The ops of the library's op table (kernels::op_name) that this row checks.
    std::vector<std::string> covers;
    // The op on inputs of `shapes`; `device` is where index and condition tensors it makes live.
    std::function<Tensor(const TL&, ember::Device)> fn;
    std::vector<Sizes> shapes;
    double lo = -1.5, hi = 1.5;  // input range, kept away from kinks and singularities by the row

    // The forward reference, at most one of:
    std::function<double(double)> ref1;          // elementwise of one input, on a set of shapes
    std::function<double(double, double)> ref2;  // elementwise of two inputs, with broadcasting
    Ref ref;                                     // anything else, on the row's own shapes

    bool backward = true;   // differentiable: gradcheck, and parity of the gradients
    bool gradcheck = true;  // false only for rows sized for the CUDA kernels' paths (too big)
    bool gradgrad = true;
    double grad_rtol = kGradRtol, grad_atol = kGradAtol;
    std::string relaxed_because;  // why, where a row's tolerances differ from the table's
    bool parity = true;           // CPU vs CUDA
};

const std::vector<OpRow>& op_rows();

// The reference of a reduction: `f` of each group of elements that share their index outside
// `dims` (the elements of a group in row-major order), in the row-major order of the kept dims.
std::vector<double> reduce_ref(const std::vector<double>& values, const Sizes& shape, const Sizes& dims,
                               const std::function<double(const std::vector<double>&)>& f);

}  // namespace op_registry
