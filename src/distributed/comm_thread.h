#pragma once
// CommThread: the one thread that runs a process group's collectives, first started first run.
// Every rank starts its collectives in program order, so every rank's thread reaches them in the
// same order, which MPI requires; the task's exception (if any) is stored in its Work.
#include <chrono>
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

    // Queues `task` (named `name`, a string literal); `work` is finished when it returns or
    // throws. Throws after stop().
    void enqueue(std::shared_ptr<Work> work, const char* name, std::function<void()> task);

    // What runs now and since when (name null when idle), for the watchdog.
    struct Running {
        const char* name = nullptr;
        std::chrono::steady_clock::time_point since;
    };
    Running running();
    // Runs what is queued, then joins the thread. Idempotent.
    void stop();

private:
    void loop();

    std::mutex mutex_;
    std::condition_variable queued_cv_;
    struct Item {
        std::shared_ptr<Work> work;
        const char* name;
        std::function<void()> task;
    };
    std::deque<Item> queue_;
    Running running_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ember::distributed::detail
