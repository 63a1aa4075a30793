// A module tree walked and initialised as libtorch programs do (named_modules, apply, as<T>),
// then one SGD step. Every value is a short binary fraction, so no sum is rounded and the
// order in which a matrix product adds its terms cannot change a digit.
#include <torch/torch.h>

#include <cstdint>
#include <iostream>
#include <string>

#include "show.h"

struct NetImpl : torch::nn::Module {
    NetImpl() {
        features = register_module(
            "features", torch::nn::Sequential(torch::nn::Linear(3, 4), torch::nn::ReLU(), torch::nn::Linear(4, 2)));
        head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(2, 1).bias(false)));
    }
    torch::Tensor forward(const torch::Tensor& x) { return head(features->forward(x)); }
    torch::nn::Sequential features{nullptr};
    torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Net);

int main() {
    Net net;
    for (const auto& item : net->named_modules()) std::cout << "module '" << item.key() << "'\n";
    for (const auto& item : net->named_parameters()) std::cout << "parameter " << item.key() << '\n';
    std::cout << "holder " << static_cast<bool>(net) << ' ' << static_cast<bool>(torch::nn::Linear(nullptr)) << '\n';

    // Every Linear: weight[i][j] = (i - j) / 4, bias 1/8.
    int linears = 0;
    net->apply([&](torch::nn::Module& m) {
        if (auto* linear = m.as<torch::nn::Linear>()) {
            torch::NoGradGuard no_grad;
            const int64_t rows = linear->weight.size(0), cols = linear->weight.size(1);
            auto i = torch::arange(rows, torch::kFloat).view({rows, 1});
            auto j = torch::arange(cols, torch::kFloat).view({1, cols});
            linear->weight.copy_((i - j) / 4);
            if (linear->bias.defined()) linear->bias.fill_(0.125);
            ++linears;
        }
    });
    std::cout << "linears " << linears << '\n';

    auto x = torch::tensor({{1.0, -2.0, 0.5}, {0.0, 1.0, 2.0}});
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.5).momentum(0.5));
    sgd.zero_grad();
    auto loss = net->forward(x).pow(2).sum();
    loss.backward();
    show("loss", loss);
    sgd.step();
    for (const auto& item : net->named_parameters()) show(item.key(), item.value());
    return 0;
}
