#pragma once
// ProcessGroupMPI: collectives on CPU tensors through Open MPI (or any MPI).
//
// Threading: one communication thread per group issues every MPI call, in the order the
// collectives were started, and MPI is initialised with MPI_THREAD_SERIALIZED. A single thread
// keeps the order of collectives identical on every rank without locks around MPI (a program that
// starts collectives from two threads still gets one global order), needs only the thread level
// every MPI build provides, and lets `async_op` overlap communication with the caller's compute.
// (MPI_THREAD_MULTIPLE with non-blocking calls would give no more overlap here and is slower or
// missing in some MPI builds.)
//
// Checks: before each payload the ranks all-gather a 16-integer header (collective, dtype, op,
// root, shape, and a flag saying this rank's arguments were invalid), so mismatched shapes or
// dtypes, or one rank's bad argument, become the same ember::Error on every rank instead of a
// hang or garbage. Cost: one extra latency-bound MPI_Allgather of 128 bytes per collective.
#include <chrono>
#include <memory>
#include <string>

#include "ember/distributed/process_group.h"

namespace ember::distributed {

class ProcessGroupMPI : public ProcessGroup {
public:
    // Initialises MPI (MPI_Init_thread, once per process) and makes the group over MPI_COMM_WORLD.
    // A collective that has not completed after `timeout` (a rank never joined it) makes the
    // group's watchdog print which collective on which rank and call MPI_Abort, which ends the
    // job. Throws ember::Error when ember was built without MPI.
    static std::shared_ptr<ProcessGroupMPI> createProcessGroupMPI(std::chrono::milliseconds timeout = kDefaultTimeout);
    // torch.distributed's default timeout: 30 minutes.
    static constexpr std::chrono::milliseconds kDefaultTimeout{30 * 60 * 1000};

    ~ProcessGroupMPI() override;
    std::string getBackendName() const override { return "mpi"; }

    std::shared_ptr<Work> allreduce(const Tensor& tensor, ReduceOp op) override;
    std::shared_ptr<Work> broadcast(const Tensor& tensor, int src) override;
    std::shared_ptr<Work> allgather(const std::vector<Tensor>& outputs, const Tensor& input) override;
    std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs, ReduceOp op) override;
    std::shared_ptr<Work> barrier() override;

    // Finishes the queued collectives, stops the communication thread and calls MPI_Finalize.
    // MPI cannot be initialised twice, so a process makes at most one MPI group.
    void shutdown();

    struct Impl;

private:
    ProcessGroupMPI(int rank, int size, std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ember::distributed
