// l1_loss, smooth_l1_loss, huber_loss, kl_div and cross_entropy's label smoothing: values
// against closed forms computed here in double, every reduction, the modules and the top-level
// ATen spellings, gradients by finite differences, and the errors for bad options.
#include <cmath>
#include <sstream>

#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace F = ember::nn::functional;
namespace nn = ember::nn;

namespace {

auto f64() { return ember::dtype(ember::kFloat64); }
// Differences d = x - y of 0.2, -0.4, 1.5, -3, 0 and 0.75.
const std::vector<double> kX = {0.2, -0.4, 2.0, -1.0, 0.5, 1.0};
const std::vector<double> kY = {0.0, 0.0, 0.5, 2.0, 0.5, 0.25};
Tensor X() { return ember::tensor(kX, f64()).reshape({2, 3}); }
Tensor Y() { return ember::tensor(kY, f64()).reshape({2, 3}); }

template <typename L>
std::vector<double> elementwise(L l) {
    std::vector<double> out;
    for (std::size_t i = 0; i < kX.size(); ++i) out.push_back(l(kX[i] - kY[i]));
    return out;
}
double sum_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
}
double smooth_l1_ref(double d, double beta) {
    const double a = std::abs(d);
    return a < beta ? 0.5 * a * a / beta : a - 0.5 * beta;
}
double huber_ref(double d, double delta) {
    const double a = std::abs(d);
    return a < delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
}
template <typename M>
std::string printed(const M& module) {
    std::ostringstream os;
    os << *module;
    return os.str();
}

}  // namespace

TEST_CASE("l1_loss, smooth_l1_loss, huber_loss: closed forms and the three reductions", "[losses]") {
    const auto l1 = elementwise([](double d) { return std::abs(d); });
    const auto sl1 = elementwise([](double d) { return smooth_l1_ref(d, 0.5); });
    const auto hub = elementwise([](double d) { return huber_ref(d, 0.8); });
    require_close(F::l1_loss(X(), Y(), F::L1LossFuncOptions(ember::kNone)), l1, 1e-15);
    require_close(F::l1_loss(X(), Y()), sum_of(l1) / 6, 1e-15);
    require_close(nn::L1Loss(nn::L1LossOptions(ember::kSum))(X(), Y()), sum_of(l1), 1e-15);

    require_close(F::smooth_l1_loss(X(), Y(), F::SmoothL1LossFuncOptions(ember::kNone).beta(0.5)), sl1, 1e-15);
    require_close(F::smooth_l1_loss(X(), Y(), F::SmoothL1LossFuncOptions().beta(0.5)), sum_of(sl1) / 6, 1e-15);
    // libtorch 1.13's fourth argument, and the module reading options.beta().
    require_close(F::smooth_l1_loss(X(), Y(), {}, 0.5), sum_of(sl1) / 6, 1e-15);
    require_close(nn::SmoothL1Loss(nn::SmoothL1LossOptions(ember::kSum).beta(0.5))(X(), Y()), sum_of(sl1), 1e-15);
    // beta = 0 is the L1 loss; the default beta is 1.
    require_close(F::smooth_l1_loss(X(), Y(), F::SmoothL1LossFuncOptions(ember::kNone).beta(0)), l1, 1e-15);
    require_close(F::smooth_l1_loss(X(), Y(), F::SmoothL1LossFuncOptions(ember::kSum)),
                  sum_of(elementwise([](double d) { return smooth_l1_ref(d, 1.0); })), 1e-15);

    require_close(F::huber_loss(X(), Y(), F::HuberLossFuncOptions(ember::kNone).delta(0.8)), hub, 1e-15);
    require_close(nn::HuberLoss(nn::HuberLossOptions().delta(0.8))(X(), Y()), sum_of(hub) / 6, 1e-15);
    // huber with delta = smooth_l1 with beta = delta, times delta.
    require_close(F::huber_loss(X(), Y(), F::HuberLossFuncOptions(ember::kSum).delta(0.8)),
                  0.8 * sum_of(elementwise([](double d) { return smooth_l1_ref(d, 0.8); })), 1e-15);
}

