// IValue: the type names and printing (the accessors are inline in ivalue.h).
#include "ember/tensor/ivalue.h"

#include <ostream>

namespace ember {

std::string IValue::tagKind() const {
    static constexpr const char* kNames[] = {"None", "Tensor", "Double",  "Int",
                                             "Bool", "String", "IntList", "DoubleList"};
    static_assert(std::size(kNames) == std::variant_size_v<decltype(value_)>, "one name per alternative");
    return kNames[value_.index()];
}

void IValue::throw_wrong_type(const char* expected) const {
    throw ValueError(str_cat("IValue: expected ", expected, " but got ", tagKind(),
                             " (IValue's accessors never convert: store the type you read back)"));
}

namespace {
template <typename T>
void print_list(std::ostream& os, const std::vector<T>& v) {
    os << '[';
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const IValue& v) {
    if (v.isNone()) return os << "None";
    if (v.isTensor()) return os << v.toTensor();
    if (v.isDouble()) return os << v.toDouble();
    if (v.isInt()) return os << v.toInt();
    if (v.isBool()) return os << (v.toBool() ? "True" : "False");
    if (v.isString()) return os << v.toStringRef();
    if (v.isIntList()) {
        print_list(os, v.toIntVector());
        return os;
    }
    print_list(os, v.toDoubleVector());
    return os;
}

}  // namespace ember
