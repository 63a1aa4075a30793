#!/usr/bin/env bash
# The demo: installs what is missing, builds ember (Release), and runs the main example.
# Extra arguments are passed to the demo program.
set -euo pipefail

DEMO_TARGET=dbn_fashion_mnist   # the executable under build/examples/ to run

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target "$DEMO_TARGET"
echo "==> build/examples/$DEMO_TARGET $*"
exec "build/examples/$DEMO_TARGET" "$@"
