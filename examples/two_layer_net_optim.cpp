// The nn version with the hand-written update replaced by an optimizer: optim::Adam keeps, for
// every parameter, running means of the gradient and of its square, and steps each weight by
// about lr in the direction that lowers the loss. The loop becomes zero_grad, backward, step.
#include <chrono>
#include <cstdio>

#include <ember/ember.h>

namespace nn = ember::nn;
namespace optim = ember::optim;

int main() {
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    const int steps = 500;
    const double learning_rate = 1e-4;
    ember::manual_seed(0);

    ember::Tensor x = ember::randn({N, D_in});
    ember::Tensor y = ember::randn({N, D_out});

    nn::Sequential model(nn::Linear(D_in, H), nn::ReLU(), nn::Linear(H, D_out));
    nn::MSELoss loss_fn(nn::MSELossOptions().reduction(ember::kSum));

    // The optimizer holds handles to the model's parameters and updates them in place.
    optim::Adam optimizer(model->parameters(), optim::AdamOptions(learning_rate));

    auto start = std::chrono::steady_clock::now();
    double loss_value = 0;
    for (int t = 0; t < steps; ++t) {
        ember::Tensor loss = loss_fn(model(x), y);
        loss_value = loss.item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss_value);

        optimizer.zero_grad();  // gradients accumulate: clear the last step's
        loss.backward();        // d loss / d parameter for every parameter
        optimizer.step();       // one Adam update of every parameter
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"two_layer_net_optim\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss_value, seconds);
    return 0;
}
