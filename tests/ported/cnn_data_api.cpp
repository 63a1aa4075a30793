// A CNN classifier trained through the data API, as libtorch's MNIST example is written: a custom
// Dataset of 8 x 8 images (three classes: horizontal, vertical and diagonal stripes), mapped by
// Stack<>, walked in order by a loader with two worker threads; two convolutions with max pooling
// and two linear layers, log_softmax and nll_loss, SGD with momentum; then evaluation without
// gradients. Weights are set from sin(arange) because the two libraries' random streams differ;
// losses are rounded to 5 digits, since the products may add their terms in another order.
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <iostream>

#include "show.h"

struct Stripes : torch::data::datasets::Dataset<Stripes> {
    torch::data::Example<> get(size_t index) override {
        const auto i = static_cast<int64_t>(index);
        const int64_t label = i % 3;
        auto r = torch::arange(8, torch::kFloat).view({8, 1});
        auto c = torch::arange(8, torch::kFloat).view({1, 8});
        auto along = label == 0 ? r + 0 * c : label == 1 ? c + 0 * r : r + c;
        auto image = torch::sin(along * 1.3 + static_cast<double>(i) * 0.1);
        return {image.unsqueeze(0), torch::tensor(label)};
    }
    torch::optional<size_t> size() const override { return 24; }
};

struct NetImpl : torch::nn::Module {
    NetImpl()
        : conv1(torch::nn::Conv2dOptions(1, 4, 3).padding(1)),
          conv2(torch::nn::Conv2dOptions(4, 6, /*kernel_size=*/3)),
          fc1(24, 16),
          fc2(16, 3) {
        register_module("conv1", conv1);
        register_module("conv2", conv2);
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }
    torch::Tensor forward(torch::Tensor x) {
        x = torch::relu(torch::max_pool2d(conv1->forward(x), 2));  // 4 x 4 x 4
        x = torch::relu(conv2->forward(x));                        // 6 x 2 x 2
        x = x.view({-1, 24});
        x = torch::relu(fc1->forward(x));
        return torch::log_softmax(fc2->forward(x), /*dim=*/1);
    }
    torch::nn::Conv2d conv1, conv2;
    torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(Net);

int main() {
    Net net;
    {
        torch::NoGradGuard no_grad;
        double k = 0;
        for (auto& p : net->parameters()) {
            p.copy_(torch::sin(torch::arange(p.numel(), torch::kFloat) * 0.37 + k).view_as(p) * 0.4);
            k += 1;
        }
    }
    std::cout << *net << '\n';

    auto dataset = Stripes().map(torch::data::transforms::Stack<>());
    auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        std::move(dataset), torch::data::DataLoaderOptions().batch_size(8).workers(2));
    torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));

    net->train();
    for (int epoch = 1; epoch <= 3; ++epoch) {
        int64_t batch_index = 0;
        for (auto& batch : *loader) {
            optimizer.zero_grad();
            auto output = net->forward(batch.data);
            auto loss = torch::nll_loss(output, batch.target);
            loss.backward();
            optimizer.step();
            std::cout << "epoch " << epoch << " batch " << batch_index++ << " data " << batch.data.sizes() << " target "
                      << batch.target.sizes() << '\n';
            show_rounded("loss", loss);
        }
    }

    net->eval();
    torch::NoGradGuard no_grad;
    int64_t correct = 0;
    for (const auto& batch : *loader) {
        auto output = net->forward(batch.data);
        auto pred = output.argmax(1);
        correct += pred.eq(batch.target).sum().template item<int64_t>();
        show_rounded("log-probabilities", output, 4);
    }
    std::cout << "correct " << correct << " of 24\n";
    show_rounded("conv1.weight", net->conv1->weight, 4);
    return 0;
}
