// F::interpolate and nn::Upsample (include/ember/nn/upsampling.h): libtorch's argument rules,
// then the upsample ops of ember/ops/window_ops.h (or adaptive_avg_pool for kArea).
#include "ember/nn/upsampling.h"

#include <cmath>

#include "ember/ops/window_ops.h"

namespace ember::nn {

namespace {

using Mode = functional::InterpolateFuncOptions::mode_t;

template <typename... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string vec_str(const std::vector<double>& v) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << ']';
    return os.str();
}

}  // namespace

std::string interpolate_mode_name(const Mode& mode) {
    return std::visit(
        Overloaded{[](enumtype::kNearest) { return "kNearest"; }, [](enumtype::kLinear) { return "kLinear"; },
                   [](enumtype::kBilinear) { return "kBilinear"; }, [](enumtype::kBicubic) { return "kBicubic"; },
                   [](enumtype::kTrilinear) { return "kTrilinear"; }, [](enumtype::kArea) { return "kArea"; },
                   [](enumtype::kNearestExact) { return "kNearestExact"; }},
        mode);
}

Tensor functional::interpolate(const Tensor& input, const InterpolateFuncOptions& o) {
    const char* op = "interpolate";
    EMBER_ENFORCE(input.defined(), ValueError, op, ": undefined input");
    const Mode& mode = o.mode();
    const std::string name = interpolate_mode_name(mode);
    const bool nearest =
        std::holds_alternative<enumtype::kNearest>(mode) || std::holds_alternative<enumtype::kNearestExact>(mode);
    const bool area = std::holds_alternative<enumtype::kArea>(mode);
    std::optional<bool> align_corners = o.align_corners();
    if (nearest || area) {
        EMBER_ENFORCE(!align_corners.has_value(), ValueError, op,
                      ": align_corners option can only be set with the interpolating modes: linear | bilinear | "
                      "bicubic | trilinear (got mode ",
                      name, ")");
    } else if (!align_corners) {
        align_corners = false;  // PyTorch's default since 0.4.0
    }
    EMBER_ENFORCE(!o.antialias(), NotImplementedError, op, ": antialias is not implemented");
    const int64_t dim = input.dim();
    EMBER_ENFORCE(dim == 3 || dim == 4, ShapeError, op,
                  ": only 3-D [N, C, W] and 4-D [N, C, H, W] inputs are supported, got ", describe(input), " (mode ",
                  name, ")");
    const int64_t spatial = dim - 2;
    const bool linear = std::holds_alternative<enumtype::kLinear>(mode);
    const bool bilinear = std::holds_alternative<enumtype::kBilinear>(mode);
    EMBER_ENFORCE(!(linear && dim != 3), ShapeError, op, ": got a ", dim, "-D input ", describe(input),
                  ", but linear mode needs 3-D input");
    EMBER_ENFORCE(!(bilinear && dim != 4), ShapeError, op, ": got a ", dim, "-D input ", describe(input),
                  ", but bilinear mode needs 4-D input");
    EMBER_ENFORCE(nearest || area || linear || bilinear, NotImplementedError, op, ": mode ", name,
                  " is not implemented (nearest, nearest-exact, linear, bilinear and area are)");

    // The output size: `size`, or floor(in * scale_factor).
    EMBER_ENFORCE(o.size() || o.scale_factor(), ValueError, op,
                  ": either size or scale_factor should be defined (input ", describe(input), ")");
    EMBER_ENFORCE(!(o.size() && o.scale_factor()), ValueError, op,
                  ": only one of size or scale_factor should be defined (input ", describe(input), ")");
    std::vector<int64_t> out_size;
    std::vector<std::optional<double>> scales(static_cast<std::size_t>(spatial));
    if (o.size()) {
        out_size = *o.size();
        EMBER_ENFORCE(static_cast<int64_t>(out_size.size()) == spatial, ShapeError, op, ": size ", shape_str(out_size),
                      " must have one value per spatial dim of the ", dim, "-D input ", describe(input));
    } else {
        const std::vector<double>& sf = *o.scale_factor();
        EMBER_ENFORCE(static_cast<int64_t>(sf.size()) == spatial, ShapeError, op,
                      ": scale_factor shape must match input shape. Input is ", spatial, "D, scale_factor size is ",
                      vec_str(sf), " (input ", describe(input), ")");
        for (int64_t d = 0; d < spatial; ++d) {
            const double s = sf[static_cast<std::size_t>(d)];
            EMBER_ENFORCE(s > 0 && std::isfinite(s), ValueError, op, ": scale_factor ", vec_str(sf),
                          " must be positive and finite");
            out_size.push_back(static_cast<int64_t>(std::floor(static_cast<double>(input.size(2 + d)) * s)));
            if (!o.recompute_scale_factor().value_or(false)) scales[static_cast<std::size_t>(d)] = s;
        }
    }
    for (int64_t v : out_size)
        EMBER_ENFORCE(v > 0, ShapeError, op, ": the output size ", shape_str(out_size), " for input ", describe(input),
                      " must be positive in every dim");

    if (area) return spatial == 1 ? adaptive_avg_pool1d(input, out_size) : adaptive_avg_pool2d(input, out_size);
    if (std::holds_alternative<enumtype::kNearest>(mode))
        return spatial == 1 ? upsample_nearest1d(input, out_size, scales[0])
                            : upsample_nearest2d(input, out_size, scales[0], scales[1]);
    if (std::holds_alternative<enumtype::kNearestExact>(mode))
        return spatial == 1 ? _upsample_nearest_exact1d(input, out_size, scales[0])
                            : _upsample_nearest_exact2d(input, out_size, scales[0], scales[1]);
    if (linear) return upsample_linear1d(input, out_size, *align_corners, scales[0]);
    return upsample_bilinear2d(input, out_size, *align_corners, scales[0], scales[1]);
}

UpsampleImpl::UpsampleImpl(const UpsampleOptions& options_) : Module("Upsample"), options(options_) {}

Tensor UpsampleImpl::forward(const Tensor& input) {
    functional::InterpolateFuncOptions::mode_t mode =
        std::visit([](auto m) -> functional::InterpolateFuncOptions::mode_t { return m; }, options.mode());
    return functional::interpolate(input, functional::InterpolateFuncOptions()
                                              .size(options.size())
                                              .scale_factor(options.scale_factor())
                                              .mode(mode)
                                              .align_corners(options.align_corners()));
}

void UpsampleImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::Upsample(";
    if (options.scale_factor())
        os << "scale_factor=" << vec_str(*options.scale_factor());
    else if (options.size())
        os << "size=" << shape_str(*options.size());
    functional::InterpolateFuncOptions::mode_t mode =
        std::visit([](auto m) -> functional::InterpolateFuncOptions::mode_t { return m; }, options.mode());
    os << ", mode=" << interpolate_mode_name(mode) << ")";
}

}  // namespace ember::nn
