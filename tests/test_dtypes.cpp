// The dtypes real programs use beside float32/float64/int64/bool: uint8 (images), int32, float16
// and bfloat16. The conversions are checked against references built here from the formats'
// definitions (every finite value decoded from its fields, the nearest one found by search, ties
// to the even pattern), the arithmetic of float16/bfloat16 against float32 arithmetic rounded
// once, the integer dtypes against direct loops.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

#include "core_test_util.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
using core_test::require_throws_with;

namespace {

uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float float_of(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// A 16-bit binary format with `mant` mantissa bits and exponent bias `bias` (float16: 10, 15;
// bfloat16: 7, 127), decoded from its fields in double: the reference both conversions are
// checked against.
struct Format16 {
    int mant, bias;
    int exp_bits() const { return 15 - mant; }
    uint16_t inf() const { return static_cast<uint16_t>(((1 << exp_bits()) - 1) << mant); }
    double value(uint16_t h) const {  // finite patterns only
        const int e = (h >> mant) & ((1 << exp_bits()) - 1);
        const int m = h & ((1 << mant) - 1);
        const double v = e == 0 ? std::ldexp(m, 1 - bias - mant) : std::ldexp((1 << mant) + m, e - bias - mant);
        return (h & 0x8000) ? -v : v;
    }
    // The positive finite values in pattern order (which is increasing order).
    std::vector<double> table() const {
        std::vector<double> t;
        for (uint32_t h = 0; h < inf(); ++h) t.push_back(value(static_cast<uint16_t>(h)));
        return t;
    }
    // The nearest pattern to a finite x, ties to the even pattern; beyond the largest finite value
    // by half an ulp or more: infinity (IEEE round to nearest).
    uint16_t nearest(const std::vector<double>& t, double x) const {
        const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
        const double a = std::fabs(x);
        const double max = t.back(), next = std::ldexp(1.0, (1 << exp_bits()) - 1 - bias);  // the would-be next
        if (a >= (max + next) / 2) return sign | inf();
        auto it = std::upper_bound(t.begin(), t.end(), a);  // first value > a
        const uint16_t hi = static_cast<uint16_t>(it - t.begin());
        if (hi == 0) return sign;
        const uint16_t lo = hi - 1;
        if (hi == t.size()) return sign | lo;
        const double dl = a - t[lo], dh = t[hi] - a;
        if (dl < dh) return sign | lo;
        if (dh < dl) return sign | hi;
        return sign | ((lo & 1) ? hi : lo);
    }
};
const Format16 kHalfFmt{10, 15};
const Format16 kBf16Fmt{7, 127};

// Floats to convert: edge cases, random bit patterns, and random values spread over the
// exponents the 16-bit formats reach (with their neighbours' midpoints).
std::vector<float> test_floats(const std::vector<double>& half_table) {
    std::vector<float> v = {0.0f,
                            -0.0f,
                            1.0f,
                            -1.0f,
                            65504.0f,
                            65519.996f,
                            65520.0f,
                            -65520.0f,
                            65536.0f,
                            1e-8f,
                            5.9604645e-08f,
                            2.9802322e-08f,
                            2.9802326e-08f,
                            6.1035156e-05f,
                            6.1035152e-05f,
                            3.4028235e38f,
                            -3.4028235e38f,
                            1.1754944e-38f,
                            1e-45f,
                            float_of(0x00018000u),
                            float_of(0x3f808000u),
                            float_of(0x3f818000u),
                            float_of(0x7f7f8000u),
                            float_of(0x7f7f7fffu)};
    // Every midpoint between neighbouring float16 values (exactly representable in float32: 12
    // significant bits), and the floats just beside it.
    for (std::size_t i = 0; i + 1 < half_table.size(); i += 7) {
        const float mid = static_cast<float>((half_table[i] + half_table[i + 1]) / 2);
        for (float f : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
            v.push_back(f);
            v.push_back(-f);
        }
    }
    std::mt19937 rng(20261204);
    for (int i = 0; i < 100000; ++i) {
        const float f = float_of(static_cast<uint32_t>(rng()));
        if (std::isfinite(f)) v.push_back(f);
    }
    std::uniform_int_distribution<int> ex(-30, 17);
    std::uniform_real_distribution<float> m(1.0f, 2.0f);
    for (int i = 0; i < 100000; ++i) v.push_back(std::ldexp(m(rng), ex(rng)) * (i % 2 ? -1.0f : 1.0f));
    return v;
}

template <typename T>
uint16_t raw(T v) {
    return v.x;
}

}  // namespace

TEST_CASE("float16: every bit pattern decodes to its value and survives the round trip", "[dtype][half]") {
    int nans = 0;
    for (uint32_t h = 0; h < 65536; ++h) {
        const Half x(static_cast<uint16_t>(h), Half::from_bits());
        const float f = x;
        const uint32_t e = (h >> 10) & 0x1f;
        if (e == 0x1f && (h & 0x3ff)) {
            REQUIRE(std::isnan(f));
            ++nans;
        } else if (e == 0x1f) {
            REQUIRE(std::isinf(f));
            REQUIRE(std::signbit(f) == bool(h & 0x8000));
        } else {
            REQUIRE(static_cast<double>(f) == kHalfFmt.value(static_cast<uint16_t>(h)));
        }
        REQUIRE(raw(Half(f)) == h);  // exact, NaN payloads included
    }
    CHECK(nans == 2 * 1023);
}

TEST_CASE("bfloat16: every bit pattern decodes to its value and survives the round trip", "[dtype][half]") {
    for (uint32_t b = 0; b < 65536; ++b) {
        const BFloat16 x(static_cast<uint16_t>(b), BFloat16::from_bits());
        const float f = x;
        const uint32_t e = (b >> 7) & 0xff;
        if (e == 0xff && (b & 0x7f))
            REQUIRE(std::isnan(f));
        else if (e == 0xff)
            REQUIRE(std::isinf(f));
        else
            REQUIRE(static_cast<double>(f) == kBf16Fmt.value(static_cast<uint16_t>(b)));
        REQUIRE(raw(BFloat16(f)) == b);
    }
}

TEST_CASE("float -> float16 and bfloat16 round to nearest even: hand-computed cases", "[dtype][half]") {
    // float16: ulp 2^-10 at 1. 1 + 2^-11 is the midpoint of 1 and 1 + 2^-10: even (1) wins;
    // 1 + 3 2^-11 lies between 1 + 2^-10 (odd) and 1 + 2^-9 (even): up.
    CHECK(raw(Half(1.0f + std::ldexp(1.0f, -11))) == 0x3c00);
    CHECK(raw(Half(1.0f + 3 * std::ldexp(1.0f, -11))) == 0x3c02);
    CHECK(raw(Half(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f))) == 0x3c01);
    CHECK(raw(Half(65504.0f)) == 0x7bff);                        // the largest finite
    CHECK(raw(Half(std::nextafter(65520.0f, 0.0f))) == 0x7bff);  // below the midpoint to 2^16
    CHECK(raw(Half(65520.0f)) == 0x7c00);                        // the midpoint: to inf (even)
    CHECK(raw(Half(-1e10f)) == 0xfc00);
    CHECK(raw(Half(std::ldexp(1.0f, -24))) == 0x0001);   // the smallest subnormal
    CHECK(raw(Half(std::ldexp(1.0f, -25))) == 0x0000);   // half of it: ties to 0
    CHECK(raw(Half(-std::ldexp(1.0f, -25))) == 0x8000);  // -0
    CHECK(raw(Half(std::ldexp(1.5f, -25))) == 0x0001);
    CHECK(raw(Half(std::ldexp(3.0f, -25))) == 0x0002);                          // 1.5 subnormal ulps: to 2
    CHECK(raw(Half(std::ldexp(5.0f, -25))) == 0x0002);                          // 2.5 ulps: to 2
    CHECK(raw(Half(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25))) == 0x0400);  // to the smallest normal
    CHECK(raw(Half(std::numeric_limits<float>::infinity())) == 0x7c00);
    CHECK(std::isnan(float(Half(std::nanf("")))));
    // bfloat16: the upper half of the float; the lower 16 bits decide, 0x8000 is a tie.
    CHECK(raw(BFloat16(float_of(0x3f808000u))) == 0x3f80);  // tie, even stays
    CHECK(raw(BFloat16(float_of(0x3f818000u))) == 0x3f82);  // tie, odd rounds up
    CHECK(raw(BFloat16(float_of(0x3f808001u))) == 0x3f81);
    CHECK(raw(BFloat16(float_of(0x3f807fffu))) == 0x3f80);
    CHECK(raw(BFloat16(float_of(0x7f7fffffu))) == 0x7f80);  // the largest float: to inf
    CHECK(raw(BFloat16(float_of(0x7f7f7fffu))) == 0x7f7f);
    CHECK(raw(BFloat16(float_of(0x00018000u))) == 0x0002);      // subnormal tie, odd: up
    CHECK(raw(BFloat16(float_of(0x80008000u))) == 0x8000);      // subnormal tie, even: -0
    CHECK(std::isnan(float(BFloat16(float_of(0x7f800001u)))));  // a NaN whose payload is all in the low bits
}

