// Error paths: each misuse throws the documented exception type, and the message names the op and
// the shapes, dtypes or indices involved.
#include "core_test_util.h"

using namespace core_test;
using Catch::Matchers::Contains;
using ember::Tensor;

TEST_CASE("broadcasting mismatch names both shapes", "[errors]") {
    Tensor a = ember::zeros({2, 3}), b = ember::zeros({4});
    REQUIRE_THROWS_MATCHES(a + b, ember::ShapeError, Catch::Matchers::Predicate<ember::ShapeError>([](const auto& e) {
                               std::string m = e.what();
                               return m.find("[2, 3]") != std::string::npos && m.find("[4]") != std::string::npos &&
                                      m.find("add") != std::string::npos;
                           }));
    require_throws_with<ember::ShapeError>([&] { (void)(a * ember::zeros({3, 2})); }, {"mul", "[2, 3]", "[3, 2]"});
    require_throws_with<ember::ShapeError>([&] { (void)ember::where(ember::zeros({5}) > 0.0, a, a); },
                                           {"where", "[5]", "[2, 3]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)ember::broadcast_shapes({2, 3}, {3, 3}, "myop");
        },
        {"myop", "[2, 3]", "[3, 3]"});
    // In place: the result shape must be the target's.
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::zeros({3}).add_(ember::zeros({2, 3}));
        },
        {"add_", "[2, 3]", "[3]"});
    require_throws_with<ember::ShapeError>([&] { ember::zeros({3}).copy_(ember::zeros({4})); },
                                           {"copy_", "[4]", "[3]"});
}

TEST_CASE("matrix product shape and dtype errors", "[errors][linalg]") {
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::mm(ember::zeros({2, 3}), ember::zeros({4, 5}));
        },
        {"mm", "[2, 3]", "[4, 5]", "3 != 4"});
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::mm(ember::zeros({2, 3, 1}), ember::zeros({3, 5}));
        },
        {"mm", "2-D", "[2, 3, 1]"});
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::matmul(ember::zeros({2, 3}), ember::zeros({4}));
        },
        {"matmul", "[2, 3]", "[4]", "3 != 4"});
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::matmul(ember::zeros({5, 2, 3}), ember::zeros({4, 3, 2}));
        },
        {"matmul", "[5, 2, 3]", "[4, 3, 2]", "batch"});
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::bmm(ember::zeros({2, 2, 3}), ember::zeros({3, 3, 2}));
        },
        {"bmm", "[2, 2, 3]", "[3, 3, 2]"});
    Tensor i = ember::ones({2, 2}, ember::dtype(ember::kInt64));
    require_throws_with<ember::DTypeError>([&] { (void)ember::matmul(i, i); }, {"matmul", "int64"});
    require_throws_with<ember::DTypeError>([&] { (void)ember::mm(i, i); }, {"mm", "int64"});
    require_throws_with<ember::DTypeError>(
        [&] {
            (void)ember::mm(ember::zeros({2, 2}), ember::zeros({2, 2}, ember::dtype(ember::kFloat64)));
        },
        {"mm", "float32", "float64"});
}

TEST_CASE("view, reshape and expand errors", "[errors][shape]") {
    Tensor x = ember::zeros({4, 6});
    require_throws_with<ember::ShapeError>([&] { (void)x.t().view({24}); }, {"view", "[6, 4]", "[24]", "reshape"});
    require_throws_with<ember::ShapeError>([&] { (void)x.view({5, 5}); }, {"view", "[5, 5]", "24"});
    require_throws_with<ember::ShapeError>([&] { (void)x.reshape({7, -1}); }, {"reshape", "[7, -1]", "24"});
    require_throws_with<ember::ShapeError>([&] { (void)x.view({-1, -1}); }, {"view", "-1"});
    require_throws_with<ember::ShapeError>([&] { (void)x.expand({4, 5}); }, {"expand", "[4, 6]", "[4, 5]"});
    require_throws_with<ember::ShapeError>([&] { (void)x.expand({6}); }, {"expand", "[4, 6]", "[6]"});
    require_throws_with<ember::ShapeError>([&] { (void)x.permute({0, 0}); }, {"permute", "repeated"});
    require_throws_with<ember::ShapeError>([&] { (void)x.permute({0}); }, {"permute", "[4, 6]"});
    require_throws_with<ember::ShapeError>([&] { (void)ember::zeros({2, 2, 2}).t(); }, {"t", "[2, 2, 2]"});
}

