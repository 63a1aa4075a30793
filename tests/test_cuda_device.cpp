// Tensors on the GPU: availability without one, factories, copies across devices, dtypes and
// strides, the random streams shared with the CPU, device errors, and the TF32 switch.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda_test_util.h"

using namespace ember;
using namespace cuda_test;

TEST_CASE("cuda: availability queries never throw", "[cuda]") {
    bool available = false;
    int count = -1;
    REQUIRE_NOTHROW(available = cuda_is_available());
    REQUIRE_NOTHROW(count = cuda_device_count());
    REQUIRE(available == (count > 0));
    if (!cuda_compiled()) REQUIRE(count == 0);
    if (!available && require_cuda_env()) FAIL("EMBER_REQUIRE_CUDA=1 but cuda_is_available() is false");
}

TEST_CASE("cuda: creating a CUDA tensor without a GPU is a DeviceError", "[cuda]") {
    if (cuda_is_available()) return;  // covered by the GPU tests
    REQUIRE_THROWS_AS(zeros({2, 3}, device(kCUDA)), DeviceError);
    REQUIRE_THROWS_AS(ones({2}).to(Device(kCUDA)), DeviceError);
    REQUIRE_THROWS_AS(randint(0, 5, {3}, TensorOptions().dtype(kInt64).device(kCUDA)), DeviceError);
    REQUIRE_THROWS_WITH(empty({4}, device(kCUDA)), Catch::Contains("cuda:0"));
}

CUDA_TEST_CASE("cuda: factories fill on the device and copy back") {
    if (!gpu_or_skip()) return;
    for (ScalarType t : {kFloat32, kFloat64, kInt64, kBool}) {
        Tensor z = zeros({3, 5}, TensorOptions().dtype(t).device(kCUDA));
        REQUIRE(z.device() == kGpu);
        REQUIRE(z.is_cuda());
        REQUIRE(equal(z.cpu(), zeros({3, 5}, dtype(t))));
        Tensor f = full({2, 2, 2}, 1.0, TensorOptions().dtype(t).device(kCUDA));
        REQUIRE(equal(f.cpu(), full({2, 2, 2}, 1.0, dtype(t))));
    }
    Tensor v = full({1000}, 2.5, device(kCUDA));
    REQUIRE(v.cpu().sum().item<float>() == Approx(2500.0f));
    Tensor e = zeros({0, 4}, device(kCUDA));  // empty: no launch, no allocation trouble
    REQUIRE(e.cpu().numel() == 0);
}

CUDA_TEST_CASE("cuda: copies round trip across devices, dtypes and strides") {
    if (!gpu_or_skip()) return;
    manual_seed(1);
    Tensor x = randn({17, 33});
    Tensor g = x.to(kGpu);
    REQUIRE(equal(g.cpu(), x));
    // Device-side strided copy: a transposed view made contiguous on the GPU.
    Tensor gt = g.t().contiguous();
    REQUIRE(gt.is_cuda());
    REQUIRE(equal(gt.cpu(), x.t().contiguous()));
    // dtype conversion on the device (copy_kernel with two dtypes).
    REQUIRE(allclose(g.to(kFloat64).cpu(), x.to(kFloat64)));
    Tensor labels = randint(0, 10, {50});
    REQUIRE(equal(labels.to(kGpu).cpu(), labels));
    Tensor mask = x > 0;
    REQUIRE(equal(mask.to(kGpu).cpu(), mask));
    // A strided CPU source and a strided CUDA destination.
    Tensor dst = zeros({33, 17}, device(kCUDA));
    {
        NoGradGuard ng;
        dst.t().copy_(x);
    }
    REQUIRE(equal(dst.cpu(), x.t()));
    // fill_ on a non-contiguous CUDA view touches only the view.
    Tensor m = zeros({4, 6}, device(kCUDA));
    m.narrow(1, 2, 3).fill_(7);
    Tensor expect = zeros({4, 6});
    expect.narrow(1, 2, 3).fill_(7);
    REQUIRE(equal(m.cpu(), expect));
}

CUDA_TEST_CASE("cuda: random numbers are bitwise equal to the CPU's for the same seed") {
    if (!gpu_or_skip()) return;
    auto both = [](auto make) {
        manual_seed(9);
        Tensor g = make(Device(kCUDA));
        manual_seed(9);
        Tensor c = make(Device(kCPU));
        REQUIRE(g.is_cuda());
        REQUIRE(equal(g.cpu(), c));
    };
    both([](Device d) { return rand({1001}, device(d)); });
    both([](Device d) { return rand({7, 9}, TensorOptions().dtype(kFloat64).device(d)); });
    both([](Device d) { return randn({1001}, device(d)); });
    both([](Device d) { return randn({333}, TensorOptions().dtype(kFloat64).device(d)); });
    both([](Device d) { return randint(-3, 1000, {999}, TensorOptions().dtype(kInt64).device(d)); });
    both([](Device d) { return bernoulli(full({500}, 0.3, device(d))); });
    both([](Device d) { return empty({257}, device(d)).uniform_(-2, 3); });
    // The fused sigmoid + Bernoulli kernel draws the samples of the composition on the same device.
    for (ScalarType t : {kFloat32, kFloat64}) {
        Tensor x = linspace(-6, 6, 1001, TensorOptions().dtype(t).device(kGpu));
        manual_seed(10);
        Tensor fused = sigmoid_bernoulli(x);
        manual_seed(10);
        REQUIRE(equal(fused.cpu(), bernoulli(sigmoid(x)).cpu()));
    }
}

