#include <atomic>

#include "ember/tensor/device.h"

namespace ember {
#ifndef EMBER_WITH_CUDA
// Built without the CUDA backend: no GPU is ever usable.
bool cuda_is_available() { return false; }
int cuda_device_count() { return 0; }
// TF32 is a GPU matter; without the CUDA backend the switch is kept only so it reads back.
namespace {
std::atomic<bool> g_allow_tf32{false};
}
void set_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool allow_tf32() { return g_allow_tf32; }
#endif
}  // namespace ember
