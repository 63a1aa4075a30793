#pragma once
// Recurrent layers as libtorch's (torch/nn/modules/rnn.h, torch/nn/options/rnn.h): the modules
// RNN, LSTM and GRU (several layers, bidirectional, batch_first, dropout between layers, LSTM's
// proj_size) and the cells RNNCell, LSTMCell and GRUCell, with their Options.
//
//   nn::LSTM lstm(nn::LSTMOptions(8, 16).num_layers(2).batch_first(true));
//   auto [out, state] = lstm(x);            // x [batch, seq, 8] -> out [batch, seq, 16]
//   auto [h_n, c_n] = state;                // [num_layers * num_directions, batch, 16] each
//
// They are composed of differentiable ops (linear, sigmoid, tanh, relu, unbind, chunk, stack,
// cat), so they run wherever those run (CPU and CUDA) and their gradients, second-order ones
// included, come from autograd. The equations, for one layer and direction (x_t the input at
// step t, h and c the state, W and b the layer's weight_* and bias_* in libtorch's gate order):
//   RNN:  h' = tanh(W_ih x_t + b_ih + W_hh h + b_hh)           (relu with kReLU)
//   LSTM: i, f, g, o = chunk(W_ih x_t + b_ih + W_hh h + b_hh, 4)
//         c' = sigmoid(f) c + sigmoid(i) tanh(g),  h' = sigmoid(o) tanh(c')   (then W_hr h' with proj_size)
//   GRU:  r = sigmoid(W_ir x_t + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x_t + b_iz + W_hz h + b_hz)
//         n = tanh(W_in x_t + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h
// Layer l > 0 reads the outputs of layer l - 1 (both directions concatenated), after dropout
// while training when dropout > 0. The input must be batched, [seq_len, batch, input_size]
// ([batch, seq_len, input_size] with batch_first), as libtorch 1.13's modules require; a cell's
// input is [batch, input_size]. Packed sequences (pack_padded_sequence) are not implemented.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "ember/nn/init.h"
#include "ember/nn/module.h"
#include "ember/nn/options.h"

namespace ember {
// The modes of RNNOptionsBase, libtorch's enumtype::kLSTM, kGRU, kRNN_TANH, kRNN_RELU.
namespace enumtype {
struct kLSTM {};
struct kGRU {};
struct kRNN_TANH {};
struct kRNN_RELU {};
inline const char* get_enum_name(kLSTM) { return "kLSTM"; }
inline const char* get_enum_name(kGRU) { return "kGRU"; }
inline const char* get_enum_name(kRNN_TANH) { return "kRNN_TANH"; }
inline const char* get_enum_name(kRNN_RELU) { return "kRNN_RELU"; }
// The name of the value a variant of these holds ("kTanh", "kLSTM", ...), as libtorch's.
template <typename... Ts>
const char* get_enum_name(const std::variant<Ts...>& v) {
    return std::visit([](const auto& e) { return get_enum_name(e); }, v);
}
}  // namespace enumtype
inline constexpr enumtype::kLSTM kLSTM{};
inline constexpr enumtype::kGRU kGRU{};
inline constexpr enumtype::kRNN_TANH kRNN_TANH{};
inline constexpr enumtype::kRNN_RELU kRNN_RELU{};

// The ATen functions the modules call, with libtorch's signatures (torch::lstm, torch::gru,
// torch::rnn_tanh, torch::rnn_relu and the *_cell functions). `params` is the modules'
// all_weights() order: per layer and direction w_ih, w_hh, then b_ih, b_hh when has_biases, then
// w_hr for an LSTM with projections (an h of other size than c). input [seq_len, batch, features]
// ([batch, seq_len, features] with batch_first); hx [layers * directions, batch, hidden].
// dropout applies between layers when train. Returns (output, h_n) or (output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const std::vector<Tensor>& hx,
                                        const std::vector<Tensor>& params, bool has_biases, int64_t num_layers,
                                        double dropout, bool train, bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                               bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
                               bool batch_first);
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);
// One step: input [batch, input_size], hx [batch, hidden] ({h, c} for lstm_cell); the biases
// may be undefined.
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih = {},
                const Tensor& b_hh = {});
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
}  // namespace ember

