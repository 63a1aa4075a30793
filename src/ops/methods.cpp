// Tensor's methods: thin forwards to the free functions, the in-place ops, element access and the
// autograd accessors.
#include <cstring>

#include "ops/internal.h"

namespace ember {

using namespace detail;

// ---- element access ----

template <typename T>
std::vector<T> Tensor::to_vector() const {
    Tensor c = detach().to(Device(kCPU)).to(dtype_of<T>::value).contiguous();
    const T* p = static_cast<const T*>(c.raw_data_ptr());
    return std::vector<T>(p, p + c.numel());
}

template <typename T>
T Tensor::item() const {
    EMBER_ENFORCE(numel() == 1, ValueError, "item: only one-element tensors can be converted to a scalar, got ",
                  describe(*this));
    return to_vector<T>()[0];
}

template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template bool Tensor::item<bool>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<Half> Tensor::to_vector<Half>() const;
template std::vector<BFloat16> Tensor::to_vector<BFloat16>() const;
template uint8_t Tensor::item<uint8_t>() const;
template int32_t Tensor::item<int32_t>() const;
template Half Tensor::item<Half>() const;
template BFloat16 Tensor::item<BFloat16>() const;

Scalar Tensor::item() const {
    // As libtorch's: an integral Scalar for the integer dtypes, a floating one for the others.
    switch (dtype()) {
        case kFloat32:
        case kFloat64:
        case kFloat16:
        case kBFloat16: return Scalar(item<double>());
        case kInt64:
        case kInt32:
        case kUInt8: return Scalar(item<int64_t>());
        case kBool: return Scalar(item<bool>());
    }
    return Scalar(item<double>());
}

// ---- autograd accessors ----

Tensor& Tensor::requires_grad_(bool r) {
    TensorImpl& t = checked();
    EMBER_ENFORCE(!r || is_floating(t.dtype), DTypeError,
                  "requires_grad_: only floating-point tensors can require "
                  "gradients, got ",
                  describe(*this));
    EMBER_ENFORCE(r || t.grad_fn == nullptr, AutogradError, "requires_grad_(false): ", describe(*this),
                  " is not a leaf (it has a grad_fn); use detach() instead");
    t.requires_grad = r;
    return *this;
}

Tensor Tensor::grad() const {
    const TensorImpl& t = checked();
    return t.grad ? Tensor(t.grad) : Tensor();
}

void Tensor::set_grad(const Tensor& g) const {
    TensorImpl& t = checked();
    if (g.defined())
        EMBER_ENFORCE(g.sizes() == sizes() && g.dtype() == dtype() && g.device() == device(), ValueError,
                      "set_grad: gradient ", describe(g), " does not match the tensor ", describe(*this));
    t.grad = g.defined() ? g.impl_ptr() : nullptr;
}

void Tensor::retain_grad() const {
    TensorImpl& t = checked();
    EMBER_ENFORCE(t.requires_grad, AutogradError, "retain_grad: ", describe(*this), " does not require grad");
    if (!t.grad_fn || t.retains_grad) return;  // a leaf keeps its grad anyway
    t.retains_grad = true;
    t.grad_fn->retained.push_back({t.output_nr, impl_});
}

// ---- forwards ----

Tensor Tensor::index_select(int64_t d, const Tensor& i) const { return ember::index_select(*this, d, i); }
Tensor Tensor::gather(int64_t d, const Tensor& i) const { return ember::gather(*this, d, i); }
Tensor Tensor::add(const Tensor& o, double a) const { return ember::add(*this, o, a); }
Tensor Tensor::sub(const Tensor& o, double a) const { return ember::sub(*this, o, a); }
Tensor Tensor::mul(const Tensor& o) const { return ember::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return ember::div(*this, o); }
Tensor Tensor::add(double o) const { return ember::add(*this, o); }
Tensor Tensor::sub(double o) const { return ember::sub(*this, o); }
Tensor Tensor::mul(double o) const { return ember::mul(*this, o); }
Tensor Tensor::div(double o) const { return ember::div(*this, o); }
Tensor Tensor::pow(double e) const { return ember::pow(*this, e); }
Tensor Tensor::pow(const Tensor& e) const { return ember::pow(*this, e); }
// x.exp() and the other one-argument methods of ember/tensor/unary_ops.def.
#define EMBER_UNARY_METHOD(name) \
    Tensor Tensor::name() const { return ember::name(*this); }
#define EMBER_UNARY_FUNCTION(name)
#include "ember/tensor/unary_ops.def"
Tensor Tensor::softplus() const { return ember::softplus(*this); }
Tensor Tensor::clamp(std::optional<double> lo, std::optional<double> hi) const { return ember::clamp(*this, lo, hi); }
Tensor Tensor::clamp_min(double lo) const { return ember::clamp_min(*this, lo); }
Tensor Tensor::clamp_max(double hi) const { return ember::clamp_max(*this, hi); }
Tensor Tensor::maximum(const Tensor& o) const { return ember::maximum(*this, o); }
Tensor Tensor::minimum(const Tensor& o) const { return ember::minimum(*this, o); }
Tensor Tensor::eq(const Tensor& o) const { return ember::eq(*this, o); }
Tensor Tensor::ne(const Tensor& o) const { return ember::ne(*this, o); }
Tensor Tensor::lt(const Tensor& o) const { return ember::lt(*this, o); }
Tensor Tensor::le(const Tensor& o) const { return ember::le(*this, o); }
Tensor Tensor::gt(const Tensor& o) const { return ember::gt(*this, o); }
Tensor Tensor::ge(const Tensor& o) const { return ember::ge(*this, o); }
Tensor Tensor::eq(double o) const { return *this == o; }
Tensor Tensor::ne(double o) const { return *this != o; }
Tensor Tensor::lt(double o) const { return *this < o; }
Tensor Tensor::le(double o) const { return *this <= o; }
Tensor Tensor::gt(double o) const { return *this > o; }
Tensor Tensor::ge(double o) const { return *this >= o; }
Tensor Tensor::sum() const { return ember::sum(*this); }
Tensor Tensor::sum(IntArrayRef d, bool k) const { return ember::sum(*this, d, k); }
Tensor Tensor::mean() const { return ember::mean(*this); }
Tensor Tensor::mean(IntArrayRef d, bool k) const { return ember::mean(*this, d, k); }
Tensor Tensor::max() const { return ember::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t d, bool k) const { return ember::max(*this, d, k); }
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t d, bool k) const { return ember::min(*this, d, k); }
Tensor Tensor::amax(IntArrayRef d, bool k) const { return ember::amax(*this, d, k); }
Tensor Tensor::amin(IntArrayRef d, bool k) const { return ember::amin(*this, d, k); }
Tensor Tensor::argmax() const { return ember::argmax(*this); }
Tensor Tensor::argmax(int64_t d, bool k) const { return ember::argmax(*this, d, k); }
Tensor Tensor::argmin() const { return ember::argmin(*this); }
Tensor Tensor::argmin(int64_t d, bool k) const { return ember::argmin(*this, d, k); }
Tensor Tensor::logsumexp(IntArrayRef d, bool k) const { return ember::logsumexp(*this, d, k); }
Tensor Tensor::softmax(int64_t d) const { return ember::softmax(*this, d); }
Tensor Tensor::log_softmax(int64_t d) const { return ember::log_softmax(*this, d); }
Tensor Tensor::norm(const Scalar& p) const { return ember::norm(*this, p); }
Tensor Tensor::norm(const std::optional<Scalar>& p, IntArrayRef d, bool k) const { return ember::norm(*this, p, d, k); }
Tensor Tensor::any() const { return ember::any(*this); }
Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::any(int64_t d, bool k) const { return ember::any(*this, d, k); }
Tensor Tensor::all(int64_t d, bool k) const { return ember::all(*this, d, k); }
Tensor Tensor::masked_fill(const Tensor& m, const Scalar& v) const { return ember::masked_fill(*this, m, v); }
Tensor Tensor::masked_fill(const Tensor& m, const Tensor& v) const { return ember::masked_fill(*this, m, v); }
Tensor Tensor::masked_select(const Tensor& m) const { return ember::masked_select(*this, m); }
Tensor Tensor::nonzero() const { return ember::nonzero(*this); }
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t d, bool l, bool s) const {
    return ember::topk(*this, k, d, l, s);
}
std::tuple<Tensor, Tensor> Tensor::sort(int64_t d, bool desc) const { return ember::sort(*this, d, desc); }
std::tuple<Tensor, Tensor> Tensor::sort(std::optional<bool> st, int64_t d, bool desc) const {
    return ember::sort(*this, st, d, desc);
}
Tensor Tensor::argsort(int64_t d, bool desc) const { return ember::argsort(*this, d, desc); }
Tensor Tensor::argsort(bool st, int64_t d, bool desc) const { return ember::argsort(*this, st, d, desc); }
Tensor Tensor::cumsum(int64_t d, std::optional<ScalarType> t) const { return ember::cumsum(*this, d, t); }
Tensor Tensor::cumprod(int64_t d, std::optional<ScalarType> t) const { return ember::cumprod(*this, d, t); }
std::vector<Tensor> Tensor::split(IntArrayRef s, int64_t d) const { return ember::split(*this, s, d); }
std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef s, int64_t d) const {
    return ember::split_with_sizes(*this, s, d);
}
std::vector<Tensor> Tensor::tensor_split(int64_t s, int64_t d) const { return ember::tensor_split(*this, s, d); }
std::vector<Tensor> Tensor::tensor_split(IntArrayRef i, int64_t d) const { return ember::tensor_split(*this, i, d); }
Tensor Tensor::flip(IntArrayRef d) const { return ember::flip(*this, d); }
Tensor Tensor::roll(IntArrayRef s, IntArrayRef d) const { return ember::roll(*this, s, d); }

