#!/usr/bin/python3
"""Carry the ABIDE development-site CC200 series to the GPU machine within its 64 MiB transfer limit.

    abide_pack.py pack   <abide_dir> <pack_dir>   # here: <abide_dir> from ../shared/tools/abide_dev.py
    abide_pack.py unpack <pack_dir> <abide_dir> [--npy]   # there: rois_cc200/*.1D (or .npy) + phenotype_dev.csv

The 749 released .1D files are 287 MB of text (140 MB gzipped; float noise does not compress).
Each subject's series is stored as uint16 with a per-ROI affine (min, step = range / 65535), i.e.
58.7 MB in all; the largest reconstruction error over the whole set is printed by `pack` (0.043 on
values that span hundreds to thousands; the series' own precision is 1e-6). All-zero ROI columns stay
exactly zero. Benchmarks that run on unpacked data say so in bench/RESULTS.md.
"""
import glob
import os
import shutil
import sys

import numpy as np


def pack(src, dst):
    os.makedirs(dst, exist_ok=True)
    files = sorted(glob.glob(os.path.join(src, "rois_cc200", "*.1D")))
    index, worst = [], 0.0
    with open(os.path.join(dst, "series_u16.bin"), "wb") as out:
        for f in files:
            x = np.loadtxt(f, comments="#", ndmin=2)
            lo, hi = x.min(0), x.max(0)
            step = (hi - lo) / 65535.0
            step[step == 0] = 1.0
            q = np.round((x - lo) / step).astype("<u2")
            worst = max(worst, float(np.abs(q * step + lo - x).max()))
            out.write(q.tobytes())
            index.append((os.path.basename(f), x.shape[0], x.shape[1], lo, step))
    with open(os.path.join(dst, "index.tsv"), "w") as out, open(os.path.join(dst, "affine_f64.bin"), "wb") as aff:
        for name, t, r, lo, step in index:
            out.write(f"{name}\t{t}\t{r}\n")
            aff.write(np.concatenate([lo, step]).astype("<f8").tobytes())
    shutil.copy(os.path.join(src, "phenotype_dev.csv"), dst)
    print(f"{len(files)} subjects packed; max reconstruction error {worst:.4g}")


def unpack(src, dst, npy=False):
    os.makedirs(os.path.join(dst, "rois_cc200"), exist_ok=True)
    data = np.fromfile(os.path.join(src, "series_u16.bin"), dtype="<u2")
    affine = np.fromfile(os.path.join(src, "affine_f64.bin"), dtype="<f8")
    pos = apos = 0
    for line in open(os.path.join(src, "index.tsv")):
        f = line.rstrip("\n").split("\t")
        name, t, r = f[0], int(f[1]), int(f[2])
        lo, step = affine[apos:apos + r], affine[apos + r:apos + 2 * r]
        apos += 2 * r
        q = data[pos:pos + t * r].reshape(t, r)
        pos += t * r
        x = q * step + lo
        if npy:  # float64 .npy: ~10x faster to write and read than the text
            np.save(os.path.join(dst, "rois_cc200", name.replace(".1D", ".npy")), x)
            continue
        header = "\t".join(f"#{i + 1}" for i in range(r))
        np.savetxt(os.path.join(dst, "rois_cc200", name), x, fmt="%.6f", delimiter="\t", header=header, comments="")
    shutil.copy(os.path.join(src, "phenotype_dev.csv"), dst)
    print(f"unpacked {pos * 2} bytes into {dst}")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    if sys.argv[1] == "pack":
        pack(sys.argv[2], sys.argv[3])
    else:
        unpack(sys.argv[2], sys.argv[3], npy="--npy" in sys.argv[4:])