namespace ember::nn {

namespace detail {
// What RNN, LSTM and GRU share (libtorch's RNNOptionsBase); the modules build it from their own
// options.
struct RNNOptionsBase {
    using rnn_options_base_mode_t =
        std::variant<enumtype::kLSTM, enumtype::kGRU, enumtype::kRNN_TANH, enumtype::kRNN_RELU>;
    RNNOptionsBase(rnn_options_base_mode_t mode, int64_t input_size, int64_t hidden_size)
        : mode_(mode), input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(rnn_options_base_mode_t, mode);
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(int64_t, num_layers) = 1;
    EMBER_ARG(bool, bias) = true;
    EMBER_ARG(bool, batch_first) = false;
    EMBER_ARG(double, dropout) = 0.0;
    EMBER_ARG(bool, bidirectional) = false;
    EMBER_ARG(int64_t, proj_size) = 0;
};
}  // namespace detail

struct RNNOptions {
    using nonlinearity_t = std::variant<enumtype::kTanh, enumtype::kReLU>;
    RNNOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(int64_t, num_layers) = 1;
    EMBER_ARG(nonlinearity_t, nonlinearity) = ember::kTanh;
    EMBER_ARG(bool, bias) = true;
    EMBER_ARG(bool, batch_first) = false;
    // The probability of zeroing an element of each layer's output but the last, while training.
    EMBER_ARG(double, dropout) = 0.0;
    EMBER_ARG(bool, bidirectional) = false;
};

struct LSTMOptions {
    LSTMOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(int64_t, num_layers) = 1;
    EMBER_ARG(bool, bias) = true;
    EMBER_ARG(bool, batch_first) = false;
    EMBER_ARG(double, dropout) = 0.0;
    EMBER_ARG(bool, bidirectional) = false;
    // > 0: each layer's h is projected to proj_size by weight_hr [proj_size, hidden_size].
    EMBER_ARG(int64_t, proj_size) = 0;
};

struct GRUOptions {
    GRUOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(int64_t, num_layers) = 1;
    EMBER_ARG(bool, bias) = true;
    EMBER_ARG(bool, batch_first) = false;
    EMBER_ARG(double, dropout) = 0.0;
    EMBER_ARG(bool, bidirectional) = false;
};

namespace detail {
struct RNNCellOptionsBase {
    RNNCellOptionsBase(int64_t input_size, int64_t hidden_size, bool bias, int64_t num_chunks)
        : input_size_(input_size), hidden_size_(hidden_size), bias_(bias), num_chunks_(num_chunks) {}
    virtual ~RNNCellOptionsBase() = default;
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(bool, bias);
    EMBER_ARG(int64_t, num_chunks);
};
}  // namespace detail

struct RNNCellOptions {
    using nonlinearity_t = std::variant<enumtype::kTanh, enumtype::kReLU>;
    RNNCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(bool, bias) = true;
    EMBER_ARG(nonlinearity_t, nonlinearity) = ember::kTanh;
};

struct LSTMCellOptions {
    LSTMCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(bool, bias) = true;
};

struct GRUCellOptions {
    GRUCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
    EMBER_ARG(int64_t, input_size);
    EMBER_ARG(int64_t, hidden_size);
    EMBER_ARG(bool, bias) = true;
};

namespace detail {
// What RNN, LSTM and GRU share (libtorch's RNNImplBase<Derived>). Parameters, per layer l and
// direction (suffix "_reverse" for the backward one), in this order: weight_ih_l{l}
// [gates * hidden, layer input], weight_hh_l{l} [gates * hidden, hidden (proj_size if set)],
// bias_ih_l{l} and bias_hh_l{l} [gates * hidden] (with bias), weight_hr_l{l} [proj_size,
// hidden] (LSTM with proj_size); gates is 1, 4 (i, f, g, o) or 3 (r, z, n). Layer l > 0 reads
// num_directions * (proj_size or hidden) features.
template <typename Derived>
class RNNImplBase : public Module {
public:
    explicit RNNImplBase(const RNNOptionsBase& options_);
    // Registers the parameters (again, replacing them) and initialises them.
    void reset();
    // Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as libtorch.
    void reset_parameters();
    // Module::to, then the cached parameter handles re-read (libtorch's reset_flat_weights).
    void to(Device device) override;
    void to(ScalarType dtype) override;
    using Module::to;
    // "ember::nn::LSTM(input_size=8, hidden_size=16, num_layers=2, bias=true, batch_first=true,
    // dropout=0, bidirectional=false)", with ", proj_size=P" when set.
    void pretty_print(std::ostream& os) const override;
    // libtorch packs the weights for cuDNN here; ember has no cuDNN path, so it only re-reads
    // the parameter handles.
    void flatten_parameters();
    // The parameters in the order above, layer by layer and direction by direction.
    std::vector<Tensor> all_weights() const;

