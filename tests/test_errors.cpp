// Error paths: each misuse throws the documented exception type, and the message names the op and
// the shapes, dtypes or indices involved.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;

TEST_CASE("broadcasting mismatch names both shapes", "[errors]") {
    Tensor a = ember::zeros({2, 3}), b = ember::zeros({4});
    require_throws_with<ember::ShapeError>([&] { (void)(a + b); }, {"add", "[2, 3]", "[4]"});
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
    require_throws_with<ember::ValueError>([&] { (void)u.dim(); }, {"undefined"});
    // The error is an ember::Error and a std::runtime_error, so generic handlers catch it.
    REQUIRE_THROWS_AS(u.dim(), ember::Error);
    REQUIRE_THROWS_AS(u.dim(), std::runtime_error);
}

TEST_CASE("device errors without a CUDA build", "[errors][device]") {
    if (ember::cuda_is_available()) return;
    require_throws_with<ember::DeviceError>([] { (void)ember::zeros({2}, ember::device(ember::kCUDA)); }, {"cuda"});
    require_throws_with<ember::ValueError>([] { (void)ember::Device("tpu"); }, {"tpu"});
}

// ---- the error-message contract ----
// One case per error class, each raised through the public API: the exception is exactly that class
// (require_throws_with compares the type itself, not a base), and its message names the op, the shapes/dtypes/devices
// involved and what was expected. Classes covered: ShapeError, DTypeError, DeviceError, IndexError, ValueError,
// AutogradError, IOError, NotImplementedError, AnomalyError.

TEST_CASE("error contract: ShapeError", "[errors][contract]") {
    require_throws_with<ember::ShapeError>(
        [] {
            (void)(ember::zeros({2, 3}) + ember::zeros({4}));
        },
        {"add", "[2, 3]", "[4]", "cannot be broadcast", "dim 1: 3 vs 4", "expected equal sizes or one of them 1"});
}

TEST_CASE("error contract: DTypeError", "[errors][contract]") {
    require_throws_with<ember::DTypeError>(
        [] {
            (void)ember::mm(ember::zeros({2, 2}), ember::zeros({2, 2}, ember::dtype(ember::kFloat64)));
        },
        {"mm", "Tensor[2, 2] float32 cpu", "Tensor[2, 2] float64 cpu", "expected operands of the same dtype"});
}

TEST_CASE("error contract: DeviceError", "[errors][contract]") {
    if (ember::cuda_is_available()) {
        Tensor gpu = ember::zeros({2, 3}, ember::device(ember::kCUDA));
        require_throws_with<ember::DeviceError>(
            [&] {
                (void)(ember::zeros({2, 3}) + gpu);
            },
            {"add", "Tensor[2, 3] float32 cpu", "Tensor[2, 3] float32 cuda:0",
             "expected all tensors on the same device"});
    } else if (ember::cuda_compiled()) {
        // A CUDA build on a machine without a usable GPU: the op and the reason are named.
        require_throws_with<ember::DeviceError>(
            [] {
                (void)ember::zeros({2, 3}).to(ember::Device("cuda"));
            },
            {"to", "cuda:0", "CUDA is not available"});
        require_throws_with<ember::DeviceError>([] { (void)ember::zeros({2}, ember::device(ember::kCUDA)); },
                                                {"full/zeros/ones", "cuda:0", "CUDA is not available"});
    } else {
        require_throws_with<ember::DeviceError>(
            [] {
                (void)ember::zeros({2, 3}).to(ember::Device("cuda"));
            },
            {"to", "cuda:0", "built without CUDA", "only cpu is available"});
        require_throws_with<ember::DeviceError>([] { (void)ember::zeros({2}, ember::device(ember::kCUDA)); },
                                                {"full/zeros/ones", "cuda:0", "built without CUDA"});
    }
}

TEST_CASE("error contract: IndexError", "[errors][contract]") {
    require_throws_with<ember::IndexError>(
        [] {
            (void)ember::zeros({3, 4}).select(0, 3);
        },
        {"select", "index 3", "dim 0", "size 3", "Tensor[3, 4] float32 cpu", "expected -3 <= index < 3"});
}

TEST_CASE("error contract: ValueError", "[errors][contract]") {
    require_throws_with<ember::ValueError>([] { ember::zeros({2}).bernoulli_(1.5); },
                                           {"bernoulli_", "got 1.5", "expected 0 <= p <= 1", "Tensor[2] float32 cpu"});
}

TEST_CASE("error contract: AutogradError", "[errors][contract]") {
    Tensor x = ember::ones({3}, ember::TensorOptions().dtype(ember::kFloat64).requires_grad(true));
    Tensor y = x.exp();  // exp saves its output
    {
        ember::NoGradGuard no_grad;
        y.mul_(2.0);
    }
    require_throws_with<ember::AutogradError>(
        [&] { y.sum().backward(); },
        {"backward of ExpBackward0", "Tensor[3] float64 cpu", "modified by an in-place operation", "at version 1",
         "saved at version 0", "clone()"});
}

