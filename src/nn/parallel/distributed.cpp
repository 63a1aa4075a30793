// DistributedDataParallel's module part: registering the wrapped module, making every rank start
// from rank 0's parameters and buffers, the buffer broadcast before each forward, no_sync. The
// gradient reduction is the Reducer's (reducer.cpp).
#include "ember/nn/parallel/distributed.h"

#include <unordered_set>

#include "ember/autograd/grad_mode.h"
#include "ember/distributed/distributed.h"
#include "reducer.h"

namespace ember::nn::parallel {

namespace {
// Broadcasts rank 0's values of every tensor in place: all started at once (the group's one
// communication thread runs them in order), then waited for.
void broadcast_from_rank0(distributed::ProcessGroup& group, const std::vector<Tensor>& tensors) {
    NoGradGuard no_grad;
    std::vector<std::shared_ptr<distributed::Work>> works;
    for (const Tensor& t : tensors) works.push_back(group.broadcast(t, 0));
    for (auto& w : works) w->wait();
}
}  // namespace

DistributedDataParallelBase::DistributedDataParallelBase(std::shared_ptr<Module> module,
                                                         DistributedDataParallelOptions options)
    : Module("DistributedDataParallel"), options_(std::move(options)) {
    EMBER_ENFORCE(module != nullptr, ValueError, "DistributedDataParallel: the module to wrap is empty");
    if (!options_.process_group()) options_.process_group(distributed::get_default_group());
    wrapped_ = register_module("module", module);

    // Parameters once each (a tensor shared by two layers is one parameter), by the wrapped
    // module's names, in registration order.
    std::vector<Tensor> all, trainable;
    std::vector<std::string> names;
    std::unordered_set<const void*> seen;
    for (const auto& item : module->named_parameters()) {
        const Tensor& t = item.value();
        if (!seen.insert(t.impl()).second) continue;
        all.push_back(t);
        if (t.requires_grad()) {
            trainable.push_back(t);
            names.push_back(item.key());
        }
    }
    std::vector<Tensor> buffers = module->buffers();
    all.insert(all.end(), buffers.begin(), buffers.end());
    // Ranks start equal (PyTorch's _sync_module_states); a shape that differs across ranks is an
    // error on every rank (the group checks shapes before the payload).
    broadcast_from_rank0(*options_.process_group(), all);

    reducer_ =
        std::make_shared<detail::Reducer>(std::move(trainable), std::move(names), options_.process_group(), options_);
    reducer_->install_hooks();
}

DistributedDataParallelBase::~DistributedDataParallelBase() = default;

void DistributedDataParallelBase::pre_forward() {
    if (options_.broadcast_buffers() && options_.process_group()->getSize() > 1) {
        std::vector<Tensor> buffers = wrapped_->buffers();
        if (!buffers.empty()) broadcast_from_rank0(*options_.process_group(), buffers);
    }
    reducer_->prepare_for_backward();
}

DistributedDataParallelBase::NoSyncGuard::NoSyncGuard(std::shared_ptr<detail::Reducer> reducer)
    : reducer_(std::move(reducer)), previous_(reducer_->sync_enabled) {
    reducer_->sync_enabled = false;
}

DistributedDataParallelBase::NoSyncGuard::~NoSyncGuard() { reducer_->sync_enabled = previous_; }

DistributedDataParallelBase::NoSyncGuard DistributedDataParallelBase::no_sync() { return NoSyncGuard(reducer_); }

const DistributedDataParallelStats& DistributedDataParallelBase::stats() const { return reducer_->stats; }

void DistributedDataParallelBase::reset_stats() { reducer_->stats = DistributedDataParallelStats(); }

std::vector<std::vector<std::string>> DistributedDataParallelBase::bucket_parameter_names() const {
    return reducer_->bucket_parameter_names();
}

}  // namespace ember::nn::parallel
