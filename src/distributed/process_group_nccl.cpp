// ProcessGroupNCCL: NCCL collectives on the CUDA default stream, bootstrapped and checked over MPI;
// see the header for the design.
#include "ember/distributed/process_group_nccl.h"

#include <nccl.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include "cuda/check.h"
#include "cuda/kernels.h"
#include "distributed/argument_checks.h"
#include "distributed/collective_header.h"
#include "ember/ops/ops.h"
#include "ember/tensor/error.h"

namespace ember::distributed {

struct ProcessGroupNCCL::Impl {
    std::shared_ptr<ProcessGroupMPI> mpi;  // bootstrap, header checks, barrier
    ncclComm_t comm = nullptr;
    bool shut_down = false;
};

namespace {

// ember runs every kernel on the legacy default stream; the collectives join it.
constexpr cudaStream_t kStream = nullptr;

detail::ArgumentChecks checks(const ProcessGroup& g) {
    return {"nccl", kCUDA, g.getRank(), g.getSize(), std::numeric_limits<int64_t>::max()};
}

void check_nccl(ncclResult_t result, const char* call, const detail::ArgumentChecks& where, const char* collective) {
    if (result == ncclSuccess) return;
    throw Error(str_cat(where.where(collective), call, " failed: ", ncclGetErrorString(result)));
}

ncclDataType_t nccl_type(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return ncclFloat32;
        case ScalarType::Float64: return ncclFloat64;
        case ScalarType::Float16: return ncclFloat16;
        case ScalarType::BFloat16: return ncclBfloat16;
        case ScalarType::Int64: return ncclInt64;
        case ScalarType::Int32: return ncclInt32;
        case ScalarType::UInt8:
        case ScalarType::Bool: return ncclUint8;  // ember's bool is one byte holding 0 or 1
    }
    throw Error("ember::distributed (nccl): unknown dtype");
}

// On bools (bytes 0 and 1) the logical reductions are max ("any") and min ("all"), as on mpi.
ncclRedOp_t nccl_op(ReduceOp op, ScalarType t) {
    if (t == ScalarType::Bool) return (op == ReduceOp::SUM || op == ReduceOp::MAX) ? ncclMax : ncclMin;
    switch (op) {
        case ReduceOp::SUM: return ncclSum;
        case ReduceOp::AVG: return ncclAvg;
        case ReduceOp::PRODUCT: return ncclProd;
        case ReduceOp::MIN: return ncclMin;
        case ReduceOp::MAX: return ncclMax;
    }
    throw Error("ember::distributed (nccl): unknown ReduceOp");
}

Tensor contiguous_buffer(const Tensor& t) { return t.detach().contiguous(); }
void copy_back(const Tensor& t, const Tensor& buffer) {
    if (buffer.raw_data_ptr() != t.raw_data_ptr()) t.detach().copy_(buffer);
}

// The header exchange of the mpi backend, over the MPI group: the same ember::Error on every rank
// when the arguments disagree or a rank's are bad (collective_header.h).
void exchange_headers(ProcessGroupMPI& mpi, detail::Collective c, const Tensor& described, int64_t op, int64_t root,
                      detail::MustMatch must, const std::exception_ptr& local_error) {
    detail::Header header = detail::make_header(c, described, op, root, local_error != nullptr);
    Tensor mine = empty({detail::kHeaderLength}, TensorOptions().dtype(kInt64));
    for (int i = 0; i < detail::kHeaderLength; ++i) mine.data_ptr<int64_t>()[i] = header[i];
    std::vector<Tensor> gathered;
    for (int r = 0; r < mpi.getSize(); ++r) gathered.push_back(empty({detail::kHeaderLength}, mine.options()));
    mpi.allgather(gathered, mine)->wait();
    std::vector<int64_t> all;
    for (const Tensor& g : gathered) all.insert(all.end(), g.data_ptr<int64_t>(), g.data_ptr<int64_t>() + g.numel());
    detail::check_headers(c, mpi.getRank(), all, must, local_error);
}

// The collective was queued on the stream: nothing is left for wait() to do (see the header).
std::shared_ptr<Work> enqueued() {
    auto work = std::make_shared<Work>();
    work->finish();
    return work;
}

}  // namespace

std::shared_ptr<ProcessGroupNCCL> ProcessGroupNCCL::createProcessGroupNCCL(std::chrono::milliseconds timeout) {
    auto impl = std::make_unique<Impl>();
    impl->mpi = ProcessGroupMPI::createProcessGroupMPI(timeout);
    const int rank = impl->mpi->getRank(), size = impl->mpi->getSize();
    // Every rank learns whether every rank has a GPU before anyone waits inside NCCL for a rank
    // that has none.
    Tensor usable = full({1}, cuda_is_available() ? 1.0 : 0.0, TensorOptions().dtype(kInt64));
    impl->mpi->allreduce(usable, ReduceOp::MIN)->wait();
    EMBER_ENFORCE(usable.item<int64_t>() == 1, DeviceError, "ember::distributed::init_process_group(\"nccl\") (rank ",
                  rank, " of ", size,
                  "): ", cuda_is_available() ? "another rank has no usable GPU" : "this rank has no usable GPU",
                  "; the nccl backend needs one GPU per rank (use \"mpi\" for CPU tensors)");
    cuda::ensure_initialized();

    ncclUniqueId id;
    Tensor id_bytes = zeros({static_cast<int64_t>(sizeof id)}, TensorOptions().dtype(kUInt8));
    const detail::ArgumentChecks where{"nccl", kCUDA, rank, size, 0};
    if (rank == 0) {
        check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId", where, "init_process_group");
        std::memcpy(id_bytes.data_ptr<uint8_t>(), &id, sizeof id);
    }
    impl->mpi->broadcast(id_bytes, 0)->wait();
    std::memcpy(&id, id_bytes.data_ptr<uint8_t>(), sizeof id);
    check_nccl(ncclCommInitRank(&impl->comm, size, id, rank), "ncclCommInitRank", where, "init_process_group");
    return std::shared_ptr<ProcessGroupNCCL>(new ProcessGroupNCCL(rank, size, std::move(impl)));
}

