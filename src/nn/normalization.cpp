// Batch, layer and group normalisation (include/ember/nn/normalization.h), composed of
// differentiable ops: their gradients, to any order, come from those ops.
#include "ember/nn/normalization.h"

namespace ember {

namespace {

// [1, C, 1, ...] for broadcasting a per-channel vector against x.
Shape channel_shape(const Tensor& x) {
    Shape s(static_cast<std::size_t>(x.dim()), 1);
    s[1] = x.size(1);
    return s;
}

void check_channel_vector(const char* op, const char* what, const Tensor& v, const Tensor& x) {
    if (!v.defined()) return;
    EMBER_ENFORCE(v.dim() == 1 && v.size(0) == x.size(1), ShapeError, op, ": ", what, " ", describe(v),
                  " must have one entry per channel of the input ", describe(x), " (", x.size(1), ")");
    EMBER_ENFORCE(v.device() == x.device(), DeviceError, op, ": ", what, " ", describe(v), " and input ", describe(x),
                  " are on different devices");
}

// (x - mean) / sqrt(var + eps) over `dims`, with the biased variance; also returns both
// statistics (keepdim).
Tensor normalize(const Tensor& x, IntArrayRef dims, double eps, Tensor* mean_out = nullptr, Tensor* var_out = nullptr) {
    Tensor mean = x.mean(dims, true);
    Tensor centred = x - mean;
    Tensor var = centred.square().mean(dims, true);
    if (mean_out) *mean_out = mean;
    if (var_out) *var_out = var;
    return centred * rsqrt(var + eps);
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps, bool) {
    const char* op = "batch_norm";
    EMBER_ENFORCE(input.defined() && input.dim() >= 2, ShapeError, op, ": expected an input [N, C, ...], got ",
                  input.defined() ? describe(input) : std::string("an undefined tensor"));
    EMBER_ENFORCE(input.is_floating_point(), DTypeError, op, ": expected a floating input, got ", describe(input));
    check_channel_vector(op, "weight", weight, input);
    check_channel_vector(op, "bias", bias, input);
    check_channel_vector(op, "running_mean", running_mean, input);
    check_channel_vector(op, "running_var", running_var, input);
    EMBER_ENFORCE(running_mean.defined() == running_var.defined(), ValueError, op,
                  ": running_mean and running_var must be given together");
    const Shape cs = channel_shape(input);
    Shape dims;
    for (int64_t d = 0; d < input.dim(); ++d)
        if (d != 1) dims.push_back(d);
    Tensor y;
    if (training) {
        const int64_t per_channel = input.numel() / std::max<int64_t>(1, input.size(1));
        EMBER_ENFORCE(per_channel > 1, ValueError, op, ": expected more than 1 value per channel when training, got ",
                      describe(input));
        Tensor mean, var;
        y = normalize(input, dims, eps, &mean, &var);
        if (running_mean.defined()) {
            // running = (1 - m) running + m batch, the variance made unbiased: n / (n - 1).
            NoGradGuard no_grad;
            const double n = static_cast<double>(per_channel);
            Tensor rm = running_mean, rv = running_var;
            rm.mul_(1 - momentum).add_(mean.detach().reshape({-1}).to(rm.dtype()), momentum);
            rv.mul_(1 - momentum).add_(var.detach().reshape({-1}).to(rv.dtype()), momentum * n / (n - 1));
        }
    } else {
        EMBER_ENFORCE(running_mean.defined(), ValueError, op,
                      ": running_mean and running_var are needed when not training");
        y = (input - running_mean.view(cs)) * rsqrt(running_var.view(cs) + eps);
    }
    if (weight.defined()) y = y * weight.view(cs);
    if (bias.defined()) y = y + bias.view(cs);
    return y;
}

Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool use_input_stats, double momentum, double eps, bool) {
    const char* op = "instance_norm";
    EMBER_ENFORCE(input.defined() && input.dim() >= 3, ShapeError, op, ": expected an input [N, C, ...] with ",
                  "spatial dims, got ", input.defined() ? describe(input) : std::string("an undefined tensor"));
    EMBER_ENFORCE(input.is_floating_point(), DTypeError, op, ": expected a floating input, got ", describe(input));
    check_channel_vector(op, "weight", weight, input);
    check_channel_vector(op, "bias", bias, input);
    check_channel_vector(op, "running_mean", running_mean, input);
    check_channel_vector(op, "running_var", running_var, input);
    EMBER_ENFORCE(running_mean.defined() == running_var.defined(), ValueError, op,
                  ": running_mean and running_var must be given together");
    const int64_t n = input.size(0), c = input.size(1);
    const Shape cs = channel_shape(input);
    Shape dims;
    for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
    Tensor y;
    if (use_input_stats) {
        const int64_t per_instance = input.numel() / std::max<int64_t>(1, n * c);
        EMBER_ENFORCE(per_instance > 1, ValueError, op,
                      ": expected more than 1 spatial element per channel when using input statistics, got ",
                      describe(input));
        Tensor mean, var;
        y = normalize(input, dims, eps, &mean, &var);
        if (running_mean.defined()) {
            // Each sample's statistics update its own copy of the running ones, and the copies
            // are averaged: running = (1 - m) running + m mean_n(stat), the variance unbiased.
            NoGradGuard no_grad;
            const double k = static_cast<double>(per_instance);
            Tensor rm = running_mean, rv = running_var;
            rm.mul_(1 - momentum).add_(mean.detach().reshape({n, c}).mean({0}).to(rm.dtype()), momentum);
            rv.mul_(1 - momentum).add_(var.detach().reshape({n, c}).mean({0}).to(rv.dtype()), momentum * k / (k - 1));
        }
    } else {
        EMBER_ENFORCE(running_mean.defined(), ValueError, op,
                      ": running_mean and running_var are needed when use_input_stats is false");
        y = (input - running_mean.view(cs)) * rsqrt(running_var.view(cs) + eps);
    }
    if (weight.defined()) y = y * weight.view(cs);
    if (bias.defined()) y = y + bias.view(cs);
    return y;
}

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps, bool) {
    const char* op = "layer_norm";
    EMBER_ENFORCE(input.defined(), ValueError, op, ": undefined input");
    EMBER_ENFORCE(input.is_floating_point(), DTypeError, op, ": expected a floating input, got ", describe(input));
    const int64_t k = static_cast<int64_t>(normalized_shape.size());
    bool match = k >= 1 && k <= input.dim();
    for (int64_t i = 0; match && i < k; ++i) match = input.size(input.dim() - k + i) == normalized_shape[i];
    EMBER_ENFORCE(match, ShapeError, op, ": normalized_shape ", shape_str(normalized_shape),
                  " must match the trailing dims of the input ", describe(input));
    for (const Tensor* t : {&weight, &bias})
        if (t->defined())
            EMBER_ENFORCE(t->sizes() == normalized_shape, ShapeError, op, ": weight and bias must have shape ",
                          shape_str(normalized_shape), ", got ", describe(*t));
    Shape dims;
    for (int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
    Tensor y = normalize(input, dims, eps);
    if (weight.defined()) y = y * weight;
    if (bias.defined()) y = y + bias;
    return y;
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps, bool) {
    const char* op = "group_norm";
    EMBER_ENFORCE(input.defined() && input.dim() >= 2, ShapeError, op, ": expected an input [N, C, ...], got ",
                  input.defined() ? describe(input) : std::string("an undefined tensor"));
    EMBER_ENFORCE(input.is_floating_point(), DTypeError, op, ": expected a floating input, got ", describe(input));
    EMBER_ENFORCE(num_groups > 0 && input.size(1) % num_groups == 0, ShapeError, op, ": the input's ", input.size(1),
                  " channels (", describe(input), ") must divide into num_groups = ", num_groups);
    check_channel_vector(op, "weight", weight, input);
    check_channel_vector(op, "bias", bias, input);
    const int64_t n = input.size(0);
    Tensor y = normalize(input.reshape({n, num_groups, -1}), {2}, eps).view(input.sizes());
    const Shape cs = channel_shape(input);
    if (weight.defined()) y = y * weight.view(cs);
    if (bias.defined()) y = y + bias.view(cs);
    return y;
}

namespace nn {

Tensor functional::batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                              const BatchNormFuncOptions& o) {
    EMBER_ENFORCE(o.momentum().has_value() || !o.training() || !running_mean.defined(), ValueError,
                  "batch_norm: a momentum is needed to update running statistics");
    return ember::batch_norm(input, o.weight(), o.bias(), running_mean, running_var, o.training(),
                             o.momentum().value_or(0.0), o.eps());
}

Tensor functional::instance_norm(const Tensor& input, const InstanceNormFuncOptions& o) {
    return ember::instance_norm(input, o.weight(), o.bias(), o.running_mean(), o.running_var(), o.use_input_stats(),
                                o.momentum(), o.eps());
}

Tensor functional::layer_norm(const Tensor& input, const LayerNormFuncOptions& o) {
    return ember::layer_norm(input, o.normalized_shape(), o.weight(), o.bias(), o.eps());
}

Tensor functional::group_norm(const Tensor& input, const GroupNormFuncOptions& o) {
    return ember::group_norm(input, o.num_groups(), o.weight(), o.bias(), o.eps());
}

namespace {

// The state batch and instance norm share (libtorch's NormImplBase): a per-channel weight and bias
// when affine, running statistics when tracked; tensors not kept stay undefined.
void register_norm_state(Module& m, const char* name, int64_t features, bool affine, bool track, Tensor& weight,
                         Tensor& bias, Tensor& running_mean, Tensor& running_var, Tensor& num_batches_tracked) {
    EMBER_ENFORCE(features > 0, ValueError, name, ": num_features must be positive, got ", features);
    if (affine) {
        weight = m.register_parameter("weight", empty({features}));
        bias = m.register_parameter("bias", empty({features}));
    }
    if (track) {
        running_mean = m.register_buffer("running_mean", zeros({features}));
        running_var = m.register_buffer("running_var", ones({features}));
        num_batches_tracked = m.register_buffer("num_batches_tracked", zeros({}, dtype(kInt64)));
    }
}

// Running statistics back to mean 0, variance 1, no batches (no-op when not tracked).
void reset_norm_statistics(Tensor& running_mean, Tensor& running_var, Tensor& num_batches_tracked) {
    if (!running_mean.defined()) return;
    NoGradGuard no_grad;
    running_mean.zero_();
    running_var.fill_(1);
    num_batches_tracked.zero_();
}

// The affine transform back to the identity (no-op when not affine).
void reset_norm_affine(Tensor& weight, Tensor& bias) {
    if (!weight.defined()) return;
    NoGradGuard no_grad;
    weight.fill_(1);
    bias.zero_();
}

}  // namespace

BatchNormImplBase::BatchNormImplBase(const char* name, const BatchNormOptions& o, int64_t min_dim, int64_t max_dim)
    : Module(name), options(o), min_dim_(min_dim), max_dim_(max_dim) {
    register_norm_state(*this, name, o.num_features(), o.affine(), o.track_running_stats(), weight, bias, running_mean,
                        running_var, num_batches_tracked);
    reset_parameters();
}

void BatchNormImplBase::reset_running_stats() { reset_norm_statistics(running_mean, running_var, num_batches_tracked); }

void BatchNormImplBase::reset_parameters() {
    reset_running_stats();
    reset_norm_affine(weight, bias);
}

Tensor BatchNormImplBase::forward(const Tensor& input) {
    EMBER_ENFORCE(input.defined() && input.dim() >= min_dim_ && input.dim() <= max_dim_, ShapeError, name(),
                  ": expected ", min_dim_ == max_dim_ ? std::to_string(min_dim_) : str_cat(min_dim_, "D or ", max_dim_),
                  "D input, got ", input.defined() ? describe(input) : std::string("an undefined tensor"));
    // Batch statistics while training or when no running ones are kept; the running ones (when
    // kept) are updated in training and used in eval.
    const bool use_batch_stats = is_training() || !options.track_running_stats();
    double momentum = options.momentum().value_or(0.0);
    if (is_training() && options.track_running_stats()) {
        NoGradGuard no_grad;
        num_batches_tracked.add_(1.0);
        // Without a momentum the running statistics are the cumulative mean: factor 1 / batches.
        if (!options.momentum()) momentum = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
    }
    return ember::batch_norm(input, weight, bias, running_mean, running_var, use_batch_stats, momentum, options.eps());
}

void BatchNormImplBase::pretty_print(std::ostream& os) const {
    os << "ember::nn::" << name() << "(" << options.num_features() << ", eps=" << options.eps() << ", momentum=";
    if (options.momentum())
        os << *options.momentum();
    else
        os << "None";
    os << ", affine=" << (options.affine() ? "true" : "false")
       << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false") << ")";
}

