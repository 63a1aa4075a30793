// Built instead of process_group_nccl.cpp when ember has no CUDA backend, no MPI or no NCCL: the
// rest of ember works, and asking for the nccl backend says why it cannot.
#include "ember/distributed/process_group_nccl.h"
#include "ember/tensor/error.h"

namespace ember::distributed {

struct ProcessGroupNCCL::Impl {};

std::shared_ptr<ProcessGroupNCCL> ProcessGroupNCCL::createProcessGroupNCCL(std::chrono::milliseconds) {
    throw NotImplementedError(
        "ember::distributed::init_process_group(\"nccl\"): ember was built without NCCL (it needs the CUDA backend, "
        "MPI for the bootstrap, and nccl.h with libnccl from the CUDA toolkit); use \"mpi\" for CPU tensors");
}

ProcessGroupNCCL::ProcessGroupNCCL(int rank, int size, std::unique_ptr<Impl> impl)
    : ProcessGroup(rank, size), impl_(std::move(impl)) {}
ProcessGroupNCCL::~ProcessGroupNCCL() = default;
void ProcessGroupNCCL::shutdown() {}
std::shared_ptr<Work> ProcessGroupNCCL::allreduce(const Tensor&, ReduceOp) { return createProcessGroupNCCL(), nullptr; }
std::shared_ptr<Work> ProcessGroupNCCL::broadcast(const Tensor&, int) { return createProcessGroupNCCL(), nullptr; }
std::shared_ptr<Work> ProcessGroupNCCL::allgather(const std::vector<Tensor>&, const Tensor&) {
    return createProcessGroupNCCL(), nullptr;
}
std::shared_ptr<Work> ProcessGroupNCCL::reduce_scatter(const Tensor&, const std::vector<Tensor>&, ReduceOp) {
    return createProcessGroupNCCL(), nullptr;
}
std::shared_ptr<Work> ProcessGroupNCCL::barrier() { return createProcessGroupNCCL(), nullptr; }

}  // namespace ember::distributed
