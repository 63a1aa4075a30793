// Training on the GPU gives the CPU's results: an MLP with SGD and Adam, RBM CD-1 with save/load
// across devices, and a DataLoader over GPU tensors.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"
#include "cuda_test_util.h"

using namespace ember;
using namespace cuda_test;

CUDA_TEST_CASE("cuda: an MLP trains identically on both devices (Linear, ReLU, cross-entropy, SGD and Adam)") {
    if (!gpu_or_skip()) return;
    for (int use_adam = 0; use_adam < 2; ++use_adam) {
        INFO((use_adam ? "Adam" : "SGD momentum"));
        auto make_net = [] {
            manual_seed(35);
            nn::Sequential net(nn::Linear(20, 32), nn::ReLU(), nn::Linear(32, 10));
            net->to(kFloat64);
            return net;
        };
        nn::Sequential cpu_net = make_net(), gpu_net = make_net();
        gpu_net->to(kGpu);
        auto make_opt = [&](nn::Sequential& net) -> std::unique_ptr<optim::Optimizer> {
            if (use_adam) return std::make_unique<optim::Adam>(net->parameters(), optim::AdamOptions(1e-2));
            return std::make_unique<optim::SGD>(net->parameters(), optim::SGDOptions(0.1).momentum(0.9));
        };
        auto cpu_opt = make_opt(cpu_net), gpu_opt = make_opt(gpu_net);
        manual_seed(36);
        Tensor data = randn({64, 20}, dtype(kFloat64));
        Tensor labels = randint(0, 10, {64});
        for (int step = 0; step < 5; ++step) {
            Tensor xb = data.narrow(0, step * 12, 12), yb = labels.narrow(0, step * 12, 12);
            cpu_opt->zero_grad();
            Tensor lc = nn::functional::cross_entropy(cpu_net->forward(xb), yb);
            lc.backward();
            cpu_opt->step();
            gpu_opt->zero_grad();
            Tensor lg = nn::functional::cross_entropy(gpu_net->forward(xb.to(kGpu)), yb.to(kGpu));
            lg.backward();
            gpu_opt->step();
            REQUIRE(lg.item<double>() == Approx(lc.item<double>()).epsilon(1e-10));
        }
        auto pc = cpu_net->parameters(), pg = gpu_net->parameters();
        REQUIRE(pc.size() == pg.size());
        for (std::size_t i = 0; i < pc.size(); ++i) check_same(pg[i], pc[i], 1e-9, 1e-10, str_cat("parameter ", i));
    }
}

CUDA_TEST_CASE("cuda: RBM CD-1 training gives the CPU's parameters, and save/load crosses devices") {
    if (!gpu_or_skip()) return;
    manual_seed(37);
    Tensor data = bernoulli(full({300, 24}, 0.3, dtype(kFloat64)));
    auto make_rbm = [] {
        manual_seed(38);
        nn::RBM rbm(nn::RBMOptions(24, 16));
        rbm->to(kFloat64);
        return rbm;
    };
    nn::RBM cpu_rbm = make_rbm(), gpu_rbm = make_rbm();
    gpu_rbm->to(kGpu);
    nn::RBMTrainOptions o;
    o.batch_size = 50;
    o.epochs = 2;
    o.lr = 0.05;
    o.sparsity_target = 0.1;
    o.progress = false;
    manual_seed(39);
    auto hc = cpu_rbm->fit(data, o);
    manual_seed(39);
    auto hg = gpu_rbm->fit(data.to(kGpu), o);
    REQUIRE(hc.size() == hg.size());
    for (std::size_t e = 0; e < hc.size(); ++e) {
        REQUIRE(hg[e].reconstruction_error == Approx(hc[e].reconstruction_error).epsilon(1e-9));
        REQUIRE(hg[e].free_energy_gap == Approx(hc[e].free_energy_gap).epsilon(1e-9).margin(1e-12));
    }
    check_same(gpu_rbm->weight, cpu_rbm->weight, 1e-9, 1e-10, "RBM weight");
    check_same(gpu_rbm->visible_bias, cpu_rbm->visible_bias, 1e-9, 1e-10, "RBM visible bias");
    check_same(gpu_rbm->hidden_bias, cpu_rbm->hidden_bias, 1e-9, 1e-10, "RBM hidden bias");
    REQUIRE(gpu_rbm->reconstruction_error(data.to(kGpu)) == Approx(cpu_rbm->reconstruction_error(data)).epsilon(1e-9));
    REQUIRE(gpu_rbm->pseudo_likelihood(data.to(kGpu), true) ==
            Approx(cpu_rbm->pseudo_likelihood(data, true)).epsilon(1e-9));

    // Saved from the GPU, loaded into a CPU module (and back).
    const std::string path = "ember_test_cuda_rbm.safetensors";
    ember::save(gpu_rbm, path);
    nn::RBM loaded(nn::RBMOptions(24, 16));
    loaded->to(kFloat64);
    ember::load(loaded, path);
    REQUIRE(equal(loaded->weight, gpu_rbm->weight.cpu()));
    nn::RBM loaded_gpu(nn::RBMOptions(24, 16));
    loaded_gpu->to(kFloat64);
    loaded_gpu->to(kGpu);
    ember::load(loaded_gpu, path);
    REQUIRE(loaded_gpu->weight.is_cuda());
    REQUIRE(equal(loaded_gpu->weight.cpu(), gpu_rbm->weight.cpu()));
    std::remove(path.c_str());
}

CUDA_TEST_CASE("cuda: a DataLoader over GPU tensors yields GPU batches equal to the CPU's") {
    if (!gpu_or_skip()) return;
    manual_seed(40);
    Tensor x = randn({103, 7}), y = randint(0, 5, {103});
    data::DataLoader cpu_loader(data::TensorDataset(x, y), data::DataLoaderOptions(16).shuffle(true).seed(3));
    data::DataLoader gpu_loader(data::TensorDataset(x.to(kGpu), y.to(kGpu)),
                                data::DataLoaderOptions(16).shuffle(true).seed(3));
    std::vector<data::Batch> cb, gb;
    for (auto& b : cpu_loader) cb.push_back(b);
    for (auto& b : gpu_loader) gb.push_back(b);
    REQUIRE(cb.size() == gb.size());
    for (std::size_t i = 0; i < cb.size(); ++i) {
        REQUIRE(gb[i].data.is_cuda());
        REQUIRE(equal(gb[i].data.cpu(), cb[i].data));
        REQUIRE(equal(gb[i].target.cpu(), cb[i].target));
    }
}
