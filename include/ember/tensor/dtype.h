#pragma once
#include <cstdint>
#include <ostream>

#include "ember/tensor/error.h"

namespace ember {

enum class ScalarType : uint8_t { Float32, Float64, Int64, Bool };
using Dtype = ScalarType;

constexpr ScalarType kFloat32 = ScalarType::Float32;
constexpr ScalarType kFloat = ScalarType::Float32;
constexpr ScalarType kFloat64 = ScalarType::Float64;
constexpr ScalarType kDouble = ScalarType::Float64;
constexpr ScalarType kInt64 = ScalarType::Int64;
constexpr ScalarType kLong = ScalarType::Int64;
constexpr ScalarType kBool = ScalarType::Bool;
// libtorch's short aliases.
constexpr ScalarType kF32 = kFloat32;
constexpr ScalarType kF64 = kFloat64;
constexpr ScalarType kI64 = kInt64;

inline const char* dtype_name(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return "float32";
        case ScalarType::Float64: return "float64";
        case ScalarType::Int64: return "int64";
        case ScalarType::Bool: return "bool";
    }
    return "?";
}
inline std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << dtype_name(t); }

inline int64_t element_size(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return 4;
        case ScalarType::Float64: return 8;
        case ScalarType::Int64: return 8;
        case ScalarType::Bool: return 1;
    }
    return 0;
}
inline bool is_floating(ScalarType t) { return t == ScalarType::Float32 || t == ScalarType::Float64; }

// Type promotion for binary ops, as in PyTorch for tensors of equal standing:
// bool < int64 < float32 < float64.
inline ScalarType promote_types(ScalarType a, ScalarType b) {
    auto rank = [](ScalarType t) {
        switch (t) {
            case ScalarType::Bool: return 0;
            case ScalarType::Int64: return 1;
            case ScalarType::Float32: return 2;
            case ScalarType::Float64: return 3;
        }
        return 0;
    };
    return rank(a) >= rank(b) ? a : b;
}

template <typename T>
struct dtype_of;
template <>
struct dtype_of<float> {
    static constexpr ScalarType value = kFloat32;
};
template <>
struct dtype_of<double> {
    static constexpr ScalarType value = kFloat64;
};
template <>
struct dtype_of<int64_t> {
    static constexpr ScalarType value = kInt64;
};
template <>
struct dtype_of<bool> {
    static constexpr ScalarType value = kBool;
};

// Calls f.template operator()<T>() with T the C++ type of `t`. `op` names the caller in the error
// thrown for a dtype the caller does not accept.
template <typename F>
decltype(auto) dispatch_floating(ScalarType t, const char* op, F&& f) {
    switch (t) {
        case ScalarType::Float32: return f.template operator()<float>();
        case ScalarType::Float64: return f.template operator()<double>();
        default: break;
    }
    throw DTypeError(str_cat(op, ": expected a floating-point tensor (float32 or float64), got ", dtype_name(t)));
}
template <typename F>
decltype(auto) dispatch_numeric(ScalarType t, const char* op, F&& f) {
    switch (t) {
        case ScalarType::Float32: return f.template operator()<float>();
        case ScalarType::Float64: return f.template operator()<double>();
        case ScalarType::Int64: return f.template operator()<int64_t>();
        default: break;
    }
    throw DTypeError(str_cat(op, ": expected a numeric tensor (float32, float64 or int64), got ", dtype_name(t)));
}
template <typename F>
decltype(auto) dispatch_all(ScalarType t, F&& f) {
    switch (t) {
        case ScalarType::Float32: return f.template operator()<float>();
        case ScalarType::Float64: return f.template operator()<double>();
        case ScalarType::Int64: return f.template operator()<int64_t>();
        case ScalarType::Bool: return f.template operator()<bool>();
    }
    return f.template operator()<float>();
}

}  // namespace ember
