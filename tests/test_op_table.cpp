// The op table (src/kernels/op_table.def) and what comes from it: every op has a row in the test
// registry (tests/op_registry.cpp), the names, the dtypes each CPU kernel takes (the int64 and
// bool lists), the fused backward ops (sigmoid_backward, threshold_backward, softplus_backward)
// as ops of their own, and silu, the op docs/adding_an_op.md adds.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <type_traits>

#include "core_test_util.h"
#include "kernels/op_table.h"
#include "op_registry.h"
#include "ops/internal.h"

using namespace core_test;
using ember::Tensor;
namespace K = ember::kernels;

namespace {

template <typename Op, int N>
std::set<std::string> names_where(bool (*keep)(Op)) {
    std::set<std::string> out;
    for (int i = 0; i < N; ++i)
        if (keep(static_cast<Op>(i))) out.insert(K::op_name(static_cast<Op>(i)));
    return out;
}
template <typename Op, int N>
std::set<std::string> all_names() {
    return names_where<Op, N>([](Op) { return true; });
}

const ember::ScalarType kAllDtypes[] = {ember::kFloat32, ember::kFloat64, ember::kInt64, ember::kBool,
                                        ember::kUInt8,   ember::kInt32,   ember::kHalf,  ember::kBFloat16};

}  // namespace

namespace {

// Whether the library's op `name` has gradients: the bool results (comparisons, logic) and the
// indices of argmax/argmin do not.
template <typename Op>
bool differentiable(Op op) {
    if (K::accepts(K::op_dtypes(op), ember::kBool) && !K::accepts(K::op_dtypes(op), ember::kFloat32)) return false;
    if constexpr (std::is_same_v<Op, K::BinaryOp>)
        if (K::binary_result(op) == K::BinaryResult::Bool) return false;
    if constexpr (std::is_same_v<Op, K::ReduceOp>)
        if (op == K::ReduceOp::ArgMax || op == K::ReduceOp::ArgMin) return false;
    return true;
}

// What the registry lacks for one op of the library's table ("" when nothing).
template <typename Op>
std::string registry_gaps(Op op) {
    bool named = false, forward = false, grad = false, parity = false;
    for (const op_registry::OpRow& row : op_registry::op_rows()) {
        if (std::find(row.covers.begin(), row.covers.end(), K::op_name(op)) == row.covers.end()) continue;
        named = true;
        forward |= bool(row.ref1) || bool(row.ref2) || bool(row.ref);
        grad |= row.backward && row.gradcheck;
        parity |= row.parity;
    }
    if (!named) return "no row of tests/op_registry.cpp covers it";
    std::string gaps;
    if (!forward) gaps += " no row with a forward reference;";
    if (differentiable(op) && !grad) gaps += " no gradchecked row;";
    if (!parity) gaps += " no CPU-vs-CUDA parity row;";
    return gaps;
}

template <typename Op, int N>
void require_registry_covers(const char* table) {
    for (int i = 0; i < N; ++i) {
        const auto op = static_cast<Op>(i);
        const std::string gaps = registry_gaps(op);
        if (!gaps.empty()) FAIL_CHECK(table << " op '" << K::op_name(op) << "': " << gaps);
    }
}

}  // namespace

TEST_CASE("op table: every op of the library's table has a row in the test registry", "[op_table][registry]") {
    require_registry_covers<K::UnaryOp, K::kUnaryOpCount>("unary");
    require_registry_covers<K::BinaryOp, K::kBinaryOpCount>("binary");
    require_registry_covers<K::ReduceOp, K::kReduceOpCount>("reduction");
    // And every name a row covers is an op of the table (no row claims an op that is not there).
    std::set<std::string> names = all_names<K::UnaryOp, K::kUnaryOpCount>();
    for (const std::string& n : all_names<K::BinaryOp, K::kBinaryOpCount>()) names.insert(n);
    for (const std::string& n : all_names<K::ReduceOp, K::kReduceOpCount>()) names.insert(n);
    for (const op_registry::OpRow& row : op_registry::op_rows())
        for (const std::string& c : row.covers) {
            INFO("row " << row.name);
            CHECK(names.count(c) == 1);
        }
}

