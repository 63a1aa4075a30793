#pragma once
// The CPU elementwise loop: walks a StridedIter calling a functor per element. The innermost dim
// gets a contiguous fast path (every operand stride 1, or 0 for a broadcast scalar) that the
// compiler vectorises; other strides take the generic path. Work above a size threshold is split
// across threads by flat index ranges.
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "kernels/iter.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ember::cpu {

using kernels::StridedIter;

// Elements below which a loop stays on one thread: thread start-up costs about as much as
// 32k simple flops.
constexpr int64_t kParallelGrain = 32768;

// Runs body(begin, end) over [0, n), split across threads when n is large enough.
template <typename Body>
void parallel_for(int64_t n, int64_t grain, Body&& body) {
#ifdef _OPENMP
    if (n > grain && omp_get_max_threads() > 1 && !omp_in_parallel()) {
        int threads = static_cast<int>(std::min<int64_t>(omp_get_max_threads(), (n + grain - 1) / grain));
#pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num();
            int nt = omp_get_num_threads();
            int64_t chunk = (n + nt - 1) / nt;
            int64_t b = std::min<int64_t>(n, chunk * t);
            int64_t e = std::min<int64_t>(n, b + chunk);
            if (b < e) body(b, e);
        }
        return;
    }
#endif
    if (n > 0) body(0, n);
}

namespace detail {

template <typename Out, typename... In, typename F, std::size_t... I>
inline void inner_loop(char** ptrs, const int64_t* inner_strides, int64_t n, const F& f, std::index_sequence<I...>) {
    Out* out = reinterpret_cast<Out*>(ptrs[0]);
    const int64_t so = inner_strides[0];
    bool contiguous = so == 1 && ((inner_strides[I + 1] == 1) && ...);
    if (contiguous) {
        // Fast path: every operand contiguous; restrict-qualified copies help the vectoriser.
        Out* __restrict o = out;
        std::tuple<const In* __restrict...> in{reinterpret_cast<const In*>(ptrs[I + 1])...};
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) o[i] = f(std::get<I>(in)[i]...);
        return;
    }
    bool broadcast_ok = so == 1 && ((inner_strides[I + 1] <= 1) && ...);
    if (broadcast_ok) {
        // Contiguous output, some inputs broadcast along this dim (stride 0).
        Out* __restrict o = out;
        std::tuple<const In*...> in{reinterpret_cast<const In*>(ptrs[I + 1])...};
        [[maybe_unused]] int64_t st[] = {inner_strides[I + 1]..., 0};
        for (int64_t i = 0; i < n; ++i) o[i] = f(std::get<I>(in)[i * st[I]]...);
        return;
    }
    std::tuple<const In*...> in{reinterpret_cast<const In*>(ptrs[I + 1])...};
    for (int64_t i = 0; i < n; ++i) out[i * so] = f(std::get<I>(in)[i * inner_strides[I + 1]]...);
}

}  // namespace detail

// out(Out) = f(in(In)...) over the iterator; operand k + 1 has type In_k.
template <typename Out, typename... In, typename F>
void elementwise_loop(const StridedIter& it, const F& f) {
    constexpr int N = sizeof...(In) + 1;
    if (it.numel == 0) return;
    if (it.ndim == 0) {
        char* ptrs[N];
        for (int k = 0; k < N; ++k) ptrs[k] = it.data[k];
        int64_t zero[N] = {};
        detail::inner_loop<Out, In...>(ptrs, zero, 1, f, std::index_sequence_for<In...>{});
        return;
    }
    const int nd = it.ndim;
    const int64_t inner = it.sizes[nd - 1];
    const int64_t elt[N] = {static_cast<int64_t>(sizeof(Out)), static_cast<int64_t>(sizeof(In))...};
    int64_t inner_strides[N];
    for (int k = 0; k < N; ++k) inner_strides[k] = it.strides[k][nd - 1];

    parallel_for(it.numel, kParallelGrain, [&](int64_t begin, int64_t end) {
        // Multi-index of `begin`, then walk row by row.
        int64_t idx[kernels::kMaxDims];
        int64_t r = begin;
        for (int d = nd - 1; d >= 0; --d) {
            idx[d] = r % it.sizes[d];
            r /= it.sizes[d];
        }
        while (begin < end) {
            char* ptrs[N];
            for (int k = 0; k < N; ++k) {
                int64_t off = 0;
                for (int d = 0; d < nd; ++d) off += idx[d] * it.strides[k][d];
                ptrs[k] = it.data[k] + off * elt[k];
            }
            int64_t n = std::min(inner - idx[nd - 1], end - begin);
            detail::inner_loop<Out, In...>(ptrs, inner_strides, n, f, std::index_sequence_for<In...>{});
            begin += n;
            idx[nd - 1] += n;
            for (int d = nd - 1; d > 0 && idx[d] >= it.sizes[d]; --d) {
                idx[d] = 0;
                ++idx[d - 1];
            }
        }
    });
}

}  // namespace ember::cpu
