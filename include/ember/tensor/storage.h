#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

#include "ember/tensor/device.h"

namespace ember {

// Where the bytes of a device come from. The CPU allocator aligns to 64 bytes (one cache line,
// one AVX-512 register); the CUDA backend supplies a caching allocator of its own.
class Allocator {
public:
    virtual ~Allocator() = default;
    virtual void* allocate(std::size_t nbytes) = 0;
    virtual void deallocate(void* ptr, std::size_t nbytes) = 0;
};

Allocator* cpu_allocator();
// The allocator for a device; throws DeviceError when that device's backend is not initialised.
Allocator* allocator_for(Device device);
// Used by a backend to install its allocator.
void set_allocator(DeviceType type, Allocator* allocator);

// A ref-counted byte buffer on one device plus the version counter that every view of it shares:
// an in-place op bumps the counter, and autograd compares it with the version it saved.
class Storage {
public:
    Storage(std::size_t nbytes, Device device, Allocator* allocator)
        : nbytes_(nbytes), device_(device), allocator_(allocator) {
        data_ = nbytes ? allocator->allocate(nbytes) : nullptr;
    }
    // Memory owned elsewhere (from_blob); `deleter` (may be empty) is called when the last view dies.
    Storage(void* data, std::size_t nbytes, Device device, std::function<void(void*)> deleter)
        : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)) {}
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    ~Storage() {
        if (allocator_) {
            if (data_) allocator_->deallocate(data_, nbytes_);
        } else if (deleter_) {
            deleter_(data_);
        }
    }

    void* data() const { return data_; }
    std::size_t nbytes() const { return nbytes_; }
    Device device() const { return device_; }
    uint32_t version() const { return version_.load(std::memory_order_relaxed); }
    void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

private:
    void* data_ = nullptr;
    std::size_t nbytes_ = 0;
    Device device_;
    Allocator* allocator_ = nullptr;
    std::function<void(void*)> deleter_;
    std::atomic<uint32_t> version_{0};
};

}  // namespace ember