TEST_CASE("kl_div: y (log y - x) with 0 log 0 = 0, log_target, and batchmean", "[losses]") {
    // input: log-probabilities of two rows; target: probabilities, one of them 0.
    const std::vector<double> p = {0.2, 0.3, 0.5, 0.1, 0.6, 0.3}, y = {0.5, 0.5, 0.0, 0.25, 0.25, 0.5};
    std::vector<double> logp, terms, log_y_terms;
    for (double v : p) logp.push_back(std::log(v));
    for (std::size_t i = 0; i < p.size(); ++i) terms.push_back(y[i] > 0 ? y[i] * (std::log(y[i]) - logp[i]) : 0.0);
    Tensor input = ember::tensor(logp, f64()).reshape({2, 3});
    Tensor target = ember::tensor(y, f64()).reshape({2, 3});
    require_close(F::kl_div(input, target, F::KLDivFuncOptions(ember::kNone)), terms, 1e-15);
    require_close(F::kl_div(input, target, F::KLDivFuncOptions(ember::kSum)), sum_of(terms), 1e-15);
    require_close(F::kl_div(input, target), sum_of(terms) / 6, 1e-15);
    require_close(F::kl_div(input, target, F::KLDivFuncOptions(ember::kBatchMean)), sum_of(terms) / 2, 1e-15);
    require_close(nn::KLDivLoss(nn::KLDivLossOptions().reduction(ember::kBatchMean))(input, target), sum_of(terms) / 2,
                  1e-15);
    // The target given as log-probabilities: e^t (t - x), the same divergence where y > 0.
    Tensor t = ember::tensor({0.5, 0.25, 0.25}, f64()).log();
    Tensor x = ember::tensor({0.2, 0.3, 0.5}, f64()).log();
    const double want = 0.5 * std::log(0.5 / 0.2) + 0.25 * std::log(0.25 / 0.3) + 0.25 * std::log(0.25 / 0.5);
    require_close(F::kl_div(x, t, F::KLDivFuncOptions(ember::kSum).log_target(true)), want, 1e-15);
    require_close(F::kl_div(x, t.exp(), F::KLDivFuncOptions(ember::kSum)), want, 1e-15);
    // A 0-d input: batchmean is the sum.
    require_close(F::kl_div(x[0], t[0].exp(), F::KLDivFuncOptions(ember::kBatchMean)), 0.5 * std::log(0.5 / 0.2),
                  1e-15);

    // The gradient for the target stays finite where it is 0 (log y is never taken at 0).
    Tensor tg = target.clone().requires_grad_();
    F::kl_div(input, tg, F::KLDivFuncOptions(ember::kSum)).backward();
    for (double g : values(tg.grad())) REQUIRE(std::isfinite(g));
}

