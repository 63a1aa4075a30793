// Data-parallel MLP training-step scaling (benchmarks/scaling.sh --workload mlp runs it): the MLP
// demo's model (784-256-128-10, ReLU, dropout 0.2; Adam, cross-entropy) on Fashion-MNIST when
// installed (else synthetic data of that shape), global batch 512, in one process or, with
// --distributed under mpirun -np N, through DistributedDataParallel on N ranks with 512 / N rows
// each. Prints one JSON line (rank 0): world size, milliseconds per step, examples per second (of
// the whole job), the mean time a step's backward waited for DDP's all-reduces, and the fraction of
// the buckets whose all-reduce started during backward.
//
//   OMP_NUM_THREADS=1 bench_mlp_scaling [--steps 200] [--warmup 20] [--batch 512] [--bucket-cap-mb 25]
//   OMP_NUM_THREADS=1 mpirun -np 2 bench_mlp_scaling --distributed
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "ember/ember.h"

using namespace ember;

int main(int argc, char** argv) try {
    bool distributed = false;
    int64_t steps = 200, warmup = 20, batch = 512;
    double bucket_cap_mb = 25;  // PyTorch's default: the whole 0.9 MB model is one bucket
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] { return i + 1 < argc ? std::atof(argv[++i]) : 0.0; };
        if (a == "--distributed")
            distributed = true;
        else if (a == "--steps")
            steps = static_cast<int64_t>(value());
        else if (a == "--warmup")
            warmup = static_cast<int64_t>(value());
        else if (a == "--batch")
            batch = static_cast<int64_t>(value());
        else if (a == "--bucket-cap-mb")
            bucket_cap_mb = value();
        else
            throw ValueError("bench_mlp_scaling: unknown argument " + a);
    }
    if (distributed) distributed::init_process_group("mpi");
    const int rank = distributed ? distributed::rank() : 0, world = distributed ? distributed::world_size() : 1;
    EMBER_ENFORCE(steps > 0 && batch % world == 0, ValueError, "bench_mlp_scaling: --batch ", batch,
                  " must be a positive multiple of the world size ", world, " and --steps positive");
    const int64_t local = batch / world;

    manual_seed(1);
    const bool real = data::fashion_mnist_available(data::kFashionMnistRoot);
    data::MNISTSplit split =
        real ? data::fashion_mnist(data::kFashionMnistRoot, true) : data::synthetic_fashion(12000, 1);
    const int64_t rows = split.images.size(0);
    Tensor x = split.images.reshape({rows, -1}).contiguous(), y = split.labels;

    nn::Sequential model(nn::Linear(784, 256), nn::ReLU(), nn::Dropout(0.2), nn::Linear(256, 128), nn::ReLU(),
                         nn::Dropout(0.2), nn::Linear(128, 10));
    std::shared_ptr<nn::parallel::DistributedDataParallelImpl<nn::Sequential>> ddp;
    if (distributed)
        ddp = std::make_shared<nn::parallel::DistributedDataParallelImpl<nn::Sequential>>(
            model, nn::parallel::DistributedDataParallelOptions().bucket_cap_mb(bucket_cap_mb));
    manual_seed(1 + static_cast<uint64_t>(rank));  // each rank its own dropout masks
    optim::Adam opt(model->parameters(), optim::AdamOptions(1e-3));
    model->train();

    // Step s of rank r takes the rows [s * batch + r * local, + local) of the data, wrapping: each
    // global batch is the single-process run's, split over the ranks.
    int64_t overlapped = 0;
    auto step = [&](int64_t s) {
        const int64_t start = (s * batch) % (rows - batch + 1) + rank * local;
        Tensor xb = x.narrow(0, start, local), yb = y.narrow(0, start, local);
        Tensor logits = ddp ? ddp->forward(xb) : model(xb);
        Tensor loss = nn::functional::cross_entropy(logits, yb);
        opt.zero_grad();
        loss.backward();
        if (ddp) overlapped += ddp->stats().last_step_buckets_overlapped;
        opt.step();
    };
    for (int64_t s = 0; s < warmup; ++s) step(s);  // allocator, caches, the first all-reduces
    if (ddp) ddp->reset_stats();
    overlapped = 0;
    if (distributed) distributed::barrier();  // both ranks start the clock together
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t s = warmup; s < warmup + steps; ++s) step(s);
    if (distributed) distributed::barrier();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const double n = static_cast<double>(steps);
    const int64_t buckets = ddp ? static_cast<int64_t>(ddp->bucket_parameter_names().size()) : 0;
    const double wait_s = ddp ? ddp->stats().total_wait_seconds : 0.0;
    if (rank == 0)
        std::printf(
            "{\"bench\": \"mlp_scaling\", \"data\": \"%s\", \"batch\": %lld, \"world_size\": %d, \"omp_threads\": "
            "\"%s\", \"steps\": %lld, \"buckets\": %lld, \"ms_per_step\": %.4f, \"examples_per_second\": %.1f, "
            "\"ddp_wait_ms_per_step\": %.4f, \"ddp_wait_fraction\": %.4f, \"buckets_overlapped_fraction\": %.4f}\n",
            real ? "fashion-mnist" : "synthetic", static_cast<long long>(batch), world,
            std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "unset", static_cast<long long>(steps),
            static_cast<long long>(buckets), 1e3 * seconds / n, static_cast<double>(batch) * n / seconds,
            1e3 * wait_s / n, wait_s / seconds,
            buckets ? static_cast<double>(overlapped) / (n * static_cast<double>(buckets)) : 0.0);
    if (distributed) distributed::destroy_process_group();
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_mlp_scaling: %s\n", e.what());
    return 1;
}