TEST_CASE("index and dimension out of range", "[errors][index]") {
    Tensor x = ember::zeros({3, 4});
    require_throws_with<ember::IndexError>([&] { (void)x.select(0, 3); }, {"select", "index 3", "size 3", "[3, 4]"});
    require_throws_with<ember::IndexError>([&] { (void)x.select(1, -5); }, {"select", "-5", "size 4"});
    require_throws_with<ember::IndexError>([&] { (void)x[7]; }, {"select", "7"});
    require_throws_with<ember::IndexError>([&] { (void)x.select(2, 0); }, {"select", "dimension 2", "2 dims"});
    require_throws_with<ember::IndexError>([&] { (void)x.sum({2}); }, {"sum", "dimension 2"});
    require_throws_with<ember::IndexError>([&] { (void)x.softmax(-3); }, {"softmax", "-3"});
    require_throws_with<ember::IndexError>([&] { (void)x.transpose(0, 5); }, {"transpose", "5"});
    require_throws_with<ember::IndexError>([&] { (void)x.unsqueeze(4); }, {"unsqueeze", "4"});
    require_throws_with<ember::IndexError>([&] { (void)x.narrow(1, 2, 3); }, {"narrow", "size 4"});
    require_throws_with<ember::IndexError>([&] { (void)x.size(2); }, {"size", "2"});

    Tensor idx = ember::tensor(std::vector<int64_t>{0, 3, 1});
    require_throws_with<ember::IndexError>([&] { (void)x.index_select(0, idx); },
                                           {"index_select", "index 3", "position 1", "size 3", "[3, 4]"});
    require_throws_with<ember::IndexError>([&] { (void)x.index_select(1, ember::tensor(std::vector<int64_t>{-1})); },
                                           {"index_select", "-1", "size 4"});
    Tensor gi = ember::tensor(std::vector<int64_t>{0, 1, 4, 0}).view({2, 2});
    require_throws_with<ember::IndexError>([&] { (void)x.gather(1, gi); }, {"gather", "index 4", "size 4"});
    require_throws_with<ember::IndexError>(
        [&] {
            (void)ember::scatter_add(x, 0, gi, ember::ones({2, 2}));
        },
        {"scatter_add", "index 4", "size 3"});
    require_throws_with<ember::IndexError>(
        [&] {
            (void)ember::index_add(x, 0, ember::tensor(std::vector<int64_t>{5}), ember::ones({1, 4}));
        },
        {"index_add", "index 5", "size 3"});
    require_throws_with<ember::ShapeError>([&] { (void)x.gather(1, ember::zeros({2}, ember::dtype(ember::kInt64))); },
                                           {"gather", "[2]", "[3, 4]"});
}

TEST_CASE("wrong index dtype", "[errors][index]") {
    Tensor x = ember::zeros({3, 4});
    Tensor fidx = ember::tensor({0.0, 1.0});
    require_throws_with<ember::DTypeError>([&] { (void)x.index_select(0, fidx); },
                                           {"index_select", "int64", "float32"});
    require_throws_with<ember::DTypeError>(
        [&] {
            (void)x.gather(1, fidx.view({2, 1}));
        },
        {"gather", "int64", "float32"});
    require_throws_with<ember::DTypeError>([&] { (void)ember::one_hot(fidx, 3); }, {"one_hot", "int64", "float32"});
    require_throws_with<ember::DTypeError>([&] { (void)ember::where(ember::ones({2}), x, x); }, {"where", "bool"});
}

TEST_CASE("cat and stack with mismatched shapes", "[errors][shape]") {
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::cat({ember::zeros({2, 3}), ember::zeros({2, 4})}, 0);
        },
        {"cat", "[2, 3]", "[2, 4]"});
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::cat({ember::zeros({2, 3}), ember::zeros({3})}, 0);
        },
        {"cat", "[2, 3]", "[3]"});
    require_throws_with<ember::ValueError>([] { (void)ember::cat({}, 0); }, {"cat", "empty"});
    require_throws_with<ember::ShapeError>(
        [] {
            (void)ember::stack({ember::zeros({2}), ember::zeros({3})});
        },
        {"stack", "[2]", "[3]"});
}

