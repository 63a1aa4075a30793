#pragma once
// Memory introspection of the CUDA backend (only built with EMBER_WITH_CUDA).
#include "cuda/caching_allocator.h"

namespace ember::cuda {

// Statistics of the caching allocator of cuda:0.
MemoryStats memory_stats();
// Returns cached, unused blocks to the driver (for other processes, or before measuring).
void empty_cache();
// Waits for every queued kernel and copy (for timing; ember itself synchronises only on copies to
// the host).
void synchronize();

}  // namespace ember::cuda
