#!/bin/bash
# The one command for the lent H200 (../shared/device/README.md, section 3): unpack the Debian
# packages of .gpudeps/, configure with CUDA and the benchmarks, build, run the models tests, then
# the model throughput benchmark on CUDA (fp32 + bf16 autocast) and on the CPU.
#
#   run(command="bash bench/gpu_run.sh", carry=[".gpudeps"], kind="nvidia-h200")
#   run(command="EXTRA='./build-gpu/brainenc ...' bash bench/gpu_run.sh", carry=[".gpudeps"])
#
# Everything it writes goes to $OUT (8 files at most):
#   summary.txt          steps with exit codes and seconds, GPU, errors of failed steps
#   build.txt            configure + build log
#   models_tests.txt     the models GoogleTest suite (its CUDA tests run too)
#   throughput_cuda.md   benchmark table on the GPU (stdout; progress goes to summary.txt)
#   throughput_cuda.json
#   throughput_cpu.md    the same on the host CPU
#   throughput_cpu.json
#   extra.txt            output of $EXTRA, when given
# Steps run even when an earlier one fails (exit codes in summary.txt); each has a timeout and
# the whole stays under BUDGET seconds (default 540 < the 600 s per-command limit).
#
# Settings (environment): EXTRA (a shell command run last, in the repository root, with the same
# environment; $B = the build folder), EXTRA_TIMEOUT (120 s), BUDGET (540 s), JOBS (16), CUDA (ON;
# OFF to check the script on a CPU machine), WERROR (OFF: a new compiler's warning must not cost
# the run), BUILD_DIR (build-gpu), DEB_PREFIX (/opt/deb), BATCH_CUDA (64,256), BATCH_CPU (16),
# CPU_PRECISION (fp32,bf16), CPU_THREADS (all cores), BUILD_TIMEOUT (330 s), TEST_TIMEOUT (150 s),
# TARGETS (the four named above).
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-/tmp/brainenc-gpu-out}
mkdir -p "$OUT"
P=${DEB_PREFIX:-/opt/deb}
B=${BUILD_DIR:-build-gpu}
JOBS=${JOBS:-16}
BUDGET=${BUDGET:-540}
CUDA=${CUDA:-ON}
TARGETS=${TARGETS:-brainenc_models_tests brainenc_model_throughput brainenc brainenc_model_commands}
S=$OUT/summary.txt
: > "$S"
failed=0

say() { echo "$*" | tee -a "$S"; }
# step <name> <timeout s> <log file> <command...>: runs with at most the time left in BUDGET,
# records exit code and seconds, and copies the last lines of the log on failure.
step() {
  local name=$1 limit=$2 log=$3
  shift 3
  local left=$((BUDGET - SECONDS - 5))
  if [ "$left" -lt 10 ]; then
    say "SKIP  $name (budget of ${BUDGET} s used up)"
    failed=1
    return 1
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  local t0=$SECONDS
  timeout --signal=KILL "$limit" "$@" >> "$log" 2>&1
  local rc=$?
  say "$(printf '%-5s %-28s rc=%-3s %4ss (limit %ss)' "$([ $rc = 0 ] && echo ok || echo FAIL)" \
    "$name" "$rc" "$((SECONDS - t0))" "$limit")"
  if [ $rc != 0 ]; then
    failed=1
    if [ "$log" != "$S" ]; then
      { echo "--- last lines of $(basename "$log"):"; tail -n 25 "$log"; echo "---"; } >> "$S"
    fi
  fi
  return $rc
}

rev=$(git rev-parse --short HEAD 2> /dev/null) && { git diff --quiet HEAD || rev="$rev + local changes"; }
say "brainenc gpu_run.sh, $(date -u +%FT%TZ), commit ${rev:-unknown}"
if command -v nvidia-smi > /dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader \
    >> "$S" 2>&1
fi
echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)" >> "$S"

