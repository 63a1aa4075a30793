#include "ember/tensor/device.h"

namespace ember {
#ifndef EMBER_WITH_CUDA
// Built without the CUDA backend: no GPU is ever usable.
bool cuda_is_available() { return false; }
int cuda_device_count() { return 0; }
#endif
}  // namespace ember
