#pragma once
// The public op API: free functions with libtorch's names. Every op checks its arguments, picks
// the kernel for the inputs' device, and records its backward when autograd needs it.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember {

// ---- factories ----
Tensor empty(IntArrayRef size, const TensorOptions& options = {});
Tensor zeros(IntArrayRef size, const TensorOptions& options = {});
Tensor ones(IntArrayRef size, const TensorOptions& options = {});
Tensor full(IntArrayRef size, double value, const TensorOptions& options = {});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);
// [start, end) by step; the dtype defaults to int64 when every argument is integral, as in PyTorch.
Tensor arange(double end, const TensorOptions& options = {});
Tensor arange(double start, double end, double step = 1, const TensorOptions& options = {});
Tensor arange(int64_t end, const TensorOptions& options = dtype(kInt64));
Tensor arange(int end, const TensorOptions& options = dtype(kInt64));
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& options = {});
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});
// As in libtorch, the dtype follows the values unless the options set one: tensor({1.5, 2.0})
// is float32 (the default dtype), tensor({1, 2}) int64, tensor({true, false}) bool,
// tensor({1, 2}, kFloat64) float64; tensor(2.5) and tensor(3) are 0-dim.
Tensor tensor(std::initializer_list<double> values, const TensorOptions& options = {});
Tensor tensor(const std::vector<double>& values, const TensorOptions& options = {});
Tensor tensor(const std::vector<float>& values, const TensorOptions& options = {});
Tensor tensor(const std::vector<int64_t>& values, const TensorOptions& options = {});
Tensor tensor(const std::vector<bool>& values, const TensorOptions& options = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, const TensorOptions& options = {});
Tensor tensor(double value, const TensorOptions& options = {});
namespace detail {
// A nested list's values, row by row; a ShapeError when the rows differ in length.
template <typename T>
std::vector<T> flatten_rows(std::initializer_list<std::initializer_list<T>> rows) {
    const std::size_t cols = rows.size() ? rows.begin()->size() : 0;
    std::vector<T> v;
    for (const auto& r : rows) {
        EMBER_ENFORCE(r.size() == cols, ShapeError, "tensor: ragged nested list (rows of ", cols, " and ", r.size(),
                      " values)");
        v.insert(v.end(), r.begin(), r.end());
    }
    return v;
}
}  // namespace detail
// Integer and bool lists: a template, so that a list of ints is an exact match here (an
// initializer_list<int64_t> overload would tie with the double one for int literals).
template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
Tensor tensor(std::initializer_list<T> values, const TensorOptions& options = {}) {
    if constexpr (std::is_same_v<T, bool>) {
        return tensor(std::vector<bool>(values), options);
    } else {
        return tensor(std::vector<int64_t>(values.begin(), values.end()), options);
    }
}
template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows, const TensorOptions& options = {}) {
    const std::vector<T> v = detail::flatten_rows(rows);
    const int64_t n = static_cast<int64_t>(rows.size()), cols = n ? static_cast<int64_t>(rows.begin()->size()) : 0;
    return tensor(std::vector<int64_t>(v.begin(), v.end()), options).view({n, cols});
}
template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
Tensor tensor(T value, const TensorOptions& options = {}) {
    return tensor(std::vector<int64_t>{static_cast<int64_t>(value)}, options).view({});
}
Tensor tensor(bool value, const TensorOptions& options = {});
Tensor scalar_tensor(double value, const TensorOptions& options = {});
// Wraps memory owned by the caller (no copy). `deleter`, if given, runs when the last view dies.
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {},
                 std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options = {},
                 std::function<void(void*)> deleter = {});

// ---- random (Philox 4x32-10; reproducible after manual_seed) ----
void manual_seed(uint64_t seed);
Tensor rand(IntArrayRef size, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options = dtype(kInt64));
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options = dtype(kInt64));
// Each element is 1 with probability p[i] (p in [0, 1]); same dtype as p.
Tensor bernoulli(const Tensor& p);
Tensor bernoulli(const Tensor& p, double scalar_p);
// bernoulli(sigmoid(logits)), fused into one pass on the CPU (an RBM's sampling step): it draws
// the same random numbers as the composition and, for contiguous logits, gives the same samples.
// No gradient (sampling is not differentiable).
Tensor sigmoid_bernoulli(const Tensor& logits);
Tensor randperm(int64_t n, const TensorOptions& options = dtype(kInt64));

