#pragma once
// EMBER_HD marks a function usable from host and device code: the arithmetic of every
// elementwise op lives in such functors so the CPU loop and the CUDA kernel share it.
#if defined(__CUDACC__)
#define EMBER_HD __host__ __device__
#else
#define EMBER_HD
#endif
