// Indexing ops and their adjoints: index_select <-> index_add, gather <-> scatter_add.
#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using Grads = std::vector<Tensor>;

namespace {

void check_index(const char* op, const Tensor& x, const Tensor& index) {
    check_defined(op, x);
    check_defined(op, index, "index");
    check_same_device(op, x, index);
    EMBER_ENFORCE(index.dtype() == kInt64, DTypeError, op, ": the index must be an int64 tensor, got ",
                  describe(index));
}

// x viewed as [outer, n, inner] around dim d (contiguous).
void split_at(const Tensor& x, int64_t d, int64_t& outer, int64_t& inner) {
    outer = 1;
    inner = 1;
    for (int64_t i = 0; i < d; ++i) outer *= x.size(i);
    for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.size(i);
}

[[noreturn]] void bad_index(const char* op, const Tensor& index, int64_t pos, int64_t size, const Tensor& x,
                            int64_t dim) {
    int64_t value = index.reshape({-1}).select(0, pos).item<int64_t>();
    throw IndexError(str_cat(op, ": index ", value, " (at position ", pos, " of the index ", describe(index),
                             ") is out of range for dim ", dim, " of size ", size, " in ", describe(x)));
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
    const char* op = "index_select";
    check_index(op, x, index);
    EMBER_ENFORCE(index.dim() <= 1, ShapeError, op, ": the index must be 0-D or 1-D, got ", describe(index));
    int64_t d = wrap_dim(dim, x.dim(), op);
    Tensor src = x.contiguous();
    Tensor idx = index.reshape({-1}).contiguous();
    Shape out_shape(x.sizes().begin(), x.sizes().end());
    if (x.dim() == 0) out_shape.push_back(1);
    out_shape[d] = idx.numel();
    int64_t outer, inner;
    split_at(src, d, outer, inner);
    int64_t n_in = x.dim() == 0 ? 1 : x.size(d);
    Tensor out = make_empty(out_shape, x.dtype(), x.device());
    int64_t bad = EMBER_KERNEL(x.device(), index_select_kernel, x.dtype(), src.raw_data_ptr(), outer, n_in, inner,
                               idx.data_ptr<int64_t>(), idx.numel(), out.raw_data_ptr());
    if (bad >= 0) bad_index(op, idx, bad, n_in, x, dim);
    if (x.dim() == 0) out = out.reshape({});
    if (autograd::needs_grad(x)) {
        Shape xs(x.sizes().begin(), x.sizes().end());
        autograd::record("IndexSelectBackward0", {x}, out, [xs, d, idx](const Tensor& g, const Node&) -> Grads {
            return {index_add(zeros(xs, g.options()), d, idx, g)};
        });
    }
    return out;
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    const char* op = "index_add";
    check_index(op, x, index);
    check_defined(op, src, "source");
    check_same_device(op, x, src);
    int64_t d = wrap_dim(dim, x.dim(), op);
    Tensor idx = index.reshape({-1}).contiguous();
    Shape want(x.sizes().begin(), x.sizes().end());
    if (!want.empty()) want[d] = idx.numel();
    EMBER_ENFORCE(src.sizes() == IntArrayRef(want), ShapeError, op, ": source of shape ", shape_str(src.sizes()),
                  " does not match ", shape_str(want), " (the target ", describe(x), " with dim ", d,
                  " of the index length)");
    EMBER_ENFORCE(src.dtype() == x.dtype(), DTypeError, op, ": source ", describe(src), " and target ", describe(x),
                  " differ in dtype");
    // float16/bfloat16 accumulate in float32 and are rounded once at the end.
    const bool reduced = is_reduced_float(x.dtype());
    Tensor out = reduced ? x.detach().to(kFloat32) : x.clone().detach();
    Tensor s = (reduced ? src.detach().to(kFloat32) : src).contiguous();
    int64_t outer, inner;
    split_at(out, d, outer, inner);
    int64_t n = x.dim() == 0 ? 1 : x.size(d);
    int64_t bad = EMBER_KERNEL(x.device(), index_add_kernel, out.dtype(), out.raw_data_ptr(), outer, n, inner,
                               idx.data_ptr<int64_t>(), idx.numel(), s.raw_data_ptr());
    if (bad >= 0) bad_index(op, idx, bad, n, x, dim);
    if (reduced) out = out.to(x.dtype());
    if (autograd::needs_grad(x, src)) {
        autograd::record("IndexAddBackward0", {x, src}, out, [d, idx](const Tensor& g, const Node&) -> Grads {
            return {g, index_select(g, d, idx)};
        });
    }
    return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
    const char* op = "gather";
    check_index(op, x, index);
    int64_t d = wrap_dim(dim, x.dim(), op);
    EMBER_ENFORCE(index.dim() == x.dim(), ShapeError, op, ": index ", describe(index), " must have as many dims as ",
                  describe(x));
    for (int64_t i = 0; i < x.dim(); ++i)
        EMBER_ENFORCE(i == d || index.size(i) <= x.size(i), ShapeError, op, ": index ", shape_str(index.sizes()),
                      " is larger than the input ", shape_str(x.sizes()), " in dim ", i);
    Tensor out = make_empty(index.sizes(), x.dtype(), x.device());
    if (out.numel() > 0) {
        // Walk (out, index) with an iterator that keeps every dim (no coalescing: x's strides ride along).
        StridedIter it;
        it.nops = 2;
        it.ndim = static_cast<int>(index.dim());
        it.numel = index.numel();
        it.data[0] = static_cast<char*>(out.raw_data_ptr());
        it.data[1] = static_cast<char*>(index.raw_data_ptr());
        int64_t xs[kernels::kMaxDims] = {};
        for (int64_t i = 0; i < index.dim(); ++i) {
            it.sizes[i] = index.size(i);
            it.strides[0][i] = out.stride(i);
            it.strides[1][i] = index.stride(i);
            xs[i] = i == d ? 0 : x.stride(i);
        }
        if (index.dim() == 0) it.ndim = 0;
        int64_t n = x.dim() == 0 ? 1 : x.size(d);
        int64_t bad = EMBER_KERNEL(x.device(), gather_kernel, x.dtype(), it, static_cast<const char*>(x.raw_data_ptr()),
                                   xs, x.dim() == 0 ? 0 : x.stride(d), n);
        if (bad >= 0) bad_index(op, index.contiguous(), bad, n, x, dim);
    }
    if (autograd::needs_grad(x)) {
        Shape xsz(x.sizes().begin(), x.sizes().end());
        autograd::record("GatherBackward0", {x}, out, [xsz, d, index](const Tensor& g, const Node&) -> Grads {
            return {scatter_add(zeros(xsz, g.options()), d, index, g)};
        });
    }
    return out;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
    const char* op = "scatter_add";
    check_index(op, x, index);
    check_defined(op, src, "source");
    check_same_device(op, x, src);
    int64_t d = wrap_dim(dim, x.dim(), op);
    EMBER_ENFORCE(index.dim() == x.dim() && src.dim() == x.dim(), ShapeError, op, ": index ", describe(index),
                  ", source ", describe(src), " and target ", describe(x), " must have the same number of dims");
    for (int64_t i = 0; i < x.dim(); ++i)
        EMBER_ENFORCE(index.size(i) <= src.size(i) && (i == d || index.size(i) <= x.size(i)), ShapeError, op,
                      ": index ", shape_str(index.sizes()), " is larger than source ", shape_str(src.sizes()),
                      " or target ", shape_str(x.sizes()), " in dim ", i);
    EMBER_ENFORCE(src.dtype() == x.dtype(), DTypeError, op, ": source ", describe(src), " and target ", describe(x),
                  " differ in dtype");
    // float16/bfloat16 accumulate in float32 and are rounded once at the end.
    const bool reduced = is_reduced_float(x.dtype());
    Tensor out = reduced ? x.detach().to(kFloat32) : x.clone().detach();
    const Tensor s = reduced ? src.detach().to(kFloat32) : src;
    if (index.numel() > 0) {
        StridedIter it;
        it.nops = 2;
        it.ndim = static_cast<int>(index.dim());
        it.numel = index.numel();
        it.data[0] = static_cast<char*>(index.raw_data_ptr());
        it.data[1] = static_cast<char*>(s.raw_data_ptr());
        int64_t os[kernels::kMaxDims] = {};
        for (int64_t i = 0; i < index.dim(); ++i) {
            it.sizes[i] = index.size(i);
            it.strides[0][i] = index.stride(i);
            it.strides[1][i] = s.stride(i);
            os[i] = i == d ? 0 : out.stride(i);
        }
        int64_t n = x.dim() == 0 ? 1 : x.size(d);
        int64_t bad = EMBER_KERNEL(x.device(), scatter_add_kernel, out.dtype(), it,
                                   static_cast<char*>(out.raw_data_ptr()), os, x.dim() == 0 ? 0 : out.stride(d), n);
        if (bad >= 0) bad_index(op, index.contiguous(), bad, n, x, dim);
    }
    if (reduced) out = out.to(x.dtype());
    if (autograd::needs_grad(x, src)) {
        Shape ss(src.sizes().begin(), src.sizes().end());
        autograd::record("ScatterAddBackward0", {x, src}, out, [d, index, ss](const Tensor& g, const Node&) -> Grads {
            // d/dsrc: the elements that were added, read back with gather (zero where index did not reach).
            Tensor gs = gather(g, d, index);
            if (gs.sizes() != IntArrayRef(ss)) {
                Tensor full = zeros(ss, g.options());
                Tensor view = full;
                for (int64_t i = 0; i < gs.dim(); ++i) view = view.narrow(i, 0, gs.size(i));
                {
                    NoGradGuard ng;
                    view.copy_(gs.detach());
                }
                gs = full;
            }
            return {g, gs};
        });
    }
    return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
    check_defined("one_hot", labels);
    EMBER_ENFORCE(labels.dtype() == kInt64, DTypeError, "one_hot: labels must be int64, got ", describe(labels));
    if (num_classes < 0) {
        EMBER_ENFORCE(labels.numel() > 0, ValueError, "one_hot: cannot infer num_classes from an empty tensor");
        num_classes = max(labels).item<int64_t>() + 1;
    }
    if (labels.numel() > 0) {
        int64_t lo = min(labels).item<int64_t>(), hi = max(labels).item<int64_t>();
        EMBER_ENFORCE(lo >= 0 && hi < num_classes, IndexError, "one_hot: labels range over [", lo, ", ", hi,
                      "] but num_classes is ", num_classes, " (expected labels in [0, ", num_classes - 1, "])");
    }
    Tensor classes = arange(num_classes, TensorOptions().dtype(kInt64).device(labels.device()));
    return eq(labels.unsqueeze(-1), classes).to(kInt64);
}

}  // namespace ember
