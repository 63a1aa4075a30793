#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU, CUDA 13 and no network:
#   scripts/gpu_check.sh OUTDIR [--quick]
# 1. configures ember with its CUDA backend for the GPU it finds (nvidia-smi's compute capability,
#    else EMBER_CUDA_ARCHITECTURES' default) and builds the test suite and the GPU benchmark;
# 2. runs the CUDA tests with EMBER_REQUIRE_CUDA=1 (a missing GPU fails instead of skipping): the
#    CPU-vs-CUDA parity table (every op forward and backward, broadcast and non-contiguous inputs),
#    the kernels' special paths, and nn training on the GPU;
# 3. runs the GPU benchmarks, ember (build-gpu/benchmarks/gpu_bench) and PyTorch
#    (benchmarks/gpu_bench_torch.py, when python3 can import torch with CUDA), and compares them:
#    RBM CD-1 epoch (60000 x 784, 500 hidden, batch 100), MLP 784-1024-1024-10 step (batch 128),
#    float32 matmul 4096 (TF32 off and on), per-op overhead of 1-element ops recorded for autograd;
# 4. runs every test (ctest, EMBER_REQUIRE_CUDA=1);
# 5. builds the rest (examples) and runs the DBN demo on the GPU (--quick: 1 pretraining and 2
#    fine-tuning epochs);
# and writes logs, gpu_bench_{ember,torch}.json, gpu_bench.json (the comparison) and
# summary.json to OUTDIR. The steps most worth a short device lease come first, and each step after
# the build has its own time limit, so summary.json is written even when one hangs. --quick
# shortens the benchmarks (fewer repetitions, a 6000-example RBM epoch) and the demo.
#
# Build dependencies: CMake, Ninja, a C++20 compiler, nvcc, OpenMP, and Catch2 2, nlohmann_json,
# libpng and zlib. A machine that lacks the last four can be given them as a prefix that travels
# with the tree: scripts/gpu_deps.sh gathers them from a Debian 12 machine into .deps/prefix
# (ignored), which this script puts first on CMAKE_PREFIX_PATH when it exists.
set -uo pipefail

out="${1:-${OUT:-gpu_check_out}}"
quick=()
[[ "${2:-}" == "--quick" ]] && quick=(--quick)
mkdir -p "$out"
out="$(cd "$out" && pwd)"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
start=$SECONDS
status=()
jobs=$(nproc)
# Time limits per step in seconds (override through the environment).
t_tests_cuda=${GPU_CHECK_T_TESTS_CUDA:-300}
t_bench=${GPU_CHECK_T_BENCH:-240}
t_tests=${GPU_CHECK_T_TESTS:-300}
t_demo=${GPU_CHECK_T_DEMO:-240}

log() { echo "gpu_check [$((SECONDS - start)) s] $*"; }
write_summary() {
    local joined
    joined=$(IFS=,; echo "${status[*]}")
    echo "{$joined, \"seconds\": $((SECONDS - start))}" > "$out/summary.json"
}

{
    nvidia-smi
    nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total,clocks.max.sm --format=csv
    nvcc --version
    c++ --version
    cmake --version
    python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'
} > "$out/machine.txt" 2>&1
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
extra=(-DEMBER_LIBTORCH_TESTS=OFF -DEMBER_BENCH_TORCH=OFF)
[[ "$arch" =~ ^[0-9]+$ ]] && extra+=("-DEMBER_CUDA_ARCHITECTURES=$arch")
[[ -d .deps/prefix ]] && extra+=("-DCMAKE_PREFIX_PATH=$root/.deps/prefix")
status+=("\"cuda_arch\": \"${arch:-default}\"")

# The test suite and the GPU benchmark are required; everything else (examples) is built later and
# may fail on its own without hiding the test results.
log "configure and build (${jobs} jobs, architectures ${arch:-default})"
if cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_CUDA=ON -DEMBER_BUILD_BENCHMARKS=ON \
        "${extra[@]}" > "$out/configure.log" 2>&1 &&
    cmake --build build-gpu -j"$jobs" --target ember_tests gpu_bench > "$out/build.log" 2>&1; then
    status+=("\"build\": \"ok\"")