TEST_CASE("op table: names are unique lower snake_case, one per enum value", "[op_table]") {
    CHECK(all_names<K::UnaryOp, K::kUnaryOpCount>().size() == static_cast<std::size_t>(K::kUnaryOpCount));
    CHECK(all_names<K::BinaryOp, K::kBinaryOpCount>().size() == static_cast<std::size_t>(K::kBinaryOpCount));
    CHECK(all_names<K::ReduceOp, K::kReduceOpCount>().size() == static_cast<std::size_t>(K::kReduceOpCount));
    CHECK(std::string(K::op_name(K::BinaryOp::ThresholdBackward)) == "threshold_backward");
    CHECK(std::string(K::op_name(K::UnaryOp::LogSigmoid)) == "log_sigmoid");
    CHECK(std::string(K::dtype_class_name(K::op_dtypes(K::UnaryOp::Exp))) == "floating");
}

TEST_CASE("op table: the dtypes each op takes (the int64 and bool lists of the kernels)", "[op_table]") {
    // What the kernels took before the table existed, written out by hand as the reference.
    const std::set<std::string> unary_int64 = {"neg", "abs", "sign", "square", "relu", "pow_scalar", "clamp"};
    const std::set<std::string> binary_int64 = {"add", "sub", "mul", "pow", "maximum", "minimum",
                                                "eq",  "ne",  "lt",  "le",  "gt",      "ge"};
    const std::set<std::string> binary_bool = {"eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or"};
    const std::set<std::string> binary_bool_result = binary_bool;
    CHECK(names_where<K::UnaryOp, K::kUnaryOpCount>(
              [](K::UnaryOp op) { return K::accepts(K::op_dtypes(op), ember::kInt64); }) == unary_int64);
    CHECK(names_where<K::UnaryOp, K::kUnaryOpCount>([](K::UnaryOp op) {
              return K::accepts(K::op_dtypes(op), ember::kBool);
          }) == std::set<std::string>{"logical_not"});
    CHECK(names_where<K::BinaryOp, K::kBinaryOpCount>(
              [](K::BinaryOp op) { return K::accepts(K::op_dtypes(op), ember::kInt64); }) == binary_int64);
    CHECK(names_where<K::BinaryOp, K::kBinaryOpCount>(
              [](K::BinaryOp op) { return K::accepts(K::op_dtypes(op), ember::kBool); }) == binary_bool);
    CHECK(names_where<K::BinaryOp, K::kBinaryOpCount>(
              [](K::BinaryOp op) { return K::binary_result(op) == K::BinaryResult::Bool; }) == binary_bool_result);

    // The CPU kernels follow the table: each (op, dtype) runs when the row accepts the dtype and
    // throws a DTypeError naming the op otherwise.
    for (int i = 0; i < K::kUnaryOpCount; ++i) {
        const auto op = static_cast<K::UnaryOp>(i);
        for (ember::ScalarType t : kAllDtypes) {
            INFO(K::op_name(op) << " on " << ember::dtype_name(t));
            Tensor x = ember::ones({3}, ember::dtype(t)), out = ember::empty({3}, ember::dtype(t));
            K::StridedIter it = ember::detail::make_iter(out, {&x});
            auto run = [&] { ember::cpu::unary_kernel(op, it, {2.0, 3.0}); };
            if (K::accepts(K::op_dtypes(op), t))
                REQUIRE_NOTHROW(run());
            else
                require_throws_with<ember::DTypeError>(run, {"unary_kernel", K::op_name(op), ember::dtype_name(t)});
        }
    }
    for (int i = 0; i < K::kBinaryOpCount; ++i) {
        const auto op = static_cast<K::BinaryOp>(i);
        for (ember::ScalarType t : kAllDtypes) {
            INFO(K::op_name(op) << " on " << ember::dtype_name(t));
            const bool bool_out = K::binary_result(op) == K::BinaryResult::Bool;
            Tensor a = ember::ones({3}, ember::dtype(t)),
                   out = ember::empty({3}, ember::dtype(bool_out ? ember::kBool : t));
            K::StridedIter it = ember::detail::make_iter(out, {&a, &a});
            auto run = [&] { ember::cpu::binary_kernel(op, it, {1.0, 20.0}); };
            if (K::accepts(K::op_dtypes(op), t))
                REQUIRE_NOTHROW(run());
            else
                require_throws_with<ember::DTypeError>(run, {"binary_kernel", K::op_name(op), ember::dtype_name(t)});
        }
    }
}

