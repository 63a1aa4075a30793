// Tests for ember::cpu::gemm: every kernel path this CPU supports, both dtypes, all transpose combinations,
// padded leading dimensions, alpha/beta handling (beta == 0 must ignore NaN in C), degenerate shapes, and that
// nothing outside the logical C matrix is written.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core_test_util.h"
#include "cpu/gemm.h"
#include "cpu_paths_test_util.h"

namespace {

using ember::cpu::gemm;

struct Shape {
    int64_t M, N, K;
};

// Restores automatic dispatch even if a REQUIRE fails inside a forced-kernel section.
struct KernelGuard {
    ~KernelGuard() { ember::cpu::gemm_force_kernel(nullptr); }
};

const std::vector<cpu_paths::Path> kPaths = cpu_paths::all_paths("generic");

// Every kernel this CPU runs (each checked to be selectable); the others are reported as not run.
std::vector<std::string> supported_kernels() {
    return cpu_paths::runnable(
        kPaths, [](const char* k) { ember::cpu::gemm_force_kernel(k); },
        [] { return std::string(ember::cpu::gemm_kernel_name()); });
}

// Runs one GEMM and checks it against a float64 (long double for fp64) triple loop. Operand buffers are allocated
// with exactly the footprint the layout implies (so ASan catches over-reads); C has padding columns filled with a
// sentinel that must survive.
template <typename T>
void check_case(bool ta, bool tb, Shape s, T alpha, T beta, int64_t pad_a, int64_t pad_b, int64_t pad_c, bool nan_c,
                uint32_t seed) {
    const int64_t M = s.M, N = s.N, K = s.K;
    // Stored shapes: A is M x K (or K x M when transposed), B is K x N (or N x K).
    const int64_t a_rows = ta ? K : M, a_cols = ta ? M : K;
    const int64_t b_rows = tb ? N : K, b_cols = tb ? K : N;
    const int64_t lda = a_cols + pad_a, ldb = b_cols + pad_b, ldc = N + pad_c;
    auto footprint = [](int64_t rows, int64_t cols, int64_t ld) -> size_t {
        return rows == 0 || cols == 0 ? 1 : static_cast<size_t>((rows - 1) * ld + cols);
    };
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<T> A(footprint(a_rows, a_cols, lda)), B(footprint(b_rows, b_cols, ldb));
    for (auto& v : A) v = static_cast<T>(dist(rng));
    for (auto& v : B) v = static_cast<T>(dist(rng));
    const T sentinel = static_cast<T>(12345.0);
    std::vector<T> C(static_cast<size_t>(std::max<int64_t>(M, 1) * ldc), sentinel);
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j)
            C[i * ldc + j] = nan_c ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(dist(rng));
    const std::vector<T> C0 = C;

    auto a_at = [&](int64_t i, int64_t k) { return static_cast<long double>(ta ? A[k * lda + i] : A[i * lda + k]); };
    auto b_at = [&](int64_t k, int64_t j) { return static_cast<long double>(tb ? B[j * ldb + k] : B[k * ldb + j]); };

    gemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);

    const long double eps = std::numeric_limits<T>::epsilon();
    int64_t bad = 0;
    for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) {
            long double dot = 0, mag = 0;
            for (int64_t k = 0; k < K; ++k) {
                const long double p = a_at(i, k) * b_at(k, j);
                dot += p;
                mag += std::fabs(p);
            }
            long double ref = static_cast<long double>(alpha) * dot;
            long double scale = std::fabs(static_cast<long double>(alpha)) * mag;
            if (beta != T(0)) {
                ref += static_cast<long double>(beta) * C0[i * ldc + j];
                scale += std::fabs(static_cast<long double>(beta) * C0[i * ldc + j]);
            }
            const long double got = C[i * ldc + j];
            const long double tol = eps * (2 * K + 8) * scale + std::numeric_limits<T>::min();
            if (!(std::fabs(got - ref) <= tol)) {
                if (bad++ < 5)
                    UNSCOPED_INFO("C(" << i << "," << j << ") = " << static_cast<double>(got) << " expected "
                                       << static_cast<double>(ref) << " tol " << static_cast<double>(tol));
            }
        }
        for (int64_t j = N; j < ldc; ++j)
            if (C[i * ldc + j] != sentinel && bad++ < 5) UNSCOPED_INFO("padding of C row " << i << " overwritten");
    }
    INFO("kernel " << ember::cpu::gemm_kernel_name() << " dtype " << (sizeof(T) == 4 ? "f32" : "f64") << " ta " << ta
                   << " tb " << tb << " M " << M << " N " << N << " K " << K << " alpha " << alpha << " beta " << beta
                   << " pads " << pad_a << "/" << pad_b << "/" << pad_c << " nanC " << nan_c);
    CHECK(bad == 0);
}

