#!/usr/bin/env bash
# Runs an mpiexec command line that must fail: passes when it ends within the time limit with a
# non-zero status and its output contains the expected text (which names the rank and, for a
# timeout, the collective). A hang is a failure.
#   expect_rank_failure.sh SECONDS "EXPECTED TEXT" mpiexec ...
set -u
limit=$1
expected=$2
shift 2
output=$(timeout --kill-after=5 "$limit" "$@" 2>&1)
status=$?
echo "$output"
if [[ $status -eq 124 || $status -eq 137 ]]; then
    echo "FAILED: the job did not end within ${limit}s (the other ranks hung)"
    exit 1
fi
if [[ $status -eq 0 ]]; then
    echo "FAILED: the job exited 0"
    exit 1
fi
if ! grep -qF "$expected" <<<"$output"; then
    echo "FAILED: the output does not contain \"$expected\""
    exit 1
fi
echo "passed: the job ended with status $status and printed \"$expected\""
