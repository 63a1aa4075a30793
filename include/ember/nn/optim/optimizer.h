#pragma once
// ember::optim::Optimizer, as in libtorch: parameters in one or more groups, each group with its
// own options (learning rate, ...), and per-parameter state (momentum buffers, Adam moments).
//
//   optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
//   for (...) { opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step(); }
//
// step() updates the parameters in place under NoGradGuard, so every handle a module holds stays
// valid. The state is keyed by the parameter's TensorImpl, which Module::to() keeps, and a state
// tensor follows its parameter to a new device or dtype at the next step.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/nn/options.h"
#include "ember/ops/ops.h"

namespace ember::optim {

// What every optimizer's options provide: a learning rate that schedulers can read and change.
struct OptimizerOptions {
    virtual ~OptimizerOptions() = default;
    virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
    virtual double get_lr() const = 0;
    virtual void set_lr(double lr) = 0;
    // Every option as a named number, for checkpoints (ember::save(optimizer, path)): a bool is 0
    // or 1, a pair such as Adam's betas is two entries. set_values() takes the same names (the
    // caller checks that they are all there). The base form knows only the learning rate.
    virtual std::map<std::string, double> values() const { return {{"lr", get_lr()}}; }
    virtual void set_values(const std::map<std::string, double>& values) { set_lr(values.at("lr")); }
};

// CRTP base giving an options struct with an `lr` member its clone/get_lr/set_lr.
template <typename Derived>
struct OptimizerCloneableOptions : OptimizerOptions {
    std::unique_ptr<OptimizerOptions> clone() const override {
        return std::make_unique<Derived>(static_cast<const Derived&>(*this));
    }
    double get_lr() const override { return static_cast<const Derived&>(*this).lr(); }
    void set_lr(double lr) override { static_cast<Derived&>(*this).lr(lr); }
};

// A set of parameters sharing options. A group built without options takes the optimizer's
// defaults when it is added.
class OptimizerParamGroup {
public:
    OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
    OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
        : params_(std::move(params)), options_(std::move(options)) {}
    OptimizerParamGroup(const OptimizerParamGroup& other);
    OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
    OptimizerParamGroup(OptimizerParamGroup&&) = default;
    OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

    std::vector<Tensor>& params() { return params_; }
    const std::vector<Tensor>& params() const { return params_; }
    bool has_options() const { return options_ != nullptr; }
    OptimizerOptions& options();
    const OptimizerOptions& options() const;
    void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }

private:
    std::vector<Tensor> params_;
    std::unique_ptr<OptimizerOptions> options_;
};

// Per-parameter state; each optimizer derives its own (SGDParamState, AdamParamState).
struct OptimizerParamState {
    virtual ~OptimizerParamState() = default;
    // The state as named tensors, for checkpoints: its tensors as they are (undefined ones left
    // out) and its step count as a 0-dim int64 tensor "step". set_tensors() takes them back; a
    // name it does not find leaves that member at its default.
    virtual std::map<std::string, Tensor> tensors() const { return {}; }
    virtual void set_tensors(const std::map<std::string, Tensor>&) {}
};

class Optimizer {
public:
    using LossClosure = std::function<Tensor()>;

    Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults);
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    // One update of every parameter that has a gradient. With a closure (which must zero the
    // gradients, compute the loss and call backward) it is called first, with grad mode on, and
    // its loss is returned; otherwise an undefined Tensor.
    virtual Tensor step(LossClosure closure = nullptr) = 0;

    // Resets every parameter's gradient: to undefined (set_to_none, the default, as in PyTorch
    // 2.x: the next backward allocates it) or to zeros.
    void zero_grad(bool set_to_none = true);

    // Adds a group; parameters must be leaves and belong to no other group.
    void add_param_group(const OptimizerParamGroup& group);
    std::vector<OptimizerParamGroup>& param_groups() { return param_groups_; }
    const std::vector<OptimizerParamGroup>& param_groups() const { return param_groups_; }
    // Every parameter of every group, in order.
    std::vector<Tensor> parameters() const;
    std::size_t size() const;

    // The options new groups start from, and those of group `i`.
    OptimizerOptions& defaults() { return *defaults_; }
    OptimizerOptions& options(std::size_t group = 0);
    // The learning rate of group 0, and a setter for all groups (what schedulers use).
    double lr() const;
    void set_lr(double lr);

    // The state of one parameter, or null before its first update.
    const OptimizerParamState* state(const Tensor& parameter) const;

    // A new, empty state of this optimizer's kind, for loading a checkpoint (optim/serialize.h);
    // an optimizer without one cannot be loaded (NotImplementedError).
    virtual std::unique_ptr<OptimizerParamState> make_param_state() const;

    // Everything a checkpoint holds (optim/serialize.h has the layout): the optimizer's type, each
    // group's options, each parameter's shape and state.
    struct Checkpoint {
        std::map<std::string, Tensor> tensors;
        std::map<std::string, std::string> metadata;
    };
    Checkpoint checkpoint() const;
    // Puts a checkpoint back, or throws ValueError (and changes nothing) when it was made by another
    // kind of optimizer or for other parameters (their number, grouping or shapes differ).
    void restore(const Checkpoint& checkpoint);

protected:
    // The state of `p`, created (default-constructed) on first use; `created` says whether it was.
    template <typename State>
    State& state_for(const Tensor& p, bool* created = nullptr) {
        auto& slot = state_[p.impl()];
        if (created) *created = slot == nullptr;
        if (!slot) slot = std::make_unique<State>();
        return static_cast<State&>(*slot);
    }
    // Runs the closure (if any) with grad mode on, as step() promises.
    static Tensor run_closure(const LossClosure& closure);

    std::vector<OptimizerParamGroup> param_groups_;
    std::unique_ptr<OptimizerOptions> defaults_;
    std::map<const TensorImpl*, std::unique_ptr<OptimizerParamState>> state_;
};

// Moves a state tensor to its parameter's device and dtype if the parameter moved (Module::to).
void follow_parameter(Tensor& state, const Tensor& parameter);

// For the checkpoint methods of options and states: a state tensor (left out when undefined) or a
// step count (a 0-dim int64 tensor) under `name`, and reading them back (left unchanged when the
// name is absent).
void put_state(std::map<std::string, Tensor>& out, const char* name, const Tensor& t);
void put_state(std::map<std::string, Tensor>& out, const char* name, int64_t step);
void get_state(const std::map<std::string, Tensor>& in, const char* name, Tensor& t);
void get_state(const std::map<std::string, Tensor>& in, const char* name, int64_t& step);

}  // namespace ember::optim
