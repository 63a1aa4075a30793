// Losses of nn::functional and their modules: values against closed forms computed here in
// double, the three reductions, large logits in float32, gradients by finite differences
// (gradcheck in float64), and the errors for bad shapes, dtypes and class indices.
#include <cmath>

#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace F = ember::nn::functional;
namespace nn = ember::nn;

namespace {
double sigmoid_ref(double z) { return 1 / (1 + std::exp(-z)); }
double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}
double sum_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
}
auto f64_opts() { return ember::dtype(ember::kFloat64); }
}  // namespace

TEST_CASE("mse_loss: squared differences with none, sum and mean", "[losses]") {
    Tensor x = ember::tensor({{1.0, 2.0, -3.0}, {0.5, 0.0, 4.0}});
    Tensor y = ember::tensor({{0.0, 2.5, -1.0}, {0.5, 1.0, 1.0}});
    std::vector<double> want = {1.0, 0.25, 4.0, 0.0, 1.0, 9.0};
    require_close(F::mse_loss(x, y, ember::kNone), want);
    REQUIRE(F::mse_loss(x, y, ember::kNone).sizes() == x.sizes());
    require_close(F::mse_loss(x, y, nn::MSELossOptions().reduction(nn::Reduction::Sum)), sum_of(want));
    require_close(F::mse_loss(x, y), mean_of(want));
    nn::MSELoss module(nn::MSELossOptions().reduction(ember::kSum));
    require_close(module(x, y), sum_of(want));
    std::ostringstream os;
    os << module;
    REQUIRE(os.str() == "ember::nn::MSELoss()");  // libtorch prints no reduction
}

TEST_CASE("binary_cross_entropy: closed form, weights and the -100 log clamp", "[losses]") {
    std::vector<double> p = {0.1, 0.8, 0.5, 0.999}, y = {0.0, 1.0, 0.3, 0.0};
    std::vector<double> want;
    for (std::size_t i = 0; i < p.size(); ++i)
        want.push_back(-(y[i] * std::log(p[i]) + (1 - y[i]) * std::log(1 - p[i])));
    Tensor P = ember::tensor(p, f64_opts()), Y = ember::tensor(y, f64_opts());
    require_close(F::binary_cross_entropy(P, Y, ember::kNone), want, 1e-12);
    require_close(F::binary_cross_entropy(P, Y), mean_of(want), 1e-12);
    require_close(nn::BCELoss(ember::kSum)(P, Y), sum_of(want), 1e-12);

    Tensor w = ember::tensor({2.0, 0.5, 1.0, 3.0}, f64_opts());
    std::vector<double> weighted = {2 * want[0], 0.5 * want[1], want[2], 3 * want[3]};
    require_close(F::binary_cross_entropy(P, Y, nn::BCELossOptions(ember::kNone).weight(w)), weighted, 1e-12);

    // p = 0 with y = 1 (and p = 1 with y = 0): log 0 is clamped to -100, so the loss is 100, and
    // the gradient stays finite (PyTorch's (p - y) / max(p (1 - p), 1e-12)).
    Tensor edge = ember::tensor({0.0, 1.0, 0.0}).requires_grad_();
    Tensor target = ember::tensor({1.0, 0.0, 0.0});
    Tensor l = F::binary_cross_entropy(edge, target, ember::kNone);
    require_close(l, {100.0, 100.0, 0.0});
    l.sum().backward();
    require_close(edge.grad(), {-1e12, 1e12, 0.0}, 1e-5);
}

