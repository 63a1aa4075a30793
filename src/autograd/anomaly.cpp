// Anomaly mode: NaN/Inf detection in recorded forward ops and in backward gradients.
#include "autograd/anomaly.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "ember/ops/ops.h"

namespace ember {

namespace {
thread_local bool t_anomaly_enabled = false;
thread_local const autograd::Node* t_backward_node = nullptr;
}  // namespace

bool autograd::AnomalyMode::is_enabled() { return t_anomaly_enabled; }
void autograd::AnomalyMode::set_enabled(bool enabled) { t_anomaly_enabled = enabled; }

namespace autograd::anomaly {

namespace {

struct NonFinite {
    int64_t nan = 0, pos_inf = 0, neg_inf = 0, first = -1;
};

// Counted on the host: only on the error path.
NonFinite count(const Tensor& t) {
    NonFinite c;
    std::vector<double> v = t.to_vector<double>();
    for (std::size_t i = 0; i < v.size(); ++i) {
        double x = v[i];
        if (std::isfinite(x)) continue;
        if (c.first < 0) c.first = static_cast<int64_t>(i);
        if (std::isnan(x))
            ++c.nan;
        else if (x > 0)
            ++c.pos_inf;
        else
            ++c.neg_inf;
    }
    return c;
}

std::string counts_str(const NonFinite& c) {
    std::string s;
    auto add = [&](int64_t n, const char* what) {
        if (n == 0) return;
        if (!s.empty()) s += ", ";
        s += str_cat(n, " ", what);
    };
    add(c.nan, "NaN");
    add(c.pos_inf, "+Inf");
    add(c.neg_inf, "-Inf");
    return s;
}

std::string in_backward_str() {
    if (!t_backward_node) return "";
    return str_cat(" while computing the backward of ", t_backward_node->name(), " (create_graph=true)");
}

}  // namespace

bool all_finite(const Tensor& t) {
    if (!t.defined() || !t.is_floating_point() || t.numel() == 0) return true;
    NoGradGuard no_grad;
    Tensor d = t.detach();
    // x - x is 0 for every finite x and NaN for NaN and +-Inf; the sum keeps a NaN.
    return std::isfinite(sum(d - d).item<double>());
}

void check_forward(const Node& node, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs) {
    for (std::size_t o = 0; o < outputs.size(); ++o) {
        const Tensor& out = *outputs[o];
        if (all_finite(out)) continue;
        NonFinite c = count(out);
        std::string msg =
            str_cat("anomaly detected: forward of ", node.name(), in_backward_str(), " produced ", counts_str(c),
                    " in ", outputs.size() > 1 ? str_cat("output ", o, " ") : std::string("its output "), describe(out),
                    " (first at flat index ", c.first, ") where finite values were expected");
        std::string bad_inputs;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            if (all_finite(inputs[i])) continue;
            bad_inputs += str_cat(bad_inputs.empty() ? "" : "; ", "input ", i, " ", describe(inputs[i]), " holds ",
                                  counts_str(count(inputs[i])));
        }
        if (bad_inputs.empty())
            msg += str_cat("; all its inputs were finite, so ", node.name(), " produced them");
        else
            msg += str_cat("; they were already in its inputs (", bad_inputs, ")");
        throw AnomalyError(msg);
    }
}

void check_backward(const Node& node, bool incoming_finite, const std::vector<Tensor>& input_grads) {
    for (std::size_t i = 0; i < input_grads.size(); ++i) {
        const Tensor& g = input_grads[i];
        if (all_finite(g)) continue;
        NonFinite c = count(g);
        std::string target;
        if (i < node.next_edges.size() && node.next_edges[i].valid())
            target = str_cat(", which flows to ", node.next_edges[i].fn->name());
        throw AnomalyError(str_cat("anomaly detected: backward of ", node.name(), in_backward_str(), " returned ",
                                   counts_str(c), " in the gradient for its input ", i, target, ": ", describe(g),
                                   " (first at flat index ", c.first, ") where finite values were expected; ",
                                   incoming_finite ? str_cat("the gradient reaching ", node.name(),
                                                             " was finite, so its backward produced them")
                                                   : std::string("the gradient reaching it already held NaN/Inf")));
    }
}

BackwardScope::BackwardScope(const Node* node) : prev_(t_backward_node) { t_backward_node = node; }
BackwardScope::~BackwardScope() { t_backward_node = prev_; }

}  // namespace autograd::anomaly
}  // namespace ember
