#pragma once
// libtorch spells std::optional as torch::optional (c10::optional, the same interface), and its
// APIs return it (a data set's size(), a sampler's next()): ember::optional is std::optional.
#include <optional>

namespace ember {

using std::make_optional;
using std::nullopt;
using std::nullopt_t;
using std::optional;

}  // namespace ember