TEST_CASE("cross_entropy: label smoothing mixes in the uniform target, PyTorch's way", "[losses]") {
    // Two samples, three classes; by hand: l_i = (1 - eps) nll_i + eps / C sum_c w_c (-logp_ic).
    const std::vector<std::vector<double>> z = {{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}};
    const std::vector<double> w = {0.5, 1.0, 2.0};
    const std::vector<int64_t> t = {1, 2};
    const double eps = 0.3;
    std::vector<std::vector<double>> logp(2, std::vector<double>(3));
    for (int i = 0; i < 2; ++i) {
        double s = 0;
        for (double v : z[i]) s += std::exp(v);
        for (int c = 0; c < 3; ++c) logp[i][c] = z[i][c] - std::log(s);
    }
    Tensor logits = ember::tensor({{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}}, f64());
    Tensor target = ember::tensor(std::vector<int64_t>{1, 2});
    Tensor weight = ember::tensor(w, f64());
    double nll_w = 0, smooth_w = 0, wsum = 0, nll = 0, smooth = 0;
    std::vector<double> per_sample;
    for (int i = 0; i < 2; ++i) {
        const double wi = w[t[i]];
        nll_w += -wi * logp[i][t[i]];
        wsum += wi;
        nll += -logp[i][t[i]];
        double si = 0, swi = 0;
        for (int c = 0; c < 3; ++c) {
            si += -logp[i][c];
            swi += -w[c] * logp[i][c];
        }
        smooth += si;
        smooth_w += swi;
        per_sample.push_back((1 - eps) * (-wi * logp[i][t[i]]) + eps / 3 * swi);
    }
    auto opts = [&] { return F::CrossEntropyFuncOptions().label_smoothing(eps); };
    require_close(F::cross_entropy(logits, target, opts()), (1 - eps) * nll / 2 + eps / 3 * smooth / 2, 1e-14);
    require_close(F::cross_entropy(logits, target, opts().weight(weight)),
                  (1 - eps) * nll_w / wsum + eps / 3 * smooth_w / wsum, 1e-14);
    require_close(F::cross_entropy(logits, target, opts().weight(weight).reduction(ember::kNone)), per_sample, 1e-14);
    require_close(
        nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(eps).reduction(ember::kSum))(logits, target),
        (1 - eps) * nll + eps / 3 * smooth, 1e-14);
    // An ignored sample drops out of both terms and of the mean's count.
    Tensor with_ignored = ember::tensor(std::vector<int64_t>{1, -100});
    const double s0 = -(logp[0][0] + logp[0][1] + logp[0][2]);
    require_close(F::cross_entropy(logits, with_ignored, opts()), (1 - eps) * -logp[0][1] + eps / 3 * s0, 1e-14);
    // With probabilities the target itself is smoothed: y' = (1 - eps) y + eps / C.
    Tensor onehot = ember::one_hot(target, 3).to(ember::kFloat64);
    require_close(F::cross_entropy(logits, onehot, opts()), values(F::cross_entropy(logits, target, opts())), 1e-14);
    require_throws_with<ember::ValueError>(
        [&] { (void)F::cross_entropy(logits, target, F::CrossEntropyFuncOptions().label_smoothing(1.5)); },
        {"cross_entropy", "label_smoothing", "1.5"});
}

TEST_CASE("losses: the top-level ATen spellings equal the functional forms", "[losses]") {
    Tensor x = X(), y = Y();
    using R = ember::Reduction::Reduction;
    REQUIRE(ember::equal(ember::l1_loss(x, y), F::l1_loss(x, y)));
    REQUIRE(ember::equal(ember::l1_loss(x, y, R::None), F::l1_loss(x, y, F::L1LossFuncOptions(ember::kNone))));
    REQUIRE(ember::equal(ember::mse_loss(x, y, ember::Reduction::Sum),
                         F::mse_loss(x, y, F::MSELossFuncOptions(ember::kSum))));
    REQUIRE(ember::equal(ember::smooth_l1_loss(x, y, ember::Reduction::Mean, 0.5),
                         F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().beta(0.5))));
    REQUIRE(ember::equal(ember::huber_loss(x, y, ember::Reduction::Sum, 0.8),
                         F::huber_loss(x, y, F::HuberLossFuncOptions(ember::kSum).delta(0.8))));
    Tensor lp = x.log_softmax(1), q = y.softmax(1);
    REQUIRE(ember::equal(ember::kl_div(lp, q), F::kl_div(lp, q)));
    REQUIRE(ember::equal(ember::kl_div(lp, q.log(), ember::Reduction::Sum, true),
                         F::kl_div(lp, q.log(), F::KLDivFuncOptions(ember::kSum).log_target(true))));
    Tensor t = ember::tensor(std::vector<int64_t>{2, 0});
    Tensor w = ember::tensor({1.0, 2.0, 0.5}, f64());
    REQUIRE(ember::equal(ember::cross_entropy_loss(x, t, w, ember::Reduction::Mean, -100, 0.1),
                         F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(w).label_smoothing(0.1))));
    REQUIRE(ember::equal(ember::nll_loss(lp, t, {}, ember::Reduction::Sum),
                         F::nll_loss(lp, t, F::NLLLossFuncOptions(ember::kSum))));
    Tensor p = x.sigmoid(), b = (y > 0.3).to(ember::kFloat64);
    REQUIRE(ember::equal(ember::binary_cross_entropy(p, b), F::binary_cross_entropy(p, b)));
    REQUIRE(ember::equal(
        ember::binary_cross_entropy_with_logits(x, b, {}, w),
        F::binary_cross_entropy_with_logits(x, b, F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(w))));
    require_throws_with<ember::ValueError>([&] { (void)ember::l1_loss(x, y, 7); }, {"l1_loss", "reduction", "7"});
}

