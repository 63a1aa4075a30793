// The activation modules and their functional forms (libtorch's options and spellings): values
// against the definitions computed here in double, the in-place forms (values, version counter,
// gradients), libtorch's printing, and the errors for bad options.
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

const std::vector<double> kPoints = {-3.0, -1.0, -0.25, 0.5, 0.75, 2.5};

Tensor points() { return ember::tensor(kPoints, ember::dtype(ember::kFloat64)); }

template <typename F1>
std::vector<double> map(F1 f) {
    std::vector<double> out;
    for (double x : kPoints) out.push_back(f(x));
    return out;
}

double gelu_exact(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_tanh(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }

template <typename M>
std::string printed(const M& module) {
    std::ostringstream os;
    os << *module;
    return os.str();
}

}  // namespace

TEST_CASE("activations: modules and functional forms compute the definitions", "[nn][activations]") {
    Tensor x = points();
    const auto leaky = map([](double v) { return v > 0 ? v : 0.01 * v; });
    const auto leaky02 = map([](double v) { return v > 0 ? v : 0.2 * v; });
    const auto elu1 = map([](double v) { return v > 0 ? v : std::exp(v) - 1; });
    const auto elu05 = map([](double v) { return v > 0 ? v : 0.5 * (std::exp(v) - 1); });
    const auto hard = map([](double v) { return std::min(1.0, std::max(-1.0, v)); });
    const auto hard23 = map([](double v) { return std::min(0.6, std::max(-2.0, v)); });
    const auto soft = map([](double v) { return std::log1p(std::exp(2 * v)) / 2; });

    require_close(F::leaky_relu(x), leaky, 1e-15);
    require_close(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)), leaky02, 1e-15);
    require_close(ember::leaky_relu(x, 0.2), leaky02, 1e-15);
    require_close(nn::LeakyReLU()(x), leaky, 1e-15);
    require_close(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(x), leaky02, 1e-15);

    require_close(F::elu(x), elu1, 1e-15);
    require_close(F::elu(x, F::ELUFuncOptions().alpha(0.5)), elu05, 1e-15);
    require_close(nn::ELU(nn::ELUOptions().alpha(0.5))(x), elu05, 1e-15);
    // elu's three coefficients: scale (x > 0 and below), input_scale inside the exponential.
    require_close(ember::elu(x, 0.5, 2.0, 3.0), map([](double v) { return v > 0 ? 2 * v : std::expm1(3 * v); }), 1e-15);

    require_close(F::gelu(x), map(gelu_exact), 1e-15);
    require_close(F::gelu(x, F::GELUFuncOptions().approximate("tanh")), map(gelu_tanh), 1e-15);
    require_close(nn::GELU()(x), map(gelu_exact), 1e-15);
    require_close(nn::GELU(nn::GELUOptions().approximate("tanh"))(x), map(gelu_tanh), 1e-15);
    // The approximation is close to the exact form (within 1e-3 on these points) but not equal.
    const auto exact = values(ember::gelu(x)), approx = values(ember::gelu(x, "tanh"));
    for (std::size_t i = 0; i < exact.size(); ++i) REQUIRE(std::abs(exact[i] - approx[i]) < 1e-3);
    REQUIRE(exact != approx);

    require_close(F::hardtanh(x), hard, 1e-15);
    require_close(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(0.6)), hard23, 1e-15);
    require_close(nn::Hardtanh(nn::HardtanhOptions().min_val(-2).max_val(0.6))(x), hard23, 1e-15);

    require_close(F::softplus(x, F::SoftplusFuncOptions().beta(2)), soft, 1e-15);
    require_close(nn::Softplus(nn::SoftplusOptions().beta(2))(x), soft, 1e-15);
    require_close(nn::SiLU()(x), map([](double v) { return v / (1 + std::exp(-v)); }), 1e-15);
    require_close(nn::LogSigmoid()(x), map([](double v) { return -std::log1p(std::exp(-v)); }), 1e-15);
    require_close(F::logsigmoid(x), map([](double v) { return -std::log1p(std::exp(-v)); }), 1e-15);
    require_close(nn::ReLU()(x), map([](double v) { return v > 0 ? v : 0.0; }), 1e-15);
    require_close(nn::Identity()(x), kPoints, 0);
}