TEST_CASE("binary_cross_entropy_with_logits: closed form and exact for logits of +-1e4", "[losses]") {
    std::vector<double> z = {-3.0, -0.5, 0.0, 0.7, 4.0}, y = {0.0, 1.0, 0.5, 1.0, 0.2};
    std::vector<double> want;
    for (std::size_t i = 0; i < z.size(); ++i) {
        double s = sigmoid_ref(z[i]);
        want.push_back(-(y[i] * std::log(s) + (1 - y[i]) * std::log(1 - s)));
    }
    Tensor Z = ember::tensor(z), Y = ember::tensor(y);
    require_close(F::binary_cross_entropy_with_logits(Z, Y, ember::kNone), want, 1e-6);
    require_close(nn::BCEWithLogitsLoss()(Z, Y), mean_of(want), 1e-6);

    // Float32 logits of +-1e4: log(sigmoid) would be -inf; the stable form gives the exact values
    // max(z, 0) - z y + log1p(e^-|z|) = {0, 1e4, 1e4, 0}.
    Tensor big = ember::tensor({1e4, 1e4, -1e4, -1e4}).requires_grad_();
    Tensor t = ember::tensor({1.0, 0.0, 1.0, 0.0});
    Tensor l = F::binary_cross_entropy_with_logits(big, t, ember::kNone);
    REQUIRE(l.dtype() == ember::kFloat32);
    REQUIRE(values(l) == std::vector<double>{0.0, 1e4, 1e4, 0.0});
    l.sum().backward();
    REQUIRE(values(big.grad()) == std::vector<double>{0.0, 1.0, -1.0, 0.0});  // sigmoid(z) - y

    // At z = 0 the derivative is sigmoid(0) - y = 0.5 - y (a relu/abs formulation would give -y).
    Tensor zero = ember::zeros({2}).requires_grad_();
    F::binary_cross_entropy_with_logits(zero, ember::tensor({1.0, 0.0}), ember::kSum).backward();
    require_close(zero.grad(), {-0.5, 0.5});
}

TEST_CASE("binary_cross_entropy_with_logits: pos_weight and weight", "[losses]") {
    std::vector<double> z = {-1.0, 0.5, 2.0}, y = {1.0, 0.0, 0.6};
    const double q = 3.0;
    std::vector<double> want;
    for (std::size_t i = 0; i < z.size(); ++i) {
        double s = sigmoid_ref(z[i]);
        want.push_back(-(q * y[i] * std::log(s) + (1 - y[i]) * std::log(1 - s)) * 0.5);
    }
    auto o = nn::BCEWithLogitsLossOptions(ember::kNone).pos_weight(ember::tensor({q})).weight(ember::tensor({0.5}));
    require_close(F::binary_cross_entropy_with_logits(ember::tensor(z), ember::tensor(y), o), want, 1e-6);
}

TEST_CASE("cross_entropy: -log softmax of the target class, by hand", "[losses]") {
    std::vector<std::vector<double>> x = {{1.0, 2.0, 0.5, -1.0}, {0.0, 0.0, 0.0, 0.0}, {3.0, -2.0, 1.0, 0.2}};
    std::vector<int64_t> t = {1, 3, 0};
    std::vector<double> want;
    for (std::size_t i = 0; i < x.size(); ++i) {
        double z = 0;
        for (double v : x[i]) z += std::exp(v);
        want.push_back(-std::log(std::exp(x[i][static_cast<std::size_t>(t[i])]) / z));
    }
    Tensor X = ember::tensor({{1.0, 2.0, 0.5, -1.0}, {0.0, 0.0, 0.0, 0.0}, {3.0, -2.0, 1.0, 0.2}});
    Tensor T = ember::tensor(t);
    require_close(F::cross_entropy(X, T, ember::kNone), want, 1e-6);
    require_close(F::cross_entropy(X, T), mean_of(want), 1e-6);
    require_close(nn::CrossEntropyLoss(ember::kSum)(X, T), sum_of(want), 1e-6);
    // cross_entropy == nll_loss(log_softmax)
    require_close(F::nll_loss(ember::log_softmax(X, 1), T), mean_of(want), 1e-6);
    require_close(nn::NLLLoss()(ember::log_softmax(X, 1), T), mean_of(want), 1e-6);
    // A single sample [C] with a 0-d target.
    require_close(F::cross_entropy(X[0], ember::tensor(std::vector<int64_t>{1}).reshape({})), want[0], 1e-6);
    // Class probabilities equal to one-hot targets give the same losses.
    Tensor onehot = ember::one_hot(T, 4).to(ember::kFloat32);
    require_close(F::cross_entropy(X, onehot, ember::kNone), want, 1e-6);
}

