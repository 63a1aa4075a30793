// OpenBLAS's side of the GEMM workload: cblas_sgemm on the same square row-major float32 problem that
// bench_ember times through ember's kernel.   bench_openblas gemm n=N [iters=K] [threads=T]
// OpenBLAS 0.3.21 (Debian 12) does not recognise Sapphire Rapids and falls back to its SSE3
// "Prescott" kernels; benchmarks/run sets OPENBLAS_CORETYPE=SkylakeX so that its AVX-512 kernels
// are compared. The core it picked is reported in the result ("core").
#include <cblas.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench_common.h"

extern "C" {
// Declared by OpenBLAS's cblas.h; repeated here in case another cblas.h is found first.
char* openblas_get_corename(void);
char* openblas_get_config(void);
void openblas_set_num_threads(int);
}

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) != "gemm") {
        std::fprintf(stderr, "usage: bench_openblas gemm [n=N] [iters=K] [threads=T]\n");
        return 2;
    }
    bench::Args a(argc, argv, 2);
    const int threads = bench::requested_threads(a);
    openblas_set_num_threads(threads);
    bench::GemmProblem p = bench::gemm_problem(a);
    const long n = p.n, iters = p.iters;
    std::vector<float>& A = p.A;
    std::vector<float>& B = p.B;
    std::vector<float>& C = p.C;
    auto run = [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, A.data(), n, B.data(), n, 0.f, C.data(),
                    n);
    };
    run();
    bench::Result r;
    r.side = "openblas";
    r.name = "gemm_n" + std::to_string(n);
    r.unit = "GFLOP/s";
    r.higher_is_better = true;
    r.threads = threads;
    const double flops = 2.0 * n * n * n;
    for (long i = 0; i < iters; ++i) r.samples.push_back(flops / bench::time_once(run) * 1e-9);
    r.value = bench::median(r.samples);
    r.add("n", std::to_string(n)).add("core", openblas_get_corename()).add("config", openblas_get_config());
    r.print();
    return 0;
}
