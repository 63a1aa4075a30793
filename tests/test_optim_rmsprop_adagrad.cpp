// RMSprop and Adagrad against PyTorch's documented algorithms, written out here in scalar double
// code: a 2-element parameter w with loss sum(s_t c w + w^2 / 2), so the gradient at step t is
// s_t c + w and depends on where the optimizer has taken w. Every option is exercised.
#include <cmath>
#include <functional>

#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace optim = ember::optim;

namespace {

const std::vector<double> kW0 = {1.0, -2.0};
const std::vector<double> kC = {0.5, -1.5};
// The gradient scale s_t: it changes sign and size, so running averages and sums differ from
// any one step's gradient.
double scale(int t) { return t % 2 ? 1.0 + 0.5 * t : -0.75; }

// `steps` optimizer steps of w (float64, from kW0), returning w after each.
std::vector<std::vector<double>> run(optim::Optimizer& opt, Tensor& w, int steps) {
    std::vector<std::vector<double>> out;
    Tensor c = ember::tensor(kC, ember::dtype(ember::kFloat64));
    for (int t = 1; t <= steps; ++t) {
        opt.zero_grad();
        (w * c * scale(t) + w * w * 0.5).sum().backward();
        opt.step();
        out.push_back(values(w));
    }
    return out;
}

Tensor fresh_w() { return ember::tensor(kW0, ember::dtype(ember::kFloat64)).requires_grad_(); }

void require_steps(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t t = 0; t < got.size(); ++t) {
        INFO("step " << t + 1);
        require_close(got[t], want[t], 1e-12);
    }
}

struct RmsRef {
    double lr = 0.01, alpha = 0.99, eps = 1e-8, wd = 0, momentum = 0;
    bool centered = false;
};
// torch.optim.RMSprop's algorithm, one scalar at a time.
std::vector<std::vector<double>> rmsprop_reference(const RmsRef& o, int steps) {
    std::vector<double> w = kW0, v(2, 0.0), avg(2, 0.0), buf(2, 0.0);
    std::vector<std::vector<double>> out;
    for (int t = 1; t <= steps; ++t) {
        for (int i = 0; i < 2; ++i) {
            double g = scale(t) * kC[i] + w[i];
            g += o.wd * w[i];
            v[i] = o.alpha * v[i] + (1 - o.alpha) * g * g;
            double var = v[i];
            if (o.centered) {
                avg[i] = o.alpha * avg[i] + (1 - o.alpha) * g;
                var -= avg[i] * avg[i];
            }
            const double step = g / (std::sqrt(var) + o.eps);
            if (o.momentum > 0) {
                buf[i] = o.momentum * buf[i] + step;
                w[i] -= o.lr * buf[i];
            } else {
                w[i] -= o.lr * step;
            }
        }
        out.push_back(w);
    }
    return out;
}

struct AdagradRef {
    double lr = 0.01, lr_decay = 0, wd = 0, initial = 0, eps = 1e-10;
};
// torch.optim.Adagrad's algorithm, one scalar at a time.
std::vector<std::vector<double>> adagrad_reference(const AdagradRef& o, int steps) {
    std::vector<double> w = kW0, sum(2, o.initial);
    std::vector<std::vector<double>> out;
    for (int t = 1; t <= steps; ++t) {
        const double clr = o.lr / (1 + (t - 1) * o.lr_decay);
        for (int i = 0; i < 2; ++i) {
            double g = scale(t) * kC[i] + w[i] + o.wd * w[i];
            sum[i] += g * g;
            w[i] -= clr * g / (std::sqrt(sum[i]) + o.eps);
        }
        out.push_back(w);
    }
    return out;
}

}  // namespace

