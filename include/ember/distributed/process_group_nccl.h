#pragma once
// ProcessGroupNCCL: collectives on CUDA tensors through NCCL (c10d's ProcessGroupNCCL).
//
// Bootstrap over MPI: rank and world size come from MPI (mpirun's environment), rank 0 makes the
// NCCL unique id and broadcasts it over MPI, and every rank joins the communicator with it. The
// MPI group stays for two jobs NCCL does not do: before each collective the ranks all-gather the
// same 16-integer header as the mpi backend (so mismatched shapes, dtypes, ops or collectives and
// one rank's bad argument are the same ember::Error on every rank, and a rank that never arrives
// is caught by the MPI group's timeout instead of a hang inside a GPU kernel), and barrier().
//
// Streams: ember runs every kernel on the CUDA default stream, and so does each collective here.
// The call enqueues the NCCL kernel and returns a completed Work: later ember kernels are ordered
// after it by the stream, and a copy to the host waits for it, so wait() has nothing left to do
// (c10d's wait() also only orders the caller's stream). The cost of one stream: a collective does
// not overlap the kernels queued after it.
//
// One rank per GPU, each process seeing its GPU as cuda:0 (ember's CUDA backend uses one device),
// e.g. mpirun -np 4 sh -c 'CUDA_VISIBLE_DEVICES=$OMPI_COMM_WORLD_LOCAL_RANK ./train'.
#include <chrono>
#include <memory>
#include <string>

#include "ember/distributed/process_group.h"
#include "ember/distributed/process_group_mpi.h"

namespace ember::distributed {

class ProcessGroupNCCL : public ProcessGroup {
public:
    // Initialises MPI (through ProcessGroupMPI, with its `timeout`) and the NCCL communicator.
    // Throws ember::Error when ember was built without NCCL, or when no GPU is usable.
    static std::shared_ptr<ProcessGroupNCCL> createProcessGroupNCCL(
        std::chrono::milliseconds timeout = ProcessGroupMPI::kDefaultTimeout);

    ~ProcessGroupNCCL() override;
    std::string getBackendName() const override { return "nccl"; }

    std::shared_ptr<Work> allreduce(const Tensor& tensor, ReduceOp op) override;
    std::shared_ptr<Work> broadcast(const Tensor& tensor, int src) override;
    std::shared_ptr<Work> allgather(const std::vector<Tensor>& outputs, const Tensor& input) override;
    std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs, ReduceOp op) override;
    std::shared_ptr<Work> barrier() override;

    // Waits for the queued collectives, destroys the communicator, then shuts the MPI group down.
    void shutdown();

    struct Impl;

private:
    ProcessGroupNCCL(int rank, int size, std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ember::distributed
