#pragma once
// nn::parallel::DistributedDataParallel: PyTorch's torch.nn.parallel.DistributedDataParallel
// (libtorch's C++ frontend has none), over an ember::distributed process group. Every rank runs the
// same model on its share of the batch; backward all-reduces the gradients so that every rank's
// .grad is the average over ranks, and the optimizers step identically everywhere.
//
//   ember::distributed::init_process_group("mpi");
//   auto net = std::make_shared<Net>();                     // or a holder: nn::Sequential, ...
//   nn::parallel::DistributedDataParallel ddp(net);         // broadcasts rank 0's parameters
//   optim::SGD opt(ddp->parameters(), 0.1);
//   auto loss = nn::functional::mse_loss(ddp(x_local), y_local);   // a mean over the local batch
//   loss.backward();                                        // .grad = average over ranks
//   opt.step();
//
// How (see docs/distributed.md): the parameters that require grad are grouped, in reverse order of
// registration (roughly the order backward produces their gradients), into flat buckets of up to
// bucket_cap_mb MiB. A hook on each parameter copies its gradient into its bucket; a full bucket's
// all_reduce starts at once (buckets in index order, so every rank issues the same collectives),
// overlapping the rest of backward. A final callback of the backward (autograd::Engine::
// queue_callback) waits for the buckets, divides by the world size and writes each .grad.
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/distributed/process_group.h"
#include "ember/nn/module.h"
#include "ember/nn/options.h"

namespace ember::nn::parallel {

struct DistributedDataParallelOptions {
    // Size of a gradient bucket in MiB (PyTorch's default, 25). A parameter larger than this is a
    // bucket of its own; a tiny cap gives one bucket per parameter.
    EMBER_ARG(double, bucket_cap_mb) = 25;
    // Allow parameters that get no gradient in a backward (on some ranks or on all): their
    // gradient counts as zero there, and one that no rank used keeps its .grad untouched. Off, a
    // missing gradient is an error at the end of backward (PyTorch's default, false).
    EMBER_ARG(bool, find_unused_parameters) = false;
    // Broadcast rank 0's buffers (batch-norm statistics) before every forward (default true).
    EMBER_ARG(bool, broadcast_buffers) = true;
    // The group to reduce over; null means distributed::get_default_group() at construction.
    EMBER_ARG(std::shared_ptr<distributed::ProcessGroup>, process_group) = nullptr;
};

// What the gradient synchronisation cost, for a user or a benchmark to read (not PyTorch API).
struct DistributedDataParallelStats {
    int64_t sync_steps = 0;                    // backwards that all-reduced their gradients
    int64_t last_step_bytes = 0;               // bytes all-reduced by the last of them (buckets, used flags)
    double last_step_wait_seconds = 0;         // time its final callback waited for the all-reduces
    int64_t last_step_buckets_overlapped = 0;  // its buckets started from hooks, during backward
    int64_t total_bytes = 0;                   // the same two, summed over sync_steps
    double total_wait_seconds = 0;
};

namespace detail {
class Reducer;  // buckets, hooks and the final callback (src/nn/parallel/reducer.cpp)
}

// The part of DistributedDataParallel that does not depend on the wrapped module's type.
class DistributedDataParallelBase : public Module {
public:
    ~DistributedDataParallelBase() override;

    // PyTorch's `with ddp.no_sync():` as an RAII guard: while it lives, forwards run and the
    // backwards that follow them only accumulate into .grad locally; the first backward after a
    // forward outside the guard all-reduces everything accumulated.
    class [[nodiscard]] NoSyncGuard {
    public:
        explicit NoSyncGuard(std::shared_ptr<detail::Reducer> reducer);
        ~NoSyncGuard();
        NoSyncGuard(const NoSyncGuard&) = delete;
        NoSyncGuard& operator=(const NoSyncGuard&) = delete;

    private:
        std::shared_ptr<detail::Reducer> reducer_;
        bool previous_;
    };
    NoSyncGuard no_sync();

    const DistributedDataParallelOptions& options() const { return options_; }
    const DistributedDataParallelStats& stats() const;
    void reset_stats();
    // The buckets, by index (the order their all-reduces start): each a list of parameter names
    // of the wrapped module.
    std::vector<std::vector<std::string>> bucket_parameter_names() const;

protected:
    DistributedDataParallelBase(std::shared_ptr<Module> module, DistributedDataParallelOptions options);
    // Before the wrapped module's forward: broadcasts the buffers, arms the next backward's sync.
    void pre_forward();

private:
    DistributedDataParallelOptions options_;
    std::shared_ptr<Module> wrapped_;
    std::shared_ptr<detail::Reducer> reducer_;
};

namespace detail {
template <typename M>
std::shared_ptr<Module> module_pointer(const M& module) {
    if constexpr (requires { module.ptr(); })
        return module.ptr();  // a ModuleHolder (nn::Sequential, a user's EMBER_MODULE)
    else
        return module;  // a std::shared_ptr to a Module
}
}  // namespace detail

// ModuleType: how the wrapped module is held, a ModuleHolder or a std::shared_ptr to a Module. It
// is registered as the child "module", so state_dict keys read "module.fc.weight" as in PyTorch.
template <typename ModuleType>
class DistributedDataParallelImpl : public DistributedDataParallelBase {
public:
    explicit DistributedDataParallelImpl(ModuleType module, DistributedDataParallelOptions options = {})
        : DistributedDataParallelBase(detail::module_pointer(module), std::move(options)), module(std::move(module)) {}

    template <typename... Args>
    decltype(auto) forward(Args&&... args) {
        pre_forward();
        return module->forward(std::forward<Args>(args)...);
    }

    ModuleType module;  // PyTorch's ddp.module
};

template <typename ModuleType>
class DistributedDataParallel : public ModuleHolder<DistributedDataParallelImpl<ModuleType>> {
public:
    using ModuleHolder<DistributedDataParallelImpl<ModuleType>>::ModuleHolder;
};

// `DistributedDataParallel ddp(net, options);` deduces the holder type from the module.
template <typename ModuleType>
DistributedDataParallel(ModuleType) -> DistributedDataParallel<ModuleType>;
template <typename ModuleType>
DistributedDataParallel(ModuleType, DistributedDataParallelOptions) -> DistributedDataParallel<ModuleType>;

}  // namespace ember::nn::parallel
