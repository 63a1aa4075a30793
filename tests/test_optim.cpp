// Optimizers against their published update rules, evaluated here step by step in scalar double
// code on a 2-element parameter with loss = sum(k_t * c * w) (so the gradient at step t is the
// fixed k_t * c); schedulers' learning-rate sequences; clip_grad_norm_ against hand-computed norms.
#include <cmath>
#include <functional>

#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace nn = ember::nn;
namespace optim = ember::optim;

namespace {

const std::vector<double> kW0 = {1.0, -2.0};
const std::vector<double> kC = {0.5, -1.5};

// Runs `steps` optimizer steps on w (float64, starting at kW0) with gradient scale(t) * c at step
// t = 1..steps, returning w after each step.
std::vector<std::vector<double>> run(
    optim::Optimizer& opt, Tensor& w, int steps, std::function<double(int)> scale = [](int) { return 1.0; }) {
    std::vector<std::vector<double>> out;
    Tensor c = ember::tensor(kC, ember::dtype(ember::kFloat64));
    for (int t = 1; t <= steps; ++t) {
        opt.zero_grad();
        (w * c * scale(t)).sum().backward();
        opt.step();
        out.push_back(values(w));
    }
    return out;
}

Tensor fresh_w() { return ember::tensor(kW0, ember::dtype(ember::kFloat64)).requires_grad_(); }

struct SgdRef {
    double lr, momentum = 0, dampening = 0, wd = 0;
    bool nesterov = false;
};
// torch.optim.SGD, one scalar at a time.
std::vector<std::vector<double>> sgd_reference(const SgdRef& o, int steps) {
    std::vector<double> w = kW0, buf(2, 0.0);
    std::vector<std::vector<double>> out;
    for (int t = 1; t <= steps; ++t) {
        for (int i = 0; i < 2; ++i) {
            double g = kC[i] + o.wd * w[i];
            double d = g;
            if (o.momentum != 0) {
                buf[i] = t == 1 ? g : o.momentum * buf[i] + (1 - o.dampening) * g;
                d = o.nesterov ? g + o.momentum * buf[i] : buf[i];
            }
            w[i] -= o.lr * d;
        }
        out.push_back(w);
    }
    return out;
}

struct AdamRef {
    double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0;
    bool amsgrad = false, decoupled = false;
};
// torch.optim.Adam / AdamW, one scalar at a time.
std::vector<std::vector<double>> adam_reference(const AdamRef& o, int steps, std::function<double(int)> scale) {
    std::vector<double> w = kW0, m(2, 0.0), v(2, 0.0), vmax(2, 0.0);
    std::vector<std::vector<double>> out;
    for (int t = 1; t <= steps; ++t) {
        for (int i = 0; i < 2; ++i) {
            double g = scale(t) * kC[i];
            if (o.decoupled)
                w[i] *= 1 - o.lr * o.wd;
            else
                g += o.wd * w[i];
            m[i] = o.b1 * m[i] + (1 - o.b1) * g;
            v[i] = o.b2 * v[i] + (1 - o.b2) * g * g;
            vmax[i] = std::max(vmax[i], v[i]);
            double mhat = m[i] / (1 - std::pow(o.b1, t));
            double vhat = (o.amsgrad ? vmax[i] : v[i]) / (1 - std::pow(o.b2, t));
            w[i] -= o.lr * mhat / (std::sqrt(vhat) + o.eps);
        }
        out.push_back(w);
    }
    return out;
}

void require_steps(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t t = 0; t < got.size(); ++t) {
        INFO("step " << t + 1);
        require_close(got[t], want[t], 1e-12);
    }
}

}  // namespace

TEST_CASE("SGD: plain steps are w - t lr c", "[optim]") {
    Tensor w = fresh_w();
    optim::SGD opt({w}, optim::SGDOptions(0.1));
    auto got = run(opt, w, 3);
    // By hand: w_t = w_0 - 0.1 t c.
    require_close(got[0], {0.95, -1.85}, 1e-12);
    require_close(got[2], {0.85, -1.55}, 1e-12);
    require_steps(got, sgd_reference({0.1}, 3));
}

