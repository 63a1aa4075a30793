// Tensor::index and Tensor::index_put_: NumPy's indexing rules through libtorch's TensorIndex.
//
// Basic indices (integers, slices, None, Ellipsis, booleans) only compose views (select, slice,
// unsqueeze), so they share storage and autograd records them as those views. Tensor indices
// ("advanced" indexing) gather: the dims they index are flattened into one and the positions
// become one linear position each, so that a single index_select does the copy, on either device,
// with index_select's backward. Several tensor indices broadcast together; their result dims stand
// where the indexed dims stood when those were adjacent, and first otherwise (NumPy's rule).
#include <limits>
#include <sstream>

#include "ember/tensor/indexing.h"
#include "ops/internal.h"

namespace ember {

using namespace detail;
using indexing::TensorIndex;

namespace indexing {

Slice::Slice(std::optional<int64_t> start, std::optional<int64_t> stop, std::optional<int64_t> step)
    : start_(start.value_or(0)), stop_(stop.value_or(std::numeric_limits<int64_t>::max())), step_(step.value_or(1)) {
    EMBER_ENFORCE(step_ != 0, ValueError, "Slice: slice step cannot be zero");
}

TensorIndex::TensorIndex(const char* str) : type_(TensorIndexType::Ellipsis) {
    EMBER_ENFORCE(str != nullptr && std::string(str) == "...", IndexError,
                  "TensorIndex: the only string index is \"...\" (Ellipsis), got \"", str ? str : "(null)", "\"");
}

std::ostream& operator<<(std::ostream& os, const TensorIndex& i) {
    switch (i.type()) {
        case TensorIndexType::None: return os << "None";
        case TensorIndexType::Ellipsis: return os << "...";
        case TensorIndexType::Integer: return os << i.integer();
        case TensorIndexType::Boolean: return os << (i.boolean() ? "true" : "false");
        case TensorIndexType::Slice:
            return os << i.slice().start() << ':' << i.slice().stop() << ':' << i.slice().step();
        case TensorIndexType::Tensor: return os << describe(i.tensor());
    }
    return os;
}

}  // namespace indexing

namespace {

std::string indices_str(ArrayRef<TensorIndex> indices) {
    std::ostringstream os;
    os << '{';
    for (std::size_t i = 0; i < indices.size(); ++i) os << (i ? ", " : "") << indices[i];
    os << '}';
    return os.str();
}

// The result of the basic indices: the view they select, and the tensor indices still to apply,
// each as int64 positions (a bool mask becomes one position tensor per dim it covers) with the
// dim of `view` it indexes.
struct Selection {
    Tensor view;
    std::vector<int64_t> dims;
    std::vector<Tensor> positions;
};

// How many dims of the tensor an index consumes (Ellipsis, None and booleans consume none).
int64_t consumed_dims(const TensorIndex& i, const char* op) {
    if (i.is_integer() || i.is_slice()) return 1;
    if (!i.is_tensor()) return 0;
    const Tensor& t = i.tensor();
    check_defined(op, t, "index");
    EMBER_ENFORCE(t.dtype() == kInt64 || t.dtype() == kBool, DTypeError, op,
                  ": tensors used as indices must be int64 (positions) or bool (masks), got ", describe(t));
    return t.dtype() == kBool ? t.dim() : 1;
}

// The positions of a mask's true elements, one int64 CPU tensor per mask dim (nonzero's columns;
// on the host, where linearize reads them).
std::vector<Tensor> mask_positions(const Tensor& mask) {
    const std::vector<bool> bits = mask.contiguous().to_vector<bool>();
    const int64_t k = mask.dim();
    std::vector<std::vector<int64_t>> columns(static_cast<std::size_t>(k));
    for (int64_t flat = 0; flat < static_cast<int64_t>(bits.size()); ++flat) {
        if (!bits[static_cast<std::size_t>(flat)]) continue;
        int64_t rest = flat;
        for (int64_t d = k - 1; d >= 0; --d) {
            columns[static_cast<std::size_t>(d)].push_back(rest % mask.size(d));
            rest /= mask.size(d);
        }
    }
    std::vector<Tensor> out;
    for (const std::vector<int64_t>& c : columns) out.push_back(ember::tensor(c));
    return out;
}

Selection select_basic(const Tensor& self, ArrayRef<TensorIndex> indices, const char* op) {
    check_defined(op, self);
    int64_t consumed = 0, ellipses = 0;
    for (const TensorIndex& i : indices) {
        consumed += consumed_dims(i, op);
        ellipses += i.is_ellipsis() ? 1 : 0;
    }
    EMBER_ENFORCE(ellipses <= 1, IndexError, op, ": an index can have only one ellipsis (\"...\"), got ",
                  indices_str(indices));
    EMBER_ENFORCE(consumed <= self.dim(), IndexError, op, ": too many indices for ", describe(self), ": ",
                  indices_str(indices), " index ", consumed, " dims");
    Selection s{self, {}, {}};
    int64_t d = 0;  // the dim of s.view that the next index applies to
    for (std::size_t n = 0; n < indices.size(); ++n) {
        const TensorIndex& i = indices[n];
        switch (i.type()) {
            case indexing::TensorIndexType::None: s.view = s.view.unsqueeze(d++); break;
            case indexing::TensorIndexType::Ellipsis: d += self.dim() - consumed; break;
            case indexing::TensorIndexType::Integer: s.view = s.view.select(d, i.integer()); break;
            case indexing::TensorIndexType::Boolean:
                s.view = s.view.unsqueeze(d);
                if (!i.boolean()) s.view = s.view.narrow(d, 0, 0);
                ++d;
                break;
            case indexing::TensorIndexType::Slice:
                EMBER_ENFORCE(i.slice().step() > 0, ValueError, op, ": slice step must be positive, got ",
                              i.slice().step(), " in ", indices_str(indices));
                s.view = s.view.slice(d++, i.slice().start(), i.slice().stop(), i.slice().step());
                break;
            case indexing::TensorIndexType::Tensor: {
                const Tensor& t = i.tensor();
                if (t.dtype() == kInt64) {
                    s.dims.push_back(d++);
                    s.positions.push_back(t);
                    break;
                }
                for (int64_t m = 0; m < t.dim(); ++m)
                    EMBER_ENFORCE(t.size(m) == s.view.size(d + m), IndexError, op, ": the mask ", describe(t),
                                  " (position ", n, " of ", indices_str(indices), ") does not match the shape of dims ",
                                  d, "..", d + t.dim() - 1, " of the indexed view ", describe(s.view));
                if (t.dim() == 0) {  // a 0-dim mask acts as the boolean it holds
                    s.view = s.view.unsqueeze(d);
                    if (!t.item<bool>()) s.view = s.view.narrow(d, 0, 0);
                    ++d;
                    break;
                }
                for (Tensor& p : mask_positions(t)) {
                    s.dims.push_back(d++);
                    s.positions.push_back(std::move(p));
                }
                break;
            }
        }
    }
    return s;
}

// The tensor indices of a selection as one linear position per element of their broadcast shape.
struct Linearized {
    Tensor view;      // the selection's view, its indexed dims moved together to `at`
    int64_t at = 0;   // where the indexed dims (and the result's broadcast dims) stand
    int64_t k = 0;    // how many dims the tensor indices index
    Shape broadcast;  // the broadcast shape of the positions
    std::vector<int64_t> linear;
    Shape flat_shape() const { return around(std::vector<int64_t>{indexed_numel()}); }
    Shape result_shape() const {  // the gathered shape: dims before, the broadcast dims, dims after
        return around(std::vector<int64_t>(broadcast.begin(), broadcast.end()));
    }
    int64_t indexed_numel() const {
        int64_t n = 1;
        for (int64_t j = 0; j < k; ++j) n *= view.size(at + j);
        return n;
    }
    // view's shape with its k indexed dims replaced by `middle`.
    Shape around(const std::vector<int64_t>& middle) const {
        std::vector<int64_t> s(view.sizes().begin(), view.sizes().begin() + at);
        s.insert(s.end(), middle.begin(), middle.end());
        s.insert(s.end(), view.sizes().begin() + at + k, view.sizes().end());
        return Shape(s);
    }
};

// Positions are checked and combined on the host (one read of the indices, as nonzero and the
// bounds checks need anyway): linear = ((p_0 * n_1 + p_1) * n_2 + p_2) ..., row-major over the
// indexed dims, after a negative p_j is counted from the back of its dim n_j.
Linearized linearize(const Selection& s, const char* op) {
    Linearized l;
    l.k = static_cast<int64_t>(s.dims.size());
    const bool adjacent = s.dims.back() - s.dims.front() == l.k - 1;
    l.view = s.view;
    if (adjacent) {
        l.at = s.dims.front();
    } else {
        Shape perm(s.dims.begin(), s.dims.end());
        for (int64_t d = 0; d < s.view.dim(); ++d)
            if (std::find(s.dims.begin(), s.dims.end(), d) == s.dims.end()) perm.push_back(d);
        l.view = s.view.permute(perm);
    }
    l.broadcast = Shape(s.positions[0].sizes().begin(), s.positions[0].sizes().end());
    for (const Tensor& p : s.positions) l.broadcast = broadcast_shapes(l.broadcast, p.sizes(), op);
    for (int64_t j = 0; j < l.k; ++j) {
        const int64_t n = l.view.size(l.at + j);
        const std::vector<int64_t> p =
            s.positions[static_cast<std::size_t>(j)].expand(l.broadcast).to_vector<int64_t>();
        if (j == 0) l.linear.assign(p.size(), 0);
        for (std::size_t e = 0; e < p.size(); ++e) {
            EMBER_ENFORCE(p[e] >= -n && p[e] < n, IndexError, op, ": index ", p[e], " is out of range for dim ",
                          s.dims[static_cast<std::size_t>(j)], " of size ", n, " of the indexed view ",
                          describe(s.view));
            l.linear[e] = l.linear[e] * n + (p[e] < 0 ? p[e] + n : p[e]);
        }
    }
    return l;
}

Tensor positions_tensor(const std::vector<int64_t>& v, const Tensor& like) {
    return ember::tensor(v).to(like.device());
}

}  // namespace

Tensor Tensor::index(ArrayRef<TensorIndex> indices) const {
    Selection s = select_basic(*this, indices, "index");
    if (s.dims.empty()) return s.view;
    const Linearized l = linearize(s, "index");
    Tensor gathered = l.view.reshape(l.flat_shape()).index_select(l.at, positions_tensor(l.linear, *this));
    return gathered.reshape(l.result_shape());
}

namespace {

// Writes `values` (broadcast to the gathered shape) at the selection's tensor positions of self.
void put_at_positions(Tensor& self, const Selection& s, ArrayRef<TensorIndex> indices, const Tensor& values) {
    const char* op = "index_put_";
    EMBER_ENFORCE(!(GradMode::is_enabled() && (self.requires_grad() || values.requires_grad())), NotImplementedError,
                  op, ": recording a write through tensor indices ", indices_str(indices), " into ", describe(self),
                  " for autograd is not supported; build the result out of place (where, index_add, cat) or write "
                  "under NoGradGuard");
    const Linearized l = linearize(s, op);
    const Shape flat = l.flat_shape();
    const int64_t rows_in_flat = flat[static_cast<std::size_t>(l.at)];

    // The values broadcast to the gathered shape, with the broadcast dims flattened as the
    // positions are: [dims before, one per position, dims after].
    const Shape vflat = l.around({static_cast<int64_t>(l.linear.size())});
    Tensor vals = values.to(self.device(), self.dtype()).expand(l.result_shape()).reshape(vflat);

    // Where a position repeats, the last write wins (as PyTorch's CPU kernel does; its CUDA one
    // leaves the winner unspecified): walking backwards, the first visit of a row keeps it.
    std::vector<int64_t> rows, from, hit(static_cast<std::size_t>(rows_in_flat), 0);
    for (std::size_t e = l.linear.size(); e-- > 0;) {
        int64_t& seen = hit[static_cast<std::size_t>(l.linear[e])];
        if (seen) continue;
        seen = 1;
        rows.push_back(l.linear[e]);
        from.push_back(static_cast<int64_t>(e));
    }
    // The written rows are cleared to -0.0, the identity of addition (x + -0.0 == x for every x,
    // -0.0 and +0.0 included), and the values added in: the result holds each value exactly.
    Shape hit_shape(flat.size(), 1);
    hit_shape[static_cast<std::size_t>(l.at)] = rows_in_flat;
    Tensor cleared = where(positions_tensor(hit, self).to(kBool).view(hit_shape), full({}, -0.0, self.options()),
                           l.view.reshape(flat));
    Tensor written =
        index_add(cleared, l.at, positions_tensor(rows, self), vals.index_select(l.at, positions_tensor(from, self)));
    Tensor target = l.view;  // a view of self (permuted when the indexed dims were apart)
    target.copy_(written.view(target.sizes()));
}

}  // namespace

Tensor& Tensor::index_put_(ArrayRef<TensorIndex> indices, const Tensor& values) {
    check_inplace("index_put_", *this);
    check_defined("index_put_", values, "values");
    Selection s = select_basic(*this, indices, "index_put_");
    if (s.dims.empty()) {
        s.view.copy_(values);  // a view of *this: copy_ writes through it
    } else {
        put_at_positions(*this, s, indices, values);
    }
    return *this;
}

Tensor& Tensor::index_put_(ArrayRef<TensorIndex> indices, double value) {
    check_inplace("index_put_", *this);
    Selection s = select_basic(*this, indices, "index_put_");
    if (s.dims.empty()) {
        s.view.fill_(value);
    } else {
        put_at_positions(*this, s, indices, full({}, value, options()));
    }
    return *this;
}

}  // namespace ember
