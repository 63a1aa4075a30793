// A model as a custom Module: TwoLayerNetImpl registers its two Linear layers as children (so
// parameters(), to(), train()/eval() and printing see them) and says in forward() how they are
// used. EMBER_MODULE(TwoLayerNet) gives the holder, so `TwoLayerNet model(...); model(x)` reads
// as in libtorch. Trained with plain SGD.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <ember/ember.h>

namespace nn = ember::nn;
namespace optim = ember::optim;

struct TwoLayerNetImpl : nn::Module {
    TwoLayerNetImpl(int64_t D_in, int64_t H, int64_t D_out)
        : nn::Module("TwoLayerNet"),
          linear1(register_module("linear1", nn::Linear(D_in, H))),
          linear2(register_module("linear2", nn::Linear(H, D_out))) {}

    // Any C++ may go here: the graph is recorded as it runs.
    ember::Tensor forward(const ember::Tensor& x) {
        ember::Tensor h_relu = linear1(x).clamp_min(0);
        return linear2(h_relu);
    }

    nn::Linear linear1, linear2;
};
EMBER_MODULE(TwoLayerNet);

int main() {
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    const int steps = 500;
    const double learning_rate = 1e-4;
    ember::manual_seed(0);

    ember::Tensor x = ember::randn({N, D_in});
    ember::Tensor y = ember::randn({N, D_out});

    TwoLayerNet model(D_in, H, D_out);
    std::cout << model << "\nparameters: " << model->num_parameters() << "\n";

    nn::MSELoss loss_fn(nn::MSELossOptions().reduction(ember::kSum));
    optim::SGD optimizer(model->parameters(), optim::SGDOptions(learning_rate));

    auto start = std::chrono::steady_clock::now();
    double loss_value = 0;
    for (int t = 0; t < steps; ++t) {
        ember::Tensor loss = loss_fn(model(x), y);
        loss_value = loss.item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss_value);

        optimizer.zero_grad();
        loss.backward();
        optimizer.step();  // w <- w - lr * dloss/dw
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"two_layer_net_module\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss_value, seconds);
    return 0;
}
