// ember's float16/bfloat16 conversions, promotion table and reduced-float arithmetic against
// libtorch's, bit for bit: c10::Half / c10::BFloat16 on many random and edge floats, every
// float16 pattern decoded, Tensor::to on the same buffers, torch::promote_types over every pair
// of the dtypes ember has, and the four arithmetic operators on float16/bfloat16 tensors (libtorch
// computes those in float and rounds once, as ember does).
#include <cstring>
#include <random>

#include "diff_values.h"

namespace {

uint32_t fbits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
float bfloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

at::ScalarType torch_dtype(ember::ScalarType t) {
    switch (t) {
        case ember::kFloat32: return at::kFloat;
        case ember::kFloat64: return at::kDouble;
        case ember::kInt64: return at::kLong;
        case ember::kBool: return at::kBool;
        case ember::kUInt8: return at::kByte;
        case ember::kInt32: return at::kInt;
        case ember::kFloat16: return at::kHalf;
        case ember::kBFloat16: return at::kBFloat16;
    }
    return at::kFloat;
}

std::vector<float> floats() {
    std::vector<float> v = {0.0f,
                            -0.0f,
                            1.0f,
                            65504.0f,
                            65520.0f,
                            65519.996f,
                            5.9604645e-08f,
                            2.9802322e-08f,
                            6.1035156e-05f,
                            3.4028235e38f,
                            1e-45f,
                            1.1754944e-38f,
                            bfloat(0x3f808000u),
                            bfloat(0x3f818000u),
                            bfloat(0x7f7fffffu),
                            bfloat(0x00018000u),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::nanf("")};
    std::mt19937 rng(1913);
    for (int i = 0; i < 200000; ++i) v.push_back(bfloat(static_cast<uint32_t>(rng())));
    std::uniform_int_distribution<int> ex(-30, 17);
    std::uniform_real_distribution<float> m(1.0f, 2.0f);
    for (int i = 0; i < 200000; ++i) v.push_back(std::ldexp(m(rng), ex(rng)) * (i % 2 ? -1.0f : 1.0f));
    // Midpoints of float16 neighbours (exact ties).
    for (uint32_t h = 0; h < 0x7bff; h += 3) {
        const float a = float(c10::Half(static_cast<uint16_t>(h), c10::Half::from_bits()));
        const float b = float(c10::Half(static_cast<uint16_t>(h + 1), c10::Half::from_bits()));
        v.push_back((a + b) / 2);
    }
    return v;
}

}  // namespace

CATCH_TEST_CASE("float16/bfloat16 scalar conversions equal c10::Half/BFloat16 bit for bit", "[libtorch][dtype]") {
    const std::vector<float> v = floats();
    std::size_t bad_h = 0, bad_b = 0;
    for (float f : v) {
        const uint16_t eh = ember::Half(f).x, th = c10::Half(f).x;
        const uint16_t eb = ember::BFloat16(f).x, tb = c10::BFloat16(f).x;
        if (std::isnan(f)) {  // NaN payloads may differ (c10 returns its canonical NaN); both NaN
            bad_h += !(std::isnan(float(ember::Half(f))) && std::isnan(float(c10::Half(f))));
            bad_b += !(std::isnan(float(ember::BFloat16(f))) && std::isnan(float(c10::BFloat16(f))));
            continue;
        }
        bad_h += eh != th;
        bad_b += eb != tb;
    }
    CATCH_CHECK(bad_h == 0);
    CATCH_CHECK(bad_b == 0);
    // Decoding: every non-NaN pattern gives libtorch's float.
    std::size_t bad = 0;
    for (uint32_t h = 0; h < 65536; ++h) {
        const float e = ember::Half(static_cast<uint16_t>(h), ember::Half::from_bits());
        const float t = c10::Half(static_cast<uint16_t>(h), c10::Half::from_bits());
        const float eb = ember::BFloat16(static_cast<uint16_t>(h), ember::BFloat16::from_bits());
        const float tb = c10::BFloat16(static_cast<uint16_t>(h), c10::BFloat16::from_bits());
        if (std::isnan(t)) {
            bad += !std::isnan(e);
        } else {
            bad += fbits(e) != fbits(t);
        }
        if (std::isnan(tb))
            bad += !std::isnan(eb);
        else
            bad += fbits(eb) != fbits(tb);
    }
    CATCH_CHECK(bad == 0);
}

