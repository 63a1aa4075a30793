// ember::distributed's collectives on the mpi backend, run by ctest under mpiexec -n 2 and -n 3:
// the value checks of collective_checks.h on CPU tensors, then asynchronous use and bad input.
// Returns non-zero when a check fails.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "collective_checks.h"

using namespace collective_checks;

namespace {
void test_async(int world) {
    std::vector<int> ranks;
    for (int r = 0; r < world; ++r) ranks.push_back(r);
    // Several in flight at once, waited in reverse order: they still run in the order started.
    std::vector<Tensor> ts;
    std::vector<std::shared_ptr<dist::Work>> works;
    for (auto dtype : kDtypes) {
        ts.push_back(make(my_rank, dtype));
        works.push_back(dist::all_reduce(ts.back(), ReduceOp::MAX, /*async_op=*/true));
    }
    Tensor b = make(my_rank, ember::kFloat64);
    auto wb = dist::broadcast(b, 0, true);
    std::vector<Tensor> gathered;
    for (int r = 0; r < world; ++r) gathered.push_back(ember::empty({2, 3}));
    auto wg = dist::all_gather(gathered, make(my_rank, ember::kFloat32), true);
    Tensor rs = ember::empty({2, 3});
    std::vector<Tensor> rs_in;
    for (int q = 0; q < world; ++q) rs_in.push_back(make(my_rank * world + q, ember::kFloat32));
    auto wr = dist::reduce_scatter(rs, rs_in, ReduceOp::SUM, true);
    auto wbar = dist::barrier(true);
    check(wbar->wait() && wbar->is_completed() && wbar->is_success(), "async barrier");
    check(wr->wait() && wr->is_completed(), "async reduce_scatter completes");
    std::vector<int> sources;
    for (int s = 0; s < world; ++s) sources.push_back(s * world + my_rank);
    check(close(as_doubles(rs), expected_reduce(sources, ReduceOp::SUM, ember::kFloat32)), "async reduce_scatter");
    wg->wait();
    for (int r = 0; r < world; ++r) check(close(as_doubles(gathered[r]), values_of(r)), "async all_gather");
    wb->wait();
    check(close(as_doubles(b), values_of(0)), "async broadcast");
    for (size_t i = works.size(); i-- > 0;) {
        works[i]->wait();
        check(works[i]->is_completed() && close(as_doubles(ts[i]), expected_reduce(ranks, ReduceOp::MAX, kDtypes[i])),
              std::string("async all_reduce ") + ember::dtype_name(kDtypes[i]));
    }
    // The async call really returns before the collective ends: rank 1 joins 300 ms late, so
    // the others' Work is still pending right after the call.
    if (my_rank == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    Tensor late = ember::ones({3});
    auto wl = dist::all_reduce(late, ReduceOp::SUM, true);
    if (my_rank != 1)
        check(!wl->is_completed() && !wl->is_success(), "an async all_reduce is pending while a rank is late");
    if (my_rank != 1)
        expect_error<ember::Error>(
            "Work::wait with a timeout", [&] { wl->wait(std::chrono::milliseconds(20)); },
            "did not complete within 20 ms");
    wl->wait();
    check(wl->isCompleted() && wl->isSuccess() && wl->is_completed() && wl->is_success() &&
              close(as_doubles(late), std::vector<double>(3, world)),
          "the late all_reduce completes");
    // A synchronous call returns a completed Work.
    Tensor s = make(my_rank, ember::kFloat32);
    check(dist::all_reduce(s)->is_completed(), "a synchronous all_reduce returns a completed Work");
}

// Every rank makes the same calls; the bad ones fail on every rank with a message naming the cause.
void test_errors(int world) {
    const std::string me = "rank " + std::to_string(my_rank) + " of " + std::to_string(world);
    Tensor shape = my_rank == 0 ? ember::zeros({2, 3}) : ember::zeros({3, 2});
    expect_error<ember::ShapeError>(
        "all_reduce shape mismatch", [&] { dist::all_reduce(shape); },
        my_rank == 0 ? "rank 0 has a tensor of float32 [2, 3] but rank 1 has float32 [3, 2]" : "has float32 [2, 3]");
    Tensor dt = my_rank == 0 ? ember::zeros({4}) : ember::zeros({4}, ember::dtype(ember::kFloat64));
    expect_error<ember::DTypeError>(
        "broadcast dtype mismatch", [&] { dist::broadcast(dt, 0); }, "float64 [4]");
    expect_error<ember::Error>(
        "reduce op mismatch",
        [&] { dist::all_reduce(ember::zeros({2}), my_rank == 0 ? ReduceOp::SUM : ReduceOp::MAX); },
        "every rank must pass the same op");
    expect_error<ember::DTypeError>(
        "AVG on int64", [&] { dist::all_reduce(ember::zeros({2}, ember::dtype(ember::kInt64)), ReduceOp::AVG); },
        "all_reduce (" + me + "): ReduceOp::AVG needs a floating tensor, got int64 [2]");
    expect_error<ember::IndexError>(
        "broadcast src out of range", [&] { dist::broadcast(ember::zeros({2}), world); },
        "src " + std::to_string(world) + " is not a rank");
    // A wrong list on rank 0 only: rank 0 says what is wrong, the others name rank 0.
    std::vector<Tensor> outs;
    for (int r = 0; r < (my_rank == 0 ? world - 1 : world); ++r) outs.push_back(ember::zeros({2}));
    if (my_rank == 0)
        expect_error<ember::ValueError>(
            "all_gather short list", [&] { dist::all_gather(outs, ember::zeros({2})); },
            "the outputs list has " + std::to_string(world - 1) + " tensors, expected one per rank (world size " +
                std::to_string(world));
    else
        expect_error<ember::Error>(
            "all_gather short list elsewhere", [&] { dist::all_gather(outs, ember::zeros({2})); },
            "rank 0 of " + std::to_string(world) + " passed invalid arguments");
    std::vector<Tensor> wrong_shape;
    for (int r = 0; r < world; ++r) wrong_shape.push_back(ember::zeros({3}));
    expect_error<ember::ShapeError>(
        "reduce_scatter input shape", [&] { dist::reduce_scatter(ember::zeros({2}), wrong_shape); },
        "inputs[0] is float32 [3] but must match float32 [2]");
    expect_error<ember::Error>(
        "different collectives",
        [&] {
            if (my_rank == 0)
                dist::barrier();
            else
                dist::all_reduce(ember::zeros({2}));
        },
        "every rank must call the same collectives in the same order");
    if (ember::cuda::is_available())
        expect_error<ember::DeviceError>(
            "CUDA tensor on mpi", [&] { dist::all_reduce(ember::zeros({2}).cuda()); },
            "the mpi backend takes CPU tensors");
    else
        std::printf("rank %d: no GPU here, the CUDA-tensor check is not exercised\n", my_rank);
    // The group still works after the errors.
    Tensor ok = ember::ones({3});
    dist::all_reduce(ok);
    check(close(as_doubles(ok), std::vector<double>(3, world)), "a collective after the errors");
    expect_error<ember::Error>(
        "init twice", [] { dist::init_process_group("mpi"); }, "already initialized");
}
}  // namespace

int main() {
    expect_error<ember::Error>(
        "use before init", [] { dist::all_reduce(ember::zeros({2})); },
        "all_reduce: the default process group is not initialized");
    expect_error<ember::Error>(
        "rank before init", [] { dist::get_rank(); }, "not initialized");
    if (!dist::is_nccl_available())
        expect_error<ember::NotImplementedError>(
            "nccl", [] { dist::init_process_group("nccl"); }, "built without NCCL");
    expect_error<ember::ValueError>(
        "unknown backend", [] { dist::init_process_group("gloo"); }, "unknown backend \"gloo\"");
    check(!dist::is_initialized() && dist::is_mpi_available(), "not initialized yet, and MPI is built");

    dist::init_process_group("mpi");
    my_rank = dist::rank();
    const int world = dist::world_size();
    check(dist::is_initialized() && dist::get_backend() == "mpi" && world >= 2 && my_rank >= 0 && my_rank < world,
          "rank and world size");

    test_all_reduce(world);
    test_broadcast(world);
    test_all_gather(world);
    test_reduce_scatter(world);
    test_async(world);
    test_errors(world);
    dist::barrier();

    dist::destroy_process_group();
    check(!dist::is_initialized(), "destroyed");
    expect_error<ember::Error>(
        "init after destroy", [] { dist::init_process_group("mpi"); }, "already finalized");
    std::printf("rank %d of %d: %s\n", my_rank, world, failures ? "FAILED" : "all collective checks passed");
    return failures ? 1 : 0;
}
