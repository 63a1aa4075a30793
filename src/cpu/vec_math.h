#pragma once
// Vectorised float32 transcendentals for contiguous buffers: exp, sigmoid, softplus, log-sigmoid.
//
// GCC does not vectorise calls to expf/log1pf (glibc's vector variants need -ffast-math), so the
// elementwise loop would evaluate them one at a time; these kernels evaluate 16 (AVX-512) or 8
// (AVX2) lanes at once. Every path computes the functions of kernels/float_math.h (the method and
// its accuracy are described there) operation for operation, so the AVX-512, AVX2 and scalar
// paths and the CUDA kernels return the same bits for the same input. The scalar path is the
// shared functors of kernels/functors.h and serves CPUs without AVX2.
#include <cstdint>

namespace ember::cpu {

// y[i] = f(x[i]) for i < n; x == y is allowed. Single-threaded: callers split large buffers.
void exp_f32(const float* x, float* y, int64_t n);
void sigmoid_f32(const float* x, float* y, int64_t n);
void softplus_f32(const float* x, float* y, int64_t n, float beta, float threshold);
void log_sigmoid_f32(const float* x, float* y, int64_t n);

// The uniform floats of the 16 Philox counter groups g0 .. g0 + 15 of stream (seed, offset):
// u[4 j + k] = uniform_float of word k of group g0 + j, bit-identical to kernels/philox.h.
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