TEST_CASE("float -> float16 and bfloat16 agree with the nearest-value search on many floats", "[dtype][half]") {
    const std::vector<double> ht = kHalfFmt.table(), bt = kBf16Fmt.table();
    const std::vector<float> floats = test_floats(ht);
    std::size_t bad_h = 0, bad_b = 0;
    for (float f : floats) {
        if (raw(Half(f)) != kHalfFmt.nearest(ht, f)) ++bad_h;
        if (raw(BFloat16(f)) != kBf16Fmt.nearest(bt, f)) ++bad_b;
    }
    CHECK(floats.size() > 200000);
    CHECK(bad_h == 0);
    CHECK(bad_b == 0);
}

TEST_CASE("dtype table: names, sizes, categories and libtorch's promotion", "[dtype]") {
    CHECK(element_size(kUInt8) == 1);
    CHECK(element_size(kInt32) == 4);
    CHECK(element_size(kHalf) == 2);
    CHECK(element_size(kBFloat16) == 2);
    CHECK(kByte == kUInt8);
    CHECK(kInt == kInt32);
    CHECK(kHalf == kFloat16);
    CHECK(is_floating(kHalf));
    CHECK(is_floating(kBFloat16));
    CHECK_FALSE(is_floating(kUInt8));
    CHECK(dtype_of<uint8_t>::value == kUInt8);
    CHECK(dtype_of<int32_t>::value == kInt32);
    CHECK(dtype_of<Half>::value == kHalf);
    CHECK(dtype_of<BFloat16>::value == kBFloat16);
    CHECK(std::string(dtype_name(kBFloat16)) == "bfloat16");
    // operator<< prints libtorch's names.
    std::ostringstream os;
    for (ScalarType t : {kFloat, kDouble, kLong, kHalf, kBFloat16, kByte, kInt, kBool}) os << t << ' ';
    CHECK(os.str() == "Float Double Long Half BFloat16 Byte Int Bool ");
    // Promotion (the full table against libtorch is the differential test's).
    CHECK(promote_types(kUInt8, kInt32) == kInt32);
    CHECK(promote_types(kBool, kUInt8) == kUInt8);
    CHECK(promote_types(kInt32, kInt64) == kInt64);
    CHECK(promote_types(kInt64, kHalf) == kHalf);
    CHECK(promote_types(kHalf, kBFloat16) == kFloat32);
    CHECK(promote_types(kBFloat16, kHalf) == kFloat32);
    CHECK(promote_types(kHalf, kFloat32) == kFloat32);
    CHECK(promote_types(kBFloat16, kFloat64) == kFloat64);
    CHECK(promote_types(kUInt8, kBFloat16) == kBFloat16);
    for (int a = 0; a < kNumDtypes; ++a)
        for (int b = 0; b < kNumDtypes; ++b)
            CHECK(promote_types(ScalarType(a), ScalarType(b)) == promote_types(ScalarType(b), ScalarType(a)));
}

