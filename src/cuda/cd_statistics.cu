// The CUDA cd_statistics_kernel, the mirror of src/cpu/cd_statistics.cpp: an RBM mini-batch's CD
// statistics after its products (the math is in kernels/cd_statistics.h).
//
// Every statistic is a column sum over the stacked rows [data; model], so the work is laid out as
// the column reductions of src/cuda/reduce.cu: a block of 32 x kColRows threads covers 32
// neighbouring columns of [hidden | visible] (nh + nv columns in all), each thread row summing a
// fixed share of the rows (r = y, y + kColRows, ...) in double while it writes that share of P and
// V, and the block's thread rows are combined in order through shared memory. A second launch, one
// block, sums the columns' free-energy and reconstruction terms into the two scalars in a fixed
// tree. No atomics, and the order depends on nothing but the sizes: repeated runs give bitwise
// equal results on any GPU. No synchronisation: the scalars stay in device memory.
#include <algorithm>

#include "cuda/check.h"
#include "cuda/kernels.h"
#include "cuda/scratch.h"
#include "ember/tensor/dtype.h"
#include "kernels/cd_statistics.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {

constexpr int kWarp = 32;
constexpr int kColRows = 8;          // thread rows of a column block (32 x kColRows)
constexpr int kTotalsBlock = 256;    // threads of the one block that sums the columns
constexpr int64_t kMaxGrid = 65536;  // grid-stride loops cover the rest

// Per column o of [hidden | visible]: the bias gradient into grad_hidden_bias / grad_visible_bias,
// the column's share of the free-energy gap into col_gap[o] and of the squared reconstruction
// error into col_err[o]; P's and V's elements on the way.
template <typename Visible, typename Hidden, typename T>
__global__ void __launch_bounds__(kWarp* kColRows) cd_columns(CdStatisticsArgs a, double* col_gap, double* col_err) {
    __shared__ double share[3][kColRows][kWarp];
    const int64_t n = a.n, nv = a.nv, nh = a.nh, rows = n + a.m, cols = nh + nv;
    const T* h_data = static_cast<const T*>(a.h_data);
    const T* a_data = static_cast<const T*>(a.a_data);
    const T* a_model = static_cast<const T*>(a.a_model);
    const T* v_data = static_cast<const T*>(a.v_data);
    const T* v_model = static_cast<const T*>(a.v_model);
    const T* a_recon = static_cast<const T*>(a.a_recon);
    T* P = static_cast<T*>(a.P);
    T* V = static_cast<T*>(a.V);
    for (int64_t ob = static_cast<int64_t>(blockIdx.x) * kWarp; ob < cols;
         ob += static_cast<int64_t>(gridDim.x) * kWarp) {
        const int64_t o = ob + threadIdx.x;
        // Hidden column: (sum w_r h_rj, sum w_r F_hid(a_rj)); visible: (sum w_r v_ri, sum w_r E_vis, sum err^2).
        double s0 = 0, s1 = 0, s2 = 0;
        if (o < nh) {
            const int64_t j = o;
            for (int64_t r = threadIdx.y; r < rows; r += kColRows) {
                const double w = cd_row_weight(r, n, a.data_count, a.model_count);
                const T act = r < n ? a_data[r * nh + j] : a_model[(r - n) * nh + j];
                const T h = r < n ? h_data[r * nh + j] : Hidden::mean(act);
                const T p = h * static_cast<T>(w);
                P[r * nh + j] = p;
                s0 += static_cast<double>(p);
                s1 += w * static_cast<double>(Hidden::free_energy(act));
            }
        } else if (o < cols) {
            const int64_t i = o - nh;
            const T b = static_cast<const T*>(a.visible_bias)[i];
            for (int64_t r = threadIdx.y; r < rows; r += kColRows) {
                const double w = cd_row_weight(r, n, a.data_count, a.model_count);
                const T v = r < n ? v_data[r * nv + i] : v_model[(r - n) * nv + i];
                V[r * nv + i] = v;
                s0 += w * static_cast<double>(v);
                s1 += w * Visible::energy(v, b);
                if (r < n) s2 += squared_error(v, Visible::mean(a_recon[r * nv + i]));
            }
        }
        share[0][threadIdx.y][threadIdx.x] = s0;
        share[1][threadIdx.y][threadIdx.x] = s1;
        share[2][threadIdx.y][threadIdx.x] = s2;
        __syncthreads();
        if (threadIdx.y == 0 && o < cols) {
            for (int k = 1; k < kColRows; ++k) {
                s0 += share[0][k][threadIdx.x];
                s1 += share[1][k][threadIdx.x];
                s2 += share[2][k][threadIdx.x];
            }
            if (o < nh) {
                static_cast<T*>(a.grad_hidden_bias)[o] = static_cast<T>(s0);
                col_gap[o] = s1;  // the gap is sum_r w_r (sum_j F_hid - sum_i E_vis)
                col_err[o] = 0;
            } else {
                static_cast<T*>(a.grad_visible_bias)[o - nh] = static_cast<T>(s0);
                col_gap[o] = -s1;
                col_err[o] = s2;
            }
        }
        __syncthreads();  // share is reused by the next columns
    }
}

