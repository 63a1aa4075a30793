// Anomaly mode (autograd::DetectAnomalyGuard): the first NaN/Inf in a recorded forward op's output
// or in a gradient returned by a backward node throws an AnomalyError naming the op; nothing is
// checked (or thrown) while the mode is off.
#include <limits>
#include <thread>

#include "core_test_util.h"

using namespace core_test;
using ember::Tensor;
using ember::autograd::DetectAnomalyGuard;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Tensor leaf(const std::vector<double>& v, ember::ScalarType dt = ember::kFloat32) {
    Tensor t = ember::tensor(v, ember::dtype(dt));
    t.requires_grad_(true);
    return t;
}

// y = 2 x forward; backward returns NaN for every input whose index is in `nan_inputs`.
struct NaNGradFunction : ember::autograd::Function<NaNGradFunction> {
    static Tensor forward(ember::autograd::AutogradContext* ctx, const Tensor& a, const Tensor& b) {
        ctx->saved_data["dummy"] = 0;
        return a * 2.0 + b;
    }
    static std::vector<Tensor> backward(ember::autograd::AutogradContext*, std::vector<Tensor> grads) {
        return {grads[0] * 2.0, grads[0] * kNaN};  // the second input's gradient is NaN
    }
};

}  // namespace

TEST_CASE("anomaly mode: off by default, RAII, thread-local", "[autograd][anomaly]") {
    REQUIRE_FALSE(ember::autograd::is_anomaly_enabled());
    {
        DetectAnomalyGuard on;
        REQUIRE(ember::autograd::is_anomaly_enabled());
        {
            DetectAnomalyGuard off(false);
            REQUIRE_FALSE(ember::autograd::is_anomaly_enabled());
        }
        REQUIRE(ember::autograd::is_anomaly_enabled());
        bool other_thread = true;
        std::thread t([&] { other_thread = ember::autograd::is_anomaly_enabled(); });
        t.join();
        REQUIRE_FALSE(other_thread);
    }
    REQUIRE_FALSE(ember::autograd::is_anomaly_enabled());
}

TEST_CASE("anomaly mode: a NaN or Inf produced in the forward names the op", "[autograd][anomaly]") {
    DetectAnomalyGuard anomaly;
    Tensor x = leaf({1.0, -1.0, 4.0});
    require_throws_with<ember::AnomalyError>([&] { (void)ember::log(x); },
                                             {"anomaly", "forward of LogBackward0", "1 NaN", "Tensor[3] float32 cpu",
                                              "flat index 1", "all its inputs were finite"});
    Tensor z = leaf({0.0, 2.0}, ember::kFloat64);
    require_throws_with<ember::AnomalyError>(
        [&] { (void)(z / z); }, {"forward of DivBackward0", "1 NaN", "Tensor[2] float64 cpu", "flat index 0"});
    require_throws_with<ember::AnomalyError>([&] { (void)ember::log(z); }, {"forward of LogBackward0", "1 -Inf"});
    require_throws_with<ember::AnomalyError>(
        [&] {
            (void)ember::exp(leaf({1.0, 1e4}));
        },
        {"forward of ExpBackward0", "1 +Inf", "flat index 1"});
    // An AnomalyError is an AutogradError and an ember::Error.
    REQUIRE_THROWS_AS(ember::log(x), ember::AutogradError);
    REQUIRE_THROWS_AS(ember::log(x), ember::Error);
    // Finite results pass and the graph is intact.
    Tensor y = (x * x).sum();
    y.backward();
    require_close(raw_values(x.grad()), {2.0, -2.0, 8.0}, 0, 0);
}

TEST_CASE("anomaly mode: only recorded ops are checked", "[autograd][anomaly]") {
    DetectAnomalyGuard anomaly;
    // No input requires grad: nothing is recorded, nothing is checked (as in PyTorch, anomaly mode
    // is about autograd). Intermediate values inside an op that records one node for the whole
    // computation (BCE's clamped log at p = 0) are not checked either.
    Tensor y = ember::log(ember::tensor({-1.0}));
    REQUIRE(std::isnan(raw_values(y)[0]));
    {
        ember::NoGradGuard no_grad;
        REQUIRE(std::isnan(raw_values(ember::log(leaf({-1.0})))[0]));
    }
    Tensor p = leaf({0.0, 1.0, 0.5});
    Tensor t = ember::tensor({1.0, 0.0, 1.0});
    Tensor loss = ember::nn::functional::binary_cross_entropy(p, t);
    loss.backward();
    for (double g : raw_values(p.grad())) REQUIRE(std::isfinite(g));
}

