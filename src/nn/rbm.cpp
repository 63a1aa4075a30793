// The RBM module: energy and free energy, conditionals, Gibbs sampling, the CD loss and the
// lecture's explicit update. Training (fit) is in rbm_fit.cpp, evaluation (log Z, AIS) in rbm_eval.cpp.
#include "ember/nn/rbm.h"

#include <vector>

#include "ember/nn/layers.h"
#include "nn/rbm_check.h"

namespace ember::nn {

RBMImpl::RBMImpl(const RBMOptions& o) : Module("RBM"), options(o) {
    EMBER_ENFORCE(o.n_visible_ > 0 && o.n_hidden_ > 0, ValueError, "RBM: unit counts must be positive, got ",
                  o.n_visible_, " visible and ", o.n_hidden_, " hidden");
    EMBER_ENFORCE(!(o.visible_ == VisibleUnits::Gaussian && o.hidden_ == HiddenUnits::Gaussian), ValueError,
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
    EMBER_ENFORCE(v.defined() && v.dim() == 2 && v.size(1) == rbm.n_visible(), ShapeError, "RBM::", op,
                  ": expected visible states of shape [N, ", rbm.n_visible(), "], got ", describe(v));
}
}  // namespace

Tensor RBMImpl::hidden_probs(const Tensor& v) const {
    check_visible(*this, v, "hidden_probs");
    Tensor a = functional::linear(v, weight, hidden_bias);
    return gaussian_hidden() ? a : sigmoid(a);
}

Tensor RBMImpl::visible_probs(const Tensor& h) const {
    EMBER_ENFORCE(h.defined() && h.dim() == 2 && h.size(1) == n_hidden(), ShapeError,
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
    EMBER_ENFORCE(h.defined() && h.dim() == 2 && h.size(1) == n_hidden(), ShapeError,
                  "RBM::sample_visible: expected hidden states of shape [N, ", n_hidden(), "], got ", describe(h));
    NoGradGuard no_grad;
    Tensor a = addmm(visible_bias, h, weight);  // h W + b
    return gaussian() ? a + randn_like(a) : sigmoid_bernoulli(a);
}

Tensor RBMImpl::gibbs(const Tensor& v, int64_t k) const {
    EMBER_ENFORCE(k >= 0, ValueError, "RBM::gibbs: k must be non-negative, got ", k);
    NoGradGuard no_grad;
    Tensor x = v;
    for (int64_t i = 0; i < k; ++i) x = sample_visible(sample_hidden(x));
    return x;
}

Tensor RBMImpl::free_energy(const Tensor& v) const {
    check_visible(*this, v, "free_energy");
    detail::check_visible_values(*this, v, detail::rbm_name(*this) + "::free_energy");
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
    check_visible(*this, v, "reconstruction_error");
    detail::check_visible_values(*this, v, detail::rbm_name(*this) + "::reconstruction_error");
    NoGradGuard no_grad;
    Tensor d = v - reconstruct(v);
    return (d * d).sum({1}).mean().item<double>();
}

double RBMImpl::pseudo_likelihood(const Tensor& v, bool exact) const {
    EMBER_ENFORCE(!gaussian(), NotImplementedError,
                  "RBM::pseudo_likelihood: defined here for Bernoulli visible units only");
    check_visible(*this, v, "pseudo_likelihood");
    detail::check_visible_values(*this, v, detail::rbm_name(*this) + "::pseudo_likelihood");
    NoGradGuard no_grad;
    Tensor x = v.to(weight.dtype());
    // The data is checked once above; the flipped copies are as fine as it is.
    auto free_energy = [&](const Tensor& u) {
        return free_energy_given(u, functional::linear(u, weight, hidden_bias));
    };
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
    // Called once per batch of a user's training loop: the shapes are checked, the values not
    // (that would read a scalar back to the host every batch); free_energy() checks them.
    check_visible(*this, v_data, "contrastive_divergence_loss");
    check_visible(*this, v_model, "contrastive_divergence_loss");
    const Tensor vm = v_model.detach();
    return free_energy_given(v_data, functional::linear(v_data, weight, hidden_bias)).mean() -
           free_energy_given(vm, functional::linear(vm, weight, hidden_bias)).mean();
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

void RBMImpl::pretty_print(std::ostream& os) const {
    os << "RBM(n_visible=" << n_visible() << ", n_hidden=" << n_hidden()
       << ", visible=" << (gaussian() ? "gaussian" : "bernoulli")
       << ", hidden=" << (gaussian_hidden() ? "gaussian" : "bernoulli") << ")";
}

}  // namespace ember::nn
