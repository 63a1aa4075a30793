// nn::parallel::DistributedDataParallel under mpiexec -n 2 and -n 3. The reference for every check
// is the single-process computation, which each rank runs itself on the whole batch: with a loss
// that is a mean over the batch, N ranks each averaging their B/N samples, averaged over ranks, is
// the mean over B, so DDP's parameters after each step must be the single process's. Returns
// non-zero when a check fails.
//
// Tolerance: float32. The two computations sum the same products in different groupings (a
// batch of B/N and an average over ranks, against a batch of B), so they differ by rounding: at
// most 6e-8 (one ulp of the O(0.5) parameters) was seen after 20 steps with 2 and 3 ranks.
// kTol = 2e-6 leaves a margin of 30 and is still far below a wrong average: dividing by N * 1.001
// instead of N already moves SGD's parameters by 2e-4, a missing rank by O(0.1).
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace dist = ember::distributed;
namespace nn = ember::nn;
using ember::Tensor;
using nn::parallel::DistributedDataParallel;
using nn::parallel::DistributedDataParallelOptions;

namespace {
constexpr double kTol = 2e-6;
constexpr int64_t kBatch = 12;  // divisible by 2 and 3 ranks, and each share by 2 micro-batches
int failures = 0;
int my_rank = -1;
int world = 1;

void check(bool ok, const std::string& what) {
    if (!ok) {
        ++failures;
        std::fprintf(stderr, "FAILED on rank %d of %d: %s\n", my_rank, world, what.c_str());
    }
}

// A small MLP; `aux` joins the output when use_aux, `never` is used by no forward.
struct NetImpl : nn::Module {
    explicit NetImpl(bool with_never = false) {
        fc1 = register_module("fc1", nn::Linear(4, 8));
        fc2 = register_module("fc2", nn::Linear(8, 3));
        aux = register_module("aux", nn::Linear(4, 3));
        if (with_never) never = register_module("never", nn::Linear(4, 3));
    }
    Tensor forward(const Tensor& x) {
        Tensor y = fc2(ember::relu(fc1(x)));
        return use_aux ? y + aux(x) : y;
    }
    nn::Linear fc1{nullptr}, fc2{nullptr}, aux{nullptr}, never{nullptr};
    bool use_aux = true;
};
EMBER_MODULE(Net);

// The same data on every rank; rank r's share is rows [r B/N, (r+1) B/N).
struct Data {
    Tensor x, y;
};
Data make_data() {
    ember::manual_seed(1234);
    return {ember::randn({kBatch, 4}), ember::randn({kBatch, 3})};
}
Tensor share(const Tensor& t, int r, int parts, int part = 0, int sub_parts = 1) {
    const int64_t n = kBatch / parts, m = n / sub_parts;
    return t.narrow(0, r * n + part * m, m);
}

// Rank 0's initialisation (seed 100) is what every rank must start from; each rank initialises
// its DDP model with seed 100 + rank, so the construction's broadcast is what makes them equal.
Net make_net(int seed_offset, bool with_never = false) {
    ember::manual_seed(100 + static_cast<uint64_t>(seed_offset));
    return Net(with_never);
}

double max_diff(const nn::Module& a, const nn::Module& b) {
    double d = 0;
    auto pa = a.named_parameters(), pb = b.named_parameters();
    for (std::size_t i = 0; i < pa.size(); ++i)
        d = std::max(d, (pa[i].value() - pb[i].value()).abs().max().item<double>());
    return d;
}

using MakeOptimizer = std::function<std::unique_ptr<ember::optim::Optimizer>(std::vector<Tensor>)>;

// Trains a DDP model and the single-process reference side by side for `steps` steps, each DDP
// step over `micro` micro-batches (all but the last under no_sync), and compares the parameters.
void compare_training(const std::string& what, DistributedDataParallelOptions options, const MakeOptimizer& make_opt,
                      int steps, int micro = 1) {
    Data data = make_data();
    Net ref = make_net(0);
    DistributedDataParallel ddp(make_net(my_rank), options);
    check(max_diff(*ddp->module, *ref) == 0, what + ": parameters differ from rank 0's after construction");
    auto opt = make_opt(ddp->parameters());
    auto ref_opt = make_opt(ref->parameters());
    for (int step = 0; step < steps; ++step) {
        opt->zero_grad();
        for (int k = 0; k < micro; ++k) {
            // Each micro-batch's mean, weighted 1/micro: their sum is the mean over this rank's share.
            auto loss = [&] {
                return nn::functional::mse_loss(ddp(share(data.x, my_rank, world, k, micro)),
                                                share(data.y, my_rank, world, k, micro)) *
                       (1.0 / micro);
            };
            if (k + 1 < micro) {
                auto guard = ddp->no_sync();
                loss().backward();
            } else {
                loss().backward();
            }
        }
        opt->step();
        ref_opt->zero_grad();
        nn::functional::mse_loss(ref(data.x), data.y).backward();
        ref_opt->step();
    }
    const double d = max_diff(*ddp->module, *ref);
    check(d <= kTol,
          what + ": max |ddp - single process| = " + std::to_string(d) + " after " + std::to_string(steps) + " steps");
    // The stats count one synced backward per step; each all-reduces every parameter's gradient
    // (float32) and one int64 flag per parameter.
    int64_t elements = 0, tensors = 0;
    for (const Tensor& p : ref->parameters()) elements += p.numel(), ++tensors;
    check(ddp->stats().sync_steps == steps, what + ": stats().sync_steps = " + std::to_string(ddp->stats().sync_steps));
    check(ddp->stats().last_step_bytes == 4 * elements + 8 * tensors,
          what + ": stats().last_step_bytes = " + std::to_string(ddp->stats().last_step_bytes));
    check(ddp->stats().total_bytes == steps * (4 * elements + 8 * tensors), what + ": stats().total_bytes");
    // Every parameter had its gradient, so the last hook completed the last bucket: all started
    // during backward, none waited for the final callback.
    const auto buckets = static_cast<int64_t>(ddp->bucket_parameter_names().size());
    check(ddp->stats().last_step_buckets_overlapped == buckets,
          what + ": " + std::to_string(ddp->stats().last_step_buckets_overlapped) + " of " + std::to_string(buckets) +
              " buckets started during backward");
}

MakeOptimizer sgd(double lr) {
    return [lr](std::vector<Tensor> p) { return std::make_unique<ember::optim::SGD>(p, ember::optim::SGDOptions(lr)); };
}
MakeOptimizer adam(double lr) {
    return
        [lr](std::vector<Tensor> p) { return std::make_unique<ember::optim::Adam>(p, ember::optim::AdamOptions(lr)); };
}

void test_buckets() {
    // Reverse registration order; the default 25 MiB holds all; a tiny cap gives one per parameter.
    const std::vector<std::string> reversed = {"aux.bias",   "aux.weight", "fc2.bias",
                                               "fc2.weight", "fc1.bias",   "fc1.weight"};
    DistributedDataParallel one(make_net(my_rank));
    check(one->bucket_parameter_names() == std::vector<std::vector<std::string>>{reversed},
          "default bucket_cap_mb: one bucket, parameters in reverse order");
    DistributedDataParallel many(make_net(my_rank), DistributedDataParallelOptions().bucket_cap_mb(1e-6));
    std::vector<std::vector<std::string>> each;
    for (const auto& n : reversed) each.push_back({n});
    check(many->bucket_parameter_names() == each, "bucket_cap_mb 1e-6: one bucket per parameter");
    // fc1.weight is 32 floats = 128 bytes: a cap of 100 bytes puts it alone; the other five
    // (3 + 12 + 3 + 24 + 8 floats = 200 bytes) split where the next would pass 100 bytes.
    DistributedDataParallel cut(make_net(my_rank), DistributedDataParallelOptions().bucket_cap_mb(100.0 / (1 << 20)));
    check(cut->bucket_parameter_names() ==
              std::vector<std::vector<std::string>>{
                  {"aux.bias", "aux.weight", "fc2.bias"}, {"fc2.weight"}, {"fc1.bias"}, {"fc1.weight"}},
          "bucket_cap_mb 100 bytes: buckets close before passing the cap");
    // The wrapped module is the child "module", as in PyTorch's state_dict keys.
    check(one->state_dict().contains("module.fc1.weight"), "state_dict keys start with module.");
}

// Rank r uses `aux` when r is even; `never` is used by no rank. The reference is the mean over
// ranks of each rank's loss, each rank's own forward, computed in one process.
void test_find_unused(double bucket_cap_mb) {
    const std::string what = "find_unused (bucket_cap_mb " + std::to_string(bucket_cap_mb) + ")";
    Data data = make_data();
    Net ref = make_net(0, /*with_never=*/true);
    DistributedDataParallel ddp(
        make_net(my_rank, true),
        DistributedDataParallelOptions().find_unused_parameters(true).bucket_cap_mb(bucket_cap_mb));
    ddp->module->use_aux = my_rank % 2 == 0;
    ember::optim::SGD opt(ddp->parameters(), ember::optim::SGDOptions(0.1));
    ember::optim::SGD ref_opt(ref->parameters(), ember::optim::SGDOptions(0.1));
    for (int step = 0; step < 10; ++step) {
        opt.zero_grad();
        nn::functional::mse_loss(ddp(share(data.x, my_rank, world)), share(data.y, my_rank, world)).backward();
        check(!ddp->module->never->weight.grad().defined(), what + ": a parameter no rank used keeps .grad unset");
        check(ddp->module->aux->weight.grad().defined(), what + ": aux gets the average also where unused");
        // never.bias, registered last, is bucket 0: it never gets a gradient, so no bucket may
        // start before the final callback, although the later ones are complete (strict order).
        check(ddp->stats().last_step_buckets_overlapped == 0, what + ": no bucket starts before bucket 0");
        opt.step();
        ref_opt.zero_grad();
        Tensor loss;
        for (int r = 0; r < world; ++r) {
            ref->use_aux = r % 2 == 0;
            Tensor l = nn::functional::mse_loss(ref(share(data.x, r, world)), share(data.y, r, world)) / world;
            loss = loss.defined() ? loss + l : l;
        }
        loss.backward();
        ref_opt.step();
    }
    const double d = max_diff(*ddp->module, *ref);
    check(d <= kTol, what + ": max |ddp - single process| = " + std::to_string(d));
}

// Without find_unused_parameters, `never` (unused on every rank) and `aux` (unused on rank 1) are an error on every
// rank, and the group stays in step afterwards.
void test_unused_is_an_error() {
    Data data = make_data();
    DistributedDataParallel ddp(make_net(my_rank, true));
    ddp->module->use_aux = my_rank != 1;
    std::string message;
    try {
        nn::functional::mse_loss(ddp(share(data.x, my_rank, world)), share(data.y, my_rank, world)).backward();
    } catch (const ember::Error& e) {
        message = e.what();
    }
    check(message.find("never.weight (no gradient on " + std::to_string(world) + " of " + std::to_string(world)) !=
              std::string::npos,
          "unused parameter error names never.weight on all ranks: \"" + message + "\"");
    check(message.find("aux.weight (no gradient on 1 of") != std::string::npos,
          "unused parameter error names aux.weight, unused on rank 1: \"" + message + "\"");
    check(message.find("find_unused_parameters") != std::string::npos, "unused parameter error names the option");
    check(message.find("fc1.weight") == std::string::npos, "unused parameter error names only the unused");
    // Every rank threw after the same collectives: a collective now still matches up.
    Tensor t = ember::ones({1});
    dist::all_reduce(t);
    check(t.item<double>() == world, "the group works after the unused-parameter error");
    // And the same DDP model trains once every parameter is used (its step was reset).
    ddp->module->use_aux = true;
    Tensor out = ddp(share(data.x, my_rank, world));
    (nn::functional::mse_loss(out, share(data.y, my_rank, world)) + 0 * ddp->module->never(data.x).sum()).backward();
    check(ddp->stats().sync_steps == 2, "a synced backward after the error");
}

// Buffers: rank 0's at construction and again before every forward (broadcast_buffers).
struct ScaleImpl : nn::Module {
    ScaleImpl() {
        w = register_parameter("w", ember::ones({2}));
        s = register_buffer("s", ember::full({2}, static_cast<double>(dist::rank() + 1)));
    }
    Tensor forward(const Tensor& x) { return x * w * s; }
    Tensor w, s;
};
EMBER_MODULE(Scale);

void test_buffers() {
    DistributedDataParallel ddp(Scale{});
    check(ddp->module->s.eq(1.0).all().item<bool>(), "buffers: rank 0's after construction");
    ddp->module->s.fill_(static_cast<double>(10 + dist::rank()));
    Tensor y = ddp(ember::ones({2}));
    check(y.eq(10.0).all().item<bool>(), "buffers: rank 0's again before forward");
    y.sum().backward();
    check(ddp->module->w.grad().eq(10.0).all().item<bool>(), "buffers: gradient from rank 0's buffer");
}

void test_errors() {
    bool threw = false;
    try {
        DistributedDataParallel bad(make_net(my_rank), DistributedDataParallelOptions().bucket_cap_mb(0));
    } catch (const ember::ValueError& e) {
        threw = std::string(e.what()).find("bucket_cap_mb") != std::string::npos;
    }
    check(threw, "bucket_cap_mb 0 is a ValueError");
}
}  // namespace

int main() {
    dist::init_process_group("mpi", std::chrono::seconds(60));
    my_rank = dist::rank();
    world = dist::world_size();

    compare_training("SGD, default buckets", {}, sgd(0.1), 20);
    compare_training("Adam, default buckets", {}, adam(0.01), 20);
    compare_training("SGD, a bucket per parameter", DistributedDataParallelOptions().bucket_cap_mb(1e-6), sgd(0.1), 20);
    compare_training("Adam, a bucket per parameter", DistributedDataParallelOptions().bucket_cap_mb(1e-6), adam(0.01),
                     20);
    compare_training("SGD, no_sync over 2 micro-batches", {}, sgd(0.1), 10, 2);
    compare_training("SGD, no_sync over 2 micro-batches, a bucket per parameter",
                     DistributedDataParallelOptions().bucket_cap_mb(1e-6), sgd(0.1), 10, 2);
    test_buckets();
    test_find_unused(25);
    test_find_unused(1e-6);
    test_unused_is_an_error();
    test_buffers();
    test_errors();

    dist::destroy_process_group();
    if (failures == 0 && my_rank == 0) std::printf("test_ddp: all checks passed on %d ranks\n", world);
    return failures == 0 ? 0 : 1;
}
