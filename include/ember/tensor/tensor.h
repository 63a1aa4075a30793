#pragma once
// The Tensor handle. A Tensor is a cheap shared handle to a TensorImpl: sizes, strides, storage
// offset, dtype, device, the Storage it views, and the autograd fields. Copying a Tensor copies
// the handle, never the data (as in libtorch). The math methods declared here are implemented in
// ops/, which is the one place that ties kernels to their backward.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ember/tensor/accessor.h"
#include "ember/tensor/device.h"
#include "ember/tensor/dtype.h"
#include "ember/tensor/error.h"
#include "ember/tensor/scalar.h"
#include "ember/tensor/small_vector.h"
#include "ember/tensor/storage.h"
#include "ember/tensor/tensor_options.h"

namespace ember {

namespace autograd {
class Node;
struct TensorHooks;
}  // namespace autograd
namespace indexing {
class TensorIndex;
}

class Tensor;
// "[2, 3]" (declared again below, with describe).
std::string shape_str(IntArrayRef shape);

struct TensorImpl {
    Shape sizes;
    Shape strides;  // in elements
    int64_t storage_offset = 0;
    int64_t numel = 0;
    ScalarType dtype = kFloat32;
    Device device;
    bool is_contiguous = true;
    std::shared_ptr<Storage> storage;

    // Autograd fields. `grad_fn` is the node that produced this tensor (null for leaves);
    // `output_nr` says which output of that node it is. A leaf that requires grad gets its
    // gradient through a lazily created accumulator node, shared by all uses in one graph.
    bool requires_grad = false;
    bool retains_grad = false;
    bool is_view = false;
    uint32_t output_nr = 0;
    std::shared_ptr<autograd::Node> grad_fn;
    std::weak_ptr<autograd::Node> grad_accumulator;
    std::shared_ptr<TensorImpl> grad;
    // Gradient hooks (Tensor::register_hook), null until the first one; see autograd/hooks.h.
    std::shared_ptr<autograd::TensorHooks> hooks;

    // User-provided on purpose: with `= default`, make_shared<TensorImpl>() (and make_pooled)
    // value-initialise and so zero-fill the whole object (a `rep stos` over all of it) before the
    // member initialisers above run anyway. The inline buffers of `sizes`/`strides`
    // need no zeros: only their first size() entries are ever read.
    TensorImpl() noexcept {}
    TensorImpl(const TensorImpl&) = delete;
    TensorImpl& operator=(const TensorImpl&) = delete;
    ~TensorImpl();
    // Recomputes numel and is_contiguous from sizes and strides.
    void refresh();
};

// Drops a reference to a graph node without recursing through the graph (see tensor.cpp).
void release_node(std::shared_ptr<autograd::Node>&& node);

class Tensor {
public:
    Tensor() = default;
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
    Tensor(const Tensor&) = default;
    Tensor(Tensor&&) noexcept = default;
    ~Tensor() = default;

    // Assignment has libtorch's two meanings. To a named tensor (`a = b`) it rebinds the handle.
    // To a temporary, such as the view `t[i]` or `t.index({...})` returns, it writes into the
    // elements that view names (`t[0] = x` copies x into row 0, `t[0][1] = 2.5` fills one
    // element), since a handle that dies at the semicolon could be assigned no other way.
    Tensor& operator=(const Tensor&) & = default;
    Tensor& operator=(Tensor&&) & noexcept = default;
    Tensor& operator=(const Tensor& src) && { return copy_(src); }
    Tensor& operator=(Tensor&& src) && { return copy_(src); }
    Tensor& operator=(double value) && { return fill_(value); }

    bool defined() const { return impl_ != nullptr; }
    TensorImpl* impl() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
    bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

