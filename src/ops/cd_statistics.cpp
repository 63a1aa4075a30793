// rbm_cd_statistics: an RBM mini-batch's contrastive-divergence statistics after its products, as
// one fused op. The math is in kernels/cd_statistics.h; each backend's cd_statistics_kernel runs
// it, and the weight gradient is one product over the stacked rows, P^T V.
#include "kernels/cd_statistics.h"
#include "ember/ops/rbm_statistics.h"
#include "ops/internal.h"

namespace ember {

using namespace detail;

namespace {

constexpr const char* kOp = "rbm_cd_statistics";

// `t` must be a `rows` x `cols` matrix (cols < 0: a vector of `rows`); `expected` says where the
// sizes come from, for the message.
void check_shape(const Tensor& t, const char* name, int64_t rows, int64_t cols, const char* expected) {
    const bool ok =
        cols < 0 ? t.dim() == 1 && t.size(0) == rows : t.dim() == 2 && t.size(0) == rows && t.size(1) == cols;
    if (ok) return;
    if (cols < 0)
        throw ShapeError(
            str_cat(kOp, ": expected ", name, " of shape [", rows, "] (", expected, "), got ", describe(t)));
    throw ShapeError(
        str_cat(kOp, ": expected ", name, " of shape [", rows, ", ", cols, "] (", expected, "), got ", describe(t)));
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> rbm_cd_statistics(const Tensor& v_data, const Tensor& h_data,
                                                                     const Tensor& a_data, const Tensor& v_model,
                                                                     const Tensor& a_model, const Tensor& a_recon,
                                                                     const Tensor& visible_bias, bool gaussian_visible,
                                                                     bool gaussian_hidden, int64_t data_count,
                                                                     int64_t model_count) {
    const std::pair<const Tensor*, const char*> inputs[] = {{&v_data, "v_data"},
                                                            {&h_data, "h_data"},
                                                            {&a_data, "a_data"},
                                                            {&v_model, "v_model"},
                                                            {&a_model, "a_model"},
                                                            {&a_recon, "a_recon"},
                                                            {&visible_bias, "visible_bias"}};
    for (auto [t, name] : inputs) check_defined(kOp, *t, name);
    check_floating(kOp, v_data);
    for (auto [t, name] : inputs) {
        EMBER_ENFORCE(t->dtype() == v_data.dtype(), DTypeError, kOp, ": expected every input of v_data's dtype ",
                      dtype_name(v_data.dtype()), ", got ", name, " ", describe(*t));
        check_same_device(kOp, v_data, *t);
    }
    EMBER_ENFORCE(v_data.dim() == 2 && v_data.size(1) > 0, ShapeError, kOp,
                  ": expected v_data of shape [n, n_visible], got ", describe(v_data));
    EMBER_ENFORCE(h_data.dim() == 2 && h_data.size(1) > 0, ShapeError, kOp,
                  ": expected h_data of shape [n, n_hidden], got ", describe(h_data));
    EMBER_ENFORCE(v_model.dim() == 2, ShapeError, kOp, ": expected v_model of shape [m, n_visible], got ",
                  describe(v_model));
    const int64_t n = v_data.size(0), nv = v_data.size(1), nh = h_data.size(1), m = v_model.size(0);
    if (data_count == 0 && model_count == 0) {  // one process: the means over this call's rows
        EMBER_ENFORCE(n > 0, ShapeError, kOp, ": expected v_data of shape [n, n_visible] with n >= 1, got ",
                      describe(v_data));
        EMBER_ENFORCE(m > 0, ShapeError, kOp, ": expected v_model of shape [m, n_visible] with m >= 1, got ",
                      describe(v_model));
        data_count = n;
        model_count = m;
    }
    EMBER_ENFORCE(n + m > 0, ShapeError, kOp, ": expected data or model rows, got v_data ", describe(v_data),
                  " and v_model ", describe(v_model));
    EMBER_ENFORCE(data_count >= std::max<int64_t>(n, 1) && model_count >= std::max<int64_t>(m, 1), ValueError, kOp,
                  ": expected data_count >= max(n, 1) and model_count >= max(m, 1) (the global batch's counts), got ",
                  data_count, " and ", model_count, " for n = ", n, " and m = ", m);
    check_shape(h_data, "h_data", n, nh, "v_data's rows");
    check_shape(a_data, "a_data", n, nh, "h_data's shape");
    check_shape(v_model, "v_model", m, nv, "v_data's visible units");
    check_shape(a_model, "a_model", m, nh, "v_model's rows, h_data's hidden units");
    check_shape(a_recon, "a_recon", n, nv, "v_data's shape");
    check_shape(visible_bias, "visible_bias", nv, -1, "v_data's visible units");

    NoGradGuard no_grad;  // statistics, not a differentiable function: nothing is recorded
    const Device device = v_data.device();
    const ScalarType dt = v_data.dtype();
    // contiguous() is a no-op on the row-major results of the products that feed this op.
    const Tensor vd = v_data.contiguous(), hd = h_data.contiguous(), ad = a_data.contiguous(),
                 vm = v_model.contiguous(), am = a_model.contiguous(), ar = a_recon.contiguous(),
                 b = visible_bias.contiguous();
    Tensor P = make_empty({n + m, nh}, dt, device), V = make_empty({n + m, nv}, dt, device);
    Tensor grad_c = make_empty({nh}, dt, device), grad_b = make_empty({nv}, dt, device);
    Tensor gap = make_empty({}, kFloat64, device), err = make_empty({}, kFloat64, device);
    kernels::CdStatisticsArgs args;
    args.n = n;
    args.m = m;
    args.data_count = static_cast<double>(data_count);
    args.model_count = static_cast<double>(model_count);
    args.nv = nv;
    args.nh = nh;
    args.gaussian_visible = gaussian_visible;
    args.gaussian_hidden = gaussian_hidden;
    args.v_data = vd.raw_data_ptr();
    args.h_data = hd.raw_data_ptr();
    args.a_data = ad.raw_data_ptr();
    args.v_model = vm.raw_data_ptr();
    args.a_model = am.raw_data_ptr();
    args.a_recon = ar.raw_data_ptr();
    args.visible_bias = b.raw_data_ptr();
    args.P = P.raw_data_ptr();
    args.V = V.raw_data_ptr();
    args.grad_hidden_bias = grad_c.raw_data_ptr();
    args.grad_visible_bias = grad_b.raw_data_ptr();
    args.free_energy_gap = static_cast<double*>(gap.raw_data_ptr());
    args.reconstruction_error = static_cast<double*>(err.raw_data_ptr());
    EMBER_KERNEL(device, cd_statistics_kernel, dt, args);
    Tensor grad_w = mm(P.t(), V);  // sum_r w_r h_r v_r^T: [nh, nv], the layout of RBM::weight
    return {grad_w, grad_b, grad_c, gap, err};
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> rbm_cd_statistics(const Tensor& v_data, const Tensor& h_data,
                                                                     const Tensor& a_data, const Tensor& v_model,
                                                                     const Tensor& a_model, const Tensor& a_recon,
                                                                     const Tensor& visible_bias, bool gaussian_visible,
                                                                     bool gaussian_hidden) {
    return rbm_cd_statistics(v_data, h_data, a_data, v_model, a_model, a_recon, visible_bias, gaussian_visible,
                             gaussian_hidden, 0, 0);
}

}  // namespace ember
