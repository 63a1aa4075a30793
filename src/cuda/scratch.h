#pragma once
// Temporary device memory for kernels that need it (the partial results of a split reduction,
// the bad-index word of the indexing kernels), taken from the caching allocator and given back
// when it goes out of scope. Every ember kernel runs on the default stream, so a block given
// back while a kernel still uses it is handed out again only to work queued after that kernel.
#include <cstdint>

#include "cuda/check.h"
#include "ember/tensor/storage.h"

namespace ember::cuda {

class DeviceScratch {
public:
    explicit DeviceScratch(std::size_t nbytes)
        : storage_(nbytes, Device(DeviceType::CUDA, 0), allocator_for(Device(DeviceType::CUDA, 0))) {}
    template <typename T>
    T* as() const {
        return static_cast<T*>(storage_.data());
    }

private:
    Storage storage_;
};

// The first out-of-range position an indexing kernel met: kernels lower a device word with
// atomicMin (so the answer is the smallest bad position whatever the thread order, as the CPU
// reports the first), and read() copies it back. That copy waits for the kernel: it is the one
// synchronisation of an indexing op, the price of reporting a bad index as an IndexError at the
// call that made it, as on the CPU.
class BadIndexFlag {
public:
    static constexpr unsigned long long kNone = ~0ull;
    BadIndexFlag() : word_(sizeof(unsigned long long)) {
        EMBER_CUDA_CHECK(cudaMemsetAsync(word_.as<unsigned long long>(), 0xff, sizeof(unsigned long long)));
    }
    unsigned long long* device_ptr() const { return word_.as<unsigned long long>(); }
    // -1 when every index was in range, else the first bad position.
    int64_t read() const {
        unsigned long long v = kNone;
        EMBER_CUDA_CHECK(cudaMemcpy(&v, device_ptr(), sizeof v, cudaMemcpyDeviceToHost));
        return v == kNone ? -1 : static_cast<int64_t>(v);
    }

private:
    DeviceScratch word_;
};

// Multiprocessors of the current device (asked once): sizes grids so that every SM has work.
int sm_count();

}  // namespace ember::cuda
