// DistributedDataParallel's reducer (reducer.h). One step, for a backward armed by its forward:
//   hook of parameter p (its gradient g is ready, before it is accumulated into p.grad):
//       slice(p) = p.grad + g  (the value p.grad will hold; p.grad + g = g when there is none)
//       when p's bucket has all its gradients, launch every complete bucket from next_bucket_ on
//   final callback (after the whole graph, on the backward's thread):
//       fill the slices of parameters without a gradient (their .grad, or zero), launch the rest
//       all-reduce the per-parameter flags "a gradient arrived", wait for everything
//       p.grad = slice(p) / world_size      (the mean over ranks of what each rank's .grad holds)
// Since every rank's loss is a mean over its local batch of B/N samples, the mean over ranks of
// the gradients is the gradient of the mean over the whole batch of B: the single-process step.
#include "reducer.h"

#include <algorithm>
#include <chrono>

#include "ember/autograd/engine.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/ops.h"
#include "ember/tensor/error.h"

namespace ember::nn::parallel::detail {

Reducer::Reducer(std::vector<Tensor> params, std::vector<std::string> names,
                 std::shared_ptr<distributed::ProcessGroup> group, const DistributedDataParallelOptions& options)
    : group_(std::move(group)), find_unused_(options.find_unused_parameters()) {
    EMBER_ENFORCE(options.bucket_cap_mb() > 0, ValueError,
                  "DistributedDataParallel: bucket_cap_mb must be positive, got ", options.bucket_cap_mb());
    for (std::size_t i = 0; i < params.size(); ++i) {
        Param p;
        p.tensor = std::move(params[i]);
        p.name = std::move(names[i]);
        params_.push_back(std::move(p));
    }
    for (const Param& p : params_)
        EMBER_ENFORCE(p.tensor.device() == params_.front().tensor.device(), DeviceError,
                      "DistributedDataParallel: parameter ", p.name, " is on ", p.tensor.device(), " but ",
                      params_.front().name, " is on ", params_.front().tensor.device(),
                      "; a wrapped module lives on one device (move it with ->to(device) before wrapping)");
    build_buckets(options.bucket_cap_mb());
}

Reducer::~Reducer() {
    for (Param& p : params_) {
        try {
            if (p.hooked) p.tensor.remove_hook(p.hook);
        } catch (const Error&) {
            // Already gone; a destructor must not throw.
        }
    }
    wait_all_quietly();
}

// Reverse registration order approximates the order in which backward produces the gradients
// (the last layer's first), so the first buckets fill, and start, early. A bucket closes when the
// next parameter would take it past the cap or has another dtype; a parameter larger than the
// cap is a bucket of its own.
void Reducer::build_buckets(double cap_mb) {
    const double cap_bytes = cap_mb * 1024.0 * 1024.0;
    std::vector<std::vector<std::size_t>> groups;
    double bytes = 0;
    for (std::size_t k = params_.size(); k-- > 0;) {
        const Tensor& t = params_[k].tensor;
        const double nbytes = static_cast<double>(t.nbytes());
        const bool fits = !groups.empty() && bytes + nbytes <= cap_bytes &&
                          params_[groups.back().front()].tensor.dtype() == t.dtype();
        if (!fits) {
            groups.emplace_back();
            bytes = 0;
        }
        groups.back().push_back(k);
        bytes += nbytes;
    }
    for (std::size_t b = 0; b < groups.size(); ++b) {
        Bucket bucket;
        int64_t numel = 0;
        for (std::size_t k : groups[b]) {
            params_[k].bucket = b;
            params_[k].offset = numel;
            numel += params_[k].tensor.numel();
        }
        // On the parameters' device: CPU buffers for the mpi backend, GPU buffers for nccl.
        const Tensor& first = params_[groups[b].front()].tensor;
        bucket.flat = zeros({numel}, TensorOptions().dtype(first.dtype()).device(first.device()));
        bucket.params = groups[b];
        bucket.pending = groups[b].size();
        buckets_.push_back(std::move(bucket));
    }
}

void Reducer::install_hooks() {
    std::weak_ptr<Reducer> self = weak_from_this();
    for (std::size_t i = 0; i < params_.size(); ++i) {
        params_[i].hook = params_[i].tensor.register_hook([self, i](const Tensor& grad) {
            if (std::shared_ptr<Reducer> reducer = self.lock()) reducer->on_gradient(i, grad);
        });
        params_[i].hooked = true;
    }
}

std::vector<std::vector<std::string>> Reducer::bucket_parameter_names() const {
    std::vector<std::vector<std::string>> names;
    for (const Bucket& b : buckets_) {
        names.emplace_back();
        for (std::size_t k : b.params) names.back().push_back(params_[k].name);
    }
    return names;
}

void Reducer::prepare_for_backward() {
    if (!GradMode::is_enabled()) return;  // no backward will follow this forward
    if (callback_queued_ || next_bucket_ > 0 ||
        std::any_of(params_.begin(), params_.end(), [](const Param& p) { return p.ready; }))
        reset_step();  // an earlier backward threw half way: drop its step
    armed_ = sync_enabled;
}

void Reducer::on_gradient(std::size_t index, const Tensor& grad) {
    Param& p = params_[index];
    p.used_local = true;
    if (!armed_) return;  // no_sync (or no forward since the last sync): .grad accumulates alone
    if (p.ready) return;  // a second backward through the same forward: PyTorch syncs once too
    if (!callback_queued_) {
        std::weak_ptr<Reducer> self = weak_from_this();
        autograd::Engine::get_default_engine().queue_callback([self] {
            if (std::shared_ptr<Reducer> reducer = self.lock()) reducer->finalize_backward();
        });
        callback_queued_ = true;
    }
    NoGradGuard no_grad;
    Bucket& bucket = buckets_[p.bucket];
    EMBER_ENFORCE(p.tensor.dtype() == bucket.flat.dtype(), DTypeError, "DistributedDataParallel: parameter ", p.name,
                  " is ", describe(p.tensor), " but was ", bucket.flat.dtype(),
                  " when DistributedDataParallel was constructed; convert the module before wrapping it");
    Tensor slice = bucket.flat.narrow(0, p.offset, p.tensor.numel());
    slice.copy_(grad.detach().reshape({-1}));
    if (Tensor existing = p.tensor.grad(); existing.defined()) slice.add_(existing.reshape({-1}));
    p.ready = true;
    if (--bucket.pending == 0) launch_ready_buckets();
}

// Strictly in index order: bucket b starts only after 0..b-1, so every rank issues the same
// collectives in the same order whatever order its gradients arrived in.
void Reducer::launch_ready_buckets() {
    while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].pending == 0) {
        Bucket& b = buckets_[next_bucket_++];
        b.work = group_->allreduce(b.flat, distributed::ReduceOp::SUM);
        step_bytes_ += b.flat.nbytes();
    }
}

