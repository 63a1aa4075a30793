#pragma once
// Data-parallel RBM::fit (RBMTrainOptions::process_group): the shards of a global batch, the
// random streams, and the one all-reduce of a batch's statistics. Internal to ember.
#include <memory>

#include "ember/distributed/process_group.h"
#include "nn/rbm_batch.h"

namespace ember::nn::detail {

// Rows [start, start + size) of `rows` taken by rank `rank` of `world`: contiguous shards in rank
// order whose sizes differ by at most one, the first rows % world ranks one row longer
// (numpy.array_split's rule). Sizes may be 0 when rows < world.
struct Shard {
    int64_t start = 0, size = 0;
};
Shard shard_of(int64_t rows, int rank, int world);

class DataParallel {
public:
    explicit DataParallel(std::shared_ptr<distributed::ProcessGroup> group);
    int rank() const { return group_->getRank(); }
    int world() const { return group_->getSize(); }

    // Collective. Throws the same ember::Error on every rank when the ranks' data differ in
    // rows, or when batch_size, the rows or a nonzero n_chains are below the world size.
    void check(int64_t rows, const RBMTrainOptions& o) const;
    // Collective: every rank's parameters become rank 0's.
    void broadcast_parameters(RBMImpl& rbm) const;
    // Collective: the fit's seed s, drawn from rank 0's generator.
    void draw_seed();
    // ember::manual_seed(stream(s, epoch, 0)): the shuffle, the same on every rank.
    void seed_shuffle(int64_t epoch) const;
    // ember::manual_seed(stream(s, epoch, rank + 1)): this rank's Gibbs sampling.
    void seed_sampling(int64_t epoch) const;
    // Collective: each rank's share of the batch statistics becomes their sum over the ranks, by
    // one all-reduce of one flat buffer [dW | db | dc | gap | error | (mean h | mean v)] in the
    // parameters' dtype (staged through the host for a CUDA model on the mpi backend; nccl takes
    // it on the GPU); the gap and the error come
    // back as 0-dim float64 tensors, the others as views of the buffer.
    void all_reduce(BatchStatistics& s);
    // Seconds spent in all_reduce since the last call.
    double take_allreduce_seconds();

private:
    std::shared_ptr<distributed::ProcessGroup> group_;
    uint64_t seed_ = 0;
    double allreduce_seconds_ = 0;
};

}  // namespace ember::nn::detail
