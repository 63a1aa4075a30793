#pragma once
// Helpers shared by the core tests (test_tensor, test_ops_*, test_gradcheck, test_autograd,
// test_errors). The references they compute never go through ember's own kernels: values are read
// straight from storage by walking sizes and strides, and expected results are computed here in
// double precision. Every test file checks its errors with require_throws_with (at the end).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "ember/ember.h"

namespace core_test {

using ember::Tensor;
using Sizes = std::vector<int64_t>;

inline int64_t numel_of(const Sizes& s) {
    int64_t n = 1;
    for (int64_t v : s) n *= v;
    return n;
}

// Reads element at raw storage position `pos` (in elements) of a tensor's dtype as double.
inline double read_raw(const Tensor& t, int64_t pos) {
    const char* base = static_cast<const char*>(t.storage()->data());
    switch (t.dtype()) {
        case ember::kFloat32: return static_cast<double>(reinterpret_cast<const float*>(base)[pos]);
        case ember::kFloat64: return reinterpret_cast<const double*>(base)[pos];
        case ember::kInt64: return static_cast<double>(reinterpret_cast<const int64_t*>(base)[pos]);
        case ember::kBool: return reinterpret_cast<const bool*>(base)[pos] ? 1.0 : 0.0;
        case ember::kUInt8: return static_cast<double>(reinterpret_cast<const uint8_t*>(base)[pos]);
        case ember::kInt32: return static_cast<double>(reinterpret_cast<const int32_t*>(base)[pos]);
        case ember::kFloat16: return static_cast<double>(float(reinterpret_cast<const ember::Half*>(base)[pos]));
        case ember::kBFloat16: return static_cast<double>(float(reinterpret_cast<const ember::BFloat16*>(base)[pos]));
    }
    return 0;
}

// All logical elements in row-major order, read by walking sizes/strides over the raw storage
// (independent of ember's copy and contiguous kernels).
inline std::vector<double> raw_values(const Tensor& t) {
    std::vector<double> out;
    const int64_t nd = t.dim();
    const int64_t n = t.numel();
    out.reserve(static_cast<std::size_t>(n));
    std::vector<int64_t> idx(static_cast<std::size_t>(nd), 0);
    for (int64_t k = 0; k < n; ++k) {
        int64_t pos = t.storage_offset();
        for (int64_t d = 0; d < nd; ++d) pos += idx[d] * t.stride(d);
        out.push_back(read_raw(t, pos));
        for (int64_t d = nd - 1; d >= 0; --d) {
            if (++idx[d] < t.size(d)) break;
            idx[d] = 0;
        }
    }
    return out;
}

inline Sizes sizes_of(const Tensor& t) { return Sizes(t.sizes().begin(), t.sizes().end()); }

// Deterministic pseudo-random values in [lo, hi) (std::mt19937, independent of ember's RNG).
inline std::vector<double> random_values(int64_t n, double lo, double hi, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

// A contiguous tensor of `shape` holding `values` (row-major).
inline Tensor make(const std::vector<double>& values, const Sizes& shape, ember::ScalarType dt = ember::kFloat64) {
    return ember::tensor(values, ember::dtype(dt)).reshape(shape).contiguous();
}

inline Tensor rand_tensor(const Sizes& shape, double lo, double hi, uint32_t seed,
                          ember::ScalarType dt = ember::kFloat64) {
    return make(random_values(numel_of(shape), lo, hi, seed), shape, dt);
}

// A tensor of logical shape `shape` with random values, in one of several memory layouts:
// "contiguous", "transposed" (last two dims stored swapped), "strided" (every second element of a
// larger buffer), "expanded" (dim 0 broadcast from size 1), "offset" (a narrow into a bigger buffer).
inline Tensor layout_tensor(const std::string& layout, const Sizes& shape, double lo, double hi, uint32_t seed,
                            ember::ScalarType dt = ember::kFloat64) {
    if (layout == "contiguous") return rand_tensor(shape, lo, hi, seed, dt);
    if (layout == "transposed") {
        if (shape.size() < 2) return rand_tensor(shape, lo, hi, seed, dt);
        Sizes s = shape;
        std::swap(s[s.size() - 1], s[s.size() - 2]);
        return rand_tensor(s, lo, hi, seed, dt).transpose(-1, -2);
    }
    if (layout == "strided") {
        if (shape.empty()) return rand_tensor(shape, lo, hi, seed, dt);
        Sizes s = shape;
        s.back() *= 2;
        return rand_tensor(s, lo, hi, seed, dt).slice(-1, 0, std::nullopt, 2);
    }
    if (layout == "expanded") {
        if (shape.empty()) return rand_tensor(shape, lo, hi, seed, dt);
        Sizes s = shape;
        s[0] = 1;
        return rand_tensor(s, lo, hi, seed, dt).expand(shape);
    }
    if (layout == "offset") {
        if (shape.empty()) return rand_tensor(shape, lo, hi, seed, dt);
        Sizes s = shape;
        s[0] += 2;
        return rand_tensor(s, lo, hi, seed, dt).narrow(0, 1, shape[0]);
    }
    FAIL("unknown layout " << layout);
    return Tensor();
}

inline const std::vector<std::string>& all_layouts() {
    static const std::vector<std::string> l = {"contiguous", "transposed", "strided", "expanded", "offset"};
    return l;
}

inline std::string shape_string(const Sizes& s) {
    std::ostringstream os;
    os << '[';
    for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
    os << ']';
    return os.str();
}

// Elementwise comparison with tolerance; reports the first mismatch with its index.
inline void require_close(const std::vector<double>& got, const std::vector<double>& want, double rtol, double atol,
                          const std::string& what = "") {
    INFO(what);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double g = got[i], w = want[i];
        bool ok;
        if (std::isnan(w))
            ok = std::isnan(g);
        else if (std::isinf(w))
            ok = g == w;
        else
            ok = std::abs(g - w) <= atol + rtol * std::abs(w);
        if (!ok) {
            INFO("element " << i << ": got " << g << ", want " << w);
            REQUIRE(ok);
        }
    }
}

// Checks shape and values of `got` (read through its strides) against a reference.
inline void require_tensor(const Tensor& got, const Sizes& shape, const std::vector<double>& want, double rtol = 1e-6,
                           double atol = 1e-9, const std::string& what = "") {
    INFO(what << " got shape " << shape_string(sizes_of(got)) << ", want " << shape_string(shape));
    REQUIRE(sizes_of(got) == shape);
    require_close(raw_values(got), want, rtol, atol, what);
}

// Row-major multi-index <-> linear index helpers for the reference loops.
inline std::vector<int64_t> unravel(int64_t k, const Sizes& s) {
    std::vector<int64_t> idx(s.size());
    for (std::size_t d = s.size(); d-- > 0;) {
        idx[d] = s[d] ? k % s[d] : 0;
        k = s[d] ? k / s[d] : 0;
    }
    return idx;
}
inline int64_t ravel(const std::vector<int64_t>& idx, const Sizes& s) {
    int64_t k = 0;
    for (std::size_t d = 0; d < s.size(); ++d) k = k * s[d] + idx[d];
    return k;
}

// NumPy broadcasting of two shapes, computed independently of ember.
inline Sizes broadcast(const Sizes& a, const Sizes& b) {
    std::size_t n = std::max(a.size(), b.size());
    Sizes out(n);
    for (std::size_t i = 0; i < n; ++i) {
        int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
        int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
        out[i] = sa == 1 ? sb : sa;
    }
    return out;
}

// The element of `values` (shape `s`) that broadcasting maps to output multi-index `out_idx`.
inline double broadcast_at(const std::vector<double>& values, const Sizes& s, const std::vector<int64_t>& out_idx) {
    const std::size_t lead = out_idx.size() - s.size();
    std::vector<int64_t> idx(s.size());
    for (std::size_t d = 0; d < s.size(); ++d) idx[d] = s[d] == 1 ? 0 : out_idx[lead + d];
    return values[static_cast<std::size_t>(ravel(idx, s))];
}

// The error contract: `f` throws exactly E (not a subclass of it: an AnomalyError where an
// AutogradError is expected fails), and its message contains every fragment in `parts`.
template <typename E, typename F>
void require_throws_with(F&& f, std::initializer_list<std::string> parts) {
    bool thrown = false;
    try {
        f();
    } catch (const E& e) {
        thrown = true;
        const std::string msg = e.what();
        INFO("message: " << msg);
        REQUIRE(typeid(e) == typeid(E));
        for (const std::string& p : parts) {
            INFO("message: " << msg);
            INFO("expected to contain: " << p);
            CHECK(msg.find(p) != std::string::npos);
        }
    } catch (const std::exception& e) {
        FAIL("wrong exception type, message: " << e.what());
    }
    REQUIRE(thrown);
}

}  // namespace core_test
