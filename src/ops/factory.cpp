// Factories: fresh tensors filled with constants, ranges, identity matrices or caller data.
#include <cmath>
#include <cstring>

#include "ops/internal.h"

namespace ember {

using namespace detail;

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
    if (o.requires_grad()) {
        EMBER_ENFORCE(is_floating(o.dtype()), DTypeError,
                      "requires_grad: only floating-point tensors can require "
                      "gradients, got dtype ",
                      dtype_name(o.dtype()));
        t.requires_grad_(true);
    }
    return t;
}
}  // namespace

Tensor empty(IntArrayRef size, const TensorOptions& o) {
    ensure_backend(o.device(), "empty");
    return finish(make_empty(size, o.dtype(), o.device()), o);
}

Tensor full(IntArrayRef size, double value, const TensorOptions& o) {
    ensure_backend(o.device(), "full/zeros/ones");
    Tensor t = make_empty(size, o.dtype(), o.device());
    fill_kernel_any(t, value);
    return finish(t, o);
}
Tensor zeros(IntArrayRef size, const TensorOptions& o) { return full(size, 0, o); }
Tensor ones(IntArrayRef size, const TensorOptions& o) { return full(size, 1, o); }
Tensor empty_like(const Tensor& t) { return make_empty(t.sizes(), t.dtype(), t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.options()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.options()); }
Tensor full_like(const Tensor& t, double v) { return full(t.sizes(), v, t.options()); }
Tensor scalar_tensor(double value, const TensorOptions& o) { return full({}, value, o); }

namespace {
// Writes a host vector of doubles into a fresh tensor of the requested dtype and device.
Tensor from_doubles(const std::vector<double>& v, IntArrayRef shape, const TensorOptions& o) {
    Tensor host = make_empty(shape, kFloat64, Device(kCPU));
    if (!v.empty()) std::memcpy(host.raw_data_ptr(), v.data(), v.size() * sizeof(double));
    Tensor t = host.to(o.dtype()).to(o.device());
    if (t.is_same(host)) t = host;
    return finish(t, o);
}
}  // namespace

Tensor arange(double start, double end, double step, const TensorOptions& o) {
    EMBER_ENFORCE(step != 0, ValueError, "arange: step must be nonzero");
    EMBER_ENFORCE(std::isfinite(start) && std::isfinite(end), ValueError, "arange: start and end must be finite");
    double n = std::ceil((end - start) / step);
    EMBER_ENFORCE(n >= 0 || (end - start) / step <= 0, ValueError, "arange: invalid range");
    int64_t count = n > 0 ? static_cast<int64_t>(n) : 0;
    std::vector<double> v(static_cast<std::size_t>(count));
    for (int64_t i = 0; i < count; ++i) v[i] = start + static_cast<double>(i) * step;
    return from_doubles(v, {count}, o);
}
Tensor arange(double end, const TensorOptions& o) { return arange(0.0, end, 1.0, o); }
Tensor arange(int64_t end, const TensorOptions& o) { return arange(0.0, static_cast<double>(end), 1.0, o); }
Tensor arange(int end, const TensorOptions& o) { return arange(0.0, static_cast<double>(end), 1.0, o); }

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& o) {
    EMBER_ENFORCE(steps >= 0, ValueError, "linspace: number of steps must be non-negative, got ", steps);
    std::vector<double> v(static_cast<std::size_t>(steps));
    double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
    // Fill symmetrically from both ends (as PyTorch does) so the last value is exactly `end`.
    for (int64_t i = 0; i < steps; ++i)
        v[i] = i < steps / 2 ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - 1 - i);
    if (steps == 1) v[0] = start;  // a single point is `start`, as in PyTorch
    return from_doubles(v, {steps}, o);
}

Tensor eye(int64_t n, int64_t m, const TensorOptions& o) {
    EMBER_ENFORCE(n >= 0 && m >= 0, ValueError, "eye: sizes must be non-negative, got ", n, " x ", m);
    std::vector<double> v(static_cast<std::size_t>(n * m), 0.0);
    for (int64_t i = 0; i < std::min(n, m); ++i) v[i * m + i] = 1;
    return from_doubles(v, {n, m}, o);
}
Tensor eye(int64_t n, const TensorOptions& o) { return eye(n, n, o); }

Tensor tensor(std::initializer_list<double> values, const TensorOptions& o) {
    return tensor(std::vector<double>(values), o);
}
Tensor tensor(const std::vector<double>& values, const TensorOptions& o) {
    return from_doubles(values, {static_cast<int64_t>(values.size())}, o);
}
Tensor tensor(const std::vector<float>& values, const TensorOptions& o) {
    return tensor(std::vector<double>(values.begin(), values.end()), o);
}
Tensor tensor(const std::vector<int64_t>& values, const TensorOptions& o) {
    Tensor host = make_empty({static_cast<int64_t>(values.size())}, kInt64, Device(kCPU));
    if (!values.empty()) std::memcpy(host.raw_data_ptr(), values.data(), values.size() * sizeof(int64_t));
    return finish(host.to(o.has_dtype() ? o.dtype() : kInt64).to(o.device()), o);
}
Tensor tensor(const std::vector<bool>& values, const TensorOptions& o) {
    Tensor host = make_empty({static_cast<int64_t>(values.size())}, kBool, Device(kCPU));
    bool* p = static_cast<bool*>(host.raw_data_ptr());
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = values[i];
    return finish(host.to(o.has_dtype() ? o.dtype() : kBool).to(o.device()), o);
}
Tensor tensor(double value, const TensorOptions& o) { return from_doubles({value}, {}, o); }
Tensor tensor(bool value, const TensorOptions& o) { return tensor(std::vector<bool>{value}, o).view({}); }
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, const TensorOptions& o) {
    const int64_t n = static_cast<int64_t>(rows.size()), cols = n ? static_cast<int64_t>(rows.begin()->size()) : 0;
    return from_doubles(detail::flatten_rows(rows), {n, cols}, o);
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& o,
                 std::function<void(void*)> deleter) {
    EMBER_ENFORCE(sizes.size() == strides.size(), ShapeError, "from_blob: sizes ", shape_str(sizes), " and strides ",
                  shape_str(strides), " differ in length");
    bool has_zero = false;
    for (int64_t s : sizes) has_zero |= s == 0;
    EMBER_ENFORCE(data != nullptr || has_zero, ValueError, "from_blob: null data pointer for a non-empty tensor");
    int64_t extent = 1;  // elements reachable from data: 1 + sum (size - 1) * stride
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        EMBER_ENFORCE(sizes[i] >= 0 && strides[i] >= 0, ValueError, "from_blob: negative size or stride in ",
                      shape_str(sizes), " / ", shape_str(strides));
        if (sizes[i] == 0) extent = 0;
        if (extent) extent += (sizes[i] - 1) * strides[i];
    }
    auto impl = std::make_shared<TensorImpl>();
    impl->sizes.assign(sizes.begin(), sizes.end());
    impl->strides.assign(strides.begin(), strides.end());
    impl->dtype = o.dtype();
    impl->device = o.device();
    impl->storage = std::make_shared<Storage>(data, static_cast<std::size_t>(extent * element_size(o.dtype())),
                                              o.device(), std::move(deleter));
    impl->refresh();
    return finish(Tensor(std::move(impl)), o);
}

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& o, std::function<void(void*)> deleter) {
    return from_blob(data, sizes, contiguous_strides(sizes), o, std::move(deleter));
}

}  // namespace ember