void Reducer::finalize_backward() {
    NoGradGuard no_grad;
    // Parameters without a gradient this step: their slice is what their .grad holds (an earlier
    // no_sync accumulation) or zero, so that every bucket is launched on every rank.
    for (Param& p : params_) {
        if (p.ready) continue;
        Tensor slice = buckets_[p.bucket].flat.narrow(0, p.offset, p.tensor.numel());
        if (Tensor existing = p.tensor.grad(); existing.defined())
            slice.copy_(existing.reshape({-1}));
        else
            slice.zero_();
        --buckets_[p.bucket].pending;
    }
    stats.last_step_buckets_overlapped = static_cast<int64_t>(next_bucket_);
    launch_ready_buckets();
    // One flag per parameter, summed over ranks: how many ranks had a gradient for it. With
    // find_unused_parameters, a gradient from an earlier no_sync backward counts too.
    const int64_t n = static_cast<int64_t>(params_.size());
    Tensor local_flags = zeros({n}, TensorOptions().dtype(kInt64));
    for (int64_t i = 0; i < n; ++i)
        local_flags.data_ptr<int64_t>()[i] = (find_unused_ ? params_[i].used_local : params_[i].ready) ? 1 : 0;
    // The flags travel on the buckets' device, which is the one the backend takes.
    Tensor flags = buckets_.empty() ? local_flags : local_flags.to(buckets_.front().flat.device());
    std::shared_ptr<distributed::Work> flags_work = group_->allreduce(flags, distributed::ReduceOp::SUM);
    step_bytes_ += flags.nbytes();

    const auto start = std::chrono::steady_clock::now();
    try {
        for (Bucket& b : buckets_) b.work->wait();
        flags_work->wait();
    } catch (...) {
        reset_step();
        throw;
    }
    flags = flags.cpu();
    const int64_t* f = flags.data_ptr<int64_t>();
    stats.last_step_wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stats.total_wait_seconds += stats.last_step_wait_seconds;
    stats.last_step_bytes = step_bytes_;
    stats.total_bytes += step_bytes_;
    ++stats.sync_steps;

    // Every rank has the same flags, so every rank throws the same error or none.
    const int world = group_->getSize();
    if (!find_unused_) {
        std::string missing;
        for (int64_t i = 0; i < n; ++i)
            if (f[i] < world)
                missing += str_cat(missing.empty() ? "" : ", ", params_[i].name, " (no gradient on ", world - f[i],
                                   " of ", world, " ranks)");
        if (!missing.empty()) {
            reset_step();
            throw Error(str_cat(
                "DistributedDataParallel: parameters that require grad received no gradient in this backward: ",
                missing,
                ". Their ranks' gradients cannot be averaged; if some parameters are legitimately unused, construct "
                "it with DistributedDataParallelOptions().find_unused_parameters(true), or make them not require "
                "grad. The other parameters' .grad hold this rank's local gradients."));
        }
    }
    const double scale = 1.0 / static_cast<double>(world);
    for (Bucket& b : buckets_) b.flat.mul_(scale);
    for (int64_t i = 0; i < n; ++i) {
        if (f[i] == 0) continue;  // used on no rank: .grad untouched (PyTorch's behaviour)
        Param& p = params_[i];
        Tensor slice = buckets_[p.bucket].flat.narrow(0, p.offset, p.tensor.numel()).view(p.tensor.sizes());
        if (Tensor existing = p.tensor.grad(); existing.defined())
            existing.copy_(slice);
        else
            p.tensor.set_grad(slice.clone());
    }
    reset_step();
}

void Reducer::wait_all_quietly() {
    for (Bucket& b : buckets_) {
        if (!b.work) continue;
        try {
            b.work->wait();
        } catch (const std::exception&) {
            // Reported to whoever waited first; here only the buffers must be free again.
        }
        b.work = nullptr;
    }
}

void Reducer::reset_step() {
    wait_all_quietly();
    for (Param& p : params_) {
        p.ready = false;
        p.used_local = false;
    }
    for (Bucket& b : buckets_) b.pending = b.params.size();
    next_bucket_ = 0;
    step_bytes_ = 0;
    armed_ = false;
    callback_queued_ = false;
}

}  // namespace ember::nn::parallel::detail
