// The recurrent layers of ember/nn/rnn.h, composed of differentiable ops. For each layer and
// direction the input projection W_ih x_t + b_ih is computed for the whole sequence in one matrix
// product (as libtorch's CPU path does) and unbound into time steps; each step then adds
// W_hh h + b_hh and applies the cell. The steps' outputs are stacked back into the sequence.
#include "ember/nn/rnn.h"

#include <cmath>
#include <iostream>
#include <type_traits>

#include "ember/nn/functional.h"

namespace ember::nn {

// (Internal to this file: the cell kinds and the step, used by the ATen functions below too.)
namespace {

enum class CellKind { Tanh, ReLU, LSTM, GRU };

CellKind cell_kind(const detail::RNNOptionsBase::rnn_options_base_mode_t& mode) {
    return std::visit(
        [](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, enumtype::kLSTM>) return CellKind::LSTM;
            if constexpr (std::is_same_v<M, enumtype::kGRU>) return CellKind::GRU;
            if constexpr (std::is_same_v<M, enumtype::kRNN_TANH>) return CellKind::Tanh;
            if constexpr (std::is_same_v<M, enumtype::kRNN_RELU>) return CellKind::ReLU;
        },
        mode);
}

int64_t gate_count(CellKind k) { return k == CellKind::LSTM ? 4 : k == CellKind::GRU ? 3 : 1; }

// One step of a cell from the input projection xw = W_ih x + b_ih [batch, gates * hidden], the
// state h [batch, hidden (or proj_size)] and, for an LSTM, c [batch, hidden]. Returns (h', c').
// The order of the additions is libtorch's (W_hh h + b_hh first, then the input projection).
std::pair<Tensor, Tensor> cell_step(CellKind kind, const Tensor& xw, const Tensor& h, const Tensor& c,
                                    const Tensor& w_hh, const Tensor& b_hh, const Tensor& w_hr) {
    Tensor hw = ember::linear(h, w_hh, b_hh);
    switch (kind) {
        case CellKind::Tanh: return {tanh(hw + xw), Tensor()};
        case CellKind::ReLU: return {relu(hw + xw), Tensor()};
        case CellKind::LSTM: {
            std::vector<Tensor> g = (hw + xw).chunk(4, 1);
            Tensor i = sigmoid(g[0]), f = sigmoid(g[1]), cand = tanh(g[2]), o = sigmoid(g[3]);
            Tensor c2 = f * c + i * cand;
            Tensor h2 = o * tanh(c2);
            if (w_hr.defined()) h2 = ember::linear(h2, w_hr);
            return {h2, c2};
        }
        case CellKind::GRU: {
            std::vector<Tensor> gi = xw.chunk(3, 1), gh = hw.chunk(3, 1);
            Tensor r = sigmoid(gh[0] + gi[0]);
            Tensor z = sigmoid(gh[1] + gi[1]);
            Tensor n = tanh(gi[2] + gh[2] * r);
            return {(h - n) * z + n, Tensor()};  // (1 - z) n + z h, in libtorch's arrangement
        }
    }
    return {};
}

std::string sizes_str(int64_t a, int64_t b, int64_t c) { return shape_str(Shape{a, b, c}); }

}  // namespace

}  // namespace ember::nn

// ---------------------------------------------------------------- the ATen functions

