#pragma once
#include <cstdint>
#include <ostream>

#include "ember/tensor/error.h"
#include "ember/tensor/half.h"

namespace ember {

// The dtypes. New values go at the end: nothing stores the numbers, but keeping the old ones
// fixed costs nothing. Spelled as libtorch's c10::ScalarType (kByte, kInt, kHalf, ...).
enum class ScalarType : uint8_t { Float32, Float64, Int64, Bool, UInt8, Int32, Float16, BFloat16 };
using Dtype = ScalarType;
// How many dtypes there are (the values 0..kNumDtypes-1), for tests that walk every dtype.
constexpr int kNumDtypes = 8;

constexpr ScalarType kFloat32 = ScalarType::Float32;
constexpr ScalarType kFloat = ScalarType::Float32;
constexpr ScalarType kFloat64 = ScalarType::Float64;
constexpr ScalarType kDouble = ScalarType::Float64;
constexpr ScalarType kInt64 = ScalarType::Int64;
constexpr ScalarType kLong = ScalarType::Int64;
constexpr ScalarType kBool = ScalarType::Bool;
constexpr ScalarType kUInt8 = ScalarType::UInt8;
constexpr ScalarType kByte = ScalarType::UInt8;
constexpr ScalarType kInt32 = ScalarType::Int32;
constexpr ScalarType kInt = ScalarType::Int32;
constexpr ScalarType kFloat16 = ScalarType::Float16;
constexpr ScalarType kHalf = ScalarType::Float16;
constexpr ScalarType kBFloat16 = ScalarType::BFloat16;
// libtorch's short aliases.
constexpr ScalarType kF32 = kFloat32;
constexpr ScalarType kF64 = kFloat64;
constexpr ScalarType kI64 = kInt64;
constexpr ScalarType kI32 = kInt32;
constexpr ScalarType kU8 = kUInt8;
constexpr ScalarType kF16 = kFloat16;

// PyTorch's Python names ("float32", "uint8", "bfloat16"): what ember's error messages say.
inline const char* dtype_name(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return "float32";
        case ScalarType::Float64: return "float64";
        case ScalarType::Int64: return "int64";
        case ScalarType::Bool: return "bool";
        case ScalarType::UInt8: return "uint8";
        case ScalarType::Int32: return "int32";
        case ScalarType::Float16: return "float16";
        case ScalarType::BFloat16: return "bfloat16";
    }
    return "?";
}
// libtorch's C++ names, c10::toString(ScalarType): "Float", "Double", "Long", "Bool", "Byte",
// "Int", "Half", "BFloat16". operator<< prints these, as libtorch's does.
inline const char* toString(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return "Float";
        case ScalarType::Float64: return "Double";
        case ScalarType::Int64: return "Long";
        case ScalarType::Bool: return "Bool";
        case ScalarType::UInt8: return "Byte";
        case ScalarType::Int32: return "Int";
        case ScalarType::Float16: return "Half";
        case ScalarType::BFloat16: return "BFloat16";
    }
    return "UNKNOWN_SCALAR";
}
inline std::ostream& operator<<(std::ostream& os, ScalarType t) { return os << toString(t); }

inline int64_t element_size(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return 4;
        case ScalarType::Float64: return 8;
        case ScalarType::Int64: return 8;
        case ScalarType::Bool: return 1;
        case ScalarType::UInt8: return 1;
        case ScalarType::Int32: return 4;
        case ScalarType::Float16: return 2;
        case ScalarType::BFloat16: return 2;
    }
    return 0;
}
inline int64_t elementSize(ScalarType t) { return element_size(t); }  // c10's spelling
constexpr bool is_floating(ScalarType t) {
    return t == ScalarType::Float32 || t == ScalarType::Float64 || t == ScalarType::Float16 ||
           t == ScalarType::BFloat16;
}
// float16 and bfloat16: stored in two bytes, computed in float32 (ops/ converts them around the
// kernels, which never see them except to copy, fill and select).
constexpr bool is_reduced_float(ScalarType t) { return t == ScalarType::Float16 || t == ScalarType::BFloat16; }
// The integer dtypes (bool is not one, as in c10::isIntegralType(t, includeBool=false)).
constexpr bool is_integral(ScalarType t) {
    return t == ScalarType::Int64 || t == ScalarType::Int32 || t == ScalarType::UInt8;
}
constexpr bool isFloatingType(ScalarType t) { return is_floating(t); }
constexpr bool isIntegralType(ScalarType t, bool include_bool) {
    return is_integral(t) || (include_bool && t == ScalarType::Bool);
}

