#pragma once
// ember::distributed: torch.distributed's functions over a default process group.
//
//   ember::distributed::init_process_group("mpi");   // under mpirun -np N
//   auto t = ember::ones({4}) * (ember::distributed::rank() + 1);
//   ember::distributed::all_reduce(t);                // t = 1 + 2 + ... + N everywhere
//   auto work = ember::distributed::all_reduce(t, ReduceOp::MAX, /*async_op=*/true);
//   work->wait();
//   ember::distributed::destroy_process_group();
//
// The synchronous forms return a completed Work (PyTorch returns None), so code written for the
// async form runs unchanged. See docs/distributed.md.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ember/distributed/process_group.h"
#include "ember/distributed/process_group_mpi.h"
#include "ember/distributed/process_group_nccl.h"
#include "ember/distributed/reduce_op.h"
#include "ember/distributed/work.h"
#include "ember/tensor/tensor.h"

namespace ember::distributed {

// True when ember was built with an MPI (the "mpi" backend exists).
bool is_mpi_available();
bool is_nccl_available();

// backend: "mpi" (CPU tensors) or "nccl" (CUDA tensors, one GPU per rank; built when ember has
// its CUDA backend, MPI and NCCL, else it throws saying so). Rank and world size come from
// MPI (mpirun's environment). Installs the handler that turns an uncaught exception on any rank
// into MPI_Abort naming the rank, so the other ranks never hang (see docs/distributed.md).
// timeout: how long a collective may wait for the other ranks before the job is aborted with a
// message naming this rank and the collective (torch.distributed's default, 30 minutes).
void init_process_group(const std::string& backend,
                        std::chrono::milliseconds timeout = ProcessGroupMPI::kDefaultTimeout);
bool is_initialized();
// Drains the default group's queued collectives, finalises MPI and forgets the group.
void destroy_process_group();
// The default group (throws before init_process_group).
std::shared_ptr<ProcessGroup> get_default_group();

int get_rank();
int get_world_size();
// torch.distributed's short spellings of the two above.
inline int rank() { return get_rank(); }
inline int world_size() { return get_world_size(); }
std::string get_backend();

std::shared_ptr<Work> barrier(bool async_op = false);
std::shared_ptr<Work> all_reduce(const Tensor& tensor, ReduceOp op = ReduceOp::SUM, bool async_op = false);
std::shared_ptr<Work> broadcast(const Tensor& tensor, int src, bool async_op = false);
std::shared_ptr<Work> all_gather(const std::vector<Tensor>& outputs, const Tensor& input, bool async_op = false);
std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs,
                                     ReduceOp op = ReduceOp::SUM, bool async_op = false);

}  // namespace ember::distributed
