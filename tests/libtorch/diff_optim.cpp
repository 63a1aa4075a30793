// Optimizers and schedulers against libtorch: the same float64 parameters and the same gradients
// at every step go through libtorch's optimizer and ember's, and the parameters must agree after
// each step to a few ulps (ember follows libtorch's order of operations, so most agree exactly).
// libtorch's headers first, Catch2 with CATCH_CONFIG_PREFIX_ALL (see test_differential.cpp).
#include <torch/torch.h>

#define CATCH_CONFIG_PREFIX_ALL
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace {

using ETensor = ember::Tensor;
using TTensor = at::Tensor;

const std::vector<std::vector<int64_t>> kShapes = {{3, 4}, {4}, {2, 1, 3}};

std::vector<double> random_values(std::mt19937_64& rng, int64_t n, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (double& x : v) x = u(rng);
    return v;
}

int64_t numel(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

ETensor ember_tensor(const std::vector<double>& v, const std::vector<int64_t>& shape) {
    return ember::tensor(v, ember::dtype(ember::kFloat64)).view(shape);
}
TTensor torch_tensor(std::vector<double> v, const std::vector<int64_t>& shape) {
    return torch::from_blob(v.data(), {static_cast<int64_t>(v.size())}, torch::kDouble).clone().view(shape);
}

struct Params {
    std::vector<ETensor> e;
    std::vector<TTensor> t;
};

Params make_params(std::mt19937_64& rng) {
    Params p;
    for (const auto& shape : kShapes) {
        std::vector<double> v = random_values(rng, numel(shape), -1, 1);
        p.e.push_back(ember_tensor(v, shape).requires_grad_());
        p.t.push_back(torch_tensor(v, shape).requires_grad_());
    }
    return p;
}

// Largest |e - t| / (1 + |t|) over every parameter.
double max_difference(const Params& p) {
    double worst = 0;
    for (std::size_t i = 0; i < p.e.size(); ++i) {
        std::vector<double> e = p.e[i].to_vector<double>();
        TTensor t = p.t[i].detach().contiguous();
        const double* tp = t.data_ptr<double>();
        for (std::size_t k = 0; k < e.size(); ++k)
            worst = std::max(worst, std::abs(e[k] - tp[k]) / (1 + std::abs(tp[k])));
    }
    return worst;
}

using MakeEmber = std::function<std::unique_ptr<ember::optim::Optimizer>(const std::vector<ETensor>&)>;
using MakeTorch = std::function<std::unique_ptr<torch::optim::Optimizer>(const std::vector<TTensor>&)>;

struct OptimCase {
    std::string what;
    MakeEmber ember_opt;
    MakeTorch torch_opt;
};

// Steps both optimizers with the same random gradients; gradients change sign and size from
// step to step, and one parameter gets none on some steps (both must then leave it alone).
void run_case(const OptimCase& c, uint64_t seed) {
    CATCH_INFO(c.what);
    std::mt19937_64 rng(seed);
    Params p = make_params(rng);
    auto eo = c.ember_opt(p.e);
    auto to = c.torch_opt(p.t);
    for (int step = 1; step <= 8; ++step) {
        CATCH_INFO("step " << step);
        for (std::size_t i = 0; i < p.e.size(); ++i) {
            if (i == 1 && step % 3 == 0) {
                p.e[i].set_grad(ETensor());
                p.t[i].mutable_grad() = TTensor();
                continue;
            }
            const double scale = step % 2 ? 1.0 : 0.1 * step;
            std::vector<double> g = random_values(rng, numel(kShapes[i]), -scale, scale);
            p.e[i].set_grad(ember_tensor(g, kShapes[i]));
            p.t[i].mutable_grad() = torch_tensor(g, kShapes[i]);
        }
        eo->step();
        to->step();
        CATCH_REQUIRE(max_difference(p) <= 1e-14);
    }
}

// Two groups: the first two parameters on the defaults, the last with options of its own.
template <typename EOpt, typename EOptions>
std::unique_ptr<ember::optim::Optimizer> ember_groups(const std::vector<ETensor>& p, const EOptions& defaults,
                                                      const EOptions& own) {
    std::vector<ember::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<ETensor>{p[0], p[1]});
    groups.emplace_back(std::vector<ETensor>{p[2]}, std::make_unique<EOptions>(own));
    return std::make_unique<EOpt>(groups, defaults);
}
template <typename TOpt, typename TOptions>
std::unique_ptr<torch::optim::Optimizer> torch_groups(const std::vector<TTensor>& p, const TOptions& defaults,
                                                      const TOptions& own) {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<TTensor>{p[0], p[1]});
    groups.emplace_back(std::vector<TTensor>{p[2]}, std::make_unique<TOptions>(own));
    return std::make_unique<TOpt>(groups, defaults);
}

}  // namespace

