// CPU sliding-window kernels (kernels/window.h): unfold (im2col), fold (col2im) and max-pooling
// argmax over contiguous images.
#include <cstring>

#include "cpu/kernels.h"
#include "cpu/loops.h"
#include "kernels/window.h"

namespace ember::cpu {

using namespace ember::kernels;

namespace {

// The window positions ox in [0, out_w) whose column ix = ox * s - pad + off lies in [0, width).
void valid_range(int64_t out_w, int64_t s, int64_t pad, int64_t off, int64_t width, int64_t& lo, int64_t& hi) {
    // ix >= 0  <=>  ox >= ceil((pad - off) / s);  ix < width  <=>  ox <= floor((width - 1 + pad - off) / s)
    const int64_t a = pad - off, b = width - 1 + pad - off;
    lo = a <= 0 ? 0 : (a + s - 1) / s;
    hi = b < 0 ? 0 : std::min<int64_t>(out_w, b / s + 1);
    if (hi < lo) hi = lo;
}

// One row (c, i, j) of one image's column matrix: out_h runs of out_w entries, each a strided
// copy of an input row with zeros where the window hangs over the padding.
template <typename T>
void im2col_row(const Window2d& g, const T* img, int64_t row, T* dst) {
    const int64_t j = row % g.kw, i = (row / g.kw) % g.kh, c = row / g.taps();
    const int64_t off_x = j * g.dil_w;
    int64_t lo, hi;
    valid_range(g.out_w, g.stride_w, g.pad_w, off_x, g.width, lo, hi);
    for (int64_t oy = 0; oy < g.out_h; ++oy, dst += g.out_w) {
        const int64_t iy = oy * g.stride_h - g.pad_h + i * g.dil_h;
        if (iy < 0 || iy >= g.height) {
            std::fill(dst, dst + g.out_w, T(0));
            continue;
        }
        const T* src = img + (c * g.height + iy) * g.width + off_x - g.pad_w;
        std::fill(dst, dst + lo, T(0));
        if (g.stride_w == 1) {
            std::memcpy(dst + lo, src + lo, static_cast<std::size_t>(hi - lo) * sizeof(T));
        } else {
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * g.stride_w];
        }
        std::fill(dst + hi, dst + g.out_w, T(0));
    }
}

// The adjoint of im2col_row, added into the image. For each pixel the rows arrive in (i, j)
// order, the order col2im_pixel sums in, so this equals the CUDA gather bitwise.
template <typename T>
void col2im_row(const Window2d& g, const T* src, int64_t row, T* img) {
    const int64_t j = row % g.kw, i = (row / g.kw) % g.kh, c = row / g.taps();
    const int64_t off_x = j * g.dil_w;
    int64_t lo, hi;
    valid_range(g.out_w, g.stride_w, g.pad_w, off_x, g.width, lo, hi);
    for (int64_t oy = 0; oy < g.out_h; ++oy, src += g.out_w) {
        const int64_t iy = oy * g.stride_h - g.pad_h + i * g.dil_h;
        if (iy < 0 || iy >= g.height) continue;
        T* dst = img + (c * g.height + iy) * g.width + off_x - g.pad_w;
        for (int64_t ox = lo; ox < hi; ++ox) dst[ox * g.stride_w] += src[ox];
    }
}

}  // namespace

void im2col_kernel(ScalarType dtype, const Window2d& g, int64_t batch, const void* in, void* cols) {
    dispatch_floating(dtype, "im2col", [&]<typename T>() {
        const T* x = static_cast<const T*>(in);
        T* out = static_cast<T*>(cols);
        const int64_t rows = g.col_rows(), L = g.positions(), image = g.channels * g.plane();
        parallel_for(batch * rows, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, L)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t k = b; k < e; ++k) im2col_row(g, x + (k / rows) * image, k % rows, out + k * L);
                     });
    });
}

void col2im_kernel(ScalarType dtype, const Window2d& g, int64_t batch, const void* cols, void* out) {
    dispatch_floating(dtype, "col2im", [&]<typename T>() {
        const T* src = static_cast<const T*>(cols);
        T* img = static_cast<T*>(out);
        const int64_t L = g.positions(), plane = g.plane(), taps = g.taps();
        // Threads split the (image, channel) planes: a plane's taps all add into it, in order.
        parallel_for(batch * g.channels, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, taps * L)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t p = b; p < e; ++p) {
                             const int64_t n = p / g.channels, c = p % g.channels;
                             T* dst = img + p * plane;
                             std::fill(dst, dst + plane, T(0));
                             T* image = img + n * g.channels * plane;
                             for (int64_t t = 0; t < taps; ++t) {
                                 const int64_t row = c * taps + t;
                                 col2im_row(g, src + (n * g.col_rows() + row) * L, row, image);
                             }
                         }
                     });
    });
}

void max_pool2d_kernel(ScalarType dtype, const Window2d& g, int64_t planes, const void* in, int64_t* indices) {
    dispatch_floating(dtype, "max_pool2d", [&]<typename T>() {
        const T* x = static_cast<const T*>(in);
        const int64_t L = g.positions(), plane = g.plane();
        parallel_for(planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, L * g.taps())),
                     [&](int64_t b, int64_t e) {
                         for (int64_t p = b; p < e; ++p)
                             for (int64_t l = 0; l < L; ++l) indices[p * L + l] = max_pool_argmax(g, x + p * plane, l);
                     });
    });
}

void adaptive_max_pool2d_kernel(ScalarType dtype, const AdaptiveWindow2d& g, int64_t planes, const void* in,
                                int64_t* indices) {
    dispatch_floating(dtype, "adaptive_max_pool2d", [&]<typename T>() {
        const T* x = static_cast<const T*>(in);
        const int64_t L = g.positions(), plane = g.plane();
        parallel_for(planes, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, plane)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t p = b; p < e; ++p)
                             for (int64_t l = 0; l < L; ++l)
                                 indices[p * L + l] = adaptive_max_argmax(g, x + p * plane, l);
                     });
    });
}

}  // namespace ember::cpu
