// Device discovery, initialisation, the caching allocator instance, host<->device copies and
// the error-reporting half of check.h.
#include <mutex>
#include <string>

#include "cuda/caching_allocator.h"
#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/memory.h"
#include "cuda/scratch.h"

namespace ember {

namespace cuda {
namespace {

// Asked once per process: the count, or why there is none. cudaGetDeviceCount fails (rather
// than returning 0) when there is no driver or no device; that is a normal answer here, not an
// exception, so a CPU-only machine can ask freely.
struct Discovery {
    int count = 0;
    std::string why_none;
};
const Discovery& discovery() {
    static const Discovery d = [] {
        Discovery r;
        int n = 0;
        cudaError_t e = cudaGetDeviceCount(&n);
        if (e != cudaSuccess) {
            r.why_none = str_cat("cudaGetDeviceCount failed: ", cudaGetErrorName(e), ": ", cudaGetErrorString(e));
            (void)cudaGetLastError();  // clear the sticky-free error so later calls start clean
        } else if (n == 0) {
            r.why_none = "cudaGetDeviceCount found no CUDA device";
        } else {
            r.count = n;
        }
        return r;
    }();
    return d;
}

CachingAllocator& allocator_instance() {
    // Never destroyed: at process exit the CUDA runtime may already be torn down, and freeing
    // device memory then would report errors from a destructor.
    static CachingAllocator* a = new CachingAllocator(
        [](std::size_t n) -> void* {
            void* p = nullptr;
            cudaError_t e = cudaMalloc(&p, n);
            if (e == cudaErrorMemoryAllocation) {
                (void)cudaGetLastError();
                return nullptr;
            }
            if (e != cudaSuccess) throw_cuda_error(e, str_cat("cudaMalloc(", n, " bytes)").c_str(), __FILE__, __LINE__);
            return p;
        },
        [](void* p) { EMBER_CUDA_CHECK(cudaFree(p)); }, "cudaMalloc", "cuda:0");
    return *a;
}

}  // namespace

const char* cublas_status_name(cublasStatus_t s) {
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED (out of memory)";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
        default: return "unknown cuBLAS status";
    }
}

const char* curand_status_name(curandStatus_t s) {
    switch (s) {
        case CURAND_STATUS_SUCCESS: return "CURAND_STATUS_SUCCESS";
        case CURAND_STATUS_VERSION_MISMATCH: return "CURAND_STATUS_VERSION_MISMATCH";
        case CURAND_STATUS_NOT_INITIALIZED: return "CURAND_STATUS_NOT_INITIALIZED";
        case CURAND_STATUS_ALLOCATION_FAILED: return "CURAND_STATUS_ALLOCATION_FAILED (out of memory)";
        case CURAND_STATUS_TYPE_ERROR: return "CURAND_STATUS_TYPE_ERROR";
        case CURAND_STATUS_OUT_OF_RANGE: return "CURAND_STATUS_OUT_OF_RANGE";
        case CURAND_STATUS_LENGTH_NOT_MULTIPLE: return "CURAND_STATUS_LENGTH_NOT_MULTIPLE";
        case CURAND_STATUS_DOUBLE_PRECISION_REQUIRED: return "CURAND_STATUS_DOUBLE_PRECISION_REQUIRED";
        case CURAND_STATUS_LAUNCH_FAILURE: return "CURAND_STATUS_LAUNCH_FAILURE";
        case CURAND_STATUS_PREEXISTING_FAILURE: return "CURAND_STATUS_PREEXISTING_FAILURE";
        case CURAND_STATUS_INITIALIZATION_FAILED: return "CURAND_STATUS_INITIALIZATION_FAILED";
        case CURAND_STATUS_ARCH_MISMATCH: return "CURAND_STATUS_ARCH_MISMATCH";
        case CURAND_STATUS_INTERNAL_ERROR: return "CURAND_STATUS_INTERNAL_ERROR";
        default: return "unknown cuRAND status";
    }
}

void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
    (void)cudaGetLastError();  // a non-sticky error must not be reported again by the next check
    std::string msg =
        str_cat(call, " failed: ", cudaGetErrorName(e), ": ", cudaGetErrorString(e), " (", file, ":", line, ")");
    if (e == cudaErrorMemoryAllocation) msg = "out of memory: " + msg;
    throw DeviceError(msg);
}
void throw_cublas_error(cublasStatus_t s, const char* call, const char* file, int line) {
    throw DeviceError(str_cat(call, " failed: ", cublas_status_name(s), " (", file, ":", line, ")"));
}
void throw_curand_error(curandStatus_t s, const char* call, const char* file, int line) {
    throw DeviceError(str_cat(call, " failed: ", curand_status_name(s), " (", file, ":", line, ")"));
}

