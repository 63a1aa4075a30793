#pragma once
// Embedding as in libtorch: a lookup table weight [num_embeddings, embedding_dim] read at
// integer indices, with padding_idx (that row gets no gradient) and from_pretrained.
#include <optional>

#include "ember/nn/module.h"
#include "ember/nn/options.h"

namespace ember {
// weight.index_select(0, indices) shaped indices.sizes() + [embedding_dim]. A padding_idx >= 0
// gets no gradient; scale_grad_by_freq and sparse are not implemented (rejected, not ignored).
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1, bool scale_grad_by_freq = false,
                 bool sparse = false);
}  // namespace ember

namespace ember::nn {

struct EmbeddingOptions {
    EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
        : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
    EMBER_ARG(int64_t, num_embeddings);
    EMBER_ARG(int64_t, embedding_dim);
    EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
    EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
    EMBER_ARG(double, norm_type) = 2.;
    EMBER_ARG(bool, scale_grad_by_freq) = false;
    EMBER_ARG(bool, sparse) = false;
    EMBER_ARG(Tensor, _weight);
};

struct EmbeddingFromPretrainedOptions {
    EMBER_ARG(bool, freeze) = true;
    EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
    EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
    EMBER_ARG(double, norm_type) = 2.;
    EMBER_ARG(bool, scale_grad_by_freq) = false;
    EMBER_ARG(bool, sparse) = false;
};

namespace functional {
struct EmbeddingFuncOptions {
    EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
    EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
    EMBER_ARG(double, norm_type) = 2.;
    EMBER_ARG(bool, scale_grad_by_freq) = false;
    EMBER_ARG(bool, sparse) = false;
};
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});
}  // namespace functional

// weight initialised N(0, 1), its padding_idx row zero (as PyTorch).
class EmbeddingImpl : public Module {
public:
    explicit EmbeddingImpl(const EmbeddingOptions& options);
    EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim)
        : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
    Tensor forward(const Tensor& indices);
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;
    EmbeddingOptions options;
    Tensor weight;
};

class Embedding : public ModuleHolder<EmbeddingImpl> {
public:
    using ModuleHolder<EmbeddingImpl>::ModuleHolder;
    using Impl = EmbeddingImpl;
    // A table holding a copy of `embeddings` [num, dim]; frozen (no gradient) by default.
    static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});
};

}  // namespace ember::nn
