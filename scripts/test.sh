#!/usr/bin/env bash
# The test suite: installs what is missing (with the test references: libtorch, clang), builds ember, its tests and examples (Release), and
# runs every test with ctest. BUILD_DIR, BUILD_TYPE and EMBER_CMAKE_ARGS (extra configure
# arguments, e.g. "-DEMBER_CUDA=OFF") change where and how it builds.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir="${BUILD_DIR:-build}"

./scripts/setup.sh test
# shellcheck disable=SC2086  # EMBER_CMAKE_ARGS is a list of words
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${EMBER_CMAKE_ARGS:-}
cmake --build "$build_dir" -j2
ctest --test-dir "$build_dir" --output-on-failure -j2
# Every path the docs cite must exist.
python3 scripts/check_doc_paths.py
