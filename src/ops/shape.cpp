// Views (share storage, never copy) and copies between layouts, dtypes and devices.
#include <algorithm>

#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using Grads = std::vector<Tensor>;

Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op) {
    const std::size_t n = std::max(a.size(), b.size());
    Shape out(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
        int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
        EMBER_ENFORCE(sa == sb || sa == 1 || sb == 1, ShapeError, op, ": shapes ", shape_str(a), " and ", shape_str(b),
                      " cannot be broadcast together (dim ", i, ": ", sa, " vs ", sb,
                      "; expected equal sizes or one of them 1)");
        out[i] = sa == 1 ? sb : sa;
    }
    return out;
}

namespace {

Shape infer_shape(const char* op, IntArrayRef shape, int64_t numel) {
    Shape out(shape.begin(), shape.end());
    int64_t known = 1, infer = -1;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == -1) {
            EMBER_ENFORCE(infer < 0, ShapeError, op, ": only one dimension can be -1 in ", shape_str(shape));
            infer = static_cast<int64_t>(i);
        } else {
            EMBER_ENFORCE(out[i] >= 0, ShapeError, op, ": invalid size ", out[i], " in ", shape_str(shape));
            known *= out[i];
        }
    }
    if (infer >= 0) {
        EMBER_ENFORCE(known > 0 && numel % known == 0, ShapeError, op, ": shape ", shape_str(shape),
                      " is invalid for input of size ", numel);
        out[infer] = numel / known;
    } else {
        EMBER_ENFORCE(known == numel, ShapeError, op, ": shape ", shape_str(shape), " is invalid for input of size ",
                      numel);
    }
    return out;
}

