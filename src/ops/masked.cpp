// Masks: masked_fill (out of place and in place), masked_select, nonzero. masked_fill runs the
// `where` kernel; masked_select and nonzero read the mask on the host (the number of selected
// elements sizes the result, so a CUDA mask is copied back, as libtorch synchronises there too).
#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

void check_mask(const char* op, const Tensor& x, const Tensor& mask) {
    check_defined(op, x);
    check_defined(op, mask, "mask");
    EMBER_ENFORCE(mask.dtype() == kBool, DTypeError, op, ": the mask must be a bool tensor, got ", describe(mask));
    check_same_device(op, x, mask);
}

// mask broadcast to x's shape (masked_fill keeps x's shape: the mask may not enlarge it).
void check_mask_fits(const char* op, const Tensor& x, const Tensor& mask) {
    bool fits = mask.dim() <= x.dim();
    for (int64_t i = 1; fits && i <= mask.dim(); ++i) {
        const int64_t m = mask.size(mask.dim() - i), s = x.size(x.dim() - i);
        fits = m == s || m == 1;
    }
    EMBER_ENFORCE(fits, ShapeError, op, ": the mask of shape ", shape_str(mask.sizes()),
                  " cannot be broadcast to the input's shape ", shape_str(x.sizes()), " (", describe(x), ")");
}

// where(mask, value, x) with value a 0-dim tensor of x's dtype; records `node` (libtorch's
// MaskedFillBackward0 for a number, MaskedFillBackward1 for a tensor value):
// d/dx = g where the mask is false (0 where it filled), d/dvalue = the sum of g over the filled places.
Tensor fill_where(const char* node, const Tensor& x, const Tensor& mask, const Tensor& value) {
    Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
    if (out.numel() > 0) {
        StridedIter it = make_iter(out, {&mask, &value, &x});
        EMBER_KERNEL(out.device(), where_kernel, it);
    }
    if (autograd::needs_grad(x, value)) {
        SavedTensor sm(mask, false);
        autograd::record(node, {x, value}, out, [sm](const Tensor& g, const Node& n) -> Grads {
            Tensor m = sm.unpack(n);
            Tensor z = zeros({}, g.options());
            return {where(m, z, g), sum(where(m, g, z))};
        });
    }
    return out;
}

}  // namespace

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value) {
    const char* op = "masked_fill";
    check_mask(op, x, mask);
    check_mask_fits(op, x, mask);
    Tensor v = make_empty({}, x.dtype(), x.device());
    fill_kernel_any(v, value.toDouble());
    return fill_where("MaskedFillBackward0", x, mask, v);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
    const char* op = "masked_fill";
    check_mask(op, x, mask);
    check_mask_fits(op, x, mask);
    check_defined(op, value, "value");
    EMBER_ENFORCE(value.dim() == 0, ShapeError, op,
                  ": only supports a 0-dimensional value tensor, but got a value tensor with ", value.dim(),
                  " dimension(s): ", describe(value));
    // A 0-dim value may live on the host while x is on a GPU (as in libtorch); to() and the dtype
    // conversion are recorded, so the value's gradient comes back to it.
    Tensor v = value.to(x.device()).to(x.dtype());
    return fill_where("MaskedFillBackward1", x, mask, v);
}

Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) {
    check_inplace("masked_fill_", *this);
    Tensor r = ember::masked_fill(autograd::needs_grad(*this) ? clone() : *this, mask, value);
    if (r.requires_grad()) {
        transplant(*this, r, "masked_fill_");
    } else {
        copy_into(*this, r);
        storage()->bump_version();
    }
    return *this;
}

Tensor& Tensor::masked_fill_(const Tensor& mask, const Tensor& value) {
    check_inplace("masked_fill_", *this);
    Tensor r = ember::masked_fill(autograd::needs_grad(*this) ? clone() : *this, mask, value);
    if (r.requires_grad()) {
        transplant(*this, r, "masked_fill_");
    } else {
        copy_into(*this, r);
        storage()->bump_version();
    }
    return *this;
}

namespace {
// The row-major positions of the true elements of a bool tensor, on the host.
std::vector<int64_t> true_positions(const Tensor& mask) {
    const std::vector<bool> bits = mask.contiguous().to_vector<bool>();
    std::vector<int64_t> pos;
    for (std::size_t k = 0; k < bits.size(); ++k)
        if (bits[k]) pos.push_back(static_cast<int64_t>(k));
    return pos;
}
}  // namespace

Tensor masked_select(const Tensor& x, const Tensor& mask) {
    const char* op = "masked_select";
    check_mask(op, x, mask);
    // x and the mask broadcast together (the result may have more elements than x), as libtorch.
    Shape shape = broadcast_shapes(x.sizes(), mask.sizes(), op);
    std::vector<int64_t> pos = true_positions(mask.expand(shape));
    Tensor idx = ember::tensor(pos, TensorOptions().dtype(kInt64).device(x.device()));
    // Composite: the gradient is index_select's (index_add of g at the positions) and expand's.
    return x.expand(shape).reshape({-1}).index_select(0, idx);
}

Tensor nonzero(const Tensor& x) {
    check_defined("nonzero", x);
    Tensor nz;
    {
        NoGradGuard g;
        nz = x.dtype() == kBool ? x : (x != 0.0);
    }
    const std::vector<int64_t> pos = true_positions(nz);
    const int64_t n = static_cast<int64_t>(pos.size()), k = x.dim();
    std::vector<int64_t> coords(static_cast<std::size_t>(n * k));
    for (int64_t r = 0; r < n; ++r) {
        int64_t rest = pos[static_cast<std::size_t>(r)];
        for (int64_t d = k - 1; d >= 0; --d) {
            coords[static_cast<std::size_t>(r * k + d)] = rest % x.size(d);
            rest /= x.size(d);
        }
    }
    return ember::tensor(coords, TensorOptions().dtype(kInt64).device(x.device())).reshape({n, k});
}

}  // namespace ember
