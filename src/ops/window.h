#pragma once
// What the sliding-window ops share (src/ops/window.cpp, conv.cpp, pooling.cpp): argument
// expansion and checks, and the differentiable unfold/fold pair on a given window geometry.
#include <array>

#include "kernels/window.h"
#include "ops/internal.h"

namespace ember::detail {

// A size argument with one value for every spatial dim or one per dim: {a} -> {a, a}.
// `min` is the smallest allowed value (1 for kernel, stride, dilation; 0 for padding).
std::array<int64_t, 2> expand_pair(IntArrayRef v, const char* op, const char* what, int64_t min,
                                   int64_t spatial_dims = 2);

// x, with `spatial_dims` (1 or 2) spatial dims, as a batch [N, C, H, W]: a 1-D op's input gets a
// unit height, an unbatched input N = 1 (`unbatched` says so). Checks the rank and a floating
// dtype, naming `op`. from_batch4d undoes both on the op's result.
Tensor as_batch4d(const char* op, const Tensor& x, bool& unbatched, int64_t spatial_dims = 2);
Tensor from_batch4d(Tensor out, bool unbatched, int64_t spatial_dims = 2);
// A convolution weight of spatial_dims + 2 dims as 4-D (a 1-D op's with a unit height).
Tensor weight_4d(const char* op, const Tensor& weight, int64_t spatial_dims);

// The window over x4 [N, C, H, W] with the given sizes; positions from window_positions (floor,
// or ceil_mode). A ShapeError naming op, the input and the sizes when no window fits.
kernels::Window2d make_window(const char* op, const Tensor& x4, std::array<int64_t, 2> kernel,
                              std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                              std::array<int64_t, 2> dilation, bool ceil_mode = false);

// x4 [N, C, H, W] -> columns [N, C kh kw, L], and the adjoint; each records the other as its
// backward, so both are differentiable to any order.
Tensor unfold_window(const Tensor& x4, const kernels::Window2d& g);
Tensor fold_window(const Tensor& cols, const kernels::Window2d& g);

}  // namespace ember::detail
