// A two-layer network trained with hand-written backpropagation on plain tensors: no autograd,
// every gradient derived on paper and written out. The classic first exercise (after Justin
// Johnson's "Learning PyTorch with examples"): fit random targets y from random inputs x with
//
//     h = x w1,   h_relu = max(h, 0),   y_pred = h_relu w2,   loss = sum((y_pred - y)^2)
//
// x: [N, D_in], w1: [D_in, H], w2: [H, D_out], y: [N, D_out].
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
    ember::Tensor w1 = ember::randn({D_in, H});
    ember::Tensor w2 = ember::randn({H, D_out});

    auto start = std::chrono::steady_clock::now();
    double loss = 0;
    for (int t = 0; t < steps; ++t) {
        // Forward pass.
        ember::Tensor h = x.mm(w1);
        ember::Tensor h_relu = h.clamp_min(0);
        ember::Tensor y_pred = h_relu.mm(w2);
        loss = (y_pred - y).pow(2).sum().item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss);

        // Backward pass, by the chain rule:
        //   dL/dy_pred = 2 (y_pred - y)          [N, D_out]
        //   dL/dw2     = h_relu^T dL/dy_pred     [H, D_out]
        //   dL/dh_relu = dL/dy_pred w2^T         [N, H]
        //   dL/dh      = dL/dh_relu where h > 0, else 0
        //   dL/dw1     = x^T dL/dh               [D_in, H]
        ember::Tensor grad_y_pred = 2.0 * (y_pred - y);
        ember::Tensor grad_w2 = h_relu.t().mm(grad_y_pred);
        ember::Tensor grad_h_relu = grad_y_pred.mm(w2.t());
        ember::Tensor grad_h = ember::where(h > 0, grad_h_relu, 0.0);
        ember::Tensor grad_w1 = x.t().mm(grad_h);

        // Gradient descent.
        w1.sub_(grad_w1, learning_rate);
        w2.sub_(grad_w2, learning_rate);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"two_layer_net_tensor\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss, seconds);
    return 0;
}
