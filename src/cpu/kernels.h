#pragma once
#include "kernels/kernel_api.h"

namespace ember::cpu {
EMBER_DECLARE_KERNELS

// CPU-only fused kernels (not in the shared list: other backends run the unfused composition).
// out[i] = u_i < sigmoid(logits[i]) with u_i the uniform float of element i of the Philox stream
// (seed, offset): the random numbers bernoulli_kernel would read for the same n.
void sigmoid_bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset,
                              const void* logits);
}
