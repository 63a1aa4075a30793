#pragma once
// nn::init: in-place initialisers, as torch.nn.init. Each runs under NoGradGuard (so it works on
// parameters that require grad), fills the tensor's own storage (every handle sees the values)
// and returns the tensor.
#include "ember/ops/ops.h"

namespace ember::nn::init {

enum class Nonlinearity { Linear, Conv1D, Conv2D, Conv3D, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };
enum class FanMode { FanIn, FanOut };

// The factor by which a nonlinearity shrinks (or grows) the variance it passes on, as in PyTorch:
// 1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + a^2)) for leaky relu
// with negative slope `param` (default 0.01), 3/4 for selu.
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive
// field is the product of dims 2.. (1 for a Linear weight [out, in]). Needs dim >= 2.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double low = 0, double high = 1);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
// 1 on the diagonal of a 2-D tensor, 0 elsewhere.
Tensor eye_(Tensor tensor);

// Glorot and Bengio (2010): keeps the activation variance equal going forward and backward,
// std = gain * sqrt(2 / (fan_in + fan_out)); uniform on [-sqrt(3) std, sqrt(3) std] or normal.
Tensor xavier_uniform_(Tensor tensor, double gain = 1);
Tensor xavier_normal_(Tensor tensor, double gain = 1);

// He et al. (2015): std = gain(nonlinearity, a) / sqrt(fan) with fan = fan_in (preserves the
// forward variance) or fan_out (the backward one); uniform on [-sqrt(3) std, sqrt(3) std] or
// normal. `a` is the leaky relu negative slope. PyTorch's defaults: a = 0, fan_in, leaky_relu.
Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
Tensor kaiming_normal_(Tensor tensor, double a = 0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);

}  // namespace ember::nn::init

namespace ember {
// libtorch's option enums kTanh and kReLU (its enumtype::kTanh, enumtype::kReLU): each value is
// its own type, so that RNNOptions::nonlinearity_t (ember/nn/rnn.h) is a std::variant of the two,
// as libtorch's; each converts to nn::init's Nonlinearity, so calculate_gain(ember::kTanh) and
// kaiming_normal_(w, 0, ember::kFanOut, ember::kReLU) read as in libtorch too.
namespace enumtype {
struct kTanh {
    constexpr operator nn::init::Nonlinearity() const { return nn::init::Nonlinearity::Tanh; }
};
struct kReLU {
    constexpr operator nn::init::Nonlinearity() const { return nn::init::Nonlinearity::ReLU; }
};
// libtorch's enumtype::get_enum_name: "kTanh", "kReLU".
inline const char* get_enum_name(kTanh) { return "kTanh"; }
inline const char* get_enum_name(kReLU) { return "kReLU"; }
}  // namespace enumtype
// libtorch's spellings: nn::init::kaiming_normal_(w, 0, ember::kFanOut, ember::kReLU).
inline constexpr nn::init::FanMode kFanIn = nn::init::FanMode::FanIn;
inline constexpr nn::init::FanMode kFanOut = nn::init::FanMode::FanOut;
// kLinear is both an init nonlinearity and an interpolation mode (nn/upsampling.h), as in
// libtorch: a type of its own that converts to the Nonlinearity.
namespace enumtype {
struct kLinear {
    constexpr operator nn::init::Nonlinearity() const { return nn::init::Nonlinearity::Linear; }
};
}  // namespace enumtype
inline constexpr enumtype::kLinear kLinear{};
inline constexpr nn::init::Nonlinearity kSigmoid = nn::init::Nonlinearity::Sigmoid;
inline constexpr enumtype::kTanh kTanh{};
inline constexpr enumtype::kReLU kReLU{};
inline constexpr nn::init::Nonlinearity kLeakyReLU = nn::init::Nonlinearity::LeakyReLU;
inline constexpr nn::init::Nonlinearity kSELU = nn::init::Nonlinearity::SELU;
}  // namespace ember
