#pragma once
// Run-time CPU feature checks shared by the kernels that pick a vector path (GEMM, vec_math).
// Each answer is computed once; on a non-x86 build both are false and the portable path runs.

// The function attributes of the vector kernels: each matches the run-time check below that
// must pass before a function carrying it is called.
#define EMBER_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define EMBER_AVX2 __attribute__((target("avx2,fma")))

namespace ember::cpu {

// AVX-512 with the F, VL, BW and DQ subsets (what the AVX-512 kernels are compiled for).
inline bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    return ok;
#else
    return false;
#endif
}

// AVX2 with FMA3.
inline bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
    static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return ok;
#else
    return false;
#endif
}

}  // namespace ember::cpu
