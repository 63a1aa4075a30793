// Standalone GEMM benchmark: ember::cpu::gemm vs OpenBLAS cblas_{s,d}gemm on square row-major problems.
// Not part of the test suite. Build, e.g.:
//   g++ -std=c++20 -O3 -fopenmp -Isrc benchmarks/gemm_bench.cpp src/cpu/gemm*.cpp -o gemm_bench
//       -DEMBER_HAVE_OPENBLAS -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas
//   OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 ./gemm_bench [n ...]
// Note: OpenBLAS 0.3.21 (Debian 12) does not recognise Sapphire Rapids and falls back to its SSE3 "Prescott"
// kernels; run with OPENBLAS_CORETYPE=SkylakeX (or Cooperlake) to compare against its AVX-512 kernels.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "cpu/gemm.h"

#ifdef EMBER_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

double seconds_of(const std::function<void()>& fn) {
    const auto s = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <typename T>
void bench(int n, int reps) {
    std::mt19937 rng(42);
    std::uniform_real_distribution<T> dist(T(-1), T(1));
    std::vector<T> a(size_t(n) * n), b(size_t(n) * n), c(size_t(n) * n, T(0));
    for (auto& v : a) v = dist(rng);
    for (auto& v : b) v = dist(rng);
    const double flops = 2.0 * n * n * n;
    const char* dt = sizeof(T) == 4 ? "f32" : "f64";

    std::function<void()> run_ember = [&] {
        ember::cpu::gemm(false, false, n, n, n, T(1), a.data(), n, b.data(), n, T(0), c.data(), n);
    };
#ifdef EMBER_HAVE_OPENBLAS
    std::function<void()> run_blas = [&] {
        if constexpr (sizeof(T) == 4)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                        c.data(), n);
        else
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0,
                        c.data(), n);
    };
#endif
    // Both libraries leave worker threads spinning for a while after a call (libgomp's spin-wait, OpenBLAS's
    // THREAD_TIMEOUT), which steals one of the two cores from the other library. So measure in alternating
    // batches, idling before each batch and discarding its first (warm-up) call.
    auto batch = [&](const std::function<void()>& fn, std::vector<double>& out) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        fn();
        for (int r = 0; r < reps; ++r) out.push_back(seconds_of(fn));
    };
    std::vector<double> te, tb;
    for (int round = 0; round < 3; ++round) {
        batch(run_ember, te);
#ifdef EMBER_HAVE_OPENBLAS
        batch(run_blas, tb);
#endif
    }
    auto best = [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); };
    std::printf("%s n=%5d  ember(%s) median %6.1f best %6.1f GFLOP/s", dt, n, ember::cpu::gemm_kernel_name(),
                flops / median(te) * 1e-9, flops / best(te) * 1e-9);
#ifdef EMBER_HAVE_OPENBLAS
    std::printf("  | openblas median %6.1f best %6.1f GFLOP/s | ratio median %.2f best %.2f", flops / median(tb) * 1e-9,
                flops / best(tb) * 1e-9, median(tb) / median(te), best(tb) / best(te));
#endif
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    if (sizes.empty()) sizes = {512, 1024, 2048};
    for (int n : sizes) {
        const int reps = n <= 512 ? 20 : n <= 1024 ? 8 : 4;
        bench<float>(n, reps);
        bench<double>(n, reps);
    }
    return 0;
}
