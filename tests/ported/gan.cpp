// A tiny GAN as libtorch users write one: a generator of Linear, BatchNorm2d, Upsample (bilinear)
// and ConvTranspose2d layers, a discriminator of Conv2d, InstanceNorm2d, LeakyReLU, BatchNorm2d,
// AdaptiveMaxPool2d and Linear layers, two Adam optimizers, and three steps of the usual
// alternation (D on real and detached fake images, then G through D) on fixed inputs. The two
// libraries' random generators differ, so every weight is set from sin(arange) under NoGradGuard.
// Everything is float64; the losses (logs) and the parameters after Adam (square roots) are
// printed to 6 significant digits.
#include <torch/torch.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "show.h"

struct GeneratorImpl : torch::nn::Module {
    GeneratorImpl()
        : fc(register_module("fc", torch::nn::Linear(4, 8 * 2 * 2))),
          bn(register_module("bn", torch::nn::BatchNorm2d(8))),
          up(register_module("up", torch::nn::Upsample(torch::nn::UpsampleOptions()
                                                           .scale_factor(std::vector<double>{2, 2})
                                                           .mode(torch::kBilinear)
                                                           .align_corners(false)))),
          deconv(register_module(
              "deconv", torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(8, 1, 4).stride(2).padding(1)))) {}
    torch::Tensor forward(torch::Tensor z) {
        auto x = fc->forward(z).view({-1, 8, 2, 2});
        x = torch::relu(bn->forward(x));
        x = up->forward(x);                      // [N, 8, 4, 4]
        return torch::tanh(deconv->forward(x));  // [N, 1, 8, 8]
    }
    torch::nn::Linear fc;
    torch::nn::BatchNorm2d bn;
    torch::nn::Upsample up;
    torch::nn::ConvTranspose2d deconv;
};
TORCH_MODULE(Generator);

struct DiscriminatorImpl : torch::nn::Module {
    DiscriminatorImpl()
        : conv1(register_module("conv1",
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 4).stride(2).padding(1).bias(false)))),
          norm1(register_module("norm1", torch::nn::InstanceNorm2d(torch::nn::InstanceNorm2dOptions(4).affine(true)))),
          conv2(register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 8, 3).padding(1).bias(false)))),
          bn2(register_module("bn2", torch::nn::BatchNorm2d(8))),
          pool(register_module("pool", torch::nn::AdaptiveMaxPool2d(torch::nn::AdaptiveMaxPool2dOptions({3, 3})))),
          fc(register_module("fc", torch::nn::Linear(8 * 3 * 3, 1))) {}
    torch::Tensor forward(torch::Tensor x) {
        x = torch::leaky_relu(norm1->forward(conv1->forward(x)), 0.2);  // [N, 4, 4, 4]
        x = torch::leaky_relu(bn2->forward(conv2->forward(x)), 0.2);    // [N, 8, 4, 4]
        x = pool->forward(x).flatten(1);                                // [N, 72]
        return torch::sigmoid(fc->forward(x));
    }
    torch::nn::Conv2d conv1;
    torch::nn::InstanceNorm2d norm1;
    torch::nn::Conv2d conv2;
    torch::nn::BatchNorm2d bn2;
    torch::nn::AdaptiveMaxPool2d pool;
    torch::nn::Linear fc;
};
TORCH_MODULE(Discriminator);

// Parameter k: sin(0.37 i + k) * scale, i = 0, 1, ... in row-major order.
void set_weights(torch::nn::Module& m, double scale) {
    torch::NoGradGuard no_grad;
    double k = 0;
    for (auto& p : m.parameters()) {
        auto v = torch::sin(torch::arange(p.numel(), torch::kDouble) * 0.37 + k) * scale;
        p.copy_(v.view(p.sizes()));
        k += 1;
    }
}

int main() {
    Generator G;
    Discriminator D;
    G->to(torch::kDouble);
    D->to(torch::kDouble);
    set_weights(*G, 0.4);
    set_weights(*D, 0.3);
    std::cout << "generator parameters " << G->parameters().size() << ", discriminator parameters "
              << D->parameters().size() << '\n';

    torch::optim::Adam g_opt(G->parameters(), torch::optim::AdamOptions(0.01).betas(std::make_tuple(0.5, 0.5)));
    torch::optim::Adam d_opt(D->parameters(), torch::optim::AdamOptions(0.01).betas(std::make_tuple(0.5, 0.5)));

    auto real = torch::cos(torch::arange(2 * 64, torch::kDouble) * 0.21).view({2, 1, 8, 8});
    auto noise = torch::sin(torch::arange(2 * 4, torch::kDouble) * 1.3 + 0.5).view({2, 4});

    for (int step = 0; step < 3; ++step) {
        const std::string s = "step " + std::to_string(step) + " ";
        // Discriminator: real images labelled 0.9 (smoothed), generated ones 0.
        D->zero_grad();
        auto real_out = D->forward(real);
        auto d_loss_real = torch::binary_cross_entropy(real_out, torch::full_like(real_out, 0.9));
        d_loss_real.backward();
        auto fake = G->forward(noise);
        auto fake_out = D->forward(fake.detach());
        auto d_loss_fake = torch::binary_cross_entropy(fake_out, torch::zeros_like(fake_out));
        d_loss_fake.backward();
        d_opt.step();
        // Generator: make D call its images real.
        G->zero_grad();
        auto g_out = D->forward(fake);
        auto g_loss = torch::binary_cross_entropy(g_out, torch::ones_like(g_out));
        g_loss.backward();
        g_opt.step();
        show_rounded(s + "d_loss_real", d_loss_real, 6);
        show_rounded(s + "d_loss_fake", d_loss_fake, 6);
        show_rounded(s + "g_loss", g_loss, 6);
        show_rounded(s + "fake[0] row 3", fake.select(0, 0).select(0, 0).select(0, 3), 6);
    }
    for (const auto& item : G->named_parameters()) show_rounded("G." + item.key(), item.value(), 6);
    for (const auto& item : D->named_parameters()) show_rounded("D." + item.key(), item.value(), 6);
    for (const auto& item : D->named_buffers()) show_rounded("D." + item.key(), item.value(), 6);
    return 0;
}
