#pragma once
// The activation modules, libtorch's: each holds its options (`options`, as libtorch's modules do)
// and calls the functional form of functional_activation.h, so nn::LeakyReLU(...)(x) ==
// F::leaky_relu(x, ...). They print as libtorch's do (`ember::nn::LeakyReLU(negative_slope=0.01)`,
// the namespace being ember's), and each forward takes and returns one Tensor, so every one of
// them fits in a Sequential.
#include <ostream>
#include <utility>

#include "ember/nn/functional_activation.h"
#include "ember/nn/module.h"

namespace ember::nn {

class ReLUImpl : public Module {
public:
    explicit ReLUImpl(const ReLUOptions& options_ = {});
    Tensor forward(Tensor input) { return functional::relu(std::move(input), options); }
    void pretty_print(std::ostream& os) const override;
    ReLUOptions options;
};
EMBER_MODULE(ReLU);

class LeakyReLUImpl : public Module {
public:
    explicit LeakyReLUImpl(const LeakyReLUOptions& options_ = {});
    Tensor forward(Tensor input) { return functional::leaky_relu(std::move(input), options); }
    void pretty_print(std::ostream& os) const override;
    LeakyReLUOptions options;
};
EMBER_MODULE(LeakyReLU);

class ELUImpl : public Module {
public:
    explicit ELUImpl(const ELUOptions& options_ = {});
    Tensor forward(Tensor input) { return functional::elu(std::move(input), options); }
    void pretty_print(std::ostream& os) const override;
    ELUOptions options;
};
EMBER_MODULE(ELU);

class GELUImpl : public Module {
public:
    explicit GELUImpl(const GELUOptions& options_ = {});
    explicit GELUImpl(std::string approximate) : GELUImpl(GELUOptions().approximate(std::move(approximate))) {}
    Tensor forward(Tensor input) { return functional::gelu(input, options); }
    void pretty_print(std::ostream& os) const override;
    GELUOptions options;
};
EMBER_MODULE(GELU);

class HardtanhImpl : public Module {
public:
    explicit HardtanhImpl(const HardtanhOptions& options_ = {});
    Tensor forward(Tensor input) { return functional::hardtanh(std::move(input), options); }
    void pretty_print(std::ostream& os) const override;
    HardtanhOptions options;
};
EMBER_MODULE(Hardtanh);

class SoftplusImpl : public Module {
public:
    explicit SoftplusImpl(const SoftplusOptions& options_ = {});
    Tensor forward(Tensor input) { return functional::softplus(input, options); }
    void pretty_print(std::ostream& os) const override;
    SoftplusOptions options;
};
EMBER_MODULE(Softplus);

class SiLUImpl : public Module {
public:
    SiLUImpl() : Module("SiLU") {}
    Tensor forward(const Tensor& input) { return ember::silu(input); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::SiLU()"; }
};
EMBER_MODULE(SiLU);

class SigmoidImpl : public Module {
public:
    SigmoidImpl() : Module("Sigmoid") {}
    Tensor forward(const Tensor& input) { return ember::sigmoid(input); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::Sigmoid()"; }
};
EMBER_MODULE(Sigmoid);

class TanhImpl : public Module {
public:
    TanhImpl() : Module("Tanh") {}
    Tensor forward(const Tensor& input) { return ember::tanh(input); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::Tanh()"; }
};
EMBER_MODULE(Tanh);

class LogSigmoidImpl : public Module {
public:
    LogSigmoidImpl() : Module("LogSigmoid") {}
    Tensor forward(const Tensor& input) { return ember::log_sigmoid(input); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::LogSigmoid()"; }
};
EMBER_MODULE(LogSigmoid);

// Normalises along options.dim().
class SoftmaxImpl : public Module {
public:
    explicit SoftmaxImpl(int64_t dim) : SoftmaxImpl(SoftmaxOptions(dim)) {}
    explicit SoftmaxImpl(const SoftmaxOptions& options_) : Module("Softmax"), options(options_) {}
    Tensor forward(const Tensor& input) { return ember::softmax(input, options.dim()); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::Softmax(dim=" << options.dim() << ")"; }
    SoftmaxOptions options;
};
EMBER_MODULE(Softmax);

// Normalises along options.dim().
class LogSoftmaxImpl : public Module {
public:
    explicit LogSoftmaxImpl(int64_t dim) : LogSoftmaxImpl(LogSoftmaxOptions(dim)) {}
    explicit LogSoftmaxImpl(const LogSoftmaxOptions& options_) : Module("LogSoftmax"), options(options_) {}
    Tensor forward(const Tensor& input) { return ember::log_softmax(input, options.dim()); }
    void pretty_print(std::ostream& os) const override { os << "ember::nn::LogSoftmax(dim=" << options.dim() << ")"; }
    LogSoftmaxOptions options;
};
EMBER_MODULE(LogSoftmax);

}  // namespace ember::nn