TEST_CASE("activations: Softmax and LogSoftmax modules normalise along their dim", "[nn][activations]") {
    Tensor x = ember::tensor({{1.0, 2.0, 3.0}, {-1.0, 0.0, 4.0}}, ember::dtype(ember::kFloat64));
    std::vector<double> want_rows, want_cols;
    const double v[2][3] = {{1, 2, 3}, {-1, 0, 4}};
    for (int i = 0; i < 2; ++i) {
        double z = 0;
        for (int j = 0; j < 3; ++j) z += std::exp(v[i][j]);
        for (int j = 0; j < 3; ++j) want_rows.push_back(std::exp(v[i][j]) / z);
    }
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) want_cols.push_back(std::exp(v[i][j]) / (std::exp(v[0][j]) + std::exp(v[1][j])));
    require_close(nn::Softmax(1)(x), want_rows, 1e-15);
    require_close(nn::Softmax(nn::SoftmaxOptions(0))(x), want_cols, 1e-15);
    require_close(F::softmax(x, F::SoftmaxFuncOptions(1)), want_rows, 1e-15);
    require_close(F::softmax(x, 1), want_rows, 1e-15);
    std::vector<double> log_rows;
    for (double p : want_rows) log_rows.push_back(std::log(p));
    require_close(nn::LogSoftmax(1)(x), log_rows, 1e-14);
    require_close(F::log_softmax(x, F::LogSoftmaxFuncOptions(1)), log_rows, 1e-14);
    // The functional forms' dtype converts the input first.
    Tensor x32 = x.to(ember::kFloat32);
    REQUIRE(F::softmax(x32, F::SoftmaxFuncOptions(1).dtype(ember::kFloat64)).dtype() == ember::kFloat64);
    REQUIRE(F::log_softmax(x32, F::LogSoftmaxFuncOptions(1).dtype(ember::kFloat64)).dtype() == ember::kFloat64);
}

TEST_CASE("activations: in-place forms overwrite their input and keep the gradient", "[nn][activations]") {
    SECTION("without autograd: the same storage, one more version, the out-of-place values") {
        Tensor x = points();
        const void* data = x.data_ptr<double>();
        const auto before = x._version();
        Tensor& r = ember::leaky_relu_(x, 0.2);
        REQUIRE(&r == &x);
        REQUIRE(x.data_ptr<double>() == data);
        REQUIRE(x._version() == before + 1);
        require_close(x, map([](double v) { return v > 0 ? v : 0.2 * v; }), 1e-15);
        Tensor y = points();
        F::relu(y, F::ReLUFuncOptions(true));
        require_close(y, map([](double v) { return v > 0 ? v : 0.0; }), 0);
        Tensor z = points();
        nn::ELU(nn::ELUOptions().inplace(true))(z);
        require_close(z, map([](double v) { return v > 0 ? v : std::exp(v) - 1; }), 1e-15);
        Tensor w = points();
        nn::Hardtanh(nn::HardtanhOptions().inplace(true))(w);
        require_close(w, map([](double v) { return std::min(1.0, std::max(-1.0, v)); }), 0);
        Tensor s = points();
        s.sigmoid_().tanh_();
        require_close(s, map([](double v) { return std::tanh(1 / (1 + std::exp(-v))); }), 1e-15);
    }
    SECTION("with autograd: the gradient is the out-of-place op's, under libtorch's node names") {
        Tensor leaf = points().requires_grad_();
        Tensor y = leaf * 2.0;
        ember::elu_(y);
        REQUIRE(y.grad_fn()->name() == "EluBackward1");
        y.sum().backward();
        require_close(leaf.grad(), map([](double v) { return v > 0 ? 2.0 : 2 * std::exp(2 * v); }), 1e-14);
        Tensor leaf2 = points().requires_grad_();
        Tensor h = leaf2 * 1.0;
        ember::leaky_relu_(h, 0.3);
        REQUIRE(h.grad_fn()->name() == "LeakyReluBackward1");
        Tensor r = leaf2 * 1.0;
        r.relu_();
        REQUIRE(r.grad_fn()->name() == "ReluBackward0");
    }
    SECTION("a leaf that requires grad cannot be overwritten") {
        Tensor leaf = points().requires_grad_();
        require_throws_with<ember::AutogradError>([&] { ember::gelu_(leaf); }, {"gelu_", "leaf"});
        require_throws_with<ember::AutogradError>([&] { nn::ReLU(true)(leaf); }, {"relu_", "leaf"});
    }
    SECTION("an integer tensor cannot hold a floating result") {
        Tensor i = ember::tensor({-1, 2});
        require_throws_with<ember::DTypeError>([&] { ember::elu_(i); }, {"elu_", "int64"});
    }
}