ProcessGroupNCCL::ProcessGroupNCCL(int rank, int size, std::unique_ptr<Impl> impl)
    : ProcessGroup(rank, size), impl_(std::move(impl)) {}

ProcessGroupNCCL::~ProcessGroupNCCL() {
    try {
        shutdown();
    } catch (...) {
    }
}

void ProcessGroupNCCL::shutdown() {
    if (impl_->shut_down) return;
    impl_->shut_down = true;
    if (impl_->comm) {
        (void)cudaStreamSynchronize(kStream);
        ncclCommDestroy(impl_->comm);
        impl_->comm = nullptr;
    }
    impl_->mpi->shutdown();
}

std::shared_ptr<Work> ProcessGroupNCCL::allreduce(const Tensor& tensor, ReduceOp op) {
    const char* name = "all_reduce";
    const auto check = checks(*this);
    std::exception_ptr error = check.tensor(name, "input", tensor);
    if (!error) error = check.op(name, op, tensor);
    exchange_headers(*impl_->mpi, detail::Collective::AllReduce, tensor, static_cast<int64_t>(op), 0,
                     {true, true, false}, error);
    Tensor buffer = contiguous_buffer(tensor);
    check_nccl(ncclAllReduce(buffer.raw_data_ptr(), buffer.raw_data_ptr(), static_cast<size_t>(buffer.numel()),
                             nccl_type(buffer.scalar_type()), nccl_op(op, buffer.scalar_type()), impl_->comm, kStream),
               "ncclAllReduce", check, name);
    copy_back(tensor, buffer);
    return enqueued();
}

std::shared_ptr<Work> ProcessGroupNCCL::broadcast(const Tensor& tensor, int src) {
    const char* name = "broadcast";
    const auto check = checks(*this);
    std::exception_ptr error = check.tensor(name, "input", tensor);
    if (!error) error = check.src(name, src);
    exchange_headers(*impl_->mpi, detail::Collective::Broadcast, tensor, 0, src, {true, false, true}, error);
    Tensor buffer = contiguous_buffer(tensor);
    check_nccl(ncclBroadcast(buffer.raw_data_ptr(), buffer.raw_data_ptr(), static_cast<size_t>(buffer.numel()),
                             nccl_type(buffer.scalar_type()), src, impl_->comm, kStream),
               "ncclBroadcast", check, name);
    copy_back(tensor, buffer);
    return enqueued();
}

std::shared_ptr<Work> ProcessGroupNCCL::allgather(const std::vector<Tensor>& outputs, const Tensor& input) {
    const char* name = "all_gather";
    const auto check = checks(*this);
    std::exception_ptr error = check.tensor(name, "input", input);
    if (!error) error = check.list(name, "outputs", outputs, input);
    exchange_headers(*impl_->mpi, detail::Collective::AllGather, input, 0, 0, {true, false, false}, error);
    Tensor send = contiguous_buffer(input);
    const int64_t n = send.numel();
    Tensor gathered = empty({n * static_cast<int64_t>(outputs.size())}, send.options());
    check_nccl(ncclAllGather(send.raw_data_ptr(), gathered.raw_data_ptr(), static_cast<size_t>(n),
                             nccl_type(send.scalar_type()), impl_->comm, kStream),
               "ncclAllGather", check, name);
    for (size_t r = 0; r < outputs.size(); ++r)
        outputs[r].detach().copy_(gathered.narrow(0, static_cast<int64_t>(r) * n, n).view(send.sizes()));
    return enqueued();
}

std::shared_ptr<Work> ProcessGroupNCCL::reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs,
                                                       ReduceOp op) {
    const char* name = "reduce_scatter";
    const auto check = checks(*this);
    std::exception_ptr error = check.tensor(name, "output", output);
    if (!error) error = check.op(name, op, output);
    if (!error) error = check.list(name, "inputs", inputs, output);
    exchange_headers(*impl_->mpi, detail::Collective::ReduceScatter, output, static_cast<int64_t>(op), 0,
                     {true, true, false}, error);
    // ncclReduceScatter takes the inputs back to back, rank order.
    const int64_t n = output.numel();
    Tensor send = empty({n * static_cast<int64_t>(inputs.size())}, output.options());
    for (size_t r = 0; r < inputs.size(); ++r)
        send.narrow(0, static_cast<int64_t>(r) * n, n).view(output.sizes()).copy_(inputs[r].detach());
    Tensor result = output.is_contiguous() ? output.detach() : empty(output.sizes(), output.options());
    check_nccl(
        ncclReduceScatter(send.raw_data_ptr(), result.raw_data_ptr(), static_cast<size_t>(n),
                          nccl_type(result.scalar_type()), nccl_op(op, result.scalar_type()), impl_->comm, kStream),
        "ncclReduceScatter", check, name);
    copy_back(output, result);
    return enqueued();
}

// Every rank's queued GPU work has finished and every rank has arrived.
std::shared_ptr<Work> ProcessGroupNCCL::barrier() {
    EMBER_CUDA_CHECK(cudaStreamSynchronize(kStream));
    impl_->mpi->barrier()->wait();
    return enqueued();
}

}  // namespace ember::distributed
