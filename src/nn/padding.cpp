// nn::functional::pad (see ember/nn/padding.h).
#include "ember/nn/padding.h"

#include <algorithm>

#include "ember/ops/ops.h"

namespace ember::nn::functional {

namespace {

// The source position of each output position p in [0, n + lo + hi) of a dim of size n, for a
// copying mode; i = p - lo is the position in x's coordinates (negative before the start).
int64_t source(int64_t i, int64_t n, const PadFuncOptions::mode_t& mode) {
    if (std::holds_alternative<enumtype::kReflect>(mode)) {
        if (i < 0) i = -i;
        if (i >= n) i = 2 * (n - 1) - i;
        return i;
    }
    if (std::holds_alternative<enumtype::kReplicate>(mode)) return std::clamp<int64_t>(i, 0, n - 1);
    return ((i % n) + n) % n;  // circular
}

const char* mode_name(const PadFuncOptions::mode_t& mode) {
    if (std::holds_alternative<enumtype::kReflect>(mode)) return "reflect";
    if (std::holds_alternative<enumtype::kReplicate>(mode)) return "replicate";
    return "circular";
}

}  // namespace

Tensor pad(const Tensor& input, const PadFuncOptions& options) {
    const std::vector<int64_t>& p = options.pad();
    if (std::holds_alternative<enumtype::kConstant>(options.mode())) return constant_pad_nd(input, p, options.value());
    const char* mode = mode_name(options.mode());
    const int64_t np = static_cast<int64_t>(p.size());
    EMBER_ENFORCE(input.defined(), ValueError, "pad: the input is undefined");
    EMBER_ENFORCE(np % 2 == 0 && np / 2 <= input.dim(), ShapeError, "pad (", mode,
                  "): the padding length must be even and at most twice the number of dims; got pad ", shape_str(p),
                  " (length ", np, ") for ", describe(input));
    EMBER_ENFORCE(np / 2 < input.dim(), ShapeError, "pad (", mode, "): pad ", shape_str(p), " pads all ", input.dim(),
                  " dims of ", describe(input), "; ", mode,
                  " padding expects a batch or channel dim in front of the padded ones");
    Tensor out = input;
    for (int64_t i = 0; i < np / 2; ++i) {
        const int64_t d = input.dim() - 1 - i, lo = p[2 * i], hi = p[2 * i + 1], n = input.size(d);
        EMBER_ENFORCE(lo >= 0 && hi >= 0, ValueError, "pad (", mode, "): negative padding ", shape_str(p),
                      " is only supported in constant mode");
        const bool reflect = std::holds_alternative<enumtype::kReflect>(options.mode());
        const bool circular = std::holds_alternative<enumtype::kCircular>(options.mode());
        EMBER_ENFORCE(n > 0, ShapeError, "pad (", mode, "): dim ", d, " of ", describe(input),
                      " is empty and has nothing to copy");
        EMBER_ENFORCE(!reflect || (lo < n && hi < n), ValueError, "pad (reflect): padding (", lo, ", ", hi, ") of dim ",
                      d, " must be smaller than its size ", n, " (", describe(input), ")");
        EMBER_ENFORCE(!circular || (lo <= n && hi <= n), ValueError, "pad (circular): padding (", lo, ", ", hi,
                      ") of dim ", d, " must be at most its size ", n, " (", describe(input), ")");
        if (lo == 0 && hi == 0) continue;
        std::vector<int64_t> idx;
        for (int64_t q = -lo; q < n + hi; ++q) idx.push_back(source(q, n, options.mode()));
        out = out.index_select(d, ember::tensor(idx, TensorOptions().dtype(kInt64).device(input.device())));
    }
    return out;
}

}  // namespace ember::nn::functional