namespace ember {

using nn::CellKind;

namespace {

const char* op_name(CellKind k) {
    switch (k) {
        case CellKind::Tanh: return "rnn_tanh";
        case CellKind::ReLU: return "rnn_relu";
        case CellKind::LSTM: return "lstm";
        case CellKind::GRU: return "gru";
    }
    return "rnn";
}

void check_like(const char* op, const Tensor& ref, const Tensor& t, const std::string& what) {
    EMBER_ENFORCE(t.dtype() == ref.dtype(), DTypeError, op, ": ", what, " is ", describe(t), " but the input is ",
                  describe(ref), " (expected the same dtype)");
    EMBER_ENFORCE(t.device() == ref.device(), DeviceError, op, ": ", what, " is ", describe(t), " but the input is on ",
                  ref.device().str());
}

void check_param(const char* op, const Tensor& input, const std::vector<Tensor>& params, std::size_t index,
                 const char* role, const Shape& want) {
    const std::string what = str_cat("parameter ", index, " (", role, ")");
    EMBER_ENFORCE(params[index].defined(), ValueError, op, ": ", what, " is an undefined tensor");
    EMBER_ENFORCE(params[index].sizes() == IntArrayRef(want), ShapeError, op, ": ", what, " has shape ",
                  shape_str(params[index].sizes()), ", expected ", shape_str(want));
    check_like(op, input, params[index], what);
}

// The layers over the sequence (see the file comment); c0 only for an LSTM. Returns the output,
// h_n and c_n (undefined unless LSTM).
std::tuple<Tensor, Tensor, Tensor> run_layers(CellKind k, const Tensor& input, const Tensor& h0, const Tensor& c0,
                                              const std::vector<Tensor>& params, bool has_biases, int64_t num_layers,
                                              double dropout, bool train, bool bidirectional, bool batch_first) {
    const char* op = op_name(k);
    const bool is_lstm = k == CellKind::LSTM;
    const char* layout = batch_first ? "[batch, seq_len, features]" : "[seq_len, batch, features]";
    EMBER_ENFORCE(input.defined(), ValueError, op, ": the input is an undefined tensor");
    EMBER_ENFORCE(h0.defined() && (!is_lstm || c0.defined()), ValueError, op, ": undefined hidden state");
    EMBER_ENFORCE(input.dim() == 3, ShapeError, op, ": expected input of 3 dimensions ", layout, ", got ",
                  describe(input));
    EMBER_ENFORCE(num_layers > 0, ValueError, op, ": num_layers must be greater than zero, got ", num_layers);
    EMBER_ENFORCE(dropout >= 0 && dropout <= 1, ValueError, op, ": dropout must be in [0, 1], got ", dropout);
    const int64_t dirs = bidirectional ? 2 : 1;
    Tensor layer_input = batch_first ? input.transpose(0, 1) : input;  // [T, B, features]
    const int64_t T = layer_input.size(0), B = layer_input.size(1);
    EMBER_ENFORCE(T > 0, ShapeError, op, ": expected sequence length to be larger than 0, got input ", describe(input),
                  " (layout ", layout, ")");
    EMBER_ENFORCE(h0.dim() == 3 && h0.size(0) == num_layers * dirs && h0.size(1) == B, ShapeError, op,
                  ": expected the hidden state of shape [num_layers * num_directions = ", num_layers * dirs,
                  ", batch = ", B, ", hidden], got ", describe(h0), " for input ", describe(input));
    check_like(op, input, h0, "the hidden state");
    const int64_t real_hidden = h0.size(2);
    const int64_t hidden = is_lstm ? c0.size(-1) : real_hidden;
    if (is_lstm) {
        EMBER_ENFORCE(c0.dim() == 3 && c0.size(0) == num_layers * dirs && c0.size(1) == B, ShapeError, op,
                      ": expected the cell state of shape [num_layers * num_directions = ", num_layers * dirs,
                      ", batch = ", B, ", hidden], got ", describe(c0), " for input ", describe(input));
        check_like(op, input, c0, "the cell state");
    }
    const bool proj = is_lstm && real_hidden != hidden;
    const std::size_t per_dir = (has_biases ? 4 : 2) + (proj ? 1 : 0);
    const std::size_t want = static_cast<std::size_t>(num_layers * dirs) * per_dir;
    EMBER_ENFORCE(params.size() == want, ValueError, op, ": expected ", want, " parameter tensors (", num_layers,
                  " layers x ", dirs, " directions x ", per_dir, ": w_ih, w_hh", has_biases ? ", b_ih, b_hh" : "",
                  proj ? ", w_hr" : "", "), got ", params.size());
    const int64_t gates = gate_count(k) * hidden;
    std::vector<Tensor> hn, cn;
    for (int64_t layer = 0; layer < num_layers; ++layer) {
        std::vector<Tensor> dir_out;
        const int64_t features = layer_input.size(2);
        for (int64_t dir = 0; dir < dirs; ++dir) {
            const std::size_t base = static_cast<std::size_t>(layer * dirs + dir) * per_dir;
            check_param(op, input, params, base, "w_ih", {gates, features});
            check_param(op, input, params, base + 1, "w_hh", {gates, real_hidden});
            if (has_biases) {
                check_param(op, input, params, base + 2, "b_ih", {gates});
                check_param(op, input, params, base + 3, "b_hh", {gates});
            }
            if (proj) check_param(op, input, params, base + per_dir - 1, "w_hr", {real_hidden, hidden});
            const Tensor& w_ih = params[base];
            const Tensor& w_hh = params[base + 1];
            const Tensor b_ih = has_biases ? params[base + 2] : Tensor();
            const Tensor b_hh = has_biases ? params[base + 3] : Tensor();
            const Tensor w_hr = proj ? params[base + per_dir - 1] : Tensor();
            const int64_t idx = layer * dirs + dir;
            Tensor h = h0.select(0, idx);
            Tensor c = is_lstm ? c0.select(0, idx) : Tensor();
            // The input projection of every step in one product: [T * B, features] -> [T, B, gates].
            Tensor xw = ember::linear(layer_input.reshape({T * B, features}), w_ih, b_ih).view({T, B, gates});
            std::vector<Tensor> steps = xw.unbind(0);
            std::vector<Tensor> outs(static_cast<std::size_t>(T));
            for (int64_t s = 0; s < T; ++s) {
                const auto t = static_cast<std::size_t>(dir == 0 ? s : T - 1 - s);
                std::tie(h, c) = nn::cell_step(k, steps[t], h, c, w_hh, b_hh, w_hr);
                outs[t] = h;
            }
            dir_out.push_back(stack(outs, 0));
            hn.push_back(h);
            if (is_lstm) cn.push_back(c);
        }
        Tensor layer_output = dirs == 1 ? dir_out[0] : cat(dir_out, 2);
        if (dropout > 0 && train && layer + 1 < num_layers)
            layer_output = nn::functional::dropout(layer_output, dropout, /*training=*/true);
        layer_input = layer_output;
    }
    Tensor output = batch_first ? layer_input.transpose(0, 1) : layer_input;
    return {output, stack(hn, 0), is_lstm ? stack(cn, 0) : Tensor()};
}

// The checks of one cell step: input [batch, input_size], each state [batch, hidden], w_ih
// [gates * hidden, input_size], w_hh [gates * hidden, hidden], biases [gates * hidden] or undefined.
void check_cell(const char* op, int64_t gate_chunks, const Tensor& input, const std::vector<Tensor>& states,
                const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
    EMBER_ENFORCE(input.defined() && w_ih.defined() && w_hh.defined(), ValueError, op, ": undefined input or weight");
    EMBER_ENFORCE(w_hh.dim() == 2 && w_hh.size(0) == gate_chunks * w_hh.size(1), ShapeError, op, ": w_hh ",
                  describe(w_hh), " should be [", gate_chunks, " * hidden, hidden]");
    const int64_t hidden = w_hh.size(1), gates = w_hh.size(0);
    EMBER_ENFORCE(w_ih.dim() == 2 && w_ih.size(0) == gates, ShapeError, op, ": w_ih ", describe(w_ih), " should be [",
                  gates, ", input_size]");
    EMBER_ENFORCE(input.dim() == 2, ShapeError, op, ": expected input of 2 dimensions [batch, input_size], got ",
                  describe(input));
    EMBER_ENFORCE(input.size(1) == w_ih.size(1), ShapeError, op, ": input has inconsistent input_size: got ",
                  input.size(1), " expected ", w_ih.size(1), " (input ", describe(input), ")");
    check_like(op, input, w_ih, "w_ih");
    check_like(op, input, w_hh, "w_hh");
    for (const Tensor* b : {&b_ih, &b_hh})
        if (b->defined()) {
            EMBER_ENFORCE(b->dim() == 1 && b->size(0) == gates, ShapeError, op, ": bias ", describe(*b), " should be [",
                          gates, "]");
            check_like(op, input, *b, "a bias");
        }
    for (std::size_t i = 0; i < states.size(); ++i) {
        const Tensor& h = states[i];
        const std::string what = states.size() == 1 ? std::string("hidden") : str_cat("hidden[", i, "]");
        EMBER_ENFORCE(h.defined(), ValueError, op, ": ", what, " is an undefined tensor");
        EMBER_ENFORCE(h.dim() == 2 && h.size(0) == input.size(0), ShapeError, op, ": input batch size ", input.size(0),
                      " doesn't match ", what, " ", describe(h));
        EMBER_ENFORCE(h.size(1) == hidden, ShapeError, op, ": ", what, " has inconsistent hidden_size: got ", h.size(1),
                      ", expected ", hidden);
        check_like(op, input, h, what);
    }
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const std::vector<Tensor>& hx,
                                        const std::vector<Tensor>& params, bool has_biases, int64_t num_layers,
                                        double dropout, bool train, bool bidirectional, bool batch_first) {
    EMBER_ENFORCE(hx.size() == 2, ValueError, "lstm: expects two hidden states {h_0, c_0}, got ", hx.size());
    return run_layers(CellKind::LSTM, input, hx[0], hx[1], params, has_biases, num_layers, dropout, train,
                      bidirectional, batch_first);
}

std::tuple<Tensor, Tensor> gru(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                               bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
                               bool batch_first) {
    auto [out, h, c] = run_layers(CellKind::GRU, input, hx, Tensor(), params, has_biases, num_layers, dropout, train,
                                  bidirectional, batch_first);
    return {out, h};
}

std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first) {
    auto [out, h, c] = run_layers(CellKind::Tanh, input, hx, Tensor(), params, has_biases, num_layers, dropout, train,
                                  bidirectional, batch_first);
    return {out, h};
}

std::tuple<Tensor, Tensor> rnn_relu(const Tensor& input, const Tensor& hx, const std::vector<Tensor>& params,
                                    bool has_biases, int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first) {
    auto [out, h, c] = run_layers(CellKind::ReLU, input, hx, Tensor(), params, has_biases, num_layers, dropout, train,
                                  bidirectional, batch_first);
    return {out, h};
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const std::vector<Tensor>& hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
    EMBER_ENFORCE(hx.size() == 2, ValueError, "lstm_cell: expects two hidden states {h, c}, got ", hx.size());
    check_cell("lstm_cell", 4, input, hx, w_ih, w_hh, b_ih, b_hh);
    return nn::cell_step(CellKind::LSTM, ember::linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh, Tensor());
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
    check_cell("gru_cell", 3, input, {hx}, w_ih, w_hh, b_ih, b_hh);
    return nn::cell_step(CellKind::GRU, ember::linear(input, w_ih, b_ih), hx, Tensor(), w_hh, b_hh, Tensor()).first;
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
    check_cell("rnn_tanh_cell", 1, input, {hx}, w_ih, w_hh, b_ih, b_hh);
    return nn::cell_step(CellKind::Tanh, ember::linear(input, w_ih, b_ih), hx, Tensor(), w_hh, b_hh, Tensor()).first;
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
    check_cell("rnn_relu_cell", 1, input, {hx}, w_ih, w_hh, b_ih, b_hh);
    return nn::cell_step(CellKind::ReLU, ember::linear(input, w_ih, b_ih), hx, Tensor(), w_hh, b_hh, Tensor()).first;
}

}  // namespace ember

