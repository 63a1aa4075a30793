// The recurrent layers (ember/nn/rnn.h): RNN, LSTM and GRU against a float64 loop over time steps
// written here from the equations (plain loops over std::vector, no ember op), over every
// combination of layers, directions, batch_first, bias, proj_size and given or default states;
// the cells against one step of the same loop; gradcheck of the cells and of small multi-layer
// bidirectional LSTM and GRU; parameters, initialisation, printing, dropout between layers and
// the errors. libtorch itself is compared in tests/libtorch/test_diff_rnn.cpp.
#include <cmath>
#include <sstream>

#include "core_test_util.h"

using core_test::require_throws_with;
using ember::Tensor;
namespace nn = ember::nn;

namespace {

enum class Kind { Tanh, ReLU, LSTM, GRU };

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Tanh: return "RNN tanh";
        case Kind::ReLU: return "RNN relu";
        case Kind::LSTM: return "LSTM";
        case Kind::GRU: return "GRU";
    }
    return "?";
}

std::vector<double> vals(const Tensor& t) { return t.to(ember::kFloat64).contiguous().to_vector<double>(); }

double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// W x + b for W [rows, cols] row-major; b may be empty.
std::vector<double> affine(const std::vector<double>& W, int64_t rows, int64_t cols, const double* x,
                           const std::vector<double>& b) {
    std::vector<double> y(static_cast<std::size_t>(rows));
    for (int64_t r = 0; r < rows; ++r) {
        double s = b.empty() ? 0.0 : b[r];
        for (int64_t c = 0; c < cols; ++c) s += W[r * cols + c] * x[c];
        y[r] = s;
    }
    return y;
}

// One layer and direction's weights, as flat row-major vectors (biases and w_hr may be empty).
struct RefWeights {
    std::vector<double> w_ih, w_hh, b_ih, b_hh, w_hr;
};

struct RefConfig {
    Kind kind;
    int64_t layers = 1, dirs = 1, input = 1, hidden = 1, proj = 0, T = 1, B = 1;
    bool zero_between_layers = false;  // dropout p = 1 while training
};

struct RefResult {
    std::vector<double> out;     // [T, B, dirs * P], time-major
    std::vector<double> hn, cn;  // [layers * dirs, B, P] and [layers * dirs, B, H]
};

// The recurrence written from libtorch's documented equations, one element at a time.
// x [T, B, input] time-major, h0 [L * D, B, P], c0 [L * D, B, H], w[l * D + d].
RefResult reference(const RefConfig& c, const std::vector<double>& x, const std::vector<double>& h0,
                    const std::vector<double>& c0, const std::vector<RefWeights>& w) {
    const int64_t H = c.hidden, P = c.proj > 0 ? c.proj : c.hidden, D = c.dirs, T = c.T, B = c.B;
    const int64_t gates = (c.kind == Kind::LSTM ? 4 : c.kind == Kind::GRU ? 3 : 1) * H;
    std::vector<double> layer_in = x;
    int64_t in_feat = c.input;
    RefResult r;
    r.hn.assign(static_cast<std::size_t>(c.layers * D * B * P), 0.0);
    r.cn.assign(static_cast<std::size_t>(c.layers * D * B * H), 0.0);
    for (int64_t l = 0; l < c.layers; ++l) {
        std::vector<double> layer_out(static_cast<std::size_t>(T * B * D * P));
        for (int64_t d = 0; d < D; ++d) {
            const RefWeights& W = w[l * D + d];
            const int64_t idx = l * D + d;
            for (int64_t b = 0; b < B; ++b) {
                std::vector<double> h(h0.begin() + (idx * B + b) * P, h0.begin() + (idx * B + b + 1) * P);
                std::vector<double> cs(static_cast<std::size_t>(H), 0.0);
                if (c.kind == Kind::LSTM) cs.assign(c0.begin() + (idx * B + b) * H, c0.begin() + (idx * B + b + 1) * H);
                for (int64_t s = 0; s < T; ++s) {
                    const int64_t t = d == 0 ? s : T - 1 - s;
                    std::vector<double> gi = affine(W.w_ih, gates, in_feat, &layer_in[(t * B + b) * in_feat], W.b_ih);
                    std::vector<double> gh = affine(W.w_hh, gates, P, h.data(), W.b_hh);
                    std::vector<double> hn(static_cast<std::size_t>(P));
                    if (c.kind == Kind::Tanh || c.kind == Kind::ReLU) {
                        for (int64_t j = 0; j < H; ++j) {
                            const double a = gi[j] + gh[j];
                            hn[j] = c.kind == Kind::Tanh ? std::tanh(a) : std::max(a, 0.0);
                        }
                    } else if (c.kind == Kind::LSTM) {
                        std::vector<double> full(static_cast<std::size_t>(H));
                        for (int64_t j = 0; j < H; ++j) {
                            const double ig = sigm(gi[j] + gh[j]);
                            const double fg = sigm(gi[H + j] + gh[H + j]);
                            const double gg = std::tanh(gi[2 * H + j] + gh[2 * H + j]);
                            const double og = sigm(gi[3 * H + j] + gh[3 * H + j]);
                            cs[j] = fg * cs[j] + ig * gg;
                            full[j] = og * std::tanh(cs[j]);
                        }
                        hn = c.proj > 0 ? affine(W.w_hr, P, H, full.data(), {}) : full;
                    } else {
                        for (int64_t j = 0; j < H; ++j) {
                            const double rg = sigm(gi[j] + gh[j]);
                            const double zg = sigm(gi[H + j] + gh[H + j]);
                            const double ng = std::tanh(gi[2 * H + j] + rg * gh[2 * H + j]);
                            hn[j] = (1 - zg) * ng + zg * h[j];
                        }
                    }
                    h = hn;
                    for (int64_t j = 0; j < P; ++j) layer_out[(t * B + b) * D * P + d * P + j] = h[j];
                }
                for (int64_t j = 0; j < P; ++j) r.hn[(idx * B + b) * P + j] = h[j];
                for (int64_t j = 0; j < H; ++j) r.cn[(idx * B + b) * H + j] = cs[j];
            }
        }
        layer_in = layer_out;
        if (c.zero_between_layers && l + 1 < c.layers) std::fill(layer_in.begin(), layer_in.end(), 0.0);
        in_feat = D * P;
    }
    r.out = layer_in;
    return r;
}