TEST_CASE("cross_entropy: float32 logits of +-1e4 stay finite and exact", "[losses]") {
    Tensor X = ember::tensor({{1e4, 0.0, -1e4}, {-1e4, 1e4, 0.0}}).requires_grad_();
    Tensor T = ember::tensor(std::vector<int64_t>{0, 2});
    // Row 0: the target holds the max, loss = log(1 + e^-1e4 + e^-2e4) = 0; row 1: 1e4 - 0.
    Tensor l = F::cross_entropy(X, T, ember::kNone);
    REQUIRE(values(l) == std::vector<double>{0.0, 1e4});
    F::cross_entropy(X, T).backward();
    // d/dx = (softmax - onehot) / N
    REQUIRE(values(X.grad()) == std::vector<double>{0.0, 0.0, 0.0, 0.0, 0.5, -0.5});
}

TEST_CASE("nll_loss: class weights and ignore_index", "[losses]") {
    Tensor logp = ember::tensor({{-0.1, -2.0, -3.0}, {-1.5, -0.4, -2.2}, {-0.9, -0.8, -1.7}, {-2.0, -2.5, -0.2}});
    Tensor T = ember::tensor(std::vector<int64_t>{0, 1, -100, 2});
    Tensor w = ember::tensor({1.0, 2.0, 0.5});
    // Sample 2 is ignored; the weighted mean divides by w[0] + w[1] + w[2] = 3.5.
    std::vector<double> none = {0.1 * 1.0, 0.4 * 2.0, 0.0, 0.2 * 0.5};
    require_close(F::nll_loss(logp, T, nn::NLLLossOptions(ember::kNone).weight(w)), none, 1e-6);
    require_close(F::nll_loss(logp, T, nn::NLLLossOptions().weight(w)), sum_of(none) / 3.5, 1e-6);
    require_close(F::nll_loss(logp, T, nn::NLLLossOptions(ember::kSum).weight(w)), sum_of(none), 1e-6);
    // Without weights the mean is over the 3 kept samples.
    require_close(F::nll_loss(logp, T), (0.1 + 0.4 + 0.2) / 3, 1e-6);
    Tensor T2 = ember::tensor(std::vector<int64_t>{0, 1, 7, 2});
    require_close(F::cross_entropy(logp, T2, nn::CrossEntropyLossOptions(ember::kNone).ignore_index(7)).select(0, 2),
                  0.0);
}