// Strides for viewing x with `shape` without a copy, if x's layout allows it (the rule of
// PyTorch's computeStride: each run of merged dims must be contiguous within itself).
std::optional<Shape> view_strides(const Tensor& x, IntArrayRef shape) {
    if (x.numel() == 0 || x.is_contiguous()) return contiguous_strides(shape);
    Shape out(shape.size(), 0);
    IntArrayRef os = x.sizes(), ot = x.strides();
    int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
    int64_t chunk_base_stride = ot.empty() ? 1 : ot.back();
    int64_t tensor_numel = 1, view_numel = 1;
    for (int64_t d = static_cast<int64_t>(os.size()) - 1; d >= 0; --d) {
        tensor_numel *= os[d];
        if (d == 0 || (os[d - 1] != 1 && ot[d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
                out[view_d] = view_numel * chunk_base_stride;
                view_numel *= shape[view_d];
                --view_d;
            }
            if (view_numel != tensor_numel) return std::nullopt;
            if (d > 0) {
                chunk_base_stride = ot[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if (view_d != -1) return std::nullopt;
    return out;
}

}  // namespace

Tensor Tensor::view(IntArrayRef shape) const {
    Shape s = infer_shape("view", shape, numel());
    auto st = view_strides(*this, s);
    EMBER_ENFORCE(st.has_value(), ShapeError, "view: ", describe(*this), " with strides ", shape_str(strides()),
                  " cannot be viewed as ", shape_str(s), " without a copy; use reshape()");
    Shape in(sizes().begin(), sizes().end());
    return finish_view("ViewBackward0", *this, make_view(*this, s, *st, storage_offset()),
                       [in](const Tensor& g) { return g.reshape(in); });
}

Tensor Tensor::reshape(IntArrayRef shape) const {
    Shape s = infer_shape("reshape", shape, numel());
    if (view_strides(*this, s)) return view(s);
    return contiguous().view(s);
}
Tensor reshape(const Tensor& x, IntArrayRef shape) { return x.reshape(shape); }

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
    int64_t a = wrap_dim(d0, dim(), "transpose"), b = wrap_dim(d1, dim(), "transpose");
    if (dim() == 0) return *this;
    Shape s(sizes().begin(), sizes().end()), t(strides().begin(), strides().end());
    std::swap(s[a], s[b]);
    std::swap(t[a], t[b]);
    return finish_view("TransposeBackward0", *this, make_view(*this, s, t, storage_offset()),
                       [a, b](const Tensor& g) { return g.transpose(a, b); });
}
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) { return x.transpose(d0, d1); }

Tensor Tensor::t() const {
    EMBER_ENFORCE(dim() <= 2, ShapeError, "t: expects a tensor with at most 2 dims, got ", describe(*this));
    return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(IntArrayRef dims) const {
    EMBER_ENFORCE(static_cast<int64_t>(dims.size()) == dim(), ShapeError, "permute: got ", dims.size(), " dims ",
                  shape_str(dims), " for ", describe(*this));
    Shape s, t;
    std::vector<int64_t> inverse(dims.size());
    std::vector<bool> seen(dims.size(), false);
    for (std::size_t i = 0; i < dims.size(); ++i) {
        int64_t d = wrap_dim(dims[i], dim(), "permute");
        EMBER_ENFORCE(!seen[d], ShapeError, "permute: dimension ", dims[i], " repeated in ", shape_str(dims));
        seen[d] = true;
        s.push_back(size(d));
        t.push_back(stride(d));
        inverse[d] = static_cast<int64_t>(i);
    }
    return finish_view("PermuteBackward0", *this, make_view(*this, s, t, storage_offset()),
                       [inverse](const Tensor& g) { return g.permute(inverse); });
}
Tensor permute(const Tensor& x, IntArrayRef dims) { return x.permute(dims); }

Tensor Tensor::expand(IntArrayRef shape) const {
    const int64_t n = static_cast<int64_t>(shape.size()), nd = dim();
    EMBER_ENFORCE(n >= nd, ShapeError, "expand: cannot expand ", describe(*this), " to fewer dims ", shape_str(shape));
    Shape s(shape.size(), 0), t(shape.size(), 0);
    for (int64_t i = n - 1; i >= 0; --i) {
        int64_t j = i - (n - nd);
        int64_t want = shape[i];
        if (j >= 0) {
            int64_t have = size(j);
            if (want == -1) want = have;
            EMBER_ENFORCE(have == want || have == 1, ShapeError, "expand: ", describe(*this), " cannot be expanded to ",
                          shape_str(shape), " (dim ", i, ": ", have, " vs ", want, ")");
            s[i] = want;
            t[i] = have == want ? stride(j) : 0;
        } else {
            EMBER_ENFORCE(want >= 0, ShapeError, "expand: -1 is not allowed for a new leading dim in ",
                          shape_str(shape));
            s[i] = want;
            t[i] = 0;
        }
    }
    if (s == Shape(sizes().begin(), sizes().end())) return *this;
    Shape in(sizes().begin(), sizes().end());
    return finish_view("ExpandBackward0", *this, make_view(*this, s, t, storage_offset()),
                       [in](const Tensor& g) { return sum_to_size(g, in); });
}
Tensor expand(const Tensor& x, IntArrayRef shape) { return x.expand(shape); }

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start_, std::optional<int64_t> end_, int64_t step) const {
    int64_t dd = wrap_dim(d, dim(), "slice");
    EMBER_ENFORCE(dim() > 0, IndexError, "slice: cannot slice a 0-dim tensor");
    EMBER_ENFORCE(step > 0, ValueError, "slice: step must be positive, got ", step);
    const int64_t n = size(dd);
    int64_t start = start_.value_or(0), end = end_.value_or(n);
    if (start < 0) start += n;
    if (end < 0) end += n;
    start = std::clamp<int64_t>(start, 0, n);
    end = std::clamp<int64_t>(end, start, n);
    Shape s(sizes().begin(), sizes().end()), t(strides().begin(), strides().end());
    s[dd] = (end - start + step - 1) / step;
    t[dd] = stride(dd) * step;
    Shape in(sizes().begin(), sizes().end());
    return finish_view("SliceBackward0", *this, make_view(*this, s, t, storage_offset() + start * stride(dd)),
                       [in, dd, start, end, step](const Tensor& g) {
                           return detail::view_backward("SliceBackwardBackward0", g, in,
                                                        [=](const Tensor& z) { return z.slice(dd, start, end, step); });
                       });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
    int64_t dd = wrap_dim(d, dim(), "narrow");
    const int64_t n = size(dd);
    if (start < 0) start += n;
    EMBER_ENFORCE(start >= 0 && length >= 0 && start + length <= n, IndexError, "narrow: range [", start, ", ",
                  start + length, ") is out of bounds for dim ", d, " of size ", n, " in ", describe(*this));
    return slice(dd, start, start + length);
}
Tensor narrow(const Tensor& x, int64_t d, int64_t start, int64_t length) { return x.narrow(d, start, length); }

Tensor Tensor::select(int64_t d, int64_t index) const {
    EMBER_ENFORCE(dim() > 0, IndexError, "select: cannot index a 0-dim tensor");
    int64_t dd = wrap_dim(d, dim(), "select");
    const int64_t n = size(dd);
    EMBER_ENFORCE(index >= -n && index < n, IndexError, "select: index ", index, " is out of bounds for dim ", d,
                  " of size ", n, " in ", describe(*this), " (expected ", -n, " <= index < ", n, ")");
    if (index < 0) index += n;
    Shape s, t;
    for (int64_t i = 0; i < dim(); ++i)
        if (i != dd) {
            s.push_back(size(i));
            t.push_back(stride(i));
        }
    Shape in(sizes().begin(), sizes().end());
    return finish_view("SelectBackward0", *this, make_view(*this, s, t, storage_offset() + index * stride(dd)),
                       [in, dd, index](const Tensor& g) {
                           return detail::view_backward("SelectBackwardBackward0", g, in,
                                                        [=](const Tensor& z) { return z.select(dd, index); });
                       });
}
Tensor select(const Tensor& x, int64_t d, int64_t index) { return x.select(d, index); }

Tensor Tensor::unsqueeze(int64_t d) const {
    int64_t dd = wrap_dim(d, dim() + 1, "unsqueeze");
    Shape s(sizes().begin(), sizes().end()), t(strides().begin(), strides().end());
    int64_t st = dd < dim() ? stride(dd) * size(dd) : 1;
    s.insert(s.begin() + dd, 1);
    t.insert(t.begin() + dd, st);
    return finish_view("UnsqueezeBackward0", *this, make_view(*this, s, t, storage_offset()),
                       [dd](const Tensor& g) { return g.squeeze(dd); });
}
Tensor unsqueeze(const Tensor& x, int64_t d) { return x.unsqueeze(d); }

Tensor Tensor::squeeze() const {
    Shape s, t;
    for (int64_t i = 0; i < dim(); ++i)
        if (size(i) != 1) {
            s.push_back(size(i));
            t.push_back(stride(i));
        }
    Shape in(sizes().begin(), sizes().end());
    return finish_view("SqueezeBackward0", *this, make_view(*this, s, t, storage_offset()),
                       [in](const Tensor& g) { return g.reshape(in); });
}
Tensor Tensor::squeeze(int64_t d) const {
    if (dim() == 0) return *this;
    int64_t dd = wrap_dim(d, dim(), "squeeze");
    if (size(dd) != 1) return *this;
    Shape s(sizes().begin(), sizes().end()), t(strides().begin(), strides().end());
    s.erase(s.begin() + dd);
    t.erase(t.begin() + dd);
    return finish_view("SqueezeBackward1", *this, make_view(*this, s, t, storage_offset()),
                       [dd](const Tensor& g) { return g.unsqueeze(dd); });
}
Tensor squeeze(const Tensor& x) { return x.squeeze(); }
Tensor squeeze(const Tensor& x, int64_t d) { return x.squeeze(d); }

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
    if (dim() == 0) return reshape({1});
    int64_t a = wrap_dim(start_dim, dim(), "flatten"), b = wrap_dim(end_dim, dim(), "flatten");
    EMBER_ENFORCE(a <= b, ValueError, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
    Shape s;
    for (int64_t i = 0; i < a; ++i) s.push_back(size(i));
    int64_t m = 1;
    for (int64_t i = a; i <= b; ++i) m *= size(i);
    s.push_back(m);
    for (int64_t i = b + 1; i < dim(); ++i) s.push_back(size(i));
    return reshape(s);
}
Tensor flatten(const Tensor& x, int64_t a, int64_t b) { return x.flatten(a, b); }

// ---- copies ----

Tensor Tensor::contiguous() const {
    if (is_contiguous()) return *this;
    return clone();
}

Tensor Tensor::clone() const {
    Tensor out = make_empty(sizes(), dtype(), device());
    copy_into(out, *this);
    if (autograd::needs_grad(*this))
        autograd::record("CloneBackward0", {*this}, out, [](const Tensor& g, const Node&) -> Grads { return {g}; });
    return out;
}

Tensor Tensor::to(ScalarType t, bool /*non_blocking*/, bool copy) const {
    if (t == dtype()) return copy ? clone() : *this;
    Tensor out = make_empty(sizes(), t, device());
    copy_into(out, *this);
    if (autograd::needs_grad(*this) && is_floating(t)) {
        ScalarType from = dtype();
        autograd::record("ToCopyBackward0", {*this}, out,
                         [from](const Tensor& g, const Node&) -> Grads { return {g.to(from)}; });
    }
    return out;
}

Tensor Tensor::to(Device d, bool /*non_blocking*/, bool copy) const {
    if (d == device()) return copy ? clone() : *this;
    ensure_backend(d, "to");
    Tensor out = make_empty(sizes(), dtype(), d);
    copy_into(out, *this);
    if (autograd::needs_grad(*this)) {
        Device from = device();
        autograd::record("ToCopyBackward0", {*this}, out,
                         [from](const Tensor& g, const Node&) -> Grads { return {g.to(from)}; });
    }
    return out;
}
Tensor Tensor::to(Device d, ScalarType t, bool /*non_blocking*/, bool copy) const {
    if (d == device() && t == dtype()) return copy ? clone() : *this;
    return to(d).to(t);
}
Tensor Tensor::to(const TensorOptions& o, bool non_blocking, bool copy) const {
    return to(o.has_device() ? o.device() : device(), o.has_dtype() ? o.dtype() : dtype(), non_blocking, copy);
}
Tensor Tensor::to(const Tensor& other, bool non_blocking, bool copy) const {
    return to(other.device(), other.dtype(), non_blocking, copy);
}

Tensor Tensor::detach() const {
    Tensor out = make_view(*this, sizes(), strides(), storage_offset());
    out.impl()->is_view = impl()->is_view;
    return out;
}

Tensor& Tensor::detach_() {
    TensorImpl* t = impl();
    t->grad_fn.reset();
    t->requires_grad = false;
    t->output_nr = 0;
    return *this;
}

// ---- splitting into several views ----

namespace {
// The one backward node of an op that returns several views of its input along `dim`
// (libtorch's UnbindBackward0 and SplitBackward0): the outputs' gradients, zeros for those that
// were not used (the engine fills them in), stacked (unbind) or concatenated (split) back into
// the input's shape, with differentiable ops so that second-order gradients go through.
class MultiViewBackward final : public Node {
public:
    MultiViewBackward(const char* name, int64_t dim, bool stacked) : name_(name), dim_(dim), stacked_(stacked) {}
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        return {stacked_ ? stack(grads, dim_) : cat(grads, dim_)};
    }
    std::string name() const override { return name_; }

private:
    const char* name_;
    int64_t dim_;
    bool stacked_;
};

std::vector<Tensor> finish_views(const char* name, const Tensor& x, std::vector<Tensor> views, int64_t dim,
                                 bool stacked) {
    if (!views.empty() && autograd::needs_grad(x)) {
        std::vector<Tensor*> outs;
        outs.reserve(views.size());
        for (Tensor& v : views) outs.push_back(&v);
        autograd::connect(std::make_shared<MultiViewBackward>(name, dim, stacked), std::vector<Tensor>{x}, outs);
    }
    return views;
}

// Views of x along d at the given lengths (no history).
std::vector<Tensor> split_views(const Tensor& x, int64_t d, const std::vector<int64_t>& lengths) {
    Shape s(x.sizes().begin(), x.sizes().end()), t(x.strides().begin(), x.strides().end());
    std::vector<Tensor> out;
    out.reserve(lengths.size());
    int64_t start = 0;
    for (int64_t len : lengths) {
        s[d] = len;
        out.push_back(make_view(x, s, t, x.storage_offset() + start * x.stride(d)));
        start += len;
    }
    return out;
}
}  // namespace

std::vector<Tensor> Tensor::unbind(int64_t d) const {
    EMBER_ENFORCE(dim() > 0, IndexError, "unbind: cannot unbind a 0-dim tensor");
    const int64_t dd = wrap_dim(d, dim(), "unbind");
    Shape s, t;
    for (int64_t i = 0; i < dim(); ++i)
        if (i != dd) {
            s.push_back(size(i));
            t.push_back(stride(i));
        }
    std::vector<Tensor> out;
    out.reserve(static_cast<std::size_t>(size(dd)));
    for (int64_t i = 0; i < size(dd); ++i) out.push_back(make_view(*this, s, t, storage_offset() + i * stride(dd)));
    return finish_views("UnbindBackward0", *this, std::move(out), dd, /*stacked=*/true);
}
std::vector<Tensor> unbind(const Tensor& x, int64_t d) { return x.unbind(d); }

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
    EMBER_ENFORCE(dim() > 0, IndexError, "split: cannot split a 0-dim tensor");
    const int64_t dd = wrap_dim(d, dim(), "split");
    const int64_t n = size(dd);
    EMBER_ENFORCE(split_size >= 0, ValueError, "split: split_size must be non-negative, got ", split_size);
    EMBER_ENFORCE(split_size > 0 || n == 0, ValueError, "split: split_size can only be 0 if the dim is empty, but dim ",
                  d, " of ", describe(*this), " has size ", n);
    // As libtorch: ceil(n / split_size) pieces, the last one shorter; one empty piece when n = 0.
    const int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
    std::vector<int64_t> lengths;
    for (int64_t i = 0; i < pieces; ++i) lengths.push_back(std::min(split_size, n - i * split_size));
    return finish_views("SplitBackward0", *this, split_views(*this, dd, lengths), dd, /*stacked=*/false);
}
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t d) { return x.split(split_size, d); }

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
    EMBER_ENFORCE(dim() > 0, IndexError, "chunk: cannot chunk a 0-dim tensor");
    EMBER_ENFORCE(chunks > 0, ValueError, "chunk: chunks must be greater than 0, got ", chunks);
    const int64_t dd = wrap_dim(d, dim(), "chunk");
    const int64_t n = size(dd);
    if (n == 0) {
        // libtorch's rule for an empty dim: `chunks` empty pieces.
        return finish_views("SplitBackward0", *this, split_views(*this, dd, std::vector<int64_t>(chunks, 0)), dd,
                            /*stacked=*/false);
    }
    return split((n + chunks - 1) / chunks, dd);
}
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t d) { return x.chunk(chunks, d); }