    // ---- metadata ----
    int64_t dim() const { return static_cast<int64_t>(checked().sizes.size()); }
    int64_t ndimension() const { return dim(); }
    IntArrayRef sizes() const { return checked().sizes; }
    IntArrayRef strides() const { return checked().strides; }
    int64_t size(int64_t d) const;
    int64_t stride(int64_t d) const;
    int64_t numel() const { return checked().numel; }
    int64_t storage_offset() const { return checked().storage_offset; }
    ScalarType scalar_type() const { return checked().dtype; }
    ScalarType dtype() const { return checked().dtype; }
    Device device() const { return checked().device; }
    bool is_cuda() const { return device().is_cuda(); }
    bool is_cpu() const { return device().is_cpu(); }
    bool is_contiguous() const { return checked().is_contiguous; }
    bool is_floating_point() const { return is_floating(dtype()); }
    TensorOptions options() const { return TensorOptions().dtype(dtype()).device(device()); }
    const std::shared_ptr<Storage>& storage() const { return checked().storage; }
    int64_t element_size() const { return ember::element_size(dtype()); }
    int64_t nbytes() const { return numel() * element_size(); }

    // Pointer to the first element (storage data + offset). Throws if T is not the tensor's dtype.
    template <typename T>
    T* data_ptr() const {
        EMBER_ENFORCE(dtype_of<T>::value == dtype(), DTypeError, "data_ptr: tensor has dtype ", dtype_name(dtype()),
                      " but data_ptr<", dtype_name(dtype_of<T>::value), "> was requested");
        return static_cast<T*>(raw_data_ptr());
    }
    // The untyped pointer, libtorch's `void* data_ptr() const`.
    void* data_ptr() const { return raw_data_ptr(); }
    void* raw_data_ptr() const {
        const TensorImpl& t = checked();
        void* base = t.storage ? t.storage->data() : nullptr;
        return base ? static_cast<char*>(base) + t.storage_offset * ember::element_size(t.dtype) : nullptr;
    }
    // Value of a one-element tensor, converted to T (copied to the host first if needed).
    template <typename T>
    T item() const;
    // The value as a Scalar of the tensor's kind (floating, integral or bool), as libtorch's item().
    Scalar item() const;
    // Strided element access to a CPU tensor of dtype T and N dims (ember/tensor/accessor.h):
    // t.accessor<float, 2>()[i][j]. A DTypeError or ShapeError when T or N does not match. As in
    // libtorch, not on a temporary (the accessor reads the tensor's sizes and strides in place).
    template <typename T, std::size_t N>
    TensorAccessor<T, N> accessor() const& {
        static_assert(N > 0, "accessor is used for indexing tensor, for scalars use *data_ptr<T>()");
        EMBER_ENFORCE(static_cast<int64_t>(N) == dim(), ShapeError, "accessor: TensorAccessor expected ", N,
                      " dims but tensor has ", dim(), " (", shape_str(sizes()), ")");
        EMBER_ENFORCE(is_cpu(), DeviceError, "accessor: the tensor is on ", device(),
                      "; move it to the CPU first (accessor reads host memory)");
        return TensorAccessor<T, N>(data_ptr<T>(), sizes().data(), strides().data());
    }
    template <typename T, std::size_t N>
    TensorAccessor<T, N> accessor() && = delete;
    // All elements in row-major order, converted to T (a copy; an ember convenience).
    template <typename T>
    std::vector<T> to_vector() const;