template <typename T>
void sweep(const std::vector<Shape>& shapes, uint32_t seed) {
    struct AB {
        double alpha, beta;
        bool nan_c;
    };
    const AB abs[] = {{1.0, 0.0, true}, {-0.5, 1.0, false}, {2.0, -1.5, false}};
    int idx = 0;
    for (const Shape& s : shapes)
        for (int t = 0; t < 4; ++t)
            for (const AB& ab : abs) {
                const bool ta = t & 1, tb = t & 2;
                // Alternate minimal and padded leading dimensions.
                const int64_t pad = (idx++ % 2) ? 3 : 0;
                check_case<T>(ta, tb, s, T(ab.alpha), T(ab.beta), pad, pad + 1, pad * 2, ab.nan_c, seed++);
            }
}

const std::vector<Shape> kSmallShapes = {{1, 1, 1},    {7, 13, 5},   {1, 1000, 1}, {1000, 1, 3}, {3, 1, 1000},
                                         {14, 32, 8},  {15, 33, 17}, {6, 16, 4},   {13, 31, 64}, {2, 70, 9},
                                         {12, 40, 20}, {53, 35, 30}, {24, 50, 7}};  // last panels of 12, 11, 10 rows
// {29, 400, 450}, {100, 517, 65}, {30, 260, 800}, {252, 300, 100}: short A (at most 256 rows), split by columns
// between threads (3 K slices and an odd panel count in {30, 260, 800}; 252 the last row count that splits so).
// {2000, 1, 700}, {1, 3000, 500}: matrix-vector products large enough to be threaded.
const std::vector<Shape> kLargeShapes = {{257, 129, 300}, {64, 64, 64},   {100, 517, 65},
                                         {300, 5, 200},   {29, 400, 450}, {30, 260, 800},
                                         {252, 300, 100}, {2000, 1, 700}, {1, 3000, 500}};

}  // namespace

TEST_CASE("gemm: every supported kernel matches a float64 reference", "[gemm]") {
    KernelGuard guard;
    const std::vector<std::string> kernels = supported_kernels();
    cpu_paths::say_ran(kernels);
    for (const std::string& k : kernels) {
        ember::cpu::gemm_force_kernel(k.c_str());
        REQUIRE(std::string(ember::cpu::gemm_kernel_name()) == k);
        SECTION("small shapes f32 " + k) { sweep<float>(kSmallShapes, 1); }
        SECTION("small shapes f64 " + k) { sweep<double>(kSmallShapes, 2); }
        SECTION("large shapes f32 " + k) { sweep<float>(kLargeShapes, 3); }
        SECTION("large shapes f64 " + k) { sweep<double>(kLargeShapes, 4); }
    }
}

TEST_CASE("gemm: automatic dispatch", "[gemm]") {
    ember::cpu::gemm_force_kernel(nullptr);
    // Automatic dispatch takes the widest kernel cpu_features allows.
    const std::string name = ember::cpu::gemm_kernel_name();
    CHECK(name == cpu_paths::widest(kPaths));
    cpu_paths::say_ran({name});
    check_case<float>(false, false, {96, 200, 130}, 1.0f, 0.0f, 0, 0, 0, true, 11);
    check_case<double>(true, true, {96, 200, 130}, 1.0, 0.5, 1, 2, 3, false, 12);
}

