#!/usr/bin/env python3
"""Test AUROC per split of several runs' predictions combined, as bench/RESULTS.md reports them.

    bench/combine_predictions.py [--rank] RUN_DIR [RUN_DIR ...]

Each RUN_DIR is a `brainenc train --out-dir` on the same splits; split-<k>/predictions.tsv
(subject, split, score, label) of every run is read. Per split: the test AUROC of each run and of
their combination, the mean score (or, with --rank, the mean of each run's test ranks: for runs
whose scores are on different scales, e.g. logistic + a transformer). Then mean +- sd over the
splits every run has. Standard library only; AUROC = Mann-Whitney U / (n_pos n_neg), ties 1/2.
"""
import csv
import glob
import os
import statistics
import sys


def read_test(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {r["subject"]: (float(r["score"]), r["label"]) for r in rows if r["split"] == "test"}


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            r[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return r


def auroc(scores, labels):
    r = ranks(scores)
    pos = [x for x, y in zip(r, labels) if y]
    n_pos, n_neg = len(pos), len(labels) - len(pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return (sum(pos) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def main(argv):
    rank = "--rank" in argv
    runs = [a for a in argv if a != "--rank"]
    if not runs:
        sys.exit(__doc__)
    splits = None
    for run in runs:
        found = {os.path.basename(os.path.dirname(p))
                 for p in glob.glob(os.path.join(run, "split-*", "predictions.tsv"))}
        splits = found if splits is None else splits & found
    combined_aurocs = []
    for split in sorted(splits, key=lambda s: int(s.split("-")[1])):
        tables = [read_test(os.path.join(run, split, "predictions.tsv")) for run in runs]
        ids = sorted(tables[0])
        if any(sorted(t) != ids for t in tables):
            sys.exit(f"{split}: the runs' test subjects differ (not the same splits)")
        # predictions.tsv writes a classification's labels as 1 (positive) / 0.
        values = {t[i][1] for t in tables for i in ids}
        if values - {"0", "1"}:
            sys.exit(f"{split}: labels other than 0/1 ({sorted(values)})")
        labels = [tables[0][i][1] == "1" for i in ids]
        per_run = [[t[i][0] for i in ids] for t in tables]
        columns = [ranks(s) for s in per_run] if rank else per_run
        mean = [sum(c[j] for c in columns) / len(columns) for j in range(len(ids))]
        each = [auroc(s, labels) for s in per_run]
        combined = auroc(mean, labels)
        combined_aurocs.append(combined)
        print(split, "runs", " ".join(f"{a:.3f}" for a in each), "combined", f"{combined:.3f}")
    if not combined_aurocs:
        sys.exit("no split is in every run")
    sd = statistics.stdev(combined_aurocs) if len(combined_aurocs) > 1 else 0.0
    print(f"combined ({'rank' if rank else 'score'} mean of {len(runs)} runs) over "
          f"{len(combined_aurocs)} splits: AUROC {statistics.mean(combined_aurocs):.3f} +- {sd:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
