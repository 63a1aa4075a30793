// The kernels of EMBER_DECLARE_KERNELS that the CUDA backend does not implement yet. Each one
// throws NotImplementedError naming itself, so the library links, a CUDA tensor supports what is
// implemented (factories, copies, elementwise arithmetic and comparisons), and anything else fails
// loudly instead of silently running on the wrong device. docs/cuda.md lists what is missing.
#include "cuda/kernels.h"
#include "ember/tensor/error.h"

namespace ember::cuda {

using namespace ember::kernels;

namespace {
[[noreturn]] void not_implemented(const char* kernel) {
    throw NotImplementedError(str_cat(kernel,
                                      ": not implemented on CUDA yet (see docs/cuda.md); move the tensors "
                                      "to the CPU with .cpu() for this op"));
}
}  // namespace

void where_kernel(const StridedIter&) { not_implemented("where_kernel"); }
void reduce_kernel(ReduceOp, const Reduce2D&) { not_implemented("reduce_kernel"); }
void softmax_kernel(bool, ScalarType, const void*, void*, int64_t, int64_t) { not_implemented("softmax_kernel"); }
int64_t index_select_kernel(ScalarType, const void*, int64_t, int64_t, int64_t, const int64_t*, int64_t, void*) {
    not_implemented("index_select_kernel");
}
int64_t index_add_kernel(ScalarType, void*, int64_t, int64_t, int64_t, const int64_t*, int64_t, const void*) {
    not_implemented("index_add_kernel");
}
int64_t gather_kernel(ScalarType, const StridedIter&, const char*, const int64_t*, int64_t, int64_t) {
    not_implemented("gather_kernel");
}
int64_t scatter_add_kernel(ScalarType, const StridedIter&, char*, const int64_t*, int64_t, int64_t) {
    not_implemented("scatter_add_kernel");
}
}  // namespace ember::cuda
