#pragma once
// ember::Half (IEEE 754 binary16) and ember::BFloat16 (the upper half of a float32), as
// c10::Half and c10::BFloat16: storage types of two bytes that convert to and from float, with
// arithmetic done in float and rounded back. The conversions are bit manipulation written once as
// EMBER_HD functions, so a CUDA kernel converts exactly as the CPU does (no cuda_fp16 intrinsics,
// whose rounding could differ): both devices give the same bits for the same float.
//
// float -> Half/BFloat16 rounds to nearest, ties to even; results beyond the largest finite value
// become infinity, tiny ones become subnormals (Half) or stay subnormal (BFloat16); infinities keep
// their sign; a NaN stays a NaN with its sign and the top bits of its payload (set to the quiet bit
// where the kept payload would be zero), so every Half and BFloat16 bit pattern survives a round
// trip through float unchanged. Half/BFloat16 -> float is exact.
#include <cstdint>
#include <cstring>
#include <ostream>

#include "ember/tensor/macros.h"

namespace ember {

namespace detail {

EMBER_HD inline uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}
EMBER_HD inline float bits_float(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

// Rounds the integer q + rem / 2^shift to nearest, ties to even (rem < 2^shift, 1 <= shift < 32).
EMBER_HD inline uint32_t round_shifted(uint32_t q, uint32_t rem, uint32_t shift) {
    const uint32_t half = 1u << (shift - 1);
    return (rem > half || (rem == half && (q & 1u))) ? q + 1 : q;
}

// float32 -> binary16 bits.
EMBER_HD inline uint16_t half_bits_from_float(float f) {
    const uint32_t x = float_bits(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t a = x & 0x7fffffffu;  // |f|
    if (a >= 0x7f800000u) {              // inf or NaN
        if (a == 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u);
        uint32_t payload = (a >> 13) & 0x3ffu;
        if (payload == 0) payload = 0x200u;  // the kept bits were all zero: a quiet NaN, not inf
        return static_cast<uint16_t>(sign | 0x7c00u | payload);
    }
    if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
    if (a >= 0x38800000u) {  // >= 2^-14: a normal half. Rebias the exponent (127 - 15 = 112).
        const uint32_t r = a - 0x38000000u;
        // A carry out of the mantissa moves into the exponent, which is the right result.
        return static_cast<uint16_t>(sign | round_shifted(r >> 13, r & 0x1fffu, 13));
    }
    if (a < 0x33000000u) return static_cast<uint16_t>(sign);  // < 2^-25: rounds to (signed) zero
    // A subnormal half: |f| / 2^-24 rounded to an integer. |f| = m 2^(e - 150), m with its
    // implicit bit, so |f| / 2^-24 = m / 2^(126 - e), a shift of 14..24 for e in 102..112.
    const uint32_t e = a >> 23;
    const uint32_t m = (a & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;
    // Rounding 0x3ff up gives 0x400, the smallest normal half: again the right encoding.
    return static_cast<uint16_t>(sign | round_shifted(m >> shift, m & ((1u << shift) - 1), shift));
}

// binary16 bits -> float32 (exact).
EMBER_HD inline float float_from_half_bits(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1fu;
    const uint32_t m = h & 0x3ffu;
    if (e == 0x1f) return bits_float(sign | 0x7f800000u | (m << 13));  // inf, NaN (payload kept)
    if (e != 0) return bits_float(sign | ((e + 112) << 23) | (m << 13));
    // Zero or subnormal: m 2^-24, exact in float (m < 2^10; the product is a normal float).
    const float v = static_cast<float>(m) * 5.9604644775390625e-08f;
    return bits_float(sign | float_bits(v));
}

// float32 -> bfloat16 bits: the upper 16 bits, rounded to nearest even on the lower 16.
EMBER_HD inline uint16_t bfloat16_bits_from_float(float f) {
    const uint32_t x = float_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) {  // NaN
        uint32_t upper = x >> 16;
        if ((upper & 0x7fu) == 0) upper |= 0x40u;  // keep it a NaN (quiet bit)
        return static_cast<uint16_t>(upper);
    }
    // Adding 0x7fff plus the lowest kept bit rounds ties to even; a carry may reach the exponent
    // (and turn the largest values into inf), which is the right result.
    return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

EMBER_HD inline float float_from_bfloat16_bits(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

}  // namespace detail

// IEEE 754 half precision (1 sign, 5 exponent, 10 mantissa bits). Converts implicitly to and from
// float; arithmetic between two Halfs computes in float and rounds back.
struct alignas(2) Half {
    uint16_t x;
    struct from_bits_t {};
    static constexpr from_bits_t from_bits() { return from_bits_t(); }

    Half() = default;
    constexpr EMBER_HD Half(uint16_t bits, from_bits_t) : x(bits) {}
    EMBER_HD Half(float value) : x(detail::half_bits_from_float(value)) {}
    EMBER_HD operator float() const { return detail::float_from_half_bits(x); }
};

// bfloat16 (1 sign, 8 exponent, 7 mantissa bits: float32's range, 3 significant digits).
struct alignas(2) BFloat16 {
    uint16_t x;
    struct from_bits_t {};
    static constexpr from_bits_t from_bits() { return from_bits_t(); }

    BFloat16() = default;
    constexpr EMBER_HD BFloat16(uint16_t bits, from_bits_t) : x(bits) {}
    EMBER_HD BFloat16(float value) : x(detail::bfloat16_bits_from_float(value)) {}
    EMBER_HD operator float() const { return detail::float_from_bfloat16_bits(x); }
};

// Arithmetic as c10 defines it: Half op Half -> Half (computed in float, rounded once); with a
// float or double operand the result is float or double; with an integer it is Half. Without these
// overloads `h + 1.0f` would be ambiguous between the conversions both ways. Comparisons need none:
// both operands convert to float.
#define EMBER_REDUCED_FLOAT_OPS(T)                                                       \
    EMBER_HD inline T operator+(T a, T b) { return T(float(a) + float(b)); }             \
    EMBER_HD inline T operator-(T a, T b) { return T(float(a) - float(b)); }             \
    EMBER_HD inline T operator*(T a, T b) { return T(float(a) * float(b)); }             \
    EMBER_HD inline T operator/(T a, T b) { return T(float(a) / float(b)); }             \
    EMBER_HD inline T operator-(T a) { return T(-float(a)); }                            \
    EMBER_HD inline T& operator+=(T& a, T b) { return a = a + b; }                       \
    EMBER_HD inline T& operator-=(T& a, T b) { return a = a - b; }                       \
    EMBER_HD inline T& operator*=(T& a, T b) { return a = a * b; }                       \
    EMBER_HD inline T& operator/=(T& a, T b) { return a = a / b; }                       \
    EMBER_HD inline float operator+(T a, float b) { return float(a) + b; }               \
    EMBER_HD inline float operator-(T a, float b) { return float(a) - b; }               \
    EMBER_HD inline float operator*(T a, float b) { return float(a) * b; }               \
    EMBER_HD inline float operator/(T a, float b) { return float(a) / b; }               \
    EMBER_HD inline float operator+(float a, T b) { return a + float(b); }               \
    EMBER_HD inline float operator-(float a, T b) { return a - float(b); }               \
    EMBER_HD inline float operator*(float a, T b) { return a * float(b); }               \
    EMBER_HD inline float operator/(float a, T b) { return a / float(b); }               \
    EMBER_HD inline double operator+(T a, double b) { return double(float(a)) + b; }     \
    EMBER_HD inline double operator-(T a, double b) { return double(float(a)) - b; }     \
    EMBER_HD inline double operator*(T a, double b) { return double(float(a)) * b; }     \
    EMBER_HD inline double operator/(T a, double b) { return double(float(a)) / b; }     \
    EMBER_HD inline double operator+(double a, T b) { return a + double(float(b)); }     \
    EMBER_HD inline double operator-(double a, T b) { return a - double(float(b)); }     \
    EMBER_HD inline double operator*(double a, T b) { return a * double(float(b)); }     \
    EMBER_HD inline double operator/(double a, T b) { return a / double(float(b)); }     \
    EMBER_HD inline T operator+(T a, int b) { return a + T(static_cast<float>(b)); }     \
    EMBER_HD inline T operator-(T a, int b) { return a - T(static_cast<float>(b)); }     \
    EMBER_HD inline T operator*(T a, int b) { return a * T(static_cast<float>(b)); }     \
    EMBER_HD inline T operator/(T a, int b) { return a / T(static_cast<float>(b)); }     \
    EMBER_HD inline T operator+(int a, T b) { return T(static_cast<float>(a)) + b; }     \
    EMBER_HD inline T operator-(int a, T b) { return T(static_cast<float>(a)) - b; }     \
    EMBER_HD inline T operator*(int a, T b) { return T(static_cast<float>(a)) * b; }     \
    EMBER_HD inline T operator/(int a, T b) { return T(static_cast<float>(a)) / b; }     \
    EMBER_HD inline T operator+(T a, int64_t b) { return a + T(static_cast<float>(b)); } \
    EMBER_HD inline T operator-(T a, int64_t b) { return a - T(static_cast<float>(b)); } \
    EMBER_HD inline T operator*(T a, int64_t b) { return a * T(static_cast<float>(b)); } \
    EMBER_HD inline T operator/(T a, int64_t b) { return a / T(static_cast<float>(b)); } \
    EMBER_HD inline T operator+(int64_t a, T b) { return T(static_cast<float>(a)) + b; } \
    EMBER_HD inline T operator-(int64_t a, T b) { return T(static_cast<float>(a)) - b; } \
    EMBER_HD inline T operator*(int64_t a, T b) { return T(static_cast<float>(a)) * b; } \
    EMBER_HD inline T operator/(int64_t a, T b) { return T(static_cast<float>(a)) / b; } \
    inline std::ostream& operator<<(std::ostream& os, T v) { return os << float(v); }

EMBER_REDUCED_FLOAT_OPS(Half)
EMBER_REDUCED_FLOAT_OPS(BFloat16)
#undef EMBER_REDUCED_FLOAT_OPS

}  // namespace ember
