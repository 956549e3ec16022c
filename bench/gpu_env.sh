# Sourced by the bench/gpu_*.sh scripts on the lent GPU machine: unpacks the carried Debian
# packages of .gpudeps (bench/gpu_deps.sh) and the Boost header subset into $P, and sets what a
# CUDA build against the machine's PyTorch LibTorch needs: PATH, TORCH_CUDA_ARCH_LIST,
# LD_LIBRARY_PATH and TP (torch's CMake prefix path).
P=${P:-/opt/deb}
B=${B:-build-gpu}
mkdir -p "$P" && for f in .gpudeps/*.deb; do dpkg -x "$f" "$P"; done
tar -xzf .gpudeps/boost-1.74-program-options-headers.tar.gz -C "$P"
export PATH=/usr/local/cuda/bin:$PATH TORCH_CUDA_ARCH_LIST=9.0
export LD_LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu:$P/usr/lib
TP=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