    // ---- autograd ----
    bool requires_grad() const { return checked().requires_grad; }
    Tensor& requires_grad_(bool flag = true);
    Tensor& set_requires_grad(bool flag) { return requires_grad_(flag); }
    Tensor grad() const;
    void set_grad(const Tensor& g) const;
    std::shared_ptr<autograd::Node> grad_fn() const { return checked().grad_fn; }
    bool is_leaf() const { return checked().grad_fn == nullptr; }
    void retain_grad() const;
    bool retains_grad() const { return checked().retains_grad; }
    // Registers a function of the gradient, run every time the gradient with respect to this
    // tensor is computed (in backward and in autograd::grad), before anything uses it: before it
    // reaches .grad (a leaf), retain_grad's .grad, autograd::grad's result or this tensor's grad_fn.
    // It may return a replacement gradient of the same shape, or nothing (void, or an undefined
    // Tensor) to keep it; hooks run in registration order, each on the previous one's result.
    // Returns the position of the hook, for remove_hook. As libtorch's Tensor::register_hook.
    template <typename Hook>
    unsigned register_hook(Hook&& hook) const {
        using Result = std::invoke_result_t<Hook&, Tensor>;
        static_assert(std::is_void_v<Result> || std::is_same_v<Result, Tensor>,
                      "register_hook: the hook must return void or a Tensor");
        if constexpr (std::is_void_v<Result>) {
            return register_hook_function([h = std::forward<Hook>(hook)](const Tensor& grad) mutable {
                h(grad);
                return Tensor();
            });
        } else {
            return register_hook_function(std::function<Tensor(const Tensor&)>(std::forward<Hook>(hook)));
        }
    }
    // Unregisters the hook at `position`; throws IndexError when there is none there.
    void remove_hook(unsigned position) const;
    // The non-template part of register_hook (autograd/hooks.cpp).
    unsigned register_hook_function(std::function<Tensor(const Tensor&)> hook) const;
    // backward(gradient, retain_graph, create_graph) as in libtorch; `gradient` may be omitted
    // for a one-element tensor. retain_graph defaults to create_graph.
    void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                  bool create_graph = false) const;
    Tensor detach() const;
    Tensor& detach_();
    uint32_t _version() const { return checked().storage->version(); }

    // ---- conversions and copies ----
    // libtorch's forms: non_blocking is accepted and ignored (every copy here completes before
    // it returns); copy = true returns a new tensor even when nothing changes.
    Tensor to(ScalarType dtype, bool non_blocking = false, bool copy = false) const;
    Tensor to(Device device, bool non_blocking = false, bool copy = false) const;
    Tensor to(DeviceType device, bool non_blocking = false, bool copy = false) const {
        return to(Device(device), non_blocking, copy);
    }
    Tensor to(Device device, ScalarType dtype, bool non_blocking = false, bool copy = false) const;
    // The options' device, and their dtype where they set one (TensorOptions().device(kCUDA)
    // keeps an int64 tensor int64).
    Tensor to(const TensorOptions& options, bool non_blocking = false, bool copy = false) const;
    // To other's device and dtype.
    Tensor to(const Tensor& other, bool non_blocking = false, bool copy = false) const;
    Tensor cpu() const { return to(Device(kCPU)); }
    Tensor cuda() const { return to(Device(kCUDA)); }
    Tensor contiguous() const;
    Tensor clone() const;

    // ---- views (share storage, never copy) ----
    Tensor view(IntArrayRef shape) const;
    Tensor reshape(IntArrayRef shape) const;
    Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
    Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
    Tensor transpose(int64_t dim0, int64_t dim1) const;
    Tensor t() const;
    Tensor permute(IntArrayRef dims) const;
    Tensor expand(IntArrayRef shape) const;
    Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
    Tensor slice(int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
                 std::optional<int64_t> end = std::nullopt, int64_t step = 1) const;
    Tensor select(int64_t dim, int64_t index) const;
    Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
    Tensor unsqueeze(int64_t dim) const;
    Tensor squeeze() const;
    Tensor squeeze(int64_t dim) const;
    Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
    // Several views along dim, one backward node for all of them (ops.h: unbind, split, chunk).
    std::vector<Tensor> unbind(int64_t dim = 0) const;
    std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
    std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
    Tensor operator[](int64_t index) const { return select(0, index); }
    // x.index({Slice(), 0, None}) and x.index_put_({mask}, v), as in libtorch: see
    // ember/tensor/indexing.h.
    Tensor index(ArrayRef<indexing::TensorIndex> indices) const;
    Tensor& index_put_(ArrayRef<indexing::TensorIndex> indices, const Tensor& values);
    Tensor& index_put_(ArrayRef<indexing::TensorIndex> indices, double value);

    // ---- indexing ----
    Tensor index_select(int64_t dim, const Tensor& index) const;
    Tensor gather(int64_t dim, const Tensor& index) const;
    Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
    Tensor masked_fill(const Tensor& mask, const Tensor& value) const;
    Tensor& masked_fill_(const Tensor& mask, const Scalar& value);
    Tensor& masked_fill_(const Tensor& mask, const Tensor& value);
    Tensor masked_select(const Tensor& mask) const;
    Tensor nonzero() const;

