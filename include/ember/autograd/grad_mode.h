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

// RAII: grad mode on or off for its scope, as libtorch's torch::AutoGradMode(enabled).
class AutoGradMode {
public:
    explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
    ~AutoGradMode() { GradMode::set_enabled(prev_); }
    AutoGradMode(const AutoGradMode&) = delete;
    AutoGradMode& operator=(const AutoGradMode&) = delete;

private:
    bool prev_;
};

// RAII, as libtorch's torch::InferenceMode (c10::InferenceMode): InferenceMode() turns grad mode
// off and marks the scope as inference; InferenceMode(false) turns grad mode back on inside one.
// InferenceMode::is_enabled() says whether the innermost guard is an enabled one.
// libtorch also tags the tensors made inside as "inference tensors" and refuses to record them
// in autograd later; ember has no such tag: they are ordinary tensors without history, so a
// program that is valid in libtorch does the same here (see docs/porting.md).
class InferenceMode {
public:
    explicit InferenceMode(bool enabled = true);
    ~InferenceMode();
    InferenceMode(const InferenceMode&) = delete;
    InferenceMode& operator=(const InferenceMode&) = delete;
    static bool is_enabled();

private:
    bool prev_grad_;
    bool prev_inference_;
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
using ember::AutoGradMode;
using ember::GradMode;
using ember::InferenceMode;
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
