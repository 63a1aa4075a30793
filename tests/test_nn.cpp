// nn modules: registration and dotted names, parameter counts, train/eval, dtype moves that keep
// member handles valid, zero_grad, Linear against a hand-written x W^T + b, initialisation
// bounds, printing; Dropout, Flatten and nn::init against their definitions.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace nn = ember::nn;
namespace F = ember::nn::functional;

namespace {

// A custom module holding a nested Sequential, as a user would write one.
struct NetImpl : nn::Module {
    NetImpl() : nn::Module("Net") {
        features = register_module("features",
                                   nn::Sequential(nn::Linear(4, 3), nn::ReLU(), nn::Dropout(0.5), nn::Linear(3, 2)));
        head = register_module("head", nn::Linear(2, 1));
        scale = register_parameter("scale", ember::ones({1}));
    }
    Tensor forward(const Tensor& x) { return head(features(x)) * scale; }
    nn::Sequential features{nullptr};
    nn::Linear head{nullptr};
    Tensor scale;
};
EMBER_MODULE(Net);

}  // namespace

TEST_CASE("Module: registration, dotted names and parameter count", "[nn]") {
    Net net;
    std::vector<std::string> want = {"scale",           "features.0.weight", "features.0.bias", "features.3.weight",
                                     "features.3.bias", "head.weight",       "head.bias"};
    REQUIRE(net->named_parameters().keys() == want);
    // 4*3 + 3 + 3*2 + 2 + 2*1 + 1 + 1 (scale)
    REQUIRE(net->num_parameters() == 27);
    REQUIRE(net->parameters().size() == 7);
    REQUIRE(net->parameters(false).size() == 1);
    REQUIRE(net->children().size() == 2);
    REQUIRE(net->modules().size() == 7);  // Net, Sequential, 4 layers, head
    for (const Tensor& p : net->parameters()) REQUIRE(p.requires_grad());
    // The member holders see the registered modules.
    REQUIRE(net->named_parameters()["head.weight"].is_same(net->head->weight));
    REQUIRE(net->features->at<nn::LinearImpl>(0).options.out_features_ == 3);
}

TEST_CASE("Module: modules, named_modules and apply walk the tree depth first, as libtorch does", "[nn]") {
    Net net;
    // libtorch's order: a child's subtree before its next sibling (pre-order).
    const std::vector<std::string> want = {"",           "features",   "features.0", "features.1",
                                           "features.2", "features.3", "head"};
    REQUIRE(net->named_modules().keys() == want);
    std::vector<std::string> prefixed;
    for (const std::string& k : net->named_modules("net", false).keys()) prefixed.push_back(k);
    REQUIRE(prefixed == std::vector<std::string>{"net.features", "net.features.0", "net.features.1", "net.features.2",
                                                 "net.features.3", "net.head"});
    std::vector<nn::Module*> order;
    for (const auto& m : net->modules()) order.push_back(m.get());
    REQUIRE(order.size() == 7);
    REQUIRE(order[0] == net.get());
    REQUIRE(order[2] == &net->features->at<nn::LinearImpl>(0));
    REQUIRE(order[6] == net->head.get());
    REQUIRE(net->modules(false).size() == 6);

    // apply visits the same modules in the same order; as<T>() picks out the Linear layers.
    std::vector<nn::Module*> visited;
    int linears = 0;
    net->apply([&](nn::Module& m) {
        visited.push_back(&m);
        if (auto* linear = m.as<nn::Linear>()) {
            ember::NoGradGuard no_grad;
            linear->weight.fill_(0.5);
            ++linears;
        }
    });
    REQUIRE(visited == order);
    REQUIRE(linears == 3);
    REQUIRE(net->head->weight.allclose(ember::full({1, 2}, 0.5)));
    std::vector<std::string> names;
    net->apply([&](const std::string& name, nn::Module&) { names.push_back(name); }, "net");
    REQUIRE(names.front() == "net");
    REQUIRE(names.back() == "net.head");
    REQUIRE(net->as<nn::LinearImpl>() == nullptr);
    REQUIRE(net->head->as<nn::LinearImpl>() == net->head.get());

    // A holder tests as bool: empty until a module is assigned.
    nn::Linear empty{nullptr};
    REQUIRE_FALSE(empty);
    REQUIRE(static_cast<bool>(net->head));
}

