// The CUDA backend. Three kinds of tests:
//  - always run, GPU or not: the caching allocator's bookkeeping (on a fake raw allocator), the
//    per-element indexing the CUDA kernels run (cuda::apply_element, executed here on the host
//    against the CPU kernels), and graceful behaviour without a GPU;
//  - CUDA_TEST_CASE: need a GPU; without one each prints a WARN skip line and passes, unless the
//    environment sets EMBER_REQUIRE_CUDA=1, in which case a missing GPU is a failure.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cuda/caching_allocator.h"
#include "cuda/loops.h"
#include "ember/ember.h"
#include "kernels/functors.h"
#include "ops/internal.h"
#ifdef EMBER_WITH_CUDA
#include "cuda/memory.h"
#endif

using namespace ember;

namespace {

int& gpu_test_count() {
    static int n = 0;
    return n;
}
struct CountGpuTest {
    CountGpuTest() { ++gpu_test_count(); }
};

bool require_cuda_env() {
    const char* v = std::getenv("EMBER_REQUIRE_CUDA");
    return v && std::strcmp(v, "1") == 0;
}

// True when the test can use the GPU; otherwise skips visibly (or fails under EMBER_REQUIRE_CUDA=1).
bool gpu_or_skip() {
    if (cuda_is_available()) return true;
    if (require_cuda_env())
        FAIL("EMBER_REQUIRE_CUDA=1 but no CUDA GPU is usable (cuda_compiled()=" << cuda_compiled() << ")");
    WARN("CUDA tests skipped: no GPU available (" << gpu_test_count() << " tests)");
    return false;
}

// A test that needs a GPU: counted at static-initialisation time for the skip message.
#define EMBER_CUDA_CONCAT2(a, b) a##b
#define EMBER_CUDA_CONCAT(a, b) EMBER_CUDA_CONCAT2(a, b)
#define CUDA_TEST_CASE(name)                                                \
    static const CountGpuTest EMBER_CUDA_CONCAT(ember_gpu_test_, __LINE__); \
    TEST_CASE(name, "[cuda]")

const Device kGpu(kCUDA, 0);

// CPU copy as float64 for comparisons.
Tensor host64(const Tensor& t) { return t.cpu().to(kFloat64).contiguous(); }

void require_close(const Tensor& gpu, const Tensor& cpu, double rtol = 1e-6, double atol = 1e-7) {
    REQUIRE(gpu.device() == kGpu);
    REQUIRE(gpu.sizes().size() == cpu.sizes().size());
    for (size_t d = 0; d < cpu.sizes().size(); ++d) REQUIRE(gpu.size(d) == cpu.size(d));
    REQUIRE(gpu.dtype() == cpu.dtype());
    REQUIRE(allclose(host64(gpu), host64(cpu), rtol, atol));
}

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

// ---------------------------------------------------------------- always run (no GPU needed)

TEST_CASE("cuda: availability queries never throw", "[cuda]") {
    bool available = false;
    int count = -1;
    REQUIRE_NOTHROW(available = cuda_is_available());
    REQUIRE_NOTHROW(count = cuda_device_count());
    REQUIRE(available == (count > 0));
    if (!cuda_compiled()) REQUIRE(count == 0);
    if (!available && require_cuda_env()) FAIL("EMBER_REQUIRE_CUDA=1 but cuda_is_available() is false");
}

TEST_CASE("cuda: creating a CUDA tensor without a GPU is a DeviceError", "[cuda]") {
    if (cuda_is_available()) return;  // covered by the GPU tests
    REQUIRE_THROWS_AS(zeros({2, 3}, device(kCUDA)), DeviceError);
    REQUIRE_THROWS_AS(ones({2}).to(Device(kCUDA)), DeviceError);
    REQUIRE_THROWS_AS(randint(0, 5, {3}, TensorOptions().dtype(kInt64).device(kCUDA)), DeviceError);
    REQUIRE_THROWS_WITH(empty({4}, device(kCUDA)), Catch::Contains("cuda:0"));
}

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

namespace {
// Runs what the CUDA kernel runs for every flat index, here on the host: out = f(a, b).
template <typename Out, typename T, typename F>
void host_emulate(const Tensor& out, const Tensor& a, const Tensor& b, F f) {
    kernels::StridedIter it = detail::make_iter(out, {&a, &b});
    for (int64_t i = 0; i < it.numel; ++i) cuda::apply_element<Out, T, T>(it, f, i);
}
}  // namespace

TEST_CASE("cuda: the kernels' per-element indexing matches the CPU kernels", "[cuda]") {
    manual_seed(7);
    Tensor a = randn({3, 4, 5});
    Tensor bt = randn({5, 4, 3}).permute({2, 1, 0});  // no dims coalesce
    Tensor row = randn({5});                          // broadcast along two dims
    Tensor col = randn({3, 1, 1});

    SECTION("transposed operand") {
        Tensor out = empty({3, 4, 5});
        host_emulate<float, float>(out, a, bt, kernels::AddPlainF{});
        REQUIRE(allclose(out, a + bt, 0, 0));
    }
    SECTION("broadcast operands, alpha") {
        Tensor out = empty({3, 4, 5});
        host_emulate<float, float>(out, row, col, kernels::SubF{2.0});
        REQUIRE(allclose(out, sub(row, col, 2.0), 1e-6, 1e-6));
    }
    SECTION("comparison into bool, strided output") {
        Tensor out_t = empty({5, 4, 3}, dtype(kBool)).permute({2, 1, 0});
        host_emulate<bool, float>(out_t, a, bt, kernels::LtF{});
        REQUIRE(equal(out_t, lt(a, bt)));
    }
    SECTION("coalesced 1-d and 0-d iterators") {
        Tensor out = empty({3, 4, 5});
        host_emulate<float, float>(out, a, a, kernels::MulF{});
        REQUIRE(detail::make_iter(out, {&a, &a}).ndim == 1);
        REQUIRE(allclose(out, a * a, 0, 0));
        Tensor s = scalar_tensor(3.0), t = scalar_tensor(4.0), o = scalar_tensor(0.0);
        REQUIRE(detail::make_iter(o, {&s, &t}).ndim == 0);
        host_emulate<float, float>(o, s, t, kernels::MulF{});
        REQUIRE(o.item<float>() == 12.0f);
    }
    SECTION("int64") {
        Tensor x = randint(-5, 5, {4, 6}), y = randint(1, 4, {6, 4}).t();
        Tensor out = empty({4, 6}, dtype(kInt64));
        host_emulate<int64_t, int64_t>(out, x, y, kernels::PowF{});
        REQUIRE(equal(out, pow(x, y)));
    }
}

// ---------------------------------------------------------------- need a GPU

CUDA_TEST_CASE("cuda: factories fill on the device and copy back") {
    if (!gpu_or_skip()) return;
    for (ScalarType t : {kFloat32, kFloat64, kInt64, kBool}) {
        Tensor z = zeros({3, 5}, TensorOptions().dtype(t).device(kCUDA));
        REQUIRE(z.device() == kGpu);
        REQUIRE(z.is_cuda());
        REQUIRE(equal(z.cpu(), zeros({3, 5}, dtype(t))));
        Tensor f = full({2, 2, 2}, 1.0, TensorOptions().dtype(t).device(kCUDA));
        REQUIRE(equal(f.cpu(), full({2, 2, 2}, 1.0, dtype(t))));
    }
    Tensor v = full({1000}, 2.5, device(kCUDA));
    REQUIRE(v.cpu().sum().item<float>() == Approx(2500.0f));
    Tensor e = zeros({0, 4}, device(kCUDA));  // empty: no launch, no allocation trouble
    REQUIRE(e.cpu().numel() == 0);
}

CUDA_TEST_CASE("cuda: copies round trip across devices, dtypes and strides") {
    if (!gpu_or_skip()) return;
    manual_seed(1);
    Tensor x = randn({17, 33});
    Tensor g = x.to(kGpu);
    REQUIRE(equal(g.cpu(), x));
    // Device-side strided copy: a transposed view made contiguous on the GPU.
    Tensor gt = g.t().contiguous();
    REQUIRE(gt.is_cuda());
    REQUIRE(equal(gt.cpu(), x.t().contiguous()));
    // dtype conversion on the device (copy_kernel with two dtypes).
    REQUIRE(allclose(g.to(kFloat64).cpu(), x.to(kFloat64)));
    Tensor labels = randint(0, 10, {50});
    REQUIRE(equal(labels.to(kGpu).cpu(), labels));
    Tensor mask = x > 0;
    REQUIRE(equal(mask.to(kGpu).cpu(), mask));
    // A strided CPU source and a strided CUDA destination.
    Tensor dst = zeros({33, 17}, device(kCUDA));
    {
        NoGradGuard ng;
        dst.t().copy_(x);
    }
    REQUIRE(equal(dst.cpu(), x.t()));
    // fill_ on a non-contiguous CUDA view touches only the view.
    Tensor m = zeros({4, 6}, device(kCUDA));
    m.narrow(1, 2, 3).fill_(7);
    Tensor expect = zeros({4, 6});
    expect.narrow(1, 2, 3).fill_(7);
    REQUIRE(equal(m.cpu(), expect));
}

CUDA_TEST_CASE("cuda: arithmetic matches the CPU, with broadcasting and transposed operands") {
    if (!gpu_or_skip()) return;
    manual_seed(2);
    Tensor a = randn({8, 16}), b = randn({16, 8}).t(), row = randn({16}), col = randn({8, 1});
    Tensor ga = a.to(kGpu), gb = b.to(kGpu), grow = row.to(kGpu), gcol = col.to(kGpu);
    require_close(ga + gb, a + b);
    require_close(ga * gb, a * b);
    require_close(ga - grow, a - row);
    require_close(gcol * grow, col * row);  // [8,1] x [16] -> [8,16]
    require_close(div(ga, gb.abs() + 1), div(a, b.abs() + 1));
    require_close(add(ga, gb, 0.5), add(a, b, 0.5));
    require_close(maximum(ga, gcol), maximum(a, col));
    require_close(ga * 3.0 + 1.0, a * 3.0 + 1.0);
    Tensor a64 = a.to(kFloat64);
    require_close(a64.to(kGpu) * b.to(kFloat64).to(kGpu), a64 * b.to(kFloat64), 1e-12, 1e-12);
    Tensor i = randint(-9, 9, {5, 7}), j = randint(1, 9, {7, 5}).t();
    Tensor gi = i.to(kGpu), gj = j.to(kGpu);
    REQUIRE(equal((gi * gj).cpu(), i * j));
    REQUIRE(equal((gi - gj).cpu(), i - j));
    // In place on a CUDA tensor.
    Tensor acc = ga.clone();
    {
        NoGradGuard ng;
        acc.add_(gb);
        acc.mul_(2.0);
    }
    require_close(acc, (a + b) * 2.0);
}

CUDA_TEST_CASE("cuda: comparisons and logical ops return bool tensors matching the CPU") {
    if (!gpu_or_skip()) return;
    manual_seed(3);
    Tensor a = randn({6, 9}), b = randn({9, 6}).t(), row = randn({9});
    Tensor ga = a.to(kGpu), gb = b.to(kGpu), grow = row.to(kGpu);
    REQUIRE(equal((ga < gb).cpu(), a < b));
    REQUIRE(equal((ga >= grow).cpu(), a >= row));
    REQUIRE(equal(eq(ga, ga).cpu(), ones({6, 9}, dtype(kBool))));
    REQUIRE(equal(ne(ga, gb).cpu(), ne(a, b)));
    Tensor gm = ga > 0, gn = gb > 0;
    REQUIRE(gm.dtype() == kBool);
    REQUIRE(equal(logical_and(gm, gn).cpu(), logical_and(a > 0, b > 0)));
    REQUIRE(equal(logical_or(gm, gn).cpu(), logical_or(a > 0, b > 0)));
    REQUIRE(equal(logical_not(gm).cpu(), logical_not(a > 0)));
}

CUDA_TEST_CASE("cuda: unary ops match the CPU") {
    if (!gpu_or_skip()) return;
    manual_seed(4);
    Tensor x = randn({7, 11}), pos = x.abs() + 0.1;
    Tensor gx = x.to(kGpu), gpos = pos.to(kGpu);
    require_close(exp(gx), exp(x), 1e-5, 1e-6);
    require_close(log(gpos), log(pos), 1e-5, 1e-6);
    require_close(sigmoid(gx), sigmoid(x), 1e-5, 1e-6);
    require_close(tanh(gx), tanh(x), 1e-5, 1e-6);
    require_close(relu(gx), relu(x));
    require_close(clamp(gx, -0.5, 0.5), clamp(x, -0.5, 0.5));
    require_close(-gx, -x);
    Tensor i = randint(-9, 9, {13});
    REQUIRE(equal(i.to(kGpu).abs().cpu(), i.abs()));
}

CUDA_TEST_CASE("cuda: matrix products through cuBLAS match the CPU") {
    if (!gpu_or_skip()) return;
    manual_seed(5);
    Tensor a = randn({33, 20}), b = randn({20, 17});
    require_close(mm(a.to(kGpu), b.to(kGpu)), mm(a, b), 1e-4, 1e-4);
    Tensor at = randn({20, 33}).t(), bt = randn({17, 20}).t();  // transposed operands
    require_close(mm(at.to(kGpu), bt.to(kGpu)), mm(at, bt), 1e-4, 1e-4);
    Tensor d = randn({9, 4}, dtype(kFloat64)), e = randn({4, 6}, dtype(kFloat64));
    require_close(mm(d.to(kGpu), e.to(kGpu)), mm(d, e), 1e-12, 1e-12);
}

CUDA_TEST_CASE("cuda: random numbers are bitwise equal to the CPU's for the same seed") {
    if (!gpu_or_skip()) return;
    auto both = [](auto make) {
        manual_seed(9);
        Tensor g = make(Device(kCUDA));
        manual_seed(9);
        Tensor c = make(Device(kCPU));
        REQUIRE(g.is_cuda());
        REQUIRE(equal(g.cpu(), c));
    };
    both([](Device d) { return rand({1001}, device(d)); });
    both([](Device d) { return rand({7, 9}, TensorOptions().dtype(kFloat64).device(d)); });
    both([](Device d) { return randn({1001}, device(d)); });
    both([](Device d) { return randn({333}, TensorOptions().dtype(kFloat64).device(d)); });
    both([](Device d) { return randint(-3, 1000, {999}, TensorOptions().dtype(kInt64).device(d)); });
    both([](Device d) { return bernoulli(full({500}, 0.3, device(d))); });
    both([](Device d) { return empty({257}, device(d)).uniform_(-2, 3); });
}

CUDA_TEST_CASE("cuda: mixing CPU and CUDA tensors in one op names both devices") {
    if (!gpu_or_skip()) return;
    Tensor c = ones({3}), g = ones({3}, device(kCUDA));
    REQUIRE_THROWS_AS(c + g, DeviceError);
    REQUIRE_THROWS_WITH(c + g, Catch::Contains("cpu") && Catch::Contains("cuda:0"));
    REQUIRE_THROWS_WITH(mul(g, c), Catch::Contains("cpu") && Catch::Contains("cuda:0"));
    REQUIRE_THROWS_AS(lt(g, c), DeviceError);
}

CUDA_TEST_CASE("cuda: unimplemented kernels fail loudly, and bad device indices are errors") {
    if (!gpu_or_skip()) return;
    Tensor g = ones({4, 4}, device(kCUDA));
    REQUIRE_THROWS_AS(g.sum(), NotImplementedError);
    REQUIRE_THROWS_WITH(g.sum(), Catch::Contains("not implemented on CUDA"));
    REQUIRE_THROWS_AS(zeros({2}, device(Device(kCUDA, cuda_device_count()))), DeviceError);
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
