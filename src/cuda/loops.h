#pragma once
// The CUDA elementwise loop, the mirror of src/cpu/loops.h: one thread per output element (in a
// grid-stride loop), each computing its operands' offsets from its flat index and calling the
// same functor the CPU loop calls.
//
// The per-element part, apply_element, is a host-and-device function: tests/test_cuda.cpp runs it
// on the CPU over every index of real iterators (transposed, broadcast, 0-d) and compares with the
// CPU kernels, so the indexing the GPU runs is tested even on a machine without a GPU. Only the
// launch below is CUDA-only.
#include <cstdint>
#include <utility>

#include "ember/tensor/macros.h"
#include "kernels/iter.h"

namespace ember::cuda {

using kernels::StridedIter;

// Element offsets (in elements, not bytes) of flat index i in each of the first `nops` operands.
// Flat index order is row-major over it.sizes (innermost dim last), the CPU loop's order.
EMBER_HD inline void element_offsets(const StridedIter& it, int64_t i, int nops, int64_t* off) {
    for (int k = 0; k < nops; ++k) off[k] = 0;
    if (it.ndim == 1) {  // the common, coalesced case: no division
        for (int k = 0; k < nops; ++k) off[k] = i * it.strides[k][0];
        return;
    }
    for (int d = it.ndim - 1; d >= 0; --d) {
        const int64_t size = it.sizes[d];
        const int64_t idx = i % size;
        i /= size;
        for (int k = 0; k < nops; ++k) off[k] += idx * it.strides[k][d];
    }
}

namespace detail {
template <typename Out, typename... In, typename F, std::size_t... I>
EMBER_HD inline void apply_element_impl(const StridedIter& it, const F& f, int64_t i, std::index_sequence<I...>) {
    constexpr int N = sizeof...(In) + 1;
    int64_t off[N];
    element_offsets(it, i, N, off);
    Out* out = reinterpret_cast<Out*>(it.data[0]) + off[0];
    *out = static_cast<Out>(f(reinterpret_cast<const In*>(it.data[I + 1])[off[I + 1]]...));
}
}  // namespace detail

// out(Out)[i] = f(in(In)[i]...) for flat index i of the iterator.
template <typename Out, typename... In, typename F>
EMBER_HD inline void apply_element(const StridedIter& it, const F& f, int64_t i) {
    detail::apply_element_impl<Out, In...>(it, f, i, std::index_sequence_for<In...>{});
}

#if defined(__CUDACC__)
// (A variadic __global__ template must end with its pack, hence F first.)
template <typename F, typename Out, typename... In>
__global__ void elementwise_kernel(StridedIter it, F f) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < it.numel; i += stride)
        apply_element<Out, In...>(it, f, i);
}

constexpr int kBlockSize = 256;
// Enough blocks to fill any current GPU several times over; the grid-stride loop covers the rest.
constexpr int64_t kMaxBlocks = 65536;

// Launches the kernel on the default stream; returns without waiting for it.
template <typename Out, typename... In, typename F>
void launch_elementwise(const StridedIter& it, const F& f) {
    if (it.numel == 0) return;
    int64_t blocks = (it.numel + kBlockSize - 1) / kBlockSize;
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    elementwise_kernel<F, Out, In...><<<static_cast<unsigned>(blocks), kBlockSize>>>(it, f);
}
#endif

}  // namespace ember::cuda
