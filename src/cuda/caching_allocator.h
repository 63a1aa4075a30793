#pragma once
// A caching allocator, as every GPU framework has one: cudaMalloc/cudaFree synchronise the device
// and cost tens of microseconds, so a freed block is kept in a free list keyed by its rounded size
// and handed out again to the next request of that size. Blocks go back to the driver only on
// empty_cache() or when a raw allocation fails (then the cache is released and the allocation
// retried once).
//
// This file is plain C++ with the raw allocation functions injected, so its bookkeeping is tested
// on the CPU (tests/test_cuda.cpp) even where no GPU exists; src/cuda/allocator.cpp plugs in
// cudaMalloc/cudaFree.
//
// Stream semantics: every ember kernel and copy runs on the default stream, so a block freed by
// the host and reused by a later kernel is stream-ordered after the kernels that used it; no
// event tracking is needed until ember uses more than one stream.
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/tensor/error.h"
#include "ember/tensor/storage.h"

namespace ember::cuda {

struct MemoryStats {
    std::size_t allocated = 0;        // bytes in blocks handed out to tensors (rounded sizes)
    std::size_t cached = 0;           // bytes in free blocks kept for reuse
    std::size_t peak_allocated = 0;   // high-water mark of `allocated`
    std::size_t raw_allocations = 0;  // calls to the raw allocator (cudaMalloc) that succeeded
    std::size_t cache_hits = 0;       // requests served from a free list
};

class CachingAllocator final : public Allocator {
public:
    // raw_alloc returns nullptr when the device is out of memory and throws on any other error;
    // `raw_name` ("cudaMalloc") and `device` name the call in the out-of-memory message.
    using RawAlloc = std::function<void*(std::size_t)>;
    using RawFree = std::function<void(void*)>;

    CachingAllocator(RawAlloc raw_alloc, RawFree raw_free, std::string raw_name, std::string device)
        : raw_alloc_(std::move(raw_alloc)),
          raw_free_(std::move(raw_free)),
          raw_name_(std::move(raw_name)),
          device_(std::move(device)) {}
    CachingAllocator(const CachingAllocator&) = delete;
    CachingAllocator& operator=(const CachingAllocator&) = delete;
    // Does not free cached blocks: the process-wide instance outlives the CUDA runtime at exit.
    ~CachingAllocator() override = default;

    // The bucket a request falls in: multiples of 512 bytes up to 1 MiB (small tensors, little
    // waste), multiples of 2 MiB above (large tensors, few distinct buckets).
    static std::size_t round_size(std::size_t nbytes) {
        constexpr std::size_t kSmall = 512, kLarge = 2u << 20, kSmallLimit = 1u << 20;
        if (nbytes == 0) nbytes = 1;
        if (nbytes <= kSmallLimit) return (nbytes + kSmall - 1) / kSmall * kSmall;
        return (nbytes + kLarge - 1) / kLarge * kLarge;
    }

    void* allocate(std::size_t nbytes) override {
        const std::size_t size = round_size(nbytes);
        std::lock_guard<std::mutex> lock(mutex_);
        void* p = nullptr;
        auto it = free_.find(size);
        if (it != free_.end() && !it->second.empty()) {
            p = it->second.back();
            it->second.pop_back();
            stats_.cached -= size;
            ++stats_.cache_hits;
        } else {
            p = raw_alloc_(size);
            if (!p) {
                // Out of memory: give every cached block back to the driver and try once more.
                release_cached_locked();
                p = raw_alloc_(size);
            }
            EMBER_ENFORCE(p != nullptr, DeviceError, raw_name_, ": out of memory on ", device_, " allocating ", nbytes,
                          " bytes (", size, " rounded); ember holds ", stats_.allocated,
                          " bytes in live tensors and had cached blocks released before retrying");
            ++stats_.raw_allocations;
        }
        live_.emplace(p, size);
        stats_.allocated += size;
        if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
        return p;
    }

    void deallocate(void* ptr, std::size_t nbytes) override {
        if (!ptr) return;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = live_.find(ptr);
        // A pointer this allocator never handed out is a bug in ember, not in user code; it is
        // reported rather than silently corrupting the free lists. (Called from ~Storage, so
        // this must not throw.)
        if (it == live_.end()) {
            ++foreign_frees_;
            return;
        }
        std::size_t size = it->second;
        (void)nbytes;
        live_.erase(it);
        stats_.allocated -= size;
        stats_.cached += size;
        free_[size].push_back(ptr);
    }

    // Returns every cached (free) block to the driver; live tensors are untouched.
    void empty_cache() {
        std::lock_guard<std::mutex> lock(mutex_);
        release_cached_locked();
    }

    MemoryStats stats() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stats_;
    }
    void reset_peak() {
        std::lock_guard<std::mutex> lock(mutex_);
        stats_.peak_allocated = stats_.allocated;
    }
    std::size_t foreign_frees() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return foreign_frees_;
    }

private:
    void release_cached_locked() {
        for (auto& [size, blocks] : free_) {
            for (void* p : blocks) raw_free_(p);
            stats_.cached -= size * blocks.size();
            blocks.clear();
        }
        free_.clear();
    }

    RawAlloc raw_alloc_;
    RawFree raw_free_;
    std::string raw_name_;
    std::string device_;
    mutable std::mutex mutex_;
    std::map<std::size_t, std::vector<void*>> free_;  // rounded size -> free blocks of that size
    std::unordered_map<void*, std::size_t> live_;     // block -> rounded size
    MemoryStats stats_;
    std::size_t foreign_frees_ = 0;
};

}  // namespace ember::cuda
