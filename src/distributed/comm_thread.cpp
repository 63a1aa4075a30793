#include "distributed/comm_thread.h"

#include "ember/autograd/grad_mode.h"
#include "ember/tensor/error.h"

namespace ember::distributed::detail {

CommThread::CommThread() : thread_([this] { loop(); }) {}

CommThread::~CommThread() { stop(); }

void CommThread::enqueue(std::shared_ptr<Work> work, const char* name, std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        EMBER_ENFORCE(!stopping_, Error,
                      "ember::distributed: a collective was started after the process group was destroyed");
        queue_.push_back(Item{std::move(work), name, std::move(task)});
    }
    queued_cv_.notify_one();
}

void CommThread::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    queued_cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

CommThread::Running CommThread::running() {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
}

void CommThread::loop() {
    // The tasks copy tensors in and out of MPI buffers; none of that is part of a graph.
    NoGradGuard no_grad;
    for (;;) {
        Item item;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            queued_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything queued has run
            item = std::move(queue_.front());
            queue_.pop_front();
            running_ = Running{item.name, std::chrono::steady_clock::now()};
        }
        std::exception_ptr error;
        try {
            item.task();
        } catch (...) {
            error = std::current_exception();
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            running_ = Running{};
        }
        item.work->finish(error);
    }
}

}  // namespace ember::distributed::detail