TEST_CASE("activations: gradients at the kinks are libtorch's one-sided choices", "[nn][activations]") {
    // relu, leaky_relu and elu take the left derivative at 0; hardtanh's gradient is 0 at its
    // edges (clamp's is 1 there).
    Tensor x = ember::tensor({0.0, -1.0, 1.0}, ember::dtype(ember::kFloat64)).requires_grad_();
    auto grad_of = [&](auto f) {
        x.set_grad(Tensor());
        f(x).sum().backward();
        return values(x.grad());
    };
    REQUIRE(grad_of([](const Tensor& t) { return ember::leaky_relu(t, 0.1); }) == std::vector<double>{0.1, 0.1, 1});
    REQUIRE(grad_of([](const Tensor& t) { return ember::elu(t); })[0] == 1.0);
    REQUIRE(grad_of([](const Tensor& t) { return ember::hardtanh(t); }) == std::vector<double>{1, 0, 0});
    REQUIRE(grad_of([](const Tensor& t) { return ember::clamp(t, -1.0, 1.0); }) == std::vector<double>{1, 1, 1});
}

TEST_CASE("activations: print as libtorch's modules, with ember's namespace", "[nn][activations]") {
    REQUIRE(printed(nn::ReLU()) == "ember::nn::ReLU()");
    REQUIRE(printed(nn::ReLU(true)) == "ember::nn::ReLU(inplace=true)");
    REQUIRE(printed(nn::LeakyReLU()) == "ember::nn::LeakyReLU(negative_slope=0.01)");
    REQUIRE(printed(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true))) ==
            "ember::nn::LeakyReLU(negative_slope=0.2, inplace=true)");
    REQUIRE(printed(nn::ELU(nn::ELUOptions().alpha(0.5))) == "ember::nn::ELU(alpha=0.5)");
    REQUIRE(printed(nn::GELU(nn::GELUOptions().approximate("tanh"))) == "ember::nn::GELU()");
    REQUIRE(printed(nn::Hardtanh()) == "ember::nn::Hardtanh(min_val=-1, max_val=1)");
    REQUIRE(printed(nn::Softplus()) == "ember::nn::Softplus(beta=1, threshold=20)");
    REQUIRE(printed(nn::Softmax(1)) == "ember::nn::Softmax(dim=1)");
    REQUIRE(printed(nn::LogSoftmax(-1)) == "ember::nn::LogSoftmax(dim=-1)");
    REQUIRE(printed(nn::SiLU()) == "ember::nn::SiLU()");
    REQUIRE(printed(nn::Sigmoid()) == "ember::nn::Sigmoid()");
    REQUIRE(printed(nn::Tanh()) == "ember::nn::Tanh()");
    REQUIRE(printed(nn::Identity()) == "ember::nn::Identity()");
}

TEST_CASE("activations: bad options are errors naming the module and the value", "[nn][activations][errors]") {
    require_throws_with<ember::ValueError>([] { nn::GELU(nn::GELUOptions().approximate("erf")); },
                                           {"GELU", "approximate", "erf"});
    require_throws_with<ember::ValueError>([] { (void)ember::gelu(ember::ones({2}), "fast"); },
                                           {"gelu", "\"none\" or \"tanh\"", "fast"});
    require_throws_with<ember::ValueError>([] { nn::Hardtanh(nn::HardtanhOptions().min_val(2).max_val(1)); },
                                           {"Hardtanh", "min_val (2)", "max_val (1)"});
    require_throws_with<ember::ValueError>([] { (void)ember::hardtanh(ember::ones({2}), 1, -1); },
                                           {"hardtanh", "min_val (1)"});
    require_throws_with<ember::ValueError>([] { nn::Softplus(nn::SoftplusOptions().beta(0)); },
                                           {"Softplus", "beta", "positive"});
    Tensor y = ember::ones({2});
    require_throws_with<ember::ValueError>([&] { (void)ember::leaky_relu_backward(y, y, -0.5, true); },
                                           {"leaky_relu_backward", "slope", "-0.5"});
}
