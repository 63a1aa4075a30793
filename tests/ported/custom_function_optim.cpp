// Custom autograd Functions, gradient hooks and grad-mode guards as libtorch programs use them,
// then a tiny regression trained with RMSprop and Adagrad under a StepLR schedule. Every weight is
// set by hand (no random init) and the values are float64, printed to 5 decimals: the two builds
// must print the same lines.
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

// Values rounded to 5 decimals (and -0 printed as 0), so that the last bits of a sum cannot
// change a line.
void print(const std::string& name, const torch::Tensor& t) {
    torch::Tensor c = t.detach().to(torch::kDouble).contiguous();
    std::cout << name << " [";
    for (int64_t d = 0; d < c.dim(); ++d) std::cout << (d ? "," : "") << c.size(d);
    std::cout << "]";
    const double* p = c.data_ptr<double>();
    for (int64_t i = 0; i < c.numel(); ++i) {
        double r = std::round(p[i] * 1e5) / 1e5;
        if (r == 0) r = 0;
        std::cout << ' ' << std::fixed << std::setprecision(5) << r;
    }
    std::cout << '\n';
}

void print(const std::string& name, double v) { print(name, torch::tensor({v}, torch::kDouble)); }

// y = scale * x^2, scale a non-tensor argument kept in saved_data, x saved for backward.
struct ScaledSquare : torch::autograd::Function<ScaledSquare> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, double scale) {
        ctx->save_for_backward({x});
        ctx->saved_data["scale"] = scale;
        ctx->saved_data["power"] = 2;
        return x * x * scale;
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad_outputs) {
        torch::Tensor x = ctx->get_saved_variables()[0];
        const double scale = ctx->saved_data["scale"].toDouble();
        const int64_t power = ctx->saved_data["power"].toInt();
        // One gradient per argument of forward; none for the double.
        return {grad_outputs[0] * x * (scale * static_cast<double>(power)), torch::Tensor()};
    }
};

// Clamps at zero and also returns the mask of kept entries, which has no gradient.
struct ReluWithMask : torch::autograd::Function<ReluWithMask> {
    static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, torch::Tensor x) {
        torch::Tensor mask = x > 0;
        ctx->mark_non_differentiable({mask});
        ctx->save_for_backward({mask});
        return {x.clamp_min(0), mask};
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grad_outputs) {
        torch::Tensor mask = ctx->get_saved_variables()[0];
        return {grad_outputs[0] * mask.to(torch::kDouble)};
    }
};

// x += y in place, marked dirty: x's history now runs through this node.
struct AddInPlace : torch::autograd::Function<AddInPlace> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor x, torch::Tensor y) {
        x.add_(y);
        ctx->mark_dirty({x});
        return x;
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext*,
                                                   torch::autograd::variable_list grad_outputs) {
        return {grad_outputs[0], grad_outputs[0]};
    }
};