TEST_CASE("Module: train/eval reaches every descendant and switches Dropout", "[nn]") {
    Net net;
    for (const auto& m : net->modules()) REQUIRE(m->is_training());
    net->eval();
    for (const auto& m : net->modules()) REQUIRE_FALSE(m->is_training());
    Tensor x = ember::randn({8, 4});
    // In eval, dropout is the identity: the net is head(linear(relu(linear(x)))) * scale, computed
    // here in double from the parameters.
    auto affine = [](const std::vector<double>& in, int64_t n, int64_t k, const nn::Linear& lin) {
        const auto W = values(lin->weight), B = values(lin->bias);
        const int64_t o = lin->weight.size(0);
        std::vector<double> out;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < o; ++j) {
                double s = B[j];
                for (int64_t q = 0; q < k; ++q) s += in[i * k + q] * W[j * k + q];
                out.push_back(s);
            }
        return out;
    };
    std::vector<double> h = affine(values(x), 8, 4, net->features->ptr<nn::LinearImpl>(0));
    for (double& v : h) v = std::max(v, 0.0);
    std::vector<double> want = affine(affine(h, 8, 3, net->features->ptr<nn::LinearImpl>(3)), 8, 2, net->head);
    for (double& v : want) v *= values(net->scale)[0];
    require_close(net->forward(x), want, 1e-5);
    net->train();
    for (const auto& m : net->modules()) REQUIRE(m->is_training());
}

TEST_CASE("Module: to(kFloat64) converts in place, keeping member handles valid", "[nn]") {
    Net net;
    Tensor w_before = net->head->weight;
    std::vector<double> v_before = values(w_before);
    // Give one parameter a gradient: it must follow the dtype too.
    net->forward(ember::randn({2, 4})).sum().backward();
    net->to(ember::kFloat64);
    REQUIRE(net->head->weight.dtype() == ember::kFloat64);
    REQUIRE(net->scale.dtype() == ember::kFloat64);
    REQUIRE(w_before.dtype() == ember::kFloat64);  // an old handle sees it: same TensorImpl
    REQUIRE(w_before.is_same(net->head->weight));
    REQUIRE(net->head->weight.grad().dtype() == ember::kFloat64);
    require_close(net->head->weight, v_before, 1e-7);
    for (const auto& p : net->named_parameters()) REQUIRE(p.second.dtype() == ember::kFloat64);
    Tensor y = net->forward(ember::randn({3, 4}, ember::dtype(ember::kFloat64)));
    REQUIRE(y.dtype() == ember::kFloat64);
    REQUIRE(y.sizes() == ember::IntArrayRef({3, 1}));
}

TEST_CASE("Module: zero_grad to none or to zeros", "[nn]") {
    Net net;
    net->forward(ember::randn({5, 4})).sum().backward();
    for (const Tensor& p : net->parameters()) REQUIRE(p.grad().defined());
    net->zero_grad(false);
    for (const Tensor& p : net->parameters()) REQUIRE(ember::equal(p.grad(), ember::zeros_like(p)));
    net->zero_grad();
    for (const Tensor& p : net->parameters()) REQUIRE_FALSE(p.grad().defined());
}

