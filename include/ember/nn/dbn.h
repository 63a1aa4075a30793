#pragma once
// Deep Belief Network: a stack of RBMs trained greedily, layer by layer (Hinton, Osindero & Teh
// 2006). Layer l is trained on the hidden probabilities of layer l - 1 on the data. The stack
// then becomes either
//  - a classifier: Linear + Sigmoid per layer, initialised from the RBMs (weight = W, bias = c),
//    plus a fresh output layer, fine-tuned by backpropagation; or
//  - a generator: Gibbs sampling in the top RBM, then one down pass p(v | h) through the layers; or
//  - a deep autoencoder: the stack as encoder and its mirror (weights W^T, biases b) as decoder,
//    fine-tuned on reconstruction (Hinton & Salakhutdinov 2006).
#include <vector>

#include "ember/nn/layers.h"
#include "ember/nn/rbm.h"

namespace ember::nn {

class DBNImpl : public Module {
public:
    // sizes = {n_visible, n_hidden_1, ..., n_hidden_L}; the first RBM may have Gaussian visible units
    // and the top RBM Gaussian (linear) hidden units, as the code layer of a deep autoencoder.
    explicit DBNImpl(std::vector<int64_t> sizes, VisibleUnits visible = VisibleUnits::Bernoulli,
                     HiddenUnits top_hidden = HiddenUnits::Bernoulli);

    // Greedy layer-wise pretraining; returns each layer's history. options_per_layer may hold one
    // entry (used for every layer) or one per layer. With a process_group in the options each
    // layer trains data-parallel, and every rank computes the next layer's input from the whole
    // data set itself (its parameters being equal on every rank).
    std::vector<std::vector<RBMEpoch>> pretrain(const Tensor& data,
                                                const std::vector<RBMTrainOptions>& options_per_layer);
    // Hidden probabilities of the top layer (a deterministic up pass), or of layer `upto` (1-based).
    Tensor transform(const Tensor& v, int64_t upto = -1) const;
    // A classifier initialised from the pretrained weights: [Linear, Sigmoid] x L, Linear(n_top, n_classes).
    Sequential to_classifier(int64_t n_classes) const;
    // Samples: `n` chains in the top RBM started from random top-layer visible states, `gibbs_steps`
    // Gibbs steps, then a down pass of probabilities to the data layer. Returns [n, n_visible].
    Tensor generate(int64_t n, int64_t gibbs_steps) const;

    Tensor forward(const Tensor& v) const { return transform(v); }
    void pretty_print(std::ostream& os) const override;

    std::vector<int64_t> sizes;
    std::vector<RBM> rbms;
};
EMBER_MODULE(DBN);

// The unrolled autoencoder: encoder [Linear, Sigmoid] per layer (the code is the top layer's
// hidden probabilities or, for Gaussian top hidden units, their linear means: exactly what the
// pretrained decoder expects), decoder mirrored with a sigmoid output (pixels in [0, 1]).
class DeepAutoencoderImpl : public Module {
public:
    // Random initialisation (PyTorch's Linear defaults) for the given sizes {n_visible, ..., n_code};
    // linear_code drops the sigmoid of the code layer.
    explicit DeepAutoencoderImpl(const std::vector<int64_t>& sizes, bool linear_code = false);
    // Initialised from a pretrained DBN: encoder weights W, biases c; decoder weights W^T, biases b.
    static std::shared_ptr<DeepAutoencoderImpl> from_dbn(const DBNImpl& dbn);

    Tensor encode(const Tensor& x) { return encoder->forward(x); }
    Tensor decode(const Tensor& code) { return decoder->forward(code); }
    Tensor forward(const Tensor& x) { return decode(encode(x)); }

    Sequential encoder{nullptr}, decoder{nullptr};
};
EMBER_MODULE(DeepAutoencoder);

}  // namespace ember::nn
