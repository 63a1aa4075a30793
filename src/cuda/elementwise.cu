// CUDA elementwise kernels, the mirror of src/cpu/elementwise.cpp: the functors of
// kernels/functors.h run through cuda/loops.h. Same dtype rules as the CPU side.
#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/loops.h"
#include "ember/tensor/dtype.h"
#include "kernels/functors.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {
template <typename O>
struct CastF {
    template <typename I>
    EMBER_HD O operator()(I x) const {
        return static_cast<O>(x);
    }
};
template <typename T>
struct ConstantF {
    T value;
    EMBER_HD T operator()() const { return value; }
};
struct WhereF {
    template <typename T>
    EMBER_HD T operator()(bool c, T a, T b) const {
        return c ? a : b;
    }
};
template <bool kDecay, bool kMomentum, bool kFirst, bool kNesterov, typename T>
__global__ void sgd_step_kernel_impl(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ b, int64_t n,
                                     SgdStepF step) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        step.apply<kDecay, kMomentum, kFirst, kNesterov>(p[i], g[i], kMomentum ? b + i : nullptr);
}
}  // namespace

void unary_kernel(UnaryOp op, const StridedIter& it, OpParams p) {
    ScalarType t = it.dtypes[0];
    if (op == UnaryOp::LogicalNot) {
        launch_elementwise<bool, bool>(it, LogicalNotF{});
        EMBER_CUDA_CHECK_LAUNCH("unary_kernel");
        return;
    }
    if (t == kInt64) {
        // Integer tensors take only the ops that stay integral (as on the CPU).
        auto run = [&](auto f) { launch_elementwise<int64_t, int64_t>(it, f); };
        switch (op) {
            case UnaryOp::Neg: run(NegF{}); break;
            case UnaryOp::Abs: run(AbsF{}); break;
            case UnaryOp::Sign: run(SignF{}); break;
            case UnaryOp::Square: run(SquareF{}); break;
            case UnaryOp::Relu: run(ReluF{}); break;
            case UnaryOp::PowScalar: run(PowScalarF{p.a}); break;
            case UnaryOp::Clamp: run(ClampF{p.a, p.b}); break;
            default: throw DTypeError("unary_kernel: op not defined for int64");
        }
        EMBER_CUDA_CHECK_LAUNCH("unary_kernel");
        return;
    }
    dispatch_floating(t, "unary_kernel",
                      [&]<typename T>() { visit_unary(op, p, [&](auto f) { launch_elementwise<T, T>(it, f); }); });
    EMBER_CUDA_CHECK_LAUNCH("unary_kernel");
}

void binary_kernel(BinaryOp op, const StridedIter& it, OpParams p) {
    ScalarType t = it.dtypes[1];
    if (is_comparison(op)) {
        dispatch_all(t,
                     [&]<typename T>() { visit_compare(op, [&](auto f) { launch_elementwise<bool, T, T>(it, f); }); });
    } else {
        dispatch_numeric(t, "binary_kernel", [&]<typename T>() {
            visit_arith(op, p, [&](auto f) { launch_elementwise<T, T, T>(it, f); });
        });
    }
    EMBER_CUDA_CHECK_LAUNCH("binary_kernel");
}

// Operands (out, cond bool, a, b); a and b already have out's dtype.
void where_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], [&]<typename T>() { launch_elementwise<T, bool, T, T>(it, WhereF{}); });
    EMBER_CUDA_CHECK_LAUNCH("where_kernel");
}

void copy_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], [&]<typename O>() {
        dispatch_all(it.dtypes[1], [&]<typename I>() { launch_elementwise<O, I>(it, CastF<O>{}); });
    });
    EMBER_CUDA_CHECK_LAUNCH("copy_kernel");
}

void fill_kernel(const StridedIter& it, double value) {
    dispatch_all(it.dtypes[0], [&]<typename T>() { launch_elementwise<T>(it, ConstantF<T>{static_cast<T>(value)}); });
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
