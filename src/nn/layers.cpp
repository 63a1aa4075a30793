#include "ember/nn/layers.h"

namespace ember::nn {

Tensor functional::linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    EMBER_ENFORCE(x.defined() && weight.defined(), ValueError, "linear: undefined input or weight");
    EMBER_ENFORCE(x.dim() >= 1 && x.size(-1) == weight.size(1), ShapeError, "linear: input ", describe(x), " has ",
                  x.dim() ? x.size(-1) : 0, " features but the weight ", describe(weight), " expects ", weight.size(1));
    if (x.dim() == 2) return ember::linear(x, weight, bias);
    Tensor y = matmul(x, weight.t());
    return bias.defined() ? y + bias : y;
}

LinearImpl::LinearImpl(const LinearOptions& o) : Module("Linear"), options(o) {
    EMBER_ENFORCE(o.in_features_ > 0 && o.out_features_ > 0, ValueError,
                  "Linear: feature counts must be positive, got ", o.in_features_, " -> ", o.out_features_);
    weight = register_parameter("weight", empty({o.out_features_, o.in_features_}));
    if (o.bias_) bias = register_parameter("bias", empty({o.out_features_}));
    reset_parameters();
}

void LinearImpl::reset_parameters() {
    NoGradGuard no_grad;
    double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features_));
    weight.uniform_(-bound, bound);
    if (bias.defined()) bias.uniform_(-bound, bound);
}

Tensor LinearImpl::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

void LinearImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::Linear(in_features=" << options.in_features_ << ", out_features=" << options.out_features_
       << ", bias=" << (bias.defined() ? "true" : "false") << ")";
}

}  // namespace ember::nn
