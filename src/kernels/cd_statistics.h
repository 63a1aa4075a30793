#pragma once
// The math of an RBM's CD statistics pass (cd_statistics_kernel in src/cpu/cd_statistics.cpp and
// src/cuda/cd_statistics.cu, reached through ember::rbm_cd_statistics), as host-and-device code
// shared by both backends.
//
// A mini-batch has n data rows v_r (the positive phase) and m model rows (the negative phase:
// CD-k samples or persistent chains). Stacking them as rows r = 0 .. n + m - 1, each row enters
// with the weight
//   w_r = -1 / N (a data row),   w_r = +1 / M (a model row),
// where N = n and M = m for one process; a data-parallel rank passes the global batch's counts
// N = sum of the ranks' n and M = sum of their m, so that its results are its share of the
// global statistics and their sum over the ranks is the whole batch's.
// and the gradient of loss = mean F(v_data) - mean F(v_model) is, with h_r = E[h | v_r],
//   dL/dW = sum_r w_r h_r v_r^T = P^T V,   P = [w_r h_r] [n + m, nh],   V = [v_r] [n + m, nv],
//   dL/dc = sum_r w_r h_r (the column sums of P),   dL/db = sum_r w_r v_r,
// (dF/dW = -h v^T, dF/dc = -h, dF/db = -v, or -(v - b) for Gaussian visible units, where the b
// terms cancel since sum_r w_r = 0). The free energy of a row is
//   F(v) = sum_i E_vis(v_i, b_i) - sum_j F_hid(a_j),   a = W v + c,
// so the loss itself, the free-energy gap, is sum_r w_r (sum_j F_hid(a_rj) - sum_i E_vis(v_ri, b_i)).
// The reconstruction error is sum_i (v_i - E[v_i | h = p(h | v)])^2 summed over the data rows, / N.
#include <cstdint>

#include "ember/tensor/macros.h"
#include "kernels/functors.h"

namespace ember::kernels {

// Bernoulli units: E[u | a] = sigmoid(a); summing a hidden unit out of exp(-E) gives the
// free-energy term softplus(a); a visible unit's energy term is -b v.
struct BernoulliUnits {
    template <typename T>
    static EMBER_HD T mean(T a) {
        return SigmoidF{}(a);
    }
    template <typename T>
    static EMBER_HD T free_energy(T a) {
        return SoftplusF{1.0, 20.0}(a);
    }
    template <typename T>
    static EMBER_HD double energy(T v, T b) {
        return -static_cast<double>(v) * static_cast<double>(b);
    }
};

// Gaussian units of unit variance: E[u | a] = a; a hidden unit integrates out to a^2 / 2 (up to a
// constant that cancels in the gap); a visible unit's energy term is (v - b)^2 / 2.
struct GaussianUnits {
    template <typename T>
    static EMBER_HD T mean(T a) {
        return a;
    }
    template <typename T>
    static EMBER_HD T free_energy(T a) {
        return a * a * T(0.5);
    }
    template <typename T>
    static EMBER_HD double energy(T v, T b) {
        const double d = static_cast<double>(v) - static_cast<double>(b);
        return 0.5 * d * d;
    }
};

// The weight w_r of stacked row r (see above).
EMBER_HD inline double cd_row_weight(int64_t r, int64_t n, double data_count, double model_count) {
    return r < n ? -1.0 / data_count : 1.0 / model_count;
}

// One squared reconstruction difference (v - E[v | h]), in double.
template <typename T>
EMBER_HD double squared_error(T v, T mean) {
    const double d = static_cast<double>(v) - static_cast<double>(mean);
    return d * d;
}

// What cd_statistics_kernel reads and writes; every tensor contiguous and of one floating dtype
// (the op checks), on the kernel's device.
struct CdStatisticsArgs {
    int64_t n = 0, m = 0;                    // data rows, model rows (n + m >= 1)
    double data_count = 0, model_count = 0;  // N and M above, the divisors of the means (>= 1)
    int64_t nv = 0, nh = 0;                  // visible, hidden units
    bool gaussian_visible = false, gaussian_hidden = false;
    const void* v_data = nullptr;            // [n, nv]
    const void* h_data = nullptr;            // [n, nh]: E[h | v_data], the hidden units' mean given a_data
    const void* a_data = nullptr;            // [n, nh]: W v_data + c
    const void* v_model = nullptr;           // [m, nv]
    const void* a_model = nullptr;           // [m, nh]: W v_model + c
    const void* a_recon = nullptr;           // [n, nv]: the pre-activation h_data W + b of the reconstruction
    const void* visible_bias = nullptr;      // [nv]
    void* P = nullptr;                       // out [n + m, nh]: w_r h_r
    void* V = nullptr;                       // out [n + m, nv]: [v_data; v_model]
    void* grad_hidden_bias = nullptr;        // out [nh]
    void* grad_visible_bias = nullptr;       // out [nv]
    double* free_energy_gap = nullptr;       // out, one double: mean F(v_data) - mean F(v_model)
    double* reconstruction_error = nullptr;  // out, one double
};

}  // namespace ember::kernels
