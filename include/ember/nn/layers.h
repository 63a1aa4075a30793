#pragma once
// Core layers: Linear, Sequential and the activation modules.
#include <cmath>

#include "ember/nn/module.h"

namespace ember::nn {

namespace functional {
// y = x W^T + b, W of shape [out, in] (the layout of nn::Linear and of PyTorch).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
}  // namespace functional

struct LinearOptions {
    LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
    LinearOptions& bias(bool b) {
        bias_ = b;
        return *this;
    }
    int64_t in_features_, out_features_;
    bool bias_ = true;
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

#define EMBER_ACTIVATION_MODULE(Name, expr)                                      \
    class Name##Impl : public Module {                                           \
    public:                                                                      \
        Name##Impl() : Module(#Name) {}                                          \
        Tensor forward(const Tensor& x) { return expr; }                         \
        void pretty_print(std::ostream& os) const override { os << #Name "()"; } \
    };                                                                           \
    EMBER_MODULE(Name)

EMBER_ACTIVATION_MODULE(ReLU, relu(x));
EMBER_ACTIVATION_MODULE(Sigmoid, sigmoid(x));
EMBER_ACTIVATION_MODULE(Tanh, tanh(x));
EMBER_ACTIVATION_MODULE(Softplus, softplus(x));
EMBER_ACTIVATION_MODULE(Identity, x);

// A chain of modules each taking and returning one Tensor.
class SequentialImpl : public Module {
public:
    SequentialImpl() : Module("Sequential") {}
    template <typename... Modules>
    explicit SequentialImpl(Modules&&... modules) : Module("Sequential") {
        (push_back(std::forward<Modules>(modules)), ...);
    }
    template <typename M>
    void push_back(M module) {
        push_back(std::to_string(layers_.size()), std::move(module));
    }
    template <typename M>
    void push_back(const std::string& name, M module) {
        if constexpr (requires { module.ptr(); }) {
            auto p = module.ptr();
            register_module(name, p);
            layers_.push_back({p, [p](const Tensor& x) { return p->forward(x); }});
        } else {
            register_module(name, module);
            layers_.push_back({module, [module](const Tensor& x) { return module->forward(x); }});
        }
    }
    Tensor forward(const Tensor& x);
    std::size_t size() const { return layers_.size(); }
    std::shared_ptr<Module> operator[](std::size_t i) const;
    // The i-th layer as its concrete type (throws if it is not one).
    template <typename T>
    std::shared_ptr<T> at(std::size_t i) const {
        auto p = std::dynamic_pointer_cast<T>((*this)[i]);
        EMBER_ENFORCE(p != nullptr, ValueError, "Sequential::at: layer ", i, " is not of the requested type");
        return p;
    }

private:
    struct Layer {
        std::shared_ptr<Module> module;
        std::function<Tensor(const Tensor&)> forward;
    };
    std::vector<Layer> layers_;
};
EMBER_MODULE(Sequential);

}  // namespace ember::nn
