// Checkpoints as libtorch programs write them: ember::save/load of a model and its optimizer
// (resuming gives the same parameters bit for bit as never stopping), of a tensor and of a list of
// tensors; and the errors for a checkpoint that does not fit.
#include <functional>
#include <memory>

#include "core_test_util.h"
#include "data_test_util.h"
#include "nn_test_util.h"

using core_test::require_throws_with;
using ember::Tensor;
using nn_test::values;
namespace nn = ember::nn;
namespace optim = ember::optim;

namespace {

struct NetImpl : nn::Module {
    NetImpl() : nn::Module("Net") {
        hidden = register_module("hidden", nn::Linear(3, 4));
        out = register_module("out", nn::Linear(4, 1));
    }
    Tensor forward(const Tensor& x) { return out(hidden(x).tanh()); }
    nn::Linear hidden{nullptr}, out{nullptr};
};
EMBER_MODULE(Net);

// Every parameter of a new Net set to fixed values depending on `k`, so two nets built with
// different k start apart.
Net make_net(double k) {
    Net net;
    ember::NoGradGuard no_grad;
    int i = 0;
    for (Tensor& p : net->parameters()) {
        Tensor r = ember::arange(p.numel(), ember::dtype(ember::kFloat32)).view(p.sizes());
        p.copy_((r * 0.37 + (i++) + k).sin() * 0.5);
    }
    return net;
}

void train(Net& net, optim::Optimizer& opt, int steps) {
    Tensor x = ember::tensor({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.5}, {-1.0, 1.0, 0.0}});
    Tensor y = ember::tensor({1.0, -0.5, 0.25}).view({3, 1});
    for (int s = 0; s < steps; ++s) {
        opt.zero_grad();
        (net->forward(x) - y).pow(2).mean().backward();
        opt.step();
    }
}

std::vector<std::vector<float>> params_of(Net& net) {
    std::vector<std::vector<float>> out;
    for (const Tensor& p : net->parameters()) out.push_back(p.to_vector<float>());
    return out;
}

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(Net&)>;

// Train 3, save, train 3 more; a fresh net and optimizer loaded from the checkpoint and trained
// 3 steps must end at the same parameters, bit for bit.
void require_resume_is_exact(const MakeOptimizer& make, const std::string& name) {
    ember_test::ScratchDir dir("optim_ckpt_" + name);
    Net net = make_net(0.0);
    auto opt = make(net);
    train(net, *opt, 3);
    ember::save(net, dir.file("model.safetensors"));
    ember::save(*opt, dir.file("optim.safetensors"));
    train(net, *opt, 3);

    Net fresh = make_net(1.0);
    auto fresh_opt = make(fresh);
    fresh_opt->set_lr(123.0);  // the checkpoint's options replace these
    ember::load(fresh, dir.file("model.safetensors"));
    ember::load(*fresh_opt, dir.file("optim.safetensors"));
    REQUIRE(fresh_opt->lr() == opt->lr());
    train(fresh, *fresh_opt, 3);
    REQUIRE(params_of(fresh) == params_of(net));

    // Without the optimizer's state, resuming differs (the check above can fail).
    Net cold = make_net(1.0);
    auto cold_opt = make(cold);
    ember::load(cold, dir.file("model.safetensors"));
    train(cold, *cold_opt, 3);
    REQUIRE(params_of(cold) != params_of(net));
    // Nothing but the two checkpoints is left in the directory (no temporary file).
    REQUIRE(dir.entries().size() == 2);
}

}  // namespace

TEST_CASE("optimizer checkpoints: resuming is bit for bit the same as never stopping", "[optim][io]") {
    require_resume_is_exact(
        [](Net& n) {
            return std::make_unique<optim::SGD>(n->parameters(), optim::SGDOptions(0.1).momentum(0.9).nesterov(true));
        },
        "sgd");
    require_resume_is_exact(
        [](Net& n) { return std::make_unique<optim::Adam>(n->parameters(), optim::AdamOptions(0.01).amsgrad(true)); },
        "adam");
    require_resume_is_exact(
        [](Net& n) { return std::make_unique<optim::AdamW>(n->parameters(), optim::AdamWOptions(0.01)); }, "adamw");
    require_resume_is_exact(
        [](Net& n) {
            return std::make_unique<optim::RMSprop>(n->parameters(),
                                                    optim::RMSpropOptions(0.01).momentum(0.5).centered(true));
        },
        "rmsprop");
    require_resume_is_exact(
        [](Net& n) {
            return std::make_unique<optim::Adagrad>(n->parameters(),
                                                    optim::AdagradOptions(0.1).lr_decay(0.01).weight_decay(0.01));
        },
        "adagrad");
}

