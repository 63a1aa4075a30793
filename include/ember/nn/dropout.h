#pragma once
// Dropout and Flatten: two parameter-free layers that Sequential models need besides the
// activations of layers.h.
#include "ember/nn/functional.h"

namespace ember::nn {

// inplace: scale the input itself (it must not be a leaf that requires grad).
struct DropoutOptions {
    DropoutOptions(double p = 0.5) : p_(p) {}
    EMBER_ARG(double, p);
    EMBER_ARG(bool, inplace) = false;
};
using Dropout2dOptions = DropoutOptions;

namespace functional {
struct DropoutFuncOptions {
    EMBER_ARG(double, p) = 0.5;
    EMBER_ARG(bool, training) = true;
    EMBER_ARG(bool, inplace) = false;
};
using Dropout2dFuncOptions = DropoutFuncOptions;
// inplace(true) is rejected rather than ignored (the functional forms do not write into x).
inline Tensor dropout(const Tensor& x, const DropoutFuncOptions& o) {
    EMBER_ENFORCE(!o.inplace(), NotImplementedError, "F::dropout: inplace=true is not implemented; use nn::Dropout");
    return dropout(x, o.p(), o.training());
}
// Channel dropout for [N, C, H, W] (or unbatched [C, H, W]) input: each whole channel of each
// image is zeroed with probability p while training, the rest scaled by 1 / (1 - p).
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);
inline Tensor dropout2d(const Tensor& x, const Dropout2dFuncOptions& o) {
    EMBER_ENFORCE(!o.inplace(), NotImplementedError, "F::dropout2d: inplace=true is not implemented");
    return dropout2d(x, o.p(), o.training());
}
}  // namespace functional

// Zeroes each element with probability p while training (scaling the rest by 1 / (1 - p));
// the identity after eval().
class DropoutImpl : public Module {
public:
    explicit DropoutImpl(const DropoutOptions& options = {});
    Tensor forward(Tensor x);
    void pretty_print(std::ostream& os) const override;
    DropoutOptions options;
};
EMBER_MODULE(Dropout);

class Dropout2dImpl : public Module {
public:
    explicit Dropout2dImpl(const Dropout2dOptions& options = {}) : Module("Dropout2d"), options(options) {
        EMBER_ENFORCE(!options.inplace(), NotImplementedError, "Dropout2d: inplace=true is not implemented");
    }
    Tensor forward(const Tensor& x) { return functional::dropout2d(x, options.p(), is_training()); }
    void pretty_print(std::ostream& os) const override {
        os << "ember::nn::Dropout2d(p=" << options.p() << ", inplace=false)";
    }
    Dropout2dOptions options;
};
EMBER_MODULE(Dropout2d);

struct FlattenOptions {
    FlattenOptions(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim_(start_dim), end_dim_(end_dim) {}
    EMBER_ARG(int64_t, start_dim);
    EMBER_ARG(int64_t, end_dim);
};

// Merges dims start_dim..end_dim into one: [N, 1, 28, 28] -> [N, 784] with the defaults
// (the batch dim is kept).
class FlattenImpl : public Module {
public:
    explicit FlattenImpl(const FlattenOptions& options = {}) : Module("Flatten"), options(options) {}
    Tensor forward(const Tensor& x) { return flatten(x, options.start_dim(), options.end_dim()); }
    void pretty_print(std::ostream& os) const override {
        os << "ember::nn::Flatten(start_dim=" << options.start_dim() << ", end_dim=" << options.end_dim() << ")";
    }
    FlattenOptions options;
};
EMBER_MODULE(Flatten);

}  // namespace ember::nn
