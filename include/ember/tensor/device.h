#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace ember {

enum class DeviceType : uint8_t { CPU, CUDA };
constexpr DeviceType kCPU = DeviceType::CPU;
constexpr DeviceType kCUDA = DeviceType::CUDA;

struct Device {
    DeviceType type = DeviceType::CPU;
    int8_t index = 0;

    Device() = default;
    Device(DeviceType t, int index_ = 0) : type(t), index(static_cast<int8_t>(index_)) {}
    // Parses "cpu", "cuda", "cuda:1".
    explicit Device(const std::string& spec);

    bool is_cpu() const { return type == DeviceType::CPU; }
    bool is_cuda() const { return type == DeviceType::CUDA; }
    std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
    friend bool operator==(Device a, Device b) { return a.type == b.type && (a.is_cpu() || a.index == b.index); }
    friend bool operator!=(Device a, Device b) { return !(a == b); }
};
inline std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }

// Whether ember was built with its CUDA backend, and whether a GPU is usable now.
bool cuda_compiled();
bool cuda_is_available();
int cuda_device_count();

// Whether float32 matrix products on the GPU may use TF32 tensor cores (inputs rounded to a 10-bit
// mantissa, products accumulated in float32): several times faster on Ampere and later GPUs, about
// 1e-3 relative error instead of float32's 1e-7. Off by default (as in PyTorch); float64 and the
// CPU are never affected. Thread-safe; takes effect at the next product.
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace ember