// The weights of a module read by libtorch's parameter names (not through the module's order).
std::vector<RefWeights> module_weights(const nn::Module& m, const RefConfig& c, bool bias) {
    auto params = m.named_parameters();
    std::vector<RefWeights> w;
    for (int64_t l = 0; l < c.layers; ++l)
        for (int64_t d = 0; d < c.dirs; ++d) {
            const std::string sfx = std::to_string(l) + (d ? "_reverse" : "");
            RefWeights rw;
            rw.w_ih = vals(params["weight_ih_l" + sfx]);
            rw.w_hh = vals(params["weight_hh_l" + sfx]);
            if (bias) {
                rw.b_ih = vals(params["bias_ih_l" + sfx]);
                rw.b_hh = vals(params["bias_hh_l" + sfx]);
            }
            if (c.proj > 0) rw.w_hr = vals(params["weight_hr_l" + sfx]);
            w.push_back(rw);
        }
    return w;
}

void require_close(const std::vector<double>& got, const std::vector<double>& want, double tol = 1e-12) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        REQUIRE(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])));
    }
}

Tensor rand64(ember::IntArrayRef s) { return ember::rand(s, ember::dtype(ember::kFloat64)) * 2.0 - 1.0; }

std::string printed(const nn::Module& m) {
    std::ostringstream o;
    m.pretty_print(o);
    return o.str();
}

struct ModuleRun {
    Tensor out, hn, cn;
};

// Builds the module of `kind` with these options in float64 and runs it on x (and h0, c0 when given).
template <typename Fn>
void with_module(Kind kind, const RefConfig& c, bool bias, bool batch_first, double dropout, Fn fn) {
    if (kind == Kind::LSTM) {
        nn::LSTM m(nn::LSTMOptions(c.input, c.hidden)
                       .num_layers(c.layers)
                       .bidirectional(c.dirs == 2)
                       .bias(bias)
                       .batch_first(batch_first)
                       .proj_size(c.proj)
                       .dropout(dropout));
        m->to(ember::kFloat64);
        fn(*m, [m](const Tensor& x, const Tensor& h0, const Tensor& c0) mutable {
            auto [out, state] = h0.defined() ? m(x, std::make_tuple(h0, c0)) : m(x);
            return ModuleRun{out, std::get<0>(state), std::get<1>(state)};
        });
    } else if (kind == Kind::GRU) {
        nn::GRU m(nn::GRUOptions(c.input, c.hidden)
                      .num_layers(c.layers)
                      .bidirectional(c.dirs == 2)
                      .bias(bias)
                      .batch_first(batch_first)
                      .dropout(dropout));
        m->to(ember::kFloat64);
        fn(*m, [m](const Tensor& x, const Tensor& h0, const Tensor&) mutable {
            auto [out, hn] = m(x, h0);
            return ModuleRun{out, hn, Tensor()};
        });
    } else {
        nn::RNNOptions o(c.input, c.hidden);
        o.num_layers(c.layers).bidirectional(c.dirs == 2).bias(bias).batch_first(batch_first).dropout(dropout);
        if (kind == Kind::ReLU) o.nonlinearity(ember::kReLU);
        nn::RNN m(o);
        m->to(ember::kFloat64);
        fn(*m, [m](const Tensor& x, const Tensor& h0, const Tensor&) mutable {
            auto [out, hn] = m(x, h0);
            return ModuleRun{out, hn, Tensor()};
        });
    }
}

}  // namespace