// ---- joining ----

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
    EMBER_ENFORCE(!tensors.empty(), ValueError, "cat: expected a non-empty list of tensors");
    const Tensor& first = tensors[0];
    check_defined("cat", first);
    int64_t d = wrap_dim(dim, std::max<int64_t>(first.dim(), 1), "cat");
    EMBER_ENFORCE(first.dim() > 0, ShapeError, "cat: zero-dim tensors cannot be concatenated");
    Shape out_shape(first.sizes().begin(), first.sizes().end());
    ScalarType t = first.dtype();
    out_shape[d] = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const Tensor& x = tensors[i];
        check_defined("cat", x);
        check_same_device("cat", first, x);
        EMBER_ENFORCE(x.dim() == first.dim(), ShapeError, "cat: tensor ", i, " has shape ", shape_str(x.sizes()),
                      " but tensor 0 has shape ", shape_str(first.sizes()), " (different number of dims)");
        for (int64_t k = 0; k < x.dim(); ++k)
            EMBER_ENFORCE(k == d || x.size(k) == first.size(k), ShapeError, "cat: tensor ", i, " has shape ",
                          shape_str(x.sizes()), " but tensor 0 has shape ", shape_str(first.sizes()),
                          "; sizes must match except in dim ", d);
        out_shape[d] += x.size(d);
        t = promote_types(t, x.dtype());
    }
    Tensor out = make_empty(out_shape, t, first.device());
    int64_t offset = 0;
    std::vector<int64_t> lengths;
    for (const Tensor& x : tensors) {
        NoGradGuard g;
        if (x.size(d) > 0) copy_into(out.narrow(d, offset, x.size(d)), x);
        offset += x.size(d);
        lengths.push_back(x.size(d));
    }
    bool any = false;
    for (const Tensor& x : tensors) any |= x.requires_grad();
    if (any && GradMode::is_enabled()) {
        detail::record_n("CatBackward0", tensors, out, [lengths, d](const Tensor& g, const Node&) -> Grads {
            Grads r;
            int64_t off = 0;
            for (int64_t len : lengths) {
                r.push_back(g.narrow(d, off, len));
                off += len;
            }
            return r;
        });
    }
    return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
    EMBER_ENFORCE(!tensors.empty(), ValueError, "stack: expected a non-empty list of tensors");
    int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
    std::vector<Tensor> parts;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        EMBER_ENFORCE(tensors[i].sizes() == tensors[0].sizes(), ShapeError, "stack: tensor ", i, " has shape ",
                      shape_str(tensors[i].sizes()), " but tensor 0 has shape ", shape_str(tensors[0].sizes()));
        parts.push_back(tensors[i].unsqueeze(d));
    }
    return cat(parts, d);
}

}  // namespace ember