# 1. Debian packages: every .gpudeps/*.deb (nifti, znz, isal, json, gtest, Boost program_options)
#    and every .gpudeps/*.tar.gz (boost-1.74-program-options-headers.tar.gz: the Boost 1.74
#    headers program_options needs, with BoostConfig.cmake), unpacked under $P. No Eigen: the
#    machine has 3.4. Boost 1.74's config is required: the configure step looks for it
#    (find_package(Boost 1.74 CONFIG)), and brainenc_pipeline (brainenc, brainenc_model_commands)
#    compiles against the 1.74 headers, which must match the carried 1.74 library; the models
#    tests and the benchmark need no Boost header.
# shellcheck disable=SC2016
step unpack 60 "$OUT/build.txt" bash -c 'mkdir -p "$0" || exit 1
  for f in .gpudeps/*.deb; do dpkg -x "$f" "$0" || exit 1; done
  for t in .gpudeps/*.tar.gz; do [ ! -e "$t" ] || tar -xzf "$t" -C "$0" || exit 1; done' "$P" ||
  exit 1
if [ ! -f "$P/usr/lib/x86_64-linux-gnu/cmake/Boost-1.74.0/BoostConfig.cmake" ]; then
  say "FAIL  no Boost 1.74 config under $P: carry .gpudeps with libboost1.74-dev_*.deb or" \
    "boost-1.74-program-options-headers.tar.gz"
  exit 1
fi
export PATH=/usr/local/cuda/bin:$PATH TORCH_CUDA_ARCH_LIST=9.0
export LD_LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu:$P/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
TP=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2> /dev/null || true)
echo "torch cmake prefix: ${TP:-none (system LibTorch)}" >> "$S"

# 2. Configure and build. ninja -k 0: a target that fails does not stop the others.
GEN=()
command -v ninja > /dev/null && GEN=(-G Ninja)
step configure 120 "$OUT/build.txt" cmake -S . -B "$B" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DBRAINENC_WITH_CUDA="$CUDA" -DBRAINENC_BUILD_BENCH=ON -DBRAINENC_WERROR="${WERROR:-OFF}" \
  -DCMAKE_PREFIX_PATH="${TP:+$TP;}$P/usr" || exit 1
KEEP=()
[ ${#GEN[@]} -gt 0 ] && KEEP=(-- -k 0)
# shellcheck disable=SC2086
step build "${BUILD_TIMEOUT:-330}" "$OUT/build.txt" cmake --build "$B" -j "$JOBS" --target $TARGETS "${KEEP[@]}"
grep -E "warning:" "$OUT/build.txt" | sort -u | head -n 20 | sed 's/^/build warning: /' >> "$S"

# 3. Throughput on CUDA (fp32 + bf16 autocast) first: it is what this run is for.
X=$B/bench/brainenc_model_throughput
if [ ! -x "$X" ]; then
  say "SKIP  throughput (not built)"
elif [ "$CUDA" != ON ]; then
  say "SKIP  throughput_cuda (CUDA=$CUDA)"
else
  step throughput_cuda 120 "$S" sh -c "'$X' --device cuda --batch '${BATCH_CUDA:-64,256}' \
    --json '$OUT/throughput_cuda.json' > '$OUT/throughput_cuda.md'"
fi

# 4. The models tests (as ctest runs them: OMP_NUM_THREADS=2).
T=$B/tests/brainenc_models_tests
if [ -x "$T" ]; then
  step models_tests "${TEST_TIMEOUT:-150}" "$OUT/models_tests.txt" env OMP_NUM_THREADS=2 "$T" --gtest_brief=1
  grep -E "^\[  (PASSED|FAILED|SKIPPED) | ran\. \(" "$OUT/models_tests.txt" | head -n 20 >> "$S"
else
  say "SKIP  models_tests (not built)"
fi

# 5. Throughput on the host CPU.
if [ -x "$X" ]; then
  step throughput_cpu 120 "$S" sh -c "'$X' --device cpu --batch '${BATCH_CPU:-16}' \
    --threads '${CPU_THREADS:-$(nproc)}' --precision '${CPU_PRECISION:-fp32,bf16}' \
    --json '$OUT/throughput_cpu.json' > '$OUT/throughput_cpu.md'"
fi

# 6. The lead's extra step.
if [ -n "${EXTRA:-}" ]; then
  export B
  step extra "${EXTRA_TIMEOUT:-120}" "$OUT/extra.txt" bash -c "$EXTRA"
fi

say "done in ${SECONDS}s, $([ $failed = 0 ] && echo 'all steps ok' || echo 'some steps FAILED')"
exit $failed