// Type promotion for binary ops, as PyTorch's promote_types for tensors of equal standing:
// bool < uint8 < int32 < int64 < float16, bfloat16 < float32 < float64, and float16 with bfloat16
// gives float32 (neither holds the other: bfloat16 has the range, float16 the digits).
constexpr ScalarType promote_types(ScalarType a, ScalarType b) {
    auto rank = [](ScalarType t) {
        switch (t) {
            case ScalarType::Bool: return 0;
            case ScalarType::UInt8: return 1;
            case ScalarType::Int32: return 2;
            case ScalarType::Int64: return 3;
            case ScalarType::Float16: return 4;
            case ScalarType::BFloat16: return 4;
            case ScalarType::Float32: return 5;
            case ScalarType::Float64: return 6;
        }
        return 0;
    };
    if (a != b && is_reduced_float(a) && is_reduced_float(b)) return ScalarType::Float32;
    return rank(a) >= rank(b) ? a : b;
}
constexpr ScalarType promoteTypes(ScalarType a, ScalarType b) { return promote_types(a, b); }  // c10's spelling

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
template <>
struct dtype_of<uint8_t> {
    static constexpr ScalarType value = kUInt8;
};
template <>
struct dtype_of<int32_t> {
    static constexpr ScalarType value = kInt32;
};
template <>
struct dtype_of<Half> {
    static constexpr ScalarType value = kFloat16;
};
template <>
struct dtype_of<BFloat16> {
    static constexpr ScalarType value = kBFloat16;
};

// Calls f.template operator()<T>() with T the C++ type of `t`. `op` names the caller in the error
// thrown for a dtype the caller does not accept. None of them falls through to another type: a
// dtype outside the list is a DTypeError naming the op and the dtype.
template <typename F>
decltype(auto) dispatch_floating(ScalarType t, const char* op, F&& f) {
    switch (t) {
        case ScalarType::Float32: return f.template operator()<float>();
        case ScalarType::Float64: return f.template operator()<double>();
        default: break;
    }
    throw DTypeError(str_cat(op, ": expected a float32 or float64 tensor, got ", dtype_name(t)));
}
// The dtypes arithmetic kernels take: float32, float64 and the integers (float16 and bfloat16 are
// computed in float32 by ops/, bool is converted to int64).
template <typename F>
decltype(auto) dispatch_numeric(ScalarType t, const char* op, F&& f) {
    switch (t) {
        case ScalarType::Float32: return f.template operator()<float>();
        case ScalarType::Float64: return f.template operator()<double>();
        case ScalarType::Int64: return f.template operator()<int64_t>();
        case ScalarType::Int32: return f.template operator()<int32_t>();
        case ScalarType::UInt8: return f.template operator()<uint8_t>();
        default: break;
    }
    throw DTypeError(
        str_cat(op, ": expected a numeric tensor (float32, float64, int64, int32 or uint8), got ", dtype_name(t)));
}
// Every dtype, float16 and bfloat16 included: for kernels that move, convert or select elements.
template <typename F>
decltype(auto) dispatch_all(ScalarType t, const char* op, F&& f) {
    switch (t) {
        case ScalarType::Float32: return f.template operator()<float>();
        case ScalarType::Float64: return f.template operator()<double>();
        case ScalarType::Int64: return f.template operator()<int64_t>();
        case ScalarType::Bool: return f.template operator()<bool>();
        case ScalarType::UInt8: return f.template operator()<uint8_t>();
        case ScalarType::Int32: return f.template operator()<int32_t>();
        case ScalarType::Float16: return f.template operator()<Half>();
        case ScalarType::BFloat16: return f.template operator()<BFloat16>();
    }
    throw DTypeError(str_cat(op, ": unknown dtype (ScalarType value ", static_cast<int>(t), ")"));
}

}  // namespace ember
