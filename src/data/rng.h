#pragma once
// A tiny deterministic generator for the data layer (shuffling, synthetic data sets).
//
// Why not <random>? std::uniform_int_distribution, std::normal_distribution and std::shuffle are
// implementation-defined algorithms: the same seed gives different data on libstdc++ and libc++.
// A data set or an epoch order that is "deterministic from the seed" must not depend on that.
// Why not the global Philox stream (ember::manual_seed)? Loading data must not consume or disturb
// the model's random numbers, and each epoch's order must be a function of (seed, epoch) alone.
#include <cmath>
#include <cstdint>

namespace ember::data::detail {

// SplitMix64 (Steele, Lea, Flood 2014): passes BigCrush, one 64-bit state, trivially seedable.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    // Streams for different (seed, stream) pairs, e.g. (seed, epoch), start far apart.
    SplitMix64(uint64_t seed, uint64_t stream) : state_(seed) { state_ = next() ^ (stream * 0xD1B54A32D192ED03ull); }

    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject).
    uint64_t below(uint64_t n) {
        __uint128_t m = static_cast<__uint128_t>(next()) * n;
        uint64_t low = static_cast<uint64_t>(m);
        if (low < n) {
            uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<__uint128_t>(next()) * n;
                low = static_cast<uint64_t>(m);
            }
        }
        return static_cast<uint64_t>(m >> 64);
    }
    // Standard normal (Box-Muller; one value per call, the second is dropped for simplicity).
    double normal() {
        double u1 = 1.0 - uniform();  // (0, 1]: log is finite
        double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    uint64_t state_;
};

}  // namespace ember::data::detail
