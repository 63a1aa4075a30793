// Numerical robustness: the log/exp-based ops and losses stay finite and accurate for inputs of
// magnitude 1e4 (both signs, mixed with small values) in float32 and float64, and so do their
// gradients. References are closed forms evaluated in double on the (rounded) input values.
#include <algorithm>
#include <cmath>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;
namespace F = ember::nn::functional;

namespace {

// Magnitudes up to 1e4 of both signs, around softplus's threshold (20), and small values.
const std::vector<double> kXs = {-1e4, -5e3, -100, -30, -20.5, -1, -1e-3, 0, 1e-3, 1, 20.5, 30, 100, 5e3, 1e4};

double softplus_ref(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
double sigmoid_ref(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
double log_sigmoid_ref(double x) { return -softplus_ref(-x); }

struct Tol {
    double rtol, atol;
};
// float32 keeps ~7 digits; float64 results are limited by softplus's threshold (x above 20 is
// returned as is, an absolute error below e^-20 = 2e-9, as in PyTorch).
Tol tol(ember::ScalarType dt) { return dt == ember::kFloat32 ? Tol{1e-5, 1e-6} : Tol{1e-9, 1e-8}; }

std::string dt_name(ember::ScalarType dt) { return ember::dtype_name(dt); }

Tensor leaf(const std::vector<double>& v, const Sizes& shape, ember::ScalarType dt) {
    Tensor t = make(v, shape, dt);
    t.requires_grad_(true);
    return t;
}

void require_all_finite(const Tensor& t, const std::string& what) {
    for (double v : raw_values(t)) {
        INFO(what << ": " << v);
        REQUIRE(std::isfinite(v));
    }
}

// Rows mixing +-1e4 with small values, an all-equal large row, a small row and near-ties.
const Sizes kRowsShape = {4, 4};
const std::vector<double> kRows = {1e4,  -1e4,  0,       1e-3,  //
                                   -1e4, -1e4,  -1e4,    -1e4,  //
                                   1e-3, -2e-3, 5e-4,    0,     //
                                   5e3,  1e4,   1e4 - 1, -5e3};

// log sum_j exp(x_ij) over `dim` (0 or 1) of a rows x cols matrix, in double.
std::vector<double> logsumexp_ref(const std::vector<double>& x, int64_t rows, int64_t cols, int dim) {
    std::vector<double> out;
    int64_t n_out = dim == 1 ? rows : cols, n_red = dim == 1 ? cols : rows;
    for (int64_t o = 0; o < n_out; ++o) {
        auto at = [&](int64_t k) { return dim == 1 ? x[o * cols + k] : x[k * cols + o]; };
        double m = -INFINITY;
        for (int64_t k = 0; k < n_red; ++k) m = std::max(m, at(k));
        double s = 0;
        for (int64_t k = 0; k < n_red; ++k) s += std::exp(at(k) - m);
        out.push_back(m + std::log(s));
    }
    return out;
}

// log_softmax along `dim` in double, same layout as x.
std::vector<double> log_softmax_ref(const std::vector<double>& x, int64_t rows, int64_t cols, int dim) {
    std::vector<double> lse = logsumexp_ref(x, rows, cols, dim), out(x.size());
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = x[i * cols + j] - lse[dim == 1 ? i : j];
    return out;
}

}  // namespace

TEST_CASE("robustness: softplus, log_sigmoid and sigmoid at +-1e4", "[robustness]") {
    for (ember::ScalarType dt : {ember::kFloat32, ember::kFloat64}) {
        Tol t = tol(dt);
        Tensor x = leaf(kXs, {static_cast<int64_t>(kXs.size())}, dt);
        const std::vector<double> xv = raw_values(x);
        std::vector<double> sp, ls, sg, dsp, dls, dsg;
        for (double v : xv) {
            sp.push_back(softplus_ref(v));
            ls.push_back(log_sigmoid_ref(v));
            sg.push_back(sigmoid_ref(v));
            dsp.push_back(sigmoid_ref(v));                    // softplus' = sigmoid
            dls.push_back(sigmoid_ref(-v));                   // log_sigmoid' = sigmoid(-x)
            dsg.push_back(sigmoid_ref(v) * sigmoid_ref(-v));  // sigmoid' = s (1 - s)
        }
        struct Case {
            const char* name;
            std::function<Tensor(const Tensor&)> fn;
            const std::vector<double>&value, &grad;
        };
        const std::vector<Case> cases = {
            {"softplus", [](const Tensor& a) { return ember::softplus(a); }, sp, dsp},
            {"log_sigmoid", [](const Tensor& a) { return ember::log_sigmoid(a); }, ls, dls},
            {"sigmoid", [](const Tensor& a) { return ember::sigmoid(a); }, sg, dsg},
        };
        for (const Case& c : cases) {
            std::string what = std::string(c.name) + " " + dt_name(dt);
            x.set_grad(Tensor());
            Tensor y = c.fn(x);
            require_all_finite(y, what);
            require_close(raw_values(y), c.value, t.rtol, t.atol, what);
            y.sum().backward();
            require_all_finite(x.grad(), what + " grad");
            require_close(raw_values(x.grad()), c.grad, t.rtol, t.atol, what + " grad");
        }
        // beta scales the input: softplus(x; beta) = softplus(beta x) / beta, gradient sigmoid(beta x).
        x.set_grad(Tensor());
        Tensor y = ember::softplus(x, 2.0);
        std::vector<double> want, dwant;
        for (double v : xv) {
            want.push_back(softplus_ref(2 * v) / 2);
            dwant.push_back(sigmoid_ref(2 * v));
        }
        require_close(raw_values(y), want, t.rtol, t.atol, "softplus beta=2");
        y.sum().backward();
        require_close(raw_values(x.grad()), dwant, t.rtol, t.atol, "softplus beta=2 grad");
    }
}

TEST_CASE("robustness: logsumexp, softmax and log_softmax with +-1e4 mixed with small values", "[robustness]") {
    for (ember::ScalarType dt : {ember::kFloat32, ember::kFloat64}) {
        Tol t = tol(dt);
        for (int dim : {0, 1}) {
            std::string what = std::string(dt_name(dt)) + " dim " + std::to_string(dim);
            Tensor x = leaf(kRows, kRowsShape, dt);
            const std::vector<double> xv = raw_values(x);
            std::vector<double> lse = logsumexp_ref(xv, 4, 4, dim), lsm = log_softmax_ref(xv, 4, 4, dim), sm;
            for (double v : lsm) sm.push_back(std::exp(v));

            // logsumexp: value, and gradient softmax.
            Tensor l = ember::logsumexp(x, {dim});
            require_all_finite(l, "logsumexp " + what);
            require_close(raw_values(l), lse, t.rtol, t.atol, "logsumexp " + what);
            l.sum().backward();
            require_close(raw_values(x.grad()), sm, t.rtol, t.atol, "logsumexp grad " + what);

            // log_softmax with an upstream gradient g: d = g - softmax * sum(g).
            std::vector<double> g = random_values(16, -1, 1, 5 + dim);
            Tensor G = make(g, kRowsShape, dt);
            x.set_grad(Tensor());
            Tensor ls = ember::log_softmax(x, dim);
            require_all_finite(ls, "log_softmax " + what);
            require_close(raw_values(ls), lsm, t.rtol, t.atol, "log_softmax " + what);
            (ls * G).sum().backward();
            std::vector<double> want(16);
            for (int64_t i = 0; i < 4; ++i)
                for (int64_t j = 0; j < 4; ++j) {
                    double gs = 0;
                    for (int64_t k = 0; k < 4; ++k) gs += dim == 1 ? g[i * 4 + k] : g[k * 4 + j];
                    want[i * 4 + j] = g[i * 4 + j] - sm[i * 4 + j] * gs;
                }
            require_close(raw_values(x.grad()), want, t.rtol, t.atol, "log_softmax grad " + what);

            // softmax: d = y (g - <g, y>).
            x.set_grad(Tensor());
            Tensor s = ember::softmax(x, dim);
            require_close(raw_values(s), sm, t.rtol, t.atol, "softmax " + what);
            (s * G).sum().backward();
            for (int64_t i = 0; i < 4; ++i)
                for (int64_t j = 0; j < 4; ++j) {
                    double gy = 0;
                    for (int64_t k = 0; k < 4; ++k)
                        gy += dim == 1 ? g[i * 4 + k] * sm[i * 4 + k] : g[k * 4 + j] * sm[k * 4 + j];
                    want[i * 4 + j] = sm[i * 4 + j] * (g[i * 4 + j] - gy);
                }
            require_close(raw_values(x.grad()), want, t.rtol, t.atol, "softmax grad " + what);
        }
    }
}

TEST_CASE("robustness: cross_entropy with logits of magnitude 1e4", "[robustness][losses]") {
    for (ember::ScalarType dt : {ember::kFloat32, ember::kFloat64}) {
        Tol t = tol(dt);
        Tensor x = leaf(kRows, kRowsShape, dt);
        const std::vector<double> xv = raw_values(x);
        std::vector<int64_t> target = {0, 2, 1, 3};
        std::vector<double> lsm = log_softmax_ref(xv, 4, 4, 1);
        std::vector<double> want, dwant(16);
        for (int64_t i = 0; i < 4; ++i) {
            want.push_back(-lsm[i * 4 + target[i]]);
            for (int64_t j = 0; j < 4; ++j)
                dwant[i * 4 + j] = (std::exp(lsm[i * 4 + j]) - (j == target[i] ? 1.0 : 0.0)) / 4;  // mean over 4
        }
        REQUIRE(want[3] == Approx(1.5e4).epsilon(1e-4));  // target -5e3 against 1e4: a loss of 1.5e4
        std::string what = std::string("cross_entropy ") + dt_name(dt);
        Tensor per = F::cross_entropy(x, ember::tensor(target),
                                      ember::nn::CrossEntropyLossOptions().reduction(ember::nn::Reduction::None));
        require_close(raw_values(per), want, t.rtol, t.atol, what);
        Tensor loss = F::cross_entropy(x, ember::tensor(target));
        loss.backward();
        require_all_finite(x.grad(), what + " grad");
        require_close(raw_values(x.grad()), dwant, t.rtol, t.atol, what + " grad");

        // Class-probability targets.
        std::vector<double> probs = {0.5, 0, 0.25, 0.25, 1, 0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0, 0.5, 0.5, 0};
        x.set_grad(Tensor());
        Tensor lp = F::cross_entropy(x, make(probs, kRowsShape, dt),
                                     ember::nn::CrossEntropyLossOptions().reduction(ember::nn::Reduction::None));
        std::vector<double> wantp(4, 0.0);
        for (int64_t i = 0; i < 4; ++i)
            for (int64_t j = 0; j < 4; ++j) wantp[i] -= probs[i * 4 + j] * lsm[i * 4 + j];
        require_close(raw_values(lp), wantp, t.rtol, t.atol, what + " probabilities");
        // d/dx_ij of sum_i l_i = softmax_ij sum_k p_ik - p_ij (each row of p sums to 1 here).
        std::vector<double> dwantp(16);
        for (int64_t i = 0; i < 4; ++i) {
            double row = 0;
            for (int64_t k = 0; k < 4; ++k) row += probs[i * 4 + k];
            for (int64_t j = 0; j < 4; ++j) dwantp[i * 4 + j] = std::exp(lsm[i * 4 + j]) * row - probs[i * 4 + j];
        }
        lp.sum().backward();
        require_all_finite(x.grad(), what + " probabilities grad");
        require_close(raw_values(x.grad()), dwantp, t.rtol, t.atol, what + " probabilities grad");
        // The mean over the batch: (softmax(x) - p) / N.
        x.set_grad(Tensor());
        F::cross_entropy(x, make(probs, kRowsShape, dt)).backward();
        for (double& g : dwantp) g /= 4;
        require_close(raw_values(x.grad()), dwantp, t.rtol, t.atol, what + " probabilities mean grad");
    }
}

TEST_CASE("robustness: binary_cross_entropy_with_logits at +-1e4", "[robustness][losses]") {
    for (ember::ScalarType dt : {ember::kFloat32, ember::kFloat64}) {
        Tol t = tol(dt);
        const std::vector<double> ys = {0.0, 1.0, 0.25};
        std::vector<double> zs, yv;
        for (double z : kXs)
            for (double y : ys) {
                zs.push_back(z);
                yv.push_back(y);
            }
        const int64_t n = static_cast<int64_t>(zs.size());
        for (double q : {1.0, 3.0}) {
            std::string what = std::string("bce_with_logits ") + dt_name(dt) + " pos_weight " + std::to_string(q);
            Tensor z = leaf(zs, {n}, dt);
            Tensor y = make(yv, {n}, dt);
            const std::vector<double> zr = raw_values(z);
            // l = -[q y log s(z) + (1 - y) log(1 - s(z))] = q y softplus(-z) + (1 - y) softplus(z)
            // dl/dz = -q y s(-z) + (1 - y) s(z)
            std::vector<double> want, dwant;
            for (int64_t i = 0; i < n; ++i) {
                want.push_back(q * yv[i] * softplus_ref(-zr[i]) + (1 - yv[i]) * softplus_ref(zr[i]));
                dwant.push_back(-q * yv[i] * sigmoid_ref(-zr[i]) + (1 - yv[i]) * sigmoid_ref(zr[i]));
            }
            auto opts = ember::nn::BCEWithLogitsLossOptions().reduction(ember::nn::Reduction::None);
            if (q != 1.0) opts.pos_weight(ember::full({n}, q, ember::dtype(dt)));
            Tensor l = F::binary_cross_entropy_with_logits(z, y, opts);
            require_all_finite(l, what);
            // Cancellation (z - z y at z = 1e4) leaves an absolute error of a few ulps of 1e4.
            require_close(raw_values(l), want, t.rtol, t.atol, what);
            l.sum().backward();
            require_all_finite(z.grad(), what + " grad");
            require_close(raw_values(z.grad()), dwant, t.rtol, t.atol, what + " grad");
        }
    }
}

TEST_CASE("robustness: binary_cross_entropy at probabilities 0 and 1", "[robustness][losses]") {
    // As PyTorch: each log is clamped to >= -100, and the gradient is (p - y) / max(p (1 - p), 1e-12),
    // so p = 0 or 1 gives a finite loss (at most 100 per element) and a finite gradient.
    for (ember::ScalarType dt : {ember::kFloat32, ember::kFloat64}) {
        Tol t = tol(dt);
        const std::vector<double> ps = {0.0, 1.0, 0.5, 1e-30, 1 - std::ldexp(1.0, -24), 1e-3};
        const std::vector<double> ys = {0.0, 1.0, 0.3};
        std::vector<double> pv, yv;
        for (double p : ps)
            for (double y : ys) {
                pv.push_back(p);
                yv.push_back(y);
            }
        const int64_t n = static_cast<int64_t>(pv.size());
        Tensor p = leaf(pv, {n}, dt);
        Tensor y = make(yv, {n}, dt);
        const std::vector<double> pr = raw_values(p);
        std::vector<double> want, dwant;
        for (int64_t i = 0; i < n; ++i) {
            double lp = std::max(std::log(pr[i]), -100.0), l1p = std::max(std::log1p(-pr[i]), -100.0);
            want.push_back(-(yv[i] * lp + (1 - yv[i]) * l1p));
            dwant.push_back((pr[i] - yv[i]) / std::max(pr[i] * (1 - pr[i]), 1e-12));
        }
        std::string what = std::string("binary_cross_entropy ") + dt_name(dt);
        Tensor l = F::binary_cross_entropy(p, y, ember::nn::BCELossOptions().reduction(ember::nn::Reduction::None));
        require_all_finite(l, what);
        require_close(raw_values(l), want, t.rtol, t.atol, what);
        l.sum().backward();
        require_all_finite(p.grad(), what + " grad");
        require_close(raw_values(p.grad()), dwant, dt == ember::kFloat32 ? 1e-5 : 1e-9, 1e-6, what + " grad");
    }
}

TEST_CASE("robustness: RBM free energy with pre-activations of +-1e4", "[robustness][rbm]") {
    // F(v) = -b.v - sum_j softplus(c_j + W_j v); dF/dW_ji = -s(a_j) v_i, dF/db = -v, dF/dc = -s(a).
    // The weights mix +-1e4 with small values without cancelling each other inside a_j.
    const int64_t nv = 3, nh = 3;
    const std::vector<double> W = {1e4, 1e-3, 0.5, -1e4, 0.25, -1e-3, 0.1, -0.2, 0.3};
    const std::vector<double> b = {1e4, -0.5, 1e-3}, c = {1e-3, -3, 0.5};
    const std::vector<double> V = {1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0};
    for (ember::ScalarType dt : {ember::kFloat32, ember::kFloat64}) {
        Tol t = tol(dt);
        ember::nn::RBM rbm(nv, nh);
        rbm->to(dt);
        {
            ember::NoGradGuard no_grad;
            rbm->weight.copy_(make(W, {nh, nv}, dt));
            rbm->visible_bias.copy_(make(b, {nv}, dt));
            rbm->hidden_bias.copy_(make(c, {nh}, dt));
        }
        const std::vector<double> Wr = raw_values(rbm->weight), br = raw_values(rbm->visible_bias),
                                  cr = raw_values(rbm->hidden_bias);
        Tensor v = make(V, {4, nv}, dt);
        std::vector<double> want, dW(nh * nv, 0.0), db(nv, 0.0), dc(nh, 0.0);
        for (int64_t n = 0; n < 4; ++n) {
            double f = 0;
            for (int64_t i = 0; i < nv; ++i) f -= br[i] * V[n * nv + i];
            for (int64_t j = 0; j < nh; ++j) {
                double a = cr[j];
                for (int64_t i = 0; i < nv; ++i) a += Wr[j * nv + i] * V[n * nv + i];
                f -= softplus_ref(a);
                for (int64_t i = 0; i < nv; ++i) dW[j * nv + i] -= sigmoid_ref(a) * V[n * nv + i];
                dc[j] -= sigmoid_ref(a);
            }
            for (int64_t i = 0; i < nv; ++i) db[i] -= V[n * nv + i];
            want.push_back(f);
        }
        std::string what = std::string("RBM free_energy ") + dt_name(dt);
        Tensor fe = rbm->free_energy(v);
        require_all_finite(fe, what);
        require_close(raw_values(fe), want, t.rtol, t.atol, what);
        fe.sum().backward();
        require_close(raw_values(rbm->weight.grad()), dW, t.rtol, t.atol, what + " dW");
        require_close(raw_values(rbm->visible_bias.grad()), db, t.rtol, t.atol, what + " db");
        require_close(raw_values(rbm->hidden_bias.grad()), dc, t.rtol, t.atol, what + " dc");
    }
}
