// Matrix products. A strided operand whose rows or columns are contiguous is handed to GEMM as
// it is, with a transpose flag; only an operand with neither layout is copied.
#include "ops/internal.h"

namespace ember {

using namespace detail;
using autograd::Node;
using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

namespace {

// How GEMM reads a [rows, cols] matrix view: transposed or not, and its leading dimension.
struct GemmOperand {
    Tensor t;
    bool trans = false;
    int64_t ld = 1;
};

GemmOperand as_gemm_operand(const Tensor& m) {
    const int64_t r = m.size(0), c = m.size(1);
    const int64_t s0 = m.stride(0), s1 = m.stride(1);
    if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(1, c)) return {m, false, std::max<int64_t>(s0, 1)};
    if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(1, r)) return {m, true, std::max<int64_t>(s1, 1)};
    Tensor cm = m.contiguous();
    return {cm, false, std::max<int64_t>(c, 1)};
}

void check_matmul_args(const char* op, const Tensor& a, const Tensor& b) {
    check_defined(op, a, "first operand");
    check_defined(op, b, "second operand");
    check_same_device(op, a, b);
    EMBER_ENFORCE(a.dtype() == b.dtype(), DTypeError, op, ": expected operands of the same dtype, got ", describe(a),
                  " and ", describe(b));
    check_floating(op, a);
}