TEST_CASE("to(dtype) between every pair of dtypes", "[dtype]") {
    const std::vector<double> vals = {0, 1, 2, 3, 100, 7};  // exact in every dtype (bool: nonzero -> 1)
    for (int a = 0; a < kNumDtypes; ++a) {
        for (int b = 0; b < kNumDtypes; ++b) {
            const ScalarType ta = ScalarType(a), tb = ScalarType(b);
            INFO(dtype_name(ta) << " -> " << dtype_name(tb));
            Tensor x = tensor(vals, dtype(ta));
            Tensor y = x.to(tb);
            REQUIRE(y.dtype() == tb);
            const std::vector<double> got = y.to_vector<double>();
            for (std::size_t i = 0; i < vals.size(); ++i) {
                double want = vals[i];
                if (ta == kBool || tb == kBool) want = vals[i] != 0;
                CHECK(got[i] == want);
            }
        }
    }
    // float -> half rounds as the scalar conversion does; strided sources too.
    Tensor f = tensor({0.1, 1e-6, 70000.0, -2.5}).t();
    Tensor h = f.to(kHalf);
    const std::vector<Half> hv = h.to_vector<Half>();
    const std::vector<float> fv = f.to_vector<float>();
    for (std::size_t i = 0; i < fv.size(); ++i) CHECK(raw(hv[i]) == raw(Half(fv[i])));
    CHECK(std::isinf(float(hv[2])));
    Tensor m = arange(12, dtype(kFloat32)).view({3, 4}).t().to(kBFloat16);
    CHECK(m.to(kFloat32).equal(arange(12, dtype(kFloat32)).view({3, 4}).t()));
}

