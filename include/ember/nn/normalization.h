#pragma once
// Normalisation layers as in libtorch: BatchNorm1d/2d (batch statistics while training, running
// statistics after eval()), InstanceNorm1d/2d, LayerNorm and GroupNorm, with their Options and
// the functional forms F::batch_norm, F::instance_norm, F::layer_norm, F::group_norm. Each is y = (x - mean) / sqrt(var
// + eps) * w + b with the biased variance, composed of differentiable ops.
#include <optional>
#include <vector>

#include "ember/nn/module.h"
#include "ember/nn/options.h"

namespace ember {
// ATen's form: batch statistics when `training` (updating the running ones, if defined, with
// `momentum`, the variance there unbiased), the running statistics otherwise.
// `cudnn_enabled` is accepted for libtorch's signature and ignored.
Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps, bool cudnn_enabled = false);
// Each (sample, channel) normalised over its own spatial elements (use_input_stats), the running
// statistics (if defined) updated with the mean over the batch of the per-sample statistics; or
// normalised with the running statistics. As ATen's instance_norm.
Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool use_input_stats, double momentum, double eps,
                     bool cudnn_enabled = false);
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5, bool cudnn_enable = false);
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5, bool cudnn_enabled = false);
}  // namespace ember

namespace ember::nn {

struct BatchNormOptions {
    /*implicit*/ BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
    EMBER_ARG(int64_t, num_features);
    EMBER_ARG(double, eps) = 1e-5;
    // nullopt: the running statistics are the cumulative average over batches.
    EMBER_ARG(std::optional<double>, momentum) = 0.1;
    EMBER_ARG(bool, affine) = true;
    EMBER_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

struct InstanceNormOptions {
    /*implicit*/ InstanceNormOptions(int64_t num_features) : num_features_(num_features) {}
    EMBER_ARG(int64_t, num_features);
    EMBER_ARG(double, eps) = 1e-5;
    EMBER_ARG(double, momentum) = 0.1;
    EMBER_ARG(bool, affine) = false;
    EMBER_ARG(bool, track_running_stats) = false;
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;

struct LayerNormOptions {
    /*implicit*/ LayerNormOptions(std::vector<int64_t> normalized_shape)
        : normalized_shape_(std::move(normalized_shape)) {}
    EMBER_ARG(std::vector<int64_t>, normalized_shape);
    EMBER_ARG(double, eps) = 1e-5;
    EMBER_ARG(bool, elementwise_affine) = true;
};

struct GroupNormOptions {
    GroupNormOptions(int64_t num_groups, int64_t num_channels) : num_groups_(num_groups), num_channels_(num_channels) {}
    EMBER_ARG(int64_t, num_groups);
    EMBER_ARG(int64_t, num_channels);
    EMBER_ARG(double, eps) = 1e-5;
    EMBER_ARG(bool, affine) = true;
};

namespace functional {

struct BatchNormFuncOptions {
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(Tensor, bias);
    EMBER_ARG(bool, training) = false;
    EMBER_ARG(std::optional<double>, momentum) = 0.1;
    EMBER_ARG(double, eps) = 1e-5;
};
struct InstanceNormFuncOptions {
    EMBER_ARG(Tensor, running_mean);
    EMBER_ARG(Tensor, running_var);
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(Tensor, bias);
    EMBER_ARG(bool, use_input_stats) = true;
    EMBER_ARG(double, momentum) = 0.1;
    EMBER_ARG(double, eps) = 1e-5;
};
struct LayerNormFuncOptions {
    /*implicit*/ LayerNormFuncOptions(std::vector<int64_t> normalized_shape)
        : normalized_shape_(std::move(normalized_shape)) {}
    EMBER_ARG(std::vector<int64_t>, normalized_shape);
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(Tensor, bias);
    EMBER_ARG(double, eps) = 1e-5;
};
struct GroupNormFuncOptions {
    /*implicit*/ GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}
    EMBER_ARG(int64_t, num_groups);
    EMBER_ARG(Tensor, weight);
    EMBER_ARG(Tensor, bias);
    EMBER_ARG(double, eps) = 1e-5;
};

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);

}  // namespace functional

// BatchNorm over the channel dim 1 of [N, C] / [N, C, L] (1d) or [N, C, H, W] (2d) input.
// Parameters weight (ones) and bias (zeros) when affine; buffers running_mean (zeros),
// running_var (ones) and num_batches_tracked (int64) when tracking running statistics.
class BatchNormImplBase : public Module {
public:
    BatchNormImplBase(const char* name, const BatchNormOptions& options, int64_t min_dim, int64_t max_dim);
    Tensor forward(const Tensor& input);
    void reset_running_stats();
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;

    BatchNormOptions options;
    Tensor weight, bias;
    Tensor running_mean, running_var, num_batches_tracked;

private:
    int64_t min_dim_, max_dim_;
};

class BatchNorm1dImpl : public BatchNormImplBase {
public:
    explicit BatchNorm1dImpl(const BatchNorm1dOptions& options) : BatchNormImplBase("BatchNorm1d", options, 2, 3) {}
};
class BatchNorm2dImpl : public BatchNormImplBase {
public:
    explicit BatchNorm2dImpl(const BatchNorm2dOptions& options) : BatchNormImplBase("BatchNorm2d", options, 4, 4) {}
};
EMBER_MODULE(BatchNorm1d);
EMBER_MODULE(BatchNorm2d);

// InstanceNorm over [N, C, L] (1d; [C, L] unbatched) or [N, C, H, W] (2d; [C, H, W]
// unbatched): each sample's channels normalised on their own. Parameters and buffers as
// BatchNorm's, only when affine / track_running_stats (both off by default, as libtorch).
class InstanceNormImplBase : public Module {
public:
    InstanceNormImplBase(const char* name, const InstanceNormOptions& options, int64_t spatial_dims);
    Tensor forward(const Tensor& input);
    void reset_running_stats();
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;

    InstanceNormOptions options;
    Tensor weight, bias;
    Tensor running_mean, running_var, num_batches_tracked;

private:
    int64_t spatial_dims_;
};

class InstanceNorm1dImpl : public InstanceNormImplBase {
public:
    explicit InstanceNorm1dImpl(const InstanceNorm1dOptions& options)
        : InstanceNormImplBase("InstanceNorm1d", options, 1) {}
};
class InstanceNorm2dImpl : public InstanceNormImplBase {
public:
    explicit InstanceNorm2dImpl(const InstanceNorm2dOptions& options)
        : InstanceNormImplBase("InstanceNorm2d", options, 2) {}
};
EMBER_MODULE(InstanceNorm1d);
EMBER_MODULE(InstanceNorm2d);

class LayerNormImpl : public Module {
public:
    explicit LayerNormImpl(const LayerNormOptions& options);
    Tensor forward(const Tensor& input);
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;
    LayerNormOptions options;
    Tensor weight, bias;
};
EMBER_MODULE(LayerNorm);

class GroupNormImpl : public Module {
public:
    explicit GroupNormImpl(const GroupNormOptions& options);
    GroupNormImpl(int64_t num_groups, int64_t num_channels)
        : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
    Tensor forward(const Tensor& input);
    void reset_parameters();
    void pretty_print(std::ostream& os) const override;
    GroupNormOptions options;
    Tensor weight, bias;
};
EMBER_MODULE(GroupNorm);

}  // namespace ember::nn