TEST_CASE("optimizer checkpoints: groups keep their own options, step counts come back", "[optim][io]") {
    ember_test::ScratchDir dir("optim_groups");
    Net net = make_net(0.0);
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(net->hidden->parameters());
    groups.emplace_back(net->out->parameters(), std::make_unique<optim::AdamOptions>(0.5));
    optim::Adam opt(groups, optim::AdamOptions(0.01).betas({0.8, 0.9}));
    train(net, opt, 2);
    ember::save(opt, dir.file("opt"));

    Net other = make_net(2.0);
    std::vector<optim::OptimizerParamGroup> other_groups;
    other_groups.emplace_back(other->hidden->parameters());
    other_groups.emplace_back(other->out->parameters());
    optim::Adam loaded(other_groups, optim::AdamOptions(0.3));
    ember::load(loaded, dir.file("opt"));
    REQUIRE(loaded.options(0).lr() == 0.01);
    REQUIRE(std::get<0>(loaded.options(0).betas()) == 0.8);
    REQUIRE(loaded.options(1).lr() == 0.5);
    REQUIRE(std::get<1>(loaded.options(1).betas()) == 0.999);
    const auto* s = dynamic_cast<const optim::AdamParamState*>(loaded.state(other->out->weight));
    REQUIRE(s != nullptr);
    REQUIRE(s->step == 2);
    REQUIRE(values(s->exp_avg) ==
            values(dynamic_cast<const optim::AdamParamState*>(opt.state(net->out->weight))->exp_avg));
}

TEST_CASE("optimizer checkpoints: another optimizer, model or file is a clear error", "[optim][io][errors]") {
    ember_test::ScratchDir dir("optim_errors");
    Net net = make_net(0.0);
    optim::Adam adam(net->parameters(), optim::AdamOptions(0.01));
    train(net, adam, 1);
    ember::save(adam, dir.file("adam"));
    ember::save(net, dir.file("model"));

    optim::RMSprop rms(net->parameters());
    require_throws_with<ember::ValueError>([&] { ember::load(rms, dir.file("adam")); },
                                           {"saved from an ember::optim::Adam", "into an ember::optim::RMSprop"});
    // A model with other shapes: Linear(3, 5) instead of Linear(3, 4).
    nn::Sequential wider(nn::Linear(3, 5), nn::Linear(5, 1));
    optim::Adam wide_opt(wider->parameters());
    require_throws_with<ember::ValueError>([&] { ember::load(wide_opt, dir.file("adam")); },
                                           {"parameter 0", "shape [4, 3]", "[5, 3]", "different model"});
    // Fewer parameters.
    nn::Linear one(3, 4);
    optim::Adam one_opt(one->parameters());
    require_throws_with<ember::ValueError>([&] { ember::load(one_opt, dir.file("adam")); },
                                           {"group 0", "4 parameters", "has 2"});
    // A module's checkpoint is not an optimizer's.
    require_throws_with<ember::ValueError>([&] { ember::load(adam, dir.file("model")); },
                                           {"format", "\"ember\"", "ember-optimizer"});
    // A failed load changes nothing: rms still has no state and its own lr.
    REQUIRE(rms.state(net->parameters()[0]) == nullptr);
    REQUIRE(rms.lr() == 0.01);
    require_throws_with<ember::IOError>([&] { ember::load(adam, dir.file("missing")); }, {"missing"});
}

TEST_CASE("save/load of a tensor and of a list of tensors, as torch::save/torch::load", "[io]") {
    ember_test::ScratchDir dir("tensor_io");
    Tensor w = ember::tensor({1.5, -2.0, 3.25}).requires_grad_();
    ember::save(w, dir.file("w"));

    // Into an undefined tensor: the saved values, and requires_grad as saved.
    Tensor loaded;
    ember::load(loaded, dir.file("w"));
    REQUIRE(values(loaded) == std::vector<double>{1.5, -2.0, 3.25});
    REQUIRE(loaded.requires_grad());
    REQUIRE(loaded.dtype() == ember::kFloat32);

    // Into a defined tensor: libtorch's set_(), so another handle to it sees the new shape too.
    Tensor target = ember::zeros({2, 2}, ember::dtype(ember::kFloat64));
    Tensor alias = target;
    ember::load(target, dir.file("w"));
    REQUIRE(alias.sizes() == ember::IntArrayRef{3});
    REQUIRE(values(alias) == std::vector<double>{1.5, -2.0, 3.25});
    REQUIRE_FALSE(target.requires_grad());  // keeps its own flag

    // A list: load appends to the vector, as libtorch's does; a single tensor reads entry 0.
    std::vector<Tensor> list = {ember::ones({1})};
    ember::save(std::vector<Tensor>{w.detach(), ember::arange(4).view({2, 2})}, dir.file("list"));
    ember::load(list, dir.file("list"));
    REQUIRE(list.size() == 3);
    REQUIRE(values(list[1]) == std::vector<double>{1.5, -2.0, 3.25});
    REQUIRE(list[2].dtype() == ember::kInt64);
    REQUIRE(list[2].sizes() == ember::IntArrayRef{2, 2});
    Tensor first;
    ember::load(first, dir.file("list"));
    REQUIRE(values(first) == values(list[1]));

    // A save that fails leaves the previous file as it was.
    require_throws_with<ember::ValueError>(
        [&] {
            ember::save(std::vector<Tensor>{w, Tensor()}, dir.file("w"));
        },
        {"save", "undefined"});
    Tensor again;
    ember::load(again, dir.file("w"));
    REQUIRE(values(again) == std::vector<double>{1.5, -2.0, 3.25});
}