int main() {
    auto f64 = torch::TensorOptions().dtype(torch::kDouble);

    // ---- custom Functions ----
    torch::Tensor a = torch::tensor({1.5, -2.0, 0.5}, f64.requires_grad(true));
    torch::Tensor s = ScaledSquare::apply(a, 0.25);
    s.sum().backward();
    print("scaled_square", s);
    print("scaled_square grad", a.grad());  // 0.5 a

    torch::Tensor r = torch::tensor({-1.0, 2.0, 3.0, -0.5}, f64.requires_grad(true));
    torch::autograd::variable_list outs = ReluWithMask::apply(r);
    std::cout << "mask requires_grad " << outs[1].requires_grad() << '\n';
    print("mask", outs[1]);
    (outs[0] * torch::tensor({1.0, 2.0, 3.0, 4.0}, f64)).sum().backward();
    print("relu grad", r.grad());

    torch::Tensor p = torch::tensor({1.0, 2.0}, f64.requires_grad(true));
    torch::Tensor q = p * 3;
    torch::Tensor add = torch::tensor({0.5, -0.5}, f64.requires_grad(true));
    torch::Tensor out = AddInPlace::apply(q, add);
    std::cout << "dirty output is the input " << out.is_same(q) << '\n';
    (out * out).sum().backward();
    print("dirty p grad", p.grad());      // 6 (3 p + add)
    print("dirty add grad", add.grad());  // 2 (3 p + add)

    // ---- hooks ----
    torch::Tensor h = torch::tensor({2.0, -1.0}, f64.requires_grad(true));
    torch::Tensor doubled = h * 2;
    unsigned halve = doubled.register_hook([](torch::Tensor g) { return g * 0.5; });
    std::vector<double> seen;
    h.register_hook([&seen](torch::Tensor g) { seen.push_back(g.sum().item<double>()); });
    // d/dh = 2 * (0.5 * 2 doubled) = 4 h; the graph is kept for a second pass.
    (doubled * doubled).sum().backward(torch::Tensor(), true);
    print("hooked grad", h.grad());
    doubled.remove_hook(halve);
    h.grad().zero_();
    (doubled * doubled).sum().backward();  // unhooked: 8 h
    print("unhooked grad", h.grad());
    for (double v : seen) print("hook saw sum", v);

    // ---- guards ----
    {
        torch::NoGradGuard no_grad;
        std::cout << "no_grad records " << (h * 2).requires_grad() << '\n';
        torch::AutoGradMode enable(true);
        std::cout << "AutoGradMode(true) records " << (h * 2).requires_grad() << '\n';
    }
    {
        torch::AutoGradMode disable(false);
        std::cout << "AutoGradMode(false) records " << (h * 2).requires_grad() << " grad mode "
                  << torch::GradMode::is_enabled() << '\n';
    }
    {
        torch::InferenceMode inference;
        std::cout << "InferenceMode records " << ScaledSquare::apply(h, 1.0).requires_grad() << '\n';
    }

    // ---- training: y = x w + b, loss = mean(ScaledSquare(residual, 0.5)) ----
    torch::Tensor x = torch::tensor({{1.0, 2.0}, {-1.0, 0.5}, {0.0, -1.5}, {2.0, 1.0}}, f64);
    torch::Tensor y = torch::tensor({1.0, -2.0, 0.5, 3.0}, f64).view({4, 1});
    torch::Tensor w = torch::zeros({2, 1}, f64).requires_grad_(true);
    torch::Tensor b = torch::zeros({1}, f64).requires_grad_(true);
    {
        torch::NoGradGuard no_grad;
        w.copy_(torch::tensor({0.25, -0.5}, f64).view({2, 1}));
        b.fill_(0.1);
    }
    torch::optim::RMSprop rmsprop({w}, torch::optim::RMSpropOptions(0.05).alpha(0.9).momentum(0.5).centered(true));
    torch::optim::Adagrad adagrad({b}, torch::optim::AdagradOptions(0.3).lr_decay(0.1).initial_accumulator_value(0.1));
    torch::optim::StepLR schedule(rmsprop, 2, 0.5);
    for (int epoch = 1; epoch <= 5; ++epoch) {
        rmsprop.zero_grad();
        adagrad.zero_grad();
        torch::Tensor residual = torch::mm(x, w) + b - y;
        torch::Tensor loss = ScaledSquare::apply(residual, 0.5).mean();
        loss.backward();
        rmsprop.step();
        adagrad.step();
        schedule.step();
        std::cout << "epoch " << epoch << '\n';
        print("loss", loss);
        print("w", w);
        print("b", b);
        print("rmsprop lr", rmsprop.param_groups()[0].options().get_lr());
    }
    torch::Tensor final_loss;
    {
        torch::AutoGradMode eval(false);
        final_loss = ScaledSquare::apply(torch::mm(x, w) + b - y, 0.5).mean();
    }
    std::cout << "final loss requires_grad " << final_loss.requires_grad() << '\n';
    print("final loss", final_loss);
    return 0;
}
