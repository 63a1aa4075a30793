#pragma once
// autograd::Engine, as libtorch spells it (torch/csrc/autograd/engine.h), for the one thing a
// program asks of it: queue_callback, a function to run once the current backward has processed
// its whole graph. DistributedDataParallel uses it to wait for its gradient all-reduces after the
// last gradient hook has fired.
#include <functional>

namespace ember::autograd {

class Engine {
public:
    // The process-wide engine (ember has one; the backward itself runs on the calling thread).
    static Engine& get_default_engine();

    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Queues `callback` to run when the backward now running on this thread has processed its
    // graph: after every leaf has accumulated its .grad (Tensor::backward) or every requested
    // gradient is captured (autograd::grad), on this thread, in the order queued. A callback may
    // queue more; they run after it. Only callable during a backward (from a hook or a node's
    // apply), else an AutogradError, as libtorch's "Final callbacks can only be installed during
    // backward pass". If the backward throws, its queued callbacks are dropped.
    void queue_callback(std::function<void()> callback);

private:
    Engine() = default;
};

}  // namespace ember::autograd
