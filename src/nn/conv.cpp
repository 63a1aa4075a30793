// The convolution layers (include/ember/nn/conv.h): options checked once, PyTorch's
// initialisation, and forward through the ops of ember/ops/window_ops.h.
#include "ember/nn/conv.h"

#include <cmath>

#include "ember/nn/init.h"

namespace ember::nn {

namespace {

template <std::size_t D>
const char* conv_name(bool transposed) {
    if (transposed) return D == 1 ? "ConvTranspose1d" : "ConvTranspose2d";
    return D == 1 ? "Conv1d" : "Conv2d";
}

template <std::size_t D, typename Options>
void check_options(const char* name, const Options& o) {
    EMBER_ENFORCE(o.in_channels() > 0 && o.out_channels() > 0, ValueError, name,
                  ": channel counts must be positive, got in_channels=", o.in_channels(),
                  ", out_channels=", o.out_channels());
    EMBER_ENFORCE(o.groups() > 0 && o.in_channels() % o.groups() == 0 && o.out_channels() % o.groups() == 0, ValueError,
                  name, ": in_channels=", o.in_channels(), " and out_channels=", o.out_channels(),
                  " must be divisible by groups=", o.groups());
    for (int64_t k : *o.kernel_size())
        EMBER_ENFORCE(k > 0, ValueError, name, ": kernel_size must be positive, got ", o.kernel_size());
    EMBER_ENFORCE(std::holds_alternative<enumtype::kZeros>(o.padding_mode()), NotImplementedError, name,
                  ": only padding_mode kZeros is implemented (reflect, replicate and circular padding are not)");
}

// kaiming_uniform_(a = sqrt(5)) on the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias:
// PyTorch's reset_parameters for every convolution.
void init_conv(Tensor& weight, Tensor& bias) {
    NoGradGuard no_grad;
    init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
        const double fan_in = static_cast<double>(init::calculate_fan_in_and_fan_out(weight).first);
        const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
        bias.uniform_(-bound, bound);
    }
}

template <std::size_t D>
Shape weight_shape(int64_t first, int64_t second, const ExpandingArray<D>& k) {
    Shape s{first, second};
    for (int64_t v : *k) s.push_back(v);
    return s;
}

template <std::size_t D>
Tensor conv_call(const Tensor& x, const Tensor& w, const Tensor& b, const ExpandingArray<D>& stride,
                 const detail::conv_padding_t<D>& padding, const ExpandingArray<D>& dilation, int64_t groups) {
    if (const auto* p = std::get_if<ExpandingArray<D>>(&padding)) {
        return D == 1 ? ember::conv1d(x, w, b, stride, *p, dilation, groups)
                      : ember::conv2d(x, w, b, stride, *p, dilation, groups);
    }
    const char* mode = std::holds_alternative<enumtype::kSame>(padding) ? "same" : "valid";
    return ember::conv_padded(D, x, w, b, stride, mode, dilation, groups);
}

template <std::size_t D>
Tensor conv_transpose_call(const Tensor& x, const Tensor& w, const Tensor& b, const ExpandingArray<D>& stride,
                           const ExpandingArray<D>& padding, IntArrayRef output_padding, int64_t groups,
                           const ExpandingArray<D>& dilation) {
    return D == 1 ? ember::conv_transpose1d(x, w, b, stride, padding, output_padding, groups, dilation)
                  : ember::conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation);
}

template <std::size_t D>
void print_sizes(std::ostream& os, const char* name, const ExpandingArray<D>& v, int64_t neutral) {
    for (int64_t x : *v)
        if (x != neutral) {
            os << ", " << name << "=" << v;
            return;
        }
}

}  // namespace

template <std::size_t D>
ConvImpl<D>::ConvImpl(const ConvOptions<D>& o) : Module(conv_name<D>(false)), options(o) {
    check_options<D>(conv_name<D>(false), o);
    weight = register_parameter(
        "weight", empty(weight_shape<D>(o.out_channels(), o.in_channels() / o.groups(), o.kernel_size())));
    if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
    reset_parameters();
}

template <std::size_t D>
void ConvImpl<D>::reset_parameters() {
    init_conv(weight, bias);
}

template <std::size_t D>
Tensor ConvImpl<D>::forward(const Tensor& input) {
    return conv_call<D>(input, weight, bias, options.stride(), options.padding(), options.dilation(), options.groups());
}