InstanceNormImplBase::InstanceNormImplBase(const char* name, const InstanceNormOptions& o, int64_t spatial_dims)
    : Module(name), options(o), spatial_dims_(spatial_dims) {
    register_norm_state(*this, name, o.num_features(), o.affine(), o.track_running_stats(), weight, bias, running_mean,
                        running_var, num_batches_tracked);
    reset_parameters();
}

void InstanceNormImplBase::reset_running_stats() {
    reset_norm_statistics(running_mean, running_var, num_batches_tracked);
}

void InstanceNormImplBase::reset_parameters() {
    reset_running_stats();
    reset_norm_affine(weight, bias);
}

Tensor InstanceNormImplBase::forward(const Tensor& input) {
    const int64_t d = spatial_dims_;
    EMBER_ENFORCE(input.defined() && (input.dim() == d + 1 || input.dim() == d + 2), ShapeError, name(), ": expected ",
                  d + 1, "D (unbatched) or ", d + 2, "D input, got ",
                  input.defined() ? describe(input) : std::string("an undefined tensor"));
    const bool unbatched = input.dim() == d + 1;
    Tensor x = unbatched ? input.unsqueeze(0) : input;
    // libtorch counts no batches for instance norm (num_batches_tracked stays 0): the momentum is
    // always the option's.
    Tensor y = ember::instance_norm(x, weight, bias, running_mean, running_var,
                                    is_training() || !options.track_running_stats(), options.momentum(), options.eps());
    return unbatched ? y.squeeze(0) : y;
}

