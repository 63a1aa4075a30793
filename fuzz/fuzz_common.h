#pragma once
// What every fuzz target shares: the contract check around one call of a reader.
//
// A reader given arbitrary bytes may do exactly two things: return tensors, or throw an
// ember::Error (IOError for a malformed file). Anything else is a finding that libFuzzer reports
// and saves the input of: a crash or sanitizer report (ASan, UBSan, LeakSanitizer), an exception
// of another type (it is printed, then abort()), a hang (-timeout) or a blown memory limit
// (-rss_limit_mb / -malloc_limit_mb).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <typeinfo>

#include "ember/ember.h"

namespace ember_fuzz {

[[noreturn]] inline void finding(const char* what) {
    std::fprintf(stderr, "ember fuzz: FINDING: %s\n", what);
    std::fflush(stderr);
    std::abort();
}

inline volatile unsigned sink = 0;

// A tensor a reader returned must be what the readers promise: a contiguous CPU tensor whose
// storage holds all of its bytes (read every byte, so ASan checks the allocation's size) and
// whose bools are 0 or 1.
inline void check_tensor(const ember::Tensor& t) {
    if (!t.defined()) finding("a reader returned an undefined tensor");
    if (!t.is_contiguous() || !t.is_cpu()) finding("a reader returned a non-contiguous or non-CPU tensor");
    const auto* p = static_cast<const unsigned char*>(t.raw_data_ptr());
    const int64_t n = t.nbytes();
    if (n > 0 && !p) finding("a reader returned a tensor without storage");
    unsigned acc = 0;
    for (int64_t i = 0; i < n; ++i) {
        acc |= p[i];
        if (t.dtype() == ember::kBool && p[i] > 1)
            finding("a reader returned a bool tensor with a byte other than 0/1");
    }
    sink = acc;  // keeps the loop from being optimised away
}

template <class Read>
int run_reader(const uint8_t* data, size_t size, Read read) {
    try {
        read(std::span<const uint8_t>(data, size));
    } catch (const ember::Error&) {
        // The expected way to reject a malformed input.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ember fuzz: FINDING: exception %s that is not an ember::Error: %s\n", typeid(e).name(),
                     e.what());
        std::fflush(stderr);
        std::abort();
    } catch (...) {
        finding("an exception that is not a std::exception");
    }
    return 0;
}

}  // namespace ember_fuzz
