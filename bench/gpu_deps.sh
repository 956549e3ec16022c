#!/usr/bin/env bash
# Fills .gpudeps/ (ignored by git, carried to the GPU machine) with what bench/gpu_abide.sh and
# bench/gpu_run.sh unpack there: Debian 12's runtime + dev packages for niftilib, ISA-L, JSON,
# Boost.Program_options and GoogleTest (../shared/device/README.md section 2), but not Eigen (the
# GPU machine has 3.4) and, instead of libboost1.74-dev (9.5 MB), a tarball of only the Boost 1.74
# headers that program_options includes and Boost's CMake configs (0.4 MB). Small enough to carry
# next to the 61.5 MB ABIDE pack within the 64 MiB transfer.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.gpudeps/' .git/info/exclude 2>/dev/null || echo /.gpudeps/ >> .git/info/exclude
mkdir -p .gpudeps
(cd .gpudeps && apt-get download libboost-program-options1.74-dev libboost-program-options1.74.0 \
  libnifti2-dev libnifti2-2 libniftiio-dev libniftiio2 libnifticdf-dev libnifticdf2 libznz-dev libznz3 \
  libisal-dev libisal2 nlohmann-json3-dev libgtest-dev googletest)
# The header closure of the files that include <boost/program_options.hpp>.
dpkg -s libboost-program-options1.74-dev > /dev/null  # needs the headers installed here
headers=$(for f in pipeline/src/cli/run_cli.cpp pipeline/src/model_cli/model_options.cpp; do
  g++ -std=c++17 -M -Ipipeline/include -Iio/include -Ipreprocessing/include -Imodels/include \
    -isystem /usr/include/eigen3 "$f"; done | tr ' \\' '\n\n' | grep '^/usr/include/boost' | sort -u | sed 's|^/||')
lib=usr/lib/x86_64-linux-gnu/cmake
(cd / && tar -czf "$OLDPWD/.gpudeps/boost-1.74-program-options-headers.tar.gz" $headers \
  $lib/Boost-1.74.0 $lib/BoostDetectToolset-1.74.0.cmake $lib/boost_headers-1.74.0)
du -sh .gpudeps