// ---- new tensors like this one ----
// The options' dtype and device where they set them (libtorch: options merged over self's), this
// tensor's otherwise. requires_grad comes from the options only.
namespace {
TensorOptions like(const Tensor& self, const TensorOptions& o) {
    return TensorOptions()
        .dtype(o.has_dtype() ? o.dtype() : self.dtype())
        .device(o.has_device() ? o.device() : self.device())
        .requires_grad(o.requires_grad());
}
}  // namespace
Tensor Tensor::new_empty(IntArrayRef s, const TensorOptions& o) const { return ember::empty(s, like(*this, o)); }
Tensor Tensor::new_zeros(IntArrayRef s, const TensorOptions& o) const { return ember::zeros(s, like(*this, o)); }
Tensor Tensor::new_ones(IntArrayRef s, const TensorOptions& o) const { return ember::ones(s, like(*this, o)); }
Tensor Tensor::new_full(IntArrayRef s, const Scalar& v, const TensorOptions& o) const {
    return ember::full(s, v.toDouble(), like(*this, o));
}
Tensor Tensor::var(IntArrayRef d, bool u, bool k) const { return ember::var(*this, d, u, k); }
Tensor Tensor::std(IntArrayRef d, bool u, bool k) const { return ember::std(*this, d, u, k); }
bool Tensor::allclose(const Tensor& o, double r, double a) const { return ember::allclose(*this, o, r, a); }
bool Tensor::equal(const Tensor& o) const { return ember::equal(*this, o); }
Tensor Tensor::mm(const Tensor& o) const { return ember::mm(*this, o); }
Tensor Tensor::matmul(const Tensor& o) const { return ember::matmul(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return ember::bmm(*this, o); }

// ---- in place ----
// Without autograd the kernel writes straight into the tensor. When the op must be recorded, it
// runs out of place and the result (values and history) is moved into the tensor.

namespace {
// `oop(s)` computes the op out of place on `s`. When recording, s is a clone of self: the
// backward may save s (mul_ needs the old value of self for the other operand's gradient), and
// self's storage is about to be overwritten, which would invalidate a saved self.
template <typename OutOfPlace>
Tensor& inplace(Tensor& self, const char* name, BinaryOp op, const Tensor& other, OpParams p, OutOfPlace oop) {
    check_inplace(name, self);
    if (autograd::needs_grad(self, other)) {
        Tensor r = oop(self.clone());
        EMBER_ENFORCE(r.sizes() == self.sizes(), ShapeError, name, ": result of shape ", shape_str(r.sizes()),
                      " cannot be stored in place in ", describe(self));
        transplant(self, r.dtype() == self.dtype() ? r : r.to(self.dtype()), name);
        return self;
    }
    binary_op_inplace(op, name, self, other, p);
    return self;
}
}  // namespace

Tensor& Tensor::add_(const Tensor& o, double a) {
    return inplace(*this, "add_", BinaryOp::Add, o, {a, 0}, [&](const Tensor& s) { return ember::add(s, o, a); });
}
Tensor& Tensor::sub_(const Tensor& o, double a) {
    return inplace(*this, "sub_", BinaryOp::Sub, o, {a, 0}, [&](const Tensor& s) { return ember::sub(s, o, a); });
}
Tensor& Tensor::mul_(const Tensor& o) {
    return inplace(*this, "mul_", BinaryOp::Mul, o, {}, [&](const Tensor& s) { return ember::mul(s, o); });
}
Tensor& Tensor::div_(const Tensor& o) {
    EMBER_ENFORCE(is_floating_point(), DTypeError, "div_: true division cannot be stored in place in ",
                  describe(*this));
    return inplace(*this, "div_", BinaryOp::Div, o, {}, [&](const Tensor& s) { return ember::div(s, o); });
}
// With a scalar the recorded op is the scalar overload (AddBackward1, ..., as in libtorch).
Tensor& Tensor::add_(double o) {
    return inplace(*this, "add_", BinaryOp::Add, wrap_scalar(o, *this), {1, 0},
                   [&](const Tensor& s) { return ember::add(s, o); });
}
Tensor& Tensor::sub_(double o) {
    return inplace(*this, "sub_", BinaryOp::Sub, wrap_scalar(o, *this), {1, 0},
                   [&](const Tensor& s) { return ember::sub(s, o); });
}
Tensor& Tensor::mul_(double o) {
    return inplace(*this, "mul_", BinaryOp::Mul, wrap_scalar(o, *this), {},
                   [&](const Tensor& s) { return ember::mul(s, o); });
}
Tensor& Tensor::div_(double o) {
    EMBER_ENFORCE(is_floating_point(), DTypeError, "div_: true division cannot be stored in place in ",
                  describe(*this));
    return inplace(*this, "div_", BinaryOp::Div, wrap_scalar(o, *this), {},
                   [&](const Tensor& s) { return ember::div(s, o); });
}

Tensor& Tensor::clamp_(std::optional<double> lo, std::optional<double> hi) {
    check_inplace("clamp_", *this);
    // clamp saves its input for backward; when recording, give it a copy that this op will not
    // overwrite.
    Tensor r = ember::clamp(autograd::needs_grad(*this) ? clone() : *this, lo, hi);
    if (r.requires_grad()) {
        transplant(*this, r, "clamp_");
    } else {
        copy_into(*this, r);
        storage()->bump_version();
    }
    return *this;
}

Tensor& Tensor::zero_() {
    check_inplace("zero_", *this);  // so that an error names zero_, not fill_
    return fill_(0);
}

Tensor& Tensor::fill_(double value) {
    check_inplace("fill_", *this);
    EMBER_ENFORCE(!(GradMode::is_enabled() && requires_grad() && impl()->is_view), NotImplementedError,
                  "fill_: recording fill_ on a view (", describe(*this),
                  ") of a tensor that requires grad is not supported; fill a copy (full_like) instead");
    fill_kernel_any(*this, value);
    storage()->bump_version();
    if (GradMode::is_enabled() && requires_grad()) {
        // The old values no longer matter: the tensor becomes a constant (no history).
        detach_();
    }
    return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
    check_inplace("copy_", *this);
    check_defined("copy_", src, "source");
    // Writing part of a tensor that autograd records would have to rewrite its base's history
    // (PyTorch's CopySlices); ember refuses rather than leave a gradient that ignores the write.
    EMBER_ENFORCE(!(GradMode::is_enabled() && (requires_grad() || autograd::needs_grad(src)) && impl()->is_view),
                  NotImplementedError, "copy_: recording copy_ into a view (", describe(*this),
                  ") of a tensor that requires grad is not supported; write under NoGradGuard or build the result "
                  "out of place (where, cat, index_add)");
    if (autograd::needs_grad(src)) {
        // Gradient of copy_: flows to src (summed over broadcast dims), none to the old values.
        Tensor r = src.expand(sizes()).to(device()).to(dtype()).clone();
        transplant(*this, r, "copy_");
        return *this;
    }
    copy_into(*this, src);
    storage()->bump_version();
    if (GradMode::is_enabled() && requires_grad() && !is_leaf()) detach_();
    return *this;
}

}  // namespace ember