template <std::size_t D>
void ConvImpl<D>::pretty_print(std::ostream& os) const {
    os << "ember::nn::" << name() << "(" << options.in_channels() << ", " << options.out_channels()
       << ", kernel_size=" << options.kernel_size() << ", stride=" << options.stride();
    if (const auto* p = std::get_if<ExpandingArray<D>>(&options.padding())) {
        print_sizes<D>(os, "padding", *p, 0);
    } else {
        os << ", padding=" << (std::holds_alternative<enumtype::kSame>(options.padding()) ? "kSame" : "kValid");
    }
    print_sizes<D>(os, "dilation", options.dilation(), 1);
    if (options.groups() != 1) os << ", groups=" << options.groups();
    if (!options.bias()) os << ", bias=false";
    os << ")";
}

template <std::size_t D>
ConvTransposeImpl<D>::ConvTransposeImpl(const ConvTransposeOptions<D>& o) : Module(conv_name<D>(true)), options(o) {
    check_options<D>(conv_name<D>(true), o);
    weight = register_parameter(
        "weight", empty(weight_shape<D>(o.in_channels(), o.out_channels() / o.groups(), o.kernel_size())));
    if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
    reset_parameters();
}

template <std::size_t D>
void ConvTransposeImpl<D>::reset_parameters() {
    init_conv(weight, bias);
}

template <std::size_t D>
Tensor ConvTransposeImpl<D>::forward(const Tensor& input, const std::optional<IntArrayRef>& output_size) {
    std::array<int64_t, D> out_pad = *options.output_padding();
    if (output_size) {
        // The output_padding that gives exactly this size: size - the size without it, which
        // must lie in [0, stride) (libtorch's _output_padding).
        const IntArrayRef want = *output_size;
        const int64_t k = static_cast<int64_t>(want.size()), spatial = static_cast<int64_t>(D);
        EMBER_ENFORCE(k == spatial || k == spatial + 2 || k == spatial + 1, ShapeError, name(), ": output_size ",
                      shape_str(want), " must have ", spatial, " (or ", spatial + 2, ") entries");
        for (std::size_t d = 0; d < D; ++d) {
            const int64_t in = input.size(input.dim() - static_cast<int64_t>(D) + static_cast<int64_t>(d));
            const int64_t s = (*options.stride())[d], p = (*options.padding())[d], dl = (*options.dilation())[d];
            const int64_t kk = (*options.kernel_size())[d];
            const int64_t base = (in - 1) * s - 2 * p + dl * (kk - 1) + 1;
            const int64_t w = want[static_cast<std::size_t>(k - spatial) + d];
            EMBER_ENFORCE(w >= base && w < base + s, ValueError, name(), ": requested output size ", shape_str(want),
                          " is not reachable: dim ", d, " must lie in [", base, ", ", base + s - 1, "]");
            out_pad[d] = w - base;
        }
    }
    return conv_transpose_call<D>(input, weight, bias, options.stride(), options.padding(),
                                  IntArrayRef(out_pad.data(), D), options.groups(), options.dilation());
}

template <std::size_t D>
void ConvTransposeImpl<D>::pretty_print(std::ostream& os) const {
    os << "ember::nn::" << name() << "(" << options.in_channels() << ", " << options.out_channels()
       << ", kernel_size=" << options.kernel_size() << ", stride=" << options.stride();
    print_sizes<D>(os, "padding", options.padding(), 0);
    print_sizes<D>(os, "output_padding", options.output_padding(), 0);
    print_sizes<D>(os, "dilation", options.dilation(), 1);
    if (options.groups() != 1) os << ", groups=" << options.groups();
    if (!options.bias()) os << ", bias=false";
    os << ")";
}

template class ConvImpl<1>;
template class ConvImpl<2>;
template class ConvTransposeImpl<1>;
template class ConvTransposeImpl<2>;

namespace functional {

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
    return conv_call<1>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
    return conv_call<2>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& o) {
    return conv_transpose_call<1>(input, weight, o.bias(), o.stride(), o.padding(), o.output_padding(), o.groups(),
                                  o.dilation());
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
    return conv_transpose_call<2>(input, weight, o.bias(), o.stride(), o.padding(), o.output_padding(), o.groups(),
                                  o.dilation());
}

}  // namespace functional

}  // namespace ember::nn
