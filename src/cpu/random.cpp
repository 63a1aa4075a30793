// CPU random kernels: the Philox streams of kernels/philox.h, four (or two) elements per
// counter group, exactly as the CUDA kernels read them.
#include <type_traits>

#include "cpu/kernels.h"
#include "cpu/loops.h"
#include "cpu/vec_math.h"
#include "kernels/functors.h"
#include "kernels/philox.h"

namespace ember::cpu {

// The float32 and float64 streams are the only ones: any other dtype is an error, never doubles
// written into a buffer of another type (ops/ draws float16/bfloat16 in float32).
static void check_random_dtype(ScalarType dtype, const char* op) {
    if (dtype != kFloat32 && dtype != kFloat64)
        throw DTypeError(str_cat(op, ": expected a float32 or float64 buffer, got ", dtype_name(dtype)));
}

using namespace ember::random;

namespace {
// Runs body(g) for every counter group g of n elements, split across threads by groups.
template <typename Body>
void for_groups(int64_t n, int64_t per_group, Body&& body) {
    int64_t groups = (n + per_group - 1) / per_group;
    parallel_for(groups, kParallelGrain / per_group / 4, [&](int64_t b, int64_t e) {
        for (int64_t g = b; g < e; ++g) body(g);
    });
}
// Calls block(u, i0, len) for runs of elements [i0, i0 + len) with their uniform floats u[0, len):
// 64 elements (16 counter groups) at a time from the vectorised generator where the CPU has it,
// the remaining groups one at a time. Split across threads by whole blocks.
template <typename Block>
void for_uniform_blocks(int64_t n, uint64_t seed, uint64_t offset, Block&& block) {
    const int64_t full = n / 64;  // blocks of 64 elements that lie entirely inside [0, n)
    const int64_t vec_blocks = philox_vectorised() ? full : 0;
    parallel_for(vec_blocks, kParallelGrain / 64 / 4, [&](int64_t b, int64_t e) {
        float u[64];
        for (int64_t blk = b; blk < e; ++blk) {
            philox_uniform64(seed, offset, static_cast<uint64_t>(blk) * 16, u);
            block(u, blk * 64, int64_t{64});
        }
    });
    const int64_t first_group = vec_blocks * 16;
    const int64_t groups = (n + 3) / 4 - first_group;
    for_groups(groups * 4, 4, [&](int64_t g) {
        float u[4];
        const int64_t grp = first_group + g;
        uniform_float4(seed, offset, static_cast<uint64_t>(grp), u);
        block(u, grp * 4, std::min<int64_t>(4, n - grp * 4));
    });
}

}  // namespace

void uniform_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double low, double high) {
    check_random_dtype(dtype, "uniform_");
    if (dtype == kFloat32) {
        float* o = static_cast<float*>(out);
        float lo = static_cast<float>(low), span = static_cast<float>(high - low);
        for_uniform_blocks(n, seed, offset, [&](const float* u, int64_t i0, int64_t len) {
            for (int64_t k = 0; k < len; ++k) o[i0 + k] = scale_shift(u[k], span, lo);
        });
    } else {
        double* o = static_cast<double*>(out);
        for_groups(n, 2, [&](int64_t g) {
            double u[2];
            uniform_double2(seed, offset, static_cast<uint64_t>(g), u);
            for (int k = 0; k < 2 && g * 2 + k < n; ++k) o[g * 2 + k] = scale_shift(u[k], high - low, low);
        });
    }
}

void normal_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean, double std) {
    check_random_dtype(dtype, "normal_");
    if (dtype == kFloat32) {
        float* o = static_cast<float*>(out);
        float m = static_cast<float>(mean), s = static_cast<float>(std);
        for_groups(n, 2, [&](int64_t g) {
            float z[2];
            normal_float2(seed, offset, static_cast<uint64_t>(g), z);
            for (int k = 0; k < 2 && g * 2 + k < n; ++k) o[g * 2 + k] = scale_shift(z[k], s, m);
        });
    } else {
        double* o = static_cast<double*>(out);
        for_groups(n, 2, [&](int64_t g) {
            double z[2];
            normal_double2(seed, offset, static_cast<uint64_t>(g), z);
            for (int k = 0; k < 2 && g * 2 + k < n; ++k) o[g * 2 + k] = scale_shift(z[k], std, mean);
        });
    }
}

void bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, const void* p,
                      double scalar_p) {
    dispatch_floating(dtype, "bernoulli", [&]<typename T>() {
        T* o = static_cast<T*>(out);
        const T* pp = static_cast<const T*>(p);
        const float sp = static_cast<float>(scalar_p);
        for_uniform_blocks(n, seed, offset, [&](const float* u, int64_t i0, int64_t len) {
            if (pp) {
                for (int64_t k = 0; k < len; ++k) o[i0 + k] = u[k] < static_cast<float>(pp[i0 + k]) ? T(1) : T(0);
            } else {
                for (int64_t k = 0; k < len; ++k) o[i0 + k] = u[k] < sp ? T(1) : T(0);
            }
        });
    });
}

void sigmoid_bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset,
                              const void* logits) {
    // bernoulli(sigmoid(x)) in one pass: sigmoid of a block into a stack buffer, then the same
    // comparison u_i < p_i as bernoulli_kernel. float32 uses the sigmoid of cpu/vec_math.h, as the
    // sigmoid op on a contiguous tensor does, so the samples equal the unfused ones bit for bit;
    // it is kernels/float_math.h's sigmoid, which the CUDA kernel computes too, so the same seed
    // draws the same samples on both devices.
    dispatch_floating(dtype, "sigmoid_bernoulli", [&]<typename T>() {
        T* o = static_cast<T*>(out);
        const T* x = static_cast<const T*>(logits);
        for_uniform_blocks(n, seed, offset, [&](const float* u, int64_t i0, int64_t len) {
            T prob[64];
            if constexpr (std::is_same_v<T, float>) {
                sigmoid_f32(x + i0, prob, len);
            } else {
                for (int64_t k = 0; k < len; ++k) prob[k] = kernels::SigmoidF{}(x[i0 + k]);
            }
            for (int64_t k = 0; k < len; ++k) o[i0 + k] = u[k] < static_cast<float>(prob[k]) ? T(1) : T(0);
        });
    });
}

void randint_kernel(void* out, int64_t n, uint64_t seed, uint64_t offset, int64_t low, uint64_t range) {
    int64_t* o = static_cast<int64_t*>(out);
    if (!randint_is_wide(range)) {
        for_groups(n, 4, [&](int64_t g) {
            int64_t r[4];
            randint4(seed, offset, static_cast<uint64_t>(g), low, range, r);
            for (int k = 0; k < 4 && g * 4 + k < n; ++k) o[g * 4 + k] = r[k];
        });
    } else {
        for_groups(n, 2, [&](int64_t g) {
            int64_t r[2];
            randint2_wide(seed, offset, static_cast<uint64_t>(g), low, range, r);
            for (int k = 0; k < 2 && g * 2 + k < n; ++k) o[g * 2 + k] = r[k];
        });
    }
}

}  // namespace ember::cpu
