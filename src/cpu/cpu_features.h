#pragma once
// Run-time CPU feature checks shared by the kernels that pick a vector path (GEMM, vec_math).
// Each answer is computed once; on a non-x86 build both are false and the portable path runs.
//
// The environment variable EMBER_CPU_ISA caps what the checks report, whatever the CPU has:
// "avx2" hides AVX-512, "scalar" hides AVX2 and AVX-512; unset, empty or "avx512" hides nothing
// (oneDNN's ONEDNN_MAX_CPU_ISA plays the same part). One machine can so run, and the tests
// report, the paths a smaller CPU would take. It is read once, at the first check.
#include <cstdio>
#include <cstdlib>
#include <cstring>

// The function attributes of the vector kernels: each matches the run-time check below that
// must pass before a function carrying it is called.
#define EMBER_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define EMBER_AVX2 __attribute__((target("avx2,fma")))

namespace ember::cpu {

// The widest instruction set EMBER_CPU_ISA allows.
enum class IsaCap { Avx512, Avx2, Scalar };

inline IsaCap cpu_isa_cap() {
    static const IsaCap cap = [] {
        const char* v = std::getenv("EMBER_CPU_ISA");
        if (v == nullptr || *v == '\0' || std::strcmp(v, "avx512") == 0) return IsaCap::Avx512;
        if (std::strcmp(v, "avx2") == 0) return IsaCap::Avx2;
        if (std::strcmp(v, "scalar") == 0) return IsaCap::Scalar;
        std::fprintf(stderr, "ember: ignoring EMBER_CPU_ISA=%s (expected avx512, avx2 or scalar)\n", v);
        return IsaCap::Avx512;
    }();
    return cap;
}

// What the CPU itself has, before the cap: AVX-512 with the F, VL, BW and DQ subsets (what the
// AVX-512 kernels are compiled for), and AVX2 with FMA3.
inline bool cpu_hardware_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    return ok;
#else
    return false;
#endif
}

inline bool cpu_hardware_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok;
#else
    return false;
#endif
}

// Whether the kernels may use AVX-512 (resp. AVX2 with FMA): the CPU has it and EMBER_CPU_ISA
// allows it.
inline bool cpu_has_avx512() { return cpu_hardware_has_avx512() && cpu_isa_cap() == IsaCap::Avx512; }
inline bool cpu_has_avx2() { return cpu_hardware_has_avx2() && cpu_isa_cap() != IsaCap::Scalar; }

}  // namespace ember::cpu