    // ---- sorting, scans, sampling (src/ops/sort.cpp, src/ops/scan.cpp, src/ops/random.cpp) ----
    std::tuple<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;
    std::tuple<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false) const;
    std::tuple<Tensor, Tensor> sort(std::optional<bool> stable, int64_t dim = -1, bool descending = false) const;
    Tensor argsort(int64_t dim = -1, bool descending = false) const;
    Tensor argsort(bool stable, int64_t dim = -1, bool descending = false) const;
    Tensor cumsum(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
    Tensor cumprod(int64_t dim, std::optional<ScalarType> dtype = std::nullopt) const;
    Tensor multinomial(int64_t num_samples, bool replacement = false) const;

    // ---- splitting, repeating, reordering (src/ops/split_repeat.cpp) ----
    std::vector<Tensor> split(IntArrayRef split_sizes, int64_t dim = 0) const;
    std::vector<Tensor> split_with_sizes(IntArrayRef split_sizes, int64_t dim = 0) const;
    std::vector<Tensor> tensor_split(int64_t sections, int64_t dim = 0) const;
    std::vector<Tensor> tensor_split(IntArrayRef indices, int64_t dim = 0) const;
    Tensor repeat(IntArrayRef repeats) const;
    Tensor flip(IntArrayRef dims) const;
    Tensor roll(IntArrayRef shifts, IntArrayRef dims = {}) const;

    // ---- new tensors with this one's dtype and device unless `options` says otherwise ----
    Tensor new_empty(IntArrayRef size, const TensorOptions& options = {}) const;
    Tensor new_zeros(IntArrayRef size, const TensorOptions& options = {}) const;
    Tensor new_ones(IntArrayRef size, const TensorOptions& options = {}) const;
    Tensor new_full(IntArrayRef size, const Scalar& fill_value, const TensorOptions& options = {}) const;

    // ---- elementwise ----
    Tensor add(const Tensor& other, double alpha = 1) const;
    Tensor sub(const Tensor& other, double alpha = 1) const;
    Tensor mul(const Tensor& other) const;
    Tensor div(const Tensor& other) const;
    Tensor add(double other) const;
    Tensor sub(double other) const;
    Tensor mul(double other) const;
    Tensor div(double other) const;
    Tensor pow(double exponent) const;
    Tensor pow(const Tensor& exponent) const;
    // The one-argument ops: x.neg(), x.exp(), x.sigmoid(), ... (the rows of ember/tensor/unary_ops.def
    // that libtorch has as methods).
#define EMBER_UNARY_METHOD(name) Tensor name() const;
#define EMBER_UNARY_FUNCTION(name)
#include "ember/tensor/unary_ops.def"
    Tensor softplus() const;
    Tensor clamp(std::optional<double> min, std::optional<double> max) const;
    Tensor clamp_min(double min) const;
    Tensor clamp_max(double max) const;
    Tensor maximum(const Tensor& other) const;
    Tensor minimum(const Tensor& other) const;
    Tensor eq(const Tensor& other) const;
    Tensor ne(const Tensor& other) const;
    Tensor lt(const Tensor& other) const;
    Tensor le(const Tensor& other) const;
    Tensor gt(const Tensor& other) const;
    Tensor ge(const Tensor& other) const;
    Tensor eq(double other) const;
    Tensor ne(double other) const;
    Tensor lt(double other) const;
    Tensor le(double other) const;
    Tensor gt(double other) const;
    Tensor ge(double other) const;

    // ---- reductions ----
    Tensor sum() const;
    Tensor sum(IntArrayRef dims, bool keepdim = false) const;
    Tensor mean() const;
    Tensor mean(IntArrayRef dims, bool keepdim = false) const;
    Tensor max() const;
    std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
    Tensor min() const;
    std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
    Tensor amax(IntArrayRef dims, bool keepdim = false) const;
    Tensor amin(IntArrayRef dims, bool keepdim = false) const;
    Tensor argmax() const;
    Tensor argmax(int64_t dim, bool keepdim = false) const;
    Tensor argmin() const;
    Tensor argmin(int64_t dim, bool keepdim = false) const;
    Tensor logsumexp(IntArrayRef dims, bool keepdim = false) const;
    Tensor softmax(int64_t dim) const;
    Tensor log_softmax(int64_t dim) const;
    // The p-norm (sum |x|^p)^(1/p) of all elements or over `dim`; p = inf / -inf is the largest /
    // smallest |x|, p = 0 the count of non-zeros. A std::nullopt p means 2.
    Tensor norm(const Scalar& p = 2) const;
    Tensor norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim = false) const;
    // Whether any / all elements are non-zero (a bool tensor), overall or along `dim`.
    Tensor any() const;
    Tensor all() const;
    Tensor any(int64_t dim, bool keepdim = false) const;
    Tensor all(int64_t dim, bool keepdim = false) const;
    Tensor var(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
    Tensor std(IntArrayRef dims, bool unbiased = true, bool keepdim = false) const;
    bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8) const;
    bool equal(const Tensor& other) const;

    // ---- linear algebra ----
    Tensor mm(const Tensor& other) const;
    Tensor matmul(const Tensor& other) const;
    Tensor bmm(const Tensor& other) const;

    // ---- in place (bump the version counter) ----
    Tensor& add_(const Tensor& other, double alpha = 1);
    Tensor& sub_(const Tensor& other, double alpha = 1);
    Tensor& mul_(const Tensor& other);
    Tensor& div_(const Tensor& other);
    Tensor& add_(double other);
    Tensor& sub_(double other);
    Tensor& mul_(double other);
    Tensor& div_(double other);
    Tensor& clamp_(std::optional<double> min, std::optional<double> max);
    Tensor& relu_();
    Tensor& sigmoid_();
    Tensor& tanh_();
    Tensor& zero_();
    Tensor& fill_(double value);
    Tensor& copy_(const Tensor& src);
    Tensor& uniform_(double from = 0, double to = 1);
    Tensor& normal_(double mean = 0, double std = 1);
    Tensor& bernoulli_(double p = 0.5);

    Tensor& operator+=(const Tensor& o) { return add_(o); }
    Tensor& operator-=(const Tensor& o) { return sub_(o); }
    Tensor& operator*=(const Tensor& o) { return mul_(o); }
    Tensor& operator/=(const Tensor& o) { return div_(o); }
    Tensor& operator+=(double o) { return add_(o); }
    Tensor& operator-=(double o) { return sub_(o); }
    Tensor& operator*=(double o) { return mul_(o); }
    Tensor& operator/=(double o) { return div_(o); }

    std::string toString() const;

