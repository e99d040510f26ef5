#!/usr/bin/env bash
# Installs the Debian 12 packages ctnn needs, only those missing. Usage:
#   scripts/install-deps.sh          # build + test dependencies
#   scripts/install-deps.sh bench    # also PyTorch for fixtures and benchmarks
set -euo pipefail

packages=(g++ clang-14 cmake make ccache libxtensor-dev xtl-dev libxsimd-dev libxtensor-blas-dev
          libopenblas-dev liblapack-dev libboost-dev catch2 python3)
packages+=(zlib1g-dev)  # gzip data files
packages+=(dataset-fashion-mnist)  # the fashion_mnist example, run by `make test`
packages+=(libclang-rt-14-dev python3-numpy)  # libFuzzer for the load fuzzer; NumPy reads exported .npz
packages+=(libopenmpi-dev openmpi-bin)  # data-parallel training over MPI (ctnn::mpi) and its tests
if [[ "${1:-}" == "bench" ]]; then
    packages+=(python3-torch python3-numpy)
    packages+=(time)  # /usr/bin/time -v: the benchmarks' compile-time peak memory
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "ctnn: installing missing packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
        echo "ctnn: run as root or install them yourself: apt-get install ${missing[*]}" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
