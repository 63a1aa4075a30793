#pragma once
// Convolution layers as in libtorch: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, with their
// Options types and the functional forms F::conv1d/conv2d/conv_transpose1d/conv_transpose2d.
//
//   nn::Conv2d conv(nn::Conv2dOptions(1, 32, 3).stride(1).padding(1));
//   Tensor y = conv(x);                       // x [N, 1, H, W] -> y [N, 32, H, W]
#include <optional>
#include <variant>

#include "ember/nn/expanding_array.h"
#include "ember/nn/module.h"
#include "ember/nn/options.h"
#include "ember/ops/window_ops.h"

namespace ember::nn {

namespace detail {
template <std::size_t D>
using conv_padding_t = std::variant<ExpandingArray<D>, enumtype::kValid, enumtype::kSame>;
using conv_padding_mode_t =
    std::variant<enumtype::kZeros, enumtype::kReflect, enumtype::kReplicate, enumtype::kCircular>;
}  // namespace detail

template <std::size_t D>
struct ConvOptions {
    using padding_t = detail::conv_padding_t<D>;
    using padding_mode_t = detail::conv_padding_mode_t;
    ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
        : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
    EMBER_ARG(int64_t, in_channels);
    EMBER_ARG(int64_t, out_channels);
    EMBER_ARG(ExpandingArray<D>, kernel_size);
    EMBER_ARG(ExpandingArray<D>, stride) = 1;
    EMBER_ARG(padding_t, padding) = ExpandingArray<D>(0);
    EMBER_ARG(ExpandingArray<D>, dilation) = 1;
    EMBER_ARG(int64_t, groups) = 1;
    EMBER_ARG(bool, bias) = true;
    // Only kZeros is implemented; the others are rejected when the layer is built.
    EMBER_ARG(padding_mode_t, padding_mode) = enumtype::kZeros{};
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;

template <std::size_t D>
struct ConvTransposeOptions {
    using padding_mode_t = detail::conv_padding_mode_t;
    ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
        : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
    EMBER_ARG(int64_t, in_channels);
    EMBER_ARG(int64_t, out_channels);
    EMBER_ARG(ExpandingArray<D>, kernel_size);
    EMBER_ARG(ExpandingArray<D>, stride) = 1;
    EMBER_ARG(ExpandingArray<D>, padding) = 0;
    EMBER_ARG(ExpandingArray<D>, output_padding) = 0;
    EMBER_ARG(int64_t, groups) = 1;
    EMBER_ARG(bool, bias) = true;
    EMBER_ARG(ExpandingArray<D>, dilation) = 1;
    EMBER_ARG(padding_mode_t, padding_mode) = enumtype::kZeros{};
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;

namespace functional {

template <std::size_t D>
struct ConvFuncOptions {
    using padding_t = detail::conv_padding_t<D>;
    EMBER_ARG(Tensor, bias);
    EMBER_ARG(ExpandingArray<D>, stride) = 1;
    EMBER_ARG(padding_t, padding) = ExpandingArray<D>(0);
    EMBER_ARG(ExpandingArray<D>, dilation) = 1;
    EMBER_ARG(int64_t, groups) = 1;
};
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;

template <std::size_t D>
struct ConvTransposeFuncOptions {
    EMBER_ARG(Tensor, bias);
    EMBER_ARG(ExpandingArray<D>, stride) = 1;
    EMBER_ARG(ExpandingArray<D>, padding) = 0;
    EMBER_ARG(ExpandingArray<D>, output_padding) = 0;
    EMBER_ARG(int64_t, groups) = 1;
    EMBER_ARG(ExpandingArray<D>, dilation) = 1;
};
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options = {});
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& options = {});
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& options = {});

}  // namespace functional

// Conv1d / Conv2d: weight [out, in / groups, k...], bias [out]; both initialised as PyTorch does,
// kaiming_uniform_(a = sqrt(5)) for the weight and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.
template <std::size_t D>
class ConvImpl : public Module {
public:
    explicit ConvImpl(const ConvOptions<D>& options);
    ConvImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
        : ConvImpl(ConvOptions<D>(in_channels, out_channels, kernel_size)) {}
    Tensor forward(const Tensor& input);
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;

    ConvOptions<D> options;
    Tensor weight;
    Tensor bias;
};

class Conv1dImpl : public ConvImpl<1> {
public:
    using ConvImpl<1>::ConvImpl;
};
class Conv2dImpl : public ConvImpl<2> {
public:
    using ConvImpl<2>::ConvImpl;
};
EMBER_MODULE(Conv1d);
EMBER_MODULE(Conv2d);

// ConvTranspose1d / ConvTranspose2d: weight [in, out / groups, k...]. forward may be given the
// exact output size wanted (which picks the output_padding), as in libtorch.
template <std::size_t D>
class ConvTransposeImpl : public Module {
public:
    explicit ConvTransposeImpl(const ConvTransposeOptions<D>& options);
    ConvTransposeImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
        : ConvTransposeImpl(ConvTransposeOptions<D>(in_channels, out_channels, kernel_size)) {}
    Tensor forward(const Tensor& input, const std::optional<IntArrayRef>& output_size = std::nullopt);
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;

    ConvTransposeOptions<D> options;
    Tensor weight;
    Tensor bias;
};

class ConvTranspose1dImpl : public ConvTransposeImpl<1> {
public:
    using ConvTransposeImpl<1>::ConvTransposeImpl;
};
class ConvTranspose2dImpl : public ConvTransposeImpl<2> {
public:
    using ConvTransposeImpl<2>::ConvTransposeImpl;
};
EMBER_MODULE(ConvTranspose1d);
EMBER_MODULE(ConvTranspose2d);

}  // namespace ember::nn
