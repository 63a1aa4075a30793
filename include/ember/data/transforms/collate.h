#pragma once
// A collation turns a std::vector of examples into one batch object (libtorch's names):
// Collation<T> is the interface, Collate<T> the one made from a function.
#include <vector>

#include "ember/data/example.h"
#include "ember/data/transforms/lambda.h"

namespace ember::data::transforms {

template <typename T, typename BatchType = std::vector<T>>
using Collation = BatchTransform<BatchType, T>;

template <typename T, typename BatchType = std::vector<T>>
using Collate = BatchLambda<BatchType, T>;

}  // namespace ember::data::transforms
