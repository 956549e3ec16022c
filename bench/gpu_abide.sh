#!/bin/bash
# ABIDE on the lent H200 in one command: build the CLI + model module with CUDA, then the
# throughput benchmark, then FC transformer and BrainMAE (pretrain on each split's training part,
# fine-tune from it) on the 749 development-site subjects, 5 repeats of the stratified 70/10/20
# protocol (the same splits as the CPU logistic run: seed 0).
#
#   run(command="bash bench/gpu_abide.sh", carry=[".gpudeps", ".abide-pack"], timeout_s=600)
#
# .gpudeps (made by bench/gpu_deps.sh): the Debian runtime packages of ../shared/device/README.md section 2 without Eigen
# (3.4 is there) and with only the Boost 1.74 headers program_options needs
# (boost-1.74-program-options-headers.tar.gz), so that the ABIDE pack (bench/abide_pack.py,
# 61.5 MB) fits the 64 MiB transfer. Results land in $OUT.
# Settings (environment): FCT_EPOCHS (100), MAE_PRE_EPOCHS (40), MAE_FT_EPOCHS (40), the step
# limits FCT_LIMIT (170), MAE_PRE_LIMIT (150), MAE_FT_LIMIT (130) in seconds, SKIP_THROUGHPUT=1,
# MODELS ("fc_transformer brainmae"), FCT_ARGS / MAE_ARGS (extra options, e.g. for a sweep).
# The 2026-11-29 run cut BrainMAE's pretraining at 150 s in its last split: give it ~250 s (and
# skip the throughput step) when rerunning.
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-/tmp/brainenc-abide-out}
mkdir -p "$OUT"
S=$OUT/summary.txt
: > "$S"
say() { echo "$*" | tee -a "$S"; }
run_step() {  # run_step <name> <timeout> <command...>
  local name=$1 limit=$2 t0=$SECONDS
  shift 2
  echo "=== $name: $*" >> "$OUT/steps.log"
  timeout --signal=KILL "$limit" "$@" >> "$OUT/steps.log" 2>&1
  local rc=$?
  say "$name rc=$rc $((SECONDS - t0))s"
  [ $rc = 0 ] || tail -n 20 "$OUT/steps.log" >> "$S"
  return $rc
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >> "$S" 2>&1
. bench/gpu_env.sh  # sets P, B, TP; unpacks .gpudeps
run_step configure 120 cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DBRAINENC_WITH_CUDA=ON \
  -DBRAINENC_BUILD_TESTS=OFF -DBRAINENC_BUILD_BENCH=ON -DBRAINENC_WERROR=OFF \
  -DCMAKE_PREFIX_PATH="$TP;$P/usr" || exit 1
run_step build 240 cmake --build $B -j16 --target brainenc brainenc_model_commands brainenc_model_throughput -- -k 0
python3 bench/abide_pack.py unpack .abide-pack /tmp/abide --npy >> "$S" 2>&1

X=$B/bench/brainenc_model_throughput
[ -x $X ] && [ -z "${SKIP_THROUGHPUT:-}" ] && run_step throughput_cuda 90 sh -c "$X --device cuda --batch 64,256 --json $OUT/throughput_cuda.json > $OUT/throughput_cuda.md"

SITE_TR="CALTECH=2,CMU=2,KKI=2.5,LEUVEN=1.656,MAX_MUN=3,NYU=2,OHSU=2.5,OLIN=1.5,PITT=1.5,SBL=2.2,SDSU=2,STANFORD=2,TRINITY=2,UCLA=3,UM=2,USM=2,YALE=2"
DATA="--labels /tmp/abide/phenotype_dev.csv --series-dir /tmp/abide/rois_cc200 --series-pattern {id}_rois_cc200.npy --repeats 5 --seed 0 --device cuda -q"
# Brain Network Transformer recipe: AdamW 1e-4 (weight decay 1e-4), batch 64, cosine to 1e-5,
# test at the best-validation epoch (AUROC). Files back (8 at most): summary.txt, steps.log,
# throughput_cuda.{md,json}, fct_metrics.json, mae_metrics.json, mae_pretrain_metrics.json.
MODELS=${MODELS:-fc_transformer brainmae}
case " $MODELS " in *" fc_transformer "*)
run_step fc_transformer "${FCT_LIMIT:-170}" $B/brainenc train --model fc_transformer $DATA --epochs "${FCT_EPOCHS:-100}" \
  --batch-size 64 --lr 1e-4 --weight-decay 1e-4 --schedule cosine --min-lr-ratio 0.1 --patience 200 \
  ${FCT_ARGS:-} --out-dir $OUT/fct ;;
esac
# BrainMAE: every subject resampled to TR 2 s (per-site TRs from the ABIDE documentation).
case " $MODELS " in *" brainmae "*)
run_step brainmae_pretrain "${MAE_PRE_LIMIT:-150}" $B/brainenc pretrain --model brainmae $DATA --site-tr $SITE_TR \
  --epochs "${MAE_PRE_EPOCHS:-40}" --batch-size 32 --lr 5e-4 --weight-decay 0.05 --schedule cosine --warmup-epochs 4 \
  ${MAE_ARGS:-} --out-dir /tmp/mae-pre &&
run_step brainmae_finetune "${MAE_FT_LIMIT:-130}" $B/brainenc train --model brainmae $DATA --site-tr $SITE_TR \
  --epochs "${MAE_FT_EPOCHS:-40}" --batch-size 32 --lr 1e-4 --weight-decay 0.05 --schedule cosine --warmup-epochs 2 \
  --patience 40 ${MAE_ARGS:-} --init /tmp/mae-pre --out-dir $OUT/mae ;;
esac
cp /tmp/mae-pre/metrics.json $OUT/mae_pretrain_metrics.json 2> /dev/null
# Only the summaries come back (8 files at most): drop checkpoints and per-split folders.
for d in fct mae; do
  [ -f $OUT/$d/metrics.json ] && cp $OUT/$d/metrics.json $OUT/${d}_metrics.json
  rm -rf $OUT/$d
done
say "done in ${SECONDS}s"