TEST_CASE("Linear: forward equals x W^T + b computed by hand", "[nn]") {
    ember::manual_seed(3);
    nn::Linear lin(3, 2);
    Tensor x = ember::randn({4, 3});
    auto X = values(x), W = values(lin->weight), B = values(lin->bias);
    std::vector<double> want;
    for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 2; ++o) {
            double s = B[o];
            for (int k = 0; k < 3; ++k) s += X[i * 3 + k] * W[o * 3 + k];
            want.push_back(s);
        }
    require_close(lin(x), want, 1e-5);
    // Batched input [2, 4, 3] goes through matmul with the same result per row.
    require_close(lin(x.reshape({2, 2, 3})).reshape({4, 2}), want, 1e-5);
    nn::Linear no_bias(nn::LinearOptions(3, 2).bias(false));
    REQUIRE_FALSE(no_bias->bias.defined());
    REQUIRE(no_bias->parameters().size() == 1);
}

TEST_CASE("Linear: default init is U(-1/sqrt(in), 1/sqrt(in))", "[nn]") {
    nn::Linear lin(400, 300);
    const double bound = 1 / std::sqrt(400.0);
    auto w = values(lin->weight), b = values(lin->bias);
    double lo = *std::min_element(w.begin(), w.end()), hi = *std::max_element(w.begin(), w.end());
    REQUIRE(lo >= -bound);
    REQUIRE(hi <= bound);
    // 120000 draws fill the interval: the extremes are within 1% of the bounds.
    REQUIRE(hi > 0.99 * bound);
    REQUIRE(lo < -0.99 * bound);
    for (double v : b) REQUIRE(std::abs(v) <= bound);
}

TEST_CASE("Module: printing and summary name the layers and count parameters", "[nn]") {
    Net net;
    std::ostringstream os;
    os << net;
    std::string s = os.str();
    REQUIRE(s.find("Net(") != std::string::npos);
    REQUIRE(s.find("(features): ember::nn::Sequential(") != std::string::npos);
    REQUIRE(s.find("(0): ember::nn::Linear(in_features=4, out_features=3, bias=true)") != std::string::npos);
    REQUIRE(s.find("(1): ember::nn::ReLU()") != std::string::npos);
    REQUIRE(s.find("(2): ember::nn::Dropout(p=0.5, inplace=false)") != std::string::npos);
    REQUIRE(s.find("(head): ember::nn::Linear(in_features=2, out_features=1, bias=true)") != std::string::npos);
    std::string summary = net->summary();
    REQUIRE(summary.find("features.3.weight") != std::string::npos);
    REQUIRE(summary.find("total parameters: 27") != std::string::npos);
}

// A module that gives no name, as most libtorch users write theirs.
struct TinyImpl : nn::Module {
    TinyImpl() { fc = register_module("fc", nn::Linear(2, 1)); }
    nn::Linear fc{nullptr};
};

TEST_CASE("Module: an unnamed module prints its C++ type, as libtorch's Module::name() does", "[nn]") {
    TinyImpl tiny;
    REQUIRE(tiny.name() == "TinyImpl");
    std::ostringstream os;
    os << tiny;
    REQUIRE(os.str() == "TinyImpl(\n  (fc): ember::nn::Linear(in_features=2, out_features=1, bias=true)\n)");
    // Error messages name the type too.
    require_throws_with<ember::ValueError>([&] { tiny.register_module("fc", nn::Linear(1, 1)); }, {"TinyImpl"});
}

TEST_CASE("sizes(): operator<< prints them as libtorch does", "[nn]") {
    std::ostringstream os;
    os << ember::zeros({2, 3, 4}).sizes() << ' ' << ember::zeros({}).sizes() << ' ' << ember::zeros({5}).strides();
    REQUIRE(os.str() == "[2, 3, 4] [] [1]");
}