void InstanceNormImplBase::pretty_print(std::ostream& os) const {
    os << "ember::nn::" << name() << "(" << options.num_features() << ", eps=" << options.eps()
       << ", momentum=" << options.momentum() << ", affine=" << (options.affine() ? "true" : "false")
       << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false") << ")";
}

LayerNormImpl::LayerNormImpl(const LayerNormOptions& o) : Module("LayerNorm"), options(o) {
    EMBER_ENFORCE(!o.normalized_shape().empty(), ValueError, "LayerNorm: normalized_shape must not be empty");
    if (o.elementwise_affine()) {
        weight = register_parameter("weight", ember::empty(IntArrayRef(o.normalized_shape())));
        bias = register_parameter("bias", ember::empty(IntArrayRef(o.normalized_shape())));
    }
    reset_parameters();
}

void LayerNormImpl::reset_parameters() {
    if (!options.elementwise_affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1);
    bias.zero_();
}

Tensor LayerNormImpl::forward(const Tensor& input) {
    return ember::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

void LayerNormImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::LayerNorm(" << shape_str(options.normalized_shape()) << ", eps=" << options.eps()
       << ", elementwise_affine=" << (options.elementwise_affine() ? "true" : "false") << ")";
}

GroupNormImpl::GroupNormImpl(const GroupNormOptions& o) : Module("GroupNorm"), options(o) {
    EMBER_ENFORCE(o.num_groups() > 0 && o.num_channels() > 0 && o.num_channels() % o.num_groups() == 0, ValueError,
                  "GroupNorm: num_channels = ", o.num_channels(),
                  " must be divisible by num_groups = ", o.num_groups());
    if (o.affine()) {
        weight = register_parameter("weight", empty({o.num_channels()}));
        bias = register_parameter("bias", empty({o.num_channels()}));
    }
    reset_parameters();
}

void GroupNormImpl::reset_parameters() {
    if (!options.affine()) return;
    NoGradGuard no_grad;
    weight.fill_(1);
    bias.zero_();
}

Tensor GroupNormImpl::forward(const Tensor& input) {
    EMBER_ENFORCE(input.defined() && input.dim() >= 2 && input.size(1) == options.num_channels(), ShapeError,
                  "GroupNorm: expected an input with ", options.num_channels(), " channels in dim 1, got ",
                  input.defined() ? describe(input) : std::string("an undefined tensor"));
    return ember::group_norm(input, options.num_groups(), weight, bias, options.eps());
}

void GroupNormImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::GroupNorm(" << options.num_groups() << ", " << options.num_channels() << ", eps=" << options.eps()
       << ", affine=" << (options.affine() ? "true" : "false") << ")";
}

}  // namespace nn
}  // namespace ember
