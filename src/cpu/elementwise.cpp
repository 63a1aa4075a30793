// CPU elementwise kernels: the functors of kernels/functors.h run through cpu/loops.h.
#include "cpu/kernels.h"
#include "cpu/loops.h"
#include "cpu/vec_math.h"
#include "kernels/functors.h"

namespace ember::cpu {

using namespace ember::kernels;

namespace {
// The transcendental float32 ops on contiguous operands go through the vectorised kernels of
// cpu/vec_math.h (the compiler cannot vectorise expf/log1pf calls); false: not handled here.
bool unary_vectorised_f32(UnaryOp op, const StridedIter& it, OpParams p) {
    if (op != UnaryOp::Exp && op != UnaryOp::Sigmoid && op != UnaryOp::Softplus && op != UnaryOp::LogSigmoid)
        return false;
    if (it.ndim > 1 || (it.ndim == 1 && (it.strides[0][0] != 1 || it.strides[1][0] != 1))) return false;
    const float* x = reinterpret_cast<const float*>(it.data[1]);
    float* y = reinterpret_cast<float*>(it.data[0]);
    // About 10x cheaper per element than the scalar loop, so threads pay off only on larger buffers.
    parallel_for(it.numel, 4 * kParallelGrain, [&](int64_t b, int64_t e) {
        if (op == UnaryOp::Exp)
            exp_f32(x + b, y + b, e - b);
        else if (op == UnaryOp::Sigmoid)
            sigmoid_f32(x + b, y + b, e - b);
        else if (op == UnaryOp::Softplus)
            softplus_f32(x + b, y + b, e - b, static_cast<float>(p.a), static_cast<float>(p.b));
        else  // LogSigmoid, the last of the four ops admitted above
            log_sigmoid_f32(x + b, y + b, e - b);
    });
    return true;
}

// softplus backward on float32 with contiguous rows: g sigmoid(beta x) with the vectorised
// sigmoid (the values of the composition where(beta x > t, g, g * sigmoid(beta x)) on contiguous
// tensors). g may be broadcast along the rows (stride 0): the gradient of a row sum arrives so.
bool binary_vectorised_f32(BinaryOp op, const StridedIter& it, OpParams p) {
    if (op != BinaryOp::SoftplusBackward) return false;
    const int nd = it.ndim;
    if (nd > 0 && (it.strides[0][nd - 1] != 1 || it.strides[2][nd - 1] != 1 || it.strides[1][nd - 1] > 1 ||
                   it.strides[1][nd - 1] < 0))
        return false;
    const int64_t inner = nd > 0 ? it.sizes[nd - 1] : 1;
    const int64_t g_step = nd > 0 ? it.strides[1][nd - 1] : 0;
    const int64_t rows = it.numel / inner;
    const float beta = static_cast<float>(p.a), threshold = static_cast<float>(p.b);
    parallel_for(rows, std::max<int64_t>(1, 4 * kParallelGrain / inner), [&](int64_t rb, int64_t re) {
        constexpr int64_t kChunk = 256;
        float z[kChunk], s[kChunk];
        for (int64_t r = rb; r < re; ++r) {
            // Element offsets of row r in each operand (its multi-index over the outer dims).
            int64_t off[3] = {0, 0, 0};
            for (int64_t d = nd - 2, rem = r; d >= 0; --d) {
                const int64_t i = rem % it.sizes[d];
                rem /= it.sizes[d];
                for (int k = 0; k < 3; ++k) off[k] += i * it.strides[k][d];
            }
            float* out = reinterpret_cast<float*>(it.data[0]) + off[0];
            const float* g = reinterpret_cast<const float*>(it.data[1]) + off[1];
            const float* x = reinterpret_cast<const float*>(it.data[2]) + off[2];
            for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
                const int64_t len = std::min(kChunk, inner - i0);
                for (int64_t k = 0; k < len; ++k) z[k] = x[i0 + k] * beta;
                sigmoid_f32(z, s, len);
                for (int64_t k = 0; k < len; ++k) {
                    const float gk = g[(i0 + k) * g_step];
                    out[i0 + k] = z[k] > threshold ? gk : gk * s[k];
                }
            }
        }
    });
    return true;
}
}  // namespace

// Both kernels dispatch through the op table (kernels/op_table.def): visit_unary<T> and
// visit_binary<T> run the loop for every dtype the op's row accepts and return false for the
// others. The vectorised float32 paths above come first.
void unary_kernel(UnaryOp op, const StridedIter& it, OpParams p) {
    const ScalarType t = it.dtypes[0];
    if (t == kFloat32 && unary_vectorised_f32(op, it, p)) return;
    dispatch_all(t, "unary_kernel", [&]<typename T>() {
        if (!visit_unary<T>(op, p, [&](auto f) { elementwise_loop<T, T>(it, f); }))
            throw_dtype_not_accepted("unary_kernel", op, t);
    });
}

void binary_kernel(BinaryOp op, const StridedIter& it, OpParams p) {
    const ScalarType t = it.dtypes[1];
    if (t == kFloat32 && binary_vectorised_f32(op, it, p)) return;
    dispatch_all(t, "binary_kernel", [&]<typename T>() {
        const bool ran = visit_binary<T>(op, p, [&](auto f) {
            using Out = decltype(f(T{}, T{}));  // T, or bool for comparisons and logical ops
            elementwise_loop<Out, T, T>(it, f);
        });
        if (!ran) throw_dtype_not_accepted("binary_kernel", op, t);
    });
}

// Operands (out, cond bool, a, b); a and b already have out's dtype.
void where_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], "where", [&]<typename T>() { elementwise_loop<T, bool, T, T>(it, WhereF{}); });
}

void copy_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], "copy_", [&]<typename O>() {
        dispatch_all(it.dtypes[1], "copy_", [&]<typename I>() { elementwise_loop<O, I>(it, CastF<O>{}); });
    });
}

void fill_kernel(const StridedIter& it, double value) {
    dispatch_all(it.dtypes[0], "fill_",
                 [&]<typename T>() { elementwise_loop<T>(it, ConstantF<T>{static_cast<T>(value)}); });
}

void sgd_step_kernel(ScalarType dtype, void* param, const void* grad, void* buf, int64_t n, const SgdStepF& step) {
    // Memory-bound: one read of p, g and buf and one write of p and buf per element, threaded in
    // large chunks. The branches on the step's options are uniform, so the compiler vectorises the
    // loop once per instantiation.
    dispatch_floating(dtype, "sgd_step_kernel", [&]<typename T>() {
        T* __restrict p = static_cast<T*>(param);
        const T* __restrict g = static_cast<const T*>(grad);
        T* __restrict b = static_cast<T*>(buf);
        step.dispatch([&]<bool kDecay, bool kMomentum, bool kFirst, bool kNesterov>() {
            parallel_for(n, 4 * kParallelGrain, [&](int64_t lo, int64_t hi) {
                for (int64_t i = lo; i < hi; ++i)
                    step.apply<kDecay, kMomentum, kFirst, kNesterov>(p[i], g[i], kMomentum ? b + i : nullptr);
            });
        });
    });
}

}  // namespace ember::cpu
