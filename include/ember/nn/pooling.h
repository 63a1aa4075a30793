#pragma once
// Pooling layers as in libtorch: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d,
// AdaptiveMaxPool1d/2d, with their Options (the stride defaults to the kernel size) and the
// functional forms F::max_pool2d, F::max_pool2d_with_indices, F::avg_pool2d,
// F::adaptive_avg_pool2d, F::adaptive_max_pool2d(_with_indices), ... The max-pooling modules
// return the maxima from forward and (maxima, indices) from forward_with_indices, as libtorch's.
#include <optional>

#include "ember/nn/expanding_array.h"
#include "ember/nn/module.h"
#include "ember/nn/options.h"
#include "ember/ops/window_ops.h"

namespace ember::nn {

template <std::size_t D>
struct MaxPoolOptions {
    MaxPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}
    EMBER_ARG(ExpandingArray<D>, kernel_size);
    EMBER_ARG(ExpandingArray<D>, stride);
    EMBER_ARG(ExpandingArray<D>, padding) = 0;
    EMBER_ARG(ExpandingArray<D>, dilation) = 1;
    EMBER_ARG(bool, ceil_mode) = false;
};
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;

template <std::size_t D>
struct AvgPoolOptions {
    AvgPoolOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}
    EMBER_ARG(ExpandingArray<D>, kernel_size);
    EMBER_ARG(ExpandingArray<D>, stride);
    EMBER_ARG(ExpandingArray<D>, padding) = 0;
    EMBER_ARG(bool, ceil_mode) = false;
    EMBER_ARG(bool, count_include_pad) = true;
    EMBER_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;
};
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;

