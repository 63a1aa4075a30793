// Reductions. Each one is brought to the 2-D picture of kernels::Reduce2D: the kept dims become
// `outer`, the reduced dims `inner`; when the strides do not allow that without a copy, the
// permuted input is made contiguous first.
#include <cmath>
#include <numeric>

#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

struct ReducePlan {
    std::vector<bool> reduced;
    Shape kept_sizes;   // output sizes without keepdim
    Shape keep_sizes;   // output sizes with keepdim (1 on reduced dims)
    int64_t count = 1;  // elements per result
};

ReducePlan plan_reduce(const char* op, const Tensor& x, IntArrayRef dims) {
    ReducePlan p;
    const int64_t nd = x.dim();
    p.reduced.assign(static_cast<std::size_t>(nd), dims.empty());
    for (int64_t d : dims) {
        int64_t w = wrap_dim(d, nd, op);
        EMBER_ENFORCE(nd == 0 || !p.reduced[w], ValueError, op, ": dimension ", d, " appears twice in ",
                      shape_str(dims));
        if (nd > 0) p.reduced[w] = true;
    }
    for (int64_t d = 0; d < nd; ++d) {
        if (p.reduced[d]) {
            p.count *= x.size(d);
            p.keep_sizes.push_back(1);
        } else {
            p.kept_sizes.push_back(x.size(d));
            p.keep_sizes.push_back(x.size(d));
        }
    }
    return p;
}

// Merges a run of dims into one (size, stride) if they are laid out as one; false otherwise.
bool merge_dims(const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides, int64_t& size,
                int64_t& stride) {
    size = 1;
    stride = 1;
    bool first = true;
    for (std::size_t i = sizes.size(); i-- > 0;) {
        if (sizes[i] == 1) continue;
        if (first) {
            stride = strides[i];
            first = false;
        } else if (strides[i] != stride * size) {
            return false;
        }
        size *= sizes[i];
    }
    return true;
}

// Runs a reduction kernel; values (dtype of x) and/or indices (int64) come back with kept_sizes.
void run_reduce(ReduceOp op, const Tensor& x, const ReducePlan& p, Tensor* values, Tensor* indices) {
    if (is_reduced_float(x.dtype())) {
        // float16/bfloat16 reduce in float32 (sums accumulate there), the values rounded once.
        Tensor xf, vf;
        {
            NoGradGuard g;
            xf = x.to(kFloat32);
        }
        run_reduce(op, xf, p, values ? &vf : nullptr, indices);
        if (values) {
            *values = make_empty(vf.sizes(), x.dtype(), x.device());
            copy_into(*values, vf);
        }
        return;
    }
    std::vector<int64_t> ks, kt, rs, rt;
    for (int64_t d = 0; d < x.dim(); ++d) {
        (p.reduced[d] ? rs : ks).push_back(x.size(d));
        (p.reduced[d] ? rt : kt).push_back(x.stride(d));
    }
    kernels::Reduce2D r;
    Tensor src = x;
    int64_t outer, os, inner, is;
    if (!(merge_dims(ks, kt, outer, os) && merge_dims(rs, rt, inner, is))) {
        std::vector<int64_t> perm;
        for (int64_t d = 0; d < x.dim(); ++d)
            if (!p.reduced[d]) perm.push_back(d);
        for (int64_t d = 0; d < x.dim(); ++d)
            if (p.reduced[d]) perm.push_back(d);
        NoGradGuard g;
        src = x.permute(perm).contiguous();
        outer = 1;
        for (int64_t s : ks) outer *= s;
        inner = p.count;
        os = inner;
        is = 1;
    }
    if (values) *values = make_empty(p.kept_sizes, x.dtype(), x.device());
    if (indices) *indices = make_empty(p.kept_sizes, kInt64, x.device());
    r.in = static_cast<const char*>(src.raw_data_ptr());
    r.outer = outer;
    r.inner = inner;
    r.outer_stride = os;
    r.inner_stride = is;
    r.out = values ? static_cast<char*>(values->raw_data_ptr()) : nullptr;
    r.indices = indices ? indices->data_ptr<int64_t>() : nullptr;
    r.dtype = x.dtype();
    if (outer == 0) return;
    if (op == ReduceOp::Sum && inner == 0) {
        fill_kernel_any(*values, 0);
        return;
    }
    EMBER_KERNEL(x.device(), reduce_kernel, op, r);
}