TEST_CASE("factories and item<T> for the new dtypes", "[dtype]") {
    for (ScalarType t : {kUInt8, kInt32, kHalf, kBFloat16}) {
        INFO(dtype_name(t));
        CHECK(zeros({2, 3}, dtype(t)).dtype() == t);
        CHECK(ones({2}, dtype(t)).sum().item<double>() == 2);
        CHECK(full({2}, 5, dtype(t)).to_vector<double>() == std::vector<double>{5, 5});
        CHECK(empty({4}, dtype(t)).numel() == 4);
        CHECK(arange(5, dtype(t)).to_vector<double>() == std::vector<double>{0, 1, 2, 3, 4});
        CHECK(arange(0.0, 3.0, 1.0, dtype(t)).dtype() == t);
    }
    CHECK(full({}, 200, dtype(kUInt8)).item<uint8_t>() == 200);
    CHECK(full({}, -7, dtype(kInt32)).item<int32_t>() == -7);
    CHECK(raw(full({}, 0.1, dtype(kHalf)).item<Half>()) == raw(Half(0.1f)));
    CHECK(raw(full({}, 0.1, dtype(kBFloat16)).item<BFloat16>()) == raw(BFloat16(0.1f)));
    CHECK(full({}, 0.5, dtype(kHalf)).item<float>() == 0.5f);
    CHECK(full({}, 3, dtype(kUInt8)).item<int64_t>() == 3);
    CHECK(full({}, 3, dtype(kInt32)).item<double>() == 3);
    CHECK(full({}, 1, dtype(kHalf)).item<bool>());
    Tensor h = full({2}, 1.5, dtype(kHalf));
    CHECK(float(h.data_ptr<Half>()[1]) == 1.5f);
}

TEST_CASE("from_blob over uint8 image bytes, then float division", "[dtype]") {
    std::vector<uint8_t> pixels = {0, 1, 127, 128, 200, 255};
    Tensor img = from_blob(pixels.data(), {2, 3}, dtype(kUInt8));
    CHECK(img.dtype() == kUInt8);
    CHECK(img.data_ptr<uint8_t>() == pixels.data());
    Tensor x = img.to(kFloat32) / 255.0;
    Tensor y = img / 255.0;  // true division of an integer tensor: float32, as in PyTorch
    CHECK(y.dtype() == kFloat32);
    const std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>();
    for (std::size_t i = 0; i < pixels.size(); ++i) {
        CHECK(xv[i] == static_cast<float>(pixels[i]) / 255.0f);
        CHECK(yv[i] == xv[i]);
    }
    CHECK(img.max().item<int64_t>() == 255);
    CHECK(img.max().dtype() == kUInt8);
    CHECK(img.sum().dtype() == kInt64);  // integers sum in int64, as in PyTorch
    CHECK(img.sum().item<int64_t>() == 711);
    std::ostringstream os;
    os << img;
    CHECK(os.str() == "tensor([[  0,   1, 127],\n        [128, 200, 255]], dtype=uint8)");
}

