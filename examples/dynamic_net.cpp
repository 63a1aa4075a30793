// Define-by-run in action: on every forward pass the network picks a random depth from 0 to 3
// and applies the *same* middle layer that many times. Ordinary C++ control flow decides the
// graph, which is recorded afresh each step; the shared layer's gradient is the sum of its
// contributions from every use (weight sharing).
//
//     h = relu(input_linear(x));  repeat k ~ U{0..3} times: h = relu(middle_linear(h));
//     y_pred = output_linear(h)
#include <chrono>
#include <cstdio>

#include <ember/ember.h>

namespace nn = ember::nn;
namespace optim = ember::optim;

struct DynamicNetImpl : nn::Module {
    DynamicNetImpl(int64_t D_in, int64_t H, int64_t D_out)
        : nn::Module("DynamicNet"),
          input_linear(register_module("input_linear", nn::Linear(D_in, H))),
          middle_linear(register_module("middle_linear", nn::Linear(H, H))),
          output_linear(register_module("output_linear", nn::Linear(H, D_out))) {}

    ember::Tensor forward(const ember::Tensor& x) {
        ember::Tensor h_relu = input_linear(x).clamp_min(0);
        // A random depth in [0, 3], drawn from ember's own (seeded) generator.
        int64_t depth = ember::randint(0, 4, {1}).item<int64_t>();
        for (int64_t i = 0; i < depth; ++i) h_relu = middle_linear(h_relu).clamp_min(0);
        return output_linear(h_relu);
    }

    nn::Linear input_linear, middle_linear, output_linear;
};
EMBER_MODULE(DynamicNet);

int main() {
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    const int steps = 500;
    ember::manual_seed(0);

    ember::Tensor x = ember::randn({N, D_in});
    ember::Tensor y = ember::randn({N, D_out});

    DynamicNet model(D_in, H, D_out);
    nn::MSELoss loss_fn(nn::MSELossOptions().reduction(ember::kSum));
    // A model this odd is hard to train with plain SGD: momentum smooths the noisy steps.
    optim::SGD optimizer(model->parameters(), optim::SGDOptions(1e-4).momentum(0.9));

    auto start = std::chrono::steady_clock::now();
    double loss_value = 0;
    for (int t = 0; t < steps; ++t) {
        ember::Tensor loss = loss_fn(model(x), y);
        loss_value = loss.item<double>();
        if (t % 100 == 99) std::printf("step %3d  loss %.6g\n", t + 1, loss_value);

        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"example\":\"dynamic_net\",\"final_loss\":%.6g,\"seconds\":%.3f}\n", loss_value, seconds);
    return 0;
}