Tensor keep_or_squeeze(const Tensor& t, const ReducePlan& p, bool keepdim) {
    return keepdim ? t.view(p.keep_sizes) : t;
}

}  // namespace

Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim) {
    check_defined("sum", x);
    // Integers and bool sum in int64, as in PyTorch (a sum of uint8 pixels would wrap in uint8).
    Tensor in = x.dtype() == kBool || is_integral(x.dtype()) ? x.to(kInt64) : x;
    ReducePlan p = plan_reduce("sum", in, dims);
    Tensor out;
    run_reduce(ReduceOp::Sum, in, p, &out, nullptr);
    out = keep_or_squeeze(out, p, keepdim);
    if (autograd::needs_grad(x)) {
        Shape xs(x.sizes().begin(), x.sizes().end());
        Shape ks = p.keep_sizes;
        autograd::record(dims.empty() ? "SumBackward0" : "SumBackward1", {x}, out,
                         [xs, ks](const Tensor& g, const Node&) -> Grads { return {g.reshape(ks).expand(xs)}; });
    }
    return out;
}
Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim) {
    check_floating("mean", x);
    ReducePlan p = plan_reduce("mean", x, dims);
    const double count = static_cast<double>(p.count);
    Tensor out;
    {
        NoGradGuard g;
        // float16/bfloat16: sum and divide in float32, rounded once.
        if (is_reduced_float(x.dtype()))
            out = (sum(x.to(kFloat32), dims, keepdim) / count).to(x.dtype());
        else
            out = sum(x, dims, keepdim) / count;
    }
    if (autograd::needs_grad(x)) {
        // Recorded as one node (libtorch's MeanBackward0/1), not as the sum and division it runs.
        Shape xs(x.sizes().begin(), x.sizes().end());
        Shape ks = p.keep_sizes;
        autograd::record(dims.empty() ? "MeanBackward0" : "MeanBackward1", {x}, out,
                         [xs, ks, count](const Tensor& g, const Node&) -> Grads {
                             return {g.reshape(ks).expand(xs) / count};  // d mean = g / n for each element
                         });
    }
    return out;
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

namespace {
std::tuple<Tensor, Tensor> extreme_dim(ReduceOp op, const char* name, const char* node, const Tensor& x, int64_t dim,
                                       bool keepdim) {
    check_defined(name, x);
    EMBER_ENFORCE(x.dtype() != kBool, DTypeError, name, ": not defined for ", describe(x));
    int64_t d = wrap_dim(dim, x.dim(), name);
    EMBER_ENFORCE(x.dim() == 0 || x.size(d) > 0, ValueError, name, ": cannot reduce over dimension ", dim,
                  " of size 0 in ", describe(x));
    ReducePlan p = plan_reduce(name, x, {d});
    Tensor values, indices;
    run_reduce(op, x, p, &values, &indices);
    values = keep_or_squeeze(values, p, keepdim);
    indices = keep_or_squeeze(indices, p, keepdim);
    if (autograd::needs_grad(x)) {
        Shape xs(x.sizes().begin(), x.sizes().end());
        Shape ks = p.keep_sizes;
        Tensor idx = indices.reshape(ks);
        int64_t dd = x.dim() == 0 ? 0 : d;
        autograd::record(node, {x}, values, [xs, ks, idx, dd](const Tensor& g, const Node&) -> Grads {
            if (xs.empty()) return {g.reshape({})};
            return {scatter_add(zeros(xs, g.options()), dd, idx, g.reshape(ks))};
        });
    }
    return {values, indices};
}

// amax/amin and the full max/min: the gradient is shared evenly between tied maxima.
Tensor extreme_all(ReduceOp op, const char* name, const char* node, const Tensor& x, IntArrayRef dims, bool keepdim) {
    check_defined(name, x);
    EMBER_ENFORCE(x.numel() > 0, ValueError, name, ": cannot reduce an empty tensor ", describe(x));
    ReducePlan p = plan_reduce(name, x, dims);
    Tensor values;
    run_reduce(op, x, p, &values, nullptr);
    values = keep_or_squeeze(values, p, keepdim);
    if (autograd::needs_grad(x)) {
        SavedTensor sx(x, false), sy(values, true);
        Shape ks = p.keep_sizes;
        std::vector<int64_t> rdims;
        for (int64_t d = 0; d < x.dim(); ++d)
            if (p.reduced[d]) rdims.push_back(d);
        autograd::record(node, {x}, values, [sx, sy, ks, rdims](const Tensor& g, const Node& n) -> Grads {
            Tensor X = sx.unpack(n);
            Tensor mask = (X == sy.unpack(n).detach().reshape(ks)).to(g.dtype());
            Tensor count = sum(mask, rdims, true);
            return {mask / count * g.reshape(ks)};
        });
    }
    return values;
}
}  // namespace

std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
    return extreme_dim(ReduceOp::Max, "max", "MaxBackward0", x, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
    return extreme_dim(ReduceOp::Min, "min", "MinBackward0", x, dim, keepdim);
}
Tensor max(const Tensor& x) { return extreme_all(ReduceOp::Max, "max", "MaxBackward1", x, {}, false); }
Tensor min(const Tensor& x) { return extreme_all(ReduceOp::Min, "min", "MinBackward1", x, {}, false); }
Tensor amax(const Tensor& x, IntArrayRef dims, bool keepdim) {
    return extreme_all(ReduceOp::Max, "amax", "AmaxBackward0", x, dims, keepdim);
}
Tensor amin(const Tensor& x, IntArrayRef dims, bool keepdim) {
    return extreme_all(ReduceOp::Min, "amin", "AminBackward0", x, dims, keepdim);
}

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
    NoGradGuard g;
    return std::get<1>(max(x, dim, keepdim));
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
    NoGradGuard g;
    return std::get<1>(min(x, dim, keepdim));
}
Tensor argmax(const Tensor& x) { return argmax(x.reshape({-1}), 0, false); }
Tensor argmin(const Tensor& x) { return argmin(x.reshape({-1}), 0, false); }

Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim) {
    check_floating("logsumexp", x);
    // log sum exp(x) = m + log sum exp(x - m) with m the (detached) maximum: nothing overflows,
    // and the gradient is softmax(x) because m's contributions cancel. An infinite m is replaced
    // by 0 so that -inf rows give -inf and +inf rows give +inf rather than NaN.
    Tensor m;
    {
        NoGradGuard g;
        m = amax(x, dims, true);
        m = where(abs(m) == std::numeric_limits<double>::infinity(), zeros_like(m), m);
    }
    Tensor r = log(sum(exp(x - m), dims, true)) + m;
    if (!keepdim) {
        ReducePlan p = plan_reduce("logsumexp", x, dims);
        r = r.reshape(p.kept_sizes);
    }
    return r;
}

