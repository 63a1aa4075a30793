// Module and optimizer state, against libtorch's semantics (read in torch/nn/module.h and
// torch/optim/optimizer.h, and checked with probe programs against libtorch 1.13): buffers and
// their dotted names, state_dict, save/load with strict on and off (missing, unexpected and
// misshapen keys), duplicate names, and add_param_group with and without its own options.
#include <map>
#include <set>

#include "core_test_util.h"
#include "data_test_util.h"
#include "nn_test_util.h"

using core_test::require_throws_with;
using ember::Tensor;
using nn_test::require_close;
using nn_test::values;
namespace nn = ember::nn;
namespace optim = ember::optim;

namespace {

// A layer with a float buffer (a running mean) and an int64 buffer (a counter), as BatchNorm has.
struct TrackerImpl : nn::Module {
    TrackerImpl() : nn::Module("Tracker") {
        lin = register_module("lin", nn::Linear(3, 2));
        running_mean = register_buffer("running_mean", ember::tensor({0.5, -1.5}));
        count = register_buffer("count", ember::tensor(std::vector<int64_t>{7}));
    }
    nn::Linear lin{nullptr};
    Tensor running_mean, count;
};
EMBER_MODULE(Tracker);

struct OuterImpl : nn::Module {
    OuterImpl() : nn::Module("Outer") {
        scale = register_parameter("scale", ember::ones({1}));
        inner = register_module("inner", Tracker());
    }
    Tensor scale;
    Tracker inner{nullptr};
};
EMBER_MODULE(Outer);

std::set<std::string> key_set(const std::vector<std::string>& k) { return {k.begin(), k.end()}; }

// Sets every parameter and floating buffer of `m` to distinct values k + 0.25 i (i its position)
// and the counter to 100 + k, so two modules filled with different k differ everywhere.
void fill(Outer& m, double k) {
    ember::NoGradGuard ng;
    int i = 0;
    for (auto& item : m->state_dict()) {
        Tensor t = item.second;
        if (t.is_floating_point())
            t.copy_(ember::full(t.sizes(), k + 0.25 * i++, ember::dtype(t.dtype())));
        else
            t.fill_(100 + k);
    }
}

}  // namespace

TEST_CASE("Module: buffers have dotted names, are no parameters, and go into state_dict", "[nn][state]") {
    Outer m;
    REQUIRE(m->named_buffers().keys() == std::vector<std::string>{"inner.running_mean", "inner.count"});
    REQUIRE(m->named_buffers(false).empty());
    REQUIRE(m->inner->named_buffers(false).keys() == std::vector<std::string>{"running_mean", "count"});
    REQUIRE(m->buffers().size() == 2);
    REQUIRE(m->named_parameters().keys() == std::vector<std::string>{"scale", "inner.lin.weight", "inner.lin.bias"});
    for (const Tensor& b : m->buffers()) REQUIRE_FALSE(b.requires_grad());
    REQUIRE(m->named_buffers()["inner.running_mean"].is_same(m->inner->running_mean));
    REQUIRE(values(m->inner->running_mean) == std::vector<double>{0.5, -1.5});
    REQUIRE(key_set(m->state_dict().keys()) ==
            std::set<std::string>{"scale", "inner.lin.weight", "inner.lin.bias", "inner.running_mean", "inner.count"});
    // zero_grad and the optimizers see parameters only: a buffer never gets a gradient.
    optim::SGD opt(m->parameters(), optim::SGDOptions(0.1));
    REQUIRE(opt.size() == 3);
}

TEST_CASE("Module: to(dtype) converts every buffer, as libtorch's Module::to does", "[nn][state]") {
    // libtorch 1.13 (probe): to(kFloat64) turns an int64 buffer into float64 as well.
    Outer m;
    Tensor handle = m->inner->running_mean;
    m->to(ember::kFloat64);
    REQUIRE(handle.dtype() == ember::kFloat64);  // the member handle sees it
    REQUIRE(m->inner->count.dtype() == ember::kFloat64);
    REQUIRE(values(m->inner->count) == std::vector<double>{7});
    REQUIRE(values(handle) == std::vector<double>{0.5, -1.5});
}

TEST_CASE("save/load: buffers and parameters round trip in place", "[nn][state][io]") {
    ember_test::ScratchDir dir("nn_state_roundtrip");
    const std::string path = dir.file("m.safetensors");
    Outer a, b;
    fill(a, 1.0);
    fill(b, 2.0);
    ember::save(a, path);
    Tensor weight_handle = b->inner->lin->weight;
    ember::load(b, path);
    REQUIRE(weight_handle.is_same(b->inner->lin->weight));  // loaded into the same tensors
    for (const auto& item : a->state_dict()) {
        INFO(item.first);
        REQUIRE(values(b->state_dict()[item.first]) == values(item.second));
    }
    REQUIRE(values(b->inner->count) == std::vector<double>{101});
    REQUIRE(b->inner->count.dtype() == ember::kInt64);
}

