#pragma once
// Custom differentiable functions, as in libtorch:
//
//   struct MyReLU : ember::autograd::Function<MyReLU> {
//       static Tensor forward(AutogradContext* ctx, Tensor x) {
//           ctx->save_for_backward({x});
//           return x.clamp_min(0);
//       }
//       static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
//           Tensor x = ctx->get_saved_variables()[0];
//           return {grad_outputs[0] * (x > 0)};
//       }
//   };
//   Tensor y = MyReLU::apply(x);
//
// forward runs with grad mode off and returns a Tensor or a variable_list; backward receives one
// gradient per output and returns one per argument of forward, as libtorch's: an undefined Tensor
// for an argument that is not a Tensor or gets no gradient (extra undefined ones at the end are
// dropped). ember also accepts one gradient per Tensor argument only, its older form.
//
// The context, as libtorch's AutogradContext:
//   saved_data                 string -> IValue, for values that are not tensors
//   save_for_backward(ts)      tensors for backward, checked against in-place changes
//   get_saved_variables()      them again, in backward
//   mark_dirty(ts)             inputs that forward modified in place (and returns): their history
//                              is rewritten to go through this function, as for a built-in x.add_()
//   mark_non_differentiable(ts) outputs that get no gradient (indices, masks): they do not require
//                              grad, and backward receives zeros for them
//   set_materialize_grads(b)   false: backward receives undefined Tensors, not zeros, for outputs
//                              that no gradient reached
//   needs_input_grad(i)        whether the i-th Tensor argument needs a gradient
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>

#include "ember/autograd/node.h"
#include "ember/tensor/ivalue.h"

namespace ember::autograd {

using variable_list = std::vector<Tensor>;
using tensor_list = std::vector<Tensor>;

class AutogradContext {
public:
    AutogradContext() = default;
    AutogradContext(const AutogradContext&) = delete;
    AutogradContext& operator=(const AutogradContext&) = delete;

    // Values that are not tensors, for backward (libtorch: ska::flat_hash_map<std::string, IValue>).
    std::unordered_map<std::string, IValue> saved_data;

    void save_for_backward(variable_list to_save) { to_save_ = std::move(to_save); }
    variable_list get_saved_variables() const;
    void mark_dirty(const variable_list& inputs);
    void mark_non_differentiable(const variable_list& outputs);
    void set_materialize_grads(bool value) { materialize_grads_ = value; }
    bool needs_input_grad(std::size_t tensor_input_index) const;

private:
    template <typename T>
    friend struct Function;
    template <typename T>
    friend class CppNode;
    friend struct FunctionRecorder;
    void finish_saving(const std::vector<Tensor>& outputs);
    void release() {
        saved_.clear();
        released_ = true;
    }
    std::vector<Tensor> to_save_;
    std::vector<SavedTensor> saved_;
    std::vector<const TensorImpl*> dirty_;
    std::vector<const TensorImpl*> non_differentiable_;
    std::vector<bool> needs_input_grad_;
    bool materialize_grads_ = true;
    bool released_ = false;
    const Node* node_ = nullptr;
};

// libtorch's name for the node of a custom Function T: "torch::autograd::CppNode<T>" with T's
// qualified name, here spelled in ember's namespace.
std::string cpp_node_name(const std::type_info& function_type);  // function.cpp

// What a custom Function's node needs besides T itself, kept out of the template (function.cpp).
struct FunctionRecorder {
    // Gives the outputs their history after forward: aliases for inputs returned unchanged, the
    // rewritten history of dirty inputs, no history for non-differentiable outputs, and (when
    // `node` is set: grad mode on and an input requiring grad) edges to the inputs' nodes.
    static void wrap_outputs(const std::shared_ptr<Node>& node, AutogradContext& ctx, const std::string& name,
                             const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs,
                             std::vector<OutputMeta>& output_meta);
    // Zeros for the outputs no gradient reached (unless materialize_grads is off).
    static void prepare_grads(const AutogradContext& ctx, const std::vector<OutputMeta>& output_meta,
                              std::vector<Tensor>& grads);
    // The gradients of the Tensor arguments among those backward returned (see the top of the file).
    static std::vector<Tensor> input_grads(const std::string& name, std::vector<Tensor>&& returned,
                                           const std::vector<bool>& is_tensor_arg, std::size_t n_tensor_args);
};

template <typename T>
class CppNode final : public Node {
public:
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        if (ctx.released_) throw_backward_twice(name());
        FunctionRecorder::prepare_grads(ctx, outputs, grads);
        return FunctionRecorder::input_grads(name(), T::backward(&ctx, std::move(grads)), is_tensor_arg, n_tensor_args);
    }
    std::string name() const override { return cpp_node_name(typeid(T)); }
    void release_saved() override { ctx.release(); }
    AutogradContext ctx;
    std::vector<bool> is_tensor_arg;  // one per argument of forward
    std::size_t n_tensor_args = 0;
    // Of every output, differentiable or not. Kept here rather than in Node::output_meta, which
    // would make the engine fill in zeros even when materialize_grads is off.
    std::vector<OutputMeta> outputs;
};

namespace detail {
template <typename A>
constexpr bool is_tensor_arg_v = std::is_same_v<std::decay_t<A>, Tensor>;

inline void collect_tensors(std::vector<Tensor>&, std::vector<bool>&) {}
template <typename A, typename... Rest>
void collect_tensors(std::vector<Tensor>& out, std::vector<bool>& is_tensor, const A& a, const Rest&... rest) {
    if constexpr (is_tensor_arg_v<A>) out.push_back(a);
    is_tensor.push_back(is_tensor_arg_v<A>);
    collect_tensors(out, is_tensor, rest...);
}
}  // namespace detail

template <typename T>
struct Function {
    template <typename... Args>
    static auto apply(Args&&... args) {
        auto node = std::make_shared<CppNode<T>>();
        AutogradContext& ctx = node->ctx;
        ctx.node_ = node.get();
        std::vector<Tensor> inputs;
        detail::collect_tensors(inputs, node->is_tensor_arg, args...);
        node->n_tensor_args = inputs.size();
        bool any = false;
        for (const Tensor& t : inputs) {
            const bool needs = t.defined() && t.requires_grad();
            ctx.needs_input_grad_.push_back(needs);
            any |= needs;
        }
        const bool record = GradMode::is_enabled() && any;
        if (!record) ctx.needs_input_grad_.assign(inputs.size(), false);

        using Out = decltype(T::forward(&ctx, std::forward<Args>(args)...));
        static_assert(std::is_same_v<Out, Tensor> || std::is_same_v<Out, variable_list>,
                      "custom Function: forward must return a Tensor or a variable_list");
        Out result;
        {
            NoGradGuard no_grad;
            result = T::forward(&ctx, std::forward<Args>(args)...);
        }
        std::vector<Tensor*> outs;
        if constexpr (std::is_same_v<Out, Tensor>) {
            outs.push_back(&result);
        } else {
            for (Tensor& t : result) outs.push_back(&t);
        }
        FunctionRecorder::wrap_outputs(record ? node : nullptr, ctx, node->name(), inputs, outs, node->outputs);
        if (record) {
            std::vector<Tensor> out_values;
            for (Tensor* o : outs) out_values.push_back(*o);
            ctx.finish_saving(out_values);
            node->saved_shapes = take_pending_saved_shapes();  // what ctx->save_for_backward kept
        }
        return result;
    }
};

}  // namespace ember::autograd
