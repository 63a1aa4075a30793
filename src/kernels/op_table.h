#pragma once
// What the op table (kernels/op_table.def) gives everyone who is not a kernel: the op enums, and
// for each op its name and the dtypes its kernels accept, as constexpr tables. Tests read these
// (every op of the table must have a test row); error messages name ops with them.
//
// Interface, for each Op in {UnaryOp, BinaryOp, ReduceOp} (see docs/adding_an_op.md):
//   kUnaryOpCount, kBinaryOpCount, kReduceOpCount    how many ops the enum has (values 0..count-1)
//   op_name(Op)          -> const char*              "exp", "sigmoid_backward", "argmax", ...
//   op_dtypes(Op)        -> DTypeClass               which dtypes the kernels take
//   dtype_class_name(DTypeClass) -> const char*      "floating", "numeric", "all", "bool"
//   binary_result(BinaryOp) -> BinaryResult          Same (the operands' dtype) or Bool
//   reduce_kind(ReduceOp)   -> ReduceKind            Sum, Largest or Smallest
//   accepts<T>(DTypeClass)  -> bool                  whether element type T is in the class
#include <cstdint>

#include "ember/tensor/dtype.h"

namespace ember::kernels {

// The dtypes an op's kernels accept. ops/ converts other inputs before the kernel sees them.
enum class DTypeClass : uint8_t {
    Floating,  // float32, float64
    Numeric,   // float32, float64, int64, int32, uint8
    All,       // the numeric dtypes and bool
    Bool,      // bool only (the logical ops)
    // float16 and bfloat16 are in no class: ops/ computes them in float32 and rounds the result.
};
// The dtype of a binary op's result.
enum class BinaryResult : uint8_t {
    Same,  // the operands' dtype
    Bool,  // a bool tensor (comparisons, logical ops)
};
// What a reduction makes of the elements of one row.
enum class ReduceKind : uint8_t {
    Sum,
    Largest,   // max, argmax: NaN wins, then the largest value, the first index among ties
    Smallest,  // min, argmin: NaN wins, then the smallest value, the first index among ties
};

enum class UnaryOp : uint8_t {
#define EMBER_UNARY_OP(Enum, name, dtypes, ...) Enum,
#include "kernels/op_table.def"
};
enum class BinaryOp : uint8_t {
#define EMBER_BINARY_OP(Enum, name, dtypes, result, ...) Enum,
#include "kernels/op_table.def"
};
enum class ReduceOp : uint8_t {
#define EMBER_REDUCE_OP(Enum, name, dtypes, kind) Enum,
#include "kernels/op_table.def"
};

// One row of a table, as the rest of the library sees it.
struct OpInfo {
    const char* name;
    DTypeClass dtypes;
};

inline constexpr OpInfo kUnaryOpInfo[] = {
#define EMBER_UNARY_OP(Enum, name, dtypes, ...) {#name, DTypeClass::dtypes},
#include "kernels/op_table.def"
};
inline constexpr OpInfo kBinaryOpInfo[] = {
#define EMBER_BINARY_OP(Enum, name, dtypes, result, ...) {#name, DTypeClass::dtypes},
#include "kernels/op_table.def"
};
inline constexpr OpInfo kReduceOpInfo[] = {
#define EMBER_REDUCE_OP(Enum, name, dtypes, kind) {#name, DTypeClass::dtypes},
#include "kernels/op_table.def"
};
inline constexpr BinaryResult kBinaryResult[] = {
#define EMBER_BINARY_OP(Enum, name, dtypes, result, ...) BinaryResult::result,
#include "kernels/op_table.def"
};
inline constexpr ReduceKind kReduceKind[] = {
#define EMBER_REDUCE_OP(Enum, name, dtypes, kind) ReduceKind::kind,
#include "kernels/op_table.def"
};

// The counts: one per row. An enum's values are 0..count-1 in row order, which is how the tables
// above are indexed.
inline constexpr int kUnaryOpCount = 0
#define EMBER_UNARY_OP(Enum, name, dtypes, ...) +1
#include "kernels/op_table.def"
    ;
inline constexpr int kBinaryOpCount = 0
#define EMBER_BINARY_OP(Enum, name, dtypes, result, ...) +1
#include "kernels/op_table.def"
    ;
inline constexpr int kReduceOpCount = 0
#define EMBER_REDUCE_OP(Enum, name, dtypes, kind) +1
#include "kernels/op_table.def"
    ;

constexpr const char* op_name(UnaryOp op) { return kUnaryOpInfo[static_cast<int>(op)].name; }
constexpr const char* op_name(BinaryOp op) { return kBinaryOpInfo[static_cast<int>(op)].name; }
constexpr const char* op_name(ReduceOp op) { return kReduceOpInfo[static_cast<int>(op)].name; }
constexpr DTypeClass op_dtypes(UnaryOp op) { return kUnaryOpInfo[static_cast<int>(op)].dtypes; }
constexpr DTypeClass op_dtypes(BinaryOp op) { return kBinaryOpInfo[static_cast<int>(op)].dtypes; }
constexpr DTypeClass op_dtypes(ReduceOp op) { return kReduceOpInfo[static_cast<int>(op)].dtypes; }
constexpr BinaryResult binary_result(BinaryOp op) { return kBinaryResult[static_cast<int>(op)]; }
constexpr ReduceKind reduce_kind(ReduceOp op) { return kReduceKind[static_cast<int>(op)]; }

constexpr const char* dtype_class_name(DTypeClass c) {
    switch (c) {
        case DTypeClass::Floating: return "floating";
        case DTypeClass::Numeric: return "numeric";
        case DTypeClass::All: return "all";
        case DTypeClass::Bool: return "bool";
    }
    return "?";
}

// Whether a dtype belongs to a class; accepts<T> is the same question for an element type.
constexpr bool accepts(DTypeClass c, ScalarType t) {
    switch (c) {
        case DTypeClass::Floating: return t == kFloat32 || t == kFloat64;
        case DTypeClass::Numeric: return t == kFloat32 || t == kFloat64 || is_integral(t);
        case DTypeClass::All: return !is_reduced_float(t);
        case DTypeClass::Bool: return t == kBool;
    }
    return false;
}
template <typename T>
constexpr bool accepts(DTypeClass c) {
    return accepts(c, dtype_of<T>::value);
}

// What a kernel throws for an op handed a dtype outside its class (ops/ converts first, so this
// is a bug in the caller, not a user error path; the message still names op, dtype and class).
template <typename Op>
[[noreturn]] void throw_dtype_not_accepted(const char* kernel, Op op, ScalarType t) {
    throw DTypeError(str_cat(kernel, ": ", op_name(op), " is not defined for ", dtype_name(t), " (it takes ",
                             dtype_class_name(op_dtypes(op)), " dtypes)"));
}

// ---- compile-time checks of the table ----
namespace table_check {
constexpr bool is_snake_case(const char* s) {
    if (!(s[0] >= 'a' && s[0] <= 'z')) return false;
    for (int i = 0; s[i]; ++i) {
        const char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
        if (c == '_' && (s[i + 1] == '_' || s[i + 1] == 0)) return false;
    }
    return true;
}
constexpr bool same_name(const char* a, const char* b) {
    int i = 0;
    for (; a[i] && a[i] == b[i]; ++i) {
    }
    return a[i] == b[i];
}
// Every name lower snake_case and unique within its table.
template <int N>
constexpr bool names_ok(const OpInfo (&rows)[N]) {
    for (int i = 0; i < N; ++i) {
        if (!is_snake_case(rows[i].name)) return false;
        for (int j = 0; j < i; ++j)
            if (same_name(rows[i].name, rows[j].name)) return false;
    }
    return true;
}
}  // namespace table_check

static_assert(kUnaryOpCount == sizeof(kUnaryOpInfo) / sizeof(OpInfo), "UnaryOp and its name table disagree");
static_assert(kBinaryOpCount == sizeof(kBinaryOpInfo) / sizeof(OpInfo), "BinaryOp and its name table disagree");
static_assert(kBinaryOpCount == sizeof(kBinaryResult) / sizeof(BinaryResult), "BinaryOp and its result table");
static_assert(kReduceOpCount == sizeof(kReduceOpInfo) / sizeof(OpInfo), "ReduceOp and its name table disagree");
static_assert(kReduceOpCount == sizeof(kReduceKind) / sizeof(ReduceKind), "ReduceOp and its kind table disagree");
static_assert(kUnaryOpCount <= 256 && kBinaryOpCount <= 256 && kReduceOpCount <= 256, "the enums are uint8_t");
static_assert(table_check::names_ok(kUnaryOpInfo), "unary op names must be unique lower snake_case");
static_assert(table_check::names_ok(kBinaryOpInfo), "binary op names must be unique lower snake_case");
static_assert(table_check::names_ok(kReduceOpInfo), "reduction names must be unique lower snake_case");

}  // namespace ember::kernels