void ensure_initialized(Device device) {
    EMBER_ENFORCE(device.is_cuda(), ValueError, "cuda::ensure_initialized: expected a CUDA device, got ", device.str());
    const Discovery& d = discovery();
    EMBER_ENFORCE(d.count > 0, DeviceError, device.str(), ": CUDA is not available (", d.why_none, ")");
    EMBER_ENFORCE(device.index >= 0 && device.index < d.count, DeviceError, device.str(),
                  ": no such CUDA device; this machine has ", d.count, " (cuda:0 to cuda:", d.count - 1, ")");
    // One GPU for now: the allocator and every kernel use the current device, which ember leaves
    // at 0. Multi-GPU needs per-device allocators and a device guard around each kernel.
    EMBER_ENFORCE(device.index == 0, NotImplementedError, device.str(),
                  ": ember's CUDA backend uses one GPU (cuda:0) for now");
    static std::once_flag once;
    std::call_once(once, [] {
        EMBER_CUDA_CHECK(cudaSetDevice(0));
        set_allocator(DeviceType::CUDA, &allocator_instance());
    });
}

void copy_between_devices(void* dst, Device dst_dev, const void* src, Device src_dev, size_t nbytes) {
    if (nbytes == 0) return;
    EMBER_ENFORCE(dst_dev.is_cuda() || src_dev.is_cuda(), ValueError,
                  "copy_between_devices: expected at least one CUDA device, got ", src_dev.str(), " -> ",
                  dst_dev.str());
    if (dst_dev.is_cuda()) ensure_initialized(dst_dev);
    if (src_dev.is_cuda()) ensure_initialized(src_dev);
    cudaMemcpyKind kind = src_dev.is_cpu()   ? cudaMemcpyHostToDevice
                          : dst_dev.is_cpu() ? cudaMemcpyDeviceToHost
                                             : cudaMemcpyDeviceToDevice;
    // Synchronous on purpose: a copy to the host is where the user asks for values, and a copy
    // from pageable host memory must finish reading it before the caller may free it.
    EMBER_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, kind));
}

MemoryStats memory_stats() { return allocator_instance().stats(); }
void empty_cache() { allocator_instance().empty_cache(); }
void synchronize(int64_t device_index) {
    EMBER_ENFORCE(device_index < discovery().count || discovery().count == 0, DeviceError, "cuda::synchronize(",
                  device_index, "): no such CUDA device; this machine has ", discovery().count);
    ensure_initialized(Device(kCUDA, static_cast<int>(device_index < 0 ? 0 : device_index)));
    EMBER_CUDA_CHECK(cudaDeviceSynchronize());
}

int sm_count() {
    static const int n = [] {
        int dev = 0, v = 0;
        EMBER_CUDA_CHECK(cudaGetDevice(&dev));
        EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev));
        return v > 0 ? v : 1;
    }();
    return n;
}

}  // namespace cuda

bool cuda_is_available() { return cuda::discovery().count > 0; }
int cuda_device_count() { return cuda::discovery().count; }

}  // namespace ember
