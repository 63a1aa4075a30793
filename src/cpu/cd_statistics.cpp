// The CPU's cd_statistics_kernel: an RBM mini-batch's CD statistics after its matrix products
// (the math is in kernels/cd_statistics.h), in one pass over the stacked rows [data; model].
//
// The rows are cut into blocks of kRows; each block sums its share of every column statistic in
// double into its own partial row, and the blocks' partials are added in block order at the end,
// so the result does not depend on the number of threads. Every statistic is kept per column
// (the hidden biases' gradient and free-energy terms, the visible biases' gradient, energy terms
// and squared reconstruction errors) so that the inner loops run along a row with no dependence
// between iterations; the scalars are summed over the columns last.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpu/kernels.h"
#include "cpu/vec_math.h"
#include "ember/tensor/dtype.h"
#include "kernels/cd_statistics.h"
#ifdef _OPENMP
#include <omp.h>
#endif

namespace ember::cpu {

using kernels::BernoulliUnits;
using kernels::CdStatisticsArgs;
using kernels::GaussianUnits;

namespace {

constexpr int64_t kRows = 16;  // stacked rows per block

// y = Units::mean(a) and y = Units::free_energy(a) along a row of k units. float32 Bernoulli rows
// take the vectorised sigmoid and softplus of cpu/vec_math.h, which the float32 sigmoid and
// softplus ops use too, so the values are those of the composed ops.
template <typename Units, typename T>
void unit_means(const T* a, T* y, int64_t k) {
    if constexpr (std::is_same_v<Units, BernoulliUnits> && std::is_same_v<T, float>) {
        sigmoid_f32(a, y, k);
    } else {
        for (int64_t j = 0; j < k; ++j) y[j] = Units::mean(a[j]);
    }
}
template <typename Units, typename T>
void free_energies(const T* a, T* y, int64_t k) {
    if constexpr (std::is_same_v<Units, BernoulliUnits> && std::is_same_v<T, float>) {
        softplus_f32(a, y, k, 1.0f, 20.0f);
    } else {
        for (int64_t j = 0; j < k; ++j) y[j] = Units::free_energy(a[j]);
    }
}

// One block's partial sums, each a run of columns inside the block's row of the partials table.
struct Partials {
    double* grad_c;       // [nh] sum w_r h_rj
    double* hidden_free;  // [nh] sum w_r F_hid(a_rj)
    double* grad_b;       // [nv] sum w_r v_ri
    double* visible_en;   // [nv] sum w_r E_vis(v_ri, b_i)
    double* recon_err;    // [nv] sum over data rows of (v_ri - E[v_i | h_r])^2
    static int64_t width(int64_t nv, int64_t nh) { return 2 * nh + 3 * nv; }
    Partials(double* row, int64_t nv, int64_t nh)
        : grad_c(row),
          hidden_free(row + nh),
          grad_b(row + 2 * nh),
          visible_en(row + 2 * nh + nv),
          recon_err(row + 2 * nh + 2 * nv) {}
};

// Adds stacked row r to the block's partials and writes its rows of P and V. `tmp` holds
// max(nv, nh) values.
template <typename Visible, typename Hidden, typename T>
void add_row(const CdStatisticsArgs& a, int64_t r, const Partials& s, T* tmp) {
    const int64_t n = a.n, nv = a.nv, nh = a.nh;
    const bool data_row = r < n;
    const int64_t i = data_row ? r : r - n;  // the row within its own tensor
    const double w = kernels::cd_row_weight(r, n, a.data_count, a.model_count);
    const T wt = static_cast<T>(w);

    // Hidden side: P's row w_r h_r, the hidden-bias gradient and the free-energy terms.
    const T* act = static_cast<const T*>(data_row ? a.a_data : a.a_model) + i * nh;
    T* p = static_cast<T*>(a.P) + r * nh;
    if (data_row)
        std::copy(static_cast<const T*>(a.h_data) + i * nh, static_cast<const T*>(a.h_data) + (i + 1) * nh, p);
    else
        unit_means<Hidden>(act, p, nh);
    free_energies<Hidden>(act, tmp, nh);
    for (int64_t j = 0; j < nh; ++j) {
        p[j] *= wt;
        s.grad_c[j] += static_cast<double>(p[j]);
        s.hidden_free[j] += w * static_cast<double>(tmp[j]);
    }

    // Visible side: V's row, the visible-bias gradient, the energy terms, the reconstruction error.
    const T* v = static_cast<const T*>(data_row ? a.v_data : a.v_model) + i * nv;
    const T* b = static_cast<const T*>(a.visible_bias);
    std::copy(v, v + nv, static_cast<T*>(a.V) + r * nv);
    for (int64_t k = 0; k < nv; ++k) {
        s.grad_b[k] += w * static_cast<double>(v[k]);
        s.visible_en[k] += w * Visible::energy(v[k], b[k]);
    }
    if (data_row) {
        unit_means<Visible>(static_cast<const T*>(a.a_recon) + i * nv, tmp, nv);
        for (int64_t k = 0; k < nv; ++k) s.recon_err[k] += kernels::squared_error(v[k], tmp[k]);
    }
}

template <typename Visible, typename Hidden, typename T>
void cd_statistics(const CdStatisticsArgs& a) {
    const int64_t nv = a.nv, nh = a.nh, rows = a.n + a.m;
    const int64_t blocks = (rows + kRows - 1) / kRows;
    const int64_t width = Partials::width(nv, nh);
    std::vector<double> partials(static_cast<std::size_t>(blocks * width), 0.0);
    // One scratch row per thread, allocated here: nothing may throw inside the team.
    int threads = 1;
#ifdef _OPENMP
    if (blocks > 1 && !omp_in_parallel()) threads = std::min<int64_t>(omp_get_max_threads(), blocks);
#endif
    const int64_t tmp_len = std::max(nv, nh);
    std::vector<T> scratch(static_cast<std::size_t>(threads * tmp_len));
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
#endif
    {
        int t = 0;
#ifdef _OPENMP
        t = omp_get_thread_num();
#endif
        T* tmp = scratch.data() + t * tmp_len;
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
        for (int64_t blk = 0; blk < blocks; ++blk) {
            const Partials s(partials.data() + blk * width, nv, nh);
            for (int64_t r = blk * kRows; r < std::min(rows, (blk + 1) * kRows); ++r)
                add_row<Visible, Hidden, T>(a, r, s, tmp);
        }
    }
    // The blocks in order, then the scalars over the columns in order.
    std::vector<double> total(static_cast<std::size_t>(width), 0.0);
    for (int64_t blk = 0; blk < blocks; ++blk)
        for (int64_t j = 0; j < width; ++j) total[j] += partials[blk * width + j];
    const Partials sum(total.data(), nv, nh);
    double gap = 0, err = 0;
    for (int64_t j = 0; j < nh; ++j) {
        static_cast<T*>(a.grad_hidden_bias)[j] = static_cast<T>(sum.grad_c[j]);
        gap += sum.hidden_free[j];
    }
    for (int64_t k = 0; k < nv; ++k) {
        static_cast<T*>(a.grad_visible_bias)[k] = static_cast<T>(sum.grad_b[k]);
        gap -= sum.visible_en[k];
        err += sum.recon_err[k];
    }
    *a.free_energy_gap = gap;
    *a.reconstruction_error = err / a.data_count;
}

}  // namespace

void cd_statistics_kernel(ScalarType dtype, const CdStatisticsArgs& args) {
    dispatch_floating(dtype, "cd_statistics_kernel", [&]<typename T>() {
        if (args.gaussian_visible) {
            if (args.gaussian_hidden) return cd_statistics<GaussianUnits, GaussianUnits, T>(args);
            return cd_statistics<GaussianUnits, BernoulliUnits, T>(args);
        }
        if (args.gaussian_hidden) return cd_statistics<BernoulliUnits, GaussianUnits, T>(args);
        return cd_statistics<BernoulliUnits, BernoulliUnits, T>(args);
    });
}

}  // namespace ember::cpu