TEST_CASE("losses: gradients match finite differences (float64)", "[losses][gradcheck]") {
    using ember::autograd::gradcheck;
    ember::manual_seed(7);
    auto opts = ember::dtype(ember::kFloat64);
    Tensor a = ember::randn({3, 4}, opts).requires_grad_();
    Tensor b = ember::randn({3, 4}, opts).requires_grad_();
    Tensor p = (ember::rand({3, 4}, opts) * 0.8 + 0.1).requires_grad_();
    Tensor y = ember::rand({3, 4}, opts).requires_grad_();
    Tensor idx = ember::tensor(std::vector<int64_t>{2, 0, 3});
    Tensor cw = ember::tensor({0.5, 1.0, 2.0, 1.5}, opts);

    REQUIRE(gradcheck([](const std::vector<Tensor>& v) { return F::mse_loss(v[0], v[1]); }, {a, b}));
    REQUIRE(gradcheck([](const std::vector<Tensor>& v) { return F::binary_cross_entropy(v[0], v[1], ember::kSum); },
                      {p, y}));
    REQUIRE(gradcheck([](const std::vector<Tensor>& v) { return F::binary_cross_entropy_with_logits(v[0], v[1]); },
                      {a, y}));
    Tensor pw = ember::tensor({2.0, 0.5, 1.0, 3.0}, opts);
    REQUIRE(gradcheck(
        [pw](const std::vector<Tensor>& v) {
            return F::binary_cross_entropy_with_logits(v[0], v[1], nn::BCEWithLogitsLossOptions().pos_weight(pw));
        },
        {a, y}));
    REQUIRE(gradcheck([idx](const std::vector<Tensor>& v) { return F::cross_entropy(v[0], idx); }, {a}));
    REQUIRE(gradcheck(
        [idx, cw](const std::vector<Tensor>& v) {
            return F::cross_entropy(v[0], idx, nn::CrossEntropyLossOptions(ember::kNone).weight(cw));
        },
        {a}));
    REQUIRE(gradcheck([](const std::vector<Tensor>& v) { return F::cross_entropy(v[0], ember::softmax(v[1], 1)); },
                      {a, b}));
    REQUIRE(gradcheck([idx](const std::vector<Tensor>& v) { return F::nll_loss(v[0], idx, ember::kSum); }, {a}));
}

TEST_CASE("losses: errors name the loss, the shapes and the bad class", "[losses][errors]") {
    Tensor x = ember::zeros({2, 3});
    const Tensor idx13 = ember::tensor(std::vector<int64_t>{1, 3});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::mse_loss(x, ember::zeros({3, 2}));
        },
        {"mse_loss", "input [2, 3]", "target [3, 2]", "same shape"});
    require_throws_with<ember::DTypeError>(
        [&] {
            (void)F::mse_loss(x, ember::zeros({2, 3}, ember::dtype(ember::kFloat64)));
        },
        {"mse_loss", "float32", "float64", "same dtype"});
    require_throws_with<ember::IndexError>([&] { (void)F::cross_entropy(x, idx13); },
                                           {"cross_entropy", "target 3", "sample 1", "3 classes"});
    require_throws_with<ember::IndexError>(
        [&] {
            (void)F::nll_loss(x, ember::tensor(std::vector<int64_t>{-1, 0}));
        },
        {"nll_loss", "target -1", "sample 0", "expected 0 <= target < 3"});
    require_throws_with<ember::DTypeError>([&] { (void)F::nll_loss(x, ember::zeros({2})); },
                                           {"nll_loss", "int64", "Tensor[2] float32 cpu"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::cross_entropy(x, ember::tensor(std::vector<int64_t>{0, 1, 2}));
        },
        {"cross_entropy", "input [2, 3]", "target [3]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::cross_entropy(ember::zeros({2, 3, 4}), ember::zeros({2}, ember::dtype(ember::kInt64)));
        },
        {"cross_entropy", "[N, C] or [C]", "[2, 3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::cross_entropy(x, ember::zeros({3, 2}));
        },
        {"cross_entropy", "probability target", "[2, 3]", "[3, 2]"});
    require_throws_with<ember::ValueError>(
        [&] {
            (void)F::binary_cross_entropy(ember::tensor({0.5, 1.5}), ember::tensor({0.0, 1.0}));
        },
        {"binary_cross_entropy", "probabilities in [0, 1]", "1.5"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::binary_cross_entropy_with_logits(ember::zeros({4}), ember::zeros({2, 2}));
        },
        {"binary_cross_entropy_with_logits", "input [4]", "target [2, 2]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::nll_loss(x, ember::tensor(std::vector<int64_t>{0, 1}),
                              nn::NLLLossOptions().weight(ember::ones({2})));
        },
        {"nll_loss", "weight [2]", "one entry per class (3)"});
    require_throws_with<ember::ValueError>([&] { (void)F::mse_loss(x, Tensor()); }, {"mse_loss", "undefined target"});
}
