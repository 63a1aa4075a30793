// Differential tests of the recurrent layers against libtorch's own modules (torch::nn::RNN,
// LSTM, GRU and the cells, which run ATen's native RNN kernels): random sizes and options, the
// same weights copied by name from the libtorch module into the ember one, the same input and
// initial states; the outputs, final states, and the gradients of a random weighted sum with
// respect to the input, the states and every parameter compared. float64 at 1e-10 relative;
// some cases in float32 at 1e-4. Also the printed forms.
#include "diff_pairs.h"

namespace {

using difftest::differ;
using difftest::ETensor;
using difftest::Rng;
using difftest::TTensor;
using difftest::values_of;

// The same values in both frameworks, as leaves requiring grad.
struct Pair {
    ETensor e;
    TTensor t;
};
Pair pair(Rng& r, const std::vector<int64_t>& s, bool f64) {
    std::vector<double> d = r.data(difftest::numel_of(s));
    ETensor e = ember::tensor(d, ember::dtype(ember::kFloat64)).reshape(s).to(f64 ? ember::kFloat64 : ember::kFloat32);
    TTensor t = torch::from_blob(d.data(), s, at::kDouble).clone().to(f64 ? at::kDouble : at::kFloat);
    return {e.detach().requires_grad_(), t.detach().requires_grad_()};
}

// Copies every parameter of the libtorch module into the ember parameter of the same name.
void copy_parameters(const torch::nn::Module& from, ember::nn::Module& to) {
    auto tp = from.named_parameters();
    auto ep = to.named_parameters();
    CATCH_REQUIRE(tp.size() == ep.size());
    ember::NoGradGuard no_grad;
    for (auto& item : ep) {
        CATCH_INFO(item.key());
        CATCH_REQUIRE(tp.contains(item.key()));
        const TTensor& t = tp[item.key()];
        std::vector<double> v = values_of(t);
        item.value().copy_(
            ember::tensor(v, ember::dtype(ember::kFloat64)).reshape(item.value().sizes()).to(item.value().dtype()));
    }
}

// Compares the parameters' gradients by name.
void compare_parameter_grads(const torch::nn::Module& t, const ember::nn::Module& e, double rtol) {
    auto tp = t.named_parameters();
    for (const auto& item : e.named_parameters()) {
        CATCH_INFO("gradient of " << item.key());
        CATCH_CHECK(differ(item.value().grad(), tp[item.key()].grad(), rtol) == "");
    }
}

std::string printed(const ember::nn::Module& m) {
    std::ostringstream o;
    m.pretty_print(o);
    return o.str();
}
std::string printed(const torch::nn::Module& m) {
    std::ostringstream o;
    m.pretty_print(o);
    std::string s = o.str();
    return "ember" + s.substr(std::string("torch").size());
}

// sum(out * w) for a random w of out's shape, in both frameworks.
struct Weighted {
    ETensor e;
    TTensor t;
};
Weighted weighted(Rng& r, const ETensor& e, const TTensor& t) {
    std::vector<int64_t> s(t.sizes().begin(), t.sizes().end());
    std::vector<double> w = r.data(difftest::numel_of(s));
    ETensor we = ember::tensor(w, ember::dtype(ember::kFloat64)).reshape(s).to(e.dtype());
    TTensor wt = torch::from_blob(w.data(), s, at::kDouble).clone().to(t.scalar_type());
    return {(e * we).sum(), (t * wt).sum()};
}

enum class Kind { Tanh, ReLU, LSTM, GRU };

}  // namespace