// gap = sum_o col_gap[o], err = sum_o col_err[o] / data_count: per-thread strided sums, then a fixed tree.
__global__ void __launch_bounds__(kTotalsBlock)
    cd_totals(const double* col_gap, const double* col_err, int64_t cols, double data_count, double* gap, double* err) {
    __shared__ double g[kTotalsBlock], e[kTotalsBlock];
    const int t = static_cast<int>(threadIdx.x);
    double sg = 0, se = 0;
    for (int64_t o = t; o < cols; o += kTotalsBlock) {
        sg += col_gap[o];
        se += col_err[o];
    }
    g[t] = sg;
    e[t] = se;
    __syncthreads();
    for (int half = kTotalsBlock / 2; half > 0; half /= 2) {
        if (t < half) {
            g[t] += g[t + half];
            e[t] += e[t + half];
        }
        __syncthreads();
    }
    if (t == 0) {
        *gap = g[0];
        *err = e[0] / data_count;
    }
}

template <typename Visible, typename Hidden, typename T>
void launch_columns(const CdStatisticsArgs& a, double* col_gap, double* col_err) {
    const int64_t cols = a.nh + a.nv;
    const unsigned grid = static_cast<unsigned>(std::min<int64_t>((cols + kWarp - 1) / kWarp, kMaxGrid));
    cd_columns<Visible, Hidden, T><<<grid, dim3(kWarp, kColRows)>>>(a, col_gap, col_err);
    EMBER_CUDA_CHECK_LAUNCH("cd_statistics_kernel (columns)");
}

}  // namespace

void cd_statistics_kernel(ScalarType dtype, const CdStatisticsArgs& args) {
    const int64_t cols = args.nh + args.nv;
    DeviceScratch col_gap(static_cast<std::size_t>(cols) * sizeof(double));
    DeviceScratch col_err(static_cast<std::size_t>(cols) * sizeof(double));
    double* g = col_gap.as<double>();
    double* e = col_err.as<double>();
    dispatch_floating(dtype, "cd_statistics_kernel", [&]<typename T>() {
        if (args.gaussian_visible) {
            if (args.gaussian_hidden) return launch_columns<GaussianUnits, GaussianUnits, T>(args, g, e);
            return launch_columns<GaussianUnits, BernoulliUnits, T>(args, g, e);
        }
        if (args.gaussian_hidden) return launch_columns<BernoulliUnits, GaussianUnits, T>(args, g, e);
        return launch_columns<BernoulliUnits, BernoulliUnits, T>(args, g, e);
    });
    cd_totals<<<1, kTotalsBlock>>>(g, e, cols, args.data_count, args.free_energy_gap, args.reconstruction_error);
    EMBER_CUDA_CHECK_LAUNCH("cd_statistics_kernel (totals)");
}

}  // namespace ember::cuda