TEST_CASE("SGD: momentum with dampening (no dampening on the first step)", "[optim]") {
    Tensor w = fresh_w();
    optim::SGD opt({w}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.2));
    auto got = run(opt, w, 3);
    // Step 1: buf = c; step 2: buf = 0.9 c + 0.8 c = 1.7 c, so w_2 = w_0 - 0.1 * 2.7 c.
    require_close(got[1], {1.0 - 0.27 * 0.5, -2.0 + 0.27 * 1.5}, 1e-12);
    require_steps(got, sgd_reference({0.1, 0.9, 0.2}, 3));
}

TEST_CASE("SGD: nesterov and weight decay", "[optim]") {
    Tensor w = fresh_w();
    optim::SGD opt({w}, optim::SGDOptions(0.05).momentum(0.8).nesterov(true).weight_decay(0.1));
    require_steps(run(opt, w, 3), sgd_reference({0.05, 0.8, 0, 0.1, true}, 3));
    const auto* s = dynamic_cast<const optim::SGDParamState*>(opt.state(w));
    REQUIRE(s != nullptr);
    REQUIRE(s->momentum_buffer.defined());
    require_throws_with<ember::ValueError>([] { optim::SGD({fresh_w()}, optim::SGDOptions(0.1).nesterov(true)); },
                                           {"SGD", "nesterov", "momentum > 0", "momentum=0"});
}

TEST_CASE("sgd_step_: the fused pass follows torch.optim.SGD for every option, contiguous or strided", "[optim]") {
    // Every combination of momentum, dampening, weight decay and nesterov, three steps each, on a
    // contiguous parameter (the one-pass kernel) and on a column view of a matrix (the composed
    // ops): both must equal the scalar reference above, step by step.
    const SgdRef cases[] = {{0.1},
                            {0.1, 0, 0, 0.3},
                            {0.1, 0.9},
                            {0.1, 0.9, 0.25},
                            {0.1, 0.9, 0, 0.3},
                            {0.05, 0.8, 0, 0.1, true},
                            {0.05, 0.8, 0, 0, true},
                            {0.2, 0.5, 0.5, 0.2}};
    for (const SgdRef& o : cases) {
        const auto want = sgd_reference(o, 3);
        for (bool strided : {false, true}) {
            Tensor storage = ember::zeros({2, 3}, ember::dtype(ember::kFloat64));
            Tensor w = strided ? storage.select(1, 1) : ember::tensor(kW0, ember::dtype(ember::kFloat64));
            {
                ember::NoGradGuard ng;
                w.copy_(ember::tensor(kW0, ember::dtype(ember::kFloat64)));
            }
            REQUIRE(w.is_contiguous() == !strided);
            Tensor c = ember::tensor(kC, ember::dtype(ember::kFloat64)), buf;
            ember::NoGradGuard ng;
            for (int t = 0; t < 3; ++t) {
                ember::sgd_step_(w, c, buf, o.lr, o.momentum, o.dampening, o.wd, o.nesterov);
                require_close(values(w), want[t], 1e-12);
            }
            CHECK(buf.defined() == (o.momentum != 0));
        }
    }
}

TEST_CASE("sgd_step_: float32 matches float64 to rounding; bad operands are errors", "[optim]") {
    ember::manual_seed(3);
    Tensor w64 = ember::randn({1000}, ember::dtype(ember::kFloat64)),
           g64 = ember::randn({1000}, ember::dtype(ember::kFloat64));
    Tensor w32 = w64.to(ember::kFloat32), g32 = g64.to(ember::kFloat32), b64, b32;
    ember::NoGradGuard ng;
    for (int t = 0; t < 4; ++t) {
        ember::sgd_step_(w64, g64, b64, 0.1, 0.9, 0.1, 1e-2, true);
        ember::sgd_step_(w32, g32, b32, 0.1, 0.9, 0.1, 1e-2, true);
    }
    CHECK(ember::allclose(w32.to(ember::kFloat64), w64, 1e-5, 1e-6));
    CHECK(ember::allclose(b32.to(ember::kFloat64), b64, 1e-5, 1e-6));
    Tensor other = ember::zeros({999}, ember::dtype(ember::kFloat64));
    require_throws_with<ember::ShapeError>([&] { ember::sgd_step_(w64, other, b64, 0.1, 0.9); },
                                           {"sgd_step_", "grad Tensor[999] float64 cpu", "param Tensor[1000]"});
    Tensor bad_buf = ember::zeros({3}, ember::dtype(ember::kFloat64));
    require_throws_with<ember::ShapeError>(
        [&] { ember::sgd_step_(w64, g64, bad_buf, 0.1, 0.9); },
        {"sgd_step_", "momentum buffer Tensor[3] float64 cpu", "param Tensor[1000]"});
    Tensor ints = ember::zeros({1000}, ember::dtype(ember::kInt64)), none;
    require_throws_with<ember::DTypeError>([&] { ember::sgd_step_(ints, ints, none, 0.1); }, {"sgd_step_", "int64"});
}

