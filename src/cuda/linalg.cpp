// CUDA matrix products through cuBLAS, the mirror of src/cpu/linalg.cpp.
#include <atomic>
#include <climits>
#include <mutex>

#include "cuda/check.h"
#include "cuda/kernels.h"

namespace ember::cuda {

namespace {
cublasHandle_t cublas_handle() {
    // One handle for the process, on the default stream (where every ember kernel runs). Never
    // destroyed: at exit the CUDA runtime may already be gone.
    static cublasHandle_t handle = [] {
        cublasHandle_t h = nullptr;
        EMBER_CUBLAS_CHECK(cublasCreate(&h));
        return h;
    }();
    return handle;
}

// set_allow_tf32 (ember/tensor/device.h): off by default, as in PyTorch since 1.12, so a float32
// product on the GPU is as precise as on the CPU unless the user asks for speed.
std::atomic<bool> g_allow_tf32{false};

// The handle's math mode follows the switch; set only when it changes (gemm_kernel runs on the
// host thread that launches, and the mode is a property of the handle, so it is re-checked per call).
void apply_math_mode(cublasHandle_t h) {
    static std::mutex mutex;
    static int applied = -1;  // unknown: the handle's default
    const int want = g_allow_tf32.load(std::memory_order_relaxed) ? 1 : 0;
    std::lock_guard<std::mutex> lock(mutex);
    if (applied == want) return;
    EMBER_CUBLAS_CHECK(cublasSetMathMode(h, want ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    applied = want;
}

int to_int(int64_t v, const char* what) {
    EMBER_ENFORCE(v >= 0 && v <= INT_MAX, NotImplementedError, "gemm_kernel: ", what, " = ", v,
                  " exceeds cuBLAS's 32-bit int interface");
    return static_cast<int>(v);
}
}  // namespace

// Row-major C[M,N] = alpha op(A) op(B) + beta C (see src/cpu/gemm.h). cuBLAS is column-major, and a
// row-major matrix read column-major is its transpose, so we ask cuBLAS for
//   C^T[N,M] = op(B)^T[N,K] op(A)^T[K,M]
// on the same buffers: B comes first, and each operand keeps its own transpose flag.
void gemm_kernel(ScalarType dtype, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,
                 const void* A, int64_t lda, const void* B, int64_t ldb, double beta, void* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    const int m = to_int(N, "N"), n = to_int(M, "M"), k = to_int(K, "K");
    const int ia = to_int(lda, "lda"), ib = to_int(ldb, "ldb"), ic = to_int(ldc, "ldc");
    const cublasOperation_t opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasHandle_t h = cublas_handle();
    if (dtype == kFloat32) {
        apply_math_mode(h);
        const float a = static_cast<float>(alpha), b = static_cast<float>(beta);
        EMBER_CUBLAS_CHECK(cublasSgemm(h, opB, opA, m, n, k, &a, static_cast<const float*>(B), ib,
                                       static_cast<const float*>(A), ia, &b, static_cast<float*>(C), ic));
    } else if (dtype == kFloat64) {
        EMBER_CUBLAS_CHECK(cublasDgemm(h, opB, opA, m, n, k, &alpha, static_cast<const double*>(B), ib,
                                       static_cast<const double*>(A), ia, &beta, static_cast<double*>(C), ic));
    } else {
        throw DTypeError(str_cat("matmul: expected float32 or float64 operands, got ", dtype_name(dtype)));
    }
}

}  // namespace ember::cuda

namespace ember {
void set_allow_tf32(bool allow) { cuda::g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return cuda::g_allow_tf32.load(std::memory_order_relaxed); }
}  // namespace ember
