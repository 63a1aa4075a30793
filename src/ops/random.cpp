// Random tensors. One global Philox state (seed, offset); every call reserves the counter groups
// it will read, so the streams are reproducible after manual_seed and never overlap.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

#include "ember/ops/rng_state.h"
#include "kernels/philox.h"
#include "ops/internal.h"

namespace ember {

using namespace detail;
using random::Dist;

namespace {

struct GeneratorState {
    std::mutex mutex;
    uint64_t seed = 67280421310721ULL;  // PyTorch's default seed, so an unseeded run is reproducible too
    uint64_t offset = 0;
};
GeneratorState& generator() {
    static GeneratorState g;
    return g;
}

// Reserves the groups for n elements of distribution d; returns (seed, offset of the first group).
std::pair<uint64_t, uint64_t> reserve(Dist d, int64_t n) {
    GeneratorState& g = generator();
    std::lock_guard<std::mutex> lock(g.mutex);
    uint64_t start = g.offset;
    g.offset += random::groups_needed(d, static_cast<uint64_t>(n));
    return {g.seed, start};
}

// Random kernels write contiguous float32/float64 buffers; a non-contiguous target gets a
// temporary, and so does a float16/bfloat16 one (drawn in float32, then rounded).
template <typename Fill>
Tensor& fill_random(Tensor& t, Fill&& fill) {
    Tensor buf = is_reduced_float(t.dtype()) ? make_empty(t.sizes(), kFloat32, t.device())
                 : t.is_contiguous()         ? t
                                             : make_empty(t.sizes(), t.dtype(), t.device());
    if (t.numel() > 0) fill(buf);
    if (!buf.is_same(t)) copy_into(t, buf);
    t.storage()->bump_version();
    return t;
}

}  // namespace

void manual_seed(uint64_t seed) {
    GeneratorState& g = generator();
    std::lock_guard<std::mutex> lock(g.mutex);
    g.seed = seed;
    g.offset = 0;
}

Tensor get_rng_state() {
    GeneratorState& g = generator();
    std::lock_guard<std::mutex> lock(g.mutex);
    return tensor(std::vector<int64_t>{static_cast<int64_t>(g.seed), static_cast<int64_t>(g.offset)});
}

void set_rng_state(const Tensor& state) {
    EMBER_ENFORCE(state.defined() && state.dtype() == kInt64 && state.is_cpu() && state.numel() == 2, ValueError,
                  "set_rng_state: expected the int64 CPU tensor of 2 elements that get_rng_state() returns, got ",
                  state.defined() ? describe(state) : std::string("an undefined tensor"));
    const std::vector<int64_t> words = state.contiguous().view({2}).to_vector<int64_t>();
    GeneratorState& g = generator();
    std::lock_guard<std::mutex> lock(g.mutex);
    g.seed = static_cast<uint64_t>(words[0]);
    g.offset = static_cast<uint64_t>(words[1]);
}

Tensor& Tensor::uniform_(double from, double to) {
    check_inplace("uniform_", *this);
    check_floating("uniform_", *this);
    EMBER_ENFORCE(from <= to, ValueError, "uniform_: expected from <= to, got from=", from, " to=", to);
    return fill_random(*this, [&](Tensor& b) {
        auto [seed, off] = reserve(b.dtype() == kFloat32 ? Dist::uniform_float : Dist::uniform_double, b.numel());
        EMBER_KERNEL(b.device(), uniform_kernel, b.dtype(), b.raw_data_ptr(), b.numel(), seed, off, from, to);
    });
}

Tensor& Tensor::normal_(double mean, double std) {
    check_inplace("normal_", *this);
    check_floating("normal_", *this);
    EMBER_ENFORCE(std >= 0, ValueError, "normal_: expected std >= 0, got ", std);
    return fill_random(*this, [&](Tensor& b) {
        auto [seed, off] = reserve(b.dtype() == kFloat32 ? Dist::normal_float : Dist::normal_double, b.numel());
        EMBER_KERNEL(b.device(), normal_kernel, b.dtype(), b.raw_data_ptr(), b.numel(), seed, off, mean, std);
    });
}

Tensor& Tensor::bernoulli_(double p) {
    check_inplace("bernoulli_", *this);
    check_floating("bernoulli_", *this);
    EMBER_ENFORCE(p >= 0 && p <= 1, ValueError, "bernoulli_: expected 0 <= p <= 1, got ", p, " for ", describe(*this));
    return fill_random(*this, [&](Tensor& b) {
        auto [seed, off] = reserve(Dist::bernoulli, b.numel());
        EMBER_KERNEL(b.device(), bernoulli_kernel, b.dtype(), b.raw_data_ptr(), b.numel(), seed, off, nullptr, p);
    });
}

Tensor rand(IntArrayRef size, const TensorOptions& o) {
    Tensor t = empty(size, TensorOptions().dtype(o.dtype()).device(o.device()));
    t.uniform_(0, 1);
    return o.requires_grad() ? t.requires_grad_(true) : t;
}
Tensor randn(IntArrayRef size, const TensorOptions& o) {
    Tensor t = empty(size, TensorOptions().dtype(o.dtype()).device(o.device()));
    t.normal_(0, 1);
    return o.requires_grad() ? t.requires_grad_(true) : t;
}
Tensor rand_like(const Tensor& t) { return rand(t.sizes(), t.options()); }
Tensor randn_like(const Tensor& t) { return randn(t.sizes(), t.options()); }

Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& o) {
    EMBER_ENFORCE(low < high, ValueError, "randint: expected low < high, got low=", low, " high=", high);
    uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
    ensure_backend(o.device(), "randint");
    Tensor t = make_empty(size, kInt64, o.device());
    if (t.numel() > 0) {
        auto [seed, off] = reserve(random::randint_dist(range), t.numel());
        EMBER_KERNEL(t.device(), randint_kernel, t.raw_data_ptr(), t.numel(), seed, off, low, range);
    }
    return o.dtype() == kInt64 ? t : t.to(o.dtype());
}
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& o) { return randint(0, high, size, o); }