TEST_CASE("uint8 and int32 arithmetic, comparisons and reductions", "[dtype]") {
    Tensor a = tensor({250, 3, 7}, dtype(kUInt8)), b = tensor({10, 4, 7}, dtype(kUInt8));
    CHECK((a + b).dtype() == kUInt8);
    CHECK((a + b).to_vector<int64_t>() == std::vector<int64_t>{4, 7, 14});  // wraps modulo 256
    CHECK((a * 2).dtype() == kUInt8);                                       // an integral scalar keeps the dtype
    CHECK((a * 2).to_vector<int64_t>() == std::vector<int64_t>{244, 6, 14});
    CHECK((a * 0.5).dtype() == kFloat32);
    CHECK((a == b).to_vector<bool>() == std::vector<bool>{false, false, true});
    CHECK((a > b).to_vector<bool>() == std::vector<bool>{true, false, false});
    Tensor c = tensor({-5, 6, 40000}, dtype(kInt32));
    CHECK((c + a).dtype() == kInt32);  // uint8 + int32 -> int32
    CHECK((c + a).to_vector<int64_t>() == std::vector<int64_t>{245, 9, 40007});
    CHECK((c + tensor({1, 1, 1})).dtype() == kInt64);
    CHECK((c * c).to_vector<int64_t>() == std::vector<int64_t>{25, 36, 1600000000});
    CHECK(abs(c).to_vector<int64_t>() == std::vector<int64_t>{5, 6, 40000});
    CHECK(c.max().item<int64_t>() == 40000);
    CHECK(c.argmin().item<int64_t>() == 0);
    CHECK(c.sum().dtype() == kInt64);
    CHECK(clamp(a, 5, 100).to_vector<int64_t>() == std::vector<int64_t>{100, 5, 7});
    CHECK(clamp_min(a, 5).to_vector<int64_t>() == std::vector<int64_t>{250, 5, 7});
    CHECK(pow(c, 2).dtype() == kInt32);
    CHECK(exp(c).dtype() == kFloat32);
    CHECK(std::get<0>(max(c.view({1, 3}), 1)).dtype() == kInt32);
}

TEST_CASE("float16 and bfloat16 ops: float32 arithmetic rounded once", "[dtype][half]") {
    manual_seed(7);
    for (ScalarType t : {kHalf, kBFloat16}) {
        INFO(dtype_name(t));
        Tensor af = randn({64}), bf = randn({64}).abs() + 0.5;
        Tensor a = af.to(t), b = bf.to(t);
        Tensor A = a.to(kFloat32), B = b.to(kFloat32);  // exact
        auto same = [&](const Tensor& got, const Tensor& want_f32) {
            REQUIRE(got.dtype() == t);
            CHECK(got.equal(want_f32.to(t)));
        };
        same(a + b, A + B);
        same(a - b, A - B);
        same(a * b, A * B);
        same(a / b, A / B);
        same(a * 3.0, A * float(Half(3.0f)));
        same(exp(a), exp(A));
        same(sigmoid(a), sigmoid(A));
        same(tanh(a), tanh(A));
        same(log(b), log(B));
        same(relu(a), relu(A));
        same(a.sum(), A.sum());
        same(a.mean(), A.mean());
        same(a.max(), A.max());
        same(softmax(a.view({8, 8}), 1), softmax(A.view({8, 8}), 1));
        same(mm(a.view({8, 8}), b.view({8, 8})), mm(A.view({8, 8}), B.view({8, 8})));
        same(matmul(a.view({4, 16}), b.view({16, 4})), matmul(A.view({4, 16}), B.view({16, 4})));
        CHECK((a < b).dtype() == kBool);
        CHECK((a < b).equal(A < B));
        CHECK((a + A).dtype() == kFloat32);  // with float32: float32
        CHECK((a + a.to(kFloat64)).dtype() == kFloat64);
        Tensor i = tensor({1, 2, 3});
        CHECK((a.slice(0, 0, 3) + i).dtype() == t);  // with an integer tensor: stays
        Tensor c = a.clone();
        c.add_(b);
        same(c, A + B);
        // A float16 with a bfloat16 computes in float32.
        CHECK((a.to(kHalf) + b.to(kBFloat16)).dtype() == kFloat32);
    }
    // The product against a direct double loop (one rounding of float32 GEMM).
    Tensor x = randn({5, 7}).to(kHalf), w = randn({7, 3}).to(kHalf);
    Tensor y = mm(x, w);
    for (int64_t i = 0; i < 5; ++i)
        for (int64_t j = 0; j < 3; ++j) {
            double s = 0;
            for (int64_t k = 0; k < 7; ++k) s += x[i][k].item<double>() * w[k][j].item<double>();
            CHECK(y[i][j].item<double>() == Approx(s).epsilon(2e-3).margin(2e-3));
        }
}

