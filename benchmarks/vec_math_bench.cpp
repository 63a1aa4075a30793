// Throughput of the float32 transcendentals (cpu/vec_math.h) on each CPU path this machine has,
// of the scalar functor loop (the path of strided tensors), and of the sigmoid_bernoulli op.
// Run with OMP_NUM_THREADS=1; prints ns per element, the median of 15 runs over 1M floats. Not part of ctest;
// the figures go to docs/decisions.md. Usage: vec_math_bench
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "bench_common.h"
#include "cpu/vec_math.h"
#include "ember/ember.h"
#include "kernels/functors.h"

namespace {

constexpr int64_t kN = 1 << 20;

template <typename F>
double ns_per_element(F&& f) {
    std::vector<double> t;
    f();  // warm-up
    for (int r = 0; r < 15; ++r) t.push_back(bench::time_once(f));
    return bench::median(t) * 1e9 / static_cast<double>(kN);
}

}  // namespace

int main() {
    using namespace ember::cpu;
    std::vector<float> x(kN), y(kN);
    for (int64_t i = 0; i < kN; ++i) x[i] = -20.0f + 40.0f * static_cast<float>(i) / static_cast<float>(kN);
    for (const char* path : {"avx512", "avx2", "scalar"}) {
        try {
            vec_math_force(path);
        } catch (const std::invalid_argument&) {
            std::printf("%-7s not available on this CPU\n", path);
            continue;
        }
        std::printf("%-7s exp %.3f  sigmoid %.3f  softplus %.3f  log_sigmoid %.3f ns/element\n", path,
                    ns_per_element([&] { exp_f32(x.data(), y.data(), kN); }),
                    ns_per_element([&] { sigmoid_f32(x.data(), y.data(), kN); }),
                    ns_per_element([&] { softplus_f32(x.data(), y.data(), kN, 1.0f, 20.0f); }),
                    ns_per_element([&] { log_sigmoid_f32(x.data(), y.data(), kN); }));
    }
    vec_math_force(nullptr);
    std::printf("functor silu (scalar loop) %.3f ns/element\n", ns_per_element([&] {
                    for (int64_t i = 0; i < kN; ++i) y[i] = ember::kernels::SiluF{}(x[i]);
                }));
    ember::Tensor logits = ember::randn({kN});
    std::printf("sigmoid_bernoulli op (%s) %.3f ns/element\n", vec_math_path(),
                ns_per_element([&] { (void)ember::sigmoid_bernoulli(logits); }));
    return 0;
}
