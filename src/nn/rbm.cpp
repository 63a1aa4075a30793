// The RBM module: conditionals, sampling, free energy, CD-k/PCD training.
#include "ember/nn/rbm.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <vector>

#include "cpu/vec_math.h"
#include "ember/nn/layers.h"
#include "kernels/functors.h"
#if __has_include("ember/data/progress.h")
#include "ember/data/progress.h"
#define EMBER_RBM_PROGRESS 1
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace ember::nn {

namespace {

// fit's CD statistics after the products, on the CPU, for Bernoulli visible and hidden units and
// n data rows with n negative rows: the values of the op sequence in fit's general path (up to
// summation order) in one pass per block of rows, where that path takes about fifteen ops (0.34 s
// of a 2.2 s benchmark epoch, benchmarks/RESULTS.md). Reads v0, vk [n, nv], the
// pre-activations a0, ak [n, nh] and a_rec [n, nv] (of the reconstruction p(v | p(h | v0))), h0 =
// sigmoid(a0) and b; writes
//   P = [-h0 / n; sigmoid(ak) / n] [2n, nh] and V = [v0; vk] [2n, nv] (grad_W = P^T V),
//   grad_c = column sums of P, grad_b = mean(vk) - mean(v0),
// and returns the free-energy gap grad_b.b - sum softplus(a0) / n + sum softplus(ak) / n and the
// reconstruction error sum (v0 - sigmoid(a_rec))^2 / n. Column and scalar sums are taken per block
// of kRows rows in double and added in block order, so the result does not depend on the thread
// count. float32 uses the vectorised sigmoid and softplus of the elementwise ops (same values).
struct CdStats {
    double gap = 0, err = 0;
};

template <typename T>
void map_sigmoid(const T* x, T* y, int64_t n) {
    if constexpr (sizeof(T) == 4) {
        cpu::sigmoid_f32(x, y, n);
    } else {
        for (int64_t j = 0; j < n; ++j) y[j] = kernels::SigmoidF{}(x[j]);
    }
}

template <typename T>
double softplus_sum(const T* x, T* tmp, int64_t n) {
    if constexpr (sizeof(T) == 4) {
        cpu::softplus_f32(x, tmp, n, 1.0f, 20.0f);
    } else {
        for (int64_t j = 0; j < n; ++j) tmp[j] = kernels::SoftplusF{1.0, 20.0}(x[j]);
    }
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += static_cast<double>(tmp[j]);
    return s;
}

template <typename T>
CdStats cd_statistics_cpu(int64_t n, int64_t nv, int64_t nh, const T* v0, const T* vk, const T* a0, const T* h0,
                          const T* ak, const T* a_rec, const T* b, T* P, T* V, T* grad_c, T* grad_b) {
    constexpr int64_t kRows = 8;
    const int64_t blocks = (n + kRows - 1) / kRows;
    const int64_t width = nh + nv + 2;  // per block: column sums of P and of vk - v0, the gap and error sums
    std::vector<double> part(static_cast<std::size_t>(blocks * width), 0.0);
    const T inv_n = T(1) / static_cast<T>(n);
    // One row of sigmoid/softplus values per thread, allocated here: nothing may throw inside the team.
    int threads = 1;
#ifdef _OPENMP
    if (blocks > 1 && !omp_in_parallel()) threads = omp_get_max_threads();
#endif
    const int64_t row = std::max(nh, nv);
    std::vector<T> rows(static_cast<std::size_t>(threads * row));
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        T* tmp = rows.data() + t * row;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t blk = 0; blk < blocks; ++blk) {
            double* gc = part.data() + blk * width;
            double* gb = gc + nh;
            double& gap = gb[nv];
            double& err = gb[nv + 1];
            for (int64_t i = blk * kRows; i < std::min(n, (blk + 1) * kRows); ++i) {
                T* p0 = P + i * nh;
                T* pk = P + (n + i) * nh;
                map_sigmoid(ak + i * nh, pk, nh);  // p(h | vk), scaled below
                for (int64_t j = 0; j < nh; ++j) {
                    p0[j] = h0[i * nh + j] * -inv_n;
                    pk[j] *= inv_n;
                    gc[j] += static_cast<double>(p0[j]) + static_cast<double>(pk[j]);
                }
                const T* x0 = v0 + i * nv;
                const T* xk = vk + i * nv;
                std::copy(x0, x0 + nv, V + i * nv);
                std::copy(xk, xk + nv, V + (n + i) * nv);
                map_sigmoid(a_rec + i * nv, tmp, nv);  // the reconstruction p(v | p(h | v0))
                for (int64_t j = 0; j < nv; ++j) {
                    gb[j] += static_cast<double>(xk[j]) - static_cast<double>(x0[j]);
                    const double d = static_cast<double>(x0[j]) - static_cast<double>(tmp[j]);
                    err += d * d;
                }
                gap += softplus_sum(ak + i * nh, tmp, nh) - softplus_sum(a0 + i * nh, tmp, nh);
            }
        }
    }
    std::vector<double> total(static_cast<std::size_t>(width), 0.0);
    for (int64_t blk = 0; blk < blocks; ++blk)
        for (int64_t j = 0; j < width; ++j) total[j] += part[blk * width + j];
    CdStats r;
    double bias_term = 0;
    for (int64_t j = 0; j < nh; ++j) grad_c[j] = static_cast<T>(total[j]);
    for (int64_t j = 0; j < nv; ++j) {
        grad_b[j] = static_cast<T>(total[nh + j] / static_cast<double>(n));
        bias_term += static_cast<double>(grad_b[j]) * static_cast<double>(b[j]);
    }
    r.gap = bias_term + total[nh + nv] / static_cast<double>(n);
    r.err = total[nh + nv + 1] / static_cast<double>(n);
    return r;
}

}  // namespace

