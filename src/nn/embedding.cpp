// Embedding (include/ember/nn/embedding.h): a row lookup through index_select, whose backward
// (index_add) accumulates repeated indices.
#include "ember/nn/embedding.h"

namespace ember {

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq,
                 bool sparse) {
    const char* op = "embedding";
    EMBER_ENFORCE(weight.defined() && weight.dim() == 2, ShapeError, op,
                  ": expected a 2-D weight [num_embeddings, embedding_dim], got ",
                  weight.defined() ? describe(weight) : std::string("an undefined tensor"));
    EMBER_ENFORCE(indices.defined() && indices.dtype() == kInt64, DTypeError, op, ": expected int64 indices, got ",
                  indices.defined() ? describe(indices) : std::string("undefined"));
    EMBER_ENFORCE(!scale_grad_by_freq && !sparse, NotImplementedError, op,
                  ": scale_grad_by_freq and sparse gradients are not implemented");
    Shape out_shape(indices.sizes().begin(), indices.sizes().end());
    out_shape.push_back(weight.size(1));
    Tensor flat = indices.reshape({-1});
    Tensor rows = weight.index_select(0, flat);
    if (padding_idx >= 0 && weight.requires_grad()) {
        // The padding row reads its value but passes no gradient back to the table.
        Tensor keep = ne(flat, full({}, static_cast<double>(padding_idx), flat.options())).unsqueeze(1);
        rows = where(keep, rows, weight.detach().index_select(0, flat));
    }
    return rows.view(out_shape);
}

namespace nn {

namespace {
int64_t wrap_padding_idx(const char* op, std::optional<int64_t> padding_idx, int64_t num) {
    if (!padding_idx) return -1;
    const int64_t p = *padding_idx;
    EMBER_ENFORCE(p >= -num && p < num, IndexError, op, ": padding_idx ", p, " must be within num_embeddings ", num);
    return p < 0 ? p + num : p;
}
}  // namespace

Tensor functional::embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& o) {
    EMBER_ENFORCE(!o.max_norm(), NotImplementedError, "embedding: max_norm is not implemented");
    EMBER_ENFORCE(weight.defined(), ValueError, "embedding: undefined weight");
    return ember::embedding(weight, input, wrap_padding_idx("embedding", o.padding_idx(), weight.size(0)),
                            o.scale_grad_by_freq(), o.sparse());
}

EmbeddingImpl::EmbeddingImpl(const EmbeddingOptions& o) : Module("Embedding"), options(o) {
    EMBER_ENFORCE(o.num_embeddings() > 0 && o.embedding_dim() > 0, ValueError,
                  "Embedding: num_embeddings and embedding_dim must be positive, got ", o.num_embeddings(), " and ",
                  o.embedding_dim());
    EMBER_ENFORCE(!o.max_norm(), NotImplementedError, "Embedding: max_norm is not implemented");
    if (o.padding_idx()) options.padding_idx(wrap_padding_idx("Embedding", o.padding_idx(), o.num_embeddings()));
    if (o._weight().defined()) {
        EMBER_ENFORCE(o._weight().sizes() == IntArrayRef({o.num_embeddings(), o.embedding_dim()}), ShapeError,
                      "Embedding: _weight ", describe(o._weight()), " must have shape [", o.num_embeddings(), ", ",
                      o.embedding_dim(), "]");
        weight = register_parameter("weight", o._weight());
    } else {
        weight = register_parameter("weight", empty({o.num_embeddings(), o.embedding_dim()}));
        reset_parameters();
    }
}

void EmbeddingImpl::reset_parameters() {
    NoGradGuard no_grad;
    weight.normal_(0, 1);
    if (options.padding_idx()) weight.select(0, *options.padding_idx()).fill_(0);
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
    return ember::embedding(weight, indices, options.padding_idx().value_or(-1), options.scale_grad_by_freq(),
                            options.sparse());
}

void EmbeddingImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::Embedding(num_embeddings=" << options.num_embeddings()
       << ", embedding_dim=" << options.embedding_dim();
    if (options.padding_idx()) os << ", padding_idx=" << *options.padding_idx();
    os << ")";
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& o) {
    EMBER_ENFORCE(embeddings.defined() && embeddings.dim() == 2, ShapeError,
                  "Embedding::from_pretrained: expected a 2-D tensor, got ",
                  embeddings.defined() ? describe(embeddings) : std::string("an undefined tensor"));
    Embedding e(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                    ._weight(embeddings.detach().clone())
                    .padding_idx(o.padding_idx())
                    .max_norm(o.max_norm())
                    .norm_type(o.norm_type())
                    .scale_grad_by_freq(o.scale_grad_by_freq())
                    .sparse(o.sparse()));
    e->weight.requires_grad_(!o.freeze());
    return e;
}

}  // namespace nn
}  // namespace ember