namespace {
Tensor softmax_impl(bool log_, const Tensor& x, int64_t dim) {
    const char* name = log_ ? "log_softmax" : "softmax";
    check_floating(name, x);
    int64_t d = wrap_dim(dim, x.dim(), name);
    Tensor y;
    {
        NoGradGuard g;
        bool last = x.dim() == 0 || d == x.dim() - 1;
        Tensor src = last ? x.contiguous() : x.transpose(d, -1).contiguous();
        if (is_reduced_float(src.dtype())) src = src.to(kFloat32);  // computed in float32, rounded below
        Tensor out = make_empty(src.sizes(), src.dtype(), src.device());
        int64_t inner = x.dim() == 0 ? 1 : x.size(d);
        int64_t outer = inner == 0 ? 0 : src.numel() / inner;
        if (src.numel() > 0)
            EMBER_KERNEL(x.device(), softmax_kernel, log_, src.dtype(), src.raw_data_ptr(), out.raw_data_ptr(), outer,
                         inner);
        y = last ? out : out.transpose(d, -1).contiguous();
        if (y.dtype() != x.dtype()) y = y.to(x.dtype());
    }
    if (autograd::needs_grad(x)) {
        SavedTensor sy(y, true);
        int64_t dd = x.dim() == 0 ? 0 : d;
        autograd::record(log_ ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {x}, y,
                         [sy, dd, log_](const Tensor& g, const Node& n) -> Grads {
                             Tensor Y = sy.unpack(n);
                             if (log_) return {g - exp(Y) * sum(g, {dd}, true)};  // d log_softmax: g - softmax * sum(g)
                             return {Y * (g - sum(g * Y, {dd}, true))};           // d softmax: y (g - <g, y>)
                         });
    }
    return y;
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(false, x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(true, x, dim); }

Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
    check_floating("var", x);
    ReducePlan p = plan_reduce("var", x, dims);
    Tensor c = x - mean(x, dims, true);
    double denom = static_cast<double>(p.count) - (unbiased ? 1.0 : 0.0);
    return sum(c * c, dims, keepdim) / denom;
}
namespace {
// sqrt for std and norm: where the result is 0 the gradient is 0 (as in libtorch), not the
// inf * 0 = NaN that sqrt's own gradient would give for a constant input or an all-zero tensor.
Tensor sqrt_zero_grad_at_zero(const char* node, const Tensor& v) {
    Tensor y;
    {
        NoGradGuard g;
        y = sqrt(v);
    }
    if (autograd::needs_grad(v)) {
        SavedTensor sy(y, true);
        autograd::record(node, {v}, y, [sy](const Tensor& g, const Node& n) -> Grads {
            Tensor Y = sy.unpack(n);
            Tensor nz = Y != 0.0;
            return {where(nz, g / where(nz, Y * 2.0, ones_like(Y)), zeros_like(g))};
        });
    }
    return y;
}
}  // namespace

Tensor std(const Tensor& x, IntArrayRef dims, bool unbiased, bool keepdim) {
    return sqrt_zero_grad_at_zero("StdBackward0", var(x, dims, unbiased, keepdim));
}
namespace {
// v^(1/p) for the general p-norm, with the gradient y / (p v) (0 where y = 0, as for sqrt).
Tensor root_zero_grad_at_zero(const char* node, const Tensor& v, double p) {
    Tensor y;
    {
        NoGradGuard g;
        y = pow(v, 1.0 / p);
    }
    if (autograd::needs_grad(v)) {
        SavedTensor sv(v, false), sy(y, true);
        autograd::record(node, {v}, y, [sv, sy, p](const Tensor& g, const Node& n) -> Grads {
            Tensor Y = sy.unpack(n), V = sv.unpack(n);
            Tensor nz = Y != 0.0;
            return {where(nz, g * Y / where(nz, V * p, ones_like(V)), zeros_like(g))};
        });
    }
    return y;
}

Tensor norm_impl(const Tensor& x, double p, IntArrayRef dims, bool keepdim, const char* node) {
    check_floating("norm", x);
    if (std::isinf(p)) return p > 0 ? amax(abs(x), dims, keepdim) : amin(abs(x), dims, keepdim);
    if (p == 0) {
        NoGradGuard g;  // the count of non-zeros has no gradient
        return sum((x != 0.0).to(x.dtype()), dims, keepdim);
    }
    if (p == 1) return sum(abs(x), dims, keepdim);
    if (p == 2) return sqrt_zero_grad_at_zero(node, sum(x * x, dims, keepdim));
    return root_zero_grad_at_zero(node, sum(pow(abs(x), p), dims, keepdim), p);
}
}  // namespace

Tensor norm(const Tensor& x, const Scalar& p) { return norm_impl(x, p.toDouble(), {}, false, "NormBackward0"); }
Tensor norm(const Tensor& x, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim) {
    return norm_impl(x, p ? p->toDouble() : 2.0, dim, keepdim, "NormBackward1");
}

// any / all: counts of the non-zero (zero) elements, compared with 0. NaN is non-zero.
Tensor any(const Tensor& x) {
    check_defined("any", x);
    NoGradGuard g;
    return sum(x != 0.0) > 0.0;
}
Tensor all(const Tensor& x) {
    check_defined("all", x);
    NoGradGuard g;
    return sum(x == 0.0) == 0.0;
}
Tensor any(const Tensor& x, int64_t dim, bool keepdim) {
    check_defined("any", x);
    NoGradGuard g;
    const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), "any");
    return x.dim() == 0 ? x != 0.0 : sum(x != 0.0, {d}, keepdim) > 0.0;
}
Tensor all(const Tensor& x, int64_t dim, bool keepdim) {
    check_defined("all", x);
    NoGradGuard g;
    const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), "all");
    return x.dim() == 0 ? x != 0.0 : sum(x == 0.0, {d}, keepdim) == 0.0;
}

Tensor sum_to_size(const Tensor& x, IntArrayRef shape) {
    if (x.sizes() == shape) return x;
    // Sum the leading dims x has in excess, and the dims where `shape` has 1 but x does not.
    const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
    EMBER_ENFORCE(lead >= 0, ShapeError, "sum_to_size: cannot sum ", describe(x), " to the larger shape ",
                  shape_str(shape));
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < lead; ++d) dims.push_back(d);
    for (std::size_t i = 0; i < shape.size(); ++i) {
        int64_t d = lead + static_cast<int64_t>(i);
        if (shape[i] == 1 && x.size(d) != 1)
            dims.push_back(d);
        else
            EMBER_ENFORCE(shape[i] == x.size(d), ShapeError, "sum_to_size: ", describe(x),
                          " is not broadcast from shape ", shape_str(shape));
    }
    if (dims.empty()) return x.reshape(shape);
    Tensor kept = sum(x, dims, true);
    // Without leading dims the kept sum has the target shape already: no view node on the tape.
    return lead == 0 ? kept : kept.reshape(shape);
}

}  // namespace ember
