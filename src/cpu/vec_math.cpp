// Run-time dispatch of the cpu/vec_math.h kernels, and their scalar fallback (the shared
// functors of kernels/functors.h, so a CPU without AVX2 computes exactly what the loop would).
#include "cpu/vec_math.h"

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cpu/cpu_features.h"
#include "kernels/functors.h"

#if defined(__x86_64__) || defined(__i386__)
#define EMBER_VEC_X86 1
#endif

namespace ember::cpu {
namespace detail {
#ifdef EMBER_VEC_X86
void exp_f32_avx512(const float* x, float* y, int64_t n);
void sigmoid_f32_avx512(const float* x, float* y, int64_t n);
void softplus_f32_avx512(const float* x, float* y, int64_t n, float beta, float threshold);
void log_sigmoid_f32_avx512(const float* x, float* y, int64_t n);
void philox_uniform64_avx512(uint64_t seed, uint64_t offset, uint64_t g0, float* u);
void exp_f32_avx2(const float* x, float* y, int64_t n);
void sigmoid_f32_avx2(const float* x, float* y, int64_t n);
void softplus_f32_avx2(const float* x, float* y, int64_t n, float beta, float threshold);
void log_sigmoid_f32_avx2(const float* x, float* y, int64_t n);
#endif
}  // namespace detail

namespace {

enum class Path : int { Auto = 0, Avx512 = 1, Avx2 = 2, Scalar = 3 };
std::atomic<int> g_forced{static_cast<int>(Path::Auto)};

Path active() {
    const auto forced = static_cast<Path>(g_forced.load(std::memory_order_relaxed));
    if (forced != Path::Auto) return forced;
    if (cpu_has_avx512()) return Path::Avx512;
    if (cpu_has_avx2()) return Path::Avx2;
    return Path::Scalar;
}

template <typename F>
void scalar_map(const float* x, float* y, int64_t n, F f) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace

void exp_f32(const float* x, float* y, int64_t n) {
    switch (active()) {
#ifdef EMBER_VEC_X86
        case Path::Avx512: return detail::exp_f32_avx512(x, y, n);
        case Path::Avx2: return detail::exp_f32_avx2(x, y, n);
#endif
        default: return scalar_map(x, y, n, kernels::ExpF{});
    }
}

void sigmoid_f32(const float* x, float* y, int64_t n) {
    switch (active()) {
#ifdef EMBER_VEC_X86
        case Path::Avx512: return detail::sigmoid_f32_avx512(x, y, n);
        case Path::Avx2: return detail::sigmoid_f32_avx2(x, y, n);
#endif
        default: return scalar_map(x, y, n, kernels::SigmoidF{});
    }
}

void softplus_f32(const float* x, float* y, int64_t n, float beta, float threshold) {
    switch (active()) {
#ifdef EMBER_VEC_X86
        case Path::Avx512: return detail::softplus_f32_avx512(x, y, n, beta, threshold);
        case Path::Avx2: return detail::softplus_f32_avx2(x, y, n, beta, threshold);
#endif
        default: return scalar_map(x, y, n, kernels::SoftplusF{beta, threshold});
    }
}

void log_sigmoid_f32(const float* x, float* y, int64_t n) {
    switch (active()) {
#ifdef EMBER_VEC_X86
        case Path::Avx512: return detail::log_sigmoid_f32_avx512(x, y, n);
        case Path::Avx2: return detail::log_sigmoid_f32_avx2(x, y, n);
#endif
        default: return scalar_map(x, y, n, kernels::LogSigmoidF{});
    }
}

bool philox_uniform64(uint64_t seed, uint64_t offset, uint64_t g0, float* u) {
#ifdef EMBER_VEC_X86
    if (active() == Path::Avx512) {
        detail::philox_uniform64_avx512(seed, offset, g0, u);
        return true;
    }
#endif
    (void)seed, (void)offset, (void)g0, (void)u;
    return false;
}

bool philox_vectorised() { return active() == Path::Avx512; }

const char* vec_math_path() {
    switch (active()) {
        case Path::Avx512: return "avx512";
        case Path::Avx2: return "avx2";
        default: return "scalar";
    }
}

void vec_math_force(const char* name) {
    Path p = Path::Auto;
    if (name == nullptr) {
        p = Path::Auto;
    } else if (std::strcmp(name, "avx512") == 0) {
        if (!cpu_has_avx512()) throw std::invalid_argument("vec_math_force: CPU lacks AVX-512F/VL/BW/DQ");
        p = Path::Avx512;
    } else if (std::strcmp(name, "avx2") == 0) {
        if (!cpu_has_avx2()) throw std::invalid_argument("vec_math_force: CPU lacks AVX2/FMA");
        p = Path::Avx2;
    } else if (std::strcmp(name, "scalar") == 0) {
        p = Path::Scalar;
    } else {
        throw std::invalid_argument(std::string("vec_math_force: unknown path ") + name);
    }
    g_forced.store(static_cast<int>(p), std::memory_order_relaxed);
}

}  // namespace ember::cpu
