#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU, CUDA 13 and no network:
#   scripts/gpu_check.sh OUTDIR
# configures ember with its CUDA backend, builds, runs every test with the CUDA tests required
# (EMBER_REQUIRE_CUDA=1: a missing GPU fails instead of skipping), runs the DBN demo on the GPU,
# and writes logs and a summary JSON to OUTDIR.
#
# Catch2 is a Debian package; on a machine without it, put its single header at
# .deps/catch2/catch2/catch.hpp (an ignored folder to carry along) and this script points
# CMake at it. GPU benchmarks against PyTorch are not written yet (see docs/cuda.md).
set -uo pipefail

out="${1:-${OUT:-gpu_check_out}}"
mkdir -p "$out"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$SECONDS
status=()

nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
extra=()
if [[ -f .deps/catch2/catch2/catch.hpp ]]; then
    extra+=("-DCMAKE_CXX_FLAGS=-I$root/.deps/catch2")
fi

if cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_CUDA=ON "${extra[@]}" \
        > "$out/configure.log" 2>&1 &&
    cmake --build build-gpu -j"$(nproc)" > "$out/build.log" 2>&1; then
    status+=("\"build\": \"ok\"")
else
    status+=("\"build\": \"failed\"")
    echo "{${status[*]}}" > "$out/summary.json"
    tail -50 "$out/configure.log" "$out/build.log"
    exit 1
fi

if EMBER_REQUIRE_CUDA=1 ctest --test-dir build-gpu --output-on-failure -j4 > "$out/tests.log" 2>&1; then
    status+=("\"tests\": \"ok\"")
else
    status+=("\"tests\": \"failed\"")
fi
tail -3 "$out/tests.log"

if build-gpu/examples/dbn_fashion_mnist --device cuda --out "$out/dbn" > "$out/dbn.log" 2> "$out/dbn.err"; then
    status+=("\"dbn_demo\": $(tail -1 "$out/dbn.log")")
else
    status+=("\"dbn_demo\": \"failed\"")
fi

joined=$(IFS=,; echo "${status[*]}")
echo "{$joined, \"seconds\": $((SECONDS - start))}" > "$out/summary.json"
cat "$out/summary.json"
