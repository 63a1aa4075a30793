#include "distributed/argument_checks.h"

#include "ember/tensor/error.h"

namespace ember::distributed::detail {

namespace {
// Runs `check`, returning what it threw.
template <typename F>
std::exception_ptr capture(F&& check) {
    try {
        check();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}
}  // namespace

std::string ArgumentChecks::where(const char* collective) const {
    return str_cat("ember::distributed::", collective, " (rank ", rank, " of ", size, "): ");
}

std::exception_ptr ArgumentChecks::tensor(const char* collective, const char* role, const Tensor& t) const {
    return capture([&] {
        EMBER_ENFORCE(t.defined(), ValueError, where(collective), "the ", role, " tensor is undefined");
        EMBER_ENFORCE(t.device().type == device, DeviceError, where(collective), "the ", role, " tensor is on ",
                      t.device(), ", but the ", backend, " backend takes ", device == kCPU ? "CPU" : "CUDA",
                      " tensors (the ", device == kCPU ? "nccl" : "mpi", " backend takes ",
                      device == kCPU ? "CUDA" : "CPU", " tensors)");
        EMBER_ENFORCE(t.numel() <= max_numel, ValueError, where(collective), "the ", role, " tensor has ", t.numel(),
                      " elements; the ", backend, " backend passes at most ", max_numel, " per collective");
    });
}

std::exception_ptr ArgumentChecks::op(const char* collective, ReduceOp op, const Tensor& t) const {
    return capture([&] {
        EMBER_ENFORCE(op != ReduceOp::AVG || t.is_floating_point(), DTypeError, where(collective),
                      "ReduceOp::AVG needs a floating tensor, got ", dtype_name(t.scalar_type()), " ",
                      shape_str(t.sizes()));
    });
}

std::exception_ptr ArgumentChecks::src(const char* collective, int src) const {
    return capture([&] {
        EMBER_ENFORCE(src >= 0 && src < size, IndexError, where(collective), "src ", src,
                      " is not a rank of a world of size ", size);
    });
}

std::exception_ptr ArgumentChecks::list(const char* collective, const char* role, const std::vector<Tensor>& list,
                                        const Tensor& like) const {
    return capture([&] {
        EMBER_ENFORCE(static_cast<int>(list.size()) == size, ValueError, where(collective), "the ", role, " list has ",
                      list.size(), " tensors, expected one per rank (world size ", size, ")");
        for (size_t r = 0; r < list.size(); ++r) {
            if (auto e = tensor(collective, role, list[r])) std::rethrow_exception(e);
            EMBER_ENFORCE(list[r].scalar_type() == like.scalar_type() && list[r].sizes() == like.sizes(), ShapeError,
                          where(collective), role, "[", r, "] is ", dtype_name(list[r].scalar_type()), " ",
                          shape_str(list[r].sizes()), " but must match ", dtype_name(like.scalar_type()), " ",
                          shape_str(like.sizes()));
        }
    });
}

}  // namespace ember::distributed::detail
