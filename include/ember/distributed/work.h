#pragma once
// Work: the handle a collective returns, c10d's shape. The collective runs on the process group's
// communication thread; wait() blocks until it has finished and rethrows the ember::Error it ended
// with (the same error on every rank when the check before the payload failed).
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>

namespace ember::distributed {

class Work {
public:
    // c10d's "wait without a time limit".
    static constexpr std::chrono::milliseconds kNoTimeout{0};

    Work() = default;
    Work(const Work&) = delete;
    Work& operator=(const Work&) = delete;
    virtual ~Work() = default;

    // True once the collective has finished (successfully or with an error); never blocks.
    bool is_completed() const;
    // True when it finished without an error; false while it runs.
    bool is_success() const;
    // Blocks until the collective has finished; rethrows its error. Returns true, as c10d's does.
    // With a timeout, throws ember::Error when the collective has not finished by then; it is
    // still running, so its tensors stay in use (the group's watchdog ends a collective that never
    // completes).
    bool wait(std::chrono::milliseconds timeout = kNoTimeout);
    // The error it ended with, or null.
    std::exception_ptr exception() const;
    // c10d's spellings.
    bool isCompleted() const { return is_completed(); }
    bool isSuccess() const { return is_success(); }

    // Called once by the communication thread.
    void finish(std::exception_ptr error = nullptr);

private:
    mutable std::mutex mutex_;
    std::condition_variable done_cv_;
    bool completed_ = false;
    std::exception_ptr error_;
};

}  // namespace ember::distributed