    RNNOptionsBase options_base;

protected:
    // Shape errors (ShapeError naming the module, the shapes and the expectation).
    void check_input(const Tensor& input) const;
    std::tuple<int64_t, int64_t, int64_t> get_expected_hidden_size(const Tensor& input) const;
    void check_hidden_size(const Tensor& hx, std::tuple<int64_t, int64_t, int64_t> expected_hidden_size,
                           const char* what = "hidden state") const;
    void reset_flat_weights();
    // "RNN", "LSTM" or "GRU".
    const char* kind() const;

    std::vector<std::string> flat_weights_names_;
    std::vector<std::vector<std::string>> all_weights_;
    std::vector<Tensor> flat_weights_;
};
}  // namespace detail

// A multi-layer Elman RNN with tanh or ReLU: RNN model(RNNOptions(128, 64).num_layers(3).nonlinearity(ember::kReLU)).
class RNNImpl : public detail::RNNImplBase<RNNImpl> {
public:
    RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
    explicit RNNImpl(const RNNOptions& options_);
    // output [seq, batch, directions * hidden] (batch first with batch_first), h_n [layers *
    // directions, batch, hidden]; hx (that shape) defaults to zeros.
    std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
    RNNOptions options;
};
EMBER_MODULE(RNN);

// A multi-layer LSTM: forward returns (output, (h_n, c_n)).
class LSTMImpl : public detail::RNNImplBase<LSTMImpl> {
public:
    LSTMImpl(int64_t input_size, int64_t hidden_size) : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
    explicit LSTMImpl(const LSTMOptions& options_);
    // output [seq, batch, directions * (proj_size or hidden)], h_n [layers * directions, batch,
    // proj_size or hidden], c_n [layers * directions, batch, hidden]; hx_opt defaults to zeros.
    std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& input,
                                                           std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
    LSTMOptions options;
};
EMBER_MODULE(LSTM);

// A multi-layer GRU.
class GRUImpl : public detail::RNNImplBase<GRUImpl> {
public:
    GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
    explicit GRUImpl(const GRUOptions& options_);
    std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
    GRUOptions options;
};
EMBER_MODULE(GRU);

namespace detail {
// What the cells share (libtorch's RNNCellImplBase<Derived>): weight_ih [chunks * hidden,
// input], weight_hh [chunks * hidden, hidden], bias_ih and bias_hh [chunks * hidden] (undefined
// and not registered without bias).
template <typename Derived>
class RNNCellImplBase : public Module {
public:
    explicit RNNCellImplBase(const RNNCellOptionsBase& options_);
    void reset();
    // Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as libtorch.
    void reset_parameters();
    // "ember::nn::LSTMCell(10, 20)", ", bias=false" without bias, ", nonlinearity=kReLU" for a
    // ReLU RNNCell.
    void pretty_print(std::ostream& os) const override;

    RNNCellOptionsBase options_base;
    Tensor weight_ih;
    Tensor weight_hh;
    Tensor bias_ih;
    Tensor bias_hh;

protected:
    // input [batch, input_size]; a state [batch, hidden_size] (ShapeError otherwise).
    void check_forward_input(const Tensor& input) const;
    void check_forward_hidden(const Tensor& input, const Tensor& hx, const std::string& hidden_label) const;
    virtual std::string get_nonlinearity_str() const;
    const char* kind() const;
};
}  // namespace detail

class RNNCellImpl : public detail::RNNCellImplBase<RNNCellImpl> {
public:
    RNNCellImpl(int64_t input_size, int64_t hidden_size) : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
    explicit RNNCellImpl(const RNNCellOptions& options_);
    // h' [batch, hidden]; hx defaults to zeros.
    Tensor forward(const Tensor& input, Tensor hx = {});
    RNNCellOptions options;

protected:
    std::string get_nonlinearity_str() const override;
};
EMBER_MODULE(RNNCell);

class LSTMCellImpl : public detail::RNNCellImplBase<LSTMCellImpl> {
public:
    LSTMCellImpl(int64_t input_size, int64_t hidden_size) : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
    explicit LSTMCellImpl(const LSTMCellOptions& options_);
    // (h', c'), each [batch, hidden]; hx_opt (h, c) defaults to zeros.
    std::tuple<Tensor, Tensor> forward(const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
    LSTMCellOptions options;
};
EMBER_MODULE(LSTMCell);

class GRUCellImpl : public detail::RNNCellImplBase<GRUCellImpl> {
public:
    GRUCellImpl(int64_t input_size, int64_t hidden_size) : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
    explicit GRUCellImpl(const GRUCellOptions& options_);
    Tensor forward(const Tensor& input, Tensor hx = {});
    GRUCellOptions options;
};
EMBER_MODULE(GRUCell);

}  // namespace ember::nn
