#!/usr/bin/env bash
# Speed and memory of brainenc's front end against nilearn 0.10.2 doing the same work, on the
# same machine in the same run (results: bench/RESULTS.md). Not run in CI.
#
#   bench/extract_bench.sh <workdir> [repeats=3]
#
# <workdir> receives the synthetic dataset (../shared/tools/make_bold.py --grid 2mm
# --timepoints 200 --seed 42, ~210 MB .nii.gz, ~720 MB decompressed), a .nii copy, and the
# outputs. Needs: build/brainenc, igzip (Debian package isal), a nilearn 0.10.2 source tree on
# PYTHONPATH (../shared/tools/nilearn_env.sh <fetched nilearn git dir> <dir>).
#
# Pipeline on both sides: Schaefer-400 (FSL MNI152 2 mm) labels, brain mask, 24 motion + WM + CSF
# confounds (non-steady-state volumes dropped through the sample mask, as load_confounds does),
# detrend, band-pass 0.01-0.1 Hz, zscore_sample, t_r 2 s, then Ledoit-Wolf correlation.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${BRAINENC_SHARED:-$here/../shared}
work=${1:?usage: bench/extract_bench.sh <workdir> [repeats]}
repeats=${2:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
brainenc=$here/build/brainenc
atlas=$shared/data/atlases/schaefer2018/Schaefer2018_400Parcels_7Networks_order_FSLMNI152_2mm.nii.gz
ds=$work/ds
func=$ds/sub-01/func
bold=$func/sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii.gz
mask=$func/sub-01_task-rest_space-MNI152NLin2009cAsym_desc-brain_mask.nii.gz
conf=$func/sub-01_task-rest_desc-confounds_timeseries.tsv

if [ ! -f "$bold" ]; then
  /usr/bin/python3 "$shared/tools/make_bold.py" --out "$ds" --grid 2mm --timepoints 200 --seed 42 \
    --brain-mask "$shared/data/atlases/mni152/tpl-MNI152NLin2009aSym_res-2_grid-FSLMNI152_desc-brain_mask.nii.gz"
fi
raw=$work/raw/sub-01_task-rest_space-MNI152NLin2009cAsym_desc-preproc_bold.nii
if [ ! -f "$raw" ]; then
  mkdir -p "$work/raw"
  gzip -dc "$bold" > "$raw"
  cp "$conf" "$work/raw/"
  cp "${conf%.tsv}.json" "$work/raw/"
fi
python3=/usr/bin/python3
[ -n "${PYTHONPATH:-}" ] || { echo "set PYTHONPATH to a nilearn 0.10.2 checkout" >&2; exit 2; }

# measure <label> <command...>: wall seconds and max RSS (MiB), one line per run into $work/times.tsv
measure() {
  local label=$1; shift
  if ! /usr/bin/time -f "%e %M" -o "$work/last.time" "$@" > /dev/null 2> "$work/last.err"; then
    echo "$label failed:" >&2; cat "$work/last.err" >&2; exit 1
  fi
  read -r sec kib < "$work/last.time"
  printf '%s\t%s\t%s\n' "$label" "$sec" "$((kib / 1024))" >> "$work/times.tsv"
}

be_args=(extract -q --force --atlas "$atlas" --mask "$mask"
  --confounds "$conf" --confounds-strategy motion,wm_csf --motion full --wm-csf basic
  --detrend --standardize zscore_sample --low-pass 0.1 --high-pass 0.01 --t-r 2
  --connectome correlation)

: > "$work/times.tsv"
for i in $(seq "$repeats"); do
  measure "gzip -dc" sh -c "gzip -dc '$bold' > /dev/null"
  measure "igzip -dc" sh -c "igzip -dc '$bold' > /dev/null"
  measure "nilearn .nii.gz" env PYTHONPATH="$PYTHONPATH" $python3 "$shared/tools/nilearn_bench.py" --bold "$bold" \
    --confounds "$conf" --mask "$mask" --atlas "$atlas" --out "$work/nilearn_gz" --tr 2.0 --sample-mask nonsteady
  measure "brainenc .nii.gz" "$brainenc" "${be_args[@]}" --bold "$bold" --out "$work/brainenc_gz/timeseries.tsv"
  measure "nilearn .nii" env PYTHONPATH="$PYTHONPATH" $python3 "$shared/tools/nilearn_bench.py" --bold "$raw" \
    --confounds "$conf" --mask "$mask" --atlas "$atlas" --out "$work/nilearn_nii" --tr 2.0 --sample-mask nonsteady
  measure "brainenc .nii" "$brainenc" "${be_args[@]}" --bold "$raw" --out "$work/brainenc_nii/timeseries.tsv"
done

# Parity on this real-size input: nilearn's own pipeline in float64 (its default float32 path
# differs from float64 by ~2e-4 in the z-scores), run once, not timed.
sed 's/get_fdata(dtype=np.float32)/get_fdata(dtype=np.float64)/' "$shared/tools/nilearn_bench.py" > "$work/nilearn_bench_f64.py"
env PYTHONPATH="$PYTHONPATH" $python3 "$work/nilearn_bench_f64.py" --bold "$bold" --confounds "$conf" --mask "$mask" \
  --atlas "$atlas" --out "$work/nilearn_gz_f64" --tr 2.0 --sample-mask nonsteady > /dev/null

# Medians and ratios.
$python3 - "$work" <<'PY'
import sys, statistics, collections, json
import numpy as np
work = sys.argv[1]
rows = collections.defaultdict(list)
for line in open(f"{work}/times.tsv"):
    label, sec, mib = line.rstrip("\n").split("\t")
    rows[label].append((float(sec), float(mib)))
med = {k: (statistics.median(s for s, _ in v), statistics.median(m for _, m in v)) for k, v in rows.items()}
print("| command | wall s (median) | peak RSS MiB | runs |")
print("|---|---|---|---|")
for k, (s, m) in med.items():
    print(f"| {k} | {s:.2f} | {m:.0f} | {len(rows[k])} |")
def ratio(a, b): return med[a][0] / med[b][0]
print()
print(f"- speed-up vs nilearn, .nii.gz: {ratio('nilearn .nii.gz', 'brainenc .nii.gz'):.1f}x; .nii: {ratio('nilearn .nii', 'brainenc .nii'):.1f}x")
print(f"- brainenc .nii.gz / gzip -dc: {ratio('brainenc .nii.gz', 'gzip -dc'):.2f}; / igzip -dc: {ratio('brainenc .nii.gz', 'igzip -dc'):.2f}")
print(f"- peak memory brainenc / nilearn, .nii.gz: {med['brainenc .nii.gz'][1] / med['nilearn .nii.gz'][1]:.3f}; .nii: {med['brainenc .nii'][1] / med['nilearn .nii'][1]:.3f}")
# Same numbers? (nilearn's float32 pipeline vs brainenc's float64.)
ts_b = np.loadtxt(f"{work}/brainenc_gz/timeseries.tsv", skiprows=1, delimiter="\t")
c_b = np.loadtxt(f"{work}/brainenc_gz/stat-pearsoncorrelation_relmat.tsv", skiprows=1, delimiter="\t")
for tag in ("gz", "gz_f64"):
    ts_n = np.load(f"{work}/nilearn_{tag}/timeseries.npy")
    c_n = np.load(f"{work}/nilearn_{tag}/correlation.npy")
    what = "nilearn float32 (as benchmarked)" if tag == "gz" else "nilearn float64"
    print(f"- max |diff| vs {what}: time series {np.abs(ts_n - ts_b).max():.2e}, correlation {np.abs(c_n - c_b).max():.2e}")
PY