CATCH_TEST_CASE("differential: RNN, LSTM and GRU modules against libtorch, random sizes and options",
                "[libtorch][rnn]") {
    torch::set_num_threads(1);
    int checked = 0;
    for (uint64_t seed = 0; seed < 48; ++seed) {
        Rng r(seed);
        const Kind kind = static_cast<Kind>(seed % 4);
        const int64_t layers = r.i(1, 3), input = r.i(1, 5), hidden = r.i(1, 5), T = r.i(1, 6), B = r.i(1, 4);
        const bool bidir = r.p(0.5), batch_first = r.p(0.5), bias = r.p(0.7), give_state = r.p(0.6);
        const bool f64 = seed % 6 != 5;
        const int64_t proj = kind == Kind::LSTM && hidden > 1 && r.p(0.4) ? r.i(1, hidden - 1) : 0;
        // dropout is drawn from different generators; eval() turns it off in both.
        const double dropout = layers > 1 && r.p(0.3) ? 0.5 : 0.0;
        const int64_t D = bidir ? 2 : 1, P = proj > 0 ? proj : hidden;
        std::ostringstream cfg;
        cfg << "seed " << seed << " kind " << static_cast<int>(kind) << " layers " << layers << " input " << input
            << " hidden " << hidden << " proj " << proj << " T " << T << " B " << B << " bidir " << bidir
            << " batch_first " << batch_first << " bias " << bias << " state " << give_state << " f64 " << f64
            << " dropout " << dropout;
        CATCH_INFO(cfg.str());
        const double rtol = f64 ? 1e-10 : 1e-4;
        const auto et = f64 ? ember::kFloat64 : ember::kFloat32;
        const auto tt = f64 ? at::kDouble : at::kFloat;

        std::shared_ptr<torch::nn::Module> tm;
        std::shared_ptr<ember::nn::Module> em;
        std::function<std::tuple<TTensor, TTensor, TTensor>(const TTensor&, const TTensor&, const TTensor&)> tf;
        std::function<std::tuple<ETensor, ETensor, ETensor>(const ETensor&, const ETensor&, const ETensor&)> ef;
        if (kind == Kind::LSTM) {
            torch::nn::LSTM t(torch::nn::LSTMOptions(input, hidden)
                                  .num_layers(layers)
                                  .bidirectional(bidir)
                                  .batch_first(batch_first)
                                  .bias(bias)
                                  .proj_size(proj)
                                  .dropout(dropout));
            ember::nn::LSTM e(ember::nn::LSTMOptions(input, hidden)
                                  .num_layers(layers)
                                  .bidirectional(bidir)
                                  .batch_first(batch_first)
                                  .bias(bias)
                                  .proj_size(proj)
                                  .dropout(dropout));
            tm = t.ptr();
            em = e.ptr();
            tf = [t](const TTensor& x, const TTensor& h, const TTensor& c) mutable {
                auto [o, s] = h.defined() ? t(x, std::make_tuple(h, c)) : t(x);
                return std::make_tuple(o, std::get<0>(s), std::get<1>(s));
            };
            ef = [e](const ETensor& x, const ETensor& h, const ETensor& c) mutable {
                auto [o, s] = h.defined() ? e(x, std::make_tuple(h, c)) : e(x);
                return std::make_tuple(o, std::get<0>(s), std::get<1>(s));
            };
        } else if (kind == Kind::GRU) {
            torch::nn::GRU t(torch::nn::GRUOptions(input, hidden)
                                 .num_layers(layers)
                                 .bidirectional(bidir)
                                 .batch_first(batch_first)
                                 .bias(bias)
                                 .dropout(dropout));
            ember::nn::GRU e(ember::nn::GRUOptions(input, hidden)
                                 .num_layers(layers)
                                 .bidirectional(bidir)
                                 .batch_first(batch_first)
                                 .bias(bias)
                                 .dropout(dropout));
            tm = t.ptr();
            em = e.ptr();
            tf = [t](const TTensor& x, const TTensor& h, const TTensor&) mutable {
                auto [o, hn] = t(x, h);
                return std::make_tuple(o, hn, TTensor());
            };
            ef = [e](const ETensor& x, const ETensor& h, const ETensor&) mutable {
                auto [o, hn] = e(x, h);
                return std::make_tuple(o, hn, ETensor());
            };
        } else {
            torch::nn::RNNOptions to(input, hidden);
            ember::nn::RNNOptions eo(input, hidden);
            to.num_layers(layers).bidirectional(bidir).batch_first(batch_first).bias(bias).dropout(dropout);
            eo.num_layers(layers).bidirectional(bidir).batch_first(batch_first).bias(bias).dropout(dropout);
            if (kind == Kind::ReLU) {
                to.nonlinearity(torch::kReLU);
                eo.nonlinearity(ember::kReLU);
            }
            torch::nn::RNN t(to);
            ember::nn::RNN e(eo);
            tm = t.ptr();
            em = e.ptr();
            tf = [t](const TTensor& x, const TTensor& h, const TTensor&) mutable {
                auto [o, hn] = t(x, h);
                return std::make_tuple(o, hn, TTensor());
            };
            ef = [e](const ETensor& x, const ETensor& h, const ETensor&) mutable {
                auto [o, hn] = e(x, h);
                return std::make_tuple(o, hn, ETensor());
            };
        }
        CATCH_CHECK(printed(*em) == printed(*tm));
        tm->to(tt);
        em->to(et);
        copy_parameters(*tm, *em);
        if (dropout > 0) {
            tm->eval();
            em->eval();
        }
        Pair x = pair(r, batch_first ? std::vector<int64_t>{B, T, input} : std::vector<int64_t>{T, B, input}, f64);
        Pair h, c;
        if (give_state) {
            h = pair(r, {layers * D, B, P}, f64);
            if (kind == Kind::LSTM) c = pair(r, {layers * D, B, hidden}, f64);
        }
        auto [to_, th, tc] = tf(x.t, h.t, c.t);
        auto [eo_, eh, ec] = ef(x.e, h.e, c.e);
        CATCH_CHECK(differ(eo_, to_, rtol) == "");
        CATCH_CHECK(differ(eh, th, rtol) == "");
        CATCH_CHECK(differ(ec, tc, rtol) == "");
        Weighted lo = weighted(r, eo_, to_), lh = weighted(r, eh, th);
        ETensor el = lo.e + lh.e;
        TTensor tl = lo.t + lh.t;
        if (kind == Kind::LSTM) {
            Weighted lc = weighted(r, ec, tc);
            el = el + lc.e;
            tl = tl + lc.t;
        }
        el.backward();
        tl.backward();
        CATCH_CHECK(differ(x.e.grad(), x.t.grad(), rtol) == "");
        if (give_state) {
            CATCH_CHECK(differ(h.e.grad(), h.t.grad(), rtol) == "");
            if (kind == Kind::LSTM) CATCH_CHECK(differ(c.e.grad(), c.t.grad(), rtol) == "");
        }
        compare_parameter_grads(*tm, *em, rtol);
        ++checked;
    }
    CATCH_CHECK(checked == 48);
}

