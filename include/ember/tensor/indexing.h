#pragma once
// Python-style indexing from C++, spelled as libtorch spells it:
//
//   using namespace ember::indexing;
//   x.index({Slice(), 0})                    x[:, 0]
//   x.index({"...", Slice(None, None, 2)})    x[..., ::2]
//   x.index({None, mask})                    x[None, mask]
//   x.index_put_({idx, Slice(1, None)}, 0.0)  x[idx, 1:] = 0
//
// Integers, slices, None, Ellipsis and booleans pick a view (no copy). Tensor indices (int64
// positions or a bool mask) gather a copy; several of them broadcast together, as in NumPy.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "ember/tensor/tensor.h"

namespace ember::indexing {

// `None` adds a dimension of size 1 (and is the open end of a Slice).
constexpr std::nullopt_t None = std::nullopt;

struct EllipsisIndexType {};
// `Ellipsis` (or the string "...") stands for as many full slices as the other indices leave.
inline constexpr EllipsisIndexType Ellipsis{};

// start:stop:step; an open start is 0, an open stop the end (INT64_MAX, clamped to the size), a
// negative end counts from the back. As in libtorch, a zero step is refused here and a negative
// one when indexing.
class Slice {
public:
    Slice(std::optional<int64_t> start = std::nullopt, std::optional<int64_t> stop = std::nullopt,
          std::optional<int64_t> step = std::nullopt);
    int64_t start() const { return start_; }
    int64_t stop() const { return stop_; }
    int64_t step() const { return step_; }

private:
    int64_t start_, stop_, step_;
};

enum class TensorIndexType { None, Ellipsis, Integer, Boolean, Slice, Tensor };

class TensorIndex {
public:
    TensorIndex(std::nullopt_t) : type_(TensorIndexType::None) {}
    TensorIndex(EllipsisIndexType) : type_(TensorIndexType::Ellipsis) {}
    // Only "..." is a valid string index.
    TensorIndex(const char* str);
    TensorIndex(int64_t integer) : type_(TensorIndexType::Integer), integer_(integer) {}
    TensorIndex(int integer) : TensorIndex(static_cast<int64_t>(integer)) {}
    // `true` adds a dimension of size 1, `false` one of size 0 (NumPy's rule). A template, so that
    // an int never converts to bool here.
    template <class T, std::enable_if_t<std::is_same_v<T, bool>, int> = 0>
    TensorIndex(T boolean) : type_(TensorIndexType::Boolean), boolean_(boolean) {}
    TensorIndex(Slice slice) : type_(TensorIndexType::Slice), slice_(slice) {}
    TensorIndex(Tensor tensor) : type_(TensorIndexType::Tensor), tensor_(std::move(tensor)) {}

    TensorIndexType type() const { return type_; }
    bool is_none() const { return type_ == TensorIndexType::None; }
    bool is_ellipsis() const { return type_ == TensorIndexType::Ellipsis; }
    bool is_integer() const { return type_ == TensorIndexType::Integer; }
    bool is_boolean() const { return type_ == TensorIndexType::Boolean; }
    bool is_slice() const { return type_ == TensorIndexType::Slice; }
    bool is_tensor() const { return type_ == TensorIndexType::Tensor; }
    int64_t integer() const { return integer_; }
    bool boolean() const { return boolean_; }
    const Slice& slice() const { return slice_; }
    const Tensor& tensor() const { return tensor_; }

private:
    TensorIndexType type_;
    int64_t integer_ = 0;
    bool boolean_ = false;
    Slice slice_;
    Tensor tensor_;
};

std::ostream& operator<<(std::ostream& os, const TensorIndex& index);

}  // namespace ember::indexing