TEST_CASE("op table: square and relu keep int64, as in libtorch; floating ops compute int64 in float32", "[op_table]") {
    Tensor i = ember::tensor(std::vector<int64_t>{-2, 3});
    CHECK(ember::square(i).dtype() == ember::kInt64);
    CHECK(raw_values(ember::square(i)) == std::vector<double>{4, 9});
    CHECK(ember::relu(i).dtype() == ember::kInt64);
    CHECK(ember::exp(i).dtype() == ember::kFloat32);
    CHECK(ember::div(i, i).dtype() == ember::kFloat32);
    CHECK(ember::logical_not(i).dtype() == ember::kBool);
    CHECK(raw_values(ember::logical_not(ember::tensor({0.0, -0.0, 2.0, std::nan("")}))) ==
          std::vector<double>{1, 1, 0, 0});
}

TEST_CASE("fused backward ops: values of the compositions they replace", "[op_table][fused]") {
    using ember::kFloat32;
    for (const char* layout : {"contiguous", "transposed"}) {
        INFO(layout);
        // Float32, [64, 40]: the softplus_backward vectorised path takes contiguous rows.
        Tensor g = layout_tensor(layout, {64, 40}, -2, 2, 1, kFloat32);
        Tensor x = layout_tensor(layout, {64, 40}, -25, 25, 2, kFloat32);
        Tensor y = ember::sigmoid(x);
        // sigmoid_backward: the same arithmetic, in the same order, as g * y * (1 - y).
        CHECK(raw_values(ember::sigmoid_backward(g, y)) == raw_values(g * y * (1.0 - y)));
        // threshold_backward: g where x > t, else 0.
        CHECK(raw_values(ember::threshold_backward(g, x, 0.5)) == raw_values(ember::where(x > 0.5, g, 0.0)));
        // softplus_backward against the closed form in double: g sigmoid(beta x) below the threshold.
        for (double beta : {1.0, 2.0}) {
            Tensor got = ember::softplus_backward(g, x, beta, 20.0);
            std::vector<double> want, gv = raw_values(g), xv = raw_values(x);
            for (std::size_t k = 0; k < gv.size(); ++k) {
                const double z = double(float(xv[k] * beta));
                want.push_back(z > 20 ? gv[k] : gv[k] / (1 + std::exp(-z)));
            }
            require_close(raw_values(got), want, 1e-6, 1e-7, "softplus_backward");
        }
    }
    // Contiguous float32: softplus_backward's vectorised pass gives the composition's values, also
    // with g broadcast along the rows (the gradient of a row sum).
    Tensor x = rand_tensor({8, 300}, -30, 30, 3, kFloat32);
    Tensor g = rand_tensor({8, 1}, -1, 1, 4, kFloat32).expand({8, 300});
    Tensor z = x * 2.0;
    CHECK(raw_values(ember::softplus_backward(g, x, 2.0, 20.0)) ==
          raw_values(ember::where(z > 20.0, g, g * ember::sigmoid(z))));
    // threshold_backward passes g where x is NaN (as libtorch: NaN <= t is false).
    Tensor nan_x = ember::tensor({std::nan(""), 0.0, 1.0});
    CHECK(raw_values(ember::threshold_backward(ember::ones({3}), nan_x, 0)) == std::vector<double>{1, 0, 1});
}

