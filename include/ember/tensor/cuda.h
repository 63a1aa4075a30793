#pragma once
// torch::cuda's queries, for programs ported from libtorch. They work in every build: without the
// CUDA backend, or on a machine without a GPU, is_available() is false and device_count() 0.
#include <cstddef>
#include <cstdint>

#include "ember/tensor/device.h"

namespace ember::cuda {

inline bool is_available() { return cuda_is_available(); }
inline std::size_t device_count() { return static_cast<std::size_t>(cuda_device_count()); }
// Waits until the GPU has run every queued kernel and copy (device_index -1: the current device,
// cuda:0). A DeviceError when no GPU is usable, as libtorch's fails without its CUDA library.
void synchronize(int64_t device_index = -1);

}  // namespace ember::cuda
