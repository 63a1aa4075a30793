// Data-parallel RBM::fit: sharding, random streams and the statistics' all-reduce
// (rbm_data_parallel.h; the rule is in docs/distributed.md).
#include "nn/rbm_data_parallel.h"

#include <chrono>
#include <vector>

#include "data/rng.h"

namespace ember::nn::detail {

namespace {

// The collective on t where the backend takes it (CPU tensors for mpi, CUDA tensors for nccl): on
// t itself, or on a copy on that device written back into t.
template <typename Collective>
void on_backend_device(const distributed::ProcessGroup& group, Tensor t, Collective&& collective) {
    const DeviceType wanted = group.getBackendName() == "nccl" ? kCUDA : kCPU;
    if (t.device().type == wanted) return collective(t);
    Tensor staged = t.to(Device(wanted));
    collective(staged);
    t.copy_(staged);
}

// The seed of stream k of epoch e: k = 0 is the shuffle every rank shares, k = r + 1 rank r's.
uint64_t stream_seed(uint64_t seed, int64_t epoch, int k) {
    return data::detail::SplitMix64(seed, (static_cast<uint64_t>(epoch) << 20) + static_cast<uint64_t>(k)).next();
}

}  // namespace

Shard shard_of(int64_t rows, int rank, int world) {
    const int64_t q = rows / world, r = rows % world;
    return {rank * q + std::min<int64_t>(rank, r), q + (rank < r ? 1 : 0)};
}

DataParallel::DataParallel(std::shared_ptr<distributed::ProcessGroup> group) : group_(std::move(group)) {
    EMBER_ENFORCE(group_ != nullptr, ValueError, "RBM::fit: process_group is null");
}

void DataParallel::check(int64_t rows, const RBMTrainOptions& o) const {
    // max and -min of the ranks' row counts in one collective
    Tensor t = tensor(std::vector<int64_t>{rows, -rows});
    on_backend_device(*group_, t, [&](const Tensor& x) { group_->allreduce(x, distributed::ReduceOp::MAX)->wait(); });
    const int64_t most = t[0].item<int64_t>(), least = -t[1].item<int64_t>();
    EMBER_ENFORCE(most == least, ValueError, "RBM::fit: every rank must pass the same data set, got between ", least,
                  " and ", most, " rows on the ", world(), " ranks");
    EMBER_ENFORCE(o.batch_size >= world() && rows >= world(), ValueError, "RBM::fit: data-parallel over ", world(),
                  " ranks needs batch_size and the data's rows >= ", world(), ", got batch_size ", o.batch_size,
                  " and ", rows, " rows");
    EMBER_ENFORCE(!o.persistent || o.n_chains == 0 || o.n_chains >= world(), ValueError, "RBM::fit: n_chains ",
                  o.n_chains, " cannot be shared among ", world(), " ranks (0, or at least one chain per rank)");
}

void DataParallel::broadcast_parameters(RBMImpl& rbm) const {
    NoGradGuard no_grad;
    for (const Tensor& p : {rbm.weight, rbm.visible_bias, rbm.hidden_bias})
        on_backend_device(*group_, p, [&](const Tensor& t) { group_->broadcast(t, 0)->wait(); });
}

void DataParallel::draw_seed() {
    Tensor s = randint(0, int64_t{1} << 62, {1});  // every rank draws; rank 0's is kept
    on_backend_device(*group_, s, [&](const Tensor& x) { group_->broadcast(x, 0)->wait(); });
    seed_ = static_cast<uint64_t>(s[0].item<int64_t>());
}

void DataParallel::seed_shuffle(int64_t epoch) const { manual_seed(stream_seed(seed_, epoch, 0)); }
void DataParallel::seed_sampling(int64_t epoch) const { manual_seed(stream_seed(seed_, epoch, rank() + 1)); }

void DataParallel::all_reduce(BatchStatistics& s) {
    const ScalarType dt = s.grad_weight.dtype();
    std::vector<Tensor> parts = {s.grad_weight.reshape({-1}), s.grad_visible_bias, s.grad_hidden_bias,
                                 s.free_energy_gap.to(dt).reshape({1}), s.reconstruction_error.to(dt).reshape({1})};
    const bool means = s.mean_hidden.defined();
    if (means) {
        parts.push_back(s.mean_hidden);
        parts.push_back(s.mean_visible);
    }
    Tensor flat = cat(parts);
    const auto start = std::chrono::steady_clock::now();
    on_backend_device(*group_, flat,
                      [&](const Tensor& t) { group_->allreduce(t, distributed::ReduceOp::SUM)->wait(); });
    allreduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // The results are views of the one buffer.
    int64_t at = 0;
    auto take = [&](const Tensor& like) {
        Tensor v = flat.narrow(0, at, like.numel()).view(like.sizes());
        at += like.numel();
        return v;
    };
    s.grad_weight = take(s.grad_weight);
    s.grad_visible_bias = take(s.grad_visible_bias);
    s.grad_hidden_bias = take(s.grad_hidden_bias);
    s.free_energy_gap = take(s.free_energy_gap).to(kFloat64);  // float64, as in one process
    s.reconstruction_error = take(s.reconstruction_error).to(kFloat64);
    if (means) {
        s.mean_hidden = take(s.mean_hidden);
        s.mean_visible = take(s.mean_visible);
    }
}

double DataParallel::take_allreduce_seconds() {
    const double t = allreduce_seconds_;
    allreduce_seconds_ = 0;
    return t;
}

}  // namespace ember::nn::detail
