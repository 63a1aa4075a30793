// Fused and restructured CPU paths against their unfused compositions: linear and addmm as one
// GEMM (values and gradients), sigmoid_bernoulli (same samples, same random numbers consumed),
// and the vectorised Philox generator (the same streams as the scalar one).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "vec_math_paths_test_util.h"

using namespace ember;

namespace {

using vec_math_paths::PathGuard;

void require_close(const Tensor& a, const Tensor& b, double tol) {
    REQUIRE(a.sizes() == b.sizes());
    std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
    for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(std::fabs(x[i] - y[i]) <= tol * (1 + std::fabs(y[i])));
}

bool same_bits(const Tensor& a, const Tensor& b) { return a.sizes() == b.sizes() && a.equal(b); }

}  // namespace

TEST_CASE("linear: one GEMM equals x W^T + b, with the same gradients", "[fused]") {
    manual_seed(11);
    for (bool with_bias : {true, false}) {
        Tensor x = randn({7, 5}, dtype(kFloat64)).requires_grad_();
        Tensor w = randn({3, 5}, dtype(kFloat64)).requires_grad_();
        Tensor b = randn({3}, dtype(kFloat64)).requires_grad_();
        Tensor y = with_bias ? linear(x, w, b) : linear(x, w);
        Tensor g = randn({7, 3}, dtype(kFloat64));
        (y * g).sum().backward();
        Tensor gx = x.grad(), gw = w.grad(), gb = with_bias ? b.grad() : Tensor();
        x.set_grad(Tensor());
        w.set_grad(Tensor());
        b.set_grad(Tensor());
        Tensor ref = with_bias ? mm(x, w.t()) + b : mm(x, w.t());
        (ref * g).sum().backward();
        require_close(y, ref, 1e-12);
        require_close(gx, x.grad(), 1e-12);
        require_close(gw, w.grad(), 1e-12);
        REQUIRE(gw.is_contiguous());
        if (with_bias) require_close(gb, b.grad(), 1e-12);
    }
}

TEST_CASE("addmm: beta and alpha, broadcast self, NaN ignored when beta is 0", "[fused]") {
    manual_seed(12);
    Tensor self = randn({4}), a = randn({3, 6}), b = randn({6, 4});
    require_close(addmm(self, a, b, 0.5, 2.0), self * 0.5 + mm(a, b) * 2.0, 1e-5);
    require_close(addmm(self.unsqueeze(0).expand({3, 4}).contiguous(), a, b), self + mm(a, b), 1e-5);
    Tensor nan_self = full({3, 4}, std::numeric_limits<double>::quiet_NaN()).requires_grad_();
    Tensor r = addmm(nan_self, a, b, 0.0, 1.0);
    require_close(r, mm(a, b), 1e-6);
    r.sum().backward();
    REQUIRE(nan_self.grad().equal(zeros({3, 4})));
}

TEST_CASE("sigmoid_bernoulli: the samples and random numbers of bernoulli(sigmoid(x))", "[fused]") {
    PathGuard guard;
    const std::vector<std::string> paths = cpu_paths::runnable(
        cpu_paths::all_paths("scalar"), [](const char* p) { cpu::vec_math_force(p); },
        [] { return std::string(cpu::vec_math_path()); });
    cpu_paths::say_ran(paths);
    for (const std::string& path : paths) {
        cpu::vec_math_force(path.c_str());
        for (ScalarType t : {kFloat32, kFloat64}) {
            // Lengths around the 64-element blocks and one large enough to be threaded.
            for (int64_t n : {1, 3, 4, 63, 64, 65, 130, 200003}) {
                DYNAMIC_SECTION(path << " " << dtype_name(t) << " n=" << n) {
                    manual_seed(5);
                    Tensor x = randn({n}, dtype(t)) * 3.0;
                    manual_seed(77);
                    Tensor fused = sigmoid_bernoulli(x);
                    Tensor after_fused = rand({5});
                    manual_seed(77);
                    Tensor unfused = bernoulli(sigmoid(x));
                    Tensor after_unfused = rand({5});
                    REQUIRE(same_bits(fused, unfused));
                    REQUIRE(same_bits(after_fused, after_unfused));  // the same count of numbers drawn
                    // Independently of the composition: every sample is 0 or 1, and their count
                    // lies within 5 binomial standard deviations of sum_i sigmoid(x_i).
                    const std::vector<double> xs = x.to_vector<double>(), ys = fused.to_vector<double>();
                    double ones = 0, expected = 0, var = 0;
                    for (std::size_t i = 0; i < xs.size(); ++i) {
                        REQUIRE((ys[i] == 0.0 || ys[i] == 1.0));
                        const double s = 1 / (1 + std::exp(-xs[i]));
                        ones += ys[i];
                        expected += s;
                        var += s * (1 - s);
                    }
                    INFO("ones " << ones << ", expected " << expected << " +- " << std::sqrt(var));
                    REQUIRE(std::abs(ones - expected) <= 5 * std::sqrt(var) + 1e-9);
                }
            }
        }
    }
}

TEST_CASE("vectorised Philox: uniform_ and bernoulli give the scalar generator's streams", "[fused]") {
    PathGuard guard;
    // The vectorised generator is part of the AVX-512 path; without it there is nothing to compare.
    const cpu_paths::Path avx512 = cpu_paths::all_paths("scalar")[0];
    if (!avx512.supported) {
        REQUIRE_FALSE(cpu::philox_vectorised());
        cpu_paths::skipped("vectorised Philox", avx512.reason);
        return;
    }
    cpu::vec_math_force(nullptr);
    REQUIRE(cpu::philox_vectorised());  // automatic dispatch must use it here
    cpu_paths::say_ran({"avx512 (vectorised Philox)", "scalar"});
    for (int64_t n : {1, 5, 64, 67, 1000, 300001}) {
        cpu::vec_math_force("scalar");
        manual_seed(9);
        Tensor u_ref = rand({n});
        Tensor p = rand({n});
        Tensor b_ref = bernoulli(p);
        Tensor c_ref = bernoulli(p, 0.3);
        cpu::vec_math_force("avx512");
        REQUIRE(cpu::philox_vectorised());
        manual_seed(9);
        Tensor u = rand({n});
        Tensor p2 = rand({n});
        Tensor b = bernoulli(p2);
        Tensor c = bernoulli(p2, 0.3);
        INFO("n = " << n << ", path " << cpu::vec_math_path());
        REQUIRE(same_bits(u, u_ref));
        REQUIRE(same_bits(p2, p));
        REQUIRE(same_bits(b, b_ref));
        REQUIRE(same_bits(c, c_ref));
    }
}
