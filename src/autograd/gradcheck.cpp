// Finite-difference checks of the analytic gradients: central differences in float64.
#include <cmath>

#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember::autograd {

namespace {

std::vector<Tensor> detached_inputs(const std::vector<Tensor>& inputs) {
    std::vector<Tensor> out;
    for (const Tensor& t : inputs) {
        EMBER_ENFORCE(t.dtype() == kFloat64, DTypeError,
                      "gradcheck: inputs must be float64 (finite differences in "
                      "float32 are too coarse), got ",
                      describe(t));
        out.push_back(t.detach().clone().requires_grad_(t.requires_grad()));
    }
    return out;
}

bool fail(const GradcheckOptions& o, const std::string& msg) {
    if (o.raise_exception) throw AutogradError(msg);
    return false;
}

}  // namespace

bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
               const GradcheckOptions& options) {
    std::vector<Tensor> x = detached_inputs(inputs);
    Tensor y = fn(x);
    EMBER_ENFORCE(y.dtype() == kFloat64, DTypeError, "gradcheck: the function must return float64, got ", describe(y));
    const int64_t n_out = y.numel();
    std::vector<Tensor> diff_inputs;
    std::vector<std::size_t> diff_index;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (x[i].requires_grad()) {
            diff_inputs.push_back(x[i]);
            diff_index.push_back(i);
        }
    if (diff_inputs.empty()) return true;

    // Analytic Jacobian, one row per output element: J[o] = d y[o] / d x.
    std::vector<std::vector<std::vector<double>>> analytic(diff_inputs.size());
    for (auto& a : analytic) a.assign(static_cast<std::size_t>(n_out), {});
    for (int64_t o = 0; o < n_out; ++o) {
        Tensor seed = zeros(y.sizes(), dtype(kFloat64));
        seed.view({-1}).select(0, o).fill_(1.0);
        Tensor yo = fn(x);
        if (!yo.requires_grad()) {
            for (std::size_t k = 0; k < diff_inputs.size(); ++k)
                analytic[k][o].assign(static_cast<std::size_t>(diff_inputs[k].numel()), 0.0);
            continue;
        }
        auto g = grad({yo}, diff_inputs, {seed}, false, false, true);
        for (std::size_t k = 0; k < diff_inputs.size(); ++k) {
            if (g[k].defined()) {
                EMBER_ENFORCE(g[k].sizes() == diff_inputs[k].sizes(), ShapeError, "gradcheck: gradient of input ",
                              diff_index[k], " has shape ", shape_str(g[k].sizes()), " but the input has shape ",
                              shape_str(diff_inputs[k].sizes()));
                analytic[k][o] = g[k].to_vector<double>();
            } else {
                analytic[k][o].assign(static_cast<std::size_t>(diff_inputs[k].numel()), 0.0);
            }
        }
    }

    // Numerical Jacobian by central differences, one column per input element.
    NoGradGuard no_grad;
    for (std::size_t k = 0; k < diff_inputs.size(); ++k) {
        Tensor flat = diff_inputs[k].detach().view({-1});
        for (int64_t e = 0; e < flat.numel(); ++e) {
            Tensor cell = flat.select(0, e);
            double orig = cell.item<double>();
            cell.fill_(orig + options.eps);
            std::vector<double> plus = fn(x).to_vector<double>();
            cell.fill_(orig - options.eps);
            std::vector<double> minus = fn(x).to_vector<double>();
            cell.fill_(orig);
            for (int64_t o = 0; o < n_out; ++o) {
                double numeric = (plus[o] - minus[o]) / (2 * options.eps);
                double a = analytic[k][o][e];
                if (!(std::abs(a - numeric) <= options.atol + options.rtol * std::abs(numeric))) {
                    return fail(options, str_cat("gradcheck: Jacobian mismatch for input ", diff_index[k], " element ",
                                                 e, ", output element ", o, ": analytic ", a, ", numerical ", numeric,
                                                 " (atol ", options.atol, ", rtol ", options.rtol, ")"));
                }
            }
        }
    }
    return true;
}

bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                   const GradcheckOptions& options) {
    std::vector<Tensor> x = detached_inputs(inputs);
    Tensor y0;
    {
        NoGradGuard g;
        y0 = fn(x);
    }
    // A fixed pseudo-random weighting of the outputs (so no two output elements look alike).
    Tensor v = (arange(y0.numel(), dtype(kFloat64)).mul(0.7).add(0.3).sin()).view(y0.sizes());
    auto first_derivative = [&fn, v](const std::vector<Tensor>& xs) {
        EnableGradGuard enable;  // gradcheck evaluates the numerical side under NoGradGuard
        Tensor y = fn(xs);
        std::vector<Tensor> diff;
        for (const Tensor& t : xs)
            if (t.requires_grad()) diff.push_back(t);
        auto g = grad({y}, diff, {v}, true, true, true);
        std::vector<Tensor> flat;
        for (std::size_t i = 0; i < g.size(); ++i)
            flat.push_back(g[i].defined() ? g[i].reshape({-1}) : zeros({diff[i].numel()}, dtype(kFloat64)));
        return cat(flat, 0);
    };
    return gradcheck(first_derivative, x, options);
}

}  // namespace ember::autograd