TEST_CASE("RMSprop: libtorch's defaults, and the first step in closed form", "[optim][rmsprop]") {
    const optim::RMSpropOptions d;
    REQUIRE(d.lr() == 0.01);
    REQUIRE(d.alpha() == 0.99);
    REQUIRE(d.eps() == 1e-8);
    REQUIRE(d.weight_decay() == 0);
    REQUIRE(d.momentum() == 0);
    REQUIRE_FALSE(d.centered());

    Tensor w = fresh_w();
    optim::RMSprop opt({w}, optim::RMSpropOptions(0.1));
    auto got = run(opt, w, 5);
    // Step 1: v = (1 - alpha) g^2, so w moves by lr g / (sqrt(0.01) |g|) = 10 lr sign(g).
    // g = s_1 c + w0 = (1.75, -4.25): both move by 1 against their sign.
    require_close(got[0], {1.0 - 1.0, -2.0 + 1.0}, 1e-7);
    require_steps(got, rmsprop_reference({0.1}, 5));
    const auto* s = dynamic_cast<const optim::RMSpropParamState*>(opt.state(w));
    REQUIRE(s != nullptr);
    REQUIRE(s->step == 5);
    REQUIRE_FALSE(s->momentum_buffer.defined());
    REQUIRE_FALSE(s->grad_avg.defined());
}

TEST_CASE("RMSprop: alpha, eps, weight decay, momentum and centered, alone and together", "[optim][rmsprop]") {
    struct Case {
        const char* what;
        optim::RMSpropOptions options;
        RmsRef ref;
    };
    const std::vector<Case> cases = {
        {"alpha and eps", optim::RMSpropOptions(0.05).alpha(0.7).eps(0.1), {0.05, 0.7, 0.1}},
        {"weight_decay", optim::RMSpropOptions(0.05).weight_decay(0.3), {0.05, 0.99, 1e-8, 0.3}},
        {"momentum", optim::RMSpropOptions(0.02).momentum(0.9), {0.02, 0.99, 1e-8, 0, 0.9}},
        {"centered", optim::RMSpropOptions(0.02).alpha(0.9).centered(true), {0.02, 0.9, 1e-8, 0, 0, true}},
        {"everything",
         optim::RMSpropOptions(0.03).alpha(0.8).eps(1e-3).weight_decay(0.1).momentum(0.5).centered(true),
         {0.03, 0.8, 1e-3, 0.1, 0.5, true}},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Tensor w = fresh_w();
        optim::RMSprop opt({w}, c.options);
        require_steps(run(opt, w, 6), rmsprop_reference(c.ref, 6));
    }
    // The centered form divides by a smaller number (the variance, not the mean square): it moves
    // further than the plain form from the same start.
    Tensor a = fresh_w(), b = fresh_w();
    optim::RMSprop centered({a}, optim::RMSpropOptions(0.02).alpha(0.9).centered(true));
    optim::RMSprop plain({b}, optim::RMSpropOptions(0.02).alpha(0.9));
    auto ca = run(centered, a, 3), pb = run(plain, b, 3);
    REQUIRE(std::abs(ca[2][1] - kW0[1]) > std::abs(pb[2][1] - kW0[1]));
}

TEST_CASE("Adagrad: libtorch's defaults, and the first step in closed form", "[optim][adagrad]") {
    const optim::AdagradOptions d;
    REQUIRE(d.lr() == 0.01);
    REQUIRE(d.lr_decay() == 0);
    REQUIRE(d.weight_decay() == 0);
    REQUIRE(d.initial_accumulator_value() == 0);
    REQUIRE(d.eps() == 1e-10);

    Tensor w = fresh_w();
    optim::Adagrad opt({w}, optim::AdagradOptions(0.5));
    auto got = run(opt, w, 5);
    // Step 1: sum = g^2, so w moves by lr g / |g| = lr sign(g).
    require_close(got[0], {1.0 - 0.5, -2.0 + 0.5}, 1e-9);
    require_steps(got, adagrad_reference({0.5}, 5));
    const auto* s = dynamic_cast<const optim::AdagradParamState*>(opt.state(w));
    REQUIRE(s != nullptr);
    REQUIRE(s->step == 5);
}

