// The same two-layer network as two_layer_net_tensor.cpp, with the backward pass left to
// autograd: the weights require gradients, every op records itself as it runs, and
// loss.backward() walks that record in reverse to fill w1.grad() and w2.grad().
//
//     y_pred = relu(x w1) w2,   loss = sum((y_pred - y)^2)
#include <chrono>
#include <cstdio>

#include <ember/ember.h>

int main() {
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    const int steps = 500;
    const double learning_rate = 1e-6;
    ember::manual_seed(0);

    ember::Tensor x = ember::randn({N, D_in});
    ember::Tensor y = ember::randn({N, D_out});
    ember::Tensor w1 = ember::randn({D_in, H}, ember::requires_grad());
    ember::Tensor w2 = ember::randn({H, D_out}, ember::requires_grad());

    auto start = std::chrono::steady_clock::now();
    double loss_value = 0;
    for (int t = 0; t < steps; ++t) {
        // Forward pass: the graph of this step is recorded as it runs.
        ember::Tensor y_pred = x.mm(w1).clamp_min(0).mm(w2);
        ember::Tensor loss = (y_pred - y).pow(2).sum();
        loss_value = loss.item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss_value);

        // Backward pass: d loss / d w for every leaf that requires grad.
        loss.backward();

        // The update must not itself be recorded, so it runs under NoGradGuard; then the
        // gradients are zeroed, since backward() accumulates into .grad().
        {
            ember::NoGradGuard no_grad;
            w1.sub_(w1.grad(), learning_rate);
            w2.sub_(w2.grad(), learning_rate);
            w1.grad().zero_();
            w2.grad().zero_();
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"two_layer_net_autograd\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss_value, seconds);
    return 0;
}