Tensor randperm(int64_t n, const TensorOptions& o) {
    EMBER_ENFORCE(n >= 0, ValueError, "randperm: n must be non-negative, got ", n);
    // Fisher-Yates driven by one randint draw per position (uniform on [0, i]).
    Tensor r = rand({n}, dtype(kFloat64));
    std::vector<int64_t> perm(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) perm[i] = i;
    const double* u = r.data_ptr<double>();
    for (int64_t i = n - 1; i > 0; --i) {
        int64_t j = static_cast<int64_t>(u[i] * static_cast<double>(i + 1));
        if (j > i) j = i;
        std::swap(perm[i], perm[j]);
    }
    return tensor(perm, TensorOptions().dtype(kInt64).device(o.device())).to(o.dtype());
}

Tensor bernoulli(const Tensor& p) {
    check_floating("bernoulli", p);
    // float16/bfloat16 probabilities are read as float32 and the 0/1 samples stored back.
    Tensor probs = (is_reduced_float(p.dtype()) ? p.detach().to(kFloat32) : p.detach()).contiguous();
    Tensor out = make_empty(p.sizes(), probs.dtype(), p.device());
    if (out.numel() > 0) {
        auto [seed, off] = reserve(Dist::bernoulli, out.numel());
        EMBER_KERNEL(p.device(), bernoulli_kernel, probs.dtype(), out.raw_data_ptr(), out.numel(), seed, off,
                     probs.raw_data_ptr(), 0.0);
    }
    return out.dtype() == p.dtype() ? out : out.to(p.dtype());
}
Tensor bernoulli(const Tensor& p, double scalar_p) {
    Tensor out = empty_like(p);
    return out.bernoulli_(scalar_p);
}

Tensor sigmoid_bernoulli(const Tensor& logits) {
    check_defined("sigmoid_bernoulli", logits);
    // Integer input runs the composition (sigmoid promotes it); it draws the same random numbers.
    if (!logits.is_floating_point()) return bernoulli(sigmoid(logits.detach()));
    Tensor x = (is_reduced_float(logits.dtype()) ? logits.detach().to(kFloat32) : logits.detach()).contiguous();
    Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
    if (out.numel() > 0) {
        auto [seed, off] = reserve(Dist::bernoulli, out.numel());
        EMBER_KERNEL(x.device(), sigmoid_bernoulli_kernel, x.dtype(), out.raw_data_ptr(), out.numel(), seed, off,
                     x.raw_data_ptr());
    }
    return out.dtype() == logits.dtype() ? out : out.to(logits.dtype());
}

}  // namespace ember

