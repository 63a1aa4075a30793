#!/usr/bin/env bash
# Gathers, from this (Debian 12) machine's packages, the build dependencies that a bare GPU machine
# without network may lack, into an ignored prefix that can travel with the working tree:
#   scripts/gpu_deps.sh [PREFIX]        (default .deps/prefix)
# Catch2 2, nlohmann_json and CLI11 (headers and CMake packages; CLI11 only for the examples), and
# the static libpng and zlib with their headers (static, so nothing has to be found at run time there).
# scripts/gpu_check.sh adds .deps/prefix to CMAKE_PREFIX_PATH when it exists; CMake searches it
# before the system's folders.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-$root/.deps/prefix}"
missing=()
for pkg in catch2 nlohmann-json3-dev libcli11-dev libpng-dev zlib1g-dev; do
    dpkg -s "$pkg" > /dev/null 2>&1 || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "gpu_deps: install ${missing[*]} first (apt-get install ${missing[*]})" >&2
    exit 1
fi
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/cmake" "$prefix/share/cmake"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
cp -r /usr/include/catch2 /usr/include/nlohmann /usr/include/CLI /usr/include/libpng16 "$prefix/include/"
cp /usr/include/png.h /usr/include/pngconf.h /usr/include/pnglibconf.h /usr/include/zlib.h /usr/include/zconf.h \
    "$prefix/include/"
cp -r /usr/lib/cmake/Catch2 "$prefix/lib/cmake/"
cp -r /usr/share/cmake/nlohmann_json /usr/share/cmake/CLI11 "$prefix/share/cmake/"
cp "/usr/lib/$multiarch/libpng16.a" "$prefix/lib/"
ln -sf libpng16.a "$prefix/lib/libpng.a"
cp "/usr/lib/$multiarch/libz.a" /usr/lib/libCatch2WithMain.a "$prefix/lib/"
du -sh "$prefix"