TEST_CASE("Dropout: inverted scaling in training, identity in eval", "[nn]") {
    ember::manual_seed(11);
    const double p = 0.3;
    Tensor x = (ember::rand({100, 100}) + 1.0).requires_grad_();
    Tensor y = F::dropout(x, p, true);
    auto X = values(x), Y = values(y);
    int64_t zeros = 0;
    for (std::size_t i = 0; i < X.size(); ++i) {
        if (Y[i] == 0) {
            ++zeros;
        } else {
            REQUIRE(std::abs(Y[i] - X[i] / (1 - p)) < 1e-5);
        }
    }
    // 10000 Bernoulli(0.3) draws: the zero fraction is within 4.5 sigma (sigma = 0.0046) of p.
    REQUIRE(std::abs(static_cast<double>(zeros) / 10000 - p) < 0.02);
    // d sum(y) / dx = mask / (1 - p) = y / x.
    y.sum().backward();
    auto G = values(x.grad());
    for (std::size_t i = 0; i < X.size(); ++i) REQUIRE(std::abs(G[i] - Y[i] / X[i]) < 1e-5);

    REQUIRE(F::dropout(x, p, false).is_same(x));
    REQUIRE(values(F::dropout(x, 1.0, true)) == std::vector<double>(10000, 0.0));
    nn::Dropout drop(p);
    drop->eval();
    REQUIRE(ember::equal(drop(x), x));
    require_throws_with<ember::ValueError>([] { nn::Dropout(1.5); }, {"Dropout", "in [0, 1]", "1.5"});
    require_throws_with<ember::ValueError>([&] { (void)F::dropout(x, -0.1, true); }, {"dropout", "in [0, 1]", "-0.1"});
    require_throws_with<ember::DTypeError>(
        [] { (void)F::dropout(ember::ones({2}, ember::dtype(ember::kInt64)), 0.5, true); },
        {"dropout", "floating", "Tensor[2] int64 cpu"});
}

TEST_CASE("Flatten: merges start_dim..end_dim", "[nn]") {
    Tensor x = ember::arange(120.0).reshape({2, 3, 4, 5});
    nn::Flatten flat;
    REQUIRE(flat(x).sizes() == ember::IntArrayRef({2, 60}));
    REQUIRE(ember::equal(flat(x).reshape({120}), x.reshape({120})));
    nn::Flatten mid(nn::FlattenOptions(1, 2));
    REQUIRE(mid(x).sizes() == ember::IntArrayRef({2, 12, 5}));
    nn::Sequential seq(nn::Flatten(), nn::Linear(60, 2));
    REQUIRE(seq->forward(x).sizes() == ember::IntArrayRef({2, 2}));
}

TEST_CASE("functional activations: values by their definitions", "[nn]") {
    const std::vector<double> v = {-2.0, -0.5, 0.0, 0.5, 3.0};
    Tensor x = ember::tensor(v, ember::dtype(ember::kFloat64));
    std::vector<double> relu, sig, th, sp, lsm;
    double z = 0;
    for (double e : v) z += std::exp(e);
    for (double e : v) {
        relu.push_back(e > 0 ? e : 0.0);
        sig.push_back(1 / (1 + std::exp(-e)));
        th.push_back((std::exp(e) - std::exp(-e)) / (std::exp(e) + std::exp(-e)));
        sp.push_back(std::log1p(std::exp(e)));
        lsm.push_back(e - std::log(z));
    }
    require_close(F::relu(x), relu, 1e-15);
    require_close(F::sigmoid(x), sig, 1e-15);
    require_close(F::tanh(x), th, 1e-15);
    require_close(F::softplus(x), sp, 1e-15);
    require_close(F::log_softmax(x, 0), lsm, 1e-15);
    // The modules compute the same functions.
    require_close(nn::ReLU()(x), relu, 1e-15);
    require_close(nn::Sigmoid()(x), sig, 1e-15);
    require_close(nn::Tanh()(x), th, 1e-15);
}