CATCH_TEST_CASE("differential: RNNCell, LSTMCell and GRUCell against libtorch", "[libtorch][rnn]") {
    torch::set_num_threads(1);
    for (uint64_t seed = 200; seed < 232; ++seed) {
        Rng r(seed);
        const Kind kind = static_cast<Kind>(seed % 4);
        const int64_t input = r.i(1, 6), hidden = r.i(1, 6), B = r.i(1, 5);
        const bool bias = r.p(0.7), give_state = r.p(0.7), f64 = seed % 5 != 4;
        CATCH_INFO("seed " << seed << " kind " << static_cast<int>(kind) << " input " << input << " hidden " << hidden
                           << " B " << B << " bias " << bias << " state " << give_state << " f64 " << f64);
        const double rtol = f64 ? 1e-10 : 1e-4;
        std::shared_ptr<torch::nn::Module> tm;
        std::shared_ptr<ember::nn::Module> em;
        std::function<std::pair<TTensor, TTensor>(const TTensor&, const TTensor&, const TTensor&)> tf;
        std::function<std::pair<ETensor, ETensor>(const ETensor&, const ETensor&, const ETensor&)> ef;
        if (kind == Kind::LSTM) {
            torch::nn::LSTMCell t(torch::nn::LSTMCellOptions(input, hidden).bias(bias));
            ember::nn::LSTMCell e(ember::nn::LSTMCellOptions(input, hidden).bias(bias));
            tm = t.ptr();
            em = e.ptr();
            tf = [t](const TTensor& x, const TTensor& h, const TTensor& c) mutable {
                auto s = h.defined() ? t(x, std::make_tuple(h, c)) : t(x);
                return std::make_pair(std::get<0>(s), std::get<1>(s));
            };
            ef = [e](const ETensor& x, const ETensor& h, const ETensor& c) mutable {
                auto s = h.defined() ? e(x, std::make_tuple(h, c)) : e(x);
                return std::make_pair(std::get<0>(s), std::get<1>(s));
            };
        } else if (kind == Kind::GRU) {
            torch::nn::GRUCell t(torch::nn::GRUCellOptions(input, hidden).bias(bias));
            ember::nn::GRUCell e(ember::nn::GRUCellOptions(input, hidden).bias(bias));
            tm = t.ptr();
            em = e.ptr();
            tf = [t](const TTensor& x, const TTensor& h, const TTensor&) mutable {
                return std::make_pair(t(x, h), TTensor());
            };
            ef = [e](const ETensor& x, const ETensor& h, const ETensor&) mutable {
                return std::make_pair(e(x, h), ETensor());
            };
        } else {
            torch::nn::RNNCellOptions to(input, hidden);
            ember::nn::RNNCellOptions eo(input, hidden);
            to.bias(bias);
            eo.bias(bias);
            if (kind == Kind::ReLU) {
                to.nonlinearity(torch::kReLU);
                eo.nonlinearity(ember::kReLU);
            }
            torch::nn::RNNCell t(to);
            ember::nn::RNNCell e(eo);
            tm = t.ptr();
            em = e.ptr();
            tf = [t](const TTensor& x, const TTensor& h, const TTensor&) mutable {
                return std::make_pair(t(x, h), TTensor());
            };
            ef = [e](const ETensor& x, const ETensor& h, const ETensor&) mutable {
                return std::make_pair(e(x, h), ETensor());
            };
        }
        CATCH_CHECK(printed(*em) == printed(*tm));
        tm->to(f64 ? at::kDouble : at::kFloat);
        em->to(f64 ? ember::kFloat64 : ember::kFloat32);
        copy_parameters(*tm, *em);
        Pair x = pair(r, {B, input}, f64), h, c;
        if (give_state) {
            h = pair(r, {B, hidden}, f64);
            if (kind == Kind::LSTM) c = pair(r, {B, hidden}, f64);
        }
        auto [th, tc] = tf(x.t, h.t, c.t);
        auto [eh, ec] = ef(x.e, h.e, c.e);
        CATCH_CHECK(differ(eh, th, rtol) == "");
        CATCH_CHECK(differ(ec, tc, rtol) == "");
        Weighted lh = weighted(r, eh, th);
        ETensor el = lh.e;
        TTensor tl = lh.t;
        if (kind == Kind::LSTM) {
            Weighted lc = weighted(r, ec, tc);
            el = el + lc.e;
            tl = tl + lc.t;
        }
        el.backward();
        tl.backward();
        CATCH_CHECK(differ(x.e.grad(), x.t.grad(), rtol) == "");
        if (give_state) CATCH_CHECK(differ(h.e.grad(), h.t.grad(), rtol) == "");
        compare_parameter_grads(*tm, *em, rtol);
    }
}