RBMImpl::RBMImpl(const RBMOptions& o) : Module("RBM"), options(o) {
    EMBER_CHECK(o.n_visible_ > 0 && o.n_hidden_ > 0, ValueError, "RBM: unit counts must be positive, got ",
                o.n_visible_, " visible and ", o.n_hidden_, " hidden");
    EMBER_CHECK(!(o.visible_ == VisibleUnits::Gaussian && o.hidden_ == HiddenUnits::Gaussian), ValueError,
                "RBM: Gaussian visible and Gaussian hidden units together have no normalisable distribution");
    weight = register_parameter("weight", zeros({o.n_hidden_, o.n_visible_}));
    visible_bias = register_parameter("visible_bias", zeros({o.n_visible_}));
    hidden_bias = register_parameter("hidden_bias", zeros({o.n_hidden_}));
    reset_parameters();
}

void RBMImpl::reset_parameters(const Tensor& data) {
    NoGradGuard no_grad;
    weight.normal_(0, 0.01);
    hidden_bias.zero_();
    visible_bias.zero_();
    if (data.defined()) init_visible_bias(data);
    chains_ = Tensor();
}

void RBMImpl::init_visible_bias(const Tensor& data) {
    NoGradGuard no_grad;
    Tensor mean = data.to(weight.dtype()).to(weight.device()).mean({0});
    if (gaussian()) {
        visible_bias.copy_(mean);
    } else {
        Tensor p = mean.clamp(1e-3, 1 - 1e-3);
        visible_bias.copy_(log(p / (1.0 - p)));
    }
}

namespace {
void check_visible(const RBMImpl& rbm, const Tensor& v, const char* op) {
    EMBER_CHECK(v.defined() && v.dim() == 2 && v.size(1) == rbm.n_visible(), ShapeError, "RBM::", op,
                ": expected visible states of shape [N, ", rbm.n_visible(), "], got ", describe(v));
}
}  // namespace

Tensor RBMImpl::hidden_probs(const Tensor& v) const {
    check_visible(*this, v, "hidden_probs");
    Tensor a = functional::linear(v, weight, hidden_bias);
    return gaussian_hidden() ? a : sigmoid(a);
}

Tensor RBMImpl::visible_probs(const Tensor& h) const {
    EMBER_CHECK(h.defined() && h.dim() == 2 && h.size(1) == n_hidden(), ShapeError,
                "RBM::visible_probs: expected hidden states of shape [N, ", n_hidden(), "], got ", describe(h));
    Tensor a = addmm(visible_bias, h, weight);  // h W + b
    return gaussian() ? a : sigmoid(a);
}