TEST_CASE("init: gains, fans, and the bounds and spreads of xavier and kaiming", "[nn][init]") {
    namespace init = nn::init;
    REQUIRE(init::calculate_gain(ember::kLinear) == 1.0);
    REQUIRE(init::calculate_gain(ember::kSigmoid) == 1.0);
    REQUIRE(init::calculate_gain(ember::kTanh) == Approx(5.0 / 3.0));
    REQUIRE(init::calculate_gain(ember::kReLU) == Approx(std::sqrt(2.0)));
    REQUIRE(init::calculate_gain(ember::kLeakyReLU, 0.2) == Approx(std::sqrt(2.0 / 1.04)));
    REQUIRE(init::calculate_gain(ember::kSELU) == 0.75);
    REQUIRE(init::calculate_fan_in_and_fan_out(ember::empty({6, 4})) == std::pair<int64_t, int64_t>{4, 6});
    REQUIRE(init::calculate_fan_in_and_fan_out(ember::empty({6, 4, 3, 3})) == std::pair<int64_t, int64_t>{36, 54});
    require_throws_with<ember::ShapeError>([] { (void)init::calculate_fan_in_and_fan_out(ember::empty({5})); },
                                           {"calculate_fan_in_and_fan_out", "at least 2 dims", "[5]"});

    ember::manual_seed(5);
    // Works on a parameter that requires grad (in place, under NoGradGuard) and keeps its handle.
    Tensor w = ember::empty({200, 300}).requires_grad_();
    Tensor same = init::xavier_uniform_(w, 2.0);
    REQUIRE(same.is_same(w));
    double a = 2.0 * std::sqrt(6.0 / 500.0);
    auto v = values(w);
    REQUIRE(*std::max_element(v.begin(), v.end()) <= a);
    REQUIRE(*std::min_element(v.begin(), v.end()) >= -a);
    // The sample std of 60000 draws is within 2% of the target a / sqrt(3).
    auto sample_std = [](const std::vector<double>& x) {
        double m = 0, s = 0;
        for (double e : x) m += e;
        m /= static_cast<double>(x.size());
        for (double e : x) s += (e - m) * (e - m);
        return std::sqrt(s / static_cast<double>(x.size() - 1));
    };
    REQUIRE(sample_std(v) == Approx(a / std::sqrt(3.0)).epsilon(0.02));
    init::xavier_normal_(w);
    REQUIRE(sample_std(values(w)) == Approx(std::sqrt(2.0 / 500.0)).epsilon(0.02));
    init::kaiming_normal_(w, 0, ember::kFanOut, ember::kReLU);
    REQUIRE(sample_std(values(w)) == Approx(std::sqrt(2.0 / 200.0)).epsilon(0.02));
    init::kaiming_uniform_(w, std::sqrt(5.0));  // what PyTorch's Linear uses: bound 1/sqrt(fan_in)
    v = values(w);
    REQUIRE(*std::max_element(v.begin(), v.end()) <= 1 / std::sqrt(300.0) + 1e-7);
    REQUIRE(*std::max_element(v.begin(), v.end()) > 0.99 / std::sqrt(300.0));

    init::constant_(w, 0.25);
    REQUIRE(values(w) == std::vector<double>(60000, 0.25));
    init::zeros_(w);
    REQUIRE(values(w) == std::vector<double>(60000, 0.0));
    init::ones_(w);
    REQUIRE(values(w) == std::vector<double>(60000, 1.0));
    Tensor e = ember::empty({2, 3});
    init::eye_(e);
    REQUIRE(values(e) == std::vector<double>{1, 0, 0, 0, 1, 0});
    init::uniform_(e, 2.0, 3.0);
    for (double x : values(e)) REQUIRE((x >= 2.0 && x <= 3.0));
    require_throws_with<ember::DTypeError>([] { init::normal_(ember::empty({2}, ember::dtype(ember::kInt64))); },
                                           {"normal_", "floating", "Tensor[2] int64 cpu"});
    require_throws_with<ember::ShapeError>([] { init::eye_(ember::empty({2, 2, 2})); }, {"eye_", "2-D", "[2, 2, 2]"});
}
