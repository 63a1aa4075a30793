// ProcessGroupMPI over MPI_COMM_WORLD; see the header for the threading and checking design.
#include "ember/distributed/process_group_mpi.h"

// Only MPI's C API: the deprecated C++ bindings would be compiled in (and warn) otherwise.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "distributed/argument_checks.h"
#include "distributed/collective_header.h"
#include "distributed/comm_thread.h"
#include "ember/ops/ops.h"
#include "ember/tensor/error.h"

namespace ember::distributed {

struct ProcessGroupMPI::Impl {
    detail::CommThread thread;
    bool owns_mpi = false;  // ember called MPI_Init_thread, so ember calls MPI_Finalize
    bool shut_down = false;
    // The watchdog: a collective running longer than `timeout` means a rank never joined it.
    std::chrono::milliseconds timeout{0};
    std::mutex watchdog_mutex;
    std::condition_variable watchdog_cv;
    bool watchdog_stop = false;
    std::thread watchdog;
};

namespace {

std::atomic<int> g_rank{-1};
std::atomic<int> g_size{0};

// An uncaught exception on any rank would leave the others blocked in their next collective:
// this handler names the rank and the exception, then MPI_Abort makes mpirun end every rank.
[[noreturn]] void abort_job_on_uncaught_exception() {
    const char* what = "std::terminate was called without an active exception";
    std::string text;
    if (std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            text = x.what();
            what = text.c_str();
        } catch (...) {
            what = "an exception that is not a std::exception";
        }
    }
    std::fprintf(stderr,
                 "ember::distributed: rank %d of %d terminated by an uncaught exception: %s\n"
                 "ember::distributed: calling MPI_Abort so that the other ranks stop instead of waiting for rank %d\n",
                 g_rank.load(), g_size.load(), what, g_rank.load());
    std::fflush(stderr);
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, 1);
    std::abort();
}

void check_mpi(int code, const char* call, const char* collective) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    throw Error(str_cat("ember::distributed::", collective, " (rank ", g_rank.load(), " of ", g_size.load(),
                        "): ", call, " failed: ", std::string(text, static_cast<size_t>(length))));
}

MPI_Datatype mpi_type(ScalarType t) {
    switch (t) {
        case ScalarType::Float32: return MPI_FLOAT;
        case ScalarType::Float64: return MPI_DOUBLE;
        case ScalarType::Int64: return MPI_INT64_T;
        case ScalarType::Bool: return MPI_C_BOOL;
        case ScalarType::UInt8: return MPI_UINT8_T;
        case ScalarType::Int32: return MPI_INT32_T;
        // MPI has no 16-bit floats: moved as their bits; reductions go through float32 buffers.
        case ScalarType::Float16:
        case ScalarType::BFloat16: return MPI_UINT16_T;
    }
    throw Error("ember::distributed: unknown dtype");
}

// MPI reduces C bools only with logical operations: SUM and MAX are "any", PRODUCT and MIN "all".
MPI_Op mpi_op(ReduceOp op, ScalarType t) {
    if (t == ScalarType::Bool) return (op == ReduceOp::SUM || op == ReduceOp::MAX) ? MPI_LOR : MPI_LAND;
    switch (op) {
        case ReduceOp::SUM:
        case ReduceOp::AVG: return MPI_SUM;
        case ReduceOp::PRODUCT: return MPI_PROD;
        case ReduceOp::MIN: return MPI_MIN;
        case ReduceOp::MAX: return MPI_MAX;
    }
    throw Error("ember::distributed: unknown ReduceOp");
}

// AVG is SUM followed by a division by the world size, in the tensor's own precision.
void divide_in_place(const Tensor& buffer, int world) {
    if (buffer.scalar_type() == kFloat32) {
        float* p = buffer.data_ptr<float>();
        for (int64_t i = 0; i < buffer.numel(); ++i) p[i] /= static_cast<float>(world);
    } else {
        double* p = buffer.data_ptr<double>();
        for (int64_t i = 0; i < buffer.numel(); ++i) p[i] /= static_cast<double>(world);
    }
}

// The checks a rank makes alone on its arguments (argument_checks.h).
detail::ArgumentChecks checks() { return {"mpi", kCPU, g_rank.load(), g_size.load(), INT_MAX}; }

// A contiguous buffer with t's values: t itself when it is contiguous, else a copy that the
// collective's result is copied back from.
Tensor contiguous_buffer(const Tensor& t) { return t.detach().contiguous(); }
// MPI cannot add 16-bit floats: they are reduced as float32 (which also rounds once, at the end,
// instead of after every rank's addition) and rounded back by copy_back.
ScalarType reduction_dtype(ScalarType t) { return is_reduced_float(t) ? kFloat32 : t; }
Tensor reduction_buffer(const Tensor& t) {
    return is_reduced_float(t.scalar_type()) ? t.detach().to(kFloat32) : contiguous_buffer(t);
}
void copy_back(const Tensor& t, const Tensor& buffer) {
    if (!buffer.is_same(t) && buffer.raw_data_ptr() != t.raw_data_ptr()) t.detach().copy_(buffer);
}

