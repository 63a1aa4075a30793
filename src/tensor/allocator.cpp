// CPU memory: the allocator behind every CPU tensor's storage (64-byte aligned blocks, with
// size-class free lists for small buffers and a cache of large ones), the object pool of
// object_pool.h, the table of per-device allocators a backend registers into, and make_empty (a
// fresh tensor: its TensorImpl, Storage and bytes from those pools).
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "ember/tensor/error.h"
#include "ember/tensor/object_pool.h"
#include "ember/tensor/storage.h"
#include "ember/tensor/tensor.h"

namespace ember {

namespace {

void* aligned_block(std::size_t rounded, std::size_t nbytes) {
    // 64-byte alignment: a cache line, and an aligned AVX-512 load for the kernels.
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw Error(str_cat("out of memory: CPU allocation of ", nbytes, " bytes failed"));
    return p;
}

// Small CPU buffers (up to 4 KiB) come from per-thread free lists, one per power-of-two size
// class. Scalar-heavy code creates and drops a buffer per op, and aligned_alloc is slow there
// (glibc's memalign splits and coalesces chunks) where a free-list pop is a few instructions. A block freed on
// another thread simply joins that thread's list. The lists are capped, flushed when their
// thread exits, and bypassed under AddressSanitizer so it still sees every use after free.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheSmallBlocks = false;
#else
constexpr bool kCacheSmallBlocks = true;
#endif
constexpr int kSmallClasses = 7;  // 64, 128, ..., 4096 bytes
constexpr int kBlocksPerClass = 64;

// Per-thread free lists of blocks std::free releases, one list per size class, at most PerClass a
// class. Trivially destructible, so they can still be reached while the thread's other
// thread_locals are being destroyed (a block released by such a destructor then goes to free());
// a flusher frees what is left at thread exit and marks the lists dead.
template <int Classes, int PerClass>
struct FreeLists {
    void* blocks[Classes][PerClass];
    int count[Classes];
    bool dead;
    void* pop(int k) { return count[k] > 0 ? blocks[k][--count[k]] : nullptr; }
    bool push(int k, void* p) {
        if (dead || count[k] >= PerClass) return false;
        blocks[k][count[k]++] = p;
        return true;
    }
    void flush() {
        for (int k = 0; k < Classes; ++k)
            while (count[k] > 0) std::free(blocks[k][--count[k]]);
        dead = true;
    }
};

thread_local FreeLists<kSmallClasses, kBlocksPerClass> t_small_blocks;
struct SmallBlockFlusher {
    ~SmallBlockFlusher() { t_small_blocks.flush(); }
};
thread_local SmallBlockFlusher t_small_block_flusher;

// Size class of nbytes (1 <= nbytes <= 4096): 0 for <= 64 bytes, 1 for <= 128, ...
inline int small_class(std::size_t nbytes) {
    int k = 0;
    while ((std::size_t{64} << k) < nbytes) ++k;
    return k;
}

// The object pool of object_pool.h: the same free lists for TensorImpl, Storage and graph nodes, but
// over plain malloc (objects need no 64-byte alignment, and malloc is cheaper than aligned_alloc
// when the list is empty). Classes of 64 bytes up to 512 bytes cover every such object; larger
// requests go straight to malloc.
constexpr int kPoolClasses = 8;  // (0, 64], (64, 128], ..., (448, 512] bytes
constexpr int kPoolBlocksPerClass = 128;

thread_local FreeLists<kPoolClasses, kPoolBlocksPerClass> t_object_pool;
struct ObjectPoolFlusher {
    ~ObjectPoolFlusher() { t_object_pool.flush(); }
};
thread_local ObjectPoolFlusher t_object_pool_flusher;

// Size class of 1 <= nbytes <= 512.
inline int pool_class(std::size_t nbytes) { return static_cast<int>((nbytes - 1) / 64); }

// Large buffers (256 KiB and up) freed by one training step are exactly what the next step asks
// for again. glibc returns such blocks to the OS (munmap, or trimming the heap top) and the next
// allocation faults fresh zeroed pages in. Freed large blocks are therefore kept, keyed by their
// size rounded to 64 KiB, up to kLargeCacheBytes in all, and handed out again for the same
// rounded size. 1 GiB: FCN-5's gradients alone are 472 MB (two 219 MB weight gradients), so a
// smaller cap would send one of them back to the OS every step. Cached blocks were all live at some point, so the cache
// does not raise the peak of a workload that repeats its allocations. Never destroyed (a static tensor may be
// freed after every other static), and bypassed under AddressSanitizer.
constexpr std::size_t kLargeBlock = std::size_t{256} << 10;
constexpr std::size_t kLargeCacheBytes = std::size_t{1} << 30;

class LargeBlockCache {
public:
    void* take(std::size_t rounded) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = blocks_.find(rounded);
        if (it == blocks_.end()) return nullptr;
        void* p = it->second;
        blocks_.erase(it);
        bytes_ -= rounded;
        return p;
    }
    bool put(void* p, std::size_t rounded) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (bytes_ + rounded > kLargeCacheBytes) return false;
        blocks_.emplace(rounded, p);
        bytes_ += rounded;
        return true;
    }

private:
    std::mutex mutex_;
    std::multimap<std::size_t, void*> blocks_;
    std::size_t bytes_ = 0;
};