namespace ember {

// multinomial: the uniform numbers are drawn from the one Philox stream, always as a host float64
// tensor (rand's layout is the same on every device, so this reserves and reads exactly what a
// GPU draw would), and the samples are computed on the host from them, then moved to x's device:
// a CPU and a CUDA run of the same seed give the same samples.
//   With replacement: sample = the number of categories whose cumulative weight is <= u * total,
//     u uniform in [0, 1), i.e. the c with cdf[c - 1] <= u total < cdf[c] (inverse-CDF sampling).
//   Without: the num_samples largest keys log(u_c) / w_c, one u per category (Efraimidis and
//     Spirakis' weighted sampling without replacement: key = u^(1/w), compared through its log).
Tensor multinomial(const Tensor& x, int64_t num_samples, bool replacement) {
    const char* op = "multinomial";
    check_floating(op, x);
    EMBER_ENFORCE(x.dim() == 1 || x.dim() == 2, ShapeError, op, ": prob_dist must be 1 or 2 dim, got ", describe(x));
    const int64_t C = x.size(-1), rows = x.dim() == 2 ? x.size(0) : 1;
    EMBER_ENFORCE(C > 0, ShapeError, op, ": the number of categories cannot be zero (", describe(x), ")");
    EMBER_ENFORCE(num_samples > 0, ValueError, op, ": cannot sample num_samples = ", num_samples, " <= 0 samples (",
                  describe(x), ")");
    EMBER_ENFORCE(replacement || num_samples <= C, ValueError, op, ": cannot sample num_samples = ", num_samples,
                  " > the ", C, " categories of ", describe(x), " without replacement");
    NoGradGuard no_grad;
    Tensor w = x.detach().to(Device(kCPU)).to(kFloat64).reshape({rows, C}).contiguous();
    const double* wp = w.data_ptr<double>();
    for (int64_t r = 0; r < rows; ++r) {
        double total = 0;
        int64_t positive = 0;
        for (int64_t c = 0; c < C; ++c) {
            const double v = wp[r * C + c];
            EMBER_ENFORCE(std::isfinite(v) && v >= 0, ValueError, op,
                          ": probability tensor contains either inf, nan or element < 0 (row ", r, " category ", c,
                          " is ", v, " in ", describe(x), ")");
            total += v;
            positive += v > 0 ? 1 : 0;
        }
        EMBER_ENFORCE(total > 0, ValueError, op,
                      ": invalid multinomial distribution (sum of probabilities <= 0) in row ", r, " of ", describe(x));
        EMBER_ENFORCE(replacement || num_samples <= positive, ValueError, op,
                      ": invalid multinomial distribution (with replacement=False, not enough non-negative category "
                      "to sample): row ",
                      r, " of ", describe(x), " has ", positive,
                      " categories of positive weight for num_samples = ", num_samples);
    }
    Tensor out = make_empty({rows, num_samples}, kInt64, Device(kCPU));
    int64_t* o = out.data_ptr<int64_t>();
    if (replacement) {
        Tensor u = rand({rows, num_samples}, dtype(kFloat64));
        const double* up = u.data_ptr<double>();
        std::vector<double> cdf(static_cast<std::size_t>(C));
        for (int64_t r = 0; r < rows; ++r) {
            double acc = 0;
            int64_t last = 0;  // the last category of positive weight: a u * total that rounds up to total lands there
            for (int64_t c = 0; c < C; ++c) {
                acc += wp[r * C + c];
                cdf[static_cast<std::size_t>(c)] = acc;
                if (wp[r * C + c] > 0) last = c;
            }
            for (int64_t s = 0; s < num_samples; ++s) {
                const double target = up[r * num_samples + s] * acc;
                const int64_t c = std::upper_bound(cdf.begin(), cdf.end(), target) - cdf.begin();
                o[r * num_samples + s] = std::min(c, last);
            }
        }
    } else {
        Tensor u = rand({rows, C}, dtype(kFloat64));
        const double* up = u.data_ptr<double>();
        std::vector<std::pair<double, int64_t>> keys(static_cast<std::size_t>(C));
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t c = 0; c < C; ++c) {
                const double wc = wp[r * C + c];
                // A zero weight never comes first: the error above made sure enough weights are positive.
                const double key = wc > 0 ? std::log(up[r * C + c]) / wc : -std::numeric_limits<double>::infinity();
                keys[static_cast<std::size_t>(c)] = {key, c};
            }
            // Largest keys first; equal keys (only -inf in practice) by category, for a fixed order.
            std::partial_sort(keys.begin(), keys.begin() + num_samples, keys.end(), [](const auto& a, const auto& b) {
                return a.first > b.first || (a.first == b.first && a.second < b.second);
            });
            for (int64_t s = 0; s < num_samples; ++s) o[r * num_samples + s] = keys[static_cast<std::size_t>(s)].second;
        }
    }
    if (x.dim() == 1) out = out.reshape({num_samples});
    return out.to(x.device());
}

Tensor Tensor::multinomial(int64_t n, bool r) const { return ember::multinomial(*this, n, r); }

}  // namespace ember