TEST_CASE("load: strict names each missing or unexpected key; strict=false skips them", "[nn][state][io]") {
    ember_test::ScratchDir dir("nn_state_strict");
    const std::string with_bias = dir.file("bias.safetensors"), without_bias = dir.file("nobias.safetensors");
    ember::manual_seed(3);
    nn::Linear src(3, 2), src_nb(nn::LinearOptions(3, 2).bias(false));
    ember::save(src, with_bias);
    ember::save(src_nb, without_bias);

    // Missing key: the file has no "bias".
    nn::Linear dst(3, 2);
    const std::vector<double> bias_before = values(dst->bias);
    require_throws_with<ember::ValueError>([&] { ember::load(dst, without_bias); },
                                           {"load_state_dict", "missing key \"bias\"", "Linear"});
    ember::load(dst, without_bias, /*strict=*/false);
    REQUIRE(values(dst->weight) == values(src_nb->weight));  // what is there is loaded
    REQUIRE(values(dst->bias) == bias_before);               // the missing one is left alone

    // Unexpected key: the file's "bias" has no place in a bias-free Linear.
    nn::Linear dst_nb(nn::LinearOptions(3, 2).bias(false));
    const std::vector<double> weight_before = values(dst_nb->weight);
    require_throws_with<ember::ValueError>([&] { ember::load(dst_nb, with_bias); },
                                           {"load_state_dict", "unexpected key \"bias\"", "Linear"});
    REQUIRE(values(dst_nb->weight) == weight_before);  // strict refuses before copying anything
    ember::load(dst_nb, with_bias, /*strict=*/false);
    REQUIRE(values(dst_nb->weight) == values(src->weight));

    // A shape mismatch is an error whatever strict says (as torch.nn's load_state_dict).
    nn::Linear wide(4, 2);
    for (bool strict : {true, false}) {
        INFO("strict " << strict);
        require_throws_with<ember::ShapeError>([&] { ember::load(wide, with_bias, strict); },
                                               {"load_state_dict", "\"weight\"", "[2, 3]", "[2, 4]"});
    }

    // load_state_dict converts dtypes as copy_ does.
    nn::Linear f32(3, 2);
    std::map<std::string, Tensor> state = {{"weight", ember::full({2, 3}, 0.125, ember::dtype(ember::kFloat64))},
                                           {"bias", ember::tensor({1.0, 2.0}, ember::dtype(ember::kFloat64))}};
    f32->load_state_dict(state);
    REQUIRE(f32->weight.dtype() == ember::kFloat32);
    REQUIRE(values(f32->weight) == std::vector<double>(6, 0.125));
    REQUIRE(values(f32->bias) == std::vector<double>{1.0, 2.0});
}

TEST_CASE("Module: duplicate and malformed names are errors naming the name", "[nn][state][errors]") {
    Outer m;
    require_throws_with<ember::ValueError>([&] { m->register_parameter("scale", ember::ones({1})); },
                                           {"register_parameter", "\"scale\"", "already registered", "Outer"});
    require_throws_with<ember::ValueError>([&] { m->register_buffer("inner", ember::ones({1})); },
                                           {"register_buffer", "\"inner\"", "already registered"});
    require_throws_with<ember::ValueError>([&] { m->inner->register_parameter("running_mean", ember::ones({2})); },
                                           {"register_parameter", "\"running_mean\"", "already registered", "Tracker"});
    require_throws_with<ember::ValueError>([&] { m->register_module("scale", nn::Linear(1, 1)); },
                                           {"register_module", "\"scale\"", "already registered"});
    require_throws_with<ember::ValueError>([&] { m->register_buffer("a.b", ember::ones({1})); },
                                           {"register_buffer", "invalid name \"a.b\"", "no '.'"});
    require_throws_with<ember::ValueError>([&] { m->register_parameter("", ember::ones({1})); },
                                           {"register_parameter", "invalid name \"\""});
    require_throws_with<ember::ValueError>([&] { m->register_parameter("u", Tensor()); },
                                           {"register_parameter", "\"u\"", "undefined"});
    require_throws_with<ember::IndexError>([&] { m->replace_module("nope", nn::Linear(1, 1).ptr()); },
                                           {"replace_module", "\"nope\""});
    // Nothing was registered by the failed calls.
    REQUIRE(m->named_parameters().size() == 3);
    REQUIRE(m->named_buffers().size() == 2);
    REQUIRE(m->children().size() == 1);

    nn::OrderedDict<int> d;
    d.insert("k", 1);
    require_throws_with<ember::ValueError>([&] { d.insert("k", 2); }, {"OrderedDict", "\"k\"", "already exists"});
    require_throws_with<ember::IndexError>([&] { (void)d["x"]; }, {"OrderedDict", "no key \"x\""});
    REQUIRE(d["k"] == 1);
}

