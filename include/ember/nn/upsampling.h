#pragma once
// Upsampling as in libtorch: nn::functional::interpolate with InterpolateFuncOptions, and the
// nn::Upsample module with UpsampleOptions. Either size or scale_factor is given (one value per
// spatial dim); the output size is the size, or floor(in * scale_factor). Modes: kNearest (3-D
// and 4-D input), kNearestExact, kLinear (3-D), kBilinear (4-D), kArea (adaptive average
// pooling); kBicubic and kTrilinear are not implemented. align_corners only with the
// interpolating modes, defaulting to false there.
//
//   nn::Upsample up(nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(ember::kBilinear));
//   Tensor y = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{8, 8}));
#include <optional>
#include <variant>
#include <vector>

#include "ember/nn/expanding_array.h"
#include "ember/nn/init.h"
#include "ember/nn/module.h"
#include "ember/nn/options.h"

namespace ember::nn {

struct UpsampleOptions {
    using mode_t = std::variant<enumtype::kNearest, enumtype::kLinear, enumtype::kBilinear, enumtype::kBicubic,
                                enumtype::kTrilinear>;
    EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
    EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
    EMBER_ARG(mode_t, mode) = ember::kNearest;
    EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
};

namespace functional {

struct InterpolateFuncOptions {
    using mode_t = std::variant<enumtype::kNearest, enumtype::kLinear, enumtype::kBilinear, enumtype::kBicubic,
                                enumtype::kTrilinear, enumtype::kArea, enumtype::kNearestExact>;
    EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
    EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
    EMBER_ARG(mode_t, mode) = ember::kNearest;
    EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
    // true: the kernels compute the ratio from the sizes (in / out) rather than the scale factor.
    EMBER_ARG(std::optional<bool>, recompute_scale_factor) = std::nullopt;
    // Only false is implemented (an ember::NotImplementedError otherwise).
    EMBER_ARG(bool, antialias) = false;
};

Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});

}  // namespace functional

// "kNearest", "kBilinear", ...: libtorch's enumtype::get_enum_name.
std::string interpolate_mode_name(const functional::InterpolateFuncOptions::mode_t& mode);

class UpsampleImpl : public Module {
public:
    explicit UpsampleImpl(const UpsampleOptions& options_ = {});
    Tensor forward(const Tensor& input);
    void reset() {}
    void pretty_print(std::ostream& os) const override;
    UpsampleOptions options;
};
EMBER_MODULE(Upsample);

}  // namespace ember::nn
