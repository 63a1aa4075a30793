// nn::init: the initialisers of torch.nn.init, each in place under NoGradGuard.
#include "ember/nn/init.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"

namespace ember::nn::init {

namespace {
void check_tensor(const char* op, const Tensor& t) {
    EMBER_ENFORCE(t.defined(), ValueError, op, ": undefined tensor");
    EMBER_ENFORCE(t.is_floating_point(), DTypeError, op, ": expected a floating tensor, got ", describe(t));
}
}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
    switch (nonlinearity) {
        case Nonlinearity::Linear:
        case Nonlinearity::Conv1D:
        case Nonlinearity::Conv2D:
        case Nonlinearity::Conv3D:
        case Nonlinearity::Sigmoid: return 1.0;
        case Nonlinearity::Tanh: return 5.0 / 3.0;
        case Nonlinearity::ReLU: return std::sqrt(2.0);
        case Nonlinearity::LeakyReLU: return std::sqrt(2.0 / (1.0 + param * param));
        case Nonlinearity::SELU: return 3.0 / 4.0;
    }
    return 1.0;
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
    EMBER_ENFORCE(t.defined(), ValueError, "calculate_fan_in_and_fan_out: undefined tensor");
    EMBER_ENFORCE(t.dim() >= 2, ShapeError,
                  "calculate_fan_in_and_fan_out: fan in and fan out need a tensor with at least "
                  "2 dims, got ",
                  shape_str(t.sizes()));
    int64_t receptive = 1;
    for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
    return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor uniform_(Tensor tensor, double low, double high) {
    check_tensor("init::uniform_", tensor);
    NoGradGuard no_grad;
    tensor.uniform_(low, high);
    return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
    check_tensor("init::normal_", tensor);
    NoGradGuard no_grad;
    tensor.normal_(mean, std);
    return tensor;
}

Tensor constant_(Tensor tensor, double value) {
    EMBER_ENFORCE(tensor.defined(), ValueError, "init::constant_: undefined tensor");
    NoGradGuard no_grad;
    tensor.fill_(value);
    return tensor;
}

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1); }

Tensor eye_(Tensor tensor) {
    EMBER_ENFORCE(tensor.defined() && tensor.dim() == 2, ShapeError, "init::eye_: expected a 2-D tensor, got ",
                  tensor.defined() ? shape_str(tensor.sizes()) : std::string("undefined"));
    NoGradGuard no_grad;
    tensor.copy_(eye(tensor.size(0), tensor.size(1), tensor.options()));
    return tensor;
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
    check_tensor("init::xavier_uniform_", tensor);
    auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
    double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
    double a = std::sqrt(3.0) * std;  // U(-a, a) has variance a^2 / 3 = std^2
    return uniform_(std::move(tensor), -a, a);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
    check_tensor("init::xavier_normal_", tensor);
    auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
    double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
    return normal_(std::move(tensor), 0, std);
}

namespace {
double kaiming_std(const char* op, const Tensor& tensor, double a, FanMode mode, Nonlinearity nonlinearity) {
    check_tensor(op, tensor);
    auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
    int64_t fan = mode == FanMode::FanIn ? fan_in : fan_out;
    EMBER_ENFORCE(fan > 0, ValueError, op, ": zero fan for a tensor of shape ", shape_str(tensor.sizes()));
    return calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

Tensor kaiming_uniform_(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity) {
    double bound = std::sqrt(3.0) * kaiming_std("init::kaiming_uniform_", tensor, a, mode, nonlinearity);
    return uniform_(std::move(tensor), -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity) {
    double std = kaiming_std("init::kaiming_normal_", tensor, a, mode, nonlinearity);
    return normal_(std::move(tensor), 0, std);
}

}  // namespace ember::nn::init