TEST_CASE("RNN, LSTM and GRU: forward equals a float64 per-step loop of the equations", "[nn][rnn]") {
    ember::manual_seed(11);
    int cases = 0;
    for (Kind kind : {Kind::Tanh, Kind::ReLU, Kind::LSTM, Kind::GRU})
        for (int64_t layers : {1, 2})
            for (int64_t dirs : {1, 2})
                for (bool batch_first : {false, true})
                    for (int variant = 0; variant < 3; ++variant) {
                        // variant 0: defaults; 1: no bias, states given; 2: states given (and proj_size for LSTM)
                        const bool bias = variant != 1, give_state = variant != 0;
                        RefConfig c{kind, layers, dirs, 3, 4, 0, 5, 2};
                        if (kind == Kind::LSTM && variant == 2) c.proj = 2;
                        {
                            INFO(kind_name(kind) << " layers " << layers << " dirs " << dirs << " batch_first "
                                                 << batch_first << " variant " << variant);
                            with_module(kind, c, bias, batch_first, 0.0, [&](nn::Module& m, auto run) {
                                const int64_t P = c.proj > 0 ? c.proj : c.hidden;
                                Tensor xt = rand64({c.T, c.B, c.input});  // time-major
                                Tensor h0 = give_state ? rand64({layers * dirs, c.B, P}) : Tensor();
                                Tensor c0 = give_state && kind == Kind::LSTM ? rand64({layers * dirs, c.B, c.hidden})
                                                                             : Tensor();
                                Tensor x = batch_first ? xt.transpose(0, 1).contiguous() : xt;
                                ModuleRun got = run(x, h0, c0);
                                std::vector<double> h0v =
                                    give_state ? vals(h0) : std::vector<double>(layers * dirs * c.B * P, 0.0);
                                std::vector<double> c0v =
                                    c0.defined() ? vals(c0) : std::vector<double>(layers * dirs * c.B * c.hidden, 0.0);
                                RefResult want = reference(c, vals(xt), h0v, c0v, module_weights(m, c, bias));
                                const std::vector<int64_t> out_shape = batch_first
                                                                           ? std::vector<int64_t>{c.B, c.T, dirs * P}
                                                                           : std::vector<int64_t>{c.T, c.B, dirs * P};
                                REQUIRE(got.out.sizes() == ember::IntArrayRef(out_shape));
                                REQUIRE(got.hn.sizes() == ember::IntArrayRef({layers * dirs, c.B, P}));
                                require_close(vals(batch_first ? got.out.transpose(0, 1) : got.out), want.out);
                                require_close(vals(got.hn), want.hn);
                                if (kind == Kind::LSTM) {
                                    REQUIRE(got.cn.sizes() == ember::IntArrayRef({layers * dirs, c.B, c.hidden}));
                                    require_close(vals(got.cn), want.cn);
                                }
                            });
                            ++cases;
                        }
                    }
    CHECK(cases == 4 * 2 * 2 * 2 * 3);
}