TEST_CASE("losses: gradients of the new losses match finite differences (float64)", "[losses][gradcheck]") {
    ember::manual_seed(5);
    Tensor x = ember::randn({3, 4}, f64()).requires_grad_();
    Tensor y = ember::randn({3, 4}, f64()).requires_grad_();
    using ember::autograd::gradcheck;
    using ember::autograd::gradgradcheck;
    auto check = [&](auto f) {
        REQUIRE(gradcheck(f, {x, y}));
        REQUIRE(gradgradcheck(f, {x, y}));
    };
    check([](const std::vector<Tensor>& v) { return F::l1_loss(v[0], v[1]); });
    check([](const std::vector<Tensor>& v) {
        return F::smooth_l1_loss(v[0], v[1], F::SmoothL1LossFuncOptions(ember::kSum).beta(0.7));
    });
    check([](const std::vector<Tensor>& v) {
        return F::huber_loss(v[0], v[1], F::HuberLossFuncOptions(ember::kNone).delta(0.6));
    });
    check([](const std::vector<Tensor>& v) {
        return F::kl_div(v[0].log_softmax(1), v[1].softmax(1), F::KLDivFuncOptions(ember::kBatchMean));
    });
    check([](const std::vector<Tensor>& v) {
        return F::kl_div(v[0], v[1], F::KLDivFuncOptions(ember::kNone).log_target(true));
    });
    Tensor t = ember::tensor(std::vector<int64_t>{3, -100, 1});
    check([&](const std::vector<Tensor>& v) {
        return F::cross_entropy(v[0], t, F::CrossEntropyFuncOptions().weight(v[1][0].exp()).label_smoothing(0.25));
    });
}

TEST_CASE("losses: the modules print as libtorch 1.13's", "[losses]") {
    REQUIRE(printed(nn::L1Loss()) == "ember::nn::L1Loss()");
    REQUIRE(printed(nn::MSELoss(nn::MSELossOptions(ember::kSum))) == "ember::nn::MSELoss()");
    REQUIRE(printed(nn::SmoothL1Loss()) == "ember::nn::SmoothL1Loss");
    REQUIRE(printed(nn::HuberLoss()) == "ember::nn::HuberLoss");
    REQUIRE(printed(nn::KLDivLoss(nn::KLDivLossOptions(ember::kBatchMean))) == "ember::nn::KLDivLoss()");
    REQUIRE(printed(nn::CrossEntropyLoss()) == "ember::nn::CrossEntropyLoss()");
    REQUIRE(printed(nn::NLLLoss()) == "ember::nn::NLLLoss()");
    REQUIRE(printed(nn::BCELoss()) == "ember::nn::BCELoss()");
    REQUIRE(printed(nn::BCEWithLogitsLoss()) == "ember::nn::BCEWithLogitsLoss()");
}

TEST_CASE("losses: bad options and shapes are errors naming the loss", "[losses][errors]") {
    Tensor x = X(), y = Y();
    require_throws_with<ember::ValueError>(
        [&] { (void)F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().beta(-1)); },
        {"smooth_l1_loss", "beta", "-1"});
    require_throws_with<ember::ValueError>(
        [&] { (void)F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().beta(0.5), 0.25); },
        {"smooth_l1_loss", "beta given twice", "0.5", "0.25"});
    require_throws_with<ember::ValueError>([&] { (void)F::huber_loss(x, y, F::HuberLossFuncOptions().delta(0)); },
                                           {"huber_loss", "delta", "positive"});
    require_throws_with<ember::ShapeError>(
        [&] {
            (void)F::l1_loss(x, y.reshape({3, 2}));
        },
        {"l1_loss", "[2, 3]", "[3, 2]"});
    require_throws_with<ember::DTypeError>([&] { (void)F::kl_div(x, y.to(ember::kFloat32)); },
                                           {"kl_div", "float64", "float32"});
}