// ---- elementwise (NumPy broadcasting) ----
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor pow(const Tensor& x, double exponent);
Tensor pow(const Tensor& x, const Tensor& exponent);
Tensor pow(double base, const Tensor& exponent);
// The one-argument ops: Tensor neg(const Tensor& x), exp, log, sqrt, sigmoid, tanh, relu, silu, ...
// (the list is ember/tensor/unary_ops.def).
#define EMBER_UNARY_METHOD(name) Tensor name(const Tensor& x);
#define EMBER_UNARY_FUNCTION(name) Tensor name(const Tensor& x);
#include "ember/tensor/unary_ops.def"
// log(1 + exp(beta x)) / beta, computed without overflow for large |x|; linear above `threshold`
// (in units of beta x) as in PyTorch.
Tensor softplus(const Tensor& x, double beta = 1, double threshold = 20);
// The fused backward ops of sigmoid, relu and softplus, as libtorch's (each differentiable, so a
// second-order gradient goes through them):
//   sigmoid_backward(g, y) = g y (1 - y) for y = sigmoid(x);
//   threshold_backward(g, x, t) = x <= t ? 0 : g (relu's backward is threshold_backward(g, relu(x), 0));
//   softplus_backward(g, x, beta, t) = beta x > t ? g : g sigmoid(beta x).
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output);
Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold);
Tensor softplus_backward(const Tensor& grad_output, const Tensor& self, double beta, double threshold);
// The activations of libtorch with parameters (torch::leaky_relu, elu, gelu, hardtanh), and
// their fused backward ops, each differentiable as the ones above:
//   leaky_relu(x, s) = x > 0 ? x : s x;
//   elu(x, alpha, scale, input_scale) = x > 0 ? scale x : scale alpha (e^(input_scale x) - 1);
//   gelu(x, "none") = x Phi(x) (Phi the standard normal CDF, computed with erf);
//   gelu(x, "tanh") = x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2;
//   hardtanh(x, lo, hi) = clamp(x, lo, hi), whose gradient is 0 at lo and hi too.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1, double scale = 1, double input_scale = 1);
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
Tensor hardtanh(const Tensor& x, double min_val = -1, double max_val = 1);
// g times the derivative, libtorch's signatures (is_result: the saved tensor is the output).
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& self, double negative_slope, bool self_is_result);
Tensor elu_backward(const Tensor& grad_output, double alpha, double scale, double input_scale, bool is_result,
                    const Tensor& self_or_result);
Tensor gelu_backward(const Tensor& grad_output, const Tensor& self, std::string_view approximate = "none");
Tensor hardtanh_backward(const Tensor& grad_output, const Tensor& self, double min_val, double max_val);
// In place, as libtorch's torch::relu_(x), ...: the tensor is overwritten and returned. With
// autograd the backward is the out-of-place op's (it saves a copy of the old values).
Tensor& relu_(Tensor& x);
Tensor& sigmoid_(Tensor& x);
Tensor& tanh_(Tensor& x);
Tensor& silu_(Tensor& x);
Tensor& leaky_relu_(Tensor& x, double negative_slope = 0.01);
Tensor& elu_(Tensor& x, double alpha = 1, double scale = 1, double input_scale = 1);
Tensor& gelu_(Tensor& x, std::string_view approximate = "none");
Tensor& hardtanh_(Tensor& x, double min_val = -1, double max_val = 1);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
Tensor clamp_min(const Tensor& x, double min);
Tensor clamp_max(const Tensor& x, double max);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
// cond ? a : b elementwise, broadcasting all three.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, double b);
Tensor where(const Tensor& condition, double a, const Tensor& b);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
bool equal(const Tensor& a, const Tensor& b);

