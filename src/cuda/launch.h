#pragma once
// The launch shape every elementwise-style CUDA kernel here uses: 256 threads a block, at most
// 65536 blocks, and a grid-stride loop so that any element count is covered by that grid.
#include <algorithm>
#include <cstdint>

namespace ember::cuda {

constexpr int kThreads = 256;
constexpr int64_t kMaxGrid = 65536;

inline unsigned blocks_for(int64_t n) {
    return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, kMaxGrid)));
}

}  // namespace ember::cuda

#define EMBER_GRID_STRIDE(i, n)                                                            \
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
         i += static_cast<int64_t>(blockDim.x) * gridDim.x)
