#pragma once
// Core layers: Linear and Identity; and, through the includes, Sequential and the activation
// modules.
#include <cmath>

#include "ember/nn/activation.h"
#include "ember/nn/module.h"
#include "ember/nn/options.h"
#include "ember/nn/sequential.h"

namespace ember::nn {

namespace functional {
// y = x W^T + b, W of shape [out, in] (the layout of nn::Linear and of PyTorch).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
}  // namespace functional

struct LinearOptions {
    LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
    EMBER_ARG(int64_t, in_features);
    EMBER_ARG(int64_t, out_features);
    EMBER_ARG(bool, bias) = true;
};

class LinearImpl : public Module {
public:
    LinearImpl(int64_t in_features, int64_t out_features, bool bias = true)
        : LinearImpl(LinearOptions(in_features, out_features).bias(bias)) {}
    explicit LinearImpl(const LinearOptions& options);
    Tensor forward(const Tensor& x);
    // PyTorch's default initialisation: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias.
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;

    LinearOptions options;
    Tensor weight;  // [out_features, in_features]
    Tensor bias;    // [out_features], undefined without bias
};
EMBER_MODULE(Linear);

// The identity, as a layer (a placeholder in a Sequential, or a head that is switched off).
class IdentityImpl : public Module {
public:
    IdentityImpl() : Module("Identity") {}
    Tensor forward(const Tensor& input) { return input; }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::Identity()"; }
};
EMBER_MODULE(Identity);

}  // namespace ember::nn