namespace ember::nn {

// ---------------------------------------------------------------- RNNImplBase

namespace detail {

template <typename Derived>
RNNImplBase<Derived>::RNNImplBase(const RNNOptionsBase& options_)
    : Module(cell_kind(options_.mode()) == CellKind::LSTM  ? "LSTM"
             : cell_kind(options_.mode()) == CellKind::GRU ? "GRU"
                                                           : "RNN"),
      options_base(options_) {
    reset();
}

template <typename Derived>
const char* RNNImplBase<Derived>::kind() const {
    const CellKind k = cell_kind(options_base.mode());
    return k == CellKind::LSTM ? "LSTM" : k == CellKind::GRU ? "GRU" : "RNN";
}

template <typename Derived>
void RNNImplBase<Derived>::reset() {
    const RNNOptionsBase& o = options_base;
    const CellKind k = cell_kind(o.mode());
    EMBER_ENFORCE(o.dropout() >= 0 && o.dropout() <= 1, ValueError, kind(), ": dropout should be a number in range ",
                  "[0, 1] representing the probability of an element being zeroed, got ", o.dropout());
    EMBER_ENFORCE(o.input_size() >= 0, ValueError, kind(), ": input_size must be non-negative, got ", o.input_size());
    EMBER_ENFORCE(o.hidden_size() > 0, ValueError, kind(), ": hidden_size must be greater than zero, got ",
                  o.hidden_size());
    EMBER_ENFORCE(o.num_layers() > 0, ValueError, kind(), ": num_layers must be greater than zero, got ",
                  o.num_layers());
    EMBER_ENFORCE(o.proj_size() >= 0 && o.proj_size() < o.hidden_size(), ValueError, kind(),
                  ": proj_size has to be a positive integer, smaller than hidden_size (", o.hidden_size(),
                  ") or zero to disable projections, got ", o.proj_size());
    EMBER_ENFORCE(o.proj_size() == 0 || k == CellKind::LSTM, ValueError, kind(),
                  ": proj_size argument is only supported for LSTM, not RNN or GRU");
    if (o.dropout() > 0 && o.num_layers() == 1) {
        // libtorch's warning, word for word (it applies dropout between layers only).
        std::cerr << "Warning: dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                     "expects num_layers greater than 1, but got dropout="
                  << o.dropout() << " and num_layers=" << o.num_layers() << "\n";
    }

    // A second reset() replaces the parameters.
    parameters_.clear();
    flat_weights_names_.clear();
    all_weights_.clear();
    const int64_t dirs = o.bidirectional() ? 2 : 1;
    const int64_t gate_size = gate_count(k) * o.hidden_size();
    const int64_t real_hidden = o.proj_size() > 0 ? o.proj_size() : o.hidden_size();
    for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
        for (int64_t dir = 0; dir < dirs; ++dir) {
            const int64_t layer_input = layer == 0 ? o.input_size() : real_hidden * dirs;
            const std::string sfx = std::to_string(layer) + (dir == 1 ? "_reverse" : "");
            std::vector<std::pair<std::string, Shape>> ps = {{"weight_ih_l" + sfx, {gate_size, layer_input}},
                                                             {"weight_hh_l" + sfx, {gate_size, real_hidden}}};
            if (o.bias()) {
                ps.push_back({"bias_ih_l" + sfx, {gate_size}});
                ps.push_back({"bias_hh_l" + sfx, {gate_size}});
            }
            if (o.proj_size() > 0) ps.push_back({"weight_hr_l" + sfx, {o.proj_size(), o.hidden_size()}});
            std::vector<std::string> names;
            for (auto& [name, shape] : ps) {
                register_parameter(name, empty(shape));
                names.push_back(name);
                flat_weights_names_.push_back(name);
            }
            all_weights_.push_back(std::move(names));
        }
    }
    reset_flat_weights();
    reset_parameters();
}

template <typename Derived>
void RNNImplBase<Derived>::reset_parameters() {
    NoGradGuard no_grad;
    const double stdv = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
    for (Tensor& p : parameters()) p.uniform_(-stdv, stdv);
}

template <typename Derived>
void RNNImplBase<Derived>::reset_flat_weights() {
    flat_weights_.clear();
    const OrderedDict<Tensor> named = named_parameters(/*recurse=*/false);
    for (const std::string& n : flat_weights_names_) {
        const Tensor* p = named.find(n);
        flat_weights_.push_back(p ? *p : Tensor());
    }
}

template <typename Derived>
void RNNImplBase<Derived>::flatten_parameters() {
    reset_flat_weights();
}

template <typename Derived>
void RNNImplBase<Derived>::to(Device device) {
    Module::to(device);
    reset_flat_weights();
}

template <typename Derived>
void RNNImplBase<Derived>::to(ScalarType dtype) {
    Module::to(dtype);
    reset_flat_weights();
}

template <typename Derived>
std::vector<Tensor> RNNImplBase<Derived>::all_weights() const {
    std::vector<Tensor> out;
    const OrderedDict<Tensor> named = named_parameters(/*recurse=*/false);
    for (const auto& group : all_weights_)
        for (const std::string& n : group) {
            const Tensor* p = named.find(n);
            out.push_back(p ? *p : Tensor());
        }
    return out;
}

template <typename Derived>
void RNNImplBase<Derived>::pretty_print(std::ostream& os) const {
    const RNNOptionsBase& o = options_base;
    os << std::boolalpha << "ember::nn::" << kind() << "(input_size=" << o.input_size()
       << ", hidden_size=" << o.hidden_size() << ", num_layers=" << o.num_layers() << ", bias=" << o.bias()
       << ", batch_first=" << o.batch_first() << ", dropout=" << o.dropout() << ", bidirectional=" << o.bidirectional();
    if (o.proj_size() > 0) os << ", proj_size=" << o.proj_size();
    // libtorch leaves the stream in boolalpha; so does ember, so that what a program prints next
    // is the same.
    os << ")";
}

template <typename Derived>
void RNNImplBase<Derived>::check_input(const Tensor& input) const {
    const RNNOptionsBase& o = options_base;
    EMBER_ENFORCE(input.defined(), ValueError, kind(), ": the input is an undefined tensor");
    const char* layout = o.batch_first() ? "[batch, seq_len, input_size]" : "[seq_len, batch, input_size]";
    EMBER_ENFORCE(input.dim() == 3, ShapeError, kind(), ": input must have 3 dimensions, got ", input.dim(), " (",
                  describe(input), "); expected ", layout, " with input_size ", o.input_size(),
                  " (libtorch's modules take no unbatched input)");
    EMBER_ENFORCE(input.size(-1) == o.input_size(), ShapeError, kind(),
                  ": input.size(-1) must be equal to input_size. Expected ", o.input_size(), ", got ", input.size(-1),
                  " (input ", describe(input), ", layout ", layout, ")");
    EMBER_ENFORCE(input.size(o.batch_first() ? 1 : 0) > 0, ShapeError, kind(),
                  ": expected sequence length to be larger than 0, got input ", describe(input), " (layout ", layout,
                  ")");
    const Tensor& w = flat_weights_.at(0);
    EMBER_ENFORCE(input.dtype() == w.dtype(), DTypeError, kind(), ": the input is ", describe(input),
                  " but the parameters are ", dtype_name(w.dtype()), " (convert one with .to(dtype))");
    EMBER_ENFORCE(input.device() == w.device(), DeviceError, kind(), ": the input ", describe(input),
                  " is not on the parameters' device ", w.device().str());
}

template <typename Derived>
std::tuple<int64_t, int64_t, int64_t> RNNImplBase<Derived>::get_expected_hidden_size(const Tensor& input) const {
    const RNNOptionsBase& o = options_base;
    const int64_t batch = o.batch_first() ? input.size(0) : input.size(1);
    const int64_t dirs = o.bidirectional() ? 2 : 1;
    return {o.num_layers() * dirs, batch, o.proj_size() > 0 ? o.proj_size() : o.hidden_size()};
}

template <typename Derived>
void RNNImplBase<Derived>::check_hidden_size(const Tensor& hx, std::tuple<int64_t, int64_t, int64_t> e,
                                             const char* what) const {
    const auto [a, b, c] = e;
    EMBER_ENFORCE(hx.defined(), ValueError, kind(), ": the ", what, " is an undefined tensor");
    EMBER_ENFORCE(hx.sizes() == IntArrayRef(Shape{a, b, c}), ShapeError, kind(), ": expected ", what, " of size ",
                  sizes_str(a, b, c), " (num_layers * num_directions, batch, hidden), got ", describe(hx));
    const Tensor& w = flat_weights_.at(0);
    EMBER_ENFORCE(hx.dtype() == w.dtype() && hx.device() == w.device(), DTypeError, kind(), ": the ", what, " is ",
                  describe(hx), " but the parameters are ", dtype_name(w.dtype()), " on ", w.device().str());
}

template class RNNImplBase<RNNImpl>;
template class RNNImplBase<LSTMImpl>;
template class RNNImplBase<GRUImpl>;

}  // namespace detail

