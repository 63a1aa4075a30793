// CUDA sliding-window kernels, the mirror of src/cpu/window.cpp: unfold (im2col), fold (col2im)
// and max-pooling argmax, one thread per output element. The index math is kernels/window.h,
// shared with the CPU. col2im is a gather (each thread sums the entries of its own pixel, in the
// CPU's (i, j) order), so there are no atomics and the result equals the CPU's bitwise.
#include <algorithm>

#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "ember/tensor/dtype.h"
#include "kernels/window.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {

template <typename T>
__global__ void im2col_elements(Window2d g, const T* x, T* cols, int64_t total) {
    const int64_t L = g.positions(), rows = g.col_rows(), image = g.channels * g.plane();
    EMBER_GRID_STRIDE(k, total) {
        const int64_t l = k % L, t = k / L;
        const int64_t row = t % rows, n = t / rows;
        const int64_t src = im2col_source(g, row, l);
        cols[k] = src < 0 ? T(0) : x[n * image + src];
    }
}

template <typename T>
__global__ void col2im_pixels(Window2d g, const T* cols, T* out, int64_t total) {
    const int64_t image = g.channels * g.plane(), col_image = g.col_rows() * g.positions();
    EMBER_GRID_STRIDE(k, total) {
        const int64_t n = k / image;
        out[k] = col2im_pixel<T, T>(g, cols + n * col_image, k % image);
    }
}

template <typename T>
__global__ void max_pool_positions(Window2d g, const T* x, int64_t* indices, int64_t total) {
    const int64_t L = g.positions();
    EMBER_GRID_STRIDE(k, total) { indices[k] = max_pool_argmax(g, x + (k / L) * g.plane(), k % L); }
}

template <typename T>
__global__ void adaptive_max_positions(AdaptiveWindow2d g, const T* x, int64_t* indices, int64_t total) {
    const int64_t L = g.positions();
    EMBER_GRID_STRIDE(k, total) { indices[k] = adaptive_max_argmax(g, x + (k / L) * g.plane(), k % L); }
}

}  // namespace

void im2col_kernel(ScalarType dtype, const Window2d& g, int64_t batch, const void* in, void* cols) {
    const int64_t total = batch * g.col_rows() * g.positions();
    if (total == 0) return;
    dispatch_floating(dtype, "im2col", [&]<typename T>() {
        im2col_elements<T><<<blocks_for(total), kThreads>>>(g, static_cast<const T*>(in), static_cast<T*>(cols), total);
    });
    EMBER_CUDA_CHECK_LAUNCH("im2col_kernel");
}

void col2im_kernel(ScalarType dtype, const Window2d& g, int64_t batch, const void* cols, void* out) {
    const int64_t total = batch * g.channels * g.plane();
    if (total == 0) return;
    dispatch_floating(dtype, "col2im", [&]<typename T>() {
        col2im_pixels<T><<<blocks_for(total), kThreads>>>(g, static_cast<const T*>(cols), static_cast<T*>(out), total);
    });
    EMBER_CUDA_CHECK_LAUNCH("col2im_kernel");
}

void max_pool2d_kernel(ScalarType dtype, const Window2d& g, int64_t planes, const void* in, int64_t* indices) {
    const int64_t total = planes * g.positions();
    if (total == 0) return;
    dispatch_floating(dtype, "max_pool2d", [&]<typename T>() {
        max_pool_positions<T><<<blocks_for(total), kThreads>>>(g, static_cast<const T*>(in), indices, total);
    });
    EMBER_CUDA_CHECK_LAUNCH("max_pool2d_kernel");
}

void adaptive_max_pool2d_kernel(ScalarType dtype, const AdaptiveWindow2d& g, int64_t planes, const void* in,
                                int64_t* indices) {
    const int64_t total = planes * g.positions();
    if (total == 0) return;
    dispatch_floating(dtype, "adaptive_max_pool2d", [&]<typename T>() {
        adaptive_max_positions<T><<<blocks_for(total), kThreads>>>(g, static_cast<const T*>(in), indices, total);
    });
    EMBER_CUDA_CHECK_LAUNCH("adaptive_max_pool2d_kernel");
}

}  // namespace ember::cuda
