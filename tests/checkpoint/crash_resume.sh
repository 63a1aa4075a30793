#!/bin/sh
# The crash test of training checkpoints (docs/checkpoints.md), for one loader kind:
#   1. an uninterrupted run writes the reference parameters;
#   2. a run checkpointing every 4 batches is SIGKILLed after batch 22, in the middle of epoch 1
#      (13 batches an epoch; its last checkpoint is after batch 20);
#   3. a resumed run is killed *while writing* its first checkpoint (a file-size limit makes the
#      kernel send SIGXFSZ half-way through the temporary file): the previous checkpoint must be
#      untouched and still load;
#   4. a resumed run goes to the end: its final parameters must equal the reference byte for byte;
#   5. a resume that does not set the generator back must NOT match (the test sees the RNG state).
# Usage: crash_resume.sh PROGRAM WORKDIR ember|torch
set -eu
prog=$1
dir=$2
loader=$3
export OMP_NUM_THREADS=1 # one thread: every reduction in the same order in every run
fail() {
    echo "crash_resume ($loader): $*" >&2
    exit 1
}
rm -rf "$dir"
mkdir -p "$dir"
ckpt=$dir/run.ckpt

"$prog" --loader "$loader" --out "$dir/reference.safetensors"

set +e
"$prog" --loader "$loader" --out "$dir/never.safetensors" --checkpoint "$ckpt" --checkpoint-every 4 --kill-at-step 22
rc=$?
set -e
[ "$rc" -eq 137 ] || fail "the run to be killed exited with $rc, expected 137 (SIGKILL)"
[ ! -e "$dir/never.safetensors" ] || fail "the killed run reached its end"
[ -s "$ckpt" ] || fail "the killed run left no checkpoint"
cp "$ckpt" "$dir/before-write.ckpt"

# ulimit -f counts 1024-byte blocks in bash and 512-byte ones in dash: either way far below the
# checkpoint's size (about 5 KiB), and above zero so the write starts.
set +e
(
    ulimit -f 2
    exec "$prog" --loader "$loader" --out "$dir/never.safetensors" --checkpoint "$ckpt" --checkpoint-every 4 --resume
)
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "the run killed while writing its checkpoint succeeded"
[ ! -e "$dir/never.safetensors" ] || fail "the run killed while writing reached its end"
ls "$ckpt".tmp-* >/dev/null 2>&1 || fail "the interrupted write left no temporary file (was it interrupted?)"
cmp -s "$ckpt" "$dir/before-write.ckpt" || fail "the interrupted write changed the previous checkpoint"

"$prog" --loader "$loader" --out "$dir/resumed.safetensors" --checkpoint "$ckpt" --checkpoint-every 4 --resume
cmp "$dir/reference.safetensors" "$dir/resumed.safetensors" ||
    fail "the resumed run's final parameters differ from the uninterrupted run's"

cp "$dir/before-write.ckpt" "$ckpt"
"$prog" --loader "$loader" --out "$dir/wrong.safetensors" --checkpoint "$ckpt" --resume --skip-rng-restore
if cmp -s "$dir/reference.safetensors" "$dir/wrong.safetensors"; then
    fail "a resume without the generator's state matched too: the test cannot see the RNG state"
fi
echo "crash_resume ($loader): the resumed run ends with the uninterrupted run's parameters, bit for bit"
