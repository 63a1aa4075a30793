#pragma once
// --distributed for the demos that train through autograd (MLP, autoencoder fine-tuning): the model
// wrapped in nn::parallel::DistributedDataParallel, each rank on its shard of every epoch
// (a DistributedRandomSampler) in batches of global / world rows, so the global batch and the
// number of examples per epoch stay those of the single-process run. docs/distributed.md.
#include <ostream>

#include "common.h"

namespace demo {

// The per-rank batches of one epoch. The shards of the ranks are disjoint and together cover every
// example once per epoch (the few of the padding, when world does not divide N, twice); every rank
// has the same number of batches, of the same sizes, so every rank runs the same backwards (DDP's
// all-reduces must match) and averaging over ranks gives the global batch's mean loss.
class ShardedBatches {
public:
    ShardedBatches(const Split& split, const Distributed& dist, int64_t global_batch)
        : split_(split),
          sampler_(static_cast<size_t>(split.x.size(0)), static_cast<size_t>(dist.world),
                   static_cast<size_t>(dist.rank)),
          batch_(global_batch / dist.world) {
        EMBER_ENFORCE(global_batch % dist.world == 0, ValueError, "--distributed: the global batch ", global_batch,
                      " is not a multiple of the world size ", dist.world);
        const int64_t world = dist.world;
        shard_ = (split.x.size(0) + world - 1) / world;
    }
    int64_t batches() const { return (shard_ + batch_ - 1) / batch_; }
    int64_t shard_size() const { return shard_; }
    // Epoch e's order is a function of e alone, the same on every rank without communication.
    void start_epoch(int64_t e) {
        sampler_.set_epoch(static_cast<size_t>(e - 1));
        sampler_.reset();
    }
    // This rank's next batch; false at the end of the epoch.
    bool next(Tensor& x, Tensor& y) {
        auto idx = sampler_.next(static_cast<size_t>(batch_));
        if (!idx || idx->empty()) return false;
        Tensor i = tensor(std::vector<int64_t>(idx->begin(), idx->end()));
        x = split_.x.index_select(0, i);
        y = split_.y.index_select(0, i);
        return true;
    }

private:
    const Split& split_;
    data::samplers::DistributedRandomSampler sampler_;
    int64_t batch_, shard_ = 0;
};

// What DDP's gradient synchronisation cost over a run, from its per-backward stats: the mean time a
// step waited for the all-reduces at the end of backward, and the fraction of the buckets whose
// all-reduce started during backward (overlapping the gradients still to come).
struct SyncCost {
    int64_t steps = 0, buckets = 0, overlapped = 0;
    double wait_seconds = 0;

    template <typename DDP>
    void after_backward(const DDP& ddp) {
        const auto& s = ddp->stats();
        ++steps;
        wait_seconds += s.last_step_wait_seconds;
        overlapped += s.last_step_buckets_overlapped;
        buckets += static_cast<int64_t>(ddp->bucket_parameter_names().size());
    }
    double mean_wait_seconds() const { return steps ? wait_seconds / static_cast<double>(steps) : 0.0; }
    double overlap_fraction() const {
        return buckets ? static_cast<double>(overlapped) / static_cast<double>(buckets) : 0.0;
    }
};

// The keys --distributed adds to a demo's closing JSON line.
inline void add_distributed_json(Json& j, const Distributed& dist, double examples_per_second_per_rank,
                                 const SyncCost& cost) {
    j.add("world_size", static_cast<double>(dist.world))
        .add("examples_per_second_per_rank", examples_per_second_per_rank)
        .add("ddp_wait_seconds_per_step", cost.mean_wait_seconds())
        .add("ddp_buckets_overlapped_fraction", cost.overlap_fraction());
}

// A stream that drops what it is given: the progress bars of the ranks other than 0.
inline std::ostream& null_stream() {
    static std::ostream s(nullptr);
    return s;
}

// A checkpoint holds one rank's generator and loop position; the other ranks' dropout draws and
// shards would not be restored, so a resumed data-parallel run would drift from the uninterrupted
// one. Refused rather than resumed approximately (docs/checkpoints.md).
inline void refuse_distributed_resume(const CheckpointOptions& ckpt) {
    EMBER_ENFORCE(!ckpt.resuming(), NotImplementedError, "--resume with --distributed is not supported: a checkpoint ",
                  "holds rank 0's generator and loop position only; restart the run");
}

struct DistributedTraining {
    std::vector<double> accuracy;  // after each epoch, on rank 0 (empty elsewhere)
    SyncCost cost;
    double train_seconds = 0;       // in the training steps, evaluation excluded
    int64_t examples_per_rank = 0;  // visited by this rank over the run
};

// train_classifier's data-parallel twin: the same model, optimizer, schedule and global batch of
// 128, wrapped in DDP. Rank 0 evaluates and prints after each epoch and writes the checkpoints (of
// the unwrapped model, so that their keys are the single-process run's).
inline DistributedTraining train_classifier_distributed(nn::Sequential& model, const Data& d, int64_t epochs, double lr,
                                                        Device device, const std::string& label, uint64_t seed,
                                                        const Distributed& dist, double gamma = 0.85,
                                                        const CheckpointOptions& ckpt = {}) {
    refuse_distributed_resume(ckpt);
    nn::parallel::DistributedDataParallel ddp(model);      // rank 0's initial parameters everywhere
    manual_seed(seed + static_cast<uint64_t>(dist.rank));  // each rank its own dropout masks
    optim::Adam opt(ddp->parameters(), optim::AdamOptions(lr));
    optim::ExponentialLR schedule(opt, gamma);
    ShardedBatches shard(d.train, dist, 128);
    DistributedTraining out;
    std::ostream& progress = dist.is_main() ? std::cerr : null_stream();
    for (int64_t e = 1; e <= epochs; ++e) {
        ddp->train();
        data::ProgressBar bar(shard.batches(), label + " epoch " + std::to_string(e) + "/" + std::to_string(epochs),
                              &progress, "batches");
        shard.start_epoch(e);
        TrainingState where;
        where.epoch = e;
        int64_t step = 0;
        const auto t0 = std::chrono::steady_clock::now();
        Tensor x, y;
        while (shard.next(x, y)) {
            Tensor loss = nn::functional::cross_entropy(ddp(x.to(device)), y.to(device));
            opt.zero_grad();
            loss.backward();  // .grad: the average over the ranks
            out.cost.after_backward(ddp);
            opt.step();
            out.examples_per_rank += x.size(0);
            bar.update(1, {{"loss", loss.item<double>()}});
            where.step = ++step;
            ckpt.after_batch((e - 1) * shard.batches() + step, *model, opt, where);
        }
        out.train_seconds += seconds_since(t0);
        bar.finish();
        schedule.step();
        if (!dist.is_main()) continue;  // the others go on to the next epoch's first all-reduce
        model->eval();
        out.accuracy.push_back(accuracy(model, d.test.x, d.test.y, device));
        std::cout << label << " epoch " << e << ": test accuracy " << std::fixed << std::setprecision(4)
                  << out.accuracy.back() << std::endl;
    }
    return out;
}

}  // namespace demo