CATCH_TEST_CASE("optimizers: RMSprop takes libtorch's steps, every option", "[libtorch][optim]") {
    namespace eo = ember::optim;
    namespace to = torch::optim;
    const std::vector<OptimCase> cases = {
        {"defaults", [](auto& p) { return std::make_unique<eo::RMSprop>(p); },
         [](auto& p) { return std::make_unique<to::RMSprop>(p); }},
        {"alpha, eps, weight_decay",
         [](auto& p) {
             return std::make_unique<eo::RMSprop>(p, eo::RMSpropOptions(0.05).alpha(0.9).eps(1e-4).weight_decay(0.1));
         },
         [](auto& p) {
             return std::make_unique<to::RMSprop>(p, to::RMSpropOptions(0.05).alpha(0.9).eps(1e-4).weight_decay(0.1));
         }},
        {"momentum", [](auto& p) { return std::make_unique<eo::RMSprop>(p, eo::RMSpropOptions(0.02).momentum(0.7)); },
         [](auto& p) { return std::make_unique<to::RMSprop>(p, to::RMSpropOptions(0.02).momentum(0.7)); }},
        {"centered", [](auto& p) { return std::make_unique<eo::RMSprop>(p, eo::RMSpropOptions(0.02).centered(true)); },
         [](auto& p) { return std::make_unique<to::RMSprop>(p, to::RMSpropOptions(0.02).centered(true)); }},
        {"everything, two groups",
         [](auto& p) {
             return ember_groups<eo::RMSprop>(
                 p, eo::RMSpropOptions(0.03).alpha(0.8).momentum(0.5).centered(true).weight_decay(0.05),
                 eo::RMSpropOptions(0.1).eps(1e-3));
         },
         [](auto& p) {
             return torch_groups<to::RMSprop>(
                 p, to::RMSpropOptions(0.03).alpha(0.8).momentum(0.5).centered(true).weight_decay(0.05),
                 to::RMSpropOptions(0.1).eps(1e-3));
         }},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) run_case(cases[i], 100 + i);
}

CATCH_TEST_CASE("optimizers: Adagrad takes libtorch's steps, every option", "[libtorch][optim]") {
    namespace eo = ember::optim;
    namespace to = torch::optim;
    const std::vector<OptimCase> cases = {
        {"defaults", [](auto& p) { return std::make_unique<eo::Adagrad>(p); },
         [](auto& p) { return std::make_unique<to::Adagrad>(p); }},
        {"lr_decay, weight_decay",
         [](auto& p) {
             return std::make_unique<eo::Adagrad>(p, eo::AdagradOptions(0.3).lr_decay(0.2).weight_decay(0.1));
         },
         [](auto& p) {
             return std::make_unique<to::Adagrad>(p, to::AdagradOptions(0.3).lr_decay(0.2).weight_decay(0.1));
         }},
        {"initial_accumulator_value, eps",
         [](auto& p) {
             return std::make_unique<eo::Adagrad>(p, eo::AdagradOptions(0.3).initial_accumulator_value(0.4).eps(1e-3));
         },
         [](auto& p) {
             return std::make_unique<to::Adagrad>(p, to::AdagradOptions(0.3).initial_accumulator_value(0.4).eps(1e-3));
         }},
        // libtorch fills every sum from the defaults' initial_accumulator_value, so the second
        // group sets everything else.
        {"two groups",
         [](auto& p) {
             return ember_groups<eo::Adagrad>(p, eo::AdagradOptions(0.2).initial_accumulator_value(0.1),
                                              eo::AdagradOptions(0.5).lr_decay(0.3).initial_accumulator_value(0.1));
         },
         [](auto& p) {
             return torch_groups<to::Adagrad>(p, to::AdagradOptions(0.2).initial_accumulator_value(0.1),
                                              to::AdagradOptions(0.5).lr_decay(0.3).initial_accumulator_value(0.1));
         }},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) run_case(cases[i], 200 + i);
}