TEST_CASE("autograd through float16 and bfloat16 leaves: gradients in the leaf's dtype", "[dtype][half]") {
    for (ScalarType t : {kHalf, kBFloat16}) {
        INFO(dtype_name(t));
        Tensor x = tensor({0.5, -1.25, 2.0, 3.0}, dtype(t)).requires_grad_(true);
        Tensor w = tensor({{1.0, 2.0}, {0.5, -1.0}, {0.25, 0.0}, {1.0, 1.0}}, dtype(t)).requires_grad_(true);
        Tensor loss = (mm(x.view({1, 4}), w).sigmoid().sum() + (x * x).sum());
        CHECK(loss.dtype() == t);
        loss.backward();
        REQUIRE(x.grad().defined());
        CHECK(x.grad().dtype() == t);
        CHECK(w.grad().dtype() == t);
        // Reference: the same graph in float64 from the same values.
        Tensor xd = x.detach().to(kFloat64).requires_grad_(true), wd = w.detach().to(kFloat64).requires_grad_(true);
        (mm(xd.view({1, 4}), wd).sigmoid().sum() + (xd * xd).sum()).backward();
        const double tol = t == kHalf ? 4e-3 : 3e-2;
        CHECK(allclose(x.grad().to(kFloat64), xd.grad(), tol, tol));
        CHECK(allclose(w.grad().to(kFloat64), wd.grad(), tol, tol));
    }
    // max over a dim and index_select backward accumulate through scatter_add/index_add.
    Tensor m = tensor({{1.0, 5.0}, {4.0, 2.0}}, dtype(kHalf)).requires_grad_(true);
    std::get<0>(max(m, 1)).sum().backward();
    CHECK(m.grad().to_vector<double>() == std::vector<double>{0, 1, 1, 0});
    Tensor e = tensor({1.0, 2.0, 3.0}, dtype(kBFloat16)).requires_grad_(true);
    e.index_select(0, tensor({0, 0, 2})).sum().backward();
    CHECK(e.grad().to_vector<double>() == std::vector<double>{2, 0, 1});
}

TEST_CASE("the new dtypes through safetensors, ember::save/load and printing", "[dtype]") {
    ember_test::ScratchDir dir("dtypes");
    std::map<std::string, Tensor> m = {
        {"u8", tensor({0, 17, 255}, dtype(kUInt8))},
        {"i32", tensor({-2147483647, 0, 5}, dtype(kInt32))},
        {"f16", tensor({0.1, -65504.0, 6e-8}, dtype(kHalf))},
        {"bf16", tensor({0.1, 3e38, -1e-39}, dtype(kBFloat16))},
    };
    save_tensors(m, dir.file("t.safetensors"));
    auto back = load_tensors(dir.file("t.safetensors"));
    for (auto& [name, t] : m) {
        INFO(name);
        REQUIRE(back.at(name).dtype() == t.dtype());
        CHECK(back.at(name).to(kFloat64).equal(t.to(kFloat64)));
    }
    // The dtype tags of the safetensors format.
    std::ifstream f(dir.file("t.safetensors"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const char* tag : {"\"U8\"", "\"I32\"", "\"F16\"", "\"BF16\""}) CHECK(bytes.find(tag) != std::string::npos);
    // float16 bytes are the Half bit patterns, little-endian.
    const uint16_t h01 = raw(Half(0.1f));
    const std::string pat{static_cast<char>(h01 & 0xff), static_cast<char>(h01 >> 8)};
    CHECK(bytes.find(pat) != std::string::npos);

    Tensor h = tensor({1.5, 2.0}, dtype(kHalf)).requires_grad_(true);
    save(h, dir.file("h.pt"));
    Tensor loaded;
    load(loaded, dir.file("h.pt"));
    CHECK(loaded.dtype() == kHalf);
    CHECK(loaded.requires_grad());
    CHECK(loaded.detach().equal(h.detach()));

    std::ostringstream os;
    os << tensor({1.5, 2.25}, dtype(kHalf)) << ' ' << tensor({1, 2}, dtype(kInt32));
    CHECK(os.str() == "tensor([1.5000, 2.2500], dtype=float16) tensor([1, 2], dtype=int32)");
}

TEST_CASE("ops that do not take a dtype say so", "[dtype][errors]") {
    Tensor h = randn({1, 1, 4, 4}).to(kHalf), w = randn({1, 1, 2, 2}).to(kHalf);
    require_throws_with<DTypeError>([&] { (void)nn::functional::conv2d(h, w); }, {"im2col", "float16"});
    require_throws_with<DTypeError>([&] { (void)h.data_ptr<float>(); }, {"data_ptr", "float16", "float32"});
    ember_test::ScratchDir dir("dtype_errors");
    require_throws_with<DTypeError>([&] { save_tensor_npy(h.to(kBFloat16), dir.file("x.npy")); },
                                    {"save_tensor_npy", "bfloat16"});
    require_throws_with<DTypeError>([&] { (void)logical_and(h, h).to(kUInt8).sub_(h); }, {"sub_", "uint8", "float16"});
}
