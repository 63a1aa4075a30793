#!/usr/bin/env bash
# Runs an mpiexec command line that must fail: passes when it ends within the time limit with a
# non-zero status and its output names the failed rank ("rank 1 of"). A hang is a failure.
set -u
limit=$1
shift
output=$(timeout --kill-after=5 "$limit" "$@" 2>&1)
status=$?
echo "$output"
if [[ $status -eq 124 || $status -eq 137 ]]; then
    echo "FAILED: the job did not end within ${limit}s (the other ranks hung)"
    exit 1
fi
if [[ $status -eq 0 ]]; then
    echo "FAILED: the job exited 0 although rank 1 threw"
    exit 1
fi
if ! grep -q "rank 1 of" <<<"$output"; then
    echo "FAILED: the output does not name the failed rank"
    exit 1
fi
echo "passed: the job ended with status $status and named rank 1"