TEST_CASE("item, data_ptr and dtype misuse", "[errors][tensor]") {
    require_throws_with<ember::ValueError>([] { (void)ember::zeros({2, 2}).item<float>(); }, {"item", "[2, 2]"});
    require_throws_with<ember::DTypeError>([] { (void)ember::zeros({2}).data_ptr<double>(); },
                                           {"data_ptr", "float32", "float64"});
    require_throws_with<ember::DTypeError>(
        [] { (void)ember::zeros({2}, ember::dtype(ember::kInt64)).data_ptr<float>(); },
        {"data_ptr", "int64", "float32"});
    require_throws_with<ember::DTypeError>(
        [] { (void)ember::zeros({2}, ember::TensorOptions().dtype(ember::kInt64).requires_grad(true)); },
        {"requires_grad", "int64"});
    require_throws_with<ember::DTypeError>([] { ember::zeros({2}, ember::dtype(ember::kInt64)).add_(0.5); },
                                           {"add_", "int64"});
    require_throws_with<ember::DTypeError>([] { (void)ember::zeros({2}, ember::dtype(ember::kInt64)).mean(); },
                                           {"mean", "int64"});
    require_throws_with<ember::DTypeError>([] { (void)ember::zeros({2}, ember::dtype(ember::kInt64)).softmax(0); },
                                           {"softmax", "int64"});
    require_throws_with<ember::ValueError>([] { (void)ember::zeros({-1, 2}); }, {"[-1, 2]"});
    require_throws_with<ember::ValueError>([] { (void)ember::randint(3, 3, {2}); }, {"randint", "low=3", "high=3"});
    require_throws_with<ember::ValueError>([] { ember::zeros({2}).bernoulli_(1.5); }, {"bernoulli_", "1.5"});
    require_throws_with<ember::ValueError>([] { (void)ember::arange(0.0, 1.0, 0.0); }, {"arange", "step"});
}

TEST_CASE("backward misuse", "[errors][autograd]") {
    Tensor x = ember::ones({3}, ember::TensorOptions().dtype(ember::kFloat64).requires_grad(true));
    Tensor y = x * 2.0;
    require_throws_with<ember::AutogradError>([&] { y.backward(); }, {"backward", "one-element", "[3]"});
    require_throws_with<ember::AutogradError>([&] { ember::ones({1}).backward(); },
                                              {"backward", "does not require grad"});
    require_throws_with<ember::ShapeError>([&] { y.backward(ember::ones({2}, ember::dtype(ember::kFloat64))); },
                                           {"backward", "[2]", "[3]"});
    require_throws_with<ember::AutogradError>([&] { (void)ember::autograd::grad({y.sum()}, {ember::ones({1})}); },
                                              {"grad", "does not require grad"});
    require_throws_with<ember::AutogradError>([&] { y.requires_grad_(false); }, {"requires_grad_", "leaf"});
}

TEST_CASE("undefined tensors are rejected with an error, not a crash", "[errors][tensor]") {
    Tensor u;
    REQUIRE_FALSE(u.defined());
    require_throws_with<ember::ValueError>([&] { (void)u.sizes(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)u.numel(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)(u + ember::ones({2})); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)(ember::ones({2}) * u); }, {"mul", "undefined"});
    require_throws_with<ember::ValueError>([&] { (void)u.exp(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)u.sum(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)ember::mm(u, ember::ones({2, 2})); }, {"mm", "undefined"});
    require_throws_with<ember::ValueError>([&] { (void)ember::cat({ember::ones({2}), u}); }, {"cat", "undefined"});
    require_throws_with<ember::ValueError>([&] { (void)u.item<float>(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)ember::ones({2}).grad().sum(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { u.backward(); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)u.view({1}); }, {"undefined"});
    require_throws_with<ember::ValueError>([&] { (void)ember::where(u > 0.0, u, u); }, {"undefined"});
    // The error is an ember::Error and a std::runtime_error, so generic handlers catch it.
    REQUIRE_THROWS_AS(u.dim(), ember::Error);
    REQUIRE_THROWS_AS(u.dim(), std::runtime_error);
}

TEST_CASE("device errors without a CUDA build", "[errors][device]") {
    if (ember::cuda_is_available()) return;
    require_throws_with<ember::DeviceError>([] { (void)ember::zeros({2}, ember::device(ember::kCUDA)); }, {"cuda"});
    require_throws_with<ember::ValueError>([] { (void)ember::Device("tpu"); }, {"tpu"});
}