TEST_CASE("RNNCell, LSTMCell and GRUCell: one step of the same loop", "[nn][rnn]") {
    ember::manual_seed(12);
    const int64_t B = 3, I = 4, H = 5;
    Tensor x = rand64({B, I}), h = rand64({B, H}), c = rand64({B, H});
    auto weights = [](const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
        RefWeights w{vals(w_ih), vals(w_hh), {}, {}, {}};
        if (b_ih.defined()) w.b_ih = vals(b_ih);
        if (b_hh.defined()) w.b_hh = vals(b_hh);
        return std::vector<RefWeights>{w};
    };
    for (bool bias : {true, false}) {
        nn::RNNCell tanh_cell(nn::RNNCellOptions(I, H).bias(bias));
        nn::RNNCell relu_cell(nn::RNNCellOptions(I, H).bias(bias).nonlinearity(ember::kReLU));
        nn::LSTMCell lstm_cell(nn::LSTMCellOptions(I, H).bias(bias));
        nn::GRUCell gru_cell(nn::GRUCellOptions(I, H).bias(bias));
        tanh_cell->to(ember::kFloat64);
        relu_cell->to(ember::kFloat64);
        lstm_cell->to(ember::kFloat64);
        gru_cell->to(ember::kFloat64);
        const RefConfig one{Kind::Tanh, 1, 1, I, H, 0, 1, B};
        auto ref = [&](Kind k, const auto& cell, const Tensor& hx, const Tensor& cx) {
            RefConfig cfg = one;
            cfg.kind = k;
            return reference(cfg, vals(x), vals(hx), cx.defined() ? vals(cx) : std::vector<double>(B * H, 0.0),
                             weights(cell->weight_ih, cell->weight_hh, cell->bias_ih, cell->bias_hh));
        };
        Tensor zeros = ember::zeros({B, H}, ember::dtype(ember::kFloat64));
        require_close(vals(tanh_cell(x, h)), ref(Kind::Tanh, tanh_cell, h, Tensor()).hn);
        require_close(vals(tanh_cell(x)), ref(Kind::Tanh, tanh_cell, zeros, Tensor()).hn);
        require_close(vals(relu_cell(x, h)), ref(Kind::ReLU, relu_cell, h, Tensor()).hn);
        require_close(vals(gru_cell(x, h)), ref(Kind::GRU, gru_cell, h, Tensor()).hn);
        require_close(vals(gru_cell(x)), ref(Kind::GRU, gru_cell, zeros, Tensor()).hn);
        auto [h2, c2] = lstm_cell(x, std::make_tuple(h, c));
        RefResult want = ref(Kind::LSTM, lstm_cell, h, c);
        require_close(vals(h2), want.hn);
        require_close(vals(c2), want.cn);
        auto [h3, c3] = lstm_cell(x);
        RefResult want0 = ref(Kind::LSTM, lstm_cell, zeros, zeros);
        require_close(vals(h3), want0.hn);
        require_close(vals(c3), want0.cn);
        // The ATen spellings compute the same.
        CHECK(ember::equal(
            ember::gru_cell(x, h, gru_cell->weight_ih, gru_cell->weight_hh, gru_cell->bias_ih, gru_cell->bias_hh),
            gru_cell(x, h)));
    }
}

TEST_CASE("gradcheck of the cells in float64 (inputs, states and weights)", "[nn][rnn][gradcheck]") {
    ember::manual_seed(13);
    const int64_t B = 2, I = 3, H = 2;
    auto leaf = [](ember::IntArrayRef s) { return rand64(s).requires_grad_(); };
    ember::autograd::GradcheckOptions tight;
    tight.atol = 1e-8;
    tight.rtol = 1e-6;
    for (int64_t chunks : {1, 3, 4}) {
        std::vector<Tensor> in = {leaf({B, I}),       leaf({B, H}),       leaf({chunks * H, I}), leaf({chunks * H, H}),
                                  leaf({chunks * H}), leaf({chunks * H}), leaf({B, H})};
        if (chunks == 1) {
            CHECK(ember::autograd::gradcheck(
                [](const std::vector<Tensor>& v) { return ember::rnn_tanh_cell(v[0], v[1], v[2], v[3], v[4], v[5]); },
                in, tight));
            // relu away from its kink: the pre-activations are not near 0 for these values
            CHECK(ember::autograd::gradcheck(
                [](const std::vector<Tensor>& v) {
                    return ember::rnn_relu_cell(v[0], v[1], v[2], v[3], v[4] + 3.0, v[5]);
                },
                in, tight));
        } else if (chunks == 3) {
            CHECK(ember::autograd::gradcheck(
                [](const std::vector<Tensor>& v) { return ember::gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]); }, in,
                tight));
            CHECK(ember::autograd::gradcheck(
                [](const std::vector<Tensor>& v) { return ember::gru_cell(v[0], v[1], v[2], v[3]); }, in, tight));
        } else {
            CHECK(ember::autograd::gradcheck(
                [](const std::vector<Tensor>& v) {
                    auto [h, c] = ember::lstm_cell(v[0], {v[1], v[6]}, v[2], v[3], v[4], v[5]);
                    return ember::cat({h, c}, 1);
                },
                in, tight));
        }
    }
    // The modules: input and state (their parameters are the functions' weights above).
    nn::LSTMCell cell(I, H);
    cell->to(ember::kFloat64);
    CHECK(ember::autograd::gradcheck(
        [&](const std::vector<Tensor>& v) {
            auto [h, c] = cell(v[0], std::make_tuple(v[1], v[2]));
            return h * c;
        },
        {leaf({B, I}), leaf({B, H}), leaf({B, H})}, tight));
    CHECK(ember::autograd::gradgradcheck(
        [](const std::vector<Tensor>& v) { return ember::gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]); },
        {leaf({B, I}), leaf({B, H}), leaf({3 * H, I}), leaf({3 * H, H}), leaf({3 * H}), leaf({3 * H})}));
}

