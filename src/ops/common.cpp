// Shared machinery of ops/: iterators, checks, copies, views and in-place bookkeeping.
#include <cmath>

#include "ops/internal.h"

namespace ember::detail {

[[noreturn]] void throw_no_cuda(const char* op) {
    throw DeviceError(str_cat(op, ": the tensor is on a CUDA device but ember was built without CUDA"));
}

void ensure_backend(Device device, const char* op) {
    if (!device.is_cuda()) return;
#ifdef EMBER_WITH_CUDA
    try {
        cuda::ensure_initialized(device);
    } catch (const DeviceError& e) {
        throw DeviceError(str_cat(op, ": cannot use ", device.str(), ": ", e.what()));
    }
#else
    throw DeviceError(str_cat(op, ": cannot create a tensor on ", device.str(),
                              ": ember was built without CUDA, so only cpu is available (configure with "
                              "-DEMBER_CUDA=ON on a machine with the CUDA toolkit)"));
#endif
}

StridedIter make_iter(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
    StridedIter it;
    const int64_t nd = out.dim();
    it.nops = static_cast<int>(inputs.size()) + 1;
    it.numel = out.numel();
    EMBER_ENFORCE(nd <= kernels::kMaxDims, ShapeError, "elementwise: tensors of more than ", kernels::kMaxDims,
                  " dims are not supported, got ", shape_str(out.sizes()));
    // Fast path, the usual case of an elementwise op: every operand is contiguous and has out's
    // shape, so all of them walk the same flat run of numel elements (what the general code below
    // would find after dropping and merging dims, without the per-dim work).
    bool flat = out.is_contiguous() && it.numel > 0;
    for (const Tensor* t : inputs) flat = flat && t->is_contiguous() && t->sizes() == out.sizes();
    if (flat) {
        int k = 0;
        auto add = [&](const Tensor& t) {
            it.data[k] = static_cast<char*>(t.raw_data_ptr());
            it.dtypes[k] = t.dtype();
            it.strides[k][0] = 1;
            ++k;
        };
        add(out);
        for (const Tensor* t : inputs) add(*t);
        it.ndim = it.numel == 1 ? 0 : 1;  // a single element needs no dim at all
        it.sizes[0] = it.numel;
        return it;
    }
    // Per operand strides in out's dim order.
    int64_t strides[kernels::kMaxOperands][kernels::kMaxDims];
    const Tensor* ops[kernels::kMaxOperands];
    ops[0] = &out;
    int k = 1;
    for (const Tensor* t : inputs) ops[k++] = t;
    const int64_t* out_sizes = out.sizes().data();
    for (k = 0; k < it.nops; ++k) {
        const Tensor& t = *ops[k];
        it.data[k] = static_cast<char*>(t.raw_data_ptr());
        it.dtypes[k] = t.dtype();
        const int64_t tnd = t.dim();
        const int64_t* ts = t.sizes().data();
        const int64_t* tt = t.strides().data();
        for (int64_t d = 0; d < nd; ++d) {
            int64_t j = d - (nd - tnd);
            if (j < 0 || (ts[j] == 1 && out_sizes[d] != 1))
                strides[k][d] = 0;
            else
                strides[k][d] = tt[j];
        }
    }
    // Drop size-1 dims, then merge dim d into d+1 when every operand steps through them as one.
    int n = 0;
    int64_t sizes[kernels::kMaxDims];
    int64_t cs[kernels::kMaxOperands][kernels::kMaxDims];
    for (int64_t d = 0; d < nd; ++d) {
        int64_t s = out_sizes[d];
        if (s == 1) continue;
        if (n > 0) {
            bool mergeable = true;
            for (k = 0; k < it.nops; ++k) mergeable &= cs[k][n - 1] == strides[k][d] * s;
            if (mergeable) {
                sizes[n - 1] *= s;
                for (k = 0; k < it.nops; ++k) cs[k][n - 1] = strides[k][d];
                continue;
            }
        }
        sizes[n] = s;
        for (k = 0; k < it.nops; ++k) cs[k][n] = strides[k][d];
        ++n;
    }
    it.ndim = n;
    for (int d = 0; d < n; ++d) {
        it.sizes[d] = sizes[d];
        for (k = 0; k < it.nops; ++k) it.strides[k][d] = cs[k][d];
    }
    return it;
}

void throw_undefined_input(const char* op, const char* what) {
    throw ValueError(str_cat(op, ": the ", what, " is an undefined Tensor"));
}

void throw_device_mismatch(const char* op, const Tensor& a, const Tensor& b) {
    throw DeviceError(
        str_cat(op, ": expected all tensors on the same device, got ", describe(a), " and ", describe(b)));
}

void check_floating(const char* op, const Tensor& t) {
    EMBER_ENFORCE(t.is_floating_point(), DTypeError, op, ": expected a floating-point tensor, got ", describe(t));
}

Tensor wrap_scalar(double value, const Tensor& like) {
    ScalarType t = like.dtype();
    // An integral value keeps an integer tensor's dtype (uint8 * 2 stays uint8, as in PyTorch,
    // where a Python number does not promote within its category); anything else is float32.
    if (!is_floating(t)) t = (std::floor(value) == value && is_integral(t)) ? t : kFloat32;
    Tensor s = make_empty({}, t, like.device());
    fill_kernel_any(s, value);
    return s;
}

void fill_kernel_any(const Tensor& t, double value) {
    if (t.numel() == 0) return;
    StridedIter it = make_iter(t, {});
    EMBER_KERNEL(t.device(), fill_kernel, it, value);
}

void copy_into(const Tensor& dst, const Tensor& src) {
    if (dst.numel() == 0) return;
    Shape b = broadcast_shapes(dst.sizes(), src.sizes(), "copy_");
    EMBER_ENFORCE(b == Shape(dst.sizes().begin(), dst.sizes().end()), ShapeError, "copy_: source of shape ",
                  shape_str(src.sizes()), " cannot be broadcast to destination of shape ", shape_str(dst.sizes()));
    if (dst.device() != src.device()) {
        // Cross-device copies go through a contiguous buffer on the source's side.
        Tensor s = src.expand(dst.sizes()).contiguous();
        if (s.dtype() != dst.dtype()) s = s.to(dst.dtype());
#ifdef EMBER_WITH_CUDA
        Tensor d = dst.is_contiguous() ? dst : make_empty(dst.sizes(), dst.dtype(), dst.device());
        cuda::copy_between_devices(d.raw_data_ptr(), d.device(), s.raw_data_ptr(), s.device(),
                                   static_cast<std::size_t>(s.nbytes()));
        if (!d.is_same(dst)) copy_into(dst, d);
        return;
#else
        throw_no_cuda("copy_");
#endif
    }
    StridedIter it = make_iter(dst, {&src});
    EMBER_KERNEL(dst.device(), copy_kernel, it);
}

Tensor finish_view(const char* name, const Tensor& x, Tensor view, std::function<Tensor(const Tensor&)> backward) {
    if (autograd::needs_grad(x)) {
        autograd::record(name, {x}, view,
                         [bw = std::move(backward)](const Tensor& g, const autograd::Node&) -> std::vector<Tensor> {
                             return {bw(g)};
                         });
    }
    return view;
}

Tensor view_backward(const char* name, const Tensor& grad, IntArrayRef input_sizes,
                     std::function<Tensor(const Tensor&)> view_fn) {
    Tensor r = zeros(input_sizes, grad.options());
    {
        NoGradGuard no_grad;
        copy_into(view_fn(r), grad);
    }
    if (autograd::needs_grad(grad)) {
        autograd::record(name, {grad}, r,
                         [fn = std::move(view_fn)](const Tensor& gg, const autograd::Node&) -> std::vector<Tensor> {
                             return {fn(gg)};
                         });
    }
    return r;
}

void check_inplace(const char* op, const Tensor& self) {
    check_defined(op, self);
    if (!GradMode::is_enabled()) return;
    EMBER_ENFORCE(!(self.is_leaf() && self.requires_grad()), AutogradError, op, ": ", describe(self),
                  " is a leaf that requires grad and cannot be modified in place while grad mode is on; wrap the "
                  "update in NoGradGuard (as optimizers do) or work on a clone()");
}

void transplant(Tensor& self, const Tensor& result, const char* op) {
    EMBER_ENFORCE(!self.impl()->is_view, NotImplementedError, op, ": recording an in-place op on a view (",
                  describe(self), ") of a tensor that requires grad is not supported; use the out-of-place op");
    {
        NoGradGuard no_grad;
        copy_into(self, result);
    }
    self.storage()->bump_version();
    TensorImpl* impl = self.impl();
    impl->requires_grad = result.requires_grad();
    impl->grad_fn = result.grad_fn();
    impl->output_nr = result.impl()->output_nr;
}

}  // namespace ember::detail
