#!/usr/bin/env bash
# Installs brainenc's build and test dependencies on Debian 12 (bookworm): every library is a
# Debian package (see DESIGN in README.md). Safe to run again; installs only what is missing.
set -euo pipefail
# libopenblas0-pthread: Debian's LibTorch calls the system libblas.so.3, which is the reference
# (unoptimised) BLAS unless OpenBLAS provides it; with it, CPU training steps are ~10-50x faster.
packages=(
  build-essential cmake ninja-build ccache pkg-config
  libeigen3-dev libboost-program-options-dev nlohmann-json3-dev
  libnifti2-dev libniftiio-dev libisal-dev zlib1g-dev
  libtorch-dev
  libopenblas0-pthread
  libgtest-dev googletest
)
# The parity tests read stored nilearn outputs (../shared/reference): no Python is needed to test.
# --bench adds what bench/extract_bench.sh and the reference generators run with.
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3 python3-numpy python3-scipy python3-nibabel python3-pandas python3-sklearn
             python3-joblib isal)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
