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