// ---- reductions ----
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor max(const Tensor& x);
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor amin(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor argmax(const Tensor& x);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& x, IntArrayRef dims, bool keepdim = false);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor var(const Tensor& x, IntArrayRef dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, IntArrayRef dims, bool unbiased = true, bool keepdim = false);
// (sum |x|^p)^(1/p) over all elements or over `dim`; p = +-inf: max / min |x|; p = 0: the count
// of non-zeros (no gradient). A std::nullopt p means 2.
Tensor norm(const Tensor& x, const Scalar& p = 2);
Tensor norm(const Tensor& x, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim = false);
// Whether any / all elements are non-zero, as a bool tensor (no gradient).
Tensor any(const Tensor& x);
Tensor all(const Tensor& x);
Tensor any(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor all(const Tensor& x, int64_t dim, bool keepdim = false);
// Sums `x` over the broadcast dims so that it has shape `shape` (the adjoint of expand).
Tensor sum_to_size(const Tensor& x, IntArrayRef shape);

// ---- linear algebra ----
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
// beta * self + alpha * (a @ b), a and b 2-D, self broadcast to the product's shape (one GEMM).
Tensor addmm(const Tensor& self, const Tensor& a, const Tensor& b, double beta = 1, double alpha = 1);
// x W^T + b for x [N, in], W [out, in], b [out] (optional): one GEMM reading W transposed in
// place; its backward gives dW = g^T x directly in W's layout (as torch::linear).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- fused optimizer updates ----
// One step of torch.optim.SGD on `param`, in place, from `grad`: d = grad + weight_decay * param;
// with momentum, buf = momentum * buf + (1 - dampening) * d (buf = d on the first step, when
// `momentum_buffer` is undefined: it is created then), d = nesterov ? d + momentum * buf : buf;
// param -= lr * d. One pass over param, grad and buf on contiguous operands (the composed ops
// otherwise). Like every in-place update of a parameter, call it with grad mode off.
void sgd_step_(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, double lr, double momentum = 0,
               double dampening = 0, double weight_decay = 0, bool nesterov = false);

// ---- fused model statistics ----
// An RBM mini-batch's CD statistics, fused (what RBM::fit computes after its matrix products): with
// n data rows v_data [n, nv], h_data = E[h | v_data] and a_data = v_data W^T + c [n, nh], m model
// rows v_model [m, nv] with a_model [m, nh], and a_recon = h_data W + b [n, nv], returns the
// gradient of mean F(v_data) - mean F(v_model) in the layout of RBM's weight [nh, nv],
// visible_bias [nv] and hidden_bias [nh], then that free-energy gap and the reconstruction error
// mean_n sum_i (v_data - E[v | h_data])^2 as 0-dim float64 tensors on the inputs' device (read
// them when needed: on a GPU nothing here waits for the device). Bernoulli or Gaussian units on
// either side. No gradient. float32 or float64; the sums are in double, in an order that does
// not depend on the thread count.
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> rbm_cd_statistics(
    const Tensor& v_data, const Tensor& h_data, const Tensor& a_data, const Tensor& v_model, const Tensor& a_model,
    const Tensor& a_recon, const Tensor& visible_bias, bool gaussian_visible = false, bool gaussian_hidden = false);

// ---- shape and indexing ----
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Several views of x along `dim`, as libtorch's, each recording one shared backward node:
//   unbind(x, d): the size(d) slices x.select(d, i) (UnbindBackward0: the gradients stacked);
//   split(x, s, d): pieces of length s, the last one shorter when s does not divide size(d)
//     (SplitBackward0: the gradients concatenated); one empty piece when size(d) is 0;
//   chunk(x, c, d): split(x, ceil(size(d) / c), d), so at most c pieces (c empty ones when
//     size(d) is 0).
// The gradient of an output nobody used is zeros.
std::vector<Tensor> unbind(const Tensor& x, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// out = copy of x with out[index[i][j]][j] += src[i][j] (dim 0); the adjoint of gather.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// out = copy of x with rows index[i] (along dim) += src's slice i; the adjoint of index_select.
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& x, IntArrayRef dims);
Tensor reshape(const Tensor& x, IntArrayRef shape);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
Tensor expand(const Tensor& x, IntArrayRef shape);
// Copies of x with `value` where the mask (broadcast to x's shape) is true; the value is a number
// or a 0-dim tensor (which gets a gradient). The _ forms write into x.
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);
// The elements of x where the mask is true (both broadcast together), as a 1-D tensor in
// row-major order.
Tensor masked_select(const Tensor& x, const Tensor& mask);
// The positions of the non-zero elements: int64 [count, x.dim()], in row-major order.
Tensor nonzero(const Tensor& x);
// Splits along dim beside split(x, int) and chunk above: pieces of the given sizes (which must
// add up to the size); tensor_split's `sections` nearly equal pieces (the first size % sections
// one longer) or the pieces between the given indices. Every piece is a view (narrow).
std::vector<Tensor> split(const Tensor& x, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& x, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& x, int64_t sections, int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& x, IntArrayRef indices, int64_t dim = 0);
// Reverses the order of elements along each of `dims`.
Tensor flip(const Tensor& x, IntArrayRef dims);
// Rotates along each dim by its shift (elements pushed off the end come back at the start); with
// no dims, over the flattened tensor, reshaped back.
Tensor roll(const Tensor& x, IntArrayRef shifts, IntArrayRef dims = {});
// Pads the last len(pad) / 2 dims with `value`: pad = {left of the last dim, right of it, left of
// the one before, ...}; a negative entry crops.
Tensor constant_pad_nd(const Tensor& x, IntArrayRef pad, const Scalar& value = 0);

// ---- sorting, scans, sampling ----
// The values along dim in ascending (descending) order, and their positions in x. Stable: equal
// values keep their order (libtorch's sort is stable only when asked; ember's always is). NaN
// sorts above every number, as in libtorch.
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false);
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> stable, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, bool stable, int64_t dim = -1, bool descending = false);
// The k largest (smallest) values along dim and their positions, in sorted order (also with
// sorted = false, which libtorch allows to return any order).
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
// Running sums (products) along dim, in dtype if given (else x's, int64 for bool).
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
// num_samples category indices (int64) per row of the non-negative weights x ([C] or [rows, C]),
// drawn with probability proportional to the weights from ember's Philox stream (reproducible
// after manual_seed). Without replacement the samples of a row are distinct.
Tensor multinomial(const Tensor& x, int64_t num_samples, bool replacement = false);

// The shape both shapes broadcast to; ShapeError naming `op` and both shapes if they do not.
Shape broadcast_shapes(IntArrayRef a, IntArrayRef b, const char* op = "broadcast");

}  // namespace ember