private:
    TensorImpl& checked() const {
        if (!impl_) [[unlikely]]
            throw_undefined();
        return *impl_;
    }
    [[noreturn]] static void throw_undefined();
    std::shared_ptr<TensorImpl> impl_;
};

using TensorList = std::vector<Tensor>;

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);
Tensor operator!(const Tensor& a);

// Printing in PyTorch's style: values, then dtype/device/grad_fn/requires_grad where they differ
// from the defaults.
std::ostream& operator<<(std::ostream& os, const Tensor& t);
// "[2, 3]": used in every error message that names a shape.
std::string shape_str(IntArrayRef shape);
// "Tensor[2, 3] float32 cpu" for error messages.
std::string describe(const Tensor& t);

// A strided alias of `base`'s storage with new sizes/strides/offset (no autograd history).
Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset);
// A fresh, uninitialised contiguous tensor.
Tensor make_empty(IntArrayRef sizes, ScalarType dtype, Device device);
// Contiguous (row-major) strides for a shape.
Shape contiguous_strides(IntArrayRef sizes);
namespace detail {
// The same, written into `strides` in place (make_empty fills a new tensor's strides without a
// temporary Shape).
inline void fill_contiguous_strides(IntArrayRef sizes, Shape& strides) {
    strides.resize(sizes.size());
    int64_t s = 1;
    for (std::size_t i = sizes.size(); i-- > 0;) {
        strides[i] = s;
        s *= sizes[i] > 0 ? sizes[i] : 1;
    }
}
}  // namespace detail
// Wraps a possibly negative dimension index into [0, ndim); `op` names the caller in the error.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

}  // namespace ember
