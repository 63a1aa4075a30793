// CUDA random kernels, the mirror of src/cpu/random.cpp: one thread per element evaluates the
// per-element Philox helpers of kernels/philox.h, whose stream layout and bit-exact
// transforms make element i identical to the CPU's element i for the same (seed, offset).
#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/loops.h"
#include "kernels/functors.h"
#include "kernels/philox.h"

namespace ember::cuda {

// The float32 and float64 streams are the only ones: any other dtype is an error, never doubles
// written into a buffer of another type (ops/ draws float16/bfloat16 in float32).
static void check_random_dtype(ScalarType dtype, const char* op) {
    if (dtype != kFloat32 && dtype != kFloat64)
        throw DTypeError(str_cat(op, ": expected a float32 or float64 buffer, got ", dtype_name(dtype)));
}

namespace {

// out[i] = f(i) for i in [0, n), grid-stride.
template <typename T, typename F>
__global__ void generate_kernel(T* out, int64_t n, F f) {
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = f(i);
}

template <typename T, typename F>
void launch_generate(T* out, int64_t n, const F& f, const char* name) {
    if (n == 0) return;
    int64_t blocks = (n + kBlockSize - 1) / kBlockSize;
    if (blocks > kMaxBlocks) blocks = kMaxBlocks;
    generate_kernel<<<static_cast<unsigned>(blocks), kBlockSize>>>(out, n, f);
    EMBER_CUDA_CHECK_LAUNCH(name);
}

template <typename T>
struct UniformF {
    uint64_t seed, offset;
    T span, low;
    EMBER_HD T operator()(int64_t i) const {
        const uint64_t e = static_cast<uint64_t>(i);
        if constexpr (sizeof(T) == 4)
            return random::scale_shift(random::uniform_float(seed, offset, e), span, low);
        else
            return random::scale_shift(random::uniform_double(seed, offset, e), span, low);
    }
};
template <typename T>
struct NormalF {
    uint64_t seed, offset;
    T std, mean;
    EMBER_HD T operator()(int64_t i) const {
        const uint64_t e = static_cast<uint64_t>(i);
        if constexpr (sizeof(T) == 4)
            return random::scale_shift(random::normal_float(seed, offset, e), std, mean);
        else
            return random::scale_shift(random::normal_double(seed, offset, e), std, mean);
    }
};
template <typename T>
struct BernoulliF {
    uint64_t seed, offset;
    const T* p;  // per-element probabilities, or nullptr for scalar_p
    float scalar_p;
    EMBER_HD T operator()(int64_t i) const {
        const float prob = p ? static_cast<float>(p[i]) : scalar_p;
        return random::bernoulli_float(seed, offset, static_cast<uint64_t>(i), prob) ? T(1) : T(0);
    }
};
// bernoulli(sigmoid(x)) in one pass: the sigmoid of the sigmoid op (kernels::SigmoidF), then the
// comparison of BernoulliF, so the samples equal the unfused composition's on this device; in
// float32 the sigmoid is kernels/float_math.h's, the CPU's bit for bit, so they equal the CPU's too.
template <typename T>
struct SigmoidBernoulliF {
    uint64_t seed, offset;
    const T* logits;
    EMBER_HD T operator()(int64_t i) const {
        const float prob = static_cast<float>(kernels::SigmoidF{}(logits[i]));
        return random::bernoulli_float(seed, offset, static_cast<uint64_t>(i), prob) ? T(1) : T(0);
    }
};
struct RandintF {
    uint64_t seed, offset;
    int64_t low;
    uint64_t range;
    EMBER_HD int64_t operator()(int64_t i) const {
        return random::randint(seed, offset, static_cast<uint64_t>(i), low, range);
    }
};

}  // namespace

void uniform_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double low, double high) {
    check_random_dtype(dtype, "uniform_");
    if (dtype == kFloat32) {
        launch_generate(static_cast<float*>(out), n,
                        UniformF<float>{seed, offset, static_cast<float>(high - low), static_cast<float>(low)},
                        "uniform_kernel");
    } else {
        launch_generate(static_cast<double*>(out), n, UniformF<double>{seed, offset, high - low, low},
                        "uniform_kernel");
    }
}

void normal_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean, double std) {
    check_random_dtype(dtype, "normal_");
    if (dtype == kFloat32) {
        launch_generate(static_cast<float*>(out), n,
                        NormalF<float>{seed, offset, static_cast<float>(std), static_cast<float>(mean)},
                        "normal_kernel");
    } else {
        launch_generate(static_cast<double*>(out), n, NormalF<double>{seed, offset, std, mean}, "normal_kernel");
    }
}

void bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, const void* p,
                      double scalar_p) {
    dispatch_floating(dtype, "bernoulli", [&]<typename T>() {
        launch_generate(static_cast<T*>(out), n,
                        BernoulliF<T>{seed, offset, static_cast<const T*>(p), static_cast<float>(scalar_p)},
                        "bernoulli_kernel");
    });
}

void sigmoid_bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset,
                              const void* logits) {
    dispatch_floating(dtype, "sigmoid_bernoulli", [&]<typename T>() {
        launch_generate(static_cast<T*>(out), n, SigmoidBernoulliF<T>{seed, offset, static_cast<const T*>(logits)},
                        "sigmoid_bernoulli_kernel");
    });
}

void randint_kernel(void* out, int64_t n, uint64_t seed, uint64_t offset, int64_t low, uint64_t range) {
    launch_generate(static_cast<int64_t*>(out), n, RandintF{seed, offset, low, range}, "randint_kernel");
}

}  // namespace ember::cuda
