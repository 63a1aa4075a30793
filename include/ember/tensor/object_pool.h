#pragma once
// Per-thread free lists for the small objects that every op creates and drops: the TensorImpl and
// Storage of its result and, when autograd records it, its graph Node (each together with its
// shared_ptr control block, since they are made with allocate_shared). On one-element tensors the
// framework's own bookkeeping is the whole cost of an op, and a malloc/free pair is a sizeable
// part of it; popping a block from a thread-local list costs a few instructions.
//
// The lists work like the small-buffer cache of the CPU allocator (allocator.cpp): one list per
// 64-byte size class, capped, flushed when the thread exits, and bypassed under AddressSanitizer
// so that it still sees every use after free. A block freed on another thread than the one that
// allocated it simply joins the freeing thread's list: every block is plain malloc memory.
#include <cstddef>
#include <memory>
#include <utility>

namespace ember::detail {

// nbytes of memory aligned for any standard type; from the calling thread's list when it has one.
void* pool_allocate(std::size_t nbytes);
// Gives back a block from pool_allocate(nbytes) (same nbytes), on any thread.
void pool_deallocate(void* p, std::size_t nbytes) noexcept;

// A standard allocator over the pool, for std::allocate_shared.
template <typename T>
struct PoolAllocator {
    static_assert(alignof(T) <= alignof(std::max_align_t), "the pool hands out malloc-aligned blocks only");
    using value_type = T;
    PoolAllocator() noexcept = default;
    template <typename U>
    PoolAllocator(const PoolAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(pool_allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { pool_deallocate(p, n * sizeof(T)); }
    template <typename U>
    bool operator==(const PoolAllocator<U>&) const noexcept {
        return true;
    }
};

// std::make_shared with the object and its control block taken from the pool.
template <typename T, typename... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
    return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace ember::detail
