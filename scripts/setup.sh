#!/usr/bin/env bash
# Makes sure the Debian 12 packages that ember's build, tests and demos need are installed.
# Quiet and quick when everything is there; installs what is missing when it can (as root, or
# through passwordless sudo); otherwise prints the command to run and exits 1.
#
#   ./scripts/setup.sh test                      also installs what the full test suite uses:
#                                                libtorch (differential tests), clang's libFuzzer, Graphviz
#                                                and Open MPI (the distributed tests)
#   EMBER_SETUP_OPTIONAL=1 ./scripts/setup.sh   also installs the benchmarks' references
set -euo pipefail

# Compiler, build tools, test framework, libraries, the Fashion-MNIST data set for the demos, and
# numpy (the .npy interoperability test reads and writes files with it).
required=(cmake ninja-build g++ catch2 nlohmann-json3-dev zlib1g-dev libpng-dev libcli11-dev dataset-fashion-mnist python3-numpy)
# The test suite's references: libtorch for the differential tests (built only when found),
# clang-format for the formatting check of .ci/run, clang with its libFuzzer runtime and OpenMP
# for the fuzz targets (scripts/fuzz.sh), Graphviz, whose `dot` must accept autograd's to_dot, and
# Open MPI for ember::distributed's mpi backend and its tests under mpiexec (built only when found),
# and ccache, which .ci/run's several builds of the same sources share.
testing=(libtorch-dev clang clang-format libclang-rt-14-dev libomp-dev graphviz libopenmpi-dev openmpi-bin ccache)
# The benchmarks' references (not needed to build or test): OpenBLAS, libtorch, scikit-learn.
optional=(libopenblas-dev libtorch-dev python3-sklearn)

wanted=("${required[@]}")
if [[ "${1:-}" == test ]]; then wanted+=("${testing[@]}"); fi
if [[ "${EMBER_SETUP_OPTIONAL:-0}" == 1 ]]; then wanted+=("${optional[@]}"); fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup.sh: dpkg-query not found; this script supports Debian/Ubuntu. Install by hand:" >&2
    echo "  ${wanted[*]}" >&2
    exit 1
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == installed ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "setup.sh: missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n apt-get update -qq
    sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
    echo "setup.sh: these packages are missing and I cannot install them without root:" >&2
    echo "" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    echo "" >&2
    echo "Run that line, then run this script again." >&2
    exit 1
fi
echo "setup.sh: done"
