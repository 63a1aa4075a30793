// ember::distributed's nccl backend, run by ctest under mpiexec -n 1 (one rank per GPU; with one
// GPU the world has one rank and every code path still runs) and by scripts/gpu_check.sh: the
// value checks of collective_checks.h on CUDA tensors, and the errors a rank can cause alone.
// Reports itself skipped without NCCL or without a GPU.
#include <cstdio>

#include "collective_checks.h"

using namespace collective_checks;

int main() {
    if (!dist::is_nccl_available() || !ember::cuda::is_available()) {
        std::printf("SKIPPED: %s\n", !dist::is_nccl_available() ? "ember was built without NCCL" : "no GPU here");
        return 0;
    }
    dist::init_process_group("nccl");
    my_rank = dist::rank();
    const int world = dist::world_size();
    device = ember::Device(ember::kCUDA);
    check(dist::get_backend() == "nccl" && world >= 1 && my_rank >= 0 && my_rank < world, "rank and world size");

    test_all_reduce(world);
    test_broadcast(world);
    test_all_gather(world);
    test_reduce_scatter(world);

    const std::string me = "rank " + std::to_string(my_rank) + " of " + std::to_string(world);
    expect_error<ember::DeviceError>(
        "CPU tensor on nccl", [] { dist::all_reduce(ember::zeros({2})); }, "the nccl backend takes CUDA tensors");
    expect_error<ember::DTypeError>(
        "AVG on int64",
        [] { dist::all_reduce(ember::zeros({2}, ember::dtype(ember::kInt64).device(ember::kCUDA)), ReduceOp::AVG); },
        "all_reduce (" + me + "): ReduceOp::AVG needs a floating tensor");
    // The group still works after the errors, and async calls return a Work that waits.
    Tensor ok = ember::ones({3}, ember::device(ember::kCUDA));
    auto work = dist::all_reduce(ok, ReduceOp::SUM, /*async_op=*/true);
    check(work->wait() && close(as_doubles(ok), std::vector<double>(3, world)), "an async collective after the errors");
    dist::barrier();
    dist::destroy_process_group();
    std::printf("rank %d of %d: %s\n", my_rank, world, failures ? "FAILED" : "all nccl checks passed");
    return failures ? 1 : 0;
}