TEST_CASE("Adagrad: lr_decay, weight decay, initial accumulator and eps", "[optim][adagrad]") {
    struct Case {
        const char* what;
        optim::AdagradOptions options;
        AdagradRef ref;
    };
    const std::vector<Case> cases = {
        {"lr_decay", optim::AdagradOptions(0.4).lr_decay(0.5), {0.4, 0.5}},
        {"weight_decay", optim::AdagradOptions(0.4).weight_decay(0.25), {0.4, 0, 0.25}},
        {"initial_accumulator_value", optim::AdagradOptions(0.4).initial_accumulator_value(2.0), {0.4, 0, 0, 2.0}},
        {"eps", optim::AdagradOptions(0.4).eps(0.5), {0.4, 0, 0, 0, 0.5}},
        {"everything",
         optim::AdagradOptions(0.3).lr_decay(0.1).weight_decay(0.2).initial_accumulator_value(0.5).eps(1e-3),
         {0.3, 0.1, 0.2, 0.5, 1e-3}},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        Tensor w = fresh_w();
        optim::Adagrad opt({w}, c.options);
        require_steps(run(opt, w, 6), adagrad_reference(c.ref, 6));
    }
}

TEST_CASE("RMSprop and Adagrad: param groups, float32, and bad options", "[optim][rmsprop][adagrad]") {
    // Two groups with their own learning rates: each follows its own reference.
    Tensor a = fresh_w(), b = fresh_w();
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{a});
    groups.emplace_back(std::vector<Tensor>{b}, std::make_unique<optim::RMSpropOptions>(0.2));
    optim::RMSprop opt(groups, optim::RMSpropOptions(0.05).momentum(0.5));
    Tensor c = ember::tensor(kC, ember::dtype(ember::kFloat64));
    for (int t = 1; t <= 3; ++t) {
        opt.zero_grad();
        (a * c * scale(t) + a * a * 0.5 + b * c * scale(t) + b * b * 0.5).sum().backward();
        opt.step();
    }
    require_close(a, rmsprop_reference({0.05, 0.99, 1e-8, 0, 0.5}, 3)[2], 1e-12);
    require_close(b, rmsprop_reference({0.2}, 3)[2], 1e-12);

    // float32 parameters follow the float64 reference to float32 rounding.
    Tensor w32 = ember::tensor(kW0).requires_grad_();
    optim::Adagrad ada({w32}, optim::AdagradOptions(0.4).lr_decay(0.5));
    std::vector<std::vector<double>> got = run(ada, w32, 4);
    REQUIRE(w32.dtype() == ember::kFloat32);
    REQUIRE(dynamic_cast<const optim::AdagradParamState*>(ada.state(w32))->sum.dtype() == ember::kFloat32);
    require_close(got[3], adagrad_reference({0.4, 0.5}, 4)[3], 1e-5);

    // A parameter without a gradient is left alone and gets no state.
    Tensor unused = fresh_w();
    optim::Adagrad skip({unused});
    skip.step();
    REQUIRE(values(unused) == kW0);
    REQUIRE(skip.state(unused) == nullptr);

    Tensor w = fresh_w();
    require_throws_with<ember::ValueError>([&] { optim::RMSprop({w}, optim::RMSpropOptions(-1)); },
                                           {"learning rate", "non-negative", "-1"});
    require_throws_with<ember::ValueError>([&] { optim::RMSprop({w}, optim::RMSpropOptions().alpha(-0.5)); },
                                           {"RMSprop", "alpha", "-0.5"});
    require_throws_with<ember::ValueError>([&] { optim::RMSprop({w}, optim::RMSpropOptions().momentum(-2)); },
                                           {"RMSprop", "momentum", "-2"});
    require_throws_with<ember::ValueError>([&] { optim::Adagrad({w}, optim::AdagradOptions().lr_decay(-1)); },
                                           {"Adagrad", "lr_decay", "-1"});
    require_throws_with<ember::ValueError>(
        [&] { optim::Adagrad({w}, optim::AdagradOptions().initial_accumulator_value(-3)); },
        {"Adagrad", "initial_accumulator_value", "-3"});
    // A bad option set on a group later is caught at the step.
    optim::Adagrad later({w});
    later.options().eps(-1);
    (w * w).sum().backward();
    require_throws_with<ember::ValueError>([&] { later.step(); }, {"Adagrad", "eps", "-1"});
}
