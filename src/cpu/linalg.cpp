// CPU matrix products: the typed entry point over cpu/gemm.h's packed GEMM.
#include "cpu/gemm.h"
#include "cpu/kernels.h"

namespace ember::cpu {

void gemm_kernel(ScalarType dtype, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,
                 const void* A, int64_t lda, const void* B, int64_t ldb, double beta, void* C, int64_t ldc) {
    if (dtype == kFloat32) {
        gemm(transA, transB, M, N, K, static_cast<float>(alpha), static_cast<const float*>(A), lda,
             static_cast<const float*>(B), ldb, static_cast<float>(beta), static_cast<float*>(C), ldc);
    } else if (dtype == kFloat64) {
        gemm(transA, transB, M, N, K, alpha, static_cast<const double*>(A), lda, static_cast<const double*>(B), ldb,
             beta, static_cast<double*>(C), ldc);
    } else {
        throw DTypeError(str_cat("matmul: expected float32 or float64 operands, got ", dtype_name(dtype)));
    }
}

}  // namespace ember::cpu
