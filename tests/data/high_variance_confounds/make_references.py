"""nilearn 0.10.2 references for tests/preprocessing/high_variance_confounds_test.cpp and
tests/pipeline/high_variance_extract_parity_test.cpp.

Run from this folder with Debian 12's python3 (numpy 1.24.2, scipy 1.10.1, reference LAPACK) and
a nilearn 0.10.2 source tree on PYTHONPATH:

    PYTHONPATH=<nilearn-0.10.2> /usr/bin/python3 make_references.py <shared>/reference/inputs

Writes the .npy files next to this script and prints the small-matrix values pinned in
high_variance_confounds_test.cpp. The signs of the columns are whatever LAPACK dsyevr gives
(see high_variance_confounds.hpp): the tests compare up to the sign of each column.
"""
import sys
import warnings

import numpy as np
import pandas as pd
from nilearn import image, signal
from nilearn.maskers import NiftiLabelsMasker

warnings.simplefilter("ignore")
inputs = sys.argv[1].rstrip("/") + "/"

M64 = (1 << 64) - 1


def splitmix(i):
    z = ((i + 1) * 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def small_series(T, V):
    """Integer arithmetic and dyadic fractions only: exact in C++ and Python."""
    x = np.empty((T, V))
    for t in range(T):
        for v in range(V):
            val = 50.0 + 0.25 * (v % 9)
            for k in range(3):
                s = ((((t + 1) * (2 * k + 3) * 7919) % 61) - 30) / 8.0
                w = (((v + 1) * (k + 5) * 104729) % 17) / 4.0
                val += w * s
            val += (((splitmix(t * V + v) >> 11) % 1024) - 512) / 256.0
            val += (((v % 5) - 2) / 16.0) * t
            x[t, v] = val
    # Fortran order, as image.high_variance_confounds passes its series (numpy sums pairwise).
    return np.asfortranarray(x)


def cpp(m):
    return ",\n".join("{" + ", ".join("%.17g" % v for v in row) + "}" for row in m)


x = small_series(24, 400)
print("// signal.high_variance_confounds(x)")
print(cpp(signal.high_variance_confounds(x)))
print("// signal.high_variance_confounds(x, n_confounds=3, percentile=10.0, detrend=False)")
print(cpp(signal.high_variance_confounds(x, n_confounds=3, percentile=10.0, detrend=False)))

bold = inputs + "tiny_bold_f64.nii.gz"
np.save("hv_tiny_bold_f64.npy", image.high_variance_confounds(bold))
np.save("hv_tiny_bold_f64_mask.npy",
        image.high_variance_confounds(bold, mask_img=inputs + "tiny_mask.nii.gz"))
np.save("hv_tiny_bold_nan_20vol_f32.npy",
        image.high_variance_confounds(inputs + "tiny_bold_nan_20vol_f32.nii.gz").astype(np.float64))

m = NiftiLabelsMasker(inputs + "tiny_labels.nii.gz", high_variance_confounds=True, detrend=True,
                      standardize="zscore_sample")
np.save("labels_hv_detrend_zscore_sample_f64.npy", m.fit_transform(bold))

m = NiftiLabelsMasker(inputs + "tiny_labels.nii.gz", high_variance_confounds=True, detrend=True,
                      standardize="zscore_sample")
np.save("labels_hv_detrend_zscore_sample_f32.npy",
        m.fit_transform(inputs + "tiny_bold_f32.nii.gz").astype(np.float64))

conf = pd.read_csv(inputs + "tiny_confounds.tsv", sep="\t")
keep = np.setdiff1d(np.arange(60), [0, 1, 17, 18, 40])
m = NiftiLabelsMasker(inputs + "tiny_labels.nii.gz", mask_img=inputs + "tiny_mask.nii.gz",
                      high_variance_confounds=True, detrend=True, standardize="zscore_sample",
                      low_pass=0.1, high_pass=0.01, t_r=2.0)
np.save("labels_hv_mask_confounds_scrub_bandpass_f64.npy",
        m.fit_transform(bold, confounds=conf, sample_mask=keep))

m = NiftiLabelsMasker(inputs + "labels_2mm_other_grid.nii.gz", resampling_target="labels",
                      high_variance_confounds=True, detrend=True, standardize="zscore_sample")
np.save("labels_hv_resample_to_labels_f64.npy", m.fit_transform(bold))