// Wakes a few times per timeout; when the collective now running started more than `timeout`
// ago, some rank is hung, deadlocked or in a different collective, and waiting longer helps
// nobody: name this rank and the collective, then MPI_Abort ends the job. (MPI_Abort from this
// thread while the communication thread is inside MPI goes past MPI_THREAD_SERIALIZED's promise;
// Open MPI handles it, and the job is ending anyway.)
void watch(ProcessGroupMPI::Impl& impl) {
    const auto period = std::max(std::chrono::milliseconds(10), impl.timeout / 10);
    std::unique_lock<std::mutex> lock(impl.watchdog_mutex);
    while (!impl.watchdog_cv.wait_for(lock, period, [&] { return impl.watchdog_stop; })) {
        detail::CommThread::Running now = impl.thread.running();
        if (!now.name || std::chrono::steady_clock::now() - now.since < impl.timeout) continue;
        std::fprintf(stderr,
                     "ember::distributed: rank %d of %d: %s has not completed after %.3g s (the process group's "
                     "timeout); a rank did not join it (hung, deadlocked, or calling a different collective). "
                     "Calling MPI_Abort so that the job ends.\n",
                     g_rank.load(), g_size.load(), now.name, static_cast<double>(impl.timeout.count()) / 1000.0);
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

}  // namespace

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::createProcessGroupMPI(std::chrono::milliseconds timeout) {
    EMBER_ENFORCE(timeout.count() > 0, ValueError, "ember::distributed::init_process_group(\"mpi\"): timeout ",
                  timeout.count(), " ms must be positive");
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    EMBER_ENFORCE(!finalized, Error,
                  "ember::distributed::init_process_group(\"mpi\"): MPI was already finalized in this process "
                  "(destroy_process_group), and MPI cannot be initialised twice");
    auto impl = std::make_unique<Impl>();
    int provided = 0;
    if (!initialized) {
        check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread",
                  "init_process_group");
        impl->owns_mpi = true;
    } else {
        MPI_Query_thread(&provided);
    }
    EMBER_ENFORCE(provided >= MPI_THREAD_SERIALIZED, Error,
                  "ember::distributed::init_process_group(\"mpi\"): this MPI provides thread level ", provided,
                  ", but ember's communication thread needs MPI_THREAD_SERIALIZED");
    // Errors come back as codes, which check_mpi turns into ember::Errors naming the call.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rank = 0, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    g_rank = rank;
    g_size = size;
    std::set_terminate(abort_job_on_uncaught_exception);
    impl->timeout = timeout;
    Impl* watched = impl.get();
    impl->watchdog = std::thread([watched] { watch(*watched); });
    return std::shared_ptr<ProcessGroupMPI>(new ProcessGroupMPI(rank, size, std::move(impl)));
}

ProcessGroupMPI::ProcessGroupMPI(int rank, int size, std::unique_ptr<Impl> impl)
    : ProcessGroup(rank, size), impl_(std::move(impl)) {}

ProcessGroupMPI::~ProcessGroupMPI() {
    try {
        shutdown();
    } catch (...) {
    }
}

void ProcessGroupMPI::shutdown() {
    if (impl_->shut_down) return;
    impl_->shut_down = true;
    impl_->thread.stop();
    {
        std::lock_guard<std::mutex> lock(impl_->watchdog_mutex);
        impl_->watchdog_stop = true;
    }
    impl_->watchdog_cv.notify_all();
    if (impl_->watchdog.joinable()) impl_->watchdog.join();
    if (impl_->owns_mpi) MPI_Finalize();
}

namespace {
// Queues header exchange + check + payload on the communication thread.
std::shared_ptr<Work> start(detail::CommThread& thread, detail::Collective c, const Tensor& described, int64_t op,
                            int64_t root, detail::MustMatch must, std::exception_ptr local_error,
                            std::function<void()> payload) {
    auto work = std::make_shared<Work>();
    detail::Header header = detail::make_header(c, described, op, root, local_error != nullptr);
    thread.enqueue(work, detail::collective_name(c), [c, header, must, local_error, payload = std::move(payload)] {
        const char* name = detail::collective_name(c);
        std::vector<int64_t> all(static_cast<size_t>(g_size.load()) * detail::kHeaderLength);
        check_mpi(MPI_Allgather(header.data(), detail::kHeaderLength, MPI_INT64_T, all.data(), detail::kHeaderLength,
                                MPI_INT64_T, MPI_COMM_WORLD),
                  "MPI_Allgather (the header check)", name);
        detail::check_headers(c, g_rank.load(), all, must, local_error);
        payload();
    });
    return work;
}
}  // namespace

