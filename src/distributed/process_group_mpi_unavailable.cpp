// Built instead of process_group_mpi.cpp when CMake found no MPI (or EMBER_DISTRIBUTED=OFF):
// the rest of ember works, and asking for the mpi backend says why it cannot.
#include "ember/distributed/process_group_mpi.h"
#include "ember/tensor/error.h"

namespace ember::distributed {

struct ProcessGroupMPI::Impl {};

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::createProcessGroupMPI(std::chrono::milliseconds) {
    throw NotImplementedError(
        "ember::distributed::init_process_group(\"mpi\"): ember was built without MPI (CMake found no MPI, or "
        "EMBER_DISTRIBUTED=OFF); install libopenmpi-dev and openmpi-bin (scripts/setup.sh test) and rebuild");
}

ProcessGroupMPI::ProcessGroupMPI(int rank, int size, std::unique_ptr<Impl> impl)
    : ProcessGroup(rank, size), impl_(std::move(impl)) {}
ProcessGroupMPI::~ProcessGroupMPI() = default;
void ProcessGroupMPI::shutdown() {}
std::shared_ptr<Work> ProcessGroupMPI::allreduce(const Tensor&, ReduceOp) { return createProcessGroupMPI(), nullptr; }
std::shared_ptr<Work> ProcessGroupMPI::broadcast(const Tensor&, int) { return createProcessGroupMPI(), nullptr; }
std::shared_ptr<Work> ProcessGroupMPI::allgather(const std::vector<Tensor>&, const Tensor&) {
    return createProcessGroupMPI(), nullptr;
}
std::shared_ptr<Work> ProcessGroupMPI::reduce_scatter(const Tensor&, const std::vector<Tensor>&, ReduceOp) {
    return createProcessGroupMPI(), nullptr;
}
std::shared_ptr<Work> ProcessGroupMPI::barrier() { return createProcessGroupMPI(), nullptr; }

}  // namespace ember::distributed