Tensor RBMImpl::sample_hidden(const Tensor& v) const {
    check_visible(*this, v, "sample_hidden");
    NoGradGuard no_grad;
    Tensor a = functional::linear(v, weight, hidden_bias);
    // Bernoulli units: bernoulli(sigmoid(a)) fused (the same samples as the two ops).
    return gaussian_hidden() ? a + randn_like(a) : sigmoid_bernoulli(a);
}

Tensor RBMImpl::sample_visible(const Tensor& h) const {
    EMBER_CHECK(h.defined() && h.dim() == 2 && h.size(1) == n_hidden(), ShapeError,
                "RBM::sample_visible: expected hidden states of shape [N, ", n_hidden(), "], got ", describe(h));
    NoGradGuard no_grad;
    Tensor a = addmm(visible_bias, h, weight);  // h W + b
    return gaussian() ? a + randn_like(a) : sigmoid_bernoulli(a);
}

Tensor RBMImpl::gibbs(const Tensor& v, int64_t k) const {
    EMBER_CHECK(k >= 0, ValueError, "RBM::gibbs: k must be non-negative, got ", k);
    NoGradGuard no_grad;
    Tensor x = v;
    for (int64_t i = 0; i < k; ++i) x = sample_visible(sample_hidden(x));
    return x;
}

Tensor RBMImpl::free_energy(const Tensor& v) const {
    check_visible(*this, v, "free_energy");
    return free_energy_given(v, functional::linear(v, weight, hidden_bias));
}

Tensor RBMImpl::free_energy_given(const Tensor& v, const Tensor& a) const {
    // sum_j softplus(c_j + W_j v): softplus is evaluated stably for large |pre-activation|.
    // Gaussian hidden units: integrating h out gives ||c + W v||^2 / 2, up to ||c||^2 / 2 - (H/2) log 2 pi,
    // which does not depend on v and cancels in every difference of free energies (the CD loss).
    Tensor hidden_term = gaussian_hidden() ? (a * a).sum({1}) * 0.5 : softplus(a).sum({1});
    if (gaussian()) {
        Tensor d = v - visible_bias;
        return (d * d).sum({1}) * 0.5 - hidden_term;
    }
    return -matmul(v, visible_bias) - hidden_term;
}

Tensor RBMImpl::reconstruct(const Tensor& v) const {
    NoGradGuard no_grad;
    return visible_probs(hidden_probs(v));
}

double RBMImpl::reconstruction_error(const Tensor& v) const {
    NoGradGuard no_grad;
    Tensor d = v - reconstruct(v);
    return (d * d).sum({1}).mean().item<double>();
}

double RBMImpl::pseudo_likelihood(const Tensor& v, bool exact) const {
    EMBER_CHECK(!gaussian(), NotImplementedError,
                "RBM::pseudo_likelihood: defined here for Bernoulli visible units only");
    check_visible(*this, v, "pseudo_likelihood");
    NoGradGuard no_grad;
    Tensor x = v.to(weight.dtype());
    Tensor f = free_energy(x);
    const int64_t n = x.size(0), nv = n_visible();
    // log p(v_i | v_-i) = log sigmoid(F(v with bit i flipped) - F(v)).
    if (!exact) {
        Tensor idx = randint(0, nv, {n}, TensorOptions().dtype(kInt64).device(x.device()));
        Tensor mask = one_hot(idx, nv).to(x.dtype());
        Tensor flipped = x + mask * (1.0 - 2.0 * x);
        return (log_sigmoid(free_energy(flipped) - f) * static_cast<double>(nv)).mean().item<double>();
    }
    Tensor total = zeros({n}, x.options());
    for (int64_t i = 0; i < nv; ++i) {
        Tensor flipped = x.clone();
        Tensor col = flipped.select(1, i);
        col.copy_(1.0 - col);
        total = total + log_sigmoid(free_energy(flipped) - f);
    }
    return total.mean().item<double>();
}