TEST_CASE("Adam: bias-corrected steps; the first moves each weight by ~lr against its gradient", "[optim]") {
    Tensor w = fresh_w();
    optim::Adam opt({w}, optim::AdamOptions(0.01));
    auto got = run(opt, w, 3);
    // Step 1: mhat = g, vhat = g^2, so w_1 = w_0 - lr g / (|g| + eps) = w_0 - lr sign(g).
    require_close(got[0], {1.0 - 0.01, -2.0 + 0.01}, 1e-7);
    require_steps(got, adam_reference({0.01}, 3, [](int) { return 1.0; }));
    const auto* s = dynamic_cast<const optim::AdamParamState*>(opt.state(w));
    REQUIRE(s != nullptr);
    REQUIRE(s->step == 3);
}

TEST_CASE("Adam: weight decay, betas and eps", "[optim]") {
    Tensor w = fresh_w();
    optim::Adam opt({w}, optim::AdamOptions(0.02).betas({0.8, 0.99}).eps(1e-3).weight_decay(0.3));
    AdamRef ref{0.02, 0.8, 0.99, 1e-3, 0.3};
    require_steps(run(opt, w, 3), adam_reference(ref, 3, [](int) { return 1.0; }));
}

TEST_CASE("Adam: amsgrad keeps the largest second moment", "[optim]") {
    // A gradient that shrinks (3c, c, 0.5c, 0.25c) with beta2 = 0.5 makes v fall, so amsgrad's
    // max(v) differs from v.
    auto scale = [](int t) { return t == 1 ? 3.0 : 1.0 / std::pow(2.0, t - 2); };
    Tensor w = fresh_w(), w_plain = fresh_w();
    optim::Adam opt({w}, optim::AdamOptions(0.1).betas({0.9, 0.5}).amsgrad(true));
    optim::Adam plain({w_plain}, optim::AdamOptions(0.1).betas({0.9, 0.5}));
    auto got = run(opt, w, 4, scale);
    auto got_plain = run(plain, w_plain, 4, scale);
    require_steps(got, adam_reference({0.1, 0.9, 0.5, 1e-8, 0, true}, 4, scale));
    require_steps(got_plain, adam_reference({0.1, 0.9, 0.5}, 4, scale));
    REQUIRE(std::abs(got[3][0] - got_plain[3][0]) > 1e-3);
}

TEST_CASE("AdamW: decoupled weight decay", "[optim]") {
    Tensor w = fresh_w();
    optim::AdamW opt({w}, optim::AdamWOptions(0.05).weight_decay(0.5));
    AdamRef ref{0.05};
    ref.wd = 0.5;
    ref.decoupled = true;
    auto got = run(opt, w, 3);
    require_steps(got, adam_reference(ref, 3, [](int) { return 1.0; }));
    // Step 1 by hand: w (1 - lr wd) - lr sign(c).
    require_close(got[0], {1.0 * (1 - 0.025) - 0.05, -2.0 * (1 - 0.025) + 0.05}, 1e-7);
    REQUIRE(optim::AdamWOptions().weight_decay() == 0.01);  // PyTorch's default
}

