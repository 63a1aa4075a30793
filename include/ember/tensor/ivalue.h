#pragma once
// ember::IValue: one value of a small set of types, as libtorch's c10::IValue (exposed there as
// torch::IValue) holds for a custom Function's ctx->saved_data:
//
//   ctx->saved_data["alpha"] = 0.5;           // Double
//   ctx->saved_data["dim"] = 1;               // Int (any integer type)
//   ctx->saved_data["training"] = true;       // Bool
//   ctx->saved_data["sizes"] = x.sizes();     // IntList
//   ...
//   double a = ctx->saved_data["alpha"].toDouble();
//
// The accessors are strict, as libtorch's: toDouble() of an Int is an error (libtorch: "Expected
// Double but got Int"), never a silent conversion. A default-constructed IValue is None, which is
// what saved_data["k"] gives for a key never set.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember {

class IValue {
public:
    IValue() = default;  // None
    IValue(Tensor t) : value_(std::move(t)) {}
    IValue(double v) : value_(v) {}
    IValue(bool v) : value_(v) {}
    // Every integer type but bool is an Int (int64), as in libtorch.
    template <typename T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) IValue(T v) : value_(static_cast<int64_t>(v)) {}
    IValue(std::string s) : value_(std::move(s)) {}
    IValue(const char* s) : value_(std::string(s)) {}
    IValue(std::vector<int64_t> v) : value_(std::move(v)) {}
    IValue(IntArrayRef v) : value_(std::vector<int64_t>(v.begin(), v.end())) {}
    IValue(std::vector<double> v) : value_(std::move(v)) {}

    bool isNone() const { return value_.index() == 0; }
    bool isTensor() const { return std::holds_alternative<Tensor>(value_); }
    bool isDouble() const { return std::holds_alternative<double>(value_); }
    bool isInt() const { return std::holds_alternative<int64_t>(value_); }
    bool isBool() const { return std::holds_alternative<bool>(value_); }
    bool isString() const { return std::holds_alternative<std::string>(value_); }
    bool isIntList() const { return std::holds_alternative<std::vector<int64_t>>(value_); }
    bool isDoubleList() const { return std::holds_alternative<std::vector<double>>(value_); }

    // Each throws ValueError naming the expected and the held type when the type differs.
    const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
    double toDouble() const { return get<double>("Double"); }
    int64_t toInt() const { return get<int64_t>("Int"); }
    bool toBool() const { return get<bool>("Bool"); }
    const std::string& toStringRef() const { return get<std::string>("String"); }
    std::vector<int64_t> toIntVector() const { return get<std::vector<int64_t>>("IntList"); }
    std::vector<double> toDoubleVector() const { return get<std::vector<double>>("DoubleList"); }

    // The held type's name, as libtorch's tagKind(): "None", "Tensor", "Double", "Int", "Bool",
    // "String", "IntList", "DoubleList".
    std::string tagKind() const;

private:
    template <typename T>
    const T& get(const char* expected) const {
        if (const T* v = std::get_if<T>(&value_)) [[likely]]
            return *v;
        throw_wrong_type(expected);
    }
    [[noreturn]] void throw_wrong_type(const char* expected) const;

    std::variant<std::monostate, Tensor, double, int64_t, bool, std::string, std::vector<int64_t>, std::vector<double>>
        value_;
};

// Prints the value (a Tensor as Tensor's operator<< does, a list as [1, 2]).
std::ostream& operator<<(std::ostream& os, const IValue& v);

}  // namespace ember
