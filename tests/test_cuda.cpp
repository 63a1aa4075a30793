// The CUDA backend. Three kinds of tests:
//  - always run, GPU or not: the caching allocator's bookkeeping (on a fake raw allocator), the
//    per-element indexing the CUDA kernels run (cuda::apply_element and the gather/scatter_add
//    offsets of cuda/index_math.h, executed here on the host against the CPU kernels), and
//    graceful behaviour without a GPU;
//  - CUDA_TEST_CASE: need a GPU; without one each prints a WARN skip line and passes, unless the
//    environment sets EMBER_REQUIRE_CUDA=1, in which case a missing GPU is a failure. Among them,
//    the CPU-vs-CUDA parity table: every op, forward and backward, in float64 and float32, with
//    contiguous, strided, transposed and broadcast (expanded) inputs, plus the kernels' special
//    paths (split and column reductions, ties and NaN in max/argmax, bad indices, determinism)
//    and nn training (MLP + optimizers, RBM fit, save/load, DataLoader) on the GPU.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda/caching_allocator.h"
#include "cuda/index_math.h"
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

namespace {
// The iterator ops/index.cpp builds for gather (out, index) or scatter_add (index, src): every dim
// of the index kept, with the other tensor's strides (0 on dim d) riding along.
kernels::StridedIter index_iter(const Tensor& op0, const Tensor& op1, const Tensor& along, int64_t d,
                                int64_t* along_strides) {
    kernels::StridedIter it;
    const Tensor& index_shape = op0.dtype() == kInt64 ? op0 : op1;
    it.nops = 2;
    it.ndim = static_cast<int>(index_shape.dim());
    it.numel = index_shape.numel();
    it.data[0] = static_cast<char*>(op0.raw_data_ptr());
    it.data[1] = static_cast<char*>(op1.raw_data_ptr());
    for (int64_t i = 0; i < index_shape.dim(); ++i) {
        it.sizes[i] = index_shape.size(i);
        it.strides[0][i] = op0.stride(i);
        it.strides[1][i] = op1.stride(i);
        along_strides[i] = i == d ? 0 : along.stride(i);
    }
    return it;
}
}  // namespace