// ---------------------------------------------------------------- RNN, LSTM, GRU

namespace {
detail::RNNOptionsBase::rnn_options_base_mode_t rnn_mode(const RNNOptions::nonlinearity_t& n) {
    if (std::holds_alternative<enumtype::kReLU>(n)) return ember::kRNN_RELU;
    return ember::kRNN_TANH;
}
}  // namespace

RNNImpl::RNNImpl(const RNNOptions& o)
    : detail::RNNImplBase<RNNImpl>(detail::RNNOptionsBase(rnn_mode(o.nonlinearity()), o.input_size(), o.hidden_size())
                                       .num_layers(o.num_layers())
                                       .bias(o.bias())
                                       .batch_first(o.batch_first())
                                       .dropout(o.dropout())
                                       .bidirectional(o.bidirectional())),
      options(o) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, Tensor hx) {
    check_input(input);
    const auto expected = get_expected_hidden_size(input);
    if (!hx.defined())
        hx = zeros({std::get<0>(expected), std::get<1>(expected), std::get<2>(expected)}, input.options());
    check_hidden_size(hx, expected, "hidden state hx");
    const detail::RNNOptionsBase& o = options_base;
    auto f = std::holds_alternative<enumtype::kReLU>(options.nonlinearity()) ? &ember::rnn_relu : &ember::rnn_tanh;
    return f(input, hx, flat_weights_, o.bias(), o.num_layers(), o.dropout(), is_training(), o.bidirectional(),
             o.batch_first());
}

