// A ResNet basic block (He et al. 2016) as libtorch users write one: 3 x 3 convolutions without
// bias, BatchNorm2d, ReLU, and a 1 x 1 strided projection on the shortcut when the shape changes.
// Two Adam steps in training mode (batch statistics, running statistics updated), then a forward
// in eval mode (running statistics). Parameters come from sin(arange), since the two libraries'
// random streams differ; values are rounded to 5 digits, since the products may add their terms
// in another order.
#include <torch/torch.h>

#include <cstdint>
#include <iostream>

#include "show.h"

struct BasicBlockImpl : torch::nn::Module {
    BasicBlockImpl(int64_t in_planes, int64_t planes, int64_t stride) {
        conv1 = register_module(
            "conv1",
            torch::nn::Conv2d(torch::nn::Conv2dOptions(in_planes, planes, 3).stride(stride).padding(1).bias(false)));
        bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
        conv2 = register_module(
            "conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(planes, planes, 3).stride(1).padding(1).bias(false)));
        bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
        if (stride != 1 || in_planes != planes) {
            shortcut = register_module(
                "shortcut",
                torch::nn::Sequential(
                    torch::nn::Conv2d(torch::nn::Conv2dOptions(in_planes, planes, 1).stride(stride).bias(false)),
                    torch::nn::BatchNorm2d(planes)));
        }
    }
    torch::Tensor forward(const torch::Tensor& x) {
        auto out = torch::relu(bn1->forward(conv1->forward(x)));
        out = bn2->forward(conv2->forward(out));
        out += shortcut ? shortcut->forward(x) : x;
        return torch::relu(out);
    }
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Sequential shortcut{nullptr};
};
TORCH_MODULE(BasicBlock);

int main() {
    torch::nn::Sequential net(BasicBlock(3, 4, 2), BasicBlock(4, 4, 1), torch::nn::AdaptiveAvgPool2d(1),
                              torch::nn::Flatten(), torch::nn::Linear(4, 2));
    {
        torch::NoGradGuard no_grad;
        double k = 0;
        for (auto& p : net->parameters()) {
            p.copy_(torch::sin(torch::arange(p.numel(), torch::kFloat) * 0.61 + k).view_as(p) * 0.5);
            k += 1;
        }
    }
    std::cout << *net << '\n';
    for (const auto& item : net->named_buffers())
        std::cout << "buffer " << item.key() << ' ' << item.value().sizes() << '\n';

    auto x = torch::cos(torch::arange(2 * 3 * 6 * 6, torch::kFloat) * 0.13).view({2, 3, 6, 6});
    auto target = torch::tensor({1, 0}, torch::kLong);
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-2));
    net->train();
    for (int step = 0; step < 2; ++step) {
        adam.zero_grad();
        auto loss = torch::nn::functional::cross_entropy(net->forward(x), target);
        loss.backward();
        adam.step();
        show_rounded("loss", loss);
    }
    for (const auto& item : net->named_buffers()) show_rounded(item.key(), item.value(), 4);
    show_rounded("0.conv1.weight.grad", net->named_parameters()["0.conv1.weight"].grad(), 3);

    net->eval();
    torch::NoGradGuard no_grad;
    show_rounded("eval output", net->forward(x), 4);
    return 0;
}