else
    status+=("\"build\": \"failed\"")
    write_summary
    tail -40 "$out/configure.log" "$out/build.log"
    exit 1
fi
mkdir -p build-gpu/tests/data

# The CUDA tests first, on their own log (the parity table names each failing op and layout).
log "CUDA tests"
if EMBER_REQUIRE_CUDA=1 OMP_NUM_THREADS=4 timeout "$t_tests_cuda" build-gpu/tests/ember_tests "[cuda]" \
        > "$out/tests_cuda.log" 2>&1; then
    status+=("\"tests_cuda\": \"ok\"")
else
    status+=("\"tests_cuda\": \"failed (exit $?)\"")
fi
tail -3 "$out/tests_cuda.log"
write_summary

# GPU benchmarks: ember, then PyTorch, then the comparison.
log "benchmarks"
if EMBER_REQUIRE_CUDA=1 timeout "$t_bench" build-gpu/benchmarks/gpu_bench "$out/gpu_bench_ember.json" "${quick[@]}" \
        > "$out/gpu_bench_ember.log" 2>&1; then
    status+=("\"bench_ember\": \"ok\"")
else
    status+=("\"bench_ember\": \"failed (exit $?)\"")
fi
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" > "$out/torch_check.log" 2>&1; then
    if timeout "$t_bench" python3 benchmarks/gpu_bench_torch.py "$out/gpu_bench_torch.json" "${quick[@]}" \
            > "$out/gpu_bench_torch.log" 2>&1; then
        status+=("\"bench_torch\": \"ok\"")
    else
        status+=("\"bench_torch\": \"failed (exit $?)\"")
    fi
else
    status+=("\"bench_torch\": \"unavailable (python3 cannot import torch with CUDA)\"")
fi
python3 benchmarks/gpu_bench_torch.py --compare "$out/gpu_bench_ember.json" "$out/gpu_bench_torch.json" \
    "$out/gpu_bench.json" > "$out/gpu_bench.txt" 2>&1 || true
cat "$out/gpu_bench.txt"
write_summary

# Every test. Each test process gets 2 OpenMP threads (tests/CMakeLists.txt), so half the cores'
# worth of processes run at once.
log "all tests"
if EMBER_REQUIRE_CUDA=1 timeout "$t_tests" ctest --test-dir build-gpu --output-on-failure -j"$(( (jobs + 1) / 2 ))" \
        > "$out/tests.log" 2>&1; then
    status+=("\"tests\": \"ok\"")
else
    status+=("\"tests\": \"failed (exit $?)\"")
fi
tail -3 "$out/tests.log"
write_summary

# The rest of the build, then the DBN demo on the GPU (Fashion-MNIST when its files are there, else
# the demo's synthetic set). Its last line is a JSON object, kept as it is in summary.json.
log "examples and the DBN demo"
if cmake --build build-gpu -j"$jobs" > "$out/build_all.log" 2>&1; then
    status+=("\"build_all\": \"ok\"")
else
    status+=("\"build_all\": \"failed\"")
fi
dbn_args=(--device cuda --out "$out/dbn")
[[ ${#quick[@]} -gt 0 ]] && dbn_args+=(--epochs 2 --pretrain-epochs 1)
if [[ -x build-gpu/examples/dbn_fashion_mnist ]]; then
    if timeout "$t_demo" build-gpu/examples/dbn_fashion_mnist "${dbn_args[@]}" > "$out/dbn.log" 2> "$out/dbn.err"; then
        last=$(tail -1 "$out/dbn.log" | python3 -c '
import json, sys
s = sys.stdin.read().strip()
try:
    json.loads(s)
    print(s)
except ValueError:
    print(json.dumps(s))')
        status+=("\"dbn_demo\": $last")
    else
        status+=("\"dbn_demo\": \"failed (exit $?)\"")
    fi
else
    status+=("\"dbn_demo\": \"not built\"")
fi

write_summary
log "done"
cat "$out/summary.json"
