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

// Anomaly mode, thread-local like grad mode and off by default. While it is on, autograd checks
// for NaN and Inf (floating tensors only) and throws an AnomalyError (error.h) at the first one:
//  - forward: every op that records a node (grad mode on, an input requiring grad) has its outputs
//    checked before the node is attached; ops that record nothing are not checked. Outputs only,
//    as in PyTorch: an op fed a NaN input throws too, and its message says which inputs already
//    held NaN/Inf, so "produced here" and "passed on from input k" can be told apart.
//  - backward: every gradient a node's backward returns is checked; the message names the node,
//    which of its inputs the gradient belongs to, its shape and dtype, and whether the gradient
//    that reached the node was already non-finite.
// Off, it costs one thread-local bool test per recorded node and per backward node. On, every
// check is a reduction and a host sync: a debugging tool, not for training runs.
class AnomalyMode {
public:
    static bool is_enabled();
    static void set_enabled(bool enabled);
};
inline bool is_anomaly_enabled() { return AnomalyMode::is_enabled(); }

// RAII: anomaly detection on (or off, with DetectAnomalyGuard(false)) for its scope.
class DetectAnomalyGuard {
public:
    explicit DetectAnomalyGuard(bool enabled = true) : prev_(AnomalyMode::is_enabled()) {
        AnomalyMode::set_enabled(enabled);
    }
    ~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_); }
    DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
    DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

private:
    bool prev_;
};
}  // namespace autograd

}  // namespace ember