LSTMImpl::LSTMImpl(const LSTMOptions& o)
    : detail::RNNImplBase<LSTMImpl>(detail::RNNOptionsBase(ember::kLSTM, o.input_size(), o.hidden_size())
                                        .num_layers(o.num_layers())
                                        .bias(o.bias())
                                        .batch_first(o.batch_first())
                                        .dropout(o.dropout())
                                        .bidirectional(o.bidirectional())
                                        .proj_size(o.proj_size())),
      options(o) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
    check_input(input);
    const auto h_size = get_expected_hidden_size(input);
    const auto c_size = std::make_tuple(std::get<0>(h_size), std::get<1>(h_size), options.hidden_size());
    Tensor h0, c0;
    if (hx_opt) {
        std::tie(h0, c0) = *hx_opt;
    } else {
        h0 = zeros({std::get<0>(h_size), std::get<1>(h_size), std::get<2>(h_size)}, input.options());
        c0 = zeros({std::get<0>(c_size), std::get<1>(c_size), std::get<2>(c_size)}, input.options());
    }
    check_hidden_size(h0, h_size, "hidden state hx[0] (h_0)");
    check_hidden_size(c0, c_size, "cell state hx[1] (c_0)");
    const detail::RNNOptionsBase& o = options_base;
    auto [output, h_n, c_n] = ember::lstm(input, {h0, c0}, flat_weights_, o.bias(), o.num_layers(), o.dropout(),
                                          is_training(), o.bidirectional(), o.batch_first());
    return {output, {h_n, c_n}};
}