TEST_CASE("gradcheck of small LSTM and GRU: two layers, bidirectional, batch_first, projections",
          "[nn][rnn][gradcheck]") {
    ember::manual_seed(14);
    ember::autograd::GradcheckOptions tight;
    tight.atol = 1e-8;
    tight.rtol = 1e-6;
    auto with_leaves = [](std::vector<Tensor> in, const std::vector<Tensor>& weights) {
        for (const Tensor& w : weights) in.push_back(w.detach().clone().requires_grad_());
        return in;
    };
    {
        nn::LSTM lstm(nn::LSTMOptions(2, 3).num_layers(2).bidirectional(true).proj_size(2));
        lstm->to(ember::kFloat64);
        const int64_t T = 3, B = 2;
        std::vector<Tensor> in = with_leaves({rand64({T, B, 2}).requires_grad_(), rand64({4, B, 2}).requires_grad_(),
                                              rand64({4, B, 3}).requires_grad_()},
                                             lstm->all_weights());
        CHECK(ember::autograd::gradcheck(
            [](const std::vector<Tensor>& v) {
                std::vector<Tensor> params(v.begin() + 3, v.end());
                auto [out, h, c] = ember::lstm(v[0], {v[1], v[2]}, params, true, 2, 0.0, true, true, false);
                return ember::cat({out.flatten(), h.flatten(), c.flatten()});
            },
            in, tight));
    }
    {
        nn::GRU gru(nn::GRUOptions(3, 2).num_layers(2).bidirectional(true).batch_first(true).bias(false));
        gru->to(ember::kFloat64);
        const int64_t T = 3, B = 2;
        std::vector<Tensor> in =
            with_leaves({rand64({B, T, 3}).requires_grad_(), rand64({4, B, 2}).requires_grad_()}, gru->all_weights());
        CHECK(ember::autograd::gradcheck(
            [](const std::vector<Tensor>& v) {
                std::vector<Tensor> params(v.begin() + 2, v.end());
                auto [out, h] = ember::gru(v[0], v[1], params, false, 2, 0.0, true, true, true);
                return ember::cat({out.flatten(), h.flatten()});
            },
            in, tight));
    }
    {
        // The module itself: its parameters receive the same gradients as the function's weights.
        nn::LSTM lstm(nn::LSTMOptions(2, 3).batch_first(true));
        lstm->to(ember::kFloat64);
        Tensor x = rand64({2, 4, 2});
        auto [out, state] = lstm(x);
        (out.square().sum() + std::get<1>(state).sum()).backward();
        std::vector<Tensor> w;
        for (const Tensor& p : lstm->all_weights()) w.push_back(p.detach().clone().requires_grad_());
        auto [fo, fh, fc] = ember::lstm(x, {ember::zeros({1, 2, 3}, x.options()), ember::zeros({1, 2, 3}, x.options())},
                                        w, true, 1, 0.0, true, false, true);
        (fo.square().sum() + fc.sum()).backward();
        for (std::size_t i = 0; i < w.size(); ++i)
            require_close(vals(lstm->all_weights()[i].grad()), vals(w[i].grad()));
    }
}