CUDA_TEST_CASE("cuda: mixing CPU and CUDA tensors in one op names both devices") {
    if (!gpu_or_skip()) return;
    Tensor c = ones({3}), g = ones({3}, device(kCUDA));
    REQUIRE_THROWS_AS(c + g, DeviceError);
    REQUIRE_THROWS_WITH(c + g, Catch::Contains("cpu") && Catch::Contains("cuda:0"));
    REQUIRE_THROWS_WITH(mul(g, c), Catch::Contains("cpu") && Catch::Contains("cuda:0"));
    REQUIRE_THROWS_AS(lt(g, c), DeviceError);
}

CUDA_TEST_CASE("cuda: bad device indices are errors") {
    if (!gpu_or_skip()) return;
    REQUIRE_THROWS_AS(zeros({2}, device(Device(kCUDA, cuda_device_count()))), DeviceError);
}

CUDA_TEST_CASE("cuda: TF32 is off by default and switchable") {
    if (!gpu_or_skip()) return;
    REQUIRE_FALSE(allow_tf32());
    manual_seed(34);
    const int64_t k = 512;
    Tensor a = randn({256, k}), b = randn({k, 128});
    Tensor a64 = a.to(kFloat64), b64 = b.to(kFloat64);
    Tensor ref = mm(a64, b64);
    // The bounds, from the formats (u = unit roundoff), for c_ij = sum_p a_ip b_pj:
    //  - TF32 keeps 10 of float32's 23 mantissa bits: each input is off by a relative 2^-11 when
    //    rounded, 2^-10 when truncated, so each product a_ip b_pj by at most 2 * 2^-10. The errors
    //    of the k products are independent with mean zero (the signs of a_ip b_pj are random), so
    //    their sum has a standard deviation of about 2^-10 sqrt(sum_p (a_ip b_pj)^2); we allow 6 of
    //    them (a chance below 1e-8 per element for a correct TF32 product).
    //  - both modes accumulate in float32: at most k 2^-24 sum_p |a_ip b_pj|.
    // A bound from bfloat16 inputs (7 bits, 8 times the TF32 error) or a wrong product exceeds it.
    Tensor rms = mm(a64.square(), b64.square()).sqrt();
    Tensor abs_sum = mm(a64.abs(), b64.abs());
    Tensor accumulate = abs_sum * (double(k) * std::ldexp(1.0, -24));
    Tensor tf32_bound = rms * (6 * std::ldexp(1.0, -10)) + accumulate;
    auto within = [&ref](const Tensor& got, const Tensor& bound) {
        const int64_t over = gt((got - ref).abs(), bound).sum().item<int64_t>();
        INFO(over << " elements outside the bound");
        return over == 0;
    };
    // Off: float32 cuBLAS, within the accumulation bound (no input rounding) of the float64 product.
    Tensor off = mm(a.to(kGpu), b.to(kGpu)).cpu().to(kFloat64);
    REQUIRE(within(off, accumulate));
    set_allow_tf32(true);
    REQUIRE(allow_tf32());
    Tensor on = mm(a.to(kGpu), b.to(kGpu)).cpu().to(kFloat64);
    set_allow_tf32(false);
    // On: within TF32's bound, and not the float32 product (the switch did something).
    REQUIRE(within(on, tf32_bound));
    REQUIRE_FALSE(equal(on, off));
    // Off again: float32 once more.
    REQUIRE(within(mm(a.to(kGpu), b.to(kGpu)).cpu().to(kFloat64), accumulate));
}

TEST_CASE("cuda::is_available, device_count and synchronize have libtorch's spelling", "[cuda]") {
    CHECK(ember::cuda::is_available() == ember::cuda_is_available());
    CHECK(ember::cuda::device_count() == static_cast<std::size_t>(ember::cuda_device_count()));
    if (!ember::cuda::is_available()) {
        CHECK(ember::cuda::device_count() == 0);
        CHECK_THROWS_AS(ember::cuda::synchronize(), ember::DeviceError);
        return;
    }
    ember::Tensor x = ember::ones({1000}, ember::kCUDA) * 2.0;
    ember::cuda::synchronize();
    CHECK(x.sum().item<double>() == 2000);
    CHECK_THROWS_AS(ember::cuda::synchronize(static_cast<int64_t>(ember::cuda::device_count())), ember::DeviceError);
}
