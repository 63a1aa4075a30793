#pragma once
// The CUDA backend's kernels: the same names and signatures as ember::cpu (src/cpu/kernels.h), so
// EMBER_KERNEL (src/ops/internal.h) picks one side or the other by the tensor's device.
#include <cstddef>

#include "ember/tensor/device.h"
#include "kernels/kernel_api.h"

namespace ember::cuda {

EMBER_DECLARE_KERNELS

// Copies nbytes between two buffers, at least one of them on a CUDA device (host<->device,
// device<->device, or between two GPUs). Synchronous: on return dst holds the bytes.
void copy_between_devices(void* dst, Device dst_dev, const void* src, Device src_dev, size_t nbytes);

// Makes `device` usable: checks that a GPU with that index exists and, once per process,
// installs the caching allocator for DeviceType::CUDA. Throws DeviceError when no GPU is
// usable (no driver, no device, index out of range). Called by ops/ where a CUDA tensor is
// first created (factories, Tensor::to); tensor/ never calls into cuda/.
void ensure_initialized(Device device = Device(DeviceType::CUDA, 0));

}  // namespace ember::cuda
