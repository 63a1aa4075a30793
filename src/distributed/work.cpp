#include "ember/distributed/work.h"

#include "ember/tensor/error.h"

namespace ember::distributed {

bool Work::is_completed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return completed_;
}

bool Work::is_success() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return completed_ && !error_;
}

bool Work::wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (timeout == kNoTimeout)
        done_cv_.wait(lock, [this] { return completed_; });
    else
        EMBER_ENFORCE(done_cv_.wait_for(lock, timeout, [this] { return completed_; }), Error,
                      "ember::distributed::Work::wait: the collective did not complete within ", timeout.count(),
                      " ms (it is still running; its tensors stay in use)");
    if (error_) std::rethrow_exception(error_);
    return true;
}

std::exception_ptr Work::exception() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

void Work::finish(std::exception_ptr error) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        completed_ = true;
        error_ = std::move(error);
    }
    done_cv_.notify_all();
}

}  // namespace ember::distributed
