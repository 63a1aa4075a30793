// CPU indexing kernels: index_select / index_add on [outer, n, inner] buffers, gather /
// scatter_add along one dim of strided operands. Every index is checked before it is used.
#include <cstring>

#include "cpu/kernels.h"
#include "cpu/loops.h"

namespace ember::cpu {

using namespace ember::kernels;

int64_t index_select_kernel(ScalarType dtype, const void* in, int64_t outer, int64_t n_in, int64_t inner,
                            const int64_t* index, int64_t n_index, void* out) {
    for (int64_t i = 0; i < n_index; ++i)
        if (index[i] < 0 || index[i] >= n_in) return i;
    const int64_t es = element_size(dtype);
    const char* src = static_cast<const char*>(in);
    char* dst = static_cast<char*>(out);
    const int64_t row = inner * es;
    parallel_for(outer * n_index, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, inner)),
                 [&](int64_t b, int64_t e) {
                     for (int64_t k = b; k < e; ++k) {
                         int64_t o = k / n_index, i = k % n_index;
                         std::memcpy(dst + k * row, src + (o * n_in + index[i]) * row, static_cast<std::size_t>(row));
                     }
                 });
    return -1;
}

int64_t index_add_kernel(ScalarType dtype, void* out, int64_t outer, int64_t n_out, int64_t inner, const int64_t* index,
                         int64_t n_index, const void* src) {
    for (int64_t i = 0; i < n_index; ++i)
        if (index[i] < 0 || index[i] >= n_out) return i;
    dispatch_numeric(dtype, "index_add", [&]<typename T>() {
        T* o = static_cast<T*>(out);
        const T* s = static_cast<const T*>(src);
        // Threads split the outer dim only, so two threads never add into the same row.
        parallel_for(outer, std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(1, inner * n_index)),
                     [&](int64_t b, int64_t e) {
                         for (int64_t ob = b; ob < e; ++ob)
                             for (int64_t i = 0; i < n_index; ++i) {
                                 T* dst = o + (ob * n_out + index[i]) * inner;
                                 const T* from = s + (ob * n_index + i) * inner;
#pragma omp simd
                                 for (int64_t r = 0; r < inner; ++r) dst[r] += from[r];
                             }
                     });
    });
    return -1;
}

namespace {
// Walks every element of the iterator serially, giving the multi-index offsets of each operand.
template <typename Body>
void for_each_offset(const StridedIter& it, const int64_t* extra_strides, Body&& body) {
    const int nd = it.ndim;
    int64_t idx[kMaxDims] = {};
    for (int64_t n = 0; n < it.numel; ++n) {
        int64_t off[kMaxOperands] = {};
        int64_t extra = 0;
        for (int d = 0; d < nd; ++d) {
            for (int k = 0; k < it.nops; ++k) off[k] += idx[d] * it.strides[k][d];
            extra += idx[d] * extra_strides[d];
        }
        if (!body(off, extra)) return;
        for (int d = nd - 1; d >= 0; --d) {
            if (++idx[d] < it.sizes[d]) break;
            idx[d] = 0;
        }
    }
}
}  // namespace

int64_t gather_kernel(ScalarType dtype, const StridedIter& it, const char* x, const int64_t* x_strides,
                      int64_t dim_stride, int64_t dim_size) {
    int64_t bad = -1, count = 0;
    dispatch_all(dtype, "gather", [&]<typename T>() {
        T* out = reinterpret_cast<T*>(it.data[0]);
        const int64_t* index = reinterpret_cast<const int64_t*>(it.data[1]);
        const T* src = reinterpret_cast<const T*>(x);
        for_each_offset(it, x_strides, [&](const int64_t* off, int64_t xoff) {
            int64_t i = index[off[1]];
            if (i < 0 || i >= dim_size) {
                bad = count;
                return false;
            }
            out[off[0]] = src[xoff + i * dim_stride];
            ++count;
            return true;
        });
    });
    return bad;
}

int64_t scatter_add_kernel(ScalarType dtype, const StridedIter& it, char* self, const int64_t* self_strides,
                           int64_t dim_stride, int64_t dim_size) {
    // Operands: 0 = index, 1 = src (operand 0 is not written; `self` receives the sums).
    int64_t bad = -1, count = 0;
    dispatch_numeric(dtype, "scatter_add", [&]<typename T>() {
        const int64_t* index = reinterpret_cast<const int64_t*>(it.data[0]);
        const T* src = reinterpret_cast<const T*>(it.data[1]);
        T* dst = reinterpret_cast<T*>(self);
        for_each_offset(it, self_strides, [&](const int64_t* off, int64_t soff) {
            int64_t i = index[off[0]];
            if (i < 0 || i >= dim_size) {
                bad = count;
                return false;
            }
            dst[soff + i * dim_stride] += src[off[1]];
            ++count;
            return true;
        });
    });
    return bad;
}

}  // namespace ember::cpu