TEST_CASE("anomaly mode: inputs that already hold NaN or Inf", "[autograd][anomaly]") {
    // Outputs only, as in PyTorch: the first recorded op whose output holds NaN/Inf throws, also
    // when it only passed on a NaN it received; the message says which inputs already held it.
    DetectAnomalyGuard anomaly;
    Tensor a = leaf({kNaN, 1.0, kInf});
    Tensor b = ember::ones({3});
    require_throws_with<ember::AnomalyError>([&] { (void)(b * a); },
                                             {"forward of MulBackward0", "1 NaN, 1 +Inf", "already in its inputs",
                                              "input 1 Tensor[3] float32 cpu holds 1 NaN, 1 +Inf"});
    // An op that turns non-finite inputs into finite outputs is fine.
    Tensor c = ember::clamp(leaf({kInf, -kInf, 0.5}), -1.0, 1.0);
    require_close(raw_values(c), {1.0, -1.0, 0.5}, 0, 0);
    // A non-finite leaf that is not used by a recorded op raises nothing.
    Tensor unused = leaf({kNaN});
    REQUIRE(std::isnan(raw_values(unused)[0]));
}

TEST_CASE("anomaly mode: a NaN or Inf gradient names the backward node and the input", "[autograd][anomaly]") {
    // sqrt at 0: the forward is finite, d sqrt(x)/dx = 1 / (2 sqrt(x)) is +Inf.
    Tensor x = leaf({0.0, 4.0});
    {
        DetectAnomalyGuard anomaly;
        Tensor y = ember::sqrt(x).sum();
        require_throws_with<ember::AnomalyError>(
            [&] { y.backward(); },
            {"backward of SqrtBackward0", "1 +Inf", "gradient for its input 0", "flows to AccumulateGrad",
             "Tensor[2] float32 cpu", "flat index 0", "was finite, so its backward produced them"});
        REQUIRE(ember::GradMode::is_enabled());  // the engine restored grad mode on the way out
    }
    // A custom Function whose backward returns NaN for its second input.
    Tensor a = leaf({1.0, 2.0}, ember::kFloat64), b = leaf({3.0, 4.0}, ember::kFloat64);
    {
        DetectAnomalyGuard anomaly;
        Tensor y = NaNGradFunction::apply(a, b).sum();
        require_throws_with<ember::AnomalyError>(
            [&] { y.backward(); }, {"backward of ember::autograd::CppNode<(anonymous namespace)::NaNGradFunction>",
                                    "2 NaN", "gradient for its input 1", "Tensor[2] float64 cpu"});
    }
    // A non-finite gradient seed: the node that receives it is named, and the message says the
    // gradient reaching it was already non-finite.
    {
        DetectAnomalyGuard anomaly;
        Tensor y = x * 3.0;
        require_throws_with<ember::AnomalyError>(
            [&] {
                y.backward(ember::tensor({kNaN, 1.0}));
            },
            {"backward of MulBackward1", "gradient for its input 0", "reaching it already held NaN/Inf"});
    }
    // With create_graph the backward formula is recorded, so the op inside it that makes the Inf
    // is named, together with the node whose backward it belongs to.
    {
        DetectAnomalyGuard anomaly;
        Tensor y = ember::sqrt(x).sum();
        require_throws_with<ember::AnomalyError>(
            [&] { (void)ember::autograd::grad({y}, {x}, {}, std::nullopt, true); },
            {"forward of DivBackward0", "while computing the backward of SqrtBackward0", "create_graph=true", "+Inf"});
    }
}

TEST_CASE("anomaly mode off: NaN and Inf flow silently", "[autograd][anomaly]") {
    REQUIRE_FALSE(ember::autograd::is_anomaly_enabled());
    Tensor x = leaf({0.0, -1.0});
    Tensor l = ember::log(x);  // -Inf, NaN
    Tensor s = ember::sqrt(ember::abs(x)).sum();
    REQUIRE_NOTHROW(s.backward());
    REQUIRE_FALSE(std::isfinite(raw_values(x.grad())[0]));  // 0 * Inf from abs at 0
    Tensor a = leaf({1.0, 2.0}), b = leaf({3.0, 4.0});
    REQUIRE_NOTHROW(NaNGradFunction::apply(a, b).sum().backward());
    REQUIRE(std::isnan(raw_values(b.grad())[0]));
    REQUIRE(std::isnan(raw_values(l)[1]));
}

TEST_CASE("anomaly mode: finite training step gives the same gradients", "[autograd][anomaly]") {
    auto run = [](bool anomaly) {
        ember::manual_seed(7);
        ember::nn::Linear lin(4, 3);
        Tensor in = ember::randn({5, 4});
        Tensor target = ember::tensor(std::vector<int64_t>{0, 2, 1, 1, 0});
        DetectAnomalyGuard guard(anomaly);
        Tensor loss = ember::nn::functional::cross_entropy(ember::sigmoid(lin(in)) * 10.0, target);
        loss.backward();
        return raw_values(lin->weight.grad());
    };
    require_close(run(true), run(false), 0, 0);
}
