#pragma once
// ember::Scalar, libtorch's c10::Scalar: one number that remembers whether it is floating, integral
// or boolean. Tensor::item() returns one, and the ops that take "a number" in libtorch
// (masked_fill, new_full, norm's p) take one, so that masked_fill(m, 0) and masked_fill(m, -1e9)
// both read as in libtorch. Built implicitly from any C++ number, as c10::Scalar is.
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "ember/tensor/dtype.h"
#include "ember/tensor/error.h"

namespace ember {

class Scalar {
public:
    Scalar() : Scalar(int64_t{0}) {}
    Scalar(bool v) : kind_(Kind::Bool), i_(v ? 1 : 0) {}
    template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    Scalar(T v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}
    template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
    Scalar(T v) : kind_(Kind::Double), d_(static_cast<double>(v)) {}

    bool isFloatingPoint() const { return kind_ == Kind::Double; }
    // As libtorch's: whether the value is an integer, counting a bool as one only when asked.
    bool isIntegral(bool includeBool) const { return kind_ == Kind::Int || (includeBool && kind_ == Kind::Bool); }
    bool isBoolean() const { return kind_ == Kind::Bool; }
    // The dtype a tensor of this value gets: float64, int64 or bool (libtorch's Scalar::type()).
    ScalarType type() const { return kind_ == Kind::Double ? kFloat64 : kind_ == Kind::Int ? kInt64 : kBool; }

    // Conversions, as libtorch's toX(): a C++ conversion of the value (a double to an integer
    // truncates), except that a value that does not fit the target integer type is an error.
    double toDouble() const { return kind_ == Kind::Double ? d_ : static_cast<double>(i_); }
    float toFloat() const { return static_cast<float>(toDouble()); }
    int64_t toLong() const { return to_integer<int64_t>("toLong"); }
    int toInt() const { return to_integer<int>("toInt"); }
    bool toBool() const { return kind_ == Kind::Double ? d_ != 0 : i_ != 0; }
    // item<T>()'s spelling on a Scalar: to<float>(), to<int64_t>(), ...
    template <typename T>
    T to() const {
        if constexpr (std::is_same_v<T, bool>) {
            return toBool();
        } else if constexpr (std::is_floating_point_v<T>) {
            return static_cast<T>(toDouble());
        } else {
            return to_integer<T>("to");
        }
    }

    Scalar operator-() const {
        if (kind_ == Kind::Double) return Scalar(-d_);
        return Scalar(-i_);
    }

private:
    enum class Kind { Double, Int, Bool };
    template <typename I>
    I to_integer(const char* what) const {
        if (kind_ != Kind::Double) {
            EMBER_ENFORCE(i_ >= static_cast<int64_t>(std::numeric_limits<I>::min()) &&
                              i_ <= static_cast<int64_t>(std::numeric_limits<I>::max()),
                          ValueError, "Scalar::", what, ": value ", i_, " is out of range for the target type");
            return static_cast<I>(i_);
        }
        // NaN and values outside the range have no integer: an error rather than undefined behaviour.
        EMBER_ENFORCE(d_ >= static_cast<double>(std::numeric_limits<I>::min()) &&
                          d_ < -static_cast<double>(std::numeric_limits<I>::min()),
                      ValueError, "Scalar::", what, ": value ", d_,
                      " cannot be converted to an integer type without overflow");
        return static_cast<I>(d_);
    }
    Kind kind_;
    union {
        double d_;
        int64_t i_;
    };
};

// Prints the value as libtorch does: a bool as true/false, numbers as numbers.
inline std::ostream& operator<<(std::ostream& os, const Scalar& s) {
    if (s.isBoolean()) return os << (s.toBool() ? "true" : "false");
    if (s.isFloatingPoint()) return os << s.toDouble();
    return os << s.toLong();
}

}  // namespace ember