Tensor RBMImpl::negative_samples(const Tensor& v_data, int64_t k, bool persistent, int64_t n_chains) {
    check_visible(*this, v_data, "negative_samples");
    NoGradGuard no_grad;
    if (!persistent) return gibbs(v_data, k);
    const int64_t n = n_chains > 0 ? n_chains : v_data.size(0);
    if (!chains_.defined() || chains_.size(0) != n || chains_.device() != v_data.device() ||
        chains_.dtype() != v_data.dtype()) {
        // Start the chains at data rows (cycled), sampled to binary states for Bernoulli units.
        std::vector<int64_t> rows(static_cast<std::size_t>(n));
        for (int64_t i = 0; i < n; ++i) rows[i] = i % v_data.size(0);
        Tensor start = v_data.index_select(0, tensor(rows).to(v_data.device()));
        chains_ = gaussian() ? start.clone() : bernoulli(start.clamp(0, 1));
    }
    chains_ = gibbs(chains_, k);
    return chains_;
}

Tensor RBMImpl::contrastive_divergence_loss(const Tensor& v_data, const Tensor& v_model) const {
    return free_energy(v_data).mean() - free_energy(v_model.detach()).mean();
}

RBMImpl::Update RBMImpl::explicit_update(const Tensor& v0, const Tensor& vk) const {
    NoGradGuard no_grad;
    const double n = static_cast<double>(v0.size(0));
    Tensor h0 = hidden_probs(v0), hk = hidden_probs(vk);
    Update u;
    u.weight = (mm(h0.t(), v0) - mm(hk.t(), vk)) / n;  // positive minus negative statistics
    u.visible_bias = (v0 - vk).mean({0});
    u.hidden_bias = (h0 - hk).mean({0});
    return u;
}

