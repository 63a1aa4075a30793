// The torch.distributed-style functions over one default process group.
#include "ember/distributed/distributed.h"

#include <mutex>

#include "ember/tensor/error.h"

namespace ember::distributed {

namespace {
std::mutex g_mutex;
std::shared_ptr<ProcessGroup> g_default;

std::shared_ptr<ProcessGroup> group_for(const char* function) {
    std::lock_guard<std::mutex> lock(g_mutex);
    EMBER_ENFORCE(g_default != nullptr, Error, "ember::distributed::", function,
                  ": the default process group is not initialized; call "
                  "ember::distributed::init_process_group(\"mpi\") first (and launch the program with mpirun)");
    return g_default;
}

// The synchronous forms wait here, so their errors are thrown by the call itself.
std::shared_ptr<Work> finish(std::shared_ptr<Work> work, bool async_op) {
    if (!async_op) work->wait();
    return work;
}
}  // namespace

bool is_mpi_available() {
#ifdef EMBER_WITH_MPI
    return true;
#else
    return false;
#endif
}

bool is_nccl_available() {
#ifdef EMBER_WITH_NCCL
    return true;
#else
    return false;
#endif
}

void init_process_group(const std::string& backend, std::chrono::milliseconds timeout) {
    std::lock_guard<std::mutex> lock(g_mutex);
    EMBER_ENFORCE(g_default == nullptr, Error, "ember::distributed::init_process_group(\"", backend,
                  "\"): the default process group is already initialized (backend ", g_default->getBackendName(),
                  "); call destroy_process_group() first");
    if (backend == "mpi") {
        g_default = ProcessGroupMPI::createProcessGroupMPI(timeout);
        return;
    }
    if (backend == "nccl") {
        g_default = ProcessGroupNCCL::createProcessGroupNCCL(timeout);
        return;
    }
    throw ValueError(str_cat("ember::distributed::init_process_group: unknown backend \"", backend,
                             "\"; ember has \"mpi\" (CPU tensors) and \"nccl\" (CUDA tensors)"));
}

bool is_initialized() {
    std::lock_guard<std::mutex> lock(g_mutex);
    return g_default != nullptr;
}

void destroy_process_group() {
    std::shared_ptr<ProcessGroup> group;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        EMBER_ENFORCE(g_default != nullptr, Error,
                      "ember::distributed::destroy_process_group: the default process group is not initialized");
        group = std::move(g_default);
    }
    if (auto* mpi = dynamic_cast<ProcessGroupMPI*>(group.get())) mpi->shutdown();
    if (auto* nccl = dynamic_cast<ProcessGroupNCCL*>(group.get())) nccl->shutdown();
}

std::shared_ptr<ProcessGroup> get_default_group() { return group_for("get_default_group"); }
int get_rank() { return group_for("get_rank")->getRank(); }
int get_world_size() { return group_for("get_world_size")->getSize(); }
std::string get_backend() { return group_for("get_backend")->getBackendName(); }

std::shared_ptr<Work> barrier(bool async_op) { return finish(group_for("barrier")->barrier(), async_op); }

std::shared_ptr<Work> all_reduce(const Tensor& tensor, ReduceOp op, bool async_op) {
    return finish(group_for("all_reduce")->allreduce(tensor, op), async_op);
}

std::shared_ptr<Work> broadcast(const Tensor& tensor, int src, bool async_op) {
    return finish(group_for("broadcast")->broadcast(tensor, src), async_op);
}

std::shared_ptr<Work> all_gather(const std::vector<Tensor>& outputs, const Tensor& input, bool async_op) {
    return finish(group_for("all_gather")->allgather(outputs, input), async_op);
}

std::shared_ptr<Work> reduce_scatter(const Tensor& output, const std::vector<Tensor>& inputs, ReduceOp op,
                                     bool async_op) {
    return finish(group_for("reduce_scatter")->reduce_scatter(output, inputs, op), async_op);
}

}  // namespace ember::distributed
