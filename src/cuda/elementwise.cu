// CUDA elementwise kernels, the mirror of src/cpu/elementwise.cpp: the functors of
// kernels/functors.h run through cuda/loops.h, dispatched through the op table as on the CPU.
#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/loops.h"
#include "ember/tensor/dtype.h"
#include "kernels/functors.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {
template <bool kDecay, bool kMomentum, bool kFirst, bool kNesterov, typename T>
__global__ void sgd_step_kernel_impl(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ b, int64_t n,
                                     SgdStepF step) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        step.apply<kDecay, kMomentum, kFirst, kNesterov>(p[i], g[i], kMomentum ? b + i : nullptr);
}
}  // namespace

// Both kernels dispatch through the op table, as on the CPU: visit_unary<T> / visit_binary<T>
// launch the kernel for every dtype the op's row accepts and return false for the others.
void unary_kernel(UnaryOp op, const StridedIter& it, OpParams p) {
    const ScalarType t = it.dtypes[0];
    dispatch_all(t, "unary_kernel", [&]<typename T>() {
        if (!visit_unary<T>(op, p, [&](auto f) { launch_elementwise<T, T>(it, f); }))
            throw_dtype_not_accepted("unary_kernel", op, t);
    });
    EMBER_CUDA_CHECK_LAUNCH("unary_kernel");
}

void binary_kernel(BinaryOp op, const StridedIter& it, OpParams p) {
    const ScalarType t = it.dtypes[1];
    dispatch_all(t, "binary_kernel", [&]<typename T>() {
        const bool ran = visit_binary<T>(op, p, [&](auto f) {
            using Out = decltype(f(T{}, T{}));  // T, or bool for comparisons and logical ops
            launch_elementwise<Out, T, T>(it, f);
        });
        if (!ran) throw_dtype_not_accepted("binary_kernel", op, t);
    });
    EMBER_CUDA_CHECK_LAUNCH("binary_kernel");
}

// Operands (out, cond bool, a, b); a and b already have out's dtype.
void where_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], "where", [&]<typename T>() { launch_elementwise<T, bool, T, T>(it, WhereF{}); });
    EMBER_CUDA_CHECK_LAUNCH("where_kernel");
}

void copy_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], "copy_", [&]<typename O>() {
        dispatch_all(it.dtypes[1], "copy_", [&]<typename I>() { launch_elementwise<O, I>(it, CastF<O>{}); });
    });
    EMBER_CUDA_CHECK_LAUNCH("copy_kernel");
}

void fill_kernel(const StridedIter& it, double value) {
    dispatch_all(it.dtypes[0], "fill_",
                 [&]<typename T>() { launch_elementwise<T>(it, ConstantF<T>{static_cast<T>(value)}); });
    EMBER_CUDA_CHECK_LAUNCH("fill_kernel");
}

void sgd_step_kernel(ScalarType dtype, void* param, const void* grad, void* buf, int64_t n, const SgdStepF& step) {
    if (n == 0) return;
    int64_t blocks = (n + kBlockSize - 1) / kBlockSize;
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    dispatch_floating(dtype, "sgd_step_kernel", [&]<typename T>() {
        step.dispatch([&]<bool kDecay, bool kMomentum, bool kFirst, bool kNesterov>() {
            sgd_step_kernel_impl<kDecay, kMomentum, kFirst, kNesterov, T>
                <<<static_cast<unsigned>(blocks), kBlockSize>>>(static_cast<T*>(param), static_cast<const T*>(grad),
                                                                static_cast<T*>(buf), n, step);
        });
    });
    EMBER_CUDA_CHECK_LAUNCH("sgd_step_kernel");
}

}  // namespace ember::cuda