TEST_CASE("cuda: the gather/scatter_add kernels' offsets match the CPU kernels", "[cuda]") {
    manual_seed(11);
    for (int64_t d = 0; d < 3; ++d) {
        INFO("dim " << d);
        Tensor x = randn({6, 5, 4}).permute({2, 1, 0});  // [4, 5, 6], no dim contiguous
        std::vector<int64_t> isz = {3, 5, 4};
        isz[d] = 7;  // longer than x along d: duplicates guaranteed
        for (int64_t i = 0; i < 3; ++i)
            if (i != d) isz[i] = std::min(isz[i], x.size(i));
        Tensor index = randint(0, x.size(d), {isz[2], isz[1], isz[0]}).permute({2, 1, 0});  // strided index

        // gather: what gather_elements computes for every element n.
        Tensor out = ember::empty(isz);
        int64_t xs[kernels::kMaxDims] = {};
        kernels::StridedIter it = index_iter(out, index, x, d, xs);
        cuda::AlongDim a = cuda::make_along_dim(it.ndim, xs, x.stride(d), x.size(d));
        const float* xp = x.data_ptr<float>();
        const int64_t* ip = index.data_ptr<int64_t>();
        for (int64_t n = 0; n < it.numel; ++n) {
            cuda::ElementOffsets o = cuda::element_offsets_along(it, a, n);
            out.data_ptr<float>()[o.op0] = xp[o.along + ip[o.op1] * a.dim_stride];
        }
        REQUIRE(equal(out, gather(x, d, index)));

        // scatter_add: what scatter_add_lines computes, line by line, in order. The target is a
        // fresh contiguous clone, as in ops/; the result is bitwise the CPU's (same order of adds).
        Tensor src = randn({isz[2], isz[1], isz[0]}).permute({2, 1, 0});
        Tensor target = x.clone();
        int64_t ts[kernels::kMaxDims] = {};
        kernels::StridedIter st = index_iter(index, src, target, d, ts);
        cuda::AlongDim ta = cuda::make_along_dim(st.ndim, ts, target.stride(d), target.size(d));
        const int line = cuda::scatter_line_dim(st, ta);
        REQUIRE(line == d);
        const int64_t lines = cuda::scatter_line_count(st, line);
        REQUIRE(lines * isz[d] == st.numel);
        std::vector<int> seen(static_cast<std::size_t>(st.numel), 0);
        float* tp = target.data_ptr<float>();
        const float* sp = src.data_ptr<float>();
        for (int64_t l = 0; l < lines; ++l) {
            cuda::ScatterLine sl = cuda::scatter_line(st, ta, line, l);
            REQUIRE(sl.len == isz[d]);
            for (int64_t k = 0; k < sl.len; ++k) {
                // The flat position reported for a bad index is the element's place in the CPU's walk.
                const int64_t flat = sl.flat + k * sl.step_flat;
                REQUIRE(flat >= 0);
                REQUIRE(flat < st.numel);
                ++seen[static_cast<std::size_t>(flat)];
                cuda::ElementOffsets o = cuda::element_offsets_along(st, ta, flat);
                REQUIRE(o.op0 == sl.start.op0 + k * sl.step_index);
                REQUIRE(o.op1 == sl.start.op1 + k * sl.step_src);
                REQUIRE(o.along == sl.start.along);
                const int64_t v = ip[sl.start.op0 + k * sl.step_index];
                tp[sl.start.along + v * ta.dim_stride] += sp[sl.start.op1 + k * sl.step_src];
            }
        }
        for (int c : seen) REQUIRE(c == 1);
        REQUIRE(equal(target, scatter_add(x, d, index, src)));
    }
    SECTION("a size-1 scattered dim: every element is its own line") {
        Tensor x = randn({3, 4});
        Tensor index = randint(0, 4, {3, 1});
        int64_t ts[kernels::kMaxDims] = {};
        Tensor src = randn({3, 1}), target = x.clone();
        kernels::StridedIter st = index_iter(index, src, target, 1, ts);
        cuda::AlongDim ta = cuda::make_along_dim(st.ndim, ts, target.stride(1), target.size(1));
        REQUIRE(cuda::scatter_line_dim(st, ta) == -1);
        REQUIRE(cuda::scatter_line_count(st, -1) == 3);
        for (int64_t l = 0; l < 3; ++l) {
            cuda::ScatterLine sl = cuda::scatter_line(st, ta, -1, l);
            REQUIRE(sl.len == 1);
            REQUIRE(sl.flat == l);
        }
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
    // The fused sigmoid + Bernoulli kernel draws the samples of the composition on the same device.
    for (ScalarType t : {kFloat32, kFloat64}) {
        Tensor x = linspace(-6, 6, 1001, TensorOptions().dtype(t).device(kGpu));
        manual_seed(10);
        Tensor fused = sigmoid_bernoulli(x);
        manual_seed(10);
        REQUIRE(equal(fused.cpu(), bernoulli(sigmoid(x)).cpu()));
    }
}

CUDA_TEST_CASE("cuda: mixing CPU and CUDA tensors in one op names both devices") {
    if (!gpu_or_skip()) return;
    Tensor c = ones({3}), g = ones({3}, device(kCUDA));
    REQUIRE_THROWS_AS(c + g, DeviceError);
    REQUIRE_THROWS_WITH(c + g, Catch::Contains("cpu") && Catch::Contains("cuda:0"));
    REQUIRE_THROWS_WITH(mul(g, c), Catch::Contains("cpu") && Catch::Contains("cuda:0"));
    REQUIRE_THROWS_AS(lt(g, c), DeviceError);
}

CUDA_TEST_CASE("cuda: bad device indices are errors") {
    if (!gpu_or_skip()) return;
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

// ---------------------------------------------------------------- CPU vs CUDA parity (need a GPU)

namespace {

using TL = std::vector<Tensor>;
using Sizes = std::vector<int64_t>;

// One op, or a short composite, evaluated on either device. `fn` gets the device so that the index
// and condition tensors it makes live next to the inputs.
struct ParityRow {
    std::string name;
    std::function<Tensor(const TL&, Device)> fn;
    std::vector<Sizes> shapes;
    double lo = -1.5, hi = 1.5;  // input range
    bool backward = true;        // false: forward only (integer/bool results, non-differentiable ops)
};

Tensor ix(std::vector<int64_t> v, const Sizes& shape, Device d) { return tensor(v).reshape(shape).to(d); }

const std::vector<ParityRow>& parity_rows() {
    namespace F = nn::functional;
    static const std::vector<ParityRow> rows = {
        // ---- elementwise, unary ----
        {"neg", [](const TL& x, Device) { return -x[0]; }, {{5, 7}}},
        {"exp", [](const TL& x, Device) { return x[0].exp(); }, {{5, 7}}},
        {"log", [](const TL& x, Device) { return x[0].log(); }, {{5, 7}}, 0.5, 2},
        {"log1p", [](const TL& x, Device) { return log1p(x[0]); }, {{5, 7}}, -0.5, 2},
        {"sqrt", [](const TL& x, Device) { return x[0].sqrt(); }, {{5, 7}}, 0.5, 2},
        {"rsqrt", [](const TL& x, Device) { return x[0].rsqrt(); }, {{5, 7}}, 0.5, 2},
        {"abs", [](const TL& x, Device) { return x[0].abs(); }, {{5, 7}}},
        {"sign", [](const TL& x, Device) { return x[0].sign() * x[0]; }, {{5, 7}}},
        {"sin", [](const TL& x, Device) { return x[0].sin(); }, {{5, 7}}, -3, 3},
        {"cos", [](const TL& x, Device) { return x[0].cos(); }, {{5, 7}}, -3, 3},
        {"sigmoid", [](const TL& x, Device) { return x[0].sigmoid(); }, {{5, 7}}, -3, 3},
        {"log_sigmoid", [](const TL& x, Device) { return x[0].log_sigmoid(); }, {{5, 7}}, -3, 3},
        {"tanh", [](const TL& x, Device) { return x[0].tanh(); }, {{5, 7}}, -2, 2},
        {"relu", [](const TL& x, Device) { return x[0].relu(); }, {{5, 7}}},
        {"softplus", [](const TL& x, Device) { return x[0].softplus(); }, {{5, 7}}, -3, 3},
        {"softplus beta=2", [](const TL& x, Device) { return softplus(x[0], 2.0, 20); }, {{5, 7}}, -3, 3},
        {"softplus above threshold", [](const TL& x, Device) { return softplus(x[0] + 25.0); }, {{5, 7}}},
        {"silu", [](const TL& x, Device) { return silu(x[0]); }, {{5, 7}}, -3, 3},
        {"sigmoid_backward", [](const TL& x, Device) { return sigmoid_backward(x[0], x[1]); }, {{5, 7}, {7}}},
        {"threshold_backward", [](const TL& x, Device) { return threshold_backward(x[0], x[1], 0.25); }, {{7}, {5, 7}}},
        {"softplus_backward",
         [](const TL& x, Device) { return softplus_backward(x[0], x[1], 2.0, 1.0); },
         {{5, 7}, {5, 7}},
         -3,
         3},
        {"square", [](const TL& x, Device) { return x[0].square(); }, {{5, 7}}},
        {"reciprocal", [](const TL& x, Device) { return x[0].reciprocal(); }, {{5, 7}}, 0.5, 2},
        {"pow 3", [](const TL& x, Device) { return x[0].pow(3.0); }, {{5, 7}}},
        {"pow 0.5", [](const TL& x, Device) { return x[0].pow(0.5); }, {{5, 7}}, 0.5, 2},
        {"2^x", [](const TL& x, Device) { return pow(2.0, x[0]); }, {{5, 7}}},
        {"clamp", [](const TL& x, Device) { return x[0].clamp(-0.7, 0.6); }, {{5, 7}}},
        {"clamp_min", [](const TL& x, Device) { return x[0].clamp_min(0.1); }, {{5, 7}}},
        {"clamp_max", [](const TL& x, Device) { return x[0].clamp_max(0.1); }, {{5, 7}}},
        {"scalar arithmetic", [](const TL& x, Device) { return (2.0 - x[0]) * 3.0 / 4.0 + 1.0; }, {{5, 7}}},
        {"scalar / x", [](const TL& x, Device) { return 2.0 / x[0]; }, {{5, 7}}, 0.5, 2},
        // ---- elementwise, binary with broadcasting ----
        {"add", [](const TL& x, Device) { return x[0] + x[1]; }, {{5, 7}, {7}}},
        {"add alpha", [](const TL& x, Device) { return x[0].add(x[1], -2.5); }, {{5, 1}, {1, 7}}},
        {"sub", [](const TL& x, Device) { return x[0] - x[1]; }, {{2, 1, 3}, {4, 1}}},
        {"sub alpha", [](const TL& x, Device) { return sub(x[0], x[1], 0.5); }, {{3}, {2, 3}}},
        {"mul", [](const TL& x, Device) { return x[0] * x[1]; }, {{5, 1}, {1, 7}}},
        {"div", [](const TL& x, Device) { return x[0] / x[1]; }, {{5, 7}, {5, 1}}, 0.5, 2},
        {"pow tensor", [](const TL& x, Device) { return x[0].pow(x[1]); }, {{5, 7}, {7}}, 0.5, 2},
        {"maximum", [](const TL& x, Device) { return x[0].maximum(x[1]); }, {{5, 7}, {7}}},
        {"minimum", [](const TL& x, Device) { return minimum(x[0], x[1]); }, {{5, 1}, {7}}},
        {"where",
         [](const TL& x, Device d) { return where(ix({1, 0, 0, 1, 1, 0, 1}, {7}, d).to(kBool), x[0], x[1]); },
         {{5, 7}, {5, 1}}},
        {"where scalar", [](const TL& x, Device) { return where(x[0] > 0.0, x[0] * x[0], 0.5); }, {{5, 7}}},
        // ---- comparisons and logical ops (bool results) ----
        {"eq", [](const TL& x, Device) { return eq(x[0], x[0].clamp(-0.5, 0.5)); }, {{5, 7}}, -1.5, 1.5, false},
        {"ne", [](const TL& x, Device) { return ne(x[0], x[0].clamp(-0.5, 0.5)); }, {{5, 7}}, -1.5, 1.5, false},
        {"lt", [](const TL& x, Device) { return lt(x[0], x[1]); }, {{5, 7}, {7}}, -1.5, 1.5, false},
        {"le", [](const TL& x, Device) { return le(x[0], x[1]); }, {{5, 1}, {7}}, -1.5, 1.5, false},
        {"gt", [](const TL& x, Device) { return gt(x[0], x[1]); }, {{5, 7}, {5, 7}}, -1.5, 1.5, false},
        {"ge", [](const TL& x, Device) { return x[0] >= 0.25; }, {{5, 7}}, -1.5, 1.5, false},
        {"logical ops",
         [](const TL& x, Device) {
             return logical_or(logical_and(x[0] > 0.0, x[1] < 0.5), logical_not(x[0] > -1.0));
         },
         {{5, 7}, {7}},
         -1.5,
         1.5,
         false},
        // ---- reductions (small) ----
        {"sum", [](const TL& x, Device) { return x[0].sum(); }, {{4, 5, 3}}},
        {"sum dims keepdim", [](const TL& x, Device) { return x[0].sum({0, 2}, true); }, {{4, 5, 3}}},
        {"sum dim -1", [](const TL& x, Device) { return sum(x[0], {-1}); }, {{4, 5, 3}}},
        {"sum dim 0", [](const TL& x, Device) { return sum(x[0], {0}); }, {{6, 9}}},
        {"sum middle dim", [](const TL& x, Device) { return sum(x[0], {1}); }, {{4, 5, 3}}},
        {"sum size-1 dim", [](const TL& x, Device) { return sum(x[0], {1}); }, {{6, 1}}},
        {"mean", [](const TL& x, Device) { return x[0].mean(); }, {{5, 7}}},
        {"mean dim", [](const TL& x, Device) { return x[0].mean({1}, true); }, {{5, 7}}},
        {"max", [](const TL& x, Device) { return x[0].max(); }, {{5, 7}}},
        {"min", [](const TL& x, Device) { return x[0].min(); }, {{5, 7}}},
        {"max dim", [](const TL& x, Device) { return std::get<0>(x[0].max(1)); }, {{5, 7}}},
        {"min dim keepdim", [](const TL& x, Device) { return std::get<0>(x[0].min(0, true)); }, {{5, 7}}},
        {"max dim indices", [](const TL& x, Device) { return std::get<1>(x[0].max(1)); }, {{5, 7}}, -1.5, 1.5, false},
        {"min dim 0 indices", [](const TL& x, Device) { return std::get<1>(x[0].min(0)); }, {{5, 7}}, -1.5, 1.5, false},
        {"argmax", [](const TL& x, Device) { return argmax(x[0]); }, {{5, 7}}, -1.5, 1.5, false},
        {"argmin dim", [](const TL& x, Device) { return argmin(x[0], 1, true); }, {{5, 7}}, -1.5, 1.5, false},
        {"amax", [](const TL& x, Device) { return x[0].amax({0, 2}); }, {{4, 5, 3}}},
        {"amin keepdim", [](const TL& x, Device) { return x[0].amin({1}, true); }, {{4, 5, 3}}},
        {"logsumexp", [](const TL& x, Device) { return x[0].logsumexp({1}); }, {{5, 7}}, -2, 2},
        {"logsumexp all keepdim", [](const TL& x, Device) { return logsumexp(x[0], {0, 1}, true); }, {{5, 7}}, -2, 2},
        {"softmax", [](const TL& x, Device) { return x[0].softmax(1); }, {{5, 7}}, -2, 2},
        {"softmax dim 0", [](const TL& x, Device) { return x[0].softmax(0); }, {{5, 7}}, -2, 2},
        {"log_softmax", [](const TL& x, Device) { return x[0].log_softmax(-1); }, {{5, 7}}, -2, 2},
        {"log_softmax dim 0", [](const TL& x, Device) { return log_softmax(x[0], 0); }, {{3, 2, 2}}, -2, 2},
        {"var", [](const TL& x, Device) { return x[0].var({1}); }, {{5, 7}}},
        {"var biased all", [](const TL& x, Device) { return x[0].var({0, 1}, false); }, {{5, 7}}},
        {"std", [](const TL& x, Device) { return x[0].std({1}, true, true); }, {{5, 7}}},
        {"norm", [](const TL& x, Device) { return x[0].norm(); }, {{5, 7}}},
        {"sum_to_size", [](const TL& x, Device) { return sum_to_size(x[0], {1, 7}); }, {{5, 7}}},
        // ---- reductions sized to take every path of the CUDA kernels ----
        {"sum all, split rows", [](const TL& x, Device) { return x[0].sum(); }, {{600, 700}}},
        {"sum dim 0, split columns", [](const TL& x, Device) { return sum(x[0], {0}); }, {{3000, 200}}},
        {"sum dim 0, columns", [](const TL& x, Device) { return sum(x[0], {0}); }, {{128, 1024}}},
        {"sum dim 1, block rows split", [](const TL& x, Device) { return sum(x[0], {1}); }, {{40, 9000}}},
        {"sum dim 1, block rows", [](const TL& x, Device) { return sum(x[0], {1}); }, {{700, 2000}}},
        {"sum dim 1, warp rows", [](const TL& x, Device) { return sum(x[0], {1}); }, {{6000, 40}}},
        {"sum dims 0 and 2", [](const TL& x, Device) { return sum(x[0], {0, 2}); }, {{30, 20, 40}}},
        {"mean dim 0 big", [](const TL& x, Device) { return mean(x[0], {0}); }, {{5000, 30}}},
        {"max all, split", [](const TL& x, Device) { return x[0].max(); }, {{600, 700}}},
        {"amax dim 1, block rows", [](const TL& x, Device) { return x[0].amax({1}); }, {{300, 3000}}},
        {"max dim 0, split columns", [](const TL& x, Device) { return std::get<0>(max(x[0], 0)); }, {{5000, 64}}},
        {"argmax dim 0, split columns", [](const TL& x, Device) { return argmax(x[0], 0); }, {{5000, 64}}, -1.5, 1.5, false},
        {"argmin all, split", [](const TL& x, Device) { return argmin(x[0]); }, {{600, 700}}, -1.5, 1.5, false},
        {"argmax dim 1, warp rows", [](const TL& x, Device) { return argmax(x[0], 1); }, {{5000, 30}}, -1.5, 1.5, false},
        {"softmax, block rows", [](const TL& x, Device) { return x[0].softmax(1); }, {{8, 3000}}, -3, 3},
        {"log_softmax, warp rows", [](const TL& x, Device) { return x[0].log_softmax(1); }, {{3000, 10}}, -3, 3},
        {"softmax dim 0, big", [](const TL& x, Device) { return x[0].softmax(0); }, {{2000, 8}}, -3, 3},
        {"logsumexp big", [](const TL& x, Device) { return x[0].logsumexp({1}); }, {{50, 5000}}, -3, 3},
        // ---- linear algebra ----
        {"mm", [](const TL& x, Device) { return x[0].mm(x[1]); }, {{5, 7}, {7, 3}}},
        {"mm same operand", [](const TL& x, Device) { return x[0].mm(x[0].t()); }, {{5, 7}}},
        {"mm bigger", [](const TL& x, Device) { return x[0].mm(x[1]); }, {{70, 130}, {130, 90}}},
        {"bmm", [](const TL& x, Device) { return bmm(x[0], x[1]); }, {{2, 3, 4}, {2, 4, 2}}},
        {"matmul batched broadcast", [](const TL& x, Device) { return x[0].matmul(x[1]); }, {{2, 1, 2, 3}, {3, 3, 2}}},
        {"matmul vec @ mat", [](const TL& x, Device) { return matmul(x[0], x[1]); }, {{3}, {3, 2}}},
        {"matmul mat @ vec", [](const TL& x, Device) { return matmul(x[0], x[1]); }, {{2, 3}, {3}}},
        {"matmul vec @ vec", [](const TL& x, Device) { return matmul(x[0], x[1]); }, {{4}, {4}}},
        {"outer", [](const TL& x, Device) { return outer(x[0], x[1]); }, {{3}, {2}}},
        {"addmm", [](const TL& x, Device) { return addmm(x[0], x[1], x[2], 0.5, 2.0); }, {{2}, {3, 2}, {2, 2}}},
        // ---- shape ----
        {"view", [](const TL& x, Device) { return x[0].view({1, 5, 7, 1}) * 2.0; }, {{5, 7}}},
        {"reshape", [](const TL& x, Device) { return x[0].reshape({-1}).sin(); }, {{5, 7}}},
        {"transpose", [](const TL& x, Device) { return x[0].transpose(0, 2).exp(); }, {{2, 3, 2}}},
        {"permute", [](const TL& x, Device) { return x[0].permute({2, 0, 1}).sin(); }, {{2, 3, 2}}},
        {"expand", [](const TL& x, Device) { return x[0].expand({2, 3, 4}).sin(); }, {{3, 1}}},
        {"slice step", [](const TL& x, Device) { return x[0].slice(1, 1, 5, 2).exp(); }, {{3, 5}}},
        {"narrow", [](const TL& x, Device) { return x[0].narrow(0, 1, 2).square(); }, {{4, 2}}},
        {"select", [](const TL& x, Device) { return x[0].select(1, 2).square(); }, {{2, 4}}},
        {"unsqueeze", [](const TL& x, Device) { return x[0].unsqueeze(0) * x[1].unsqueeze(-1); }, {{3}, {2, 3}}},
        {"squeeze", [](const TL& x, Device) { return x[0].squeeze().square() + x[0].squeeze(0).sum(); }, {{1, 3, 1}}},
        {"flatten", [](const TL& x, Device) { return x[0].flatten(1).exp(); }, {{2, 2, 2}}},
        {"contiguous", [](const TL& x, Device) { return x[0].t().contiguous().square(); }, {{5, 7}}},
        {"clone", [](const TL& x, Device) { return x[0].clone().square(); }, {{5, 7}}},
        {"cat", [](const TL& x, Device) { return cat({x[0], x[1], x[0]}, 1).square(); }, {{2, 1}, {2, 3}}},
        {"stack", [](const TL& x, Device) { return stack({x[0], x[1]}, 1).exp(); }, {{2, 3}, {2, 3}}},
        {"to float64", [](const TL& x, Device) { return x[0].to(kFloat64) * 2.0; }, {{5, 7}}},
        // ---- indexing ----
        {"index_select", [](const TL& x, Device d) { return x[0].index_select(0, ix({2, 0, 2}, {3}, d)).square(); }, {{3, 2}}},
        {"index_select dim 1", [](const TL& x, Device d) { return index_select(x[0], 1, ix({1, 1, 4}, {3}, d)).exp(); }, {{5, 7}}},
        {"index_select big",
         [](const TL& x, Device d) {
             manual_seed(21);
             return index_select(x[0], 0, randint(0, 700, {500}).to(d)).sin();
         },
         {{700, 90}}},
        {"gather",
         [](const TL& x, Device d) { return x[0].gather(1, ix({0, 2, 2, 1, 0, 0}, {3, 2}, d)).square(); },
         {{3, 3}}},
        {"gather big",
         [](const TL& x, Device d) {
             manual_seed(22);
             return gather(x[0], 1, randint(0, 50, {400, 30}).to(d)).sin();
         },
         {{400, 50}}},
        {"scatter_add",
         [](const TL& x, Device d) { return scatter_add(x[0], 1, ix({0, 2, 2, 1, 0, 0}, {3, 2}, d), x[1]).square(); },
         {{3, 3}, {3, 2}}},
        {"scatter_add dim 0 big",
         [](const TL& x, Device d) {
             manual_seed(23);
             return scatter_add(x[0], 0, randint(0, 20, {300, 40}).to(d), x[1]).square();
         },
         {{20, 40}, {300, 40}}},
        {"index_add",
         [](const TL& x, Device d) { return index_add(x[0], 0, ix({1, 1, 0}, {3}, d), x[1]).square(); },
         {{2, 3}, {3, 3}}},
        {"index_add dim 1",
         [](const TL& x, Device d) { return index_add(x[0], 1, ix({3, 0, 3, 3}, {4}, d), x[1]).square(); },
         {{3, 5}, {3, 4}}},
        {"one_hot",
         [](const TL& x, Device) { return one_hot(argmax(x[0], 1), 9); },
         {{6, 7}},
         -1.5,
         1.5,
         false},
        // ---- nn functional ----
        {"linear", [](const TL& x, Device) { return F::linear(x[0], x[1], x[2]); }, {{4, 5}, {3, 5}, {3}}},
        {"mse_loss", [](const TL& x, Device) { return F::mse_loss(x[0], x[1]); }, {{4, 5}, {4, 5}}},
        {"binary_cross_entropy", [](const TL& x, Device) { return F::binary_cross_entropy(x[0], x[1]); }, {{4, 5}, {4, 5}}, 0.05, 0.95},
        {"bce with logits",
         [](const TL& x, Device) { return F::binary_cross_entropy_with_logits(x[0], x[1].sigmoid()); },
         {{4, 5}, {4, 5}}},
        {"cross_entropy",
         [](const TL& x, Device d) { return F::cross_entropy(x[0], ix({0, 3, 6, 3, 1}, {5}, d)); },
         {{5, 7}}},
        {"nll_loss sum",
         [](const TL& x, Device d) {
             return F::nll_loss(x[0].log_softmax(1), ix({0, 3, 6, 3, 1}, {5}, d), nn::NLLLossOptions(nn::Reduction::Sum));
         },
         {{5, 7}}},
        {"dropout",
         [](const TL& x, Device) {
             manual_seed(24);  // the same Philox stream on both devices
             return F::dropout(x[0], 0.3);
         },
         {{5, 7}}},
        // ---- composites ----
        {"mlp",
         [](const TL& x, Device) { return x[0].mm(x[1]).add(x[2]).tanh().mm(x[1].t()).sum({1}); },
         {{2, 3}, {3, 3}, {3}},
         -1,
         1},
        {"free energy",
         [](const TL& x, Device) { return -(x[0].mm(x[1]) + x[2]).softplus().sum({1}) - x[0].sum({1}); },
         {{2, 3}, {3, 2}, {2}},
         -1,
         1},
    };
    return rows;
}

// How a logical input of shape S is presented to the op (as in tests/test_gradcheck.cpp): the leaf
// has shape stored(S) and `view` makes the op's input from it, so gradients flow through the view.
struct ParityLayout {
    std::string name;
    std::function<bool(const Sizes&)> applies;
    std::function<Sizes(const Sizes&)> stored;
    std::function<Tensor(const Tensor&, const Sizes&)> view;
};

const std::vector<ParityLayout>& parity_layouts() {
    static const std::vector<ParityLayout> layouts = {
        {"contiguous", [](const Sizes&) { return true; }, [](const Sizes& s) { return s; },
         [](const Tensor& t, const Sizes&) { return t; }},
        {"strided",  // every second element of a buffer with a trailing dim of 2
         [](const Sizes&) { return true; },
         [](const Sizes& s) {
             Sizes r = s;
             r.push_back(2);
             return r;
         },
         [](const Tensor& t, const Sizes&) { return t.select(-1, 1); }},
        {"transposed",  // last two dims stored swapped
         [](const Sizes& s) { return s.size() >= 2; },
         [](const Sizes& s) {
             Sizes r = s;
             std::swap(r[r.size() - 1], r[r.size() - 2]);
             return r;
         },
         [](const Tensor& t, const Sizes&) { return t.transpose(-1, -2); }},
        {"expanded",  // dim 0 broadcast from size 1 (stride 0)
         [](const Sizes& s) { return !s.empty() && s[0] > 1; },
         [](const Sizes& s) {
             Sizes r = s;
             r[0] = 1;
             return r;
         },
         [](const Tensor& t, const Sizes& s) { return t.expand(s); }},
    };
    return layouts;
}

int64_t count(const Sizes& s) {
    int64_t n = 1;
    for (int64_t v : s) n *= v;
    return n;
}

Tensor isnan_mask(const Tensor& t) { return ne(t, t); }

// Values compared in float64 on the host: NaN at the same places, equal infinities, and the rest
// close, with atol scaled by the largest finite reference value (a sum of 10^5 float32 terms is
// only as exact as its terms are large).
void check_same(const Tensor& gpu, const Tensor& cpu, double rtol, double atol, const std::string& what) {
    INFO(what);
    REQUIRE(gpu.defined() == cpu.defined());
    if (!cpu.defined()) return;
    REQUIRE(gpu.is_cuda());
    REQUIRE(gpu.dtype() == cpu.dtype());
    REQUIRE(Sizes(gpu.sizes().begin(), gpu.sizes().end()) == Sizes(cpu.sizes().begin(), cpu.sizes().end()));
    NoGradGuard ng;
    Tensor g = gpu.detach().cpu();
    if (!cpu.is_floating_point()) {
        REQUIRE(equal(g, cpu.detach()));
        return;
    }
    if (cpu.numel() == 0) return;
    Tensor a = g.to(kFloat64), b = cpu.detach().to(kFloat64);
    REQUIRE(equal(isnan_mask(a), isnan_mask(b)));
    Tensor skip = logical_or(eq(a, b), isnan_mask(b));  // equal values (incl. infinities), NaN
    Tensor zero = zeros_like(a);
    Tensor az = where(skip, zero, a), bz = where(skip, zero, b);
    Tensor finite = where(abs(b) == std::numeric_limits<double>::infinity(), zero, where(isnan_mask(b), zero, b));
    const double scale = std::max(1.0, abs(finite).max().item<double>());
    REQUIRE(allclose(az, bz, rtol, atol * scale));
}

}  // namespace

CUDA_TEST_CASE("cuda: every op matches the CPU, forward and backward, in every input layout") {
    if (!gpu_or_skip()) return;
    uint32_t seed = 100;
    int checked = 0;
    for (ScalarType dt : {kFloat64, kFloat32}) {
        // float64: only the order of additions and the last bit of exp/log differ between the
        // devices, so any indexing mistake shows far above these tolerances. float32: loose enough
        // for sums over 10^5 elements accumulated in a different order.
        const double rtol = dt == kFloat64 ? 1e-9 : 2e-4, atol = dt == kFloat64 ? 1e-9 : 2e-4;
        for (const ParityRow& row : parity_rows()) {
            for (const ParityLayout& layout : parity_layouts()) {
                bool any = false;
                for (const Sizes& s : row.shapes) any |= layout.applies(s);
                if (!any) continue;
                // Big inputs: contiguous and one non-contiguous layout are enough.
                int64_t total = 0;
                for (const Sizes& s : row.shapes) total += count(s);
                if (total > 100000 && (layout.name == "transposed" || layout.name == "expanded")) continue;
                INFO("op " << row.name << ", layout " << layout.name << ", " << dtype_name(dt));
                TL cpu_leaves, gpu_leaves, cpu_in, gpu_in;
                for (const Sizes& s : row.shapes) {
                    const bool use = layout.applies(s);
                    Sizes stored = use ? layout.stored(s) : s;
                    Tensor c =
                        core_test::make(core_test::random_values(count(stored), row.lo, row.hi, seed++), stored, dt);
                    Tensor g = c.to(kGpu);
                    if (row.backward) {
                        c.requires_grad_();
                        g.requires_grad_();
                    }
                    cpu_leaves.push_back(c);
                    gpu_leaves.push_back(g);
                    cpu_in.push_back(use ? layout.view(c, s) : c);
                    gpu_in.push_back(use ? layout.view(g, s) : g);
                }
                Tensor out_c, out_g;
                try {
                    out_c = row.fn(cpu_in, Device(kCPU));
                    out_g = row.fn(gpu_in, kGpu);
                } catch (const Error& e) {
                    FAIL("threw: " << e.what());
                }
                check_same(out_g, out_c, rtol, atol, "forward");
                {
                    // The GPU forward again: the kernels are deterministic, so bitwise the same.
                    NoGradGuard ng;
                    REQUIRE(equal(row.fn(gpu_in, kGpu).cpu(), out_g.detach().cpu()));
                }
                if (!row.backward || !out_c.is_floating_point()) {
                    ++checked;
                    continue;
                }
                // Backward of <out, w> for fixed random weights w: every input's gradient.
                Sizes os(out_c.sizes().begin(), out_c.sizes().end());
                Tensor w = core_test::make(core_test::random_values(count(os), -1, 1, seed++), os, out_c.dtype());
                (out_c * w).sum().backward();
                (out_g * w.to(kGpu)).sum().backward();
                for (std::size_t i = 0; i < cpu_leaves.size(); ++i)
                    check_same(gpu_leaves[i].grad(), cpu_leaves[i].grad(), rtol, atol,
                               str_cat("gradient of input ", i));
                ++checked;
            }
        }
    }
    REQUIRE(checked > 300);
}

CUDA_TEST_CASE("cuda: integer and bool reductions match the CPU exactly") {
    if (!gpu_or_skip()) return;
    manual_seed(31);
    Tensor i = randint(-1000, 1000, {700, 900});
    Tensor gi = i.to(kGpu);
    REQUIRE(equal(gi.sum().cpu(), i.sum()));
    REQUIRE(equal(gi.sum({0}).cpu(), i.sum({0})));
    REQUIRE(equal(gi.t().sum({1}).cpu(), i.t().sum({1})));
    REQUIRE(equal(gi.max().cpu(), i.max()));
    REQUIRE(equal(argmax(gi, 1).cpu(), argmax(i, 1)));
    REQUIRE(equal(argmin(gi, 0).cpu(), argmin(i, 0)));
    REQUIRE(equal(argmax(gi).cpu(), argmax(i)));
    Tensor b = i > 0;
    REQUIRE(equal((gi > 0).sum().cpu(), b.sum()));
    REQUIRE(equal((gi > 0).sum({1}).cpu(), b.sum({1})));
    // int64 sums are exact (no detour through floating point), far beyond 2^53.
    Tensor big = full({3000}, 4e12 + 1, dtype(kInt64));
    REQUIRE(big.to(kGpu).sum().item<int64_t>() == int64_t(3000) * int64_t(4000000000001));
    // Empty reductions: sum of nothing is 0.
    REQUIRE(equal(zeros({0, 5}, device(kCUDA)).sum({0}).cpu(), zeros({5})));
}

CUDA_TEST_CASE("cuda: max/min/argmax pick the first of tied values and let NaN win, as the CPU does") {
    if (!gpu_or_skip()) return;
    const double nan = std::nan("");
    for (ScalarType dt : {kFloat32, kFloat64}) {
        INFO(dtype_name(dt));
        // Small values, many ties; big enough for the split and column paths.
        manual_seed(32);
        Tensor x = randint(0, 4, {3000, 300}).to(dt);
        Tensor gx = x.to(kGpu);
        for (int64_t d : {0, 1}) {
            auto [vc, ic] = max(x, d);
            auto [vg, ig] = max(gx, d);
            REQUIRE(equal(vg.cpu(), vc));
            REQUIRE(equal(ig.cpu(), ic));
            auto [wc, jc] = min(x, d);
            auto [wg, jg] = min(gx, d);
            REQUIRE(equal(wg.cpu(), wc));
            REQUIRE(equal(jg.cpu(), jc));
        }
        REQUIRE(equal(argmax(gx).cpu(), argmax(x)));
        REQUIRE(equal(argmin(gx).cpu(), argmin(x)));
        // NaN: the first NaN wins, in a row and over everything.
        Tensor y = x.clone();
        {
            NoGradGuard ng;
            y.select(0, 17).select(0, 123).fill_(nan);
            y.select(0, 17).select(0, 7).fill_(nan);
            y.select(0, 2500).select(0, 299).fill_(nan);
        }
        Tensor gy = y.to(kGpu);
        for (int64_t d : {0, 1}) {
            auto [vc, ic] = max(y, d);
            auto [vg, ig] = max(gy, d);
            check_same(vg, vc, 0, 0, "max values with NaN");
            REQUIRE(equal(ig.cpu(), ic));
            auto [wc, jc] = min(y, d);
            auto [wg, jg] = min(gy, d);
            check_same(wg, wc, 0, 0, "min values with NaN");
            REQUIRE(equal(jg.cpu(), jc));
        }
        REQUIRE(equal(argmax(gy).cpu(), argmax(y)));
        REQUIRE(argmax(gy).item<int64_t>() == 17 * 300 + 7);
        REQUIRE(std::isnan(gy.max().item<double>()));
        REQUIRE(std::isnan(gy.amin({1}).cpu().select(0, 17).item<double>()));
        // -0.0 and +0.0 tie: the first one is kept.
        Tensor z = tensor({0.0, -0.0, 0.0}, dtype(dt));
        REQUIRE(argmin(z.to(kGpu)).item<int64_t>() == argmin(z).item<int64_t>());
        REQUIRE(std::signbit(z.to(kGpu).max().item<double>()) == std::signbit(z.max().item<double>()));
    }
}

CUDA_TEST_CASE("cuda: softmax handles infinities and NaN as the CPU does") {
    if (!gpu_or_skip()) return;
    const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
    for (ScalarType dt : {kFloat32, kFloat64}) {
        Tensor x = tensor({{1.0, -inf, 3.0, 2.0},
                           {-inf, -inf, -inf, -inf},
                           {inf, 0.0, 1.0, 2.0},
                           {1.0, nan, 2.0, 3.0},
                           {1e4, 1e4 + 1, 1e4 - 2, 0.0}},
                          dtype(dt));
        for (int64_t d : {1, 0}) {
            check_same(softmax(x.to(kGpu), d), softmax(x, d), 1e-6, 1e-7, "softmax");
            check_same(log_softmax(x.to(kGpu), d), log_softmax(x, d), 1e-6, 1e-7, "log_softmax");
        }
        // Long rows (a block per row) with the same specials.
        Tensor big = randn({6, 5000}, dtype(dt)) * 10.0;
        {
            NoGradGuard ng;
            big.select(0, 1).fill_(-inf);
            big.select(0, 2).select(0, 4321).fill_(inf);
            big.select(0, 3).select(0, 17).fill_(nan);
        }
        check_same(softmax(big.to(kGpu), 1), softmax(big, 1), 1e-5, 1e-7, "softmax long rows");
        check_same(log_softmax(big.to(kGpu), 1), log_softmax(big, 1), 1e-5, 1e-5, "log_softmax long rows");
    }
}

CUDA_TEST_CASE("cuda: reductions and index adds are deterministic run to run") {
    if (!gpu_or_skip()) return;
    manual_seed(33);
    Tensor x = randn({2000, 3000}, device(kCUDA));
    Tensor s = x.sum();
    Tensor c = x.sum({0});
    Tensor r = x.sum({1});
    Tensor sm = x.softmax(1);
    for (int k = 0; k < 3; ++k) {
        REQUIRE(equal(x.sum().cpu(), s.cpu()));
        REQUIRE(equal(x.sum({0}).cpu(), c.cpu()));
        REQUIRE(equal(x.sum({1}).cpu(), r.cpu()));
        REQUIRE(equal(x.softmax(1).cpu(), sm.cpu()));
    }
    // scatter_add / index_add add in the CPU's order: bitwise equal to the CPU, even in float32
    // with many duplicates.
    Tensor target = randn({50, 64}), src = randn({4000, 64});
    Tensor idx = randint(0, 50, {4000});
    Tensor sidx = randint(0, 50, {4000, 64});
    REQUIRE(equal(index_add(target.to(kGpu), 0, idx.to(kGpu), src.to(kGpu)).cpu(), index_add(target, 0, idx, src)));
    REQUIRE(
        equal(scatter_add(target.to(kGpu), 0, sidx.to(kGpu), src.to(kGpu)).cpu(), scatter_add(target, 0, sidx, src)));
}

CUDA_TEST_CASE("cuda: out-of-range indices are IndexErrors naming the CPU's position") {
    if (!gpu_or_skip()) return;
    Tensor x = randn({4, 5});
    Tensor gx = x.to(kGpu);
    auto same_error = [](const std::function<Tensor()>& cpu, const std::function<Tensor()>& gpu) {
        std::string cpu_msg, gpu_msg;
        try {
            cpu();
        } catch (const IndexError& e) {
            cpu_msg = e.what();
        }
        try {
            gpu();
        } catch (const IndexError& e) {
            gpu_msg = e.what();
        }
        REQUIRE(!cpu_msg.empty());
        // The messages differ only in the devices they name.
        auto strip = [](std::string m) {
            for (std::string dev : {std::string(", device=cuda:0"), std::string("cuda:0"), std::string("cpu")}) {
                for (std::size_t p; (p = m.find(dev)) != std::string::npos;) m.erase(p, dev.size());
            }
            return m;
        };
        REQUIRE(strip(gpu_msg) == strip(cpu_msg));
    };
    Tensor bad = tensor(std::vector<int64_t>{1, 7, 2, -1});
    same_error([&] { return index_select(x, 1, bad); }, [&] { return index_select(gx, 1, bad.to(kGpu)); });
    same_error(
        [&] {
            return index_add(x, 0, bad, randn({4, 5}));
        },
        [&] {
            return index_add(gx, 0, bad.to(kGpu), randn({4, 5}).to(kGpu));
        });
    Tensor gbad = tensor(std::vector<int64_t>{0, 1, 2, 5, 1, 9}).reshape({2, 3});
    same_error([&] { return gather(x, 1, gbad); }, [&] { return gather(gx, 1, gbad.to(kGpu)); });
    same_error(
        [&] {
            return scatter_add(x, 1, gbad, randn({2, 3}));
        },
        [&] {
            return scatter_add(gx, 1, gbad.to(kGpu), randn({2, 3}).to(kGpu));
        });
    REQUIRE_THROWS_AS(one_hot(tensor(std::vector<int64_t>{0, 3, 5}).to(kGpu), 4), IndexError);
    REQUIRE_THROWS_AS(one_hot(tensor(std::vector<int64_t>{0, -1}).to(kGpu), 4), IndexError);
    REQUIRE(equal(one_hot(tensor(std::vector<int64_t>{0, 3, 1}).to(kGpu), 4).cpu(),
                  one_hot(tensor(std::vector<int64_t>{0, 3, 1}), 4)));
    // The GPU is still usable after the errors (nothing was read or written out of bounds).
    REQUIRE(equal(index_select(gx, 1, tensor(std::vector<int64_t>{4, 0}).to(kGpu)).cpu(),
                  index_select(x, 1, tensor(std::vector<int64_t>{4, 0}))));
}

CUDA_TEST_CASE("cuda: TF32 is off by default and switchable") {
    if (!gpu_or_skip()) return;
    REQUIRE_FALSE(allow_tf32());
    manual_seed(34);
    Tensor a = randn({256, 512}), b = randn({512, 128});
    Tensor ref = mm(a.to(kFloat64), b.to(kFloat64));
    // Off: float32 cuBLAS, close to the float64 product.
    require_close(mm(a.to(kGpu), b.to(kGpu)).to(kFloat64), ref, 1e-4, 1e-4);
    set_allow_tf32(true);
    REQUIRE(allow_tf32());
    Tensor t = mm(a.to(kGpu), b.to(kGpu)).cpu().to(kFloat64);
    set_allow_tf32(false);
    // On: within TF32's precision (10-bit mantissa inputs) of the exact product.
    REQUIRE(allclose(t, ref, 1e-2, 0.5));
    require_close(mm(a.to(kGpu), b.to(kGpu)).to(kFloat64), ref, 1e-4, 1e-4);
}

CUDA_TEST_CASE("cuda: an MLP trains identically on both devices (Linear, ReLU, cross-entropy, SGD and Adam)") {
    if (!gpu_or_skip()) return;
    for (int use_adam = 0; use_adam < 2; ++use_adam) {
        INFO((use_adam ? "Adam" : "SGD momentum"));
        auto make_net = [] {
            manual_seed(35);
            nn::Sequential net(nn::Linear(20, 32), nn::ReLU(), nn::Linear(32, 10));
            net->to(kFloat64);
            return net;
        };
        nn::Sequential cpu_net = make_net(), gpu_net = make_net();
        gpu_net->to(kGpu);
        auto make_opt = [&](nn::Sequential& net) -> std::unique_ptr<optim::Optimizer> {
            if (use_adam) return std::make_unique<optim::Adam>(net->parameters(), optim::AdamOptions(1e-2));
            return std::make_unique<optim::SGD>(net->parameters(), optim::SGDOptions(0.1).momentum(0.9));
        };
        auto cpu_opt = make_opt(cpu_net), gpu_opt = make_opt(gpu_net);
        manual_seed(36);
        Tensor data = randn({64, 20}, dtype(kFloat64));
        Tensor labels = randint(0, 10, {64});
        for (int step = 0; step < 5; ++step) {
            Tensor xb = data.narrow(0, step * 12, 12), yb = labels.narrow(0, step * 12, 12);
            cpu_opt->zero_grad();
            Tensor lc = nn::functional::cross_entropy(cpu_net->forward(xb), yb);
            lc.backward();
            cpu_opt->step();
            gpu_opt->zero_grad();
            Tensor lg = nn::functional::cross_entropy(gpu_net->forward(xb.to(kGpu)), yb.to(kGpu));
            lg.backward();
            gpu_opt->step();
            REQUIRE(lg.item<double>() == Approx(lc.item<double>()).epsilon(1e-10));
        }
        auto pc = cpu_net->parameters(), pg = gpu_net->parameters();
        REQUIRE(pc.size() == pg.size());
        for (std::size_t i = 0; i < pc.size(); ++i) check_same(pg[i], pc[i], 1e-9, 1e-10, str_cat("parameter ", i));
    }
}

CUDA_TEST_CASE("cuda: RBM CD-1 training gives the CPU's parameters, and save/load crosses devices") {
    if (!gpu_or_skip()) return;
    manual_seed(37);
    Tensor data = bernoulli(full({300, 24}, 0.3, dtype(kFloat64)));
    auto make_rbm = [] {
        manual_seed(38);
        nn::RBM rbm(nn::RBMOptions(24, 16));
        rbm->to(kFloat64);
        return rbm;
    };
    nn::RBM cpu_rbm = make_rbm(), gpu_rbm = make_rbm();
    gpu_rbm->to(kGpu);
    nn::RBMTrainOptions o;
    o.batch_size = 50;
    o.epochs = 2;
    o.lr = 0.05;
    o.sparsity_target = 0.1;
    o.progress = false;
    manual_seed(39);
    auto hc = cpu_rbm->fit(data, o);
    manual_seed(39);
    auto hg = gpu_rbm->fit(data.to(kGpu), o);
    REQUIRE(hc.size() == hg.size());
    for (std::size_t e = 0; e < hc.size(); ++e) {
        REQUIRE(hg[e].reconstruction_error == Approx(hc[e].reconstruction_error).epsilon(1e-9));
        REQUIRE(hg[e].free_energy_gap == Approx(hc[e].free_energy_gap).epsilon(1e-9).margin(1e-12));
    }
    check_same(gpu_rbm->weight, cpu_rbm->weight, 1e-9, 1e-10, "RBM weight");
    check_same(gpu_rbm->visible_bias, cpu_rbm->visible_bias, 1e-9, 1e-10, "RBM visible bias");
    check_same(gpu_rbm->hidden_bias, cpu_rbm->hidden_bias, 1e-9, 1e-10, "RBM hidden bias");
    REQUIRE(gpu_rbm->reconstruction_error(data.to(kGpu)) == Approx(cpu_rbm->reconstruction_error(data)).epsilon(1e-9));
    REQUIRE(gpu_rbm->pseudo_likelihood(data.to(kGpu), true) ==
            Approx(cpu_rbm->pseudo_likelihood(data, true)).epsilon(1e-9));

    // Saved from the GPU, loaded into a CPU module (and back).
    const std::string path = "ember_test_cuda_rbm.safetensors";
    ember::save(gpu_rbm, path);
    nn::RBM loaded(nn::RBMOptions(24, 16));
    loaded->to(kFloat64);
    ember::load(loaded, path);
    REQUIRE(equal(loaded->weight, gpu_rbm->weight.cpu()));
    nn::RBM loaded_gpu(nn::RBMOptions(24, 16));
    loaded_gpu->to(kFloat64);
    loaded_gpu->to(kGpu);
    ember::load(loaded_gpu, path);
    REQUIRE(loaded_gpu->weight.is_cuda());
    REQUIRE(equal(loaded_gpu->weight.cpu(), gpu_rbm->weight.cpu()));
    std::remove(path.c_str());
}

CUDA_TEST_CASE("cuda: a DataLoader over GPU tensors yields GPU batches equal to the CPU's") {
    if (!gpu_or_skip()) return;
    manual_seed(40);
    Tensor x = randn({103, 7}), y = randint(0, 5, {103});
    data::DataLoader cpu_loader(data::TensorDataset(x, y), data::DataLoaderOptions(16).shuffle(true).seed(3));
    data::DataLoader gpu_loader(data::TensorDataset(x.to(kGpu), y.to(kGpu)),
                                data::DataLoaderOptions(16).shuffle(true).seed(3));
    std::vector<data::Batch> cb, gb;
    for (auto& b : cpu_loader) cb.push_back(b);
    for (auto& b : gpu_loader) gb.push_back(b);
    REQUIRE(cb.size() == gb.size());
    for (std::size_t i = 0; i < cb.size(); ++i) {
        REQUIRE(gb[i].data.is_cuda());
        REQUIRE(equal(gb[i].data.cpu(), cb[i].data));
        REQUIRE(equal(gb[i].target.cpu(), cb[i].target));
    }
}
