#pragma once
// The functional activations of nn::functional with libtorch's signatures
// (F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)), F::softmax(x, 1), ...): each
// reads its options and calls the op of ember/ops/ops.h, or its in-place form when the options
// say inplace (then the input is overwritten and returned, as in libtorch).
#include "ember/nn/activation_options.h"
#include "ember/ops/ops.h"

namespace ember::nn::functional {

// Activations without options are the ops themselves: F::sigmoid(x) == ember::sigmoid(x).
using ember::log_sigmoid;
using ember::sigmoid;
using ember::silu;
using ember::tanh;
inline Tensor logsigmoid(const Tensor& input) { return ember::log_sigmoid(input); }

inline Tensor relu(Tensor input, const ReLUFuncOptions& options = {}) {
    return options.inplace() ? ember::relu_(input) : ember::relu(input);
}
inline Tensor leaky_relu(Tensor input, const LeakyReLUFuncOptions& options = {}) {
    return options.inplace() ? ember::leaky_relu_(input, options.negative_slope())
                             : ember::leaky_relu(input, options.negative_slope());
}
inline Tensor elu(Tensor input, const ELUFuncOptions& options = {}) {
    return options.inplace() ? ember::elu_(input, options.alpha()) : ember::elu(input, options.alpha());
}
inline Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {}) {
    return ember::gelu(input, options.approximate());
}
inline Tensor hardtanh(Tensor input, const HardtanhFuncOptions& options = {}) {
    return options.inplace() ? ember::hardtanh_(input, options.min_val(), options.max_val())
                             : ember::hardtanh(input, options.min_val(), options.max_val());
}
inline Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {}) {
    return ember::softplus(input, options.beta(), options.threshold());
}
// With a dtype, the input is converted to it first (libtorch's softmax(dim, dtype)).
inline Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
    return ember::softmax(options.dtype() ? input.to(*options.dtype()) : input, options.dim());
}
inline Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
    return ember::log_softmax(options.dtype() ? input.to(*options.dtype()) : input, options.dim());
}

}  // namespace ember::nn::functional
