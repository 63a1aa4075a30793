#!/usr/bin/env bash
# Fuzzes ember's file readers (IDX, safetensors, npy) with libFuzzer:
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 60)
#
# configures and builds build-fuzz with clang (-DEMBER_BUILD_FUZZERS=ON: ASan + UBSan + coverage),
# writes the seed corpora with ember's own writers (build-fuzz/fuzz/seeds/<target>), runs each
# target for SECONDS_PER_TARGET seconds, and prints per target the number of executions. Exits
# nonzero when any target found a crash, sanitizer report, leak, foreign exception, timeout or
# out-of-memory; the input that caused it is in build-fuzz/fuzz/artifacts/<target>/ and the full
# report in build-fuzz/fuzz/logs/<target>.log. A JSON summary goes to build-fuzz/fuzz_summary.json.
#
# The corpus each target grows (build-fuzz/fuzz/corpus/<target>) is kept between runs, so
# repeated runs go deeper. EMBER_FUZZ_BUILD_DIR changes the build directory, EMBER_FUZZ_TARGETS
# the targets ("idx safetensors npy"), EMBER_FUZZ_ARGS adds libFuzzer flags. See docs/fuzzing.md.
set -euo pipefail

secs="${1:-60}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [[ "$secs" -lt 1 ]]; then
    echo "usage: $0 [SECONDS_PER_TARGET]   (a positive integer, default 60)" >&2
    exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${EMBER_FUZZ_BUILD_DIR:-build-fuzz}"
read -r -a targets <<< "${EMBER_FUZZ_TARGETS:-idx safetensors npy}"

if ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz.sh: clang++ not found; libFuzzer needs clang (Debian: apt-get install clang libclang-rt-14-dev libomp-dev)" >&2
    exit 1
fi

start=$SECONDS
echo "=== configure and build $build (clang, ASan + UBSan + libFuzzer)"
mkdir -p "$build"
if ! CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEMBER_BUILD_FUZZERS=ON \
    -DEMBER_CUDA=OFF -DEMBER_BUILD_TESTS=OFF -DEMBER_BUILD_EXAMPLES=OFF -DEMBER_BUILD_BENCHMARKS=OFF \
    > "$build/configure.log" 2>&1; then
    cat "$build/configure.log" >&2
    echo "fuzz.sh: configuring $build failed. With clang, ember needs libomp-dev (OpenMP) and" \
        "libclang-rt-14-dev (libFuzzer and the sanitizer runtimes) on Debian 12." >&2
    exit 1
fi
cmake --build "$build" -j"${EMBER_FUZZ_JOBS:-2}"
build_s=$((SECONDS - start))

work="$build/fuzz"
# Seeds are regenerated every run (they are outputs of the current writers); the grown corpus stays.
rm -rf "$work/seeds"
"$work/ember_fuzz_seeds" "$work/seeds"

# Leaks are findings; UBSan stops at the first report (the library is also built with
# -fno-sanitize-recover=all); one OpenMP thread keeps runs cheap and reproducible.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export OMP_NUM_THREADS=1
# shellcheck disable=SC2206  # EMBER_FUZZ_ARGS is a list of words
extra=(${EMBER_FUZZ_ARGS:-})

# The value of libFuzzer's "stat::NAME: VALUE" line in a log (empty when absent, e.g. after a crash).
stat() { sed -n "s/^stat::$1:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$2" | tail -n 1; }

failed=0
total_execs=0
lines=()
json_targets=()
for t in "${targets[@]}"; do
    bin="$work/ember_fuzz_$t"
    corpus="$work/corpus/$t"
    artifacts="$work/artifacts/$t"
    log="$work/logs/$t.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    # Inputs saved by earlier runs are kept; only those newer than this marker are this run's.
    touch "$artifacts/.run-start"
    dict=()
    [[ -f "fuzz/$t.dict" ]] && dict=(-dict="fuzz/$t.dict")
    echo
    echo "=== fuzz $t for $secs s (log: $log)"
    t0=$SECONDS
    set +e
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${dict[@]}" "${extra[@]}" "$corpus" "$work/seeds/$t" > "$log" 2>&1
    rc=$?
    set -e
    wall=$((SECONDS - t0))
    execs=$(stat number_of_executed_units "$log")
    per_sec=$(stat average_exec_per_sec "$log")
    new_units=$(stat new_units_added "$log")
    rss=$(stat peak_rss_mb "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
    corpus_files=$(find "$corpus" -type f | wc -l)
    mapfile -t found < <(find "$artifacts" -maxdepth 1 -type f -newer "$artifacts/.run-start" \( -name 'crash-*' \
        -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    status=ok
    if [[ $rc -ne 0 || ${#found[@]} -gt 0 ]]; then
        status=FAILED
        failed=1
        echo "fuzz $t: FINDING (exit code $rc). Last lines of $log:"
        grep -E 'ERROR|FINDING|SUMMARY|runtime error|Test unit written|deadly signal|timeout|leak' "$log" | head -n 20 || true
        if [[ ${#found[@]} -gt 0 ]]; then
            echo "saved inputs:"
            printf '  %s\n' "${found[@]}"
        fi
    fi
    total_execs=$((total_execs + ${execs:-0}))
    line=$(printf '%-12s %s: %s executions in %d s (%s exec/s), coverage %s, corpus %s files (%s new), peak RSS %s MB' \
        "$t" "$status" "${execs:-?}" "$wall" "${per_sec:-?}" "${cov:-?}" "$corpus_files" "${new_units:-?}" "${rss:-?}")
    echo "$line"
    lines+=("$line")
    artifacts_json=""
    for a in "${found[@]}"; do artifacts_json+="${artifacts_json:+, }\"$a\""; done
    json_targets+=("$(printf '    {"target": "%s", "status": "%s", "exit_code": %d, "executions": %s, "exec_per_sec": %s, "seconds": %d, "coverage": %s, "corpus_files": %d, "new_units": %s, "peak_rss_mb": %s, "artifacts": [%s], "log": "%s"}' \
        "$t" "$status" "$rc" "${execs:-null}" "${per_sec:-null}" "$wall" "${cov:-null}" "$corpus_files" "${new_units:-null}" \
        "${rss:-null}" "$artifacts_json" "$log")")
done

summary_file="$build/fuzz_summary.json"
{
    echo "{"
    echo "  \"seconds_per_target\": $secs,"
    echo "  \"ok\": $([[ $failed -eq 0 ]] && echo true || echo false),"
    echo "  \"total_executions\": $total_execs,"
    echo "  \"build_seconds\": $build_s,"
    echo "  \"wall_seconds\": $((SECONDS - start)),"
    echo "  \"compiler\": \"$(clang++ --version | head -n 1)\","
    echo "  \"targets\": ["
    for i in "${!json_targets[@]}"; do
        sep=","
        [[ $i -eq $((${#json_targets[@]} - 1)) ]] && sep=""
        echo "${json_targets[$i]}$sep"
    done
    echo "  ]"
    echo "}"
} > "$summary_file"

echo
echo "=== fuzz summary ($((SECONDS - start)) s, $secs s per target; $summary_file)"
printf '%s\n' "${lines[@]}"
if [[ $failed -ne 0 ]]; then
    echo "fuzz: FAILED: findings above (reproduce: $work/ember_fuzz_<target> <saved input>; see docs/fuzzing.md)"
    exit 1
fi
echo "fuzz: ok, $total_execs executions in all, no crash, leak, timeout or foreign exception"
