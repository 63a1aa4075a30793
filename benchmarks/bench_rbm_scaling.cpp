// Data-parallel RBM::fit scaling (benchmarks/scaling.sh runs it): CD-1 epochs of a 784-500 RBM,
// batch 100, on Fashion-MNIST when installed (else synthetic data of that shape), in one process
// or, with --distributed under mpirun -np N, on N ranks sharing each global batch of 100.
// Prints one JSON line (rank 0): world size, seconds per epoch (median of the timed epochs),
// examples per second, and the mean time a step spends in the statistics' all-reduce.
//
//   OMP_NUM_THREADS=1 bench_rbm_scaling [--epochs 3] [--rows 60000]
//   OMP_NUM_THREADS=1 mpirun -np 2 bench_rbm_scaling --distributed
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ember/ember.h"

using namespace ember;

int main(int argc, char** argv) try {
    bool distributed = false;
    int64_t epochs = 3, rows = 60000, batch = 100, hidden = 500;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] { return i + 1 < argc ? std::atoll(argv[++i]) : 0; };
        if (a == "--distributed")
            distributed = true;
        else if (a == "--epochs")
            epochs = value();
        else if (a == "--rows")
            rows = value();
        else if (a == "--batch")
            batch = value();
        else if (a == "--hidden")
            hidden = value();
        else
            throw ValueError("bench_rbm_scaling: unknown argument " + a);
    }
    if (distributed) distributed::init_process_group("mpi");
    const int rank = distributed ? distributed::rank() : 0, world = distributed ? distributed::world_size() : 1;

    manual_seed(1);
    const bool real = data::fashion_mnist_available(data::kFashionMnistRoot);
    Tensor x =
        real ? data::fashion_mnist(data::kFashionMnistRoot, true).images : data::synthetic_fashion(rows, 1).images;
    rows = std::min<int64_t>(rows, x.size(0));
    x = x.narrow(0, 0, rows).reshape({rows, -1}).contiguous();

    nn::RBM rbm(x.size(1), hidden);
    nn::RBMTrainOptions o;
    o.epochs = epochs + 1;  // the first epoch warms up (allocator, caches) and is not counted
    o.batch_size = batch;
    o.progress = false;
    if (distributed) o.process_group = distributed::get_default_group();
    const auto history = rbm->fit(x, o);

    std::vector<double> secs, wait;
    for (std::size_t e = 1; e < history.size(); ++e) {
        secs.push_back(history[e].seconds);
        wait.push_back(history[e].allreduce_seconds);
    }
    std::sort(secs.begin(), secs.end());
    const double epoch_s = secs[secs.size() / 2], steps = static_cast<double>((rows + batch - 1) / batch);
    double wait_s = 0;
    for (double w : wait) wait_s += w;
    wait_s /= static_cast<double>(wait.size());
    if (rank == 0)
        std::printf(
            "{\"bench\": \"rbm_scaling\", \"data\": \"%s\", \"rows\": %lld, \"n_visible\": %lld, \"n_hidden\": %lld, "
            "\"batch\": %lld, \"world_size\": %d, \"omp_threads\": \"%s\", \"seconds_per_epoch\": %.4f, "
            "\"examples_per_second\": %.1f, \"allreduce_ms_per_step\": %.4f, \"allreduce_fraction\": %.4f, "
            "\"reconstruction_error\": %.4f}\n",
            real ? "fashion-mnist" : "synthetic", static_cast<long long>(rows), static_cast<long long>(x.size(1)),
            static_cast<long long>(hidden), static_cast<long long>(batch), world,
            std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "unset", epoch_s,
            static_cast<double>(rows) / epoch_s, 1e3 * wait_s / steps, wait_s / epoch_s,
            history.back().reconstruction_error);
    if (distributed) distributed::destroy_process_group();
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rbm_scaling: %s\n", e.what());
    return 1;
}
