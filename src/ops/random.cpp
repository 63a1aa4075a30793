// Random tensors. One global Philox state (seed, offset); every call reserves the counter groups
// it will read, so the streams are reproducible after manual_seed and never overlap.
#include <mutex>

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
