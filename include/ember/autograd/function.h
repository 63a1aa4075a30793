#pragma once
// Custom differentiable functions, as in libtorch:
//
//   struct MyReLU : ember::autograd::Function<MyReLU> {
//       static Tensor forward(AutogradContext* ctx, Tensor x) {
//           ctx->save_for_backward({x});
//           return x.clamp_min(0);
//       }
//       static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_outputs) {
//           Tensor x = ctx->get_saved_variables()[0];
//           return {grad_outputs[0] * (x > 0)};
//       }
//   };
//   Tensor y = MyReLU::apply(x);
//
// forward runs with grad mode off; backward receives one gradient per output and returns one per
// Tensor argument of forward (an undefined Tensor for "no gradient").
#include <map>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "ember/autograd/node.h"

namespace ember::autograd {

class AutogradContext {
public:
    void save_for_backward(std::vector<Tensor> tensors) { to_save_ = std::move(tensors); }
    std::vector<Tensor> get_saved_variables() const;
    // Non-tensor values forward wants to hand to backward.
    std::map<std::string, double> saved_data;

private:
    template <typename T>
    friend struct Function;
    template <typename T>
    friend class CppNode;
    void finish_saving(const std::vector<Tensor>& outputs);
    void release() {
        saved_.clear();
        released_ = true;
    }
    std::vector<Tensor> to_save_;
    std::vector<SavedTensor> saved_;
    bool released_ = false;
    const Node* node_ = nullptr;
};

// libtorch's name for the node of a custom Function T: "torch::autograd::CppNode<T>" with T's
// qualified name, here spelled in ember's namespace.
std::string cpp_node_name(const std::type_info& function_type);  // function.cpp

template <typename T>
class CppNode final : public Node {
public:
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        if (ctx.released_) throw_backward_twice(name());
        std::vector<Tensor> out = T::backward(&ctx, std::move(grads));
        EMBER_ENFORCE(out.size() == n_inputs, AutogradError, "custom Function ", name(), ": backward returned ",
                      out.size(), " gradients but forward took ", n_inputs, " tensors");
        return out;
    }
    std::string name() const override { return cpp_node_name(typeid(T)); }
    void release_saved() override { ctx.release(); }
    AutogradContext ctx;
    std::size_t n_inputs = 0;
};

namespace detail {
inline void collect_tensors(std::vector<Tensor>&) {}
template <typename A, typename... Rest>
void collect_tensors(std::vector<Tensor>& out, const A& a, const Rest&... rest) {
    if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) out.push_back(a);
    collect_tensors(out, rest...);
}
}  // namespace detail

template <typename T>
struct Function {
    template <typename... Args>
    static auto apply(Args&&... args) {
        auto node = std::make_shared<CppNode<T>>();
        node->ctx.node_ = node.get();
        std::vector<Tensor> inputs;
        detail::collect_tensors(inputs, args...);
        bool record = GradMode::is_enabled();
        bool any = false;
        for (const Tensor& t : inputs) any |= t.defined() && t.requires_grad();
        record = record && any;

        using Out = decltype(T::forward(&node->ctx, std::forward<Args>(args)...));
        Out result;
        {
            NoGradGuard no_grad;
            result = T::forward(&node->ctx, std::forward<Args>(args)...);
        }
        std::vector<Tensor*> outs;
        if constexpr (std::is_same_v<Out, Tensor>) {
            outs.push_back(&result);
        } else {
            for (Tensor& t : result) outs.push_back(&t);
        }
        // An output that is one of the inputs gets an alias of its own, so that giving it a
        // grad_fn never rewrites the input's history.
        for (Tensor* o : outs)
            for (const Tensor& in : inputs)
                if (o->is_same(in)) *o = make_view(in, in.sizes(), in.strides(), in.storage_offset());
        if (record) {
            node->n_inputs = inputs.size();
            connect(node, inputs, outs);
            std::vector<Tensor> out_values;
            for (Tensor* o : outs) out_values.push_back(*o);
            node->ctx.finish_saving(out_values);
            node->saved_shapes = take_pending_saved_shapes();  // what ctx->save_for_backward kept
        }
        return result;
    }
};

}  // namespace ember::autograd
