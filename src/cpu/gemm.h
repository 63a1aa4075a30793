#pragma once
// CPU GEMM for float32 / float64 (Goto/BLIS-style packed, register-blocked, run-time ISA dispatch).
// Implementation: src/cpu/gemm.cpp (driver, generic kernel, dispatch), src/cpu/gemm_pack.h (packing),
// src/cpu/gemm_avx512.cpp and src/cpu/gemm_avx2.cpp (micro-kernels compiled with per-function target attributes, no
// global -m flags).
#include <cstdint>

namespace ember::cpu {

// Row-major C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// op(A)(i,k) = transA ? A[k*lda + i] : A[i*lda + k]; op(B)(k,j) = transB ? B[j*ldb + k] : B[k*ldb + j].
// beta == 0 means C is write-only (never read, so NaN/garbage in C is ignored). C(i,j) = C[i*ldc + j].
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

// Which micro-kernel the run-time dispatch picked: "avx512", "avx2" or "generic".
const char* gemm_kernel_name();

// Force a path (for tests): "avx512", "avx2", "generic", or nullptr for automatic. Unsupported requests throw
// std::invalid_argument.
void gemm_force_kernel(const char* name);

}  // namespace ember::cpu
