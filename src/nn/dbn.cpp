#include "ember/nn/dbn.h"

#include "nn/rbm_check.h"

namespace ember::nn {

DBNImpl::DBNImpl(std::vector<int64_t> s, VisibleUnits visible, HiddenUnits top_hidden)
    : Module("DBN"), sizes(std::move(s)) {
    EMBER_ENFORCE(sizes.size() >= 2, ValueError, "DBN: need at least {n_visible, n_hidden}, got ", sizes.size(),
                  " sizes");
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
        RBMOptions o(sizes[l], sizes[l + 1]);
        o.visible(l == 0 ? visible : VisibleUnits::Bernoulli);
        o.hidden(l + 2 == sizes.size() ? top_hidden : HiddenUnits::Bernoulli);
        RBM rbm(o);
        register_module("rbm" + std::to_string(l), rbm);
        rbms.push_back(rbm);
    }
}

std::vector<std::vector<RBMEpoch>> DBNImpl::pretrain(const Tensor& data, const std::vector<RBMTrainOptions>& opts) {
    EMBER_ENFORCE(opts.size() == 1 || opts.size() == rbms.size(), ValueError, "DBN::pretrain: expected 1 or ",
                  rbms.size(), " option sets, got ", opts.size());
    // The first layer's fit checks the data too; checking here names the DBN (the deeper layers'
    // inputs are sigmoid outputs, which fit checks again, cheaply, in case a layer diverged).
    std::string name = str_cat("DBN(", sizes[0]);
    for (std::size_t i = 1; i < sizes.size(); ++i) name += str_cat("-", sizes[i]);
    detail::check_visible_values(*rbms[0], data,
                                 str_cat(name, ")::pretrain (layer 1, ", detail::rbm_name(*rbms[0]), ")"));
    std::vector<std::vector<RBMEpoch>> histories;
    Tensor input = data;
    for (std::size_t l = 0; l < rbms.size(); ++l) {
        histories.push_back(rbms[l]->fit(input, opts.size() == 1 ? opts[0] : opts[l]));
        NoGradGuard no_grad;
        // The next layer sees this layer's hidden probabilities (not samples), computed in batches.
        std::vector<Tensor> parts;
        const int64_t n = input.size(0), chunk = 4096;
        Tensor X = input.to(rbms[l]->weight.dtype()).to(rbms[l]->weight.device());
        for (int64_t s = 0; s < n; s += chunk)
            parts.push_back(rbms[l]->hidden_probs(X.narrow(0, s, std::min(chunk, n - s))));
        input = cat(parts, 0);
    }
    return histories;
}

Tensor DBNImpl::transform(const Tensor& v, int64_t upto) const {
    int64_t L = upto < 0 ? static_cast<int64_t>(rbms.size()) : upto;
    EMBER_ENFORCE(L >= 0 && L <= static_cast<int64_t>(rbms.size()), IndexError, "DBN::transform: layer ", upto,
                  " out of range for ", rbms.size(), " layers");
    Tensor h = v;
    for (int64_t l = 0; l < L; ++l) h = rbms[l]->hidden_probs(h);
    return h;
}

Sequential DBNImpl::to_classifier(int64_t n_classes) const {
    Sequential net;
    NoGradGuard no_grad;
    for (const RBM& rbm : rbms) {
        Linear lin(rbm->n_visible(), rbm->n_hidden());
        lin->to(rbm->weight.device());
        lin->to(rbm->weight.dtype());
        lin->weight.copy_(rbm->weight);
        lin->bias.copy_(rbm->hidden_bias);
        net->push_back(lin);
        if (!rbm->gaussian_hidden()) net->push_back(Sigmoid());
    }
    Linear out(rbms.back()->n_hidden(), n_classes);
    out->to(rbms.back()->weight.device());
    out->to(rbms.back()->weight.dtype());
    net->push_back(out);
    return net;
}

Tensor DBNImpl::generate(int64_t n, int64_t gibbs_steps) const {
    NoGradGuard no_grad;
    const RBM& top = rbms.back();
    Tensor v = bernoulli(full({n, top->n_visible()}, 0.5, top->weight.options()));
    v = top->gibbs(v, gibbs_steps);
    // Down pass with probabilities: p(v_{l-1} | h_l) through every lower layer.
    Tensor x = top->visible_probs(top->hidden_probs(v));
    for (std::size_t l = rbms.size() - 1; l-- > 0;) x = rbms[l]->visible_probs(x);
    return x;
}

void DBNImpl::pretty_print(std::ostream& os) const {
    os << "DBN(sizes=[";
    for (std::size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
    os << "])";
}

DeepAutoencoderImpl::DeepAutoencoderImpl(const std::vector<int64_t>& sizes, bool linear_code)
    : Module("DeepAutoencoder") {
    EMBER_ENFORCE(sizes.size() >= 2, ValueError, "DeepAutoencoder: need at least {n_visible, n_code}");
    encoder = Sequential();
    decoder = Sequential();
    const std::size_t L = sizes.size() - 1;
    for (std::size_t l = 0; l < L; ++l) {
        encoder->push_back(Linear(sizes[l], sizes[l + 1]));
        if (!(linear_code && l + 1 == L)) encoder->push_back(Sigmoid());
    }
    for (std::size_t l = L; l-- > 0;) {
        decoder->push_back(Linear(sizes[l + 1], sizes[l]));
        decoder->push_back(Sigmoid());
    }
    register_module("encoder", encoder);
    register_module("decoder", decoder);
}

std::shared_ptr<DeepAutoencoderImpl> DeepAutoencoderImpl::from_dbn(const DBNImpl& dbn) {
    auto ae = std::make_shared<DeepAutoencoderImpl>(dbn.sizes, dbn.rbms.back()->gaussian_hidden());
    ae->to(dbn.rbms[0]->weight.device());
    ae->to(dbn.rbms[0]->weight.dtype());
    NoGradGuard no_grad;
    const std::size_t L = dbn.rbms.size();
    for (std::size_t l = 0; l < L; ++l) {
        const RBM& rbm = dbn.rbms[l];
        // encoder layer l is Sequential index 2l (Linear), followed by its Sigmoid
        LinearImpl& enc = ae->encoder->at<LinearImpl>(2 * l);
        enc.weight.copy_(rbm->weight);
        enc.bias.copy_(rbm->hidden_bias);
        // decoder layer for rbm l sits at index 2 (L - 1 - l)
        LinearImpl& dec = ae->decoder->at<LinearImpl>(2 * (L - 1 - l));
        dec.weight.copy_(rbm->weight.t());
        dec.bias.copy_(rbm->visible_bias);
    }
    return ae;
}

}  // namespace ember::nn