TEST_CASE("RNN modules: libtorch's parameter names, shapes, order and initialisation bounds", "[nn][rnn]") {
    ember::manual_seed(15);
    nn::LSTM lstm(nn::LSTMOptions(3, 5).num_layers(2).bidirectional(true).proj_size(2));
    const std::vector<std::pair<std::string, std::vector<int64_t>>> want = {{"weight_ih_l0", {20, 3}},
                                                                            {"weight_hh_l0", {20, 2}},
                                                                            {"bias_ih_l0", {20}},
                                                                            {"bias_hh_l0", {20}},
                                                                            {"weight_hr_l0", {2, 5}},
                                                                            {"weight_ih_l0_reverse", {20, 3}},
                                                                            {"weight_hh_l0_reverse", {20, 2}},
                                                                            {"bias_ih_l0_reverse", {20}},
                                                                            {"bias_hh_l0_reverse", {20}},
                                                                            {"weight_hr_l0_reverse", {2, 5}},
                                                                            {"weight_ih_l1", {20, 4}},
                                                                            {"weight_hh_l1", {20, 2}},
                                                                            {"bias_ih_l1", {20}},
                                                                            {"bias_hh_l1", {20}},
                                                                            {"weight_hr_l1", {2, 5}},
                                                                            {"weight_ih_l1_reverse", {20, 4}},
                                                                            {"weight_hh_l1_reverse", {20, 2}},
                                                                            {"bias_ih_l1_reverse", {20}},
                                                                            {"bias_hh_l1_reverse", {20}},
                                                                            {"weight_hr_l1_reverse", {2, 5}}};
    auto named = lstm->named_parameters();
    REQUIRE(named.size() == want.size());
    std::size_t i = 0;
    const std::vector<Tensor> all = lstm->all_weights();
    REQUIRE(all.size() == want.size());
    for (const auto& item : named) {
        CHECK(item.key() == want[i].first);
        CHECK(item.value().sizes() == ember::IntArrayRef(want[i].second));
        CHECK(all[i].is_same(item.value()));
        // U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter, as libtorch
        CHECK(item.value().abs().max().item<double>() <= 1 / std::sqrt(5.0));
        ++i;
    }
    nn::GRU gru(nn::GRUOptions(4, 8).bias(false));
    REQUIRE(gru->named_parameters().size() == 2);
    CHECK(gru->named_parameters()["weight_ih_l0"].sizes() == ember::IntArrayRef({24, 4}));
    const double bound = 1 / std::sqrt(8.0);
    CHECK(gru->named_parameters()["weight_hh_l0"].abs().max().item<double>() <= bound);
    CHECK(gru->named_parameters()["weight_hh_l0"].abs().max().item<double>() > 0.9 * bound);
    nn::RNN rnn(nn::RNNOptions(4, 6).num_layers(3));
    CHECK(rnn->named_parameters().size() == 12);
    CHECK(rnn->named_parameters()["weight_ih_l2"].sizes() == ember::IntArrayRef({6, 6}));
    nn::LSTMCell cell(nn::LSTMCellOptions(3, 5).bias(false));
    CHECK(cell->named_parameters().size() == 2);
    CHECK(cell->weight_ih.sizes() == ember::IntArrayRef({20, 3}));
    CHECK_FALSE(cell->bias_ih.defined());
    nn::GRUCell gcell(3, 5);
    CHECK(gcell->bias_hh.sizes() == ember::IntArrayRef({15}));

    // reset_parameters draws again within the bound; the handles stay the same tensors.
    Tensor before = gru->named_parameters()["weight_ih_l0"].clone();
    gru->reset_parameters();
    CHECK_FALSE(ember::equal(before, gru->named_parameters()["weight_ih_l0"]));
    // to(dtype) converts in place; the module keeps computing with the converted parameters.
    rnn->to(ember::kFloat64);
    auto [out, h] = rnn(rand64({2, 1, 4}));
    CHECK(out.dtype() == ember::kFloat64);
}

