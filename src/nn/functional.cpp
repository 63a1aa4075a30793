// nn::functional outside the losses: dropout, and the Dropout module's printing.
#include "ember/nn/dropout.h"

namespace ember::nn {

const char* reduction_name(Reduction r) {
    switch (r) {
        case Reduction::None: return "none";
        case Reduction::Mean: return "mean";
        case Reduction::Sum: return "sum";
    }
    return "?";
}

namespace {
// Inverted dropout with one Bernoulli(1 - p) draw per element of `mask_like` (x's shape, or a
// shape broadcasting against it), the survivors scaled by 1 / (1 - p); the mask is a constant
// for autograd. Identity when !training or p == 0.
Tensor scaled_dropout(const char* op, const Tensor& x, double p, bool training, const Tensor& mask_like) {
    if (!training || p == 0) return x;
    EMBER_ENFORCE(x.is_floating_point(), DTypeError, op, ": expected a floating input, got ", describe(x));
    // p == 1 drops everything; x * 0 keeps the result in the graph (its gradient is zero).
    if (p == 1) return x * 0.0;
    Tensor scaled_mask;
    {
        NoGradGuard no_grad;
        scaled_mask = bernoulli(mask_like, 1.0 - p).mul_(1.0 / (1.0 - p));
    }
    return x * scaled_mask;
}
}  // namespace

Tensor functional::dropout(const Tensor& x, double p, bool training) {
    EMBER_ENFORCE(p >= 0 && p <= 1, ValueError, "dropout: probability must be in [0, 1], got ", p);
    EMBER_ENFORCE(x.defined(), ValueError, "dropout: undefined input");
    return scaled_dropout("dropout", x, p, training, x.detach());
}

Tensor functional::dropout2d(const Tensor& x, double p, bool training) {
    EMBER_ENFORCE(p >= 0 && p <= 1, ValueError, "dropout2d: probability must be in [0, 1], got ", p);
    EMBER_ENFORCE(x.defined() && (x.dim() == 3 || x.dim() == 4), ShapeError,
                  "dropout2d: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ",
                  x.defined() ? describe(x) : std::string("an undefined tensor"));
    if (!training || p == 0) return x;
    // One draw per (image, channel), broadcast over the plane.
    Shape mask_shape(x.sizes().begin(), x.sizes().end());
    mask_shape[mask_shape.size() - 1] = 1;
    mask_shape[mask_shape.size() - 2] = 1;
    return scaled_dropout("dropout2d", x, p, training, empty(mask_shape, x.options()));
}

DropoutImpl::DropoutImpl(const DropoutOptions& o) : Module("Dropout"), options(o) {
    EMBER_ENFORCE(o.p() >= 0 && o.p() <= 1, ValueError, "Dropout: probability must be in [0, 1], got ", o.p());
}

// In place, the survivors' scaling is multiplied into x itself (the same values as out of place).
Tensor DropoutImpl::forward(Tensor x) {
    if (!options.inplace() || !is_training() || options.p() == 0)
        return functional::dropout(x, options.p(), is_training());
    Tensor scaled_mask;
    {
        NoGradGuard no_grad;
        scaled_mask = functional::dropout(ones_like(x), options.p(), true);
    }
    return x.mul_(scaled_mask);
}

void DropoutImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::Dropout(p=" << options.p() << ", inplace=" << (options.inplace() ? "true" : "false") << ")";
}

}  // namespace ember::nn
