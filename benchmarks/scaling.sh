#!/usr/bin/env bash
# Data-parallel RBM::fit scaling: CD-1 epochs of a 784-500 RBM, batch 100 (the same global batch
# on both sides), 1 process x 1 thread against mpirun -np N x 1 thread. Prints each side's JSON
# line and the throughput ratio; bench_rbm_scaling.cpp says what is timed.
#
#   benchmarks/scaling.sh [--build DIR] [--ranks N] [--epochs E] [--rows R]
#
# DIR (default build-bench) must hold a build with -DEMBER_BUILD_BENCHMARKS=ON; the script builds
# only the bench_rbm_scaling target there.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-bench" RANKS=2 EPOCHS=3 ROWS=60000
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) BUILD="$2"; shift ;;
        --ranks) RANKS="$2"; shift ;;
        --epochs) EPOCHS="$2"; shift ;;
        --rows) ROWS="$2"; shift ;;
        *) echo "benchmarks/scaling.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done
if [[ ! -f "$BUILD/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_CUDA=OFF -DEMBER_BUILD_BENCHMARKS=ON \
        -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_LIBTORCH_TESTS=OFF >/dev/null
fi
ninja -C "$BUILD" bench_rbm_scaling >/dev/null
BIN="$BUILD/benchmarks/bench_rbm_scaling"

MPI_FLAGS=(--oversubscribe)
[[ $(id -u) == 0 ]] && MPI_FLAGS+=(--allow-run-as-root)
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive OMPI_MCA_btl_vader_single_copy_mechanism=none
ARGS=(--epochs "$EPOCHS" --rows "$ROWS")

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc --all) cores; commit $(git -C "$ROOT" rev-parse --short=12 HEAD)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
one=$("$BIN" "${ARGS[@]}")
echo "$one"
many=$(mpirun "${MPI_FLAGS[@]}" -np "$RANKS" "$BIN" --distributed "${ARGS[@]}")
echo "$many"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$one" "$many" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"throughput {b['world_size']} ranks / 1 rank: {b['examples_per_second'] / a['examples_per_second']:.2f}x "
      f"({a['examples_per_second']:.0f} -> {b['examples_per_second']:.0f} examples/s); "
      f"all-reduce {b['allreduce_ms_per_step']:.2f} ms per step, {100 * b['allreduce_fraction']:.1f}% of the epoch")
PY
