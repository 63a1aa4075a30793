// CPU random kernels: the Philox streams of ember/tensor/philox.h, four (or two) elements per
// counter group, exactly as the CUDA kernels read them.
#include "cpu/kernels.h"
#include "cpu/loops.h"
#include "ember/tensor/philox.h"

namespace ember::cpu {

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
}  // namespace

void uniform_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double low, double high) {
    if (dtype == kFloat32) {
        float* o = static_cast<float*>(out);
        float lo = static_cast<float>(low), span = static_cast<float>(high - low);
        for_groups(n, 4, [&](int64_t g) {
            float u[4];
            uniform_float4(seed, offset, static_cast<uint64_t>(g), u);
            for (int k = 0; k < 4 && g * 4 + k < n; ++k) o[g * 4 + k] = scale_shift(u[k], span, lo);
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
        for_groups(n, 4, [&](int64_t g) {
            float u[4];
            uniform_float4(seed, offset, static_cast<uint64_t>(g), u);
            for (int k = 0; k < 4 && g * 4 + k < n; ++k) {
                int64_t i = g * 4 + k;
                float prob = pp ? static_cast<float>(pp[i]) : static_cast<float>(scalar_p);
                o[i] = u[k] < prob ? T(1) : T(0);
            }
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