std::shared_ptr<Work> ProcessGroupMPI::allreduce(const Tensor& tensor, ReduceOp op) {
    const char* name = "all_reduce";
    std::exception_ptr error = checks().tensor(name, "input", tensor);
    if (!error) error = checks().op(name, op, tensor);
    Tensor buffer = error ? Tensor() : reduction_buffer(tensor);
    const int world = size_;
    return start(
        impl_->thread, detail::Collective::AllReduce, tensor, static_cast<int64_t>(op), 0, {true, true, false}, error,
        [=] {
            check_mpi(MPI_Allreduce(MPI_IN_PLACE, buffer.raw_data_ptr(), static_cast<int>(buffer.numel()),
                                    mpi_type(buffer.scalar_type()), mpi_op(op, buffer.scalar_type()), MPI_COMM_WORLD),
                      "MPI_Allreduce", name);
            if (op == ReduceOp::AVG) divide_in_place(buffer, world);
            copy_back(tensor, buffer);
        });
}

std::shared_ptr<Work> ProcessGroupMPI::broadcast(const Tensor& tensor, int src) {
    const char* name = "broadcast";
    std::exception_ptr error = checks().tensor(name, "input", tensor);
    if (!error) error = checks().src(name, src);
    Tensor buffer = error ? Tensor() : contiguous_buffer(tensor);
    return start(impl_->thread, detail::Collective::Broadcast, tensor, 0, src, {true, false, true}, error, [=] {
        check_mpi(MPI_Bcast(buffer.raw_data_ptr(), static_cast<int>(buffer.numel()), mpi_type(buffer.scalar_type()),
                            src, MPI_COMM_WORLD),
                  "MPI_Bcast", name);
        copy_back(tensor, buffer);
    });
}

std::shared_ptr<Work> ProcessGroupMPI::allgather(const std::vector<Tensor>& outputs, const Tensor& input) {
    const char* name = "all_gather";
    std::exception_ptr error = checks().tensor(name, "input", input);
    if (!error) error = checks().list(name, "outputs", outputs, input);
    Tensor send = error ? Tensor() : contiguous_buffer(input);
    return start(impl_->thread, detail::Collective::AllGather, input, 0, 0, {true, false, false}, error, [=] {
        const int64_t n = send.numel();
        Tensor gathered = empty({n * static_cast<int64_t>(outputs.size())}, send.options());
        check_mpi(
            MPI_Allgather(send.raw_data_ptr(), static_cast<int>(n), mpi_type(send.scalar_type()),
                          gathered.raw_data_ptr(), static_cast<int>(n), mpi_type(send.scalar_type()), MPI_COMM_WORLD),
            "MPI_Allgather", name);
        for (size_t r = 0; r < outputs.size(); ++r)
            outputs[r].detach().copy_(gathered.narrow(0, static_cast<int64_t>(r) * n, n).view(send.sizes()));
    });
}

std::shared_ptr<Work> ProcessGroupMPI::reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs,
                                                      ReduceOp op) {
    const char* name = "reduce_scatter";
    std::exception_ptr error = checks().tensor(name, "output", output);
    if (!error) error = checks().op(name, op, output);
    if (!error) error = checks().list(name, "inputs", inputs, output);
    Tensor send, result;
    if (!error) {
        // MPI_Reduce_scatter_block takes the inputs back to back, rank order.
        const int64_t n = output.numel();
        const TensorOptions options = output.options().dtype(reduction_dtype(output.scalar_type()));
        send = empty({n * static_cast<int64_t>(inputs.size())}, options);
        for (size_t r = 0; r < inputs.size(); ++r)
            send.narrow(0, static_cast<int64_t>(r) * n, n).view(output.sizes()).copy_(inputs[r].detach());
        result = output.is_contiguous() && output.scalar_type() == options.dtype() ? output.detach()
                                                                                   : empty(output.sizes(), options);
    }
    const int world = size_;
    return start(impl_->thread, detail::Collective::ReduceScatter, output, static_cast<int64_t>(op), 0,
                 {true, true, false}, error, [=] {
                     check_mpi(MPI_Reduce_scatter_block(
                                   send.raw_data_ptr(), result.raw_data_ptr(), static_cast<int>(result.numel()),
                                   mpi_type(result.scalar_type()), mpi_op(op, result.scalar_type()), MPI_COMM_WORLD),
                               "MPI_Reduce_scatter_block", name);
                     if (op == ReduceOp::AVG) divide_in_place(result, world);
                     copy_back(output, result);
                 });
}

std::shared_ptr<Work> ProcessGroupMPI::barrier() {
    return start(impl_->thread, detail::Collective::Barrier, Tensor(), 0, 0, {false, false, false}, nullptr,
                 [] { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier", "barrier"); });
}

}  // namespace ember::distributed
