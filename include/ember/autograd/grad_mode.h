#pragma once
namespace ember {

// Grad mode is thread-local: NoGradGuard in one thread never affects another.
class GradMode {
public:
    static bool is_enabled();
    static void set_enabled(bool enabled);
};

// RAII: disables recording for its scope (Gibbs sampling, optimizer steps, evaluation).
class NoGradGuard {
public:
    NoGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
    ~NoGradGuard() { GradMode::set_enabled(prev_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool prev_;
};

class EnableGradGuard {
public:
    EnableGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(true); }
    ~EnableGradGuard() { GradMode::set_enabled(prev_); }
    EnableGradGuard(const EnableGradGuard&) = delete;
    EnableGradGuard& operator=(const EnableGradGuard&) = delete;

private:
    bool prev_;
};

namespace autograd {
using ember::GradMode;
using ember::NoGradGuard;
}  // namespace autograd

}  // namespace ember
