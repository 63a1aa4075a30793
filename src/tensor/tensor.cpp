// Metadata of the Tensor handle: shapes, strides, views, and the release of its graph node. No
// math and no memory management live here (allocators and make_empty: allocator.cpp; devices:
// device.cpp).
#include "ember/tensor/tensor.h"

#include <sstream>

#include "ember/tensor/object_pool.h"

namespace ember {

namespace {
// Destroying the head of a long graph would otherwise recurse once per node (node -> edge ->
// node ...) and overflow the stack. Instead, the last reference to a node is handed to this
// thread-local queue and the outermost release drains it in a loop.
thread_local std::vector<std::shared_ptr<autograd::Node>> t_release_queue;
thread_local bool t_draining = false;
}  // namespace

void release_node(std::shared_ptr<autograd::Node>&& node) {
    if (!node) return;
    if (node.use_count() > 1) {
        node.reset();
        return;
    }
    t_release_queue.push_back(std::move(node));
    if (t_draining) return;
    t_draining = true;
    while (!t_release_queue.empty()) {
        std::shared_ptr<autograd::Node> n = std::move(t_release_queue.back());
        t_release_queue.pop_back();
        n.reset();
    }
    t_draining = false;
}

TensorImpl::~TensorImpl() { release_node(std::move(grad_fn)); }

void TensorImpl::refresh() {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    numel = n;
    // Contiguous means row-major with no gaps; dims of size 1 may have any stride.
    bool contiguous = true;
    int64_t expected = 1;
    for (std::size_t i = sizes.size(); i-- > 0;) {
        if (sizes[i] == 1) continue;
        if (strides[i] != expected) {
            contiguous = false;
            break;
        }
        expected *= sizes[i];
    }
    is_contiguous = contiguous || n == 0;
}

void Tensor::throw_undefined() {
    throw ValueError("operation on an undefined Tensor (default-constructed, or a grad that was never computed)");
}

int64_t Tensor::size(int64_t d) const { return checked().sizes[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return checked().strides[wrap_dim(d, dim(), "stride")]; }

Shape contiguous_strides(IntArrayRef sizes) {
    Shape strides;
    detail::fill_contiguous_strides(sizes, strides);
    return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
    int64_t n = ndim > 0 ? ndim : 1;  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
    EMBER_ENFORCE(dim >= -n && dim < n, IndexError, op, ": dimension ", dim, " is out of range for a tensor with ",
                  ndim, " dims (expected a value in [", -n, ", ", n - 1, "])");
    return dim < 0 ? dim + n : dim;
}

Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset) {
    auto impl = detail::make_pooled<TensorImpl>();
    impl->sizes.assign(sizes.begin(), sizes.end());
    impl->strides.assign(strides.begin(), strides.end());
    impl->storage_offset = storage_offset;
    impl->dtype = base.dtype();
    impl->device = base.device();
    impl->storage = base.storage();
    impl->is_view = true;
    impl->refresh();
    return Tensor(std::move(impl));
}

std::string shape_str(IntArrayRef shape) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
    os << ']';
    return os.str();
}

std::string describe(const Tensor& t) {
    if (!t.defined()) return "Tensor(undefined)";
    return str_cat("Tensor", shape_str(t.sizes()), " ", dtype_name(t.dtype()), " ", t.device().str());
}

}  // namespace ember
