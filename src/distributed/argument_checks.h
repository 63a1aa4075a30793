#pragma once
// The checks a rank can make alone on a collective's arguments, shared by the backends. Each
// returns the error instead of throwing it: the rank sends "my arguments are bad" in its header,
// and every rank throws after the exchange (collective_header.h), so nobody waits forever.
#include <exception>
#include <string>
#include <vector>

#include "ember/distributed/reduce_op.h"
#include "ember/tensor/tensor.h"

namespace ember::distributed::detail {

struct ArgumentChecks {
    const char* backend;  // "mpi", "nccl"
    DeviceType device;    // where this backend's tensors must live
    int rank;
    int size;
    int64_t max_numel;  // the most elements one collective passes

    // "ember::distributed::<collective> (rank r of n): "
    std::string where(const char* collective) const;
    std::exception_ptr tensor(const char* collective, const char* role, const Tensor& t) const;
    std::exception_ptr op(const char* collective, ReduceOp op, const Tensor& t) const;
    std::exception_ptr src(const char* collective, int src) const;
    // One tensor per rank, each shaped and typed like `like`.
    std::exception_ptr list(const char* collective, const char* role, const std::vector<Tensor>& list,
                            const Tensor& like) const;
};

}  // namespace ember::distributed::detail
