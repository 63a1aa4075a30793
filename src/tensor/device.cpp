// Device: parsing a device string, and what the build says about the CUDA backend. When the
// backend is compiled in, src/cuda/device.cpp defines the GPU queries instead of the stubs here.
#include <atomic>
#include <string>

#include "ember/tensor/cuda.h"
#include "ember/tensor/device.h"
#include "ember/tensor/error.h"

namespace ember {

Device::Device(const std::string& spec) {
    if (spec == "cpu") {
        type = DeviceType::CPU;
    } else if (spec == "cuda") {
        type = DeviceType::CUDA;
    } else if (spec.rfind("cuda:", 0) == 0 && spec.size() > 5 &&
               spec.find_first_not_of("0123456789", 5) == std::string::npos) {
        type = DeviceType::CUDA;
        index = static_cast<int8_t>(std::stoi(spec.substr(5)));
    } else {
        throw ValueError(str_cat("Device: expected \"cpu\", \"cuda\" or \"cuda:N\", got \"", spec, "\""));
    }
}

bool cuda_compiled() {
#ifdef EMBER_WITH_CUDA
    return true;
#else
    return false;
#endif
}

#ifndef EMBER_WITH_CUDA
// Built without the CUDA backend: no GPU is ever usable.
bool cuda_is_available() { return false; }
int cuda_device_count() { return 0; }
namespace cuda {
void synchronize(int64_t device_index) {
    throw DeviceError(str_cat("cuda::synchronize(", device_index,
                              "): ember was built without its CUDA backend (configure with -DEMBER_CUDA=ON)"));
}
}  // namespace cuda
// TF32 is a GPU matter; without the CUDA backend the switch is kept only so it reads back.
namespace {
std::atomic<bool> g_allow_tf32{false};
}
void set_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool allow_tf32() { return g_allow_tf32; }
#endif

}  // namespace ember
