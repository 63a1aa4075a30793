// CPU elementwise kernels: the functors of kernels/functors.h run through cpu/loops.h.
#include "cpu/kernels.h"
#include "cpu/loops.h"
#include "kernels/functors.h"

namespace ember::cpu {

using namespace ember::kernels;

void unary_kernel(UnaryOp op, const StridedIter& it, OpParams p) {
    ScalarType t = it.dtypes[0];
    if (op == UnaryOp::LogicalNot) {
        elementwise_loop<bool, bool>(it, LogicalNotF{});
        return;
    }
    if (t == kInt64) {
        // Integer tensors take only the ops that stay integral; ops/ converts the rest to float.
        auto run = [&](auto f) { elementwise_loop<int64_t, int64_t>(it, f); };
        switch (op) {
            case UnaryOp::Neg: return run(NegF{});
            case UnaryOp::Abs: return run(AbsF{});
            case UnaryOp::Sign: return run(SignF{});
            case UnaryOp::Square: return run(SquareF{});
            case UnaryOp::Relu: return run(ReluF{});
            case UnaryOp::PowScalar: return run(PowScalarF{p.a});
            case UnaryOp::Clamp: return run(ClampF{p.a, p.b});
            default: throw DTypeError("unary_kernel: op not defined for int64");
        }
    }
    dispatch_floating(t, "unary_kernel", [&]<typename T>() {
        visit_unary(op, p, [&](auto f) { elementwise_loop<T, T>(it, f); });
    });
}

void binary_kernel(BinaryOp op, const StridedIter& it, OpParams p) {
    ScalarType t = it.dtypes[1];
    if (is_comparison(op)) {
        dispatch_all(t, [&]<typename T>() { visit_compare(op, [&](auto f) { elementwise_loop<bool, T, T>(it, f); }); });
        return;
    }
    dispatch_numeric(t, "binary_kernel", [&]<typename T>() {
        visit_arith(op, p, [&](auto f) { elementwise_loop<T, T, T>(it, f); });
    });
}

void where_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], [&]<typename T>() {
        elementwise_loop<T, bool, T, T>(it, [](bool c, T a, T b) { return c ? a : b; });
    });
}

void copy_kernel(const StridedIter& it) {
    dispatch_all(it.dtypes[0], [&]<typename O>() {
        dispatch_all(it.dtypes[1], [&]<typename I>() {
            elementwise_loop<O, I>(it, [](I x) { return static_cast<O>(x); });
        });
    });
}

void fill_kernel(const StridedIter& it, double value) {
    dispatch_all(it.dtypes[0], [&]<typename T>() {
        T v = static_cast<T>(value);
        elementwise_loop<T>(it, [v]() { return v; });
    });
}

}  // namespace ember::cpu
