// Activations, containers and losses written as a libtorch program (see CMakeLists.txt): a named
// Sequential with weights set by hand, each activation module (through AnyModule, a ModuleList
// and a ModuleDict), their functional, top-level and in-place forms with gradients, and each loss
// as a module, a functional and a top-level function. Everything is float64 and printed rounded
// to 5 digits (exp, erf and tanh may differ in their last bits between the two libraries).
#include <torch/torch.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "show.h"

namespace F = torch::nn::functional;

int main() {
    std::cout << std::boolalpha;
    const auto f64 = torch::kFloat64;

    // ---- a named Sequential, weights set under NoGradGuard ----
    torch::nn::Sequential net({{"fc1", torch::nn::Linear(3, 4)},
                               {"act", torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1))},
                               {"drop", torch::nn::Dropout(0.5)},
                               {"fc2", torch::nn::Linear(torch::nn::LinearOptions(4, 2).bias(false))},
                               {"out", torch::nn::Tanh()}});
    net->push_back("flat", torch::nn::Flatten());
    net->to(f64);
    net->eval();  // dropout off: the output is exactly reproducible
    {
        torch::NoGradGuard no_grad;
        int k = 0;
        for (auto& item : net->named_parameters()) {
            auto& p = item.value();
            p.copy_((torch::arange(p.numel(), f64).reshape(p.sizes()) - k) / 8);
            ++k;
        }
    }
    std::cout << *net << '\n';
    for (const auto& item : net->named_parameters()) std::cout << "parameter " << item.key() << '\n';
    std::cout << "size " << net->size() << " fc2 out_features "
              << net->at<torch::nn::LinearImpl>(3).options.out_features() << " ptr "
              << (net->ptr<torch::nn::TanhImpl>(4) != nullptr) << ' ' << net[1]->name().empty() << '\n';
    auto x = torch::tensor({{1.0, 2.0, 0.5}, {0.25, -1.0, -1.5}}, f64).requires_grad_();
    auto y = net->forward(x);
    show_rounded("net(x)", y);
    y.sum().backward();
    show_rounded("d net(x) / dx", x.grad());

    // ---- every activation module, through AnyModule ----
    std::vector<std::pair<std::string, torch::nn::AnyModule>> acts = {
        {"relu", torch::nn::AnyModule(torch::nn::ReLU())},
        {"leaky_relu", torch::nn::AnyModule(torch::nn::LeakyReLU())},
        {"elu", torch::nn::AnyModule(torch::nn::ELU(torch::nn::ELUOptions().alpha(0.5)))},
        {"gelu", torch::nn::AnyModule(torch::nn::GELU())},
        {"gelu_tanh", torch::nn::AnyModule(torch::nn::GELU(torch::nn::GELUOptions().approximate("tanh")))},
        {"silu", torch::nn::AnyModule(torch::nn::SiLU())},
        {"sigmoid", torch::nn::AnyModule(torch::nn::Sigmoid())},
        {"tanh", torch::nn::AnyModule(torch::nn::Tanh())},
        {"softplus", torch::nn::AnyModule(torch::nn::Softplus(torch::nn::SoftplusOptions().beta(2).threshold(3)))},
        {"hardtanh",
         torch::nn::AnyModule(torch::nn::Hardtanh(torch::nn::HardtanhOptions().min_val(-0.5).max_val(1.5)))},
        {"softmax", torch::nn::AnyModule(torch::nn::Softmax(1))},
        {"log_softmax", torch::nn::AnyModule(torch::nn::LogSoftmax(torch::nn::LogSoftmaxOptions(0)))},
        {"log_sigmoid", torch::nn::AnyModule(torch::nn::LogSigmoid())},
        {"identity", torch::nn::AnyModule(torch::nn::Identity())},
        {"functional", torch::nn::AnyModule(torch::nn::Functional(torch::relu))},
    };
    auto a = torch::tensor({{-2.5, -0.75, 0.25}, {0.5, 1.25, 2.75}}, f64);
    torch::nn::ModuleList list;
    std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> named;
    for (auto& [name, module] : acts) {
        std::cout << name << ": " << *module.ptr() << '\n';
        show_rounded(name, module.forward(a));
        list->push_back(module.ptr());
        named.emplace_back(name, module.ptr());
    }
    std::cout << "list size " << list->size() << " " << *list->ptr(2) << '\n';
    int count = 0;
    for (const auto& m : *list) count += m != nullptr;
    std::cout << "list iterated " << count << '\n';
    torch::nn::ModuleDict dict(
        std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>>(named.begin(), named.begin() + 4));
    std::cout << *dict << '\n';
    std::cout << "dict contains gelu " << dict->contains("gelu") << " silu " << dict->contains("silu") << '\n';
    std::cout << "dict at elu alpha " << dict->at<torch::nn::ELUImpl>("elu").options.alpha() << '\n';
    auto popped = dict->pop("relu");
    std::cout << "popped " << *popped << " keys";
    for (const auto& k : dict->keys()) std::cout << ' ' << k;
    std::cout << " size " << dict->size() << '\n';

    // ---- functional, top-level and in-place forms, with gradients ----
    auto b = a.clone().requires_grad_();
    std::vector<std::pair<std::string, torch::Tensor>> outs = {
        {"F::leaky_relu 0.2", F::leaky_relu(b, F::LeakyReLUFuncOptions().negative_slope(0.2))},
        {"F::elu 2", F::elu(b, F::ELUFuncOptions().alpha(2))},
        {"F::gelu tanh", F::gelu(b, F::GELUFuncOptions().approximate("tanh"))},
        {"F::hardtanh", F::hardtanh(b, F::HardtanhFuncOptions().min_val(-2).max_val(2))},
        {"F::softmax", F::softmax(b, F::SoftmaxFuncOptions(1))},
        {"F::log_softmax", F::log_softmax(b, 0)},
        {"F::softplus", F::softplus(b, F::SoftplusFuncOptions().beta(0.5))},
        {"F::relu", F::relu(b)},
        {"F::silu", F::silu(b)},
        {"torch::leaky_relu", torch::leaky_relu(b, 0.3)},
        {"torch::elu", torch::elu(b)},
        {"torch::gelu", torch::gelu(b)},
        {"torch::hardtanh", torch::hardtanh(b, -0.5, 0.6)},
    };
    torch::Tensor total = torch::zeros({}, f64);
    double weight = 1;
    for (auto& [name, out] : outs) {
        show_rounded(name, out);
        if (name != "F::softmax" && name != "F::log_softmax") total = total + out.sum() * weight;
        weight += 0.5;
    }
    total.backward();
    show_rounded("d sum / d b", b.grad());

    // In place, each on a fresh tensor (libtorch refuses at backward a chain of in-place ops
    // whose backward reads an output the next one overwrites).
    auto c = a.clone().requires_grad_();
    auto d1 = c * 2.0;
    torch::leaky_relu_(d1, 0.1);
    auto d2 = c * 1.5;
    torch::elu_(d2);
    auto d3 = c * 1.0;
    d3.relu_();
    auto d4 = c * 0.5;
    torch::hardtanh_(d4, 0.0, 3.0);
    auto e1 = c * 1.0;
    F::relu(e1, F::ReLUFuncOptions().inplace(true));
    auto e2 = c * 0.75;
    torch::nn::ELU(torch::nn::ELUOptions().inplace(true))(e2);
    auto e3 = c * 1.0;
    e3.sigmoid_();
    std::cout << "in place nodes";
    for (const auto& t : {d1, d2, d3, d4, e1, e2, e3}) std::cout << ' ' << t.grad_fn()->name();
    std::cout << '\n';
    auto in_place = torch::stack({d1, d2, d3, d4, e1, e2, e3});
    show_rounded("in place", in_place);
    (d1.sum() + d2.sum() * 2 + d3.sum() * 3 + d4.sum() * 4 + e1.sum() * 5 + e2.sum() * 6 + e3.sum() * 7).backward();
    show_rounded("d in place / dc", c.grad());

    // ---- losses: modules, functional forms and top-level functions ----
    auto input = torch::tensor({{0.2, -0.4, 2.0}, {-1.0, 0.5, 1.0}}, f64).requires_grad_();
    auto target = torch::tensor({{0.0, 0.0, 0.5}, {2.0, 0.5, 0.25}}, f64);
    torch::nn::L1Loss l1;
    torch::nn::MSELoss mse(torch::nn::MSELossOptions(torch::kSum));
    torch::nn::SmoothL1Loss smooth(torch::nn::SmoothL1LossOptions().beta(0.5));
    torch::nn::HuberLoss huber(torch::nn::HuberLossOptions().delta(0.8).reduction(torch::kSum));
    torch::nn::KLDivLoss kl(torch::nn::KLDivLossOptions(torch::kBatchMean));
    torch::nn::KLDivLoss kl_log(torch::nn::KLDivLossOptions().reduction(torch::kSum).log_target(true));
    std::cout << *l1 << ' ' << *mse << ' ' << *smooth << ' ' << *huber << ' ' << *kl << '\n';
    show_rounded("L1Loss", l1(input, target));
    show_rounded("MSELoss sum", mse(input, target));
    show_rounded("SmoothL1Loss beta 0.5", smooth(input, target));
    show_rounded("HuberLoss delta 0.8 sum", huber(input, target));
    auto logp = input.log_softmax(1);
    auto q = target.softmax(1);
    show_rounded("KLDivLoss batchmean", kl(logp, q));
    show_rounded("KLDivLoss log_target sum", kl_log(logp, q.log()));
    show_rounded("F::l1_loss none", F::l1_loss(input, target, F::L1LossFuncOptions(torch::kNone)));
    show_rounded("F::smooth_l1_loss sum beta 0.5",
                 F::smooth_l1_loss(input, target, F::SmoothL1LossFuncOptions(torch::kSum), 0.5));
    show_rounded("F::huber_loss none", F::huber_loss(input, target, F::HuberLossFuncOptions(torch::kNone).delta(1.5)));
    show_rounded("F::kl_div none", F::kl_div(logp, q, F::KLDivFuncOptions(torch::kNone)));
    show_rounded("torch::smooth_l1_loss", torch::smooth_l1_loss(input, target, torch::Reduction::Sum, 0.25));
    show_rounded("torch::huber_loss", torch::huber_loss(input, target, torch::Reduction::Mean, 0.5));
    show_rounded("torch::l1_loss", torch::l1_loss(input, target, torch::Reduction::None));
    show_rounded("torch::kl_div", torch::kl_div(logp, q, torch::Reduction::Sum));

    // classification: class weights, ignore_index, label smoothing
    auto logits = torch::tensor({{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}, {0.5, 0.5, -2.0}, {2.0, -1.0, 0.0}}, f64);
    logits.requires_grad_();
    auto classes = torch::tensor({1, 2, -1, 0});
    auto w = torch::tensor({0.5, 1.0, 2.0}, f64);
    torch::nn::CrossEntropyLoss ce(
        torch::nn::CrossEntropyLossOptions().weight(w).ignore_index(-1).label_smoothing(0.1));
    torch::nn::NLLLoss nll(torch::nn::NLLLossOptions().weight(w).ignore_index(-1).reduction(torch::kSum));
    std::cout << *ce << ' ' << *nll << '\n';
    auto ce_value = ce(logits, classes);
    show_rounded("CrossEntropyLoss weight ignore smoothing", ce_value);
    show_rounded("NLLLoss weight ignore sum", nll(logits.log_softmax(1), classes));
    show_rounded(
        "F::cross_entropy none smoothing",
        F::cross_entropy(logits, classes,
                         F::CrossEntropyFuncOptions().ignore_index(-1).label_smoothing(0.2).reduction(torch::kNone)));
    show_rounded("F::cross_entropy probabilities smoothing",
                 F::cross_entropy(
                     logits, torch::tensor({{0.2, 0.5, 0.3}, {0.1, 0.1, 0.8}, {0.6, 0.2, 0.2}, {1.0, 0.0, 0.0}}, f64),
                     F::CrossEntropyFuncOptions().label_smoothing(0.3)));
    show_rounded("torch::cross_entropy_loss",
                 torch::cross_entropy_loss(logits, classes, w, torch::Reduction::Mean, -1, 0.05));
    auto probs = torch::tensor({0.1, 0.8, 0.5, 0.3}, f64);
    auto labels = torch::tensor({0.0, 1.0, 1.0, 0.0}, f64);
    torch::nn::BCELoss bce;
    torch::nn::BCEWithLogitsLoss bce_logits(
        torch::nn::BCEWithLogitsLossOptions().pos_weight(torch::tensor({2.0}, f64)));
    std::cout << *bce << ' ' << *bce_logits << '\n';
    show_rounded("BCELoss", bce(probs, labels));
    show_rounded("BCEWithLogitsLoss pos_weight", bce_logits(probs * 4 - 2, labels));

    auto loss = l1(input, target) + smooth(input, target) + huber(input, target) + kl(logp, q) + ce_value;
    loss.backward();
    show_rounded("d losses / d input", input.grad());
    show_rounded("d losses / d logits", logits.grad());
    return 0;
}