GRUImpl::GRUImpl(const GRUOptions& o)
    : detail::RNNImplBase<GRUImpl>(detail::RNNOptionsBase(ember::kGRU, o.input_size(), o.hidden_size())
                                       .num_layers(o.num_layers())
                                       .bias(o.bias())
                                       .batch_first(o.batch_first())
                                       .dropout(o.dropout())
                                       .bidirectional(o.bidirectional())),
      options(o) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, Tensor hx) {
    check_input(input);
    const auto expected = get_expected_hidden_size(input);
    if (!hx.defined())
        hx = zeros({std::get<0>(expected), std::get<1>(expected), std::get<2>(expected)}, input.options());
    check_hidden_size(hx, expected, "hidden state hx");
    const detail::RNNOptionsBase& o = options_base;
    return ember::gru(input, hx, flat_weights_, o.bias(), o.num_layers(), o.dropout(), is_training(), o.bidirectional(),
                      o.batch_first());
}

// ---------------------------------------------------------------- the cells

namespace detail {

template <typename Derived>
const char* RNNCellImplBase<Derived>::kind() const {
    if constexpr (std::is_same_v<Derived, LSTMCellImpl>) return "LSTMCell";
    if constexpr (std::is_same_v<Derived, GRUCellImpl>) return "GRUCell";
    return "RNNCell";
}

template <typename Derived>
RNNCellImplBase<Derived>::RNNCellImplBase(const RNNCellOptionsBase& options_)
    : Module(std::is_same_v<Derived, LSTMCellImpl>  ? "LSTMCell"
             : std::is_same_v<Derived, GRUCellImpl> ? "GRUCell"
                                                    : "RNNCell"),
      options_base(options_) {
    reset();
}

template <typename Derived>
void RNNCellImplBase<Derived>::reset() {
    const RNNCellOptionsBase& o = options_base;
    EMBER_ENFORCE(o.input_size() >= 0 && o.hidden_size() > 0, ValueError, kind(),
                  ": sizes must be positive, got input_size ", o.input_size(), " and hidden_size ", o.hidden_size());
    parameters_.clear();
    const int64_t g = o.num_chunks() * o.hidden_size();
    weight_ih = register_parameter("weight_ih", empty({g, o.input_size()}));
    weight_hh = register_parameter("weight_hh", empty({g, o.hidden_size()}));
    if (o.bias()) {
        bias_ih = register_parameter("bias_ih", empty({g}));
        bias_hh = register_parameter("bias_hh", empty({g}));
    } else {
        bias_ih = Tensor();
        bias_hh = Tensor();
    }
    reset_parameters();
}

template <typename Derived>
void RNNCellImplBase<Derived>::reset_parameters() {
    NoGradGuard no_grad;
    const double stdv = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
    for (Tensor& p : parameters()) p.uniform_(-stdv, stdv);
}

template <typename Derived>
void RNNCellImplBase<Derived>::pretty_print(std::ostream& os) const {
    os << "ember::nn::" << kind() << "(" << options_base.input_size() << ", " << options_base.hidden_size();
    if (!options_base.bias()) os << ", bias=" << std::boolalpha << false;  // boolalpha stays set, as libtorch
    const std::string nl = get_nonlinearity_str();
    if (!nl.empty() && nl != "kTanh") os << ", nonlinearity=" << nl;
    os << ")";
}

template <typename Derived>
std::string RNNCellImplBase<Derived>::get_nonlinearity_str() const {
    return "";
}

template <typename Derived>
void RNNCellImplBase<Derived>::check_forward_input(const Tensor& input) const {
    EMBER_ENFORCE(input.defined(), ValueError, kind(), ": the input is an undefined tensor");
    EMBER_ENFORCE(input.dim() == 2, ShapeError, kind(), ": expected input of 2 dimensions [batch, input_size] with ",
                  "input_size ", options_base.input_size(), ", got ", describe(input),
                  " (libtorch 1.13's cells take no unbatched input)");
    EMBER_ENFORCE(input.size(1) == options_base.input_size(), ShapeError, kind(),
                  ": input has inconsistent input_size: got ", input.size(1), " expected ", options_base.input_size(),
                  " (input ", describe(input), ")");
    EMBER_ENFORCE(input.dtype() == weight_ih.dtype(), DTypeError, kind(), ": the input is ", describe(input),
                  " but the parameters are ", dtype_name(weight_ih.dtype()));
    EMBER_ENFORCE(input.device() == weight_ih.device(), DeviceError, kind(), ": the input ", describe(input),
                  " is not on the parameters' device ", weight_ih.device().str());
}

template <typename Derived>
void RNNCellImplBase<Derived>::check_forward_hidden(const Tensor& input, const Tensor& hx,
                                                    const std::string& hidden_label) const {
    EMBER_ENFORCE(hx.defined(), ValueError, kind(), ": ", hidden_label, " is an undefined tensor");
    EMBER_ENFORCE(hx.dim() == 2 && hx.size(0) == input.size(0) && hx.size(1) == options_base.hidden_size(), ShapeError,
                  kind(), ": expected ", hidden_label, " of size ",
                  shape_str(Shape{input.size(0), options_base.hidden_size()}), " [batch, hidden_size] for input ",
                  describe(input), ", got ", describe(hx));
    EMBER_ENFORCE(hx.dtype() == input.dtype() && hx.device() == input.device(), DTypeError, kind(), ": ", hidden_label,
                  " ", describe(hx), " does not match the input ", describe(input));
}

template class RNNCellImplBase<RNNCellImpl>;
template class RNNCellImplBase<LSTMCellImpl>;
template class RNNCellImplBase<GRUCellImpl>;

}  // namespace detail

