#pragma once
// ProcessGroup: the interface every backend implements (c10d's shape). Each collective starts the
// operation and returns its Work; the tensors must not be touched until Work::wait() returns.
// Every rank must call the same collectives in the same order, as with MPI and NCCL.
#include <memory>
#include <string>
#include <vector>

#include "ember/distributed/reduce_op.h"
#include "ember/distributed/work.h"
#include "ember/tensor/tensor.h"

namespace ember::distributed {

class ProcessGroup {
public:
    ProcessGroup(int rank, int size) : rank_(rank), size_(size) {}
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;
    virtual ~ProcessGroup() = default;

    int getRank() const { return rank_; }
    int getSize() const { return size_; }
    virtual std::string getBackendName() const = 0;

    // In place: every rank's `tensor` becomes the reduction over all ranks.
    virtual std::shared_ptr<Work> allreduce(const Tensor& tensor, ReduceOp op) = 0;
    // In place: every rank's `tensor` becomes rank `src`'s.
    virtual std::shared_ptr<Work> broadcast(const Tensor& tensor, int src) = 0;
    // outputs[r] becomes rank r's `input`; outputs has world-size tensors shaped like input.
    virtual std::shared_ptr<Work> allgather(const std::vector<Tensor>& outputs, const Tensor& input) = 0;
    // output becomes the reduction over ranks of their inputs[this rank].
    virtual std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs,
                                                 ReduceOp op) = 0;
    virtual std::shared_ptr<Work> barrier() = 0;

protected:
    int rank_;
    int size_;
};

}  // namespace ember::distributed