TEST_CASE("RNN modules and cells print as libtorch's pretty_print", "[nn][rnn]") {
    CHECK(printed(*nn::LSTM(nn::LSTMOptions(3, 5).num_layers(2).bidirectional(true).proj_size(2))) ==
          "ember::nn::LSTM(input_size=3, hidden_size=5, num_layers=2, bias=true, batch_first=false, dropout=0, "
          "bidirectional=true, proj_size=2)");
    CHECK(printed(*nn::RNN(nn::RNNOptions(3, 5).nonlinearity(ember::kReLU).dropout(0.5).num_layers(2))) ==
          "ember::nn::RNN(input_size=3, hidden_size=5, num_layers=2, bias=true, batch_first=false, dropout=0.5, "
          "bidirectional=false)");
    CHECK(printed(*nn::GRU(nn::GRUOptions(3, 5).batch_first(true).bias(false).dropout(0.25).num_layers(2))) ==
          "ember::nn::GRU(input_size=3, hidden_size=5, num_layers=2, bias=false, batch_first=true, dropout=0.25, "
          "bidirectional=false)");
    CHECK(printed(*nn::RNNCell(nn::RNNCellOptions(3, 5).nonlinearity(ember::kReLU).bias(false))) ==
          "ember::nn::RNNCell(3, 5, bias=false, nonlinearity=kReLU)");
    CHECK(printed(*nn::RNNCell(3, 5)) == "ember::nn::RNNCell(3, 5)");
    CHECK(printed(*nn::LSTMCell(3, 5)) == "ember::nn::LSTMCell(3, 5)");
    CHECK(printed(*nn::GRUCell(nn::GRUCellOptions(3, 5).bias(false))) == "ember::nn::GRUCell(3, 5, bias=false)");
    // The options' enum values, as libtorch's.
    CHECK(std::string(ember::enumtype::get_enum_name(nn::RNNOptions(1, 1).nonlinearity())) == "kTanh");
    CHECK(std::holds_alternative<ember::enumtype::kLSTM>(nn::LSTM(2, 3)->options_base.mode()));
    CHECK(ember::nn::init::calculate_gain(ember::kTanh) == Approx(5.0 / 3.0));
}

TEST_CASE("RNN dropout: between layers while training only", "[nn][rnn]") {
    ember::manual_seed(16);
    RefConfig c{Kind::LSTM, 2, 1, 3, 4, 0, 4, 2};
    with_module(Kind::LSTM, c, true, false, 1.0, [&](nn::Module& m, auto run) {
        Tensor x = rand64({c.T, c.B, c.input});
        std::vector<double> zeros_h(2 * c.B * c.hidden, 0.0);
        // p = 1 while training: layer 1 reads zeros.
        RefConfig dropped = c;
        dropped.zero_between_layers = true;
        RefResult want = reference(dropped, vals(x), zeros_h, zeros_h, module_weights(m, c, true));
        ModuleRun got = run(x, Tensor(), Tensor());
        require_close(vals(got.out), want.out);
        require_close(vals(got.hn), want.hn);
        // eval(): no dropout.
        m.eval();
        RefResult plain = reference(c, vals(x), zeros_h, zeros_h, module_weights(m, c, true));
        require_close(vals(run(x, Tensor(), Tensor()).out), plain.out);
    });
    with_module(Kind::GRU, RefConfig{Kind::GRU, 3, 2, 3, 4, 0, 4, 2}, true, true, 0.5, [&](nn::Module& m, auto run) {
        Tensor x = rand64({2, 4, 3});
        Tensor a = run(x, Tensor(), Tensor()).out, b = run(x, Tensor(), Tensor()).out;
        CHECK_FALSE(ember::equal(a, b));  // a new mask each call
        m.eval();
        CHECK(ember::equal(run(x, Tensor(), Tensor()).out, run(x, Tensor(), Tensor()).out));
    });
}

TEST_CASE("RNN modules: an empty batch, CPU autograd of every parameter, load_state_dict", "[nn][rnn]") {
    ember::manual_seed(17);
    nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true));
    auto [out0, st0] = lstm(ember::randn({5, 0, 3}));
    CHECK(out0.sizes() == ember::IntArrayRef({5, 0, 8}));
    CHECK(std::get<1>(st0).sizes() == ember::IntArrayRef({4, 0, 4}));

    auto [out, state] = lstm(ember::randn({5, 2, 3}));
    (out.sum() + std::get<0>(state).sum() + std::get<1>(state).sum()).backward();
    for (const auto& p : lstm->named_parameters()) {
        INFO(p.key());
        REQUIRE(p.value().grad().defined());
        CHECK(p.value().grad().abs().sum().item<double>() > 0);
    }
    nn::LSTM copy(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true));
    std::map<std::string, Tensor> sd;
    for (const auto& p : lstm->state_dict()) sd[p.key()] = p.value();
    copy->load_state_dict(sd);
    Tensor x = ember::randn({3, 2, 3});
    CHECK(ember::equal(std::get<0>(copy(x)), std::get<0>(lstm(x))));
}