TEST_CASE("Optimizer: add_param_group keeps the group's own options, or clones the defaults", "[optim][state]") {
    const std::vector<double> w0 = {1.0, -2.0}, c = {0.5, -1.5};
    auto leaf = [&] { return ember::tensor(w0, ember::dtype(ember::kFloat64)).requires_grad_(); };
    Tensor a = leaf(), b = leaf(), d = leaf();
    optim::SGD opt({a}, optim::SGDOptions(0.1));
    optim::SGDOptions own = optim::SGDOptions(0.5).momentum(0.9);
    opt.add_param_group(optim::OptimizerParamGroup({b}, own.clone()));
    own.lr(7.0);  // the optimizer holds a copy: changing the caller's options changes nothing
    opt.add_param_group(optim::OptimizerParamGroup({d}));
    REQUIRE(opt.param_groups().size() == 3);
    REQUIRE(opt.param_groups()[1].params().size() == 1);
    REQUIRE(opt.param_groups()[1].params()[0].is_same(b));
    REQUIRE(opt.options(1).lr() == 0.5);
    REQUIRE(opt.options(1).momentum() == 0.9);
    REQUIRE(opt.options(2).lr() == 0.1);  // the defaults ...
    REQUIRE(opt.options(2).momentum() == 0.0);
    opt.options(2).lr(0.2);  // ... as a copy of its own
    REQUIRE(static_cast<optim::SGDOptions&>(opt.defaults()).lr() == 0.1);
    REQUIRE(opt.options(0).lr() == 0.1);
    REQUIRE(opt.size() == 3);

    // Two steps with the constant gradient c, each group by its own rule, computed by hand:
    // plain SGD moves w by lr c per step; momentum 0.9 gives buf = c, then 1.9 c.
    Tensor ct = ember::tensor(c, ember::dtype(ember::kFloat64));
    for (int t = 0; t < 2; ++t) {
        opt.zero_grad();
        ((a + b + d) * ct).sum().backward();
        opt.step();
    }
    require_close(a, {w0[0] - 0.2 * c[0], w0[1] - 0.2 * c[1]}, 1e-12);
    require_close(b, {w0[0] - 0.5 * 2.9 * c[0], w0[1] - 0.5 * 2.9 * c[1]}, 1e-12);
    require_close(d, {w0[0] - 0.4 * c[0], w0[1] - 0.4 * c[1]}, 1e-12);
    REQUIRE(dynamic_cast<const optim::SGDParamState*>(opt.state(b))->momentum_buffer.defined());

    // A group added to Adam gets Adam's state at its first step.
    Tensor e = leaf();
    optim::Adam adam({leaf()}, optim::AdamOptions(0.01));
    adam.add_param_group(optim::OptimizerParamGroup({e}, std::make_unique<optim::AdamOptions>(0.05)));
    (e * ct).sum().backward();
    adam.step();
    // Adam's first step moves each weight by lr against the sign of its gradient.
    require_close(e, {w0[0] - 0.05, w0[1] + 0.05}, 1e-7);
    REQUIRE(dynamic_cast<const optim::AdamParamState*>(adam.state(e))->step == 1);
}

TEST_CASE("Optimizer: add_param_group rejects repeated, non-leaf and undefined parameters", "[optim][state][errors]") {
    Tensor a = ember::zeros({2}, ember::requires_grad());
    optim::SGD opt({a}, optim::SGDOptions(0.1));
    require_throws_with<ember::ValueError>([&] { opt.add_param_group(optim::OptimizerParamGroup({a})); },
                                           {"Optimizer", "Tensor[2] float32 cpu", "appears more than once"});
    require_throws_with<ember::ValueError>([&] { opt.add_param_group(optim::OptimizerParamGroup({a * 2.0})); },
                                           {"Optimizer", "non-leaf", "Tensor[2] float32 cpu"});
    require_throws_with<ember::ValueError>([&] { opt.add_param_group(optim::OptimizerParamGroup({Tensor()})); },
                                           {"Optimizer", "undefined"});
    REQUIRE(opt.param_groups().size() == 1);  // the failed calls added nothing
    require_throws_with<ember::IndexError>([&] { (void)opt.options(1); },
                                           {"Optimizer::options", "group 1", "1 groups"});
}