LargeBlockCache& large_blocks() {
    static LargeBlockCache* cache = new LargeBlockCache;
    return *cache;
}

inline std::size_t large_rounded(std::size_t nbytes) {
    constexpr std::size_t step = std::size_t{64} << 10;
    return (nbytes + step - 1) / step * step;
}

class CpuAllocator final : public Allocator {
public:
    void* allocate(std::size_t nbytes) override {
        if (kCacheSmallBlocks && nbytes >= kLargeBlock) {
            const std::size_t rounded = large_rounded(nbytes);
            if (void* p = large_blocks().take(rounded)) return p;
            return aligned_block(rounded, nbytes);
        }
        if (kCacheSmallBlocks && nbytes <= (std::size_t{64} << (kSmallClasses - 1))) {
            const int k = small_class(nbytes);
            if (void* p = t_small_blocks.pop(k)) return p;
            (void)&t_small_block_flusher;  // odr-use: registers the flush at thread exit
            return aligned_block(std::size_t{64} << k, nbytes);
        }
        return aligned_block((nbytes + 63) / 64 * 64, nbytes);
    }
    void deallocate(void* ptr, std::size_t nbytes) override {
        if (kCacheSmallBlocks && nbytes >= kLargeBlock) {
            if (!large_blocks().put(ptr, large_rounded(nbytes))) std::free(ptr);
            return;
        }
        if (kCacheSmallBlocks && nbytes <= (std::size_t{64} << (kSmallClasses - 1))) {
            if (t_small_blocks.push(small_class(nbytes), ptr)) return;
        }
        std::free(ptr);
    }
};
}  // namespace

namespace detail {

void* pool_allocate(std::size_t nbytes) {
    if (kCacheSmallBlocks && nbytes > 0 && nbytes <= std::size_t{64} * kPoolClasses) {
        const int k = pool_class(nbytes);
        if (void* p = t_object_pool.pop(k)) return p;
        (void)&t_object_pool_flusher;        // odr-use: registers the flush at thread exit
        nbytes = std::size_t{64} * (k + 1);  // a full class-sized block, so any size of the class can reuse it
    }
    void* p = std::malloc(nbytes);
    if (!p) throw std::bad_alloc();
    return p;
}

void pool_deallocate(void* p, std::size_t nbytes) noexcept {
    if (kCacheSmallBlocks && nbytes > 0 && nbytes <= std::size_t{64} * kPoolClasses) {
        if (t_object_pool.push(pool_class(nbytes), p)) return;
    }
    std::free(p);
}

}  // namespace detail

Allocator* cpu_allocator() {
    static CpuAllocator allocator;
    return &allocator;
}

namespace {
// One allocator per device type. The CPU's is always there; a backend (cuda/) registers its own
// when it initialises, so tensor/ never depends on a backend.
std::atomic<Allocator*> g_cuda_allocator{nullptr};
}  // namespace

void set_allocator(DeviceType type, Allocator* allocator) {
    EMBER_ENFORCE(type == DeviceType::CUDA, ValueError, "set_allocator: only the CUDA allocator can be replaced");
    g_cuda_allocator.store(allocator);
}

Allocator* allocator_for(Device device) {
    if (device.is_cpu()) return cpu_allocator();
    Allocator* a = g_cuda_allocator.load();
    EMBER_ENFORCE(a != nullptr, DeviceError, "allocate on ", device.str(),
                  ": no CUDA backend is initialised (ember built without CUDA, or no GPU available)");
    return a;
}

// make_empty lives beside the allocators so that the free-list pops of its TensorImpl, its
// Storage and the storage's bytes inline into it: it runs once per op result.
Tensor make_empty(IntArrayRef sizes, ScalarType dtype, Device device) {
    auto impl = detail::make_pooled<TensorImpl>();
    int64_t n = 1;
    // span: the product of the sizes with 0 read as 1, which bounds every contiguous stride; it
    // (and the byte count) must fit int64 even when a zero size makes the tensor empty.
    int64_t span = static_cast<int64_t>(ember::element_size(dtype));
    for (int64_t s : sizes) {
        EMBER_ENFORCE(s >= 0, ValueError, "empty: negative size in shape ", shape_str(sizes));
        EMBER_ENFORCE(!__builtin_mul_overflow(span, s > 0 ? s : 1, &span), ValueError, "empty: shape ",
                      shape_str(sizes), " of ", dtype_name(dtype),
                      " is too large (its byte size or strides overflow int64); expected at most 2^63 - 1 bytes");
        n *= s;  // n <= span: cannot overflow
    }
    impl->sizes.assign(sizes.begin(), sizes.end());
    detail::fill_contiguous_strides(sizes, impl->strides);
    impl->numel = n;
    impl->dtype = dtype;
    impl->device = device;
    impl->is_contiguous = true;
    Allocator* alloc = device.is_cpu() ? cpu_allocator() : allocator_for(device);
    impl->storage =
        detail::make_pooled<Storage>(static_cast<std::size_t>(n * ember::element_size(dtype)), device, alloc);
    return Tensor(std::move(impl));
}

}  // namespace ember
