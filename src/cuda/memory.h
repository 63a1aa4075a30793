#pragma once
// Memory introspection of the CUDA backend (only built with EMBER_WITH_CUDA).
#include "cuda/caching_allocator.h"
#include "ember/tensor/cuda.h"

namespace ember::cuda {

// Statistics of the caching allocator of cuda:0.
MemoryStats memory_stats();
// Returns cached, unused blocks to the driver (for other processes, or before measuring).
void empty_cache();
// synchronize(), for timing, is public: ember/tensor/cuda.h (ember itself synchronises only on
// copies to the host).

}  // namespace ember::cuda
