// Sorting and scans along one dim: sort, argsort, topk, cumsum, cumprod. The loops are the host's
// (cpu/sort_scan.h); a CUDA tensor is copied to the host for them and the results copied back, so
// both devices give the same values and indices (docs/cuda.md). The backward of each is written
// with differentiable ops: sort and topk put the gradient back at the indices (scatter_add),
// cumsum's adjoint is the reversed running sum.
#include "cpu/sort_scan.h"
#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// x on the host with `d` moved last, contiguous: a [rows, n] buffer.
struct Rows {
    Tensor t;
    int64_t rows = 0, n = 0;
};
Rows host_rows(const Tensor& x, int64_t d) {
    NoGradGuard g;
    Tensor h = x.detach().to(Device(kCPU));
    if (h.dim() == 0) h = h.reshape({1});
    Rows r;
    r.t = h.transpose(d, -1).contiguous();
    r.n = h.size(d);
    r.rows = r.n == 0 ? 0 : r.t.numel() / r.n;
    return r;
}

// A [.., n] result of host_rows' layout back in x's layout and on x's device.
Tensor from_rows(const Tensor& r, const Tensor& x, int64_t d) {
    NoGradGuard g;
    Tensor out = r.transpose(d, -1).contiguous().to(x.device());
    return x.dim() == 0 ? out.reshape({}) : out;
}

std::tuple<Tensor, Tensor> sort_impl(const char* op, const char* node, const Tensor& x, int64_t dim, bool descending,
                                     int64_t k) {
    const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
    Rows r = host_rows(x, d);
    Tensor values = make_empty(r.t.sizes(), x.dtype(), Device(kCPU));
    Tensor indices = make_empty(r.t.sizes(), kInt64, Device(kCPU));
    if (r.rows > 0)
        cpu::sort_rows(x.dtype(), r.t.raw_data_ptr(), values.raw_data_ptr(), indices.data_ptr<int64_t>(), r.rows, r.n,
                       descending);
    if (k >= 0) {
        values = values.narrow(-1, 0, k);
        indices = indices.narrow(-1, 0, k);
    }
    values = from_rows(values, x, d);
    indices = from_rows(indices, x, d);
    if (autograd::needs_grad(x)) {
        // values = gather(x, d, indices): the gradient goes back to the position each value came from.
        Shape xs(x.sizes().begin(), x.sizes().end());
        Tensor idx = indices;
        autograd::record(node, {x}, values, [xs, d, idx](const Tensor& g, const Node&) -> Grads {
            if (xs.empty()) return {g};
            return {scatter_add(zeros(xs, g.options()), d, idx, g)};
        });
    }
    return {values, indices};
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending) {
    check_defined("sort", x);
    return sort_impl("sort", "SortBackward0", x, dim, descending, -1);
}
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> /*stable: ember's sort always is*/, int64_t dim,
                                bool descending) {
    check_defined("sort", x);
    return sort_impl("sort", "SortBackward1", x, dim, descending, -1);
}
Tensor argsort(const Tensor& x, int64_t dim, bool descending) {
    NoGradGuard g;
    return std::get<1>(sort(x, dim, descending));
}
Tensor argsort(const Tensor& x, bool stable, int64_t dim, bool descending) {
    NoGradGuard g;
    return std::get<1>(sort(x, std::optional<bool>(stable), dim, descending));
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool /*sorted*/) {
    const char* op = "topk";
    check_defined(op, x);
    const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
    const int64_t n = x.dim() == 0 ? 1 : x.size(d);
    EMBER_ENFORCE(k >= 0 && k <= n, IndexError, "topk: k = ", k, " is out of range for dim ", dim, " of size ", n,
                  " in ", describe(x), " (expected 0 <= k <= ", n, ")");
    return sort_impl(op, "TopkBackward0", x, d, largest, k);
}

namespace {

// The dtype of a running sum or product: the one asked for, else x's (int64 for bool, as libtorch
// promotes integral inputs).
ScalarType scan_dtype(const Tensor& x, std::optional<ScalarType> dtype) {
    if (dtype) return *dtype;
    return x.dtype() == kBool ? kInt64 : x.dtype();
}

Tensor scan_forward(const char* op, const Tensor& x, int64_t d, ScalarType t, bool product) {
    EMBER_ENFORCE(t != kBool, DTypeError, op, ": cannot accumulate in bool (input ", describe(x), ")");
    Tensor in;
    {
        NoGradGuard g;
        in = x.detach().to(t);
    }
    Rows r = host_rows(in, d);
    Tensor out = make_empty(r.t.sizes(), t, Device(kCPU));
    if (r.rows > 0) cpu::cumulative_rows(t, product, r.t.raw_data_ptr(), out.raw_data_ptr(), r.rows, r.n);
    return from_rows(out, x, d);
}

}  // namespace

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
    const char* op = "cumsum";
    check_defined(op, x);
    const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
    const ScalarType t = scan_dtype(x, dtype);
    Tensor y = scan_forward(op, x, d, t, false);
    if (autograd::needs_grad(x) && is_floating(t)) {
        const ScalarType from = x.dtype();
        const bool scalar = x.dim() == 0;
        // y_j = sum_{i <= j} x_i, so dL/dx_i = sum_{j >= i} g_j: the running sum of g taken from the end.
        autograd::record("CumsumBackward0", {x}, y, [d, from, scalar](const Tensor& g, const Node&) -> Grads {
            if (scalar) return {g.to(from)};
            return {g.flip({d}).cumsum(d).flip({d}).to(from)};
        });
    }
    return y;
}

Tensor cumprod(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype) {
    const char* op = "cumprod";
    check_defined(op, x);
    const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
    const ScalarType t = scan_dtype(x, dtype);
    Tensor y = scan_forward(op, x, d, t, true);
    if (autograd::needs_grad(x) && is_floating(t)) {
        SavedTensor sx(x, false);
        const bool scalar = x.dim() == 0;
        const ScalarType from = x.dtype();
        // y_j = prod_{k <= j} x_k, so dy_j/dx_i = prod_{k <= j, k != i} x_k for j >= i (0 for j < i),
        // which holds where x has zeros too (the quotient y_j / x_i would not). With x moved to the
        // last dim: P[.., i, j] = cumprod_j of x with x_i replaced by 1; dL/dx_i = sum_{j >= i} g_j P[i, j].
        // It costs n^2 per row (a [.., n, n] tensor).
        autograd::record("CumprodBackward0", {x}, y, [sx, d, scalar, from](const Tensor& g, const Node& nd) -> Grads {
            Tensor X = sx.unpack(nd);
            if (scalar) return {g.to(from)};
            Tensor xl = X.to(g.dtype()).transpose(d, -1);
            Tensor gl = g.transpose(d, -1);
            const int64_t n = xl.size(-1);
            Shape sq(xl.sizes().begin(), xl.sizes().end());
            sq.insert(sq.end() - 1, n);  // [.., i, k]
            TensorOptions io = TensorOptions().dtype(kInt64).device(g.device());
            Tensor pos = arange(n, io);
            Tensor diag = pos.unsqueeze(1) == pos.unsqueeze(0);   // [i, k]: k == i
            Tensor upper = pos.unsqueeze(0) >= pos.unsqueeze(1);  // [i, j]: j >= i
            Tensor others = where(diag, 1.0, xl.unsqueeze(-2).expand(sq));
            Tensor P = where(upper, others.cumprod(-1), 0.0);
            Tensor gx = sum(P * gl.unsqueeze(-2), {-1});
            return {gx.transpose(d, -1).to(from)};
        });
    }
    return y;
}

}  // namespace ember
