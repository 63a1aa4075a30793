#pragma once
// The argument checks the loss files (src/nn/loss*.cpp) share: each names the loss, the shapes
// and the dtypes.
#include "ember/tensor/tensor.h"

namespace ember::nn::functional::detail {

inline void check_floating_arg(const char* loss, const Tensor& t, const char* what) {
    EMBER_ENFORCE(t.defined(), ValueError, loss, ": undefined ", what);
    EMBER_ENFORCE(t.is_floating_point(), DTypeError, loss, ": expected a floating ", what, ", got ", describe(t));
}

// Elementwise losses compare input and target element by element: same shape, same dtype.
inline void check_pair(const char* loss, const Tensor& input, const Tensor& target) {
    check_floating_arg(loss, input, "input");
    check_floating_arg(loss, target, "target");
    EMBER_ENFORCE(input.sizes() == target.sizes(), ShapeError, loss, ": input ", shape_str(input.sizes()),
                  " and target ", shape_str(target.sizes()), " must have the same shape");
    EMBER_ENFORCE(input.dtype() == target.dtype(), DTypeError, loss, ": input (", dtype_name(input.dtype()),
                  ") and target (", dtype_name(target.dtype()), ") must have the same dtype");
}

}  // namespace ember::nn::functional::detail
