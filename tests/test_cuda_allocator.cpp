// The CUDA caching allocator: its bookkeeping on a fake raw allocator (runs without a GPU), and
// on the GPU that freed memory is cached and reused.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda/caching_allocator.h"
#include "cuda_test_util.h"
#ifdef EMBER_WITH_CUDA
#include "cuda/memory.h"
#endif

using namespace ember;
using namespace cuda_test;

namespace {

// A fake device heap for the caching allocator: malloc underneath, a byte budget to simulate
// running out of memory, and counts of raw calls.
struct FakeHeap {
    std::size_t budget = 1u << 30;
    std::size_t in_use = 0;
    int mallocs = 0, frees = 0;
    std::vector<std::pair<void*, std::size_t>> blocks;
    void* alloc(std::size_t n) {
        if (in_use + n > budget) return nullptr;
        void* p = std::malloc(n);
        in_use += n;
        ++mallocs;
        blocks.emplace_back(p, n);
        return p;
    }
    void free(void* p) {
        for (auto it = blocks.begin(); it != blocks.end(); ++it)
            if (it->first == p) {
                in_use -= it->second;
                blocks.erase(it);
                break;
            }
        std::free(p);
        ++frees;
    }
};
cuda::CachingAllocator make_fake(FakeHeap& h) {
    return cuda::CachingAllocator([&h](std::size_t n) { return h.alloc(n); }, [&h](void* p) { h.free(p); },
                                  "fakeMalloc", "fake:0");
}

}  // namespace

TEST_CASE("cuda: caching allocator rounds sizes into buckets", "[cuda]") {
    using A = cuda::CachingAllocator;
    REQUIRE(A::round_size(0) == 512);
    REQUIRE(A::round_size(1) == 512);
    REQUIRE(A::round_size(512) == 512);
    REQUIRE(A::round_size(513) == 1024);
    REQUIRE(A::round_size(1u << 20) == (1u << 20));
    REQUIRE(A::round_size((1u << 20) + 1) == (2u << 20));
    REQUIRE(A::round_size((4u << 20) + 1) == (6u << 20));
}

TEST_CASE("cuda: caching allocator reuses freed blocks and tracks stats", "[cuda]") {
    FakeHeap heap;
    auto a = make_fake(heap);
    void* p = a.allocate(1000);  // bucket 1024
    REQUIRE(heap.mallocs == 1);
    REQUIRE(a.stats().allocated == 1024);
    a.deallocate(p, 1000);
    REQUIRE(a.stats().allocated == 0);
    REQUIRE(a.stats().cached == 1024);
    REQUIRE(heap.frees == 0);  // kept, not returned

    void* q = a.allocate(700);  // same bucket: the same block comes back, no raw call
    REQUIRE(q == p);
    REQUIRE(heap.mallocs == 1);
    REQUIRE(a.stats().cache_hits == 1);
    REQUIRE(a.stats().cached == 0);

    void* r = a.allocate(3000);  // another bucket: a fresh block
    REQUIRE(r != q);
    REQUIRE(heap.mallocs == 2);
    REQUIRE(a.stats().allocated == 1024 + 3072);
    REQUIRE(a.stats().peak_allocated == 1024 + 3072);
    a.deallocate(q, 700);
    a.deallocate(r, 3000);
    REQUIRE(a.stats().peak_allocated == 1024 + 3072);
    REQUIRE(a.stats().cached == 1024 + 3072);

    a.empty_cache();
    REQUIRE(heap.frees == 2);
    REQUIRE(heap.in_use == 0);
    REQUIRE(a.stats().cached == 0);
    a.reset_peak();
    REQUIRE(a.stats().peak_allocated == 0);

    a.deallocate(&heap, 8);  // never handed out: ignored and counted, free lists untouched
    REQUIRE(a.foreign_frees() == 1);
    REQUIRE(a.stats().cached == 0);
}

TEST_CASE("cuda: caching allocator releases the cache and retries when out of memory", "[cuda]") {
    FakeHeap heap;
    heap.budget = 4096;
    auto a = make_fake(heap);
    void* p = a.allocate(2048);
    a.deallocate(p, 2048);       // 2048 cached, heap has 2048 left
    void* q = a.allocate(4000);  // needs 4096: fails, cache released, retry succeeds
    REQUIRE(q != nullptr);
    REQUIRE(heap.frees == 1);
    REQUIRE(a.stats().cached == 0);
    REQUIRE(a.stats().allocated == 4096);
    // Nothing left to release: the error names the call, the device and the size.
    REQUIRE_THROWS_AS(a.allocate(100), DeviceError);
    try {
        a.allocate(100);
    } catch (const DeviceError& e) {
        std::string m = e.what();
        REQUIRE(m.find("fakeMalloc") != std::string::npos);
        REQUIRE(m.find("out of memory") != std::string::npos);
        REQUIRE(m.find("100 bytes") != std::string::npos);
        REQUIRE(m.find("fake:0") != std::string::npos);
    }
    a.deallocate(q, 4000);
    a.empty_cache();
    REQUIRE(heap.in_use == 0);
}

#ifdef EMBER_WITH_CUDA
CUDA_TEST_CASE("cuda: freed tensors' memory is cached and reused") {
    if (!gpu_or_skip()) return;
    cuda::empty_cache();
    auto before = cuda::memory_stats();
    {
        Tensor t = empty({1 << 20}, device(kCUDA));  // 4 MiB
        REQUIRE(cuda::memory_stats().allocated >= before.allocated + (4u << 20));
    }
    auto mid = cuda::memory_stats();
    REQUIRE(mid.cached >= (4u << 20));
    { Tensor t = empty({1 << 20}, device(kCUDA)); }
    auto after = cuda::memory_stats();
    REQUIRE(after.cache_hits > mid.cache_hits);
    REQUIRE(after.raw_allocations == mid.raw_allocations);
    cuda::empty_cache();
    REQUIRE(cuda::memory_stats().cached == 0);
}
#endif
