#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU, CUDA 13 and no network:
#   scripts/gpu_check.sh OUTDIR [--quick]
# 1. configures ember with its CUDA backend (and the benchmarks), builds the test suite;
# 2. runs the CUDA tests with EMBER_REQUIRE_CUDA=1 (a missing GPU fails instead of skipping): the
#    CPU-vs-CUDA parity table (every op forward and backward, broadcast and non-contiguous inputs),
#    the kernels' special paths, and nn training on the GPU; then every other test;
# 3. runs the GPU benchmarks, ember (build-gpu/benchmarks/gpu_bench) and PyTorch
#    (benchmarks/gpu_bench_torch.py, when python3 can import torch with CUDA), and compares them:
#    RBM CD-1 epoch (60000 x 784, 500 hidden, batch 100), MLP 784-1024-1024-10 step (batch 128),
#    float32 matmul 4096 (TF32 off and on), per-op overhead of 1-element ops recorded for autograd;
# 4. runs the DBN demo on the GPU (--quick: 1 pretraining and 2 fine-tuning epochs);
# and writes logs, gpu_bench_{ember,torch}.json, gpu_bench.json (the comparison) and
# summary.json to OUTDIR. --quick shortens the benchmarks (fewer repetitions, a 6000-example RBM
# epoch) for a tight device budget.
#
# Catch2 is a Debian package; on a machine without it, put its single header at
# .deps/catch2/catch2/catch.hpp (an ignored folder to carry along) and this script points
# CMake at it.
set -uo pipefail

out="${1:-${OUT:-gpu_check_out}}"
quick=()
[[ "${2:-}" == "--quick" ]] && quick=(--quick)
mkdir -p "$out"
out="$(cd "$out" && pwd)"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
status=()
jobs=$(nproc)

nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
extra=()
if [[ -f .deps/catch2/catch2/catch.hpp ]]; then
    extra+=("-DCMAKE_CXX_FLAGS=-I$root/.deps/catch2")
fi

# The test suite is required; everything else (examples, benchmarks) is built after it and may fail
# on its own without hiding the test results.
if cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_CUDA=ON -DEMBER_BUILD_BENCHMARKS=ON \
        "${extra[@]}" > "$out/configure.log" 2>&1 &&
    cmake --build build-gpu -j"$jobs" --target ember_tests > "$out/build.log" 2>&1; then
    status+=("\"build\": \"ok\"")
else
    status+=("\"build\": \"failed\"")
    echo "{${status[*]}}" > "$out/summary.json"
    tail -50 "$out/configure.log" "$out/build.log"
    exit 1
fi
if cmake --build build-gpu -j"$jobs" > "$out/build_all.log" 2>&1; then
    status+=("\"build_all\": \"ok\"")
else
    status+=("\"build_all\": \"failed\"")
fi

# The CUDA tests first, on their own log (the parity table names each failing op and layout).
if EMBER_REQUIRE_CUDA=1 OMP_NUM_THREADS=4 build-gpu/tests/ember_tests "[cuda]" > "$out/tests_cuda.log" 2>&1; then
    status+=("\"tests_cuda\": \"ok\"")
else
    status+=("\"tests_cuda\": \"failed\"")
fi
tail -3 "$out/tests_cuda.log"
if EMBER_REQUIRE_CUDA=1 ctest --test-dir build-gpu --output-on-failure -j4 > "$out/tests.log" 2>&1; then
    status+=("\"tests\": \"ok\"")
else
    status+=("\"tests\": \"failed\"")
fi
tail -3 "$out/tests.log"

# GPU benchmarks: ember, then PyTorch, then the comparison.
if [[ -x build-gpu/benchmarks/gpu_bench ]] &&
    build-gpu/benchmarks/gpu_bench "$out/gpu_bench_ember.json" "${quick[@]}" > "$out/gpu_bench_ember.log" 2>&1; then
    status+=("\"bench_ember\": \"ok\"")
else
    status+=("\"bench_ember\": \"failed\"")
fi
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" > "$out/torch_check.log" 2>&1; then
    if python3 benchmarks/gpu_bench_torch.py "$out/gpu_bench_torch.json" "${quick[@]}" > "$out/gpu_bench_torch.log" 2>&1; then
        status+=("\"bench_torch\": \"ok\"")
    else
        status+=("\"bench_torch\": \"failed\"")
    fi
else
    status+=("\"bench_torch\": \"unavailable (python3 cannot import torch with CUDA)\"")
fi
python3 benchmarks/gpu_bench_torch.py --compare "$out/gpu_bench_ember.json" "$out/gpu_bench_torch.json" \
    "$out/gpu_bench.json" > "$out/gpu_bench.txt" 2>&1 || true
cat "$out/gpu_bench.txt"

# The DBN demo on the GPU (Fashion-MNIST when its files are there, else the demo's synthetic set).
# Its last line is a JSON object, kept as it is in summary.json.
dbn_args=(--device cuda --out "$out/dbn")
[[ ${#quick[@]} -gt 0 ]] && dbn_args+=(--epochs 2 --pretrain-epochs 1)
if [[ -x build-gpu/examples/dbn_fashion_mnist ]]; then
    if build-gpu/examples/dbn_fashion_mnist "${dbn_args[@]}" > "$out/dbn.log" 2> "$out/dbn.err"; then
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
        status+=("\"dbn_demo\": \"failed\"")
    fi
else
    status+=("\"dbn_demo\": \"not built\"")
fi

joined=$(IFS=,; echo "${status[*]}")
echo "{$joined, \"seconds\": $((SECONDS - start))}" > "$out/summary.json"
cat "$out/summary.json"
