// Splitting into views by sizes or sections (split_with_sizes, tensor_split; split by one size and
// chunk, with their single backward node, are in shape.cpp), and the ops that repeat, reverse,
// rotate or pad a tensor (repeat, flip, roll, constant_pad_nd). The pieces of a split are narrow()
// views; flip, roll and constant_pad_nd record their own node whose backward is the adjoint op
// (flip, roll back, crop), itself differentiable; repeat is composed of view, expand and reshape,
// so its gradient is expand's sum.
#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using Grads = std::vector<Tensor>;

namespace {
int64_t split_dim(const Tensor& x, int64_t dim, const char* op) {
    check_defined(op, x);
    EMBER_ENFORCE(x.dim() > 0, ShapeError, op, ": expects at least a 1-dimensional tensor, got ", describe(x));
    return wrap_dim(dim, x.dim(), op);
}
}  // namespace

std::vector<Tensor> split_with_sizes(const Tensor& x, IntArrayRef sizes, int64_t dim) {
    const char* op = "split_with_sizes";
    const int64_t d = split_dim(x, dim, op);
    int64_t total = 0;
    for (int64_t s : sizes) {
        EMBER_ENFORCE(s >= 0, ValueError, op, ": split sizes must be non-negative, got ", shape_str(sizes));
        total += s;
    }
    EMBER_ENFORCE(total == x.size(d), ValueError, op, ": expected split_sizes to sum exactly to ", x.size(d),
                  " (the size of dim ", d, " of ", describe(x), "), but got split_sizes=", shape_str(sizes));
    std::vector<Tensor> out;
    int64_t start = 0;
    for (int64_t s : sizes) {
        out.push_back(x.narrow(d, start, s));
        start += s;
    }
    return out;
}

std::vector<Tensor> split(const Tensor& x, IntArrayRef sizes, int64_t dim) { return split_with_sizes(x, sizes, dim); }

std::vector<Tensor> tensor_split(const Tensor& x, int64_t sections, int64_t dim) {
    const char* op = "tensor_split";
    const int64_t d = split_dim(x, dim, op);
    EMBER_ENFORCE(sections > 0, ValueError, op, ": number of sections must be larger than 0, got ", sections);
    // The first n % sections pieces are one longer than the others.
    const int64_t n = x.size(d), base = n / sections, extra = n % sections;
    std::vector<Tensor> out;
    int64_t start = 0;
    for (int64_t i = 0; i < sections; ++i) {
        const int64_t len = base + (i < extra ? 1 : 0);
        out.push_back(x.narrow(d, start, len));
        start += len;
    }
    return out;
}

std::vector<Tensor> tensor_split(const Tensor& x, IntArrayRef indices, int64_t dim) {
    const char* op = "tensor_split";
    const int64_t d = split_dim(x, dim, op);
    // Pieces x[0:i0], x[i0:i1], ..., x[ik:n] as Python slices: each bound clamped to [0, n] (a
    // negative one counted from the end), empty where a bound comes before the previous one
    // (NumPy's array_split).
    const int64_t n = x.size(d);
    std::vector<Tensor> out;
    int64_t start = 0;
    auto clampn = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
    for (std::size_t i = 0; i <= indices.size(); ++i) {
        const int64_t end = i < indices.size() ? clampn(indices[i]) : n;
        out.push_back(x.narrow(d, start, std::max<int64_t>(0, end - start)));
        start = end;
    }
    return out;
}

Tensor Tensor::repeat(IntArrayRef repeats) const {
    const char* op = "repeat";
    EMBER_ENFORCE(static_cast<int64_t>(repeats.size()) >= dim(), ShapeError, op,
                  ": number of dimensions of repeat dims (", repeats.size(),
                  ") cannot be smaller than number of dimensions of tensor (", dim(), ", ", describe(*this), ")");
    for (int64_t r : repeats)
        EMBER_ENFORCE(r >= 0, ValueError, op, ": repeats must be non-negative, got ", shape_str(repeats));
    // x as [1, s0, 1, s1, ...] (leading dims of size 1 where repeats has more), expanded to
    // [r0, s0, r1, s1, ...] and merged pairwise: [r0 s0, r1 s1, ...]. The copy is reshape's.
    const std::size_t n = repeats.size(), lead = n - static_cast<std::size_t>(dim());
    Shape inter, expanded, result;
    for (std::size_t i = 0; i < n; ++i) {
        const int64_t s = i < lead ? 1 : size(static_cast<int64_t>(i - lead));
        inter.push_back(1);
        inter.push_back(s);
        expanded.push_back(repeats[i]);
        expanded.push_back(s);
        result.push_back(repeats[i] * s);
    }
    return reshape(inter).expand(expanded).reshape(result);
}

