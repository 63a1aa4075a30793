#pragma once
// DistributedDataParallel's gradient reducer: the buckets, the per-parameter hooks that fill them
// and start their all-reduces, and the backward's final callback that waits and writes .grad.
// PyTorch's torch/csrc/distributed/c10d/reducer.cpp, cut down to one process group and one device.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "ember/distributed/process_group.h"
#include "ember/distributed/work.h"
#include "ember/nn/parallel/distributed.h"
#include "ember/tensor/tensor.h"

namespace ember::nn::parallel::detail {

class Reducer : public std::enable_shared_from_this<Reducer> {
public:
    // names[i] is the name of params[i]; only parameters that require grad, each once.
    Reducer(std::vector<Tensor> params, std::vector<std::string> names,
            std::shared_ptr<distributed::ProcessGroup> group, const DistributedDataParallelOptions& options);
    ~Reducer();
    Reducer(const Reducer&) = delete;
    Reducer& operator=(const Reducer&) = delete;

    // Registers the hooks (needs shared_from_this, so it is not done by the constructor).
    void install_hooks();
    // Called by every forward: with grad mode on and no no_sync guard, the backward of this
    // forward all-reduces. An unfinished earlier step (its backward threw) is drained first.
    void prepare_for_backward();

    bool sync_enabled = true;  // false while a no_sync guard lives
    DistributedDataParallelStats stats;
    std::vector<std::vector<std::string>> bucket_parameter_names() const;

private:
    struct Param {
        Tensor tensor;
        std::string name;
        std::size_t bucket = 0;
        int64_t offset = 0;  // of its slice in the bucket's flat buffer
        unsigned hook = 0;
        bool hooked = false;      // `hook` is ours to remove
        bool ready = false;       // its gradient is in the bucket for this step
        bool used_local = false;  // a gradient arrived since the last sync (find_unused_parameters)
    };
    struct Bucket {
        Tensor flat;
        std::vector<std::size_t> params;
        std::size_t pending = 0;  // parameters whose gradient has not arrived yet this step
        std::shared_ptr<distributed::Work> work;
    };

    void build_buckets(double cap_mb);
    void on_gradient(std::size_t index, const Tensor& grad);
    void launch_ready_buckets();
    void finalize_backward();
    void wait_all_quietly();
    void reset_step();

    std::vector<Param> params_;
    std::vector<Bucket> buckets_;
    std::shared_ptr<distributed::ProcessGroup> group_;
    bool find_unused_;
    bool armed_ = false;            // this backward syncs (set by the forward before it)
    bool callback_queued_ = false;  // the final callback of this backward is queued
    std::size_t next_bucket_ = 0;   // the next bucket to launch; buckets start in index order
    int64_t step_bytes_ = 0;        // all-reduced so far this step
};

}  // namespace ember::nn::parallel::detail
