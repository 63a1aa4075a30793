#pragma once
// Error checking for every CUDA runtime, cuBLAS and cuRAND call: a failed call becomes an
// ember::DeviceError whose message names the call, where it was made, and the library's own
// description of the error.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <curand.h>

#include "ember/tensor/error.h"

namespace ember::cuda {

const char* cublas_status_name(cublasStatus_t s);
const char* curand_status_name(curandStatus_t s);

[[noreturn]] void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t s, const char* call, const char* file, int line);
[[noreturn]] void throw_curand_error(curandStatus_t s, const char* call, const char* file, int line);

}  // namespace ember::cuda

#define EMBER_CUDA_CHECK(call)                                                           \
    do {                                                                                 \
        cudaError_t ember_cuda_err_ = (call);                                            \
        if (ember_cuda_err_ != cudaSuccess) [[unlikely]]                                 \
            ::ember::cuda::throw_cuda_error(ember_cuda_err_, #call, __FILE__, __LINE__); \
    } while (0)

#define EMBER_CUBLAS_CHECK(call)                                                            \
    do {                                                                                    \
        cublasStatus_t ember_cublas_st_ = (call);                                           \
        if (ember_cublas_st_ != CUBLAS_STATUS_SUCCESS) [[unlikely]]                         \
            ::ember::cuda::throw_cublas_error(ember_cublas_st_, #call, __FILE__, __LINE__); \
    } while (0)

#define EMBER_CURAND_CHECK(call)                                                            \
    do {                                                                                    \
        curandStatus_t ember_curand_st_ = (call);                                           \
        if (ember_curand_st_ != CURAND_STATUS_SUCCESS) [[unlikely]]                         \
            ::ember::cuda::throw_curand_error(ember_curand_st_, #call, __FILE__, __LINE__); \
    } while (0)

// After a kernel launch: a bad launch configuration is reported here; faults inside the kernel
// surface at the next synchronising call (a copy to the host), as everywhere in CUDA.
#define EMBER_CUDA_CHECK_LAUNCH(kernel_name)                                                                         \
    do {                                                                                                             \
        cudaError_t ember_cuda_err_ = cudaGetLastError();                                                            \
        if (ember_cuda_err_ != cudaSuccess) [[unlikely]]                                                             \
            ::ember::cuda::throw_cuda_error(ember_cuda_err_, ::ember::str_cat(kernel_name, " <<<launch>>>").c_str(), \
                                            __FILE__, __LINE__);                                                     \
    } while (0)