TEST_CASE("error contract: IOError", "[errors][contract]") {
    // An IDX header declaring a [2, 3] ubyte array followed by 4 of its 6 data bytes.
    const std::string path =
        (std::filesystem::temp_directory_path() / ("ember_contract_" + std::to_string(::getpid()) + ".idx")).string();
    {
        std::ofstream f(path, std::ios::binary);
        const unsigned char bytes[] = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4};
        f.write(reinterpret_cast<const char*>(bytes), sizeof bytes);
    }
    require_throws_with<ember::IOError>([&] { (void)ember::data::read_idx(path); },
                                        {"IDX", path, "[2, 3]", "ubyte", "6 data bytes", "the file has 16 bytes"});
    std::filesystem::remove(path);
    require_throws_with<ember::IOError>([] { (void)ember::data::read_idx("/nonexistent/ember/x.idx"); },
                                        {"cannot open", "IDX", "/nonexistent/ember/x.idx"});
}

TEST_CASE("error contract: NotImplementedError", "[errors][contract]") {
    Tensor x = ember::ones({3}, ember::TensorOptions().requires_grad(true));
    Tensor v = (x * 2.0).narrow(0, 0, 2);
    require_throws_with<ember::NotImplementedError>(
        [&] { v.add_(1.0); },
        {"add_", "on a view (Tensor[2] float32 cpu)", "requires grad", "not supported", "use the out-of-place op"});
    require_throws_with<ember::NotImplementedError>(
        [&] { v.fill_(1.0); }, {"fill_", "on a view (Tensor[2] float32 cpu)", "not supported", "full_like"});
}

TEST_CASE("error contract: AnomalyError", "[errors][contract][anomaly]") {
    ember::autograd::DetectAnomalyGuard anomaly;
    Tensor x = ember::tensor({-1.0, 2.0});
    x.requires_grad_(true);
    require_throws_with<ember::AnomalyError>(
        [&] { (void)ember::log(x); }, {"anomaly detected", "forward of LogBackward0", "1 NaN", "Tensor[2] float32 cpu",
                                       "where finite values were expected", "all its inputs were finite"});
    Tensor z = ember::tensor({0.0, 1.0});
    z.requires_grad_(true);
    Tensor s = ember::sqrt(z).sum();
    require_throws_with<ember::AnomalyError>([&] { s.backward(); },
                                             {"backward of SqrtBackward0", "+Inf", "gradient for its input 0",
                                              "Tensor[2] float32 cpu", "where finite values were expected"});
}

TEST_CASE("factories: a shape whose size or strides overflow int64 is a ValueError", "[errors]") {
    // (0, 2^40, 2^40) holds no element, but its contiguous strides (2^80) do not fit int64.
    const int64_t big = int64_t{1} << 40;
    for (auto shape :
         {std::vector<int64_t>{0, big, big}, std::vector<int64_t>{big, big, 0}, std::vector<int64_t>{big, big}}) {
        INFO("shape size " << shape.size());
        require_throws_with<ember::ValueError>([&] { (void)ember::empty(shape); }, {"overflow int64"});
        require_throws_with<ember::ValueError>([&] { (void)ember::zeros(shape); }, {"overflow int64"});
    }
    // The largest representable element count still passes the check (and fails only to allocate
    // if it is too big for memory): 2^20 x 2^20 x 0 floats has strides of 2^20 and 1.
    REQUIRE(ember::empty({int64_t{1} << 20, int64_t{1} << 20, 0}).numel() == 0);
}

TEST_CASE("EMBER_CHECK has libtorch's TORCH_CHECK form: ember::Error with the parts, or the condition", "[errors]") {
    const int dims = 3;
    require_throws_with<ember::Error>([&] { EMBER_CHECK(dims == 2, "expected a 2-D tensor, got ", dims, " dims"); },
                                      {"expected a 2-D tensor, got 3 dims"});
    require_throws_with<ember::Error>([&] { EMBER_CHECK(dims == 2); },
                                      {"Expected dims == 2 to be true, but got false."});
    require_throws_with<ember::IndexError>([&] { EMBER_CHECK_INDEX(dims < 3, "index ", dims); }, {"index 3"});
    require_throws_with<ember::ValueError>([&] { EMBER_CHECK_VALUE(dims < 0); }, {"dims < 0"});
    require_throws_with<ember::DTypeError>([&] { EMBER_CHECK_TYPE(false, "float only"); }, {"float only"});
    require_throws_with<ember::NotImplementedError>([&] { EMBER_CHECK_NOT_IMPLEMENTED(false, "later"); }, {"later"});
    EMBER_CHECK(dims == 3, "never formatted");  // a true condition throws nothing
    EMBER_INTERNAL_ASSERT(dims > 0);
}