TEST_CASE("Optimizer: zero_grad, lr, param groups and input checks", "[optim]") {
    Tensor a = fresh_w(), b = fresh_w();
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{a});
    groups.emplace_back(std::vector<Tensor>{b}, std::make_unique<optim::SGDOptions>(1.0));
    optim::SGD opt(groups, optim::SGDOptions(0.1));
    REQUIRE(opt.size() == 2);
    REQUIRE(opt.options(0).lr() == 0.1);
    REQUIRE(opt.options(1).lr() == 1.0);
    (a.sum() + b.sum()).backward();
    opt.step();
    require_close(a, {0.9, -2.1}, 1e-12);
    require_close(b, {0.0, -3.0}, 1e-12);
    opt.zero_grad(false);
    REQUIRE(values(a.grad()) == std::vector<double>{0.0, 0.0});
    opt.zero_grad();
    REQUIRE_FALSE(a.grad().defined());
    opt.step();  // no gradients: nothing moves
    require_close(a, {0.9, -2.1}, 1e-12);
    opt.set_lr(0.5);
    REQUIRE(opt.lr() == 0.5);
    REQUIRE(opt.options(1).lr() == 0.5);

    Tensor leaf = fresh_w();
    require_throws_with<ember::ValueError>([&] { optim::SGD({leaf * 2.0}, optim::SGDOptions(0.1)); },
                                           {"Optimizer", "non-leaf", "Tensor[2] float64 cpu"});
    require_throws_with<ember::ValueError>(
        [&] {
            optim::SGD({leaf, leaf}, optim::SGDOptions(0.1));
        },
        {"Optimizer", "appears more than once"});
    require_throws_with<ember::ValueError>([&] { optim::SGD({leaf}, optim::SGDOptions(-1)); },
                                           {"learning rate must be non-negative", "-1"});
    require_throws_with<ember::ValueError>(
        [&] {
            optim::Adam({leaf}, optim::AdamOptions().betas({1.0, 0.5}));
        },
        {"Adam", "betas must lie in [0, 1)", "(1, 0.5)"});
    require_throws_with<ember::ValueError>([&] { opt.set_lr(-0.5); }, {"set_lr", "non-negative", "-0.5"});
    require_throws_with<ember::ValueError>([&] { optim::StepLR(opt, 0); }, {"StepLR", "step_size", "positive", "0"});
}

TEST_CASE("Optimizer: updates keep module handles; state follows a dtype move", "[optim]") {
    ember::manual_seed(2);
    nn::Linear lin(3, 1);
    Tensor weight = lin->weight;
    optim::SGD opt(lin->parameters(), optim::SGDOptions(0.1).momentum(0.9));
    Tensor x = ember::randn({8, 3}), y = ember::randn({8, 1});
    auto before = values(weight);
    opt.zero_grad();
    nn::functional::mse_loss(lin(x), y).backward();
    opt.step();
    REQUIRE(weight.is_same(lin->weight));
    REQUIRE(values(weight) != before);
    lin->to(ember::kFloat64);
    opt.zero_grad();
    nn::functional::mse_loss(lin(x.to(ember::kFloat64)), y.to(ember::kFloat64)).backward();
    opt.step();
    const auto* s = dynamic_cast<const optim::SGDParamState*>(opt.state(weight));
    REQUIRE(s->momentum_buffer.dtype() == ember::kFloat64);
    REQUIRE(weight.dtype() == ember::kFloat64);
}

TEST_CASE("Optimizer: step(closure) returns the loss; Adam fits a line", "[optim]") {
    ember::manual_seed(4);
    nn::Linear lin(2, 1);
    Tensor x = ember::randn({64, 2});
    Tensor y = ember::matmul(x, ember::tensor({2.0, -3.0}).reshape({2, 1})) + 0.5;
    optim::Adam opt(lin->parameters(), optim::AdamOptions(0.1));
    auto closure = [&] {
        opt.zero_grad();
        Tensor loss = nn::functional::mse_loss(lin(x), y);
        loss.backward();
        return loss;
    };
    double first = opt.step(closure).item<double>();
    double last = first;
    for (int i = 0; i < 300; ++i) last = opt.step(closure).item<double>();
    REQUIRE(last < 1e-4 * first);
    require_close(lin->weight, {2.0, -3.0}, 1e-2);
}

TEST_CASE("LR schedulers: StepLR and ExponentialLR sequences", "[optim]") {
    Tensor w = fresh_w();
    optim::SGD opt({w}, optim::SGDOptions(1.0));
    optim::StepLR step_lr(opt, 2, 0.5);
    std::vector<double> lrs;
    for (int e = 0; e < 5; ++e) {
        step_lr.step();
        lrs.push_back(opt.lr());
    }
    // libtorch 1.13's C++ StepLR, run by a probe program: after k steps lr0 0.5^floor((k - 1) / 2).
    REQUIRE(lrs == std::vector<double>{1.0, 1.0, 0.5, 0.5, 0.25});
    REQUIRE(step_lr.get_last_lr() == std::vector<double>{0.25});
    REQUIRE(step_lr.last_epoch() == 5);

    optim::SGD opt2({fresh_w()}, optim::SGDOptions(0.2));
    optim::ExponentialLR exp_lr(opt2, 0.9);
    for (int e = 1; e <= 4; ++e) {
        exp_lr.step();
        REQUIRE(opt2.lr() == Approx(0.2 * std::pow(0.9, e)).epsilon(1e-12));
    }
}