// C[M,N] = alpha A[M,K] B[K,N] + beta C into a contiguous C (no autograd; beta == 0: C not read).
void gemm_into(const Tensor& C, const Tensor& A, const Tensor& B, double beta = 0, double alpha = 1) {
    if (is_reduced_float(C.dtype())) {
        // float16/bfloat16: a float32 product (float32 accumulation), rounded once into C. Every
        // matrix product (mm, bmm, addmm, linear, matmul) comes through here.
        NoGradGuard no_grad;
        Tensor Cf = beta != 0 ? C.to(kFloat32).contiguous() : make_empty(C.sizes(), kFloat32, C.device());
        gemm_into(Cf, A.to(kFloat32), B.to(kFloat32), beta, alpha);
        copy_into(C, Cf);
        return;
    }
    const int64_t M = A.size(0), K = A.size(1), N = B.size(1);
    if (M == 0 || N == 0) return;
    GemmOperand a = as_gemm_operand(A), b = as_gemm_operand(B);
    EMBER_KERNEL(C.device(), gemm_kernel, C.dtype(), a.trans, b.trans, M, N, K, alpha, a.t.raw_data_ptr(), a.ld,
                 b.t.raw_data_ptr(), b.ld, beta, C.raw_data_ptr(), std::max<int64_t>(N, 1));
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
    check_matmul_args("mm", a, b);
    EMBER_ENFORCE(a.dim() == 2 && b.dim() == 2, ShapeError, "mm: expected 2-D matrices, got ", describe(a), " and ",
                  describe(b));
    EMBER_ENFORCE(a.size(1) == b.size(0), ShapeError, "mm: shapes ", shape_str(a.sizes()), " and ",
                  shape_str(b.sizes()), " cannot be multiplied (", a.size(1), " != ", b.size(0), ")");
    Tensor out = make_empty({a.size(0), b.size(1)}, a.dtype(), a.device());
    gemm_into(out, a, b);
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(ga ? b : Tensor(), false);
        autograd::record("MmBackward0", {a, b}, out, [sa, sb, ga, gb](const Tensor& g, const Node& n) -> Grads {
            // dA = G B^T, dB = A^T G (the transposes are views: GEMM reads them with flags)
            return {ga ? mm(g, sb.unpack(n).t()) : Tensor(), gb ? mm(sa.unpack(n).t(), g) : Tensor()};
        });
    }
    return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
    check_matmul_args("bmm", a, b);
    EMBER_ENFORCE(a.dim() == 3 && b.dim() == 3, ShapeError, "bmm: expected 3-D batches of matrices, got ", describe(a),
                  " and ", describe(b));
    EMBER_ENFORCE(a.size(0) == b.size(0) && a.size(2) == b.size(1), ShapeError, "bmm: shapes ", shape_str(a.sizes()),
                  " and ", shape_str(b.sizes()), " do not match (expected [B, M, K] and [B, K, N])");
    const int64_t B = a.size(0);
    Tensor out = make_empty({B, a.size(1), b.size(2)}, a.dtype(), a.device());
    {
        NoGradGuard g;
        for (int64_t i = 0; i < B; ++i) gemm_into(out.select(0, i), a.select(0, i), b.select(0, i));
    }
    if (autograd::needs_grad(a, b)) {
        bool ga = a.requires_grad(), gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(ga ? b : Tensor(), false);
        autograd::record("BmmBackward0", {a, b}, out, [sa, sb, ga, gb](const Tensor& g, const Node& n) -> Grads {
            return {ga ? bmm(g, sb.unpack(n).transpose(1, 2)) : Tensor(),
                    gb ? bmm(sa.unpack(n).transpose(1, 2), g) : Tensor()};
        });
    }
    return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
    check_matmul_args("matmul", a, b);
    const int64_t da = a.dim(), db = b.dim();
    EMBER_ENFORCE(da >= 1 && db >= 1, ShapeError, "matmul: both operands need at least 1 dim, got ", describe(a),
                  " and ", describe(b));
    // The contracted sizes, checked here so that the error names matmul and the caller's shapes
    // (not the unsqueezed operands handed to mm).
    const int64_t ka = a.size(-1), kb = db == 1 ? b.size(0) : b.size(-2);
    EMBER_ENFORCE(ka == kb, ShapeError, "matmul: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                  " cannot be multiplied (", ka, " != ", kb, ")");
    if (da == 1 && db == 1) return sum(a * b);
    if (da == 2 && db == 2) return mm(a, b);
    if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
    if (da == 2 && db == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
    // Batched: a vector operand becomes a matrix (and its dim is dropped at the end).
    Tensor A = da == 1 ? a.unsqueeze(0) : a;
    Tensor B = db == 1 ? b.unsqueeze(1) : b;
    const int64_t M = A.size(-2), K = A.size(-1), K2 = B.size(-2), N = B.size(-1);
    EMBER_ENFORCE(K == K2, ShapeError, "matmul: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                  " cannot be multiplied (", K, " != ", K2, ")");
    Shape out_shape;
    if (B.dim() == 2) {
        // [..., M, K] @ [K, N]: fold the batch into the rows, one GEMM.
        Tensor r = mm(A.reshape({-1, K}), B);
        for (int64_t d = 0; d < A.dim() - 1; ++d) out_shape.push_back(A.size(d));
        out_shape.push_back(N);
        r = r.reshape(out_shape);
        if (da == 1) r = r.squeeze(-2);
        if (db == 1) r = r.squeeze(-1);
        return r;
    }
    IntArrayRef ba(A.sizes().data(), A.dim() - 2), bb(B.sizes().data(), B.dim() - 2);
    Shape batch;
    try {
        batch = broadcast_shapes(ba, bb, "matmul");
    } catch (const ShapeError&) {
        throw ShapeError(str_cat("matmul: the batch dims of ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                                 " cannot be broadcast together (", shape_str(ba), " vs ", shape_str(bb), ")"));
    }
    int64_t nb = 1;
    for (int64_t s : batch) nb *= s;
    Shape ea = batch, eb = batch;
    ea.push_back(M);
    ea.push_back(K);
    eb.push_back(K);
    eb.push_back(N);
    Tensor r = bmm(A.expand(ea).reshape({nb, M, K}), B.expand(eb).reshape({nb, K, N}));
    out_shape = batch;
    out_shape.push_back(M);
    out_shape.push_back(N);
    r = r.reshape(out_shape);
    if (da == 1) r = r.squeeze(-2);
    if (db == 1) r = r.squeeze(-1);
    return r;
}

Tensor outer(const Tensor& a, const Tensor& b) {
    EMBER_ENFORCE(a.dim() == 1 && b.dim() == 1, ShapeError, "outer: expected two vectors, got ", describe(a), " and ",
                  describe(b));
    return mm(a.unsqueeze(1), b.unsqueeze(0));
}

Tensor addmm(const Tensor& self, const Tensor& a, const Tensor& b, double beta, double alpha) {
    check_matmul_args("addmm", a, b);
    check_defined("addmm", self, "self");
    EMBER_ENFORCE(a.dim() == 2 && b.dim() == 2, ShapeError, "addmm: expected 2-D matrices, got ", describe(a), " and ",
                  describe(b));
    EMBER_ENFORCE(a.size(1) == b.size(0), ShapeError, "addmm: shapes ", shape_str(a.sizes()), " and ",
                  shape_str(b.sizes()), " cannot be multiplied (", a.size(1), " != ", b.size(0), ")");
    if (self.dtype() != a.dtype() || self.device() != a.device() || self.dim() > 2) {
        // Type promotion, or a device error: the composition says what is wrong.
        Tensor p = mm(a, b);
        if (alpha != 1) p = p * alpha;
        if (beta == 0) {
            if (!autograd::needs_grad(self)) return p;
            return where(zeros({}, TensorOptions().dtype(kBool).device(p.device())), self, p);
        }
        return beta == 1 ? self + p : self * beta + p;
    }
    // One GEMM: out = self (broadcast), then out = alpha a b + beta out. With beta == 0 self's
    // values are ignored, as in libtorch (a NaN in it does not propagate).
    const int64_t M = a.size(0), N = b.size(1);
    broadcast_shapes(self.sizes(), {M, N}, "addmm");
    Tensor out = make_empty({M, N}, a.dtype(), a.device());
    if (beta != 0) copy_into(out, self);
    gemm_into(out, a, b, beta, alpha);
    if (autograd::needs_grad(self, a, b)) {
        bool gs = self.requires_grad(), ga = a.requires_grad(), gb = b.requires_grad();
        SavedTensor sa(gb ? a : Tensor(), false), sb(ga ? b : Tensor(), false);
        Shape zs(self.sizes().begin(), self.sizes().end());
        autograd::record("AddmmBackward0", {self, a, b}, out,
                         [sa, sb, zs, gs, ga, gb, alpha, beta](const Tensor& g, const Node& n) -> Grads {
                             // d self = beta g (summed to self's shape; zeros when beta == 0, as in
                             // libtorch), d a = alpha g b^T, d b = alpha a^T g
                             Tensor da = ga ? mm(g, sb.unpack(n).t()) : Tensor();
                             Tensor db = gb ? mm(sa.unpack(n).t(), g) : Tensor();
                             if (alpha != 1) {
                                 if (ga) da = da * alpha;
                                 if (gb) db = db * alpha;
                             }
                             Tensor ds;
                             if (gs)
                                 ds = beta == 0 ? zeros(zs, g.options()) : sum_to_size(beta == 1 ? g : g * beta, zs);
                             return {ds, da, db};
                         });
    }
    return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    check_matmul_args("linear", x, weight);
    EMBER_ENFORCE(x.dim() == 2 && weight.dim() == 2 && x.size(1) == weight.size(1), ShapeError, "linear: input ",
                  describe(x), " and weight ", describe(weight), " do not match (expected [N, in] and [out, in])");
    const bool has_bias = bias.defined();
    if (has_bias) {
        check_same_device("linear", x, bias);
        // Another dtype (promotion) or a bias that only broadcasts: the composition handles it.
        if (bias.dtype() != x.dtype() || bias.dim() != 1 || bias.size(0) != weight.size(0))
            return mm(x, weight.t()) + bias;
    }
    // y = x W^T + b as one GEMM (W read transposed in place), the bias rows copied in first.
    Tensor out = make_empty({x.size(0), weight.size(0)}, x.dtype(), x.device());
    if (has_bias) copy_into(out, bias);
    gemm_into(out, x, weight.t(), has_bias ? 1.0 : 0.0);
    if (autograd::needs_grad(x, weight, bias)) {
        bool gx = x.requires_grad(), gw = weight.requires_grad(), gb = has_bias && bias.requires_grad();
        SavedTensor sx(gw ? x : Tensor(), false), sw(gx ? weight : Tensor(), false);
        autograd::record(has_bias ? "AddmmBackward0" : "MmBackward0", {x, weight, bias}, out,
                         [sx, sw, gx, gw, gb](const Tensor& g, const Node& n) -> Grads {
                             // dx = g W, dW = g^T x ([out, in], contiguous: no transposed copy), db = column sums of g
                             return {gx ? mm(g, sw.unpack(n)) : Tensor(), gw ? mm(g.t(), sx.unpack(n)) : Tensor(),
                                     gb ? g.sum({0}) : Tensor()};
                         });
    }
    return out;
}

}  // namespace ember
