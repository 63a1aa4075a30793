// An LSTM sequence classifier written as a libtorch program (see CMakeLists.txt): a module holding
// a two-layer batch_first LSTM and a Linear head on the last layer's final hidden state, its
// weights set from sin(arange) under NoGradGuard (the two libraries' random generators differ),
// a few Adam steps of cross entropy on a fixed toy task (which of three frequencies a sequence
// oscillates at), then the predictions, a GRU and the cells on the same data. Everything is
// float64 and printed rounded to 6 digits (tanh, exp and sigmoid may differ in their last bits
// between the two libraries).
#include <torch/torch.h>

#include <cstdint>
#include <iostream>
#include <tuple>

#include "show.h"

struct ClassifierImpl : torch::nn::Module {
    ClassifierImpl(int64_t features, int64_t hidden, int64_t classes)
        : lstm(torch::nn::LSTMOptions(features, hidden).num_layers(2).batch_first(true)), head(hidden, classes) {
        register_module("lstm", lstm);
        register_module("head", head);
    }
    torch::Tensor forward(const torch::Tensor& x) {
        auto [output, state] = lstm->forward(x);  // output [batch, seq, hidden]
        torch::Tensor h_n = std::get<0>(state);   // [layers, batch, hidden]
        return head(h_n[-1]);
    }
    torch::nn::LSTM lstm{nullptr};
    torch::nn::Linear head{nullptr};
};
TORCH_MODULE(Classifier);

// Every parameter of `m` set to scale * sin(0.37 i + k) for its elements i = 0, 1, ... (k counts
// the parameters), so that both libraries start from the same weights.
void set_weights(torch::nn::Module& m, double scale) {
    torch::NoGradGuard no_grad;
    int k = 0;
    for (auto& item : m.named_parameters()) {
        auto& p = item.value();
        auto i = torch::arange(p.numel(), torch::kFloat64);
        p.copy_((i * 0.37 + k).sin().mul(scale).reshape(p.sizes()));
        ++k;
    }
}

int main() {
    const auto f64 = torch::kFloat64;
    // 9 sequences of 7 steps with 2 features; sequence b oscillates at frequency (b % 3 + 1) / 2.
    const int64_t batch = 9, steps = 7;
    auto b = torch::arange(batch, f64).view({batch, 1, 1});
    auto t = torch::arange(steps, f64).view({1, steps, 1});
    auto f = torch::arange(2, f64).view({1, 1, 2});
    auto labels = torch::tensor({0, 1, 2, 0, 1, 2, 0, 1, 2}, torch::kInt64);
    auto freq = (labels.to(f64).view({batch, 1, 1}) + 1) * 0.5;
    auto x = (freq * t + f * 1.5).sin() + (b * t * 0.1 + f).cos() * 0.1;
    show_rounded("x[0]", x[0], 6);

    Classifier model(2, 5, 3);
    model->to(f64);
    set_weights(*model, 0.4);
    // (Not *model itself: a user's module prints its class name in libtorch, "Module" in ember.)
    std::cout << *model->lstm << '\n' << *model->head << '\n';
    for (const auto& item : model->named_parameters()) {
        std::cout << item.key();
        for (int64_t d = 0; d < item.value().dim(); ++d) std::cout << (d ? 'x' : ' ') << item.value().size(d);
        std::cout << '\n';
    }

    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.05));
    for (int step = 0; step < 6; ++step) {
        adam.zero_grad();
        auto logits = model->forward(x);
        auto loss = torch::nn::functional::cross_entropy(logits, labels);
        loss.backward();
        adam.step();
        show_rounded("loss " + std::to_string(step), loss, 6);
    }
    show_rounded("grad lstm.weight_hh_l1", model->lstm->named_parameters()["weight_hh_l1"].grad(), 6);
    {
        torch::NoGradGuard no_grad;
        auto logits = model->forward(x);
        show_rounded("logits", logits, 6);
        show("predicted", logits.argmax(1));
        show("labels", labels);
    }

    // The whole output and both states, the states passed back in.
    auto [output, state] = model->lstm->forward(x);
    show_rounded("output[:, -1]", output.select(1, -1), 6);
    auto [output2, state2] = model->lstm->forward(x, state);
    show_rounded("c_n after a second pass", std::get<1>(state2), 6);

    // A bidirectional GRU and the cells, time-major.
    torch::nn::GRU gru(torch::nn::GRUOptions(2, 3).bidirectional(true));
    gru->to(f64);
    set_weights(*gru, 0.5);
    std::cout << gru << '\n';
    auto xt = x.transpose(0, 1).contiguous();  // [seq, batch, features]
    auto [gout, gh] = gru->forward(xt);
    show_rounded("gru output[-1]", gout[-1], 6);
    show_rounded("gru h_n", gh, 6);

    torch::nn::LSTMCell cell(torch::nn::LSTMCellOptions(2, 3));
    torch::nn::GRUCell gcell(2, 3);
    torch::nn::RNNCell rcell(torch::nn::RNNCellOptions(2, 3).nonlinearity(torch::kReLU).bias(false));
    for (torch::nn::Module* m :
         {static_cast<torch::nn::Module*>(cell.get()), static_cast<torch::nn::Module*>(gcell.get()),
          static_cast<torch::nn::Module*>(rcell.get())}) {
        m->to(f64);
        set_weights(*m, 0.6);
        std::cout << *m << '\n';
    }
    auto h = torch::zeros({batch, 3}, f64), c = torch::zeros({batch, 3}, f64), g = torch::zeros({batch, 3}, f64);
    auto r = torch::zeros({batch, 3}, f64);
    for (int64_t s = 0; s < steps; ++s) {
        std::tie(h, c) = cell(xt[s], std::make_tuple(h, c));
        g = gcell(xt[s], g);
        r = rcell(xt[s], r);
    }
    show_rounded("lstm cell h", h[0], 6);
    show_rounded("lstm cell c", c[0], 6);
    show_rounded("gru cell h", g[0], 6);
    show_rounded("rnn cell h", r[0], 6);
    return 0;
}
