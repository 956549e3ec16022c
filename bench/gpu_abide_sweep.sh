#!/bin/bash
# Several ABIDE runs side by side on one lent GPU, in one call: build the CLI + model module with
# CUDA (as bench/gpu_abide.sh), then every run of RUNS at once (the models are small and
# launch-bound: processes share the GPU well), each under its own time limit. Brings back
# $OUT/summary.txt and $OUT/results.tar.gz (each run's metrics.json, splits.json and
# split-*/{metrics.json,predictions.tsv}: enough to recompute any metric or an ensemble here).
#
#   run(command="RUNS='...' bash bench/gpu_abide_sweep.sh", carry=[".gpudeps", ".abide-pack"])
#
# RUNS: lines "name|seconds|brainenc arguments"; the ABIDE data arguments are added, and
# {splits} in the arguments becomes the splits.json of the first run (so that seeds can vary with
# the splits fixed: ensembles). A line whose arguments start with "pretrain" runs
# `brainenc pretrain`, "then:" after it chains a `train` on the same run folder's pretraining.
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-/tmp/brainenc-sweep-out}
mkdir -p "$OUT"
S=$OUT/summary.txt
R=/tmp/sweep
mkdir -p $R
: > "$S"
say() { echo "$*" | tee -a "$S"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >> "$S" 2>&1
. bench/gpu_env.sh  # sets P, B, TP; unpacks .gpudeps
t0=$SECONDS
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DBRAINENC_WITH_CUDA=ON -DBRAINENC_BUILD_TESTS=OFF \
  -DBRAINENC_WERROR=OFF ${THROUGHPUT_MODELS:+-DBRAINENC_BUILD_BENCH=ON} -DCMAKE_PREFIX_PATH="$TP;$P/usr" > $R/build.log 2>&1 &&
  cmake --build $B -j16 --target brainenc brainenc_model_commands \
    ${THROUGHPUT_MODELS:+brainenc_model_throughput} >> $R/build.log 2>&1
rc=$?
say "build rc=$rc $((SECONDS - t0))s"
[ $rc = 0 ] || { tail -n 30 $R/build.log >> "$S"; exit 1; }
python3 bench/abide_pack.py unpack .abide-pack /tmp/abide --npy >> "$S" 2>&1

SITE_TR="CALTECH=2,CMU=2,KKI=2.5,LEUVEN=1.656,MAX_MUN=3,NYU=2,OHSU=2.5,OLIN=1.5,PITT=1.5,SBL=2.2,SDSU=2,STANFORD=2,TRINITY=2,UCLA=3,UM=2,USM=2,YALE=2"
DATA="--labels /tmp/abide/phenotype_dev.csv --series-dir /tmp/abide/rois_cc200 --series-pattern {id}_rois_cc200.npy --site-tr $SITE_TR --repeats 5 --device cuda -q"
first=""
launch() {  # launch <name> <seconds> <arguments>
  local name=$1 limit=$2 args=$3 cmd=train
  local dir=$R/$name
  if [ -n "$first" ] && [[ "$args" == *"{splits}"* ]]; then
    while [ ! -f "$first" ]; do sleep 1; done
    args=${args//\{splits\}/$first}
  fi
  local then_args=""
  if [[ "$args" == pretrain* ]]; then
    cmd=pretrain
    args=${args#pretrain}
    then_args=${args#*then:}
    args=${args%%then:*}
  fi
  local start=$SECONDS
  # Each process gets a share of the cores: 16 OpenMP threads per process, several processes,
  # oversubscribe the CPU and stall every one of them (the 2026-12-06 first sweep).
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=${THREADS_PER_RUN:-4} timeout --signal=KILL "$limit" sh -c "$B/brainenc $cmd $DATA $args --out-dir $dir/$cmd > $R/$name.log 2>&1 &&
    { [ -z '$then_args' ] || $B/brainenc train $DATA $then_args --init $dir/pretrain --out-dir $dir/train >> $R/$name.log 2>&1; }"
  local rc=$?
  say "$name rc=$rc $((SECONDS - start))s"
  [ $rc = 0 ] || tail -n 5 $R/$name.log >> "$S"
}
while IFS='|' read -r name limit args; do
  [ -n "$name" ] || continue
  launch "$name" "$limit" "$args" &
  [ -n "$first" ] || { first=$R/$name/train/splits.json; [[ "$args" == pretrain* ]] && first=$R/$name/pretrain/splits.json; }
  sleep 1
done <<< "${RUNS:?RUNS is empty}"
wait
# THROUGHPUT_MODELS (e.g. fc_transformer): the throughput benchmark of those models on the then
# idle GPU, batches 64 and 256, fp32 and bf16: $OUT/throughput_cuda.{md,json}.
if [ -n "${THROUGHPUT_MODELS:-}" ]; then
  timeout 120 $B/bench/brainenc_model_throughput --device cuda --batch 64,256 \
    --models "$THROUGHPUT_MODELS" --json $OUT/throughput_cuda.json > $OUT/throughput_cuda.md 2>&1
  say "throughput rc=$? (throughput_cuda.md)"
fi
# Summaries: mean +- sd of test AUROC per finished run, and every finished split (also of runs
# cut by their limit).
python3 - "$R" >> "$S" 2>&1 <<'PY'
import json, sys, glob, os
for m in sorted(glob.glob(sys.argv[1] + "/*/train/metrics.json")):
    j = json.load(open(m)); t = j["test"]
    print(os.path.basename(os.path.dirname(os.path.dirname(m))),
          *[f"{k} {t[k]['mean']:.3f}+-{t[k]['sd'] or 0:.3f}" for k in ("auroc", "accuracy", "sensitivity", "specificity") if k in t],
          "best epochs", [s.get("best_epoch") for s in j["splits"]])
for m in sorted(glob.glob(sys.argv[1] + "/*/train/split-*/metrics.json")):
    j = json.load(open(m))
    print(m[len(sys.argv[1]) + 1:], "best epoch", j.get("best_epoch"),
          "test auroc", round(j["metrics"]["test"].get("auroc", float("nan")), 4))
for m in sorted(glob.glob(sys.argv[1] + "/*/*/split-*/log.*")):
    n = sum(1 for _ in open(m))
    print(m[len(sys.argv[1]) + 1:], n, "epochs logged")
PY
cd $R && find . \( -name metrics.json -o -name splits.json -o -name predictions.tsv -o -name '*.log' \
  -o -name 'log.jsonl' -o -name 'log.csv' \) -print0 |
  tar --null -czf "$OUT/results.tar.gz" --files-from=-
say "done in ${SECONDS}s"