TEST_CASE("LR schedulers: a rate set by hand is the base of the next decay, in every group", "[optim]") {
    // libtorch's schedulers read the optimizer's current rates at each step (checked with a probe:
    // StepLR(step_size 1, gamma 0.5) after a hand-set lr of 10 gives 5).
    Tensor a = fresh_w(), b = fresh_w();
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{a});
    groups.emplace_back(std::vector<Tensor>{b}, std::make_unique<optim::SGDOptions>(0.4));
    optim::SGD opt(groups, optim::SGDOptions(1.0));
    optim::StepLR step_lr(opt, 1, 0.5);
    step_lr.step();  // the first step keeps the rates
    step_lr.step();
    REQUIRE(step_lr.get_last_lr() == std::vector<double>{0.5, 0.2});
    opt.options(0).lr(10.0);  // by hand, group 0 only
    step_lr.step();
    REQUIRE(step_lr.get_last_lr() == std::vector<double>{5.0, 0.1});
    opt.set_lr(3.0);  // by hand, every group
    step_lr.step();
    REQUIRE(step_lr.get_last_lr() == std::vector<double>{1.5, 1.5});

    optim::SGD opt2({fresh_w()}, optim::SGDOptions(0.2));
    optim::ExponentialLR exp_lr(opt2, 0.5);
    exp_lr.step();
    opt2.set_lr(0.8);
    exp_lr.step();
    REQUIRE(opt2.lr() == 0.4);
    // The step uses the scheduled rate: one SGD step of w = kW0 with gradient kC moves w by 0.4 c.
    Tensor w = opt2.parameters()[0];
    run(opt2, w, 1);
    require_close(w, {kW0[0] - 0.4 * kC[0], kW0[1] - 0.4 * kC[1]}, 1e-12);
}

TEST_CASE("clip_grad_norm_: total norm and rescaled gradients", "[optim]") {
    Tensor a = ember::zeros({2}).requires_grad_(), b = ember::zeros({1}).requires_grad_();
    auto set = [&] {
        a.set_grad(ember::tensor({3.0, 4.0}));
        b.set_grad(ember::tensor({12.0}));
    };
    set();
    // sqrt(9 + 16 + 144) = 13; clipped to 6.5 by the factor 6.5 / (13 + 1e-6).
    double total = nn::utils::clip_grad_norm_({a, b}, 6.5);
    REQUIRE(total == Approx(13.0));
    const double f = 6.5 / (13.0 + 1e-6);
    require_close(a.grad(), {3 * f, 4 * f}, 1e-6);
    require_close(b.grad(), {12 * f}, 1e-6);
    set();
    REQUIRE(nn::utils::clip_grad_norm_({a, b}, 100.0) == Approx(13.0));
    REQUIRE(values(a.grad()) == std::vector<double>{3.0, 4.0});  // under max_norm: untouched
    set();
    REQUIRE(nn::utils::clip_grad_norm_({a, b}, 100.0, 1.0) == Approx(19.0));
    REQUIRE(nn::utils::clip_grad_norm_({a, b}, 6.0, INFINITY) == Approx(12.0));
    require_close(b.grad(), {12 * 6.0 / (12.0 + 1e-6)}, 1e-6);
    set();
    nn::utils::clip_grad_value_({a, b}, 3.5);
    REQUIRE(values(a.grad()) == std::vector<double>{3.0, 3.5});
    b.set_grad(ember::tensor({NAN}));
    require_throws_with<ember::ValueError>(
        [&] {
            nn::utils::clip_grad_norm_({a, b}, 1.0, 2.0, true);
        },
        {"clip_grad_norm_", "order 2", "nan", "error_if_nonfinite=false"});
    require_throws_with<ember::ValueError>(
        [&] {
            nn::utils::clip_grad_norm_({a, b}, 1.0, 0.0);
        },
        {"clip_grad_norm_", "norm_type must be positive"});
    require_throws_with<ember::ValueError>(
        [&] {
            nn::utils::clip_grad_value_({a, b}, -1.0);
        },
        {"clip_grad_value_", "non-negative", "-1"});
}