RNNCellImpl::RNNCellImpl(const RNNCellOptions& o)
    : detail::RNNCellImplBase<RNNCellImpl>(detail::RNNCellOptionsBase(o.input_size(), o.hidden_size(), o.bias(), 1)),
      options(o) {}

std::string RNNCellImpl::get_nonlinearity_str() const { return enumtype::get_enum_name(options.nonlinearity()); }

Tensor RNNCellImpl::forward(const Tensor& input, Tensor hx) {
    check_forward_input(input);
    if (!hx.defined()) hx = zeros({input.size(0), options.hidden_size()}, input.options());
    check_forward_hidden(input, hx, "hidden state hx");
    const CellKind k =
        std::holds_alternative<enumtype::kReLU>(options.nonlinearity()) ? CellKind::ReLU : CellKind::Tanh;
    return k == CellKind::ReLU ? ember::rnn_relu_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh)
                               : ember::rnn_tanh_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh);
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& o)
    : detail::RNNCellImplBase<LSTMCellImpl>(detail::RNNCellOptionsBase(o.input_size(), o.hidden_size(), o.bias(), 4)),
      options(o) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
    check_forward_input(input);
    Tensor h, c;
    if (hx_opt) {
        std::tie(h, c) = *hx_opt;
    } else {
        h = zeros({input.size(0), options.hidden_size()}, input.options());
        c = zeros({input.size(0), options.hidden_size()}, input.options());
    }
    check_forward_hidden(input, h, "hidden state hx[0] (h)");
    check_forward_hidden(input, c, "cell state hx[1] (c)");
    return ember::lstm_cell(input, {h, c}, weight_ih, weight_hh, bias_ih, bias_hh);
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& o)
    : detail::RNNCellImplBase<GRUCellImpl>(detail::RNNCellOptionsBase(o.input_size(), o.hidden_size(), o.bias(), 3)),
      options(o) {}

Tensor GRUCellImpl::forward(const Tensor& input, Tensor hx) {
    check_forward_input(input);
    if (!hx.defined()) hx = zeros({input.size(0), options.hidden_size()}, input.options());
    check_forward_hidden(input, hx, "hidden state hx");
    return ember::gru_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh);
}

}  // namespace ember::nn
