#pragma once
// ExpandingArray<D>: libtorch's type for per-dimension sizes in layer options. One value stands
// for every dim (`kernel_size = 3` is {3, 3}), or D values give each dim its own.
#include <array>
#include <initializer_list>
#include <ostream>
#include <vector>

#include "ember/tensor/error.h"
#include "ember/tensor/small_vector.h"

namespace ember {

template <std::size_t D, typename T = int64_t>
class ExpandingArray {
public:
    /*implicit*/ ExpandingArray(std::initializer_list<T> list) : ExpandingArray(ArrayRef<T>(list)) {}
    /*implicit*/ ExpandingArray(const std::vector<T>& v) : ExpandingArray(ArrayRef<T>(v)) {}
    /*implicit*/ ExpandingArray(ArrayRef<T> values) {
        EMBER_ENFORCE(values.size() == D, ShapeError, "ExpandingArray: expected ", D, " values, got ", values.size());
        for (std::size_t i = 0; i < D; ++i) values_[i] = values[i];
    }
    /*implicit*/ ExpandingArray(T single) { values_.fill(single); }
    /*implicit*/ ExpandingArray(const std::array<T, D>& values) : values_(values) {}

    std::array<T, D>& operator*() { return values_; }
    const std::array<T, D>& operator*() const { return values_; }
    std::array<T, D>* operator->() { return &values_; }
    const std::array<T, D>* operator->() const { return &values_; }
    operator ArrayRef<T>() const { return ArrayRef<T>(values_.data(), D); }
    std::size_t size() const noexcept { return D; }
    friend bool operator==(const ExpandingArray& a, const ExpandingArray& b) { return a.values_ == b.values_; }

private:
    std::array<T, D> values_;
};

template <std::size_t D, typename T>
std::ostream& operator<<(std::ostream& os, const ExpandingArray<D, T>& a) {
    os << '[';
    for (std::size_t i = 0; i < D; ++i) os << (i ? ", " : "") << (*a)[i];
    return os << ']';
}

// libtorch's option enums: each value is its own type, so a variant says which it holds. (kLinear
// is nn::init's Nonlinearity constant, include/ember/nn/init.h.)
namespace enumtype {
struct kValid {};
struct kSame {};
struct kZeros {};
struct kConstant {};
struct kReflect {};
struct kReplicate {};
struct kCircular {};
struct kNearest {};
struct kBilinear {};
struct kBicubic {};
struct kTrilinear {};
struct kArea {};
struct kNearestExact {};
}  // namespace enumtype
inline constexpr enumtype::kValid kValid{};
inline constexpr enumtype::kSame kSame{};
inline constexpr enumtype::kZeros kZeros{};
inline constexpr enumtype::kConstant kConstant{};
inline constexpr enumtype::kReflect kReflect{};
inline constexpr enumtype::kReplicate kReplicate{};
inline constexpr enumtype::kCircular kCircular{};
inline constexpr enumtype::kNearest kNearest{};
inline constexpr enumtype::kBilinear kBilinear{};
inline constexpr enumtype::kBicubic kBicubic{};
inline constexpr enumtype::kTrilinear kTrilinear{};
inline constexpr enumtype::kArea kArea{};
inline constexpr enumtype::kNearestExact kNearestExact{};

}  // namespace ember