std::vector<RBMEpoch> RBMImpl::fit(const Tensor& data, const RBMTrainOptions& o) {
    check_visible(*this, data, "fit");
    EMBER_CHECK(o.batch_size > 0 && o.epochs >= 0 && o.k >= 1, ValueError,
                "RBM::fit: batch_size and k must be positive and epochs non-negative");
    Tensor X = data.to(weight.dtype()).to(weight.device());
    if (o.init_visible_bias_from_data) init_visible_bias(X);
    const int64_t n = X.size(0);
    const int64_t batches = (n + o.batch_size - 1) / o.batch_size;
    for (Tensor* p : {&weight, &visible_bias, &hidden_bias}) p->set_grad(Tensor());
    std::vector<Tensor> velocity;  // SGD momentum buffers of W, b, c (zero: the first step is plain SGD)
    for (const Tensor& p : {weight, visible_bias, hidden_bias}) velocity.push_back(zeros_like(p));
    Tensor q;  // running mean hidden activation for the sparsity penalty
    std::vector<RBMEpoch> history;
    for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
        auto t0 = std::chrono::steady_clock::now();
        double momentum = epoch <= o.momentum_switch_epoch ? o.momentum : o.final_momentum;
        double lr = o.lr;
        if (o.final_lr >= 0 && o.epochs > 1)
            lr = o.lr + (o.final_lr - o.lr) * static_cast<double>(epoch - 1) / static_cast<double>(o.epochs - 1);
        Tensor perm = randperm(n, TensorOptions().dtype(kInt64).device(X.device()));
        // On a GPU, shuffle the whole data set once per epoch and take the batches as views: an
        // indexing op reads its bad-index check back to the host (a synchronisation), so one per
        // epoch rather than one per batch. Same batches, same values as the per-batch gather.
        Tensor shuffled = X.is_cuda() ? X.index_select(0, perm) : Tensor();
        double err_sum = 0, gap_sum = 0;
        // On the CPU each batch's error is read as it comes (the progress bar shows it). On a GPU
        // that read would stall the queue every batch, so there the epoch's metrics are summed on
        // the device (float64, the same sums as on the host) and read once, at the end of the epoch.
        const bool read_each_batch = !X.is_cuda();
#ifdef EMBER_RBM_PROGRESS
        std::optional<data::ProgressBar> bar;
        if (o.progress)
            bar.emplace(batches, str_cat("RBM ", n_visible(), "-", n_hidden(), " epoch ", epoch, "/", o.epochs),
                        &std::cerr, "batches");
#endif
        Tensor err_acc, gap_acc;
        for (int64_t b = 0; b < batches; ++b) {
            int64_t start = b * o.batch_size, len = std::min(o.batch_size, n - start);
            Tensor v0 =
                shuffled.defined() ? shuffled.narrow(0, start, len) : X.index_select(0, perm.narrow(0, start, len));
            NoGradGuard no_grad;
            // The CD-k step with its statistics formed directly, the gradients autograd gives for
            // loss = mean F(v0) - mean F(vk) (contrastive_divergence_loss(); a test checks they
            // agree). Same values and random draws as negative_samples() then that loss, in four
            // products: the positive pre-activation a0 = v0 W^T + c serves p(h | v0), the hidden
            // sample and F(v0); the first negative visible step and the reconstruction share one
            // product over the rows [h sample; p(h | v0)]; the negative pre-activation ak serves
            // p(h | vk) and F(vk); and the weight gradient is one product over the 2 N rows
            //   dL/dW = P^T V,  P = [-p(h | v0) / N; p(h | vk) / Nk],  V = [v0; vk]
            // (dF/dW = -p(h | v) v^T; for Gaussian hidden units p(h | v) is the mean a).
            Tensor a0 = functional::linear(v0, weight, hidden_bias);
            Tensor h0 = gaussian_hidden() ? a0 : sigmoid(a0);  // p(h | v0)
            Tensor vk, a_rec;  // the negative samples; the pre-activation of p(v | p(h | v0)) (CD)
            Tensor recon;      // p(v | p(h | v0)) (PCD)
            if (o.persistent) {
                vk = negative_samples(v0, o.k, true, o.n_chains);
                recon = visible_probs(h0);
            } else {
                Tensor hs = gaussian_hidden() ? h0 + randn_like(h0) : bernoulli(h0);
                Tensor av = addmm(visible_bias, cat({hs, h0}), weight);  // [2 len, n_visible]
                Tensor a_neg = av.narrow(0, 0, len);
                a_rec = av.narrow(0, len, len);
                vk = gaussian() ? a_neg + randn_like(a_neg) : sigmoid_bernoulli(a_neg);
                if (o.k > 1) vk = gibbs(vk, o.k - 1);
            }
            Tensor ak = functional::linear(vk, weight, hidden_bias);
            const double nk = static_cast<double>(vk.size(0));
            Tensor grad_w, grad_c, grad_b, v0_mean;
            Tensor loss, err_t;               // the free-energy gap and the reconstruction error (general path)
            double gap_now = 0, err_now = 0;  // the same, from the CPU statistics pass
            const bool cpu_pass = !X.is_cuda() && !o.persistent && !gaussian() && !gaussian_hidden() &&
                                  (X.dtype() == kFloat32 || X.dtype() == kFloat64);
            if (cpu_pass) {
                const int64_t nv = n_visible(), nh = n_hidden();
                Tensor P = empty({2 * len, nh}, X.options()), V = empty({2 * len, nv}, X.options());
                grad_c = empty({nh}, X.options());
                grad_b = empty({nv}, X.options());
                // Op results are row-major; v0 and a_rec are row ranges of row-major tensors. contiguous() is a
                // no-op on each, and a guard should that change.
                Tensor v0c = v0.contiguous(), vkc = vk.contiguous(), a0c = a0.contiguous(), h0c = h0.contiguous(),
                       akc = ak.contiguous(), a_recc = a_rec.contiguous();
                const CdStats r = dispatch_floating(X.dtype(), "RBM::fit", [&]<typename T>() {
                    return cd_statistics_cpu<T>(len, nv, nh, v0c.data_ptr<T>(), vkc.data_ptr<T>(), a0c.data_ptr<T>(),
                                                h0c.data_ptr<T>(), akc.data_ptr<T>(), a_recc.data_ptr<T>(),
                                                visible_bias.data_ptr<T>(), P.data_ptr<T>(), V.data_ptr<T>(),
                                                grad_c.data_ptr<T>(), grad_b.data_ptr<T>());
                });
                gap_now = r.gap;
                err_now = r.err;
                grad_w = mm(P.t(), V);
            } else {
                if (!o.persistent) recon = gaussian() ? a_rec : sigmoid(a_rec);
                Tensor hk = gaussian_hidden() ? ak : sigmoid(ak);
                Tensor P = cat({h0 * (-1.0 / static_cast<double>(len)), hk * (1.0 / nk)});
                grad_w = mm(P.t(), cat({v0, vk}));
                grad_c = P.sum({0});
                v0_mean = v0.mean({0});
                grad_b = vk.mean({0}) - v0_mean;  // -dF/db is v (Bernoulli) or v - b (Gaussian)
                // The free-energy gap mean F(v0) - mean F(vk). With Bernoulli visible units F(v) = -v.b - H(a),
                // where H(a) = sum_j softplus(a_j) (sum_j a_j^2 / 2 for Gaussian hidden units), so the gap is
                // grad_b.b - H(A0) / len + H(Ak) / nk with H summed over the whole batch: one pass over each
                // pre-activation instead of a row reduction, a matrix-vector product and a mean per side.
                if (gaussian()) {
                    loss = free_energy_given(v0, a0).mean() - free_energy_given(vk, ak).mean();
                } else {
                    auto hidden_sum = [&](const Tensor& a) {
                        return gaussian_hidden() ? (a * a).sum() * 0.5 : softplus(a).sum();
                    };
                    loss = (grad_b * visible_bias).sum() - hidden_sum(a0) * (1.0 / static_cast<double>(len)) +
                           hidden_sum(ak) * (1.0 / nk);
                }
            }
            if (o.sparsity_target > 0) {
                Tensor h = h0.mean({0});
                q = q.defined() ? q * o.sparsity_decay + h * (1 - o.sparsity_decay) : h;
                // Penalty gradient cost * (q - target), applied to c and, scaled by v, to W.
                Tensor delta = (q - o.sparsity_target) * o.sparsity_cost;
                grad_c.add_(delta);
                grad_w.add_(outer(delta, v0_mean.defined() ? v0_mean : v0.mean({0})));
            }
            // PyTorch's SGD with momentum, one fused pass per parameter; weight decay on W only.
            sgd_step_(weight, grad_w, velocity[0], lr, momentum, 0, o.weight_decay);
            sgd_step_(visible_bias, grad_b, velocity[1], lr, momentum, 0, 0);
            sgd_step_(hidden_bias, grad_c, velocity[2], lr, momentum, 0, 0);
            if (cpu_pass) {
                err_sum += err_now * static_cast<double>(len);
                gap_sum += gap_now * static_cast<double>(len);
#ifdef EMBER_RBM_PROGRESS
                if (bar) bar->update(1, {{"recon", err_now}});
#endif
                continue;
            }
            Tensor d = v0 - recon;
            err_t = (d * d).sum({1}).mean();
            if (read_each_batch) {
                double err = err_t.item<double>();
                err_sum += err * static_cast<double>(len);
                gap_sum += loss.item<double>() * static_cast<double>(len);
#ifdef EMBER_RBM_PROGRESS
                if (bar) bar->update(1, {{"recon", err}});
#endif
            } else {
                Tensor e = err_t.to(kFloat64) * static_cast<double>(len);
                Tensor g = loss.detach().to(kFloat64) * static_cast<double>(len);
                err_acc = err_acc.defined() ? err_acc + e : e;
                gap_acc = gap_acc.defined() ? gap_acc + g : g;
#ifdef EMBER_RBM_PROGRESS
                if (bar) bar->update(1);
#endif
            }
        }
        if (err_acc.defined()) {
            err_sum = err_acc.item<double>();
            gap_sum = gap_acc.item<double>();
#ifdef EMBER_RBM_PROGRESS
            if (bar) bar->update(0, {{"recon", err_sum / static_cast<double>(n)}});
#endif
        }
#ifdef EMBER_RBM_PROGRESS
        if (bar) bar->finish();
#endif
        RBMEpoch e;
        e.epoch = epoch;
        e.reconstruction_error = err_sum / static_cast<double>(n);
        e.free_energy_gap = gap_sum / static_cast<double>(n);
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        history.push_back(e);
        if (o.on_epoch) o.on_epoch(e);
        if (o.stop_reconstruction_error > 0 && e.reconstruction_error < o.stop_reconstruction_error) break;
    }
    return history;
}

void RBMImpl::pretty_print(std::ostream& os) const {
    os << "RBM(n_visible=" << n_visible() << ", n_hidden=" << n_hidden()
       << ", visible=" << (gaussian() ? "gaussian" : "bernoulli")
       << ", hidden=" << (gaussian_hidden() ? "gaussian" : "bernoulli") << ")";
}

}  // namespace ember::nn