template <std::size_t D>
struct AdaptiveAvgPoolOptions {
    AdaptiveAvgPoolOptions(ExpandingArray<D> output_size) : output_size_(output_size) {}
    EMBER_ARG(ExpandingArray<D>, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptiveAvgPoolOptions<1>;
using AdaptiveAvgPool2dOptions = AdaptiveAvgPoolOptions<2>;

template <std::size_t D>
struct AdaptiveMaxPoolOptions {
    AdaptiveMaxPoolOptions(ExpandingArray<D> output_size) : output_size_(output_size) {}
    EMBER_ARG(ExpandingArray<D>, output_size);
};
using AdaptiveMaxPool1dOptions = AdaptiveMaxPoolOptions<1>;
using AdaptiveMaxPool2dOptions = AdaptiveMaxPoolOptions<2>;

namespace functional {
using MaxPool1dFuncOptions = MaxPool1dOptions;
using MaxPool2dFuncOptions = MaxPool2dOptions;
using AvgPool1dFuncOptions = AvgPool1dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;

inline Tensor max_pool1d(const Tensor& x, const MaxPool1dFuncOptions& o) {
    return ember::max_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& o) {
    return ember::max_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const MaxPool2dFuncOptions& o) {
    return ember::max_pool2d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, const MaxPool1dFuncOptions& o) {
    return ember::max_pool1d_with_indices(x, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}
inline Tensor avg_pool1d(const Tensor& x, const AvgPool1dFuncOptions& o) {
    return ember::avg_pool1d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad());
}
inline Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& o) {
    return ember::avg_pool2d(x, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                             o.divisor_override());
}
inline Tensor adaptive_avg_pool1d(const Tensor& x, const AdaptiveAvgPool1dFuncOptions& o) {
    return ember::adaptive_avg_pool1d(x, o.output_size());
}
inline Tensor adaptive_avg_pool2d(const Tensor& x, const AdaptiveAvgPool2dFuncOptions& o) {
    return ember::adaptive_avg_pool2d(x, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& x,
                                                                   const AdaptiveMaxPool1dFuncOptions& o) {
    return ember::adaptive_max_pool1d(x, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x,
                                                                   const AdaptiveMaxPool2dFuncOptions& o) {
    return ember::adaptive_max_pool2d(x, o.output_size());
}
inline Tensor adaptive_max_pool1d(const Tensor& x, const AdaptiveMaxPool1dFuncOptions& o) {
    return std::get<0>(ember::adaptive_max_pool1d(x, o.output_size()));
}
inline Tensor adaptive_max_pool2d(const Tensor& x, const AdaptiveMaxPool2dFuncOptions& o) {
    return std::get<0>(ember::adaptive_max_pool2d(x, o.output_size()));
}
}  // namespace functional

// One class per layer, each holding its options and printing them as libtorch does.
// The max-pooling ones (EMBER_MAXPOOL_MODULE) also have forward_with_indices.
#define EMBER_POOL_MODULE(Name, Options, first_field, call, print_fields) \
    EMBER_POOL_MODULE_WITH(Name, Options, first_field, call, print_fields, )
#define EMBER_MAXPOOL_MODULE(Name, Options, first_field, call, print_fields)   \
    EMBER_POOL_MODULE_WITH(                                                    \
        Name, Options, first_field, call, print_fields,                        \
        std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input) { \
            return call##_with_indices(input, options);                        \
        })
#define EMBER_POOL_MODULE_WITH(Name, Options, first_field, call, print_fields, ...)               \
    class Name##Impl : public Module {                                                            \
    public:                                                                                       \
        explicit Name##Impl(const Options& options_) : Module(#Name), options(options_) {}        \
        explicit Name##Impl(decltype(Options::first_field) first) : Name##Impl(Options(first)) {} \
        Tensor forward(const Tensor& input) { return call(input, options); }                      \
        __VA_ARGS__                                                                               \
        void pretty_print(std::ostream& os) const override {                                      \
            os << "ember::nn::" #Name "(";                                                        \
            print_fields;                                                                         \
            os << ")";                                                                            \
        }                                                                                         \
        Options options;                                                                          \
    };                                                                                            \
    EMBER_MODULE(Name)

#define EMBER_MAXPOOL_FIELDS                                                         \
    os << "kernel_size=" << options.kernel_size() << ", stride=" << options.stride() \
       << ", padding=" << options.padding() << ", dilation=" << options.dilation()   \
       << ", ceil_mode=" << (options.ceil_mode() ? "true" : "false")
#define EMBER_AVGPOOL_FIELDS                                                         \
    os << "kernel_size=" << options.kernel_size() << ", stride=" << options.stride() \
       << ", padding=" << options.padding()
#define EMBER_ADAPTIVE_FIELDS os << "output_size=" << options.output_size()

EMBER_MAXPOOL_MODULE(MaxPool1d, MaxPool1dOptions, kernel_size_, functional::max_pool1d, EMBER_MAXPOOL_FIELDS);
EMBER_MAXPOOL_MODULE(MaxPool2d, MaxPool2dOptions, kernel_size_, functional::max_pool2d, EMBER_MAXPOOL_FIELDS);
EMBER_POOL_MODULE(AvgPool1d, AvgPool1dOptions, kernel_size_, functional::avg_pool1d, EMBER_AVGPOOL_FIELDS);
EMBER_POOL_MODULE(AvgPool2d, AvgPool2dOptions, kernel_size_, functional::avg_pool2d, EMBER_AVGPOOL_FIELDS);
EMBER_POOL_MODULE(AdaptiveAvgPool1d, AdaptiveAvgPool1dOptions, output_size_, functional::adaptive_avg_pool1d,
                  EMBER_ADAPTIVE_FIELDS);
EMBER_POOL_MODULE(AdaptiveAvgPool2d, AdaptiveAvgPool2dOptions, output_size_, functional::adaptive_avg_pool2d,
                  EMBER_ADAPTIVE_FIELDS);
EMBER_MAXPOOL_MODULE(AdaptiveMaxPool1d, AdaptiveMaxPool1dOptions, output_size_, functional::adaptive_max_pool1d,
                     EMBER_ADAPTIVE_FIELDS);
EMBER_MAXPOOL_MODULE(AdaptiveMaxPool2d, AdaptiveMaxPool2dOptions, output_size_, functional::adaptive_max_pool2d,
                     EMBER_ADAPTIVE_FIELDS);

#undef EMBER_POOL_MODULE
#undef EMBER_POOL_MODULE_WITH
#undef EMBER_MAXPOOL_MODULE
#undef EMBER_MAXPOOL_FIELDS
#undef EMBER_AVGPOOL_FIELDS
#undef EMBER_ADAPTIVE_FIELDS

}  // namespace ember::nn
