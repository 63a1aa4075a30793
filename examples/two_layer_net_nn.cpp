// The two-layer network built from nn modules: nn::Sequential chains Linear -> ReLU -> Linear
// and owns the weights (and biases), nn::MSELoss computes the loss, and the update is still
// written by hand, looping over model->parameters().
//
//     y_pred = Linear2(relu(Linear1(x))),   loss = sum((y_pred - y)^2)
#include <chrono>
#include <cstdio>

#include <ember/ember.h>

namespace nn = ember::nn;

int main() {
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    const int steps = 500;
    const double learning_rate = 1e-4;
    ember::manual_seed(0);

    ember::Tensor x = ember::randn({N, D_in});
    ember::Tensor y = ember::randn({N, D_out});

    // Each Linear holds weight [out, in] and bias [out], initialised U(-1/sqrt(in), 1/sqrt(in)).
    nn::Sequential model(nn::Linear(D_in, H), nn::ReLU(), nn::Linear(H, D_out));
    std::printf("%s", model->summary().c_str());

    // Reduction::Sum: the loss is the sum of squared errors, as in the tensor and autograd versions.
    nn::MSELoss loss_fn(nn::MSELossOptions().reduction(ember::kSum));

    auto start = std::chrono::steady_clock::now();
    double loss_value = 0;
    for (int t = 0; t < steps; ++t) {
        ember::Tensor y_pred = model(x);
        ember::Tensor loss = loss_fn(y_pred, y);
        loss_value = loss.item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss_value);

        // backward() accumulates into .grad(), so clear the previous step's gradients first.
        model->zero_grad();
        loss.backward();

        // Gradient descent on every parameter; NoGradGuard keeps the update out of the graph.
        {
            ember::NoGradGuard no_grad;
            for (ember::Tensor& param : model->parameters()) param.sub_(param.grad(), learning_rate);
        }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"two_layer_net_nn\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss_value, seconds);
    return 0;
}
