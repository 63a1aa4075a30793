#pragma once
// CommThread: the one thread that runs a process group's collectives, first started first run.
// Every rank starts its collectives in program order, so every rank's thread reaches them in the
// same order, which MPI requires; the task's exception (if any) is stored in its Work.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "ember/distributed/work.h"

namespace ember::distributed::detail {

class CommThread {
public:
    CommThread();
    CommThread(const CommThread&) = delete;
    CommThread& operator=(const CommThread&) = delete;
    ~CommThread();  // stop()

    // Queues `task`; `work` is finished when it returns or throws. Throws after stop().
    void enqueue(std::shared_ptr<Work> work, std::function<void()> task);
    // Runs what is queued, then joins the thread. Idempotent.
    void stop();

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable queued_cv_;
    std::deque<std::pair<std::shared_ptr<Work>, std::function<void()>>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ember::distributed::detail