Tensor flip(const Tensor& x, IntArrayRef dims) {
    const char* op = "flip";
    check_defined(op, x);
    std::vector<int64_t> ds;
    std::vector<bool> seen(static_cast<std::size_t>(std::max<int64_t>(x.dim(), 1)), false);
    for (int64_t dd : dims) {
        const int64_t d = wrap_dim(dd, std::max<int64_t>(x.dim(), 1), op);
        EMBER_ENFORCE(!seen[static_cast<std::size_t>(d)], ValueError, op, ": dim ", d, " appears multiple times in ",
                      shape_str(dims));
        seen[static_cast<std::size_t>(d)] = true;
        if (x.dim() > 0) ds.push_back(d);
    }
    Tensor out;
    {
        NoGradGuard g;
        out = x;
        for (int64_t d : ds) {
            const int64_t n = x.size(d);
            Tensor rev = arange(n - 1, -1.0, -1.0, TensorOptions().dtype(kInt64).device(x.device()));
            out = out.index_select(d, rev);
        }
        if (out.is_same(x)) out = x.clone();
    }
    if (autograd::needs_grad(x))
        autograd::record("FlipBackward0", {x}, out,
                         [ds](const Tensor& g, const Node&) -> Grads { return {g.flip(ds)}; });
    return out;
}

Tensor roll(const Tensor& x, IntArrayRef shifts, IntArrayRef dims) {
    const char* op = "roll";
    check_defined(op, x);
    if (dims.empty()) {
        // Over the flattened tensor, then back to x's shape.
        EMBER_ENFORCE(shifts.size() == 1, ValueError, op, ": without dims, shifts must have one entry, got ",
                      shape_str(shifts));
        return roll(x.flatten(), shifts, {0}).view(x.sizes());
    }
    EMBER_ENFORCE(shifts.size() == dims.size(), ValueError, op, ": shifts and dims must align, got shifts ",
                  shape_str(shifts), " and dims ", shape_str(dims));
    std::vector<int64_t> ds, ss;
    for (std::size_t i = 0; i < dims.size(); ++i) {
        ds.push_back(wrap_dim(dims[i], std::max<int64_t>(x.dim(), 1), op));
        ss.push_back(shifts[i]);
    }
    Tensor out;
    {
        NoGradGuard g;
        out = x;
        for (std::size_t i = 0; i < ds.size() && x.dim() > 0; ++i) {
            const int64_t n = x.size(ds[i]);
            if (n == 0) continue;
            // out[j] = x[(j - s) mod n]: the last s elements, then the first n - s.
            const int64_t s = ((ss[i] % n) + n) % n;
            if (s == 0) continue;
            out = cat({out.narrow(ds[i], n - s, s), out.narrow(ds[i], 0, n - s)}, ds[i]);
        }
        if (out.is_same(x)) out = x.clone();
    }
    if (autograd::needs_grad(x)) {
        std::vector<int64_t> back;
        for (int64_t s : ss) back.push_back(-s);
        autograd::record("RollBackward0", {x}, out,
                         [back, ds](const Tensor& g, const Node&) -> Grads { return {roll(g, back, ds)}; });
    }
    return out;
}

Tensor constant_pad_nd(const Tensor& x, IntArrayRef pad, const Scalar& value) {
    const char* op = "constant_pad_nd";
    check_defined(op, x);
    const int64_t np = static_cast<int64_t>(pad.size());
    EMBER_ENFORCE(np % 2 == 0 && np / 2 <= x.dim(), ShapeError, op,
                  ": the padding length must be even and at most twice the number of dims; got pad ", shape_str(pad),
                  " (length ", np, ") for ", describe(x));
    // pad[2i], pad[2i + 1] pad the start and end of dim (last - i); a negative entry crops.
    Shape out_shape(x.sizes().begin(), x.sizes().end());
    for (int64_t i = 0; i < np / 2; ++i) {
        const int64_t d = x.dim() - 1 - i;
        out_shape[d] += pad[2 * i] + pad[2 * i + 1];
        EMBER_ENFORCE(out_shape[d] >= 0, ShapeError, op, ": the padded size of dim ", d, " would be ", out_shape[d],
                      " for pad ", shape_str(pad), " and ", describe(x), " (it must be non-negative)");
    }
    Tensor out = make_empty(out_shape, x.dtype(), x.device());
    fill_kernel_any(out, value.toDouble());
    {
        // The part of x that survives the crops goes to its place in out.
        NoGradGuard g;
        Tensor src = x, dst = out;
        bool empty = false;
        for (int64_t i = 0; i < np / 2; ++i) {
            const int64_t d = x.dim() - 1 - i, lo = pad[2 * i], hi = pad[2 * i + 1];
            const int64_t from = std::max<int64_t>(0, -lo), to = std::max<int64_t>(0, -hi);
            const int64_t len = x.size(d) - from - to;
            if (len <= 0) {
                empty = true;
                break;
            }
            src = src.narrow(d, from, len);
            dst = dst.narrow(d, std::max<int64_t>(0, lo), len);
        }
        if (!empty && src.numel() > 0) copy_into(dst, src);
    }
    if (autograd::needs_grad(x)) {
        std::vector<int64_t> crop;
        for (int64_t p : pad) crop.push_back(-p);
        autograd::record("ConstantPadNdBackward0", {x}, out,
                         [crop](const Tensor& g, const Node&) -> Grads { return {constant_pad_nd(g, crop, 0)}; });
    }
    return out;
}

}  // namespace ember