TEST_CASE("fused backward ops: a first-order backward records nothing, create_graph records the op",
          "[op_table][fused][autograd]") {
    using ember::autograd::grad;
    struct Case {
        const char* name;
        std::function<Tensor(const Tensor&)> f;
        const char* node;                      // libtorch's node of the first-order gradient
        std::function<double(double)> second;  // d^2 f / dx^2
    };
    auto s = [](double v) { return 1 / (1 + std::exp(-v)); };
    const std::vector<Case> cases = {
        {"sigmoid", [](const Tensor& t) { return ember::sigmoid(t); }, "SigmoidBackwardBackward0",
         [s](double v) { return s(v) * (1 - s(v)) * (1 - 2 * s(v)); }},
        {"relu", [](const Tensor& t) { return ember::relu(t); }, "ThresholdBackwardBackward0",
         [](double) { return 0.0; }},
        {"softplus beta=2", [](const Tensor& t) { return ember::softplus(t, 2.0, 20.0); }, "SoftplusBackwardBackward0",
         [s](double v) { return 2 * s(2 * v) * (1 - s(2 * v)); }},
        {"silu", [](const Tensor& t) { return ember::silu(t); }, "MulBackward0",
         [s](double v) { return s(v) * (1 - s(v)) * (2 + v * (1 - 2 * s(v))); }},
    };
    const std::vector<double> xs = {-2.5, -0.3, 0.4, 1.7};
    for (const Case& c : cases) {
        INFO(c.name);
        Tensor x = ember::tensor(xs, ember::dtype(ember::kFloat64)).requires_grad_();
        Tensor first = grad({c.f(x).sum()}, {x})[0];
        CHECK(first.grad_fn() == nullptr);
        Tensor dx = grad({c.f(x).sum()}, {x}, {}, std::nullopt, true)[0];
        REQUIRE(dx.grad_fn() != nullptr);
        CHECK(dx.grad_fn()->name() == c.node);
        require_close(raw_values(dx), raw_values(first), 0, 0, "same first derivative either way");
        std::vector<double> want;
        for (double v : xs) want.push_back(c.second(v));
        Tensor d2 = grad({dx.sum()}, {x}, {}, std::nullopt, false, true)[0];
        if (!d2.defined()) d2 = ember::zeros({4}, ember::dtype(ember::kFloat64));  // relu: no path to x
        require_close(raw_values(d2), want, 1e-12, 1e-12, "second derivative");
    }
}

TEST_CASE("silu: x sigmoid(x) against the closed form x / (1 + e^-x), in both float dtypes", "[op_table][silu]") {
    const std::vector<double> xs = {-1e4, -88, -20, -3, -0.5, 0, 0.25, 2, 20, 88, 1e4};
    std::vector<double> want, dwant;
    for (double v : xs) {
        const double s = v >= 0 ? 1 / (1 + std::exp(-v)) : std::exp(v) / (1 + std::exp(v));
        want.push_back(v * s);
        dwant.push_back(s * (1 + v * (1 - s)));
    }
    for (ember::ScalarType t : {ember::kFloat32, ember::kFloat64}) {
        INFO(ember::dtype_name(t));
        const double rtol = t == ember::kFloat32 ? 1e-6 : 1e-14;
        Tensor x = ember::tensor(xs, ember::dtype(t)).requires_grad_();
        Tensor y = ember::silu(x);
        require_close(raw_values(y), want, rtol, 1e-30, "silu");
        y.sum().backward();
        require_close(raw_values(x.grad()), dwant, rtol, 1e-30, "d silu");
        CHECK(y.grad_fn()->name() == "SiluBackward0");
    }
    CHECK(ember::silu(ember::tensor(std::vector<int64_t>{1})).dtype() == ember::kFloat32);
}
