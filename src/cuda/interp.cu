// CUDA upsampling kernels, the mirror of src/cpu/interp.cpp with the taps of kernels/interp.h:
// the forward is one thread per output pixel; the backward, one thread per output pixel too,
// adds its gradient into its taps with atomicAdd (so, unlike the CPU's in-order loop, the sums'
// order, and their last bits in float32, vary from run to run).
#include <algorithm>

#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/launch.h"
#include "ember/tensor/dtype.h"
#include "kernels/interp.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {

template <typename T>
__global__ void upsample_pixels(Upsample2d g, const T* x, T* y, int64_t total) {
    const int64_t op = g.out_plane(), ip = g.in_plane();
    EMBER_GRID_STRIDE(k, total) {
        const int64_t p = k / op, l = k % op;
        y[k] = upsample_pixel<T, T>(g, x + p * ip, l / g.out_w, l % g.out_w);
    }
}

template <typename T>
__global__ void zero_elements(T* x, int64_t total) {
    EMBER_GRID_STRIDE(k, total) { x[k] = T(0); }
}

template <typename T>
__global__ void upsample_backward_pixels(Upsample2d g, const T* go, T* gi, int64_t total) {
    const int64_t op = g.out_plane(), ip = g.in_plane();
    const bool linear = g.mode == InterpMode::Linear;
    EMBER_GRID_STRIDE(k, total) {
        const int64_t p = k / op, l = k % op;
        const Taps2d<T> t = upsample_taps<T>(g, l / g.out_w, l % g.out_w);
        T* dst = gi + p * ip;
        const T v = go[k];
        if (!linear) {
            atomicAdd(dst + t.idx[0], v);
            continue;
        }
        for (int j = 0; j < 4; ++j)
            if (t.w[j] != T(0)) atomicAdd(dst + t.idx[j], t.w[j] * v);
    }
}

}  // namespace

void upsample_kernel(ScalarType dtype, const Upsample2d& g, int64_t planes, const void* in, void* out) {
    const int64_t total = planes * g.out_plane();
    if (total == 0) return;
    dispatch_floating(dtype, "upsample", [&]<typename T>() {
        upsample_pixels<T><<<blocks_for(total), kThreads>>>(g, static_cast<const T*>(in), static_cast<T*>(out), total);
    });
    EMBER_CUDA_CHECK_LAUNCH("upsample_kernel");
}

void upsample_backward_kernel(ScalarType dtype, const Upsample2d& g, int64_t planes, const void* grad_out,
                              void* grad_in) {
    const int64_t total = planes * g.out_plane(), in_total = planes * g.in_plane();
    if (in_total == 0) return;
    dispatch_floating(dtype, "upsample_backward", [&]<typename T>() {
        zero_elements<T><<<blocks_for(in_total), kThreads>>>(static_cast<T*>(grad_in), in_total);
        if (total == 0) return;
        upsample_backward_pixels<T>
            <<<blocks_for(total), kThreads>>>(g, static_cast<const T*>(grad_out), static_cast<T*>(grad_in), total);
    });
    EMBER_CUDA_CHECK_LAUNCH("upsample_backward_kernel");
}

}  // namespace ember::cuda