CATCH_TEST_CASE("optimizers: SGD, Adam (amsgrad) and AdamW take libtorch's steps", "[libtorch][optim]") {
    namespace eo = ember::optim;
    namespace to = torch::optim;
    const std::vector<OptimCase> cases = {
        {"SGD momentum, dampening, weight_decay",
         [](auto& p) {
             return std::make_unique<eo::SGD>(p, eo::SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(0.01));
         },
         [](auto& p) {
             return std::make_unique<to::SGD>(p, to::SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(0.01));
         }},
        {"SGD nesterov",
         [](auto& p) { return std::make_unique<eo::SGD>(p, eo::SGDOptions(0.1).momentum(0.8).nesterov(true)); },
         [](auto& p) { return std::make_unique<to::SGD>(p, to::SGDOptions(0.1).momentum(0.8).nesterov(true)); }},
        {"Adam", [](auto& p) { return std::make_unique<eo::Adam>(p, eo::AdamOptions(0.01)); },
         [](auto& p) { return std::make_unique<to::Adam>(p, to::AdamOptions(0.01)); }},
        {"Adam amsgrad, weight_decay, betas",
         [](auto& p) {
             return std::make_unique<eo::Adam>(p,
                                               eo::AdamOptions(0.01).amsgrad(true).weight_decay(0.1).betas({0.8, 0.9}));
         },
         [](auto& p) {
             return std::make_unique<to::Adam>(p,
                                               to::AdamOptions(0.01).amsgrad(true).weight_decay(0.1).betas({0.8, 0.9}));
         }},
        {"AdamW amsgrad",
         [](auto& p) { return std::make_unique<eo::AdamW>(p, eo::AdamWOptions(0.01).amsgrad(true).weight_decay(0.2)); },
         [](auto& p) {
             return std::make_unique<to::AdamW>(p, to::AdamWOptions(0.01).amsgrad(true).weight_decay(0.2));
         }},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) run_case(cases[i], 300 + i);
}

namespace {
// The same user scheduler written against each framework's LRScheduler.
struct EmberWarmupDecay : ember::optim::LRScheduler {
    explicit EmberWarmupDecay(ember::optim::Optimizer& o) : LRScheduler(o) {}
    std::vector<double> get_lrs() override {
        std::vector<double> lrs = get_current_lrs();
        for (double& lr : lrs) lr *= step_count_ < 3 ? 2.0 : 0.75;
        return lrs;
    }
};
struct TorchWarmupDecay : torch::optim::LRScheduler {
    explicit TorchWarmupDecay(torch::optim::Optimizer& o) : LRScheduler(o) {}
    std::vector<double> get_lrs() override {
        std::vector<double> lrs = get_current_lrs();
        for (double& lr : lrs) lr *= step_count_ < 3 ? 2.0 : 0.75;
        return lrs;
    }
};

template <typename Opt>
std::vector<double> group_lrs(Opt& opt) {
    std::vector<double> out;
    for (auto& g : opt.param_groups()) out.push_back(g.options().get_lr());
    return out;
}
}  // namespace

CATCH_TEST_CASE("schedulers: StepLR and a user LRScheduler give libtorch's rates", "[libtorch][optim]") {
    std::mt19937_64 rng(7);
    Params p = make_params(rng);
    auto eo = ember_groups<ember::optim::SGD>(p.e, ember::optim::SGDOptions(0.4), ember::optim::SGDOptions(0.9));
    auto to = torch_groups<torch::optim::SGD>(p.t, torch::optim::SGDOptions(0.4), torch::optim::SGDOptions(0.9));
    ember::optim::StepLR e_step(*eo, 3, 0.5);
    torch::optim::StepLR t_step(*to, 3, 0.5);
    EmberWarmupDecay e_user(*eo);
    TorchWarmupDecay t_user(*to);
    for (int epoch = 0; epoch < 10; ++epoch) {
        CATCH_INFO("epoch " << epoch);
        e_step.step();
        t_step.step();
        CATCH_REQUIRE(group_lrs(*eo) == group_lrs(*to));
        e_user.step();
        t_user.step();
        CATCH_REQUIRE(group_lrs(*eo) == group_lrs(*to));
    }
}