CATCH_TEST_CASE("differential: unbind, split and chunk against libtorch", "[libtorch][rnn]") {
    Rng r(300);
    Pair x = pair(r, {4, 7}, true);
    auto check = [&](const std::vector<ETensor>& e, const std::vector<TTensor>& t, const char* what) {
        CATCH_INFO(what);
        CATCH_REQUIRE(e.size() == t.size());
        for (std::size_t i = 0; i < e.size(); ++i) CATCH_CHECK(differ(e[i], t[i], 0) == "");
    };
    for (int64_t n : {1, 2, 3, 4, 6, 7, 9}) {
        CATCH_INFO("n " << n);
        check(x.e.chunk(n, 1), x.t.chunk(n, 1), "chunk");
        check(x.e.split(n, 1), x.t.split(n, 1), "split");
        check(x.e.chunk(n, 0), x.t.chunk(n, 0), "chunk dim 0");
    }
    check(x.e.unbind(1), x.t.unbind(1), "unbind");
    // A used and an unused piece: the gradients agree.
    ETensor el = x.e.chunk(3, 1)[1].square().sum() + x.e.unbind(0)[2].sum();
    TTensor tl = x.t.chunk(3, 1)[1].square().sum() + x.t.unbind(0)[2].sum();
    el.backward();
    tl.backward();
    CATCH_CHECK(differ(x.e.grad(), x.t.grad(), 0) == "");
}