TEST_CASE("gemm: degenerate dimensions", "[gemm]") {
    KernelGuard guard;
    const std::vector<std::string> kernels = supported_kernels();
    cpu_paths::say_ran(kernels);
    for (const std::string& k : kernels) {
        ember::cpu::gemm_force_kernel(k.c_str());
        INFO("kernel " << k);
        // M or N == 0: nothing is touched.
        check_case<float>(false, false, {0, 5, 3}, 1.0f, 0.5f, 0, 0, 0, false, 21);
        check_case<double>(true, false, {5, 0, 3}, 1.0, 0.0, 0, 0, 2, false, 22);
        check_case<float>(false, true, {0, 0, 0}, 1.0f, 0.0f, 0, 0, 0, false, 23);
        // K == 0: C = beta*C, and beta == 0 gives exact zeros even from NaN.
        check_case<float>(false, false, {4, 6, 0}, 1.0f, 2.0f, 0, 0, 1, false, 24);
        check_case<double>(true, true, {4, 6, 0}, 1.0, 0.0, 0, 0, 1, true, 25);
        // alpha == 0: A and B are not needed, C = beta*C.
        check_case<float>(false, false, {9, 9, 9}, 0.0f, 0.5f, 0, 0, 0, false, 26);
        check_case<double>(false, false, {9, 9, 9}, 0.0, 0.0, 0, 0, 0, true, 27);
    }
    std::vector<float> c(6, std::numeric_limits<float>::quiet_NaN());
    gemm(false, false, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 0.0f, c.data(), 3);
    for (float v : c) CHECK(v == 0.0f);
}

TEST_CASE("gemm: beta == 0 ignores NaN/Inf in C; NaN in A propagates", "[gemm]") {
    const int64_t n = 40;
    std::vector<float> a(n * n, 1.0f), b(n * n, 1.0f), c(n * n, std::numeric_limits<float>::infinity());
    gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    for (float v : c) REQUIRE(v == float(n));
    a[3 * n + 5] = std::numeric_limits<float>::quiet_NaN();
    gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    CHECK(std::isnan(c[3 * n + 7]));
    CHECK(c[4 * n + 7] == float(n));
}

TEST_CASE("gemm: repeated calls with shrinking and growing sizes reuse buffers correctly", "[gemm]") {
    for (int64_t n : {300, 17, 520, 33})
        check_case<float>(false, true, {n, n + 3, n + 1}, 1.0f, 1.0f, 0, 0, 0, false, 30);
}

TEST_CASE("gemm: concurrent calls from several threads use separate packing buffers", "[gemm]") {
    // Each call may itself fork an OpenMP team; the packing buffers are thread_local, so concurrent callers with
    // different shapes must not interfere. Results are checked on the main thread (Catch2 is not thread safe).
    auto worker = [](int64_t n, float* out) {
        std::vector<float> a(static_cast<size_t>(n * n)), b(static_cast<size_t>(n * n));
        for (int64_t i = 0; i < n * n; ++i) {
            a[static_cast<size_t>(i)] = static_cast<float>((i % 7) - 3);
            b[static_cast<size_t>(i)] = static_cast<float>((i % 5) - 2);
        }
        for (int rep = 0; rep < 3; ++rep) gemm(false, true, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, out, n);
    };
    const int64_t n1 = 150, n2 = 97;
    std::vector<float> c1(n1 * n1), c2(n2 * n2);
    std::thread t1(worker, n1, c1.data()), t2(worker, n2, c2.data());
    t1.join();
    t2.join();
    auto expect = [](int64_t n, int64_t i, int64_t j) {
        double s = 0;  // small integers: exact in fp32
        for (int64_t k = 0; k < n; ++k) s += double((i * n + k) % 7 - 3) * double((j * n + k) % 5 - 2);
        return static_cast<float>(s);
    };
    int64_t bad = 0;
    for (int64_t i = 0; i < n1; ++i)
        for (int64_t j = 0; j < n1; ++j) bad += c1[i * n1 + j] != expect(n1, i, j);
    for (int64_t i = 0; i < n2; ++i)
        for (int64_t j = 0; j < n2; ++j) bad += c2[i * n2 + j] != expect(n2, i, j);
    CHECK(bad == 0);
}

TEST_CASE("gemm_force_kernel rejects unknown names", "[gemm]") {
    KernelGuard guard;
    core_test::require_throws_with<std::invalid_argument>([] { ember::cpu::gemm_force_kernel("sse9"); },
                                                          {"gemm_force_kernel", "unknown kernel 'sse9'"});
    CHECK_NOTHROW(ember::cpu::gemm_force_kernel("generic"));
    CHECK(std::string(ember::cpu::gemm_kernel_name()) == "generic");
}
