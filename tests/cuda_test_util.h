#pragma once
// What the CUDA test files (tests/test_cuda_*.cpp) share. A test that needs a GPU is a
// CUDA_TEST_CASE and starts with `if (!gpu_or_skip()) return;`: without a GPU it prints a line
// starting "SKIPPED:", which ctest reports as a skipped test (SKIP_REGULAR_EXPRESSION in
// tests/CMakeLists.txt), unless the environment sets EMBER_REQUIRE_CUDA=1, in which case a
// missing GPU is a failure.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace cuda_test {

using namespace ember;

// How many CUDA_TEST_CASEs the suite has (counted at static-initialisation time, all files).
inline int& gpu_test_count() {
    static int n = 0;
    return n;
}
struct CountGpuTest {
    CountGpuTest() { ++gpu_test_count(); }
};

inline bool require_cuda_env() {
    const char* v = std::getenv("EMBER_REQUIRE_CUDA");
    return v && std::strcmp(v, "1") == 0;
}

// True when the test can use the GPU; otherwise says SKIPPED (or fails under EMBER_REQUIRE_CUDA=1).
inline bool gpu_or_skip() {
    if (cuda_is_available()) return true;
    if (require_cuda_env())
        FAIL("EMBER_REQUIRE_CUDA=1 but no CUDA GPU is usable (cuda_compiled()=" << cuda_compiled() << ")");
    WARN("SKIPPED: no usable CUDA GPU (cuda_compiled()=" << cuda_compiled() << "); " << gpu_test_count()
                                                         << " GPU tests skip");
    return false;
}

inline const Device kGpu(kCUDA, 0);

// CPU copy as float64 for comparisons.
inline Tensor host64(const Tensor& t) { return t.cpu().to(kFloat64).contiguous(); }

// A GPU result against the CPU's: same shape and dtype, values within rtol/atol.
inline void require_close(const Tensor& gpu, const Tensor& cpu, double rtol = 1e-6, double atol = 1e-7) {
    REQUIRE(gpu.device() == kGpu);
    REQUIRE(gpu.sizes().size() == cpu.sizes().size());
    for (size_t d = 0; d < cpu.sizes().size(); ++d) REQUIRE(gpu.size(d) == cpu.size(d));
    REQUIRE(gpu.dtype() == cpu.dtype());
    REQUIRE(allclose(host64(gpu), host64(cpu), rtol, atol));
}

inline Tensor isnan_mask(const Tensor& t) { return ne(t, t); }

// Values compared in float64 on the host: NaN at the same places, equal infinities, and the rest
// close, with atol scaled by the largest finite reference value (a sum of 10^5 float32 terms is
// only as exact as its terms are large).
inline void check_same(const Tensor& gpu, const Tensor& cpu, double rtol, double atol, const std::string& what) {
    INFO(what);
    REQUIRE(gpu.defined() == cpu.defined());
    if (!cpu.defined()) return;
    REQUIRE(gpu.is_cuda());
    REQUIRE(gpu.dtype() == cpu.dtype());
    REQUIRE(std::vector<int64_t>(gpu.sizes().begin(), gpu.sizes().end()) ==
            std::vector<int64_t>(cpu.sizes().begin(), cpu.sizes().end()));
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

}  // namespace cuda_test

// A test that needs a GPU: counted at static-initialisation time for the skip message.
#define EMBER_CUDA_CONCAT2(a, b) a##b
#define EMBER_CUDA_CONCAT(a, b) EMBER_CUDA_CONCAT2(a, b)
#define CUDA_TEST_CASE(name)                                                           \
    static const cuda_test::CountGpuTest EMBER_CUDA_CONCAT(ember_gpu_test_, __LINE__); \
    TEST_CASE(name, "[cuda]")
