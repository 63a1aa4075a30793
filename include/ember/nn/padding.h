#pragma once
// nn::functional::pad, libtorch's: F::pad(x, F::PadFuncOptions({1, 2}).mode(torch::kReflect)).
// pad lists (start, end) pairs from the last dim backwards, as constant_pad_nd's. Modes:
//   kConstant  the value (default 0); negative entries crop;
//   kReflect   mirror without repeating the edge (x[1], x[0] | x[0] ... | x[n-1] x[n-2]): each
//              entry < the dim's size;
//   kReplicate repeat the edge element;
//   kCircular  wrap around (the end's elements before the start): each entry <= the dim's size.
// The three copying modes are an index_select per padded dim, so the gradient is index_add's sum
// over every place an element was copied to; they take non-negative entries.
#include <cstdint>
#include <variant>
#include <vector>

#include "ember/nn/expanding_array.h"
#include "ember/nn/options.h"
#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

struct PadFuncOptions {
    using mode_t = std::variant<enumtype::kConstant, enumtype::kReflect, enumtype::kReplicate, enumtype::kCircular>;
    PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}
    EMBER_ARG(std::vector<int64_t>, pad);
    EMBER_ARG(mode_t, mode) = kConstant;
    EMBER_ARG(double, value) = 0;
};

Tensor pad(const Tensor& input, const PadFuncOptions& options);

}  // namespace ember::nn::functional
