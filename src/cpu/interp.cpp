// CPU upsampling kernels (kernels/interp.h): the forward reads each output pixel's taps; the
// backward walks the output pixels of a plane in order and adds each gradient into its taps, so
// it is deterministic. Threads split the planes.
#include "kernels/interp.h"
#include "cpu/kernels.h"
#include "cpu/loops.h"

namespace ember::cpu {

using namespace ember::kernels;

void upsample_kernel(ScalarType dtype, const Upsample2d& g, int64_t planes, const void* in, void* out) {
    dispatch_floating(dtype, "upsample", [&]<typename T>() {
        const T* x = static_cast<const T*>(in);
        T* y = static_cast<T*>(out);
        const int64_t ip = g.in_plane(), op = g.out_plane();
        parallel_for(planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, 4 * op)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t p = b; p < e; ++p) {
                             const T* src = x + p * ip;
                             T* dst = y + p * op;
                             for (int64_t oy = 0; oy < g.out_h; ++oy)
                                 for (int64_t ox = 0; ox < g.out_w; ++ox)
                                     dst[oy * g.out_w + ox] = upsample_pixel<T, T>(g, src, oy, ox);
                         }
                     });
    });
}

void upsample_backward_kernel(ScalarType dtype, const Upsample2d& g, int64_t planes, const void* grad_out,
                              void* grad_in) {
    dispatch_floating(dtype, "upsample_backward", [&]<typename T>() {
        const T* go = static_cast<const T*>(grad_out);
        T* gi = static_cast<T*>(grad_in);
        const int64_t ip = g.in_plane(), op = g.out_plane();
        const bool linear = g.mode == InterpMode::Linear;
        parallel_for(planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, 4 * op)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t p = b; p < e; ++p) {
                             const T* src = go + p * op;
                             T* dst = gi + p * ip;
                             std::fill(dst, dst + ip, T(0));
                             for (int64_t oy = 0; oy < g.out_h; ++oy)
                                 for (int64_t ox = 0; ox < g.out_w; ++ox) {
                                     const T v = src[oy * g.out_w + ox];
                                     const Taps2d<T> t = upsample_taps<T>(g, oy, ox);
                                     if (!linear) {
                                         dst[t.idx[0]] += v;
                                         continue;
                                     }
                                     for (int k = 0; k < 4; ++k) dst[t.idx[k]] += t.w[k] * v;
                                 }
                         }
                     });
    });
}

}  // namespace ember::cpu
