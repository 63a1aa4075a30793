#pragma once
// What every file of ops/ shares: device dispatch to the kernels, building a StridedIter with
// broadcasting, argument checks that name the op, shapes, dtypes and devices.
#include "cpu/kernels.h"
#include "ember/autograd/node.h"
#include "ember/ops/ops.h"
#include "kernels/iter.h"
#ifdef EMBER_WITH_CUDA
#include "cuda/kernels.h"
#endif

namespace ember::detail {

using kernels::BinaryOp;
using kernels::OpParams;
using kernels::ReduceOp;
using kernels::StridedIter;
using kernels::UnaryOp;

[[noreturn]] void throw_no_cuda(const char* op);

// Called where a tensor is created on a device named by the caller (factories, Tensor::to): on a
// CUDA device it initialises the CUDA backend (checks the GPU, installs its allocator) the first
// time. tensor/ cannot do this itself, since it must not depend on cuda/.
void ensure_backend(Device device, const char* op = "create a tensor");

}  // namespace ember::detail

// Calls the kernel `name` of the backend that owns `device` (same name, same signature in
// ember::cpu and ember::cuda).
#ifdef EMBER_WITH_CUDA
#define EMBER_KERNEL(device, name, ...) \
    ((device).is_cuda() ? ::ember::cuda::name(__VA_ARGS__) : ::ember::cpu::name(__VA_ARGS__))
#else
#define EMBER_KERNEL(device, name, ...)                                                            \
    ((device).is_cuda() ? (::ember::detail::throw_no_cuda(#name), ::ember::cpu::name(__VA_ARGS__)) \
                        : ::ember::cpu::name(__VA_ARGS__))
#endif

namespace ember::detail {

// The iterator over `out` (operand 0) and `inputs`, each broadcast to out's shape (a broadcast
// dim gets stride 0), with size-1 dims dropped and mergeable neighbouring dims coalesced.
StridedIter make_iter(const Tensor& out, std::initializer_list<const Tensor*> inputs);

// ShapeError/DeviceError/DTypeError helpers. The checks every op makes are inline, and only
// building the message (in common.cpp) is a call: on one-element tensors the calls themselves
// showed up in profiles.
[[noreturn]] void throw_undefined_input(const char* op, const char* what);
[[noreturn]] void throw_device_mismatch(const char* op, const Tensor& a, const Tensor& b);
inline void check_defined(const char* op, const Tensor& t, const char* what = "input") {
    if (!t.defined()) [[unlikely]]
        throw_undefined_input(op, what);
}
inline void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
    if (a.device() != b.device()) [[unlikely]]
        throw_device_mismatch(op, a, b);
}
void check_floating(const char* op, const Tensor& t);

// A 0-dim tensor holding `value`, with the dtype a scalar operand of `like` gets in PyTorch:
// like's dtype if it is floating (or the value is integral and like is int64), float32 otherwise.
Tensor wrap_scalar(double value, const Tensor& like);

// The elementwise engines: one kernel of the op table (kernels/op_table.def) on inputs converted to
// the dtypes the op's row accepts (src/ops/elementwise.cpp); `name` names the op in errors.
Tensor unary_op(UnaryOp op, const char* name, const Tensor& x, OpParams p = {});
Tensor binary_op(BinaryOp op, const char* name, const Tensor& a, const Tensor& b, OpParams p = {});
// In place: out = f(out, b); b is broadcast to out's shape and converted to out's dtype.
void binary_op_inplace(BinaryOp op, const char* name, Tensor& out, const Tensor& b, OpParams p = {});

// Fills every element of t with value (no autograd, no version bump).
void fill_kernel_any(const Tensor& t, double value);

// Copies src into dst (shapes broadcast to dst, any dtypes, any devices) without autograd.
void copy_into(const Tensor& dst, const Tensor& src);

// An op whose result is a view of x: shares storage, records `backward` when x requires grad.
Tensor finish_view(const char* name, const Tensor& x, Tensor view, std::function<Tensor(const Tensor& grad)> backward);

// The adjoint of a view op: zeros of `input_sizes` with `view_fn(zeros) = grad`. Differentiable
// (its own backward is view_fn), so views support second-order gradients.
Tensor view_backward(const char* name, const Tensor& grad, IntArrayRef input_sizes,
                     std::function<Tensor(const Tensor&)> view_fn);

// In-place ops that must be recorded run out of place and then move their result and history
// into `self`: checks that self may be modified, and transplants.
void check_inplace(const char* op, const Tensor& self);
void transplant(Tensor& self, const Tensor& result, const char* op = "in-place op");

// Records a backward for an op with any number of inputs and one output.
template <typename F>
void record_n(const char* name, const std::vector<Tensor>& inputs, Tensor& output, F fn) {
    auto node = make_pooled<autograd::LambdaNode<F>>(name, std::move(fn));
    autograd::connect(node, inputs, {&output});
}

}  // namespace ember::detail
