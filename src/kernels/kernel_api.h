#pragma once
// The kernels every backend provides, with the same names and signatures in ember::cpu and
// ember::cuda (llm.c style): a reader holds src/cpu/X.cpp and src/cuda/X.cu side by side.
// Kernels receive raw strided views and write their outputs; they never allocate graph nodes.
#include "kernels/iter.h"

namespace ember::kernels {
struct SgdStepF;          // kernels/functors.h
struct CdStatisticsArgs;  // kernels/cd_statistics.h
struct Window2d;          // kernels/window.h
struct Upsample2d;        // kernels/interp.h
struct AdaptiveWindow2d;  // kernels/window.h
}  // namespace ember::kernels

#define EMBER_DECLARE_KERNELS                                                                                        \
    /* out = f(in) for an elementwise unary op; operands 0 (out) and 1 share the dtype. */                           \
    void unary_kernel(::ember::kernels::UnaryOp op, const ::ember::kernels::StridedIter& it,                         \
                      ::ember::kernels::OpParams p);                                                                 \
    /* out = f(a, b); a and b share a dtype, out has it too or is bool for comparisons. Add/Sub use alpha=p.a. */    \
    void binary_kernel(::ember::kernels::BinaryOp op, const ::ember::kernels::StridedIter& it,                       \
                       ::ember::kernels::OpParams p);                                                                \
    /* out = cond ? a : b with operands (out, cond bool, a, b). */                                                   \
    void where_kernel(const ::ember::kernels::StridedIter& it);                                                      \
    /* out = in, converting between any two dtypes. */                                                               \
    void copy_kernel(const ::ember::kernels::StridedIter& it);                                                       \
    void fill_kernel(const ::ember::kernels::StridedIter& it, double value);                                         \
    void reduce_kernel(::ember::kernels::ReduceOp op, const ::ember::kernels::Reduce2D& r);                          \
    /* Row-wise (log-)softmax over contiguous rows of length `inner`. */                                             \
    void softmax_kernel(bool log, ScalarType dtype, const void* in, void* out, int64_t outer, int64_t inner);        \
    /* Row-major GEMM on strided matrices, see cpu/gemm.h; `batch` products with the given batch strides. */         \
    void gemm_kernel(ScalarType dtype, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,      \
                     const void* A, int64_t lda, const void* B, int64_t ldb, double beta, void* C, int64_t ldc);     \
    /* out[o, i, r] = in[o, index[i], r] on contiguous [outer, n_in, inner] input. Returns the first out-of-range */ \
    /* index position or -1. */                                                                                      \
    int64_t index_select_kernel(ScalarType dtype, const void* in, int64_t outer, int64_t n_in, int64_t inner,        \
                                const int64_t* index, int64_t n_index, void* out);                                   \
    /* out[o, index[i], r] += src[o, i, r] on contiguous buffers. Same return convention. */                         \
    int64_t index_add_kernel(ScalarType dtype, void* out, int64_t outer, int64_t n_out, int64_t inner,               \
                             const int64_t* index, int64_t n_index, const void* src);                                \
    /* gather/scatter_add over iterator operands (out, index) / (self, index, src); `x` walks with the iterator's */ \
    /* strides given in x_strides plus index * dim_stride along the gathered dim. Returns a bad index or -1. */      \
    int64_t gather_kernel(ScalarType dtype, const ::ember::kernels::StridedIter& it, const char* x,                  \
                          const int64_t* x_strides, int64_t dim_stride, int64_t dim_size);                           \
    int64_t scatter_add_kernel(ScalarType dtype, const ::ember::kernels::StridedIter& it, char* self,                \
                               const int64_t* self_strides, int64_t dim_stride, int64_t dim_size);                   \
    /* Sliding windows over `batch` contiguous images [channels, height, width] (kernels/window.h): */               \
    /* im2col writes each image's column matrix [channels kh kw, out_h out_w]; col2im writes the images as the */    \
    /* sums of their column entries (overwriting `out`); max_pool2d writes per plane (g.channels == 1) and */        \
    /* position the index iy * width + ix of the window's maximum. */                                                \
    void im2col_kernel(ScalarType dtype, const ::ember::kernels::Window2d& g, int64_t batch, const void* in,         \
                       void* cols);                                                                                  \
    void col2im_kernel(ScalarType dtype, const ::ember::kernels::Window2d& g, int64_t batch, const void* cols,       \
                       void* out);                                                                                   \
    void max_pool2d_kernel(ScalarType dtype, const ::ember::kernels::Window2d& g, int64_t planes, const void* in,    \
                           int64_t* indices);                                                                        \
    /* The index iy * width + ix of each adaptive window's maximum, per plane (kernels/window.h). */                 \
    void adaptive_max_pool2d_kernel(ScalarType dtype, const ::ember::kernels::AdaptiveWindow2d& g, int64_t planes,   \
                                    const void* in, int64_t* indices);                                               \
    /* Upsampling of `planes` contiguous planes [in_h, in_w] -> [out_h, out_w] (kernels/interp.h), and its */        \
    /* adjoint: grad_in (overwritten) = the scatter-add of grad_out into the taps, with the same weights. */         \
    void upsample_kernel(ScalarType dtype, const ::ember::kernels::Upsample2d& g, int64_t planes, const void* in,    \
                         void* out);                                                                                 \
    void upsample_backward_kernel(ScalarType dtype, const ::ember::kernels::Upsample2d& g, int64_t planes,           \
                                  const void* grad_out, void* grad_in);                                              \
    /* Philox streams (see kernels/philox.h) into a contiguous buffer of n elements. */                              \
    void uniform_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double low,          \
                        double high);                                                                                \
    void normal_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, double mean,          \
                       double std);                                                                                  \
    /* out[i] = u_i < p[i] (p contiguous, or a scalar when p == nullptr). */                                         \
    void bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset, const void* p,     \
                          double scalar_p);                                                                          \
    void randint_kernel(void* out, int64_t n, uint64_t seed, uint64_t offset, int64_t low, uint64_t range);          \
    /* out[i] = u_i < sigmoid(logits[i]), u_i the uniform float of element i of the Philox stream (seed, offset): */ \
    /* the random numbers bernoulli_kernel reads for the same n, so the samples equal the unfused ones. */           \
    void sigmoid_bernoulli_kernel(ScalarType dtype, void* out, int64_t n, uint64_t seed, uint64_t offset,            \
                                  const void* logits);                                                               \
    /* kernels::SgdStepF on contiguous param, grad and momentum buffer of n elements (buf null if momentum 0). */    \
    void sgd_step_kernel(ScalarType dtype, void* param, const void* grad, void* buf, int64_t n,                      \
                         const ::ember::kernels::SgdStepF& step);                                                    \
    /* An RBM mini-batch's CD statistics after its products (kernels/cd_statistics.h): P, V, both bias */            \
    /* gradients, the free-energy gap and the reconstruction error, in fixed-order double sums. */                   \
    void cd_statistics_kernel(ScalarType dtype, const ::ember::kernels::CdStatisticsArgs& args);