CATCH_TEST_CASE("Tensor::to(kHalf/kBFloat16) and back equal libtorch's on the same buffer", "[libtorch][dtype]") {
    std::vector<float> v = floats();
    v.erase(std::remove_if(v.begin(), v.end(), [](float f) { return std::isnan(f); }), v.end());
    const int64_t n = static_cast<int64_t>(v.size());
    ember::Tensor e = ember::from_blob(v.data(), {n}, ember::dtype(ember::kFloat32));
    torch::Tensor t = torch::from_blob(v.data(), {n}, at::kFloat);
    for (ember::ScalarType et : {ember::kHalf, ember::kBFloat16}) {
        CATCH_INFO(ember::dtype_name(et));
        ember::Tensor er = e.to(et);
        torch::Tensor tr = t.to(torch_dtype(et));
        CATCH_REQUIRE(std::memcmp(er.raw_data_ptr(), tr.data_ptr(), static_cast<std::size_t>(n) * 2) == 0);
        // Back to float32 and float64, and to the integer dtypes (values in range only).
        ember::Tensor ef = er.to(ember::kFloat64);
        torch::Tensor tf = tr.to(at::kDouble);
        CATCH_REQUIRE(std::memcmp(ef.raw_data_ptr(), tf.data_ptr(), static_cast<std::size_t>(n) * 8) == 0);
    }
    // float64 -> half (libtorch also rounds through float32 first).
    std::vector<double> d(v.begin(), v.end());
    for (std::size_t i = 0; i < d.size(); i += 2) d[i] *= 1.0000001;
    ember::Tensor ed = ember::from_blob(d.data(), {n}, ember::dtype(ember::kFloat64));
    torch::Tensor td = torch::from_blob(d.data(), {n}, at::kDouble);
    for (ember::ScalarType et : {ember::kHalf, ember::kBFloat16})
        CATCH_CHECK(std::memcmp(ed.to(et).raw_data_ptr(), td.to(torch_dtype(et)).data_ptr(),
                                static_cast<std::size_t>(n) * 2) == 0);
}

CATCH_TEST_CASE("promote_types over every pair of ember's dtypes equals libtorch's", "[libtorch][dtype]") {
    for (int a = 0; a < ember::kNumDtypes; ++a)
        for (int b = 0; b < ember::kNumDtypes; ++b) {
            const auto ea = ember::ScalarType(a), eb = ember::ScalarType(b);
            CATCH_INFO(ember::dtype_name(ea) << " + " << ember::dtype_name(eb));
            CATCH_CHECK(torch_dtype(ember::promote_types(ea, eb)) ==
                        torch::promote_types(torch_dtype(ea), torch_dtype(eb)));
            // And what a binary op on two tensors returns.
            ember::Tensor x = ember::ones({2}, ember::dtype(ea)), y = ember::ones({2}, ember::dtype(eb));
            torch::Tensor tx = torch::ones({2}, torch_dtype(ea)), ty = torch::ones({2}, torch_dtype(eb));
            if (ea != ember::kBool || eb != ember::kBool)
                CATCH_CHECK(torch_dtype(ember::mul(x, y).dtype()) == torch::mul(tx, ty).scalar_type());
            CATCH_CHECK(torch_dtype(ember::eq(x, y).dtype()) == torch::eq(tx, ty).scalar_type());
        }
    // Names as libtorch prints them.
    for (int a = 0; a < ember::kNumDtypes; ++a) {
        std::ostringstream eo, to;
        eo << ember::ScalarType(a);
        to << torch_dtype(ember::ScalarType(a));
        CATCH_CHECK(eo.str() == to.str());
    }
}

CATCH_TEST_CASE("float16/bfloat16 + - * / and uint8 image scaling equal libtorch's bits", "[libtorch][dtype]") {
    std::mt19937 rng(77);
    std::normal_distribution<float> nd(0.0f, 3.0f);
    const int64_t n = 4096;
    std::vector<float> a(n), b(n);
    for (int64_t i = 0; i < n; ++i) {
        a[i] = nd(rng);
        b[i] = nd(rng);
    }
    ember::Tensor ea = ember::from_blob(a.data(), {n}), eb = ember::from_blob(b.data(), {n});
    torch::Tensor ta = torch::from_blob(a.data(), {n}, at::kFloat), tb = torch::from_blob(b.data(), {n}, at::kFloat);
    for (ember::ScalarType et : {ember::kHalf, ember::kBFloat16}) {
        CATCH_INFO(ember::dtype_name(et));
        ember::Tensor x = ea.to(et), y = eb.to(et);
        torch::Tensor tx = ta.to(torch_dtype(et)), ty = tb.to(torch_dtype(et));
        auto same = [&](const ember::Tensor& e, const torch::Tensor& t) {
            CATCH_REQUIRE(torch_dtype(e.dtype()) == t.scalar_type());
            CATCH_CHECK(std::memcmp(e.contiguous().raw_data_ptr(), t.contiguous().data_ptr(),
                                    static_cast<std::size_t>(n) * 2) == 0);
        };
        same(x + y, tx + ty);
        same(x - y, tx - ty);
        same(x * y, tx * ty);
        same(x / y, tx / ty);
        // (libtorch 1.13 has no CPU relu/clamp for Half: nothing more to compare bit for bit here.)
    }
    std::vector<uint8_t> px(n);
    for (int64_t i = 0; i < n; ++i) px[i] = static_cast<uint8_t>(rng());
    ember::Tensor ei = ember::from_blob(px.data(), {n}, ember::dtype(ember::kUInt8));
    torch::Tensor ti = torch::from_blob(px.data(), {n}, at::kByte);
    ember::Tensor es = ei.to(ember::kFloat32) / 255.0;
    torch::Tensor ts = ti.to(at::kFloat) / 255.0;
    CATCH_CHECK(std::memcmp(es.raw_data_ptr(), ts.data_ptr(), static_cast<std::size_t>(n) * 4) == 0);
    CATCH_CHECK(ember::sum(ei).item<int64_t>() == torch::sum(ti).item<int64_t>());
    CATCH_CHECK(torch_dtype(ember::sum(ei).dtype()) == torch::sum(ti).scalar_type());
    CATCH_CHECK(torch_dtype((ei + ei).dtype()) == (ti + ti).scalar_type());
}