TEST_CASE("RNN errors name the module, the shapes and the expectation", "[nn][rnn][errors]") {
    nn::LSTM lstm(3, 4);
    nn::GRU gru(nn::GRUOptions(3, 4).batch_first(true));
    nn::RNN rnn(nn::RNNOptions(3, 4).num_layers(2));
    // libtorch 1.13's modules take batched input only.
    require_throws_with<ember::ShapeError>(
        [&] {
            lstm(ember::randn({6, 3}));
        },
        {"LSTM", "input must have 3 dimensions, got 2", "[6, 3]", "[seq_len, batch, input_size]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            gru(ember::randn({6, 3}));
        },
        {"GRU", "got 2", "[batch, seq_len, input_size]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            rnn(ember::randn({6, 2, 5}));
        },
        {"RNN", "input_size", "Expected 3, got 5", "[6, 2, 5]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            rnn(ember::randn({6, 2, 3}), ember::zeros({2, 3, 4}));
        },
        {"RNN", "hidden state", "[2, 2, 4]", "[2, 3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            rnn(ember::randn({6, 2, 3}), ember::zeros({2, 4}));
        },
        {"RNN", "[2, 2, 4]", "[2, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            lstm(ember::randn({6, 2, 3}), std::make_tuple(ember::zeros({1, 2, 4}), ember::zeros({1, 2, 5})));
        },
        {"LSTM", "cell state", "[1, 2, 4]", "[1, 2, 5]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            lstm(ember::randn({6, 2, 3}), std::make_tuple(ember::zeros({1, 3, 4}), ember::zeros({1, 2, 4})));
        },
        {"LSTM", "hidden state", "[1, 2, 4]", "[1, 3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            lstm(ember::randn({0, 2, 3}));
        },
        {"LSTM", "sequence length", "[0, 2, 3]"});
    require_throws_with<ember::DTypeError>(
        [&] {
            lstm(ember::randn({2, 2, 3}, ember::dtype(ember::kFloat64)));
        },
        {"LSTM", "float64", "float32"});
    // Options.
    require_throws_with<ember::ValueError>([] { nn::LSTM(nn::LSTMOptions(3, 4).dropout(1.5)); },
                                           {"LSTM", "dropout", "[0, 1]", "1.5"});
    require_throws_with<ember::ValueError>([] { nn::GRU(nn::GRUOptions(3, 0)); }, {"GRU", "hidden_size", "0"});
    require_throws_with<ember::ValueError>([] { nn::RNN(nn::RNNOptions(3, 4).num_layers(0)); },
                                           {"RNN", "num_layers", "0"});
    require_throws_with<ember::ValueError>([] { nn::LSTM(nn::LSTMOptions(3, 4).proj_size(4)); },
                                           {"LSTM", "proj_size", "smaller than hidden_size (4)", "4"});
    // Cells: [batch, input_size] input, [batch, hidden] states.
    nn::RNNCell cell(3, 4);
    nn::LSTMCell lcell(3, 4);
    require_throws_with<ember::ShapeError>([&] { cell(ember::randn({3})); },
                                           {"RNNCell", "2 dimensions", "[batch, input_size]", "[3]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            cell(ember::randn({2, 5}));
        },
        {"RNNCell", "inconsistent input_size", "got 5 expected 3"});
    require_throws_with<ember::ShapeError>(
        [&] {
            cell(ember::randn({2, 3}), ember::randn({3, 4}));
        },
        {"RNNCell", "hidden state", "[2, 4]", "[3, 4]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            lcell(ember::randn({2, 3}), std::make_tuple(ember::randn({2, 4}), ember::randn({2, 5})));
        },
        {"LSTMCell", "cell state", "[2, 4]", "[2, 5]"});
    // The ATen functions name themselves.
    require_throws_with<ember::ValueError>(
        [&] {
            ember::gru(ember::randn({2, 1, 3}), ember::zeros({1, 1, 4}), {ember::randn({12, 3})}, false, 1, 0, false,
                       false, false);
        },
        {"gru", "expected 2 parameter tensors", "got 1"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::rnn_tanh(ember::randn({2, 1, 3}), ember::zeros({1, 1, 4}),
                            {ember::randn({4, 2}), ember::randn({4, 4})}, false, 1, 0, false, false, false);
        },
        {"rnn_tanh", "parameter 0 (w_ih)", "[4, 2]", "expected [4, 3]"});
    require_throws_with<ember::ShapeError>(
        [&] {
            ember::gru_cell(ember::randn({2, 3}), ember::randn({2, 5}), ember::randn({12, 3}), ember::randn({12, 4}));
        },
        {"gru_cell", "hidden", "inconsistent hidden_size", "got 5, expected 4"});
}
