// The autograd two-layer network with its ReLU written as a custom autograd Function: a forward
// that saves what the backward needs, and a backward that turns the output gradient into the
// input gradient. This is how to add an op whose gradient autograd cannot derive by itself (or
// one you want to compute more cheaply than the composed ops would).
#include <chrono>
#include <cstdio>

#include <ember/ember.h>

using ember::Tensor;
using ember::autograd::AutogradContext;

// relu(x) = max(x, 0);  d relu / dx = 1 where x > 0, else 0.
struct MyReLU : ember::autograd::Function<MyReLU> {
    static Tensor forward(AutogradContext* ctx, Tensor x) {
        ctx->save_for_backward({x});
        return x.clamp_min(0);
    }
    static std::vector<Tensor> backward(AutogradContext* ctx, std::vector<Tensor> grad_outputs) {
        Tensor x = ctx->get_saved_variables()[0];
        return {ember::where(x > 0, grad_outputs[0], 0.0)};
    }
};

int main() {
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    const int steps = 500;
    const double learning_rate = 1e-6;
    ember::manual_seed(0);

    Tensor x = ember::randn({N, D_in});
    Tensor y = ember::randn({N, D_out});
    Tensor w1 = ember::randn({D_in, H}, ember::requires_grad());
    Tensor w2 = ember::randn({H, D_out}, ember::requires_grad());

    auto start = std::chrono::steady_clock::now();
    double loss_value = 0;
    for (int t = 0; t < steps; ++t) {
        Tensor y_pred = MyReLU::apply(x.mm(w1)).mm(w2);
        Tensor loss = (y_pred - y).pow(2).sum();
        loss_value = loss.item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss_value);

        loss.backward();
        {
            ember::NoGradGuard no_grad;
            w1.sub_(w1.grad(), learning_rate);
            w2.sub_(w2.grad(), learning_rate);
            w1.grad().zero_();
            w2.grad().zero_();
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"two_layer_net_custom_function\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss_value,
                seconds);
    return 0;
}
