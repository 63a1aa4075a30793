#pragma once
// Vectorised float32 transcendentals for contiguous buffers: exp, sigmoid, softplus, log-sigmoid.
//
// GCC does not vectorise calls to expf/log1pf (glibc's vector variants need -ffast-math), so the
// elementwise loop evaluates them one at a time; these kernels evaluate 16 (AVX-512) or 8 (AVX2)
// lanes at once with the same polynomial on every path. The scalar path (the functors of
// kernels/functors.h) remains the reference and serves CPUs without AVX2.
//
// exp(x): n = round(x log2 e), r = x - n ln 2 (Cody-Waite, two constants), exp(r) by Cephes'
// degree-7 polynomial, times 2^n (AVX-512: vscalefps, which also rounds subnormal results
// once; AVX2: two exact power-of-two factors). Within 2 ulp of the correctly rounded result for
// normal results (tests/test_vec_math.cpp checks against exp in double), overflow to +inf above
// ~88.72, 0 below ~-103.97, NaN propagates.
// log1p(y) for y >= 0: log(u) of u = 1 + y by frexp and Cephes' logf polynomial, plus the
// rounding correction (y - (u - 1)) / u.
// sigmoid, softplus and log-sigmoid use the same algebra as SigmoidF, SoftplusF and
// LogSigmoidF: sigmoid(x) = x >= 0 ? 1 / (1 + e) : e / (1 + e) with e = exp(-|x|), so nothing
// overflows; softplus(x) = max(z, 0) + log1p(exp(-|z|)) (z = beta x, returns x above threshold).
#include <cstdint>

namespace ember::cpu {

// y[i] = f(x[i]) for i < n; x == y is allowed. Single-threaded: callers split large buffers.
void exp_f32(const float* x, float* y, int64_t n);
void sigmoid_f32(const float* x, float* y, int64_t n);
void softplus_f32(const float* x, float* y, int64_t n, float beta, float threshold);
void log_sigmoid_f32(const float* x, float* y, int64_t n);

// The uniform floats of the 16 Philox counter groups g0 .. g0 + 15 of stream (seed, offset):
// u[4 j + k] = uniform_float of word k of group g0 + j, bit-identical to ember/tensor/philox.h.
// Returns false (and writes nothing) when the vectorised generator is not in use.
bool philox_uniform64(uint64_t seed, uint64_t offset, uint64_t g0, float* u);
// Whether philox_uniform64 is in use (the AVX-512 path).
bool philox_vectorised();

// Which implementation runs: "avx512", "avx2" or "scalar".
const char* vec_math_path();
// Force a path (tests): "avx512", "avx2", "scalar", or nullptr for automatic; throws
// std::invalid_argument when the CPU lacks it.
void vec_math_force(const char* name);

}  // namespace ember::cpu
