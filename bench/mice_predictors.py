"""MICE on wide data: every other column as predictor vs the ``max_predictors`` most correlated ones.

miceforest regresses each column on all the others, so one round costs quadratically in the number of
columns; ``max_predictors=k`` (R mice's ``quickpred`` selection) makes it linear.  This times fit and
transform of ``mice`` on a seeded subsample of a wide dataset (20 % MCAR, min-max scaled on the fitted
rows; 80 % fitted, 20 % transformed), for each setting in one run, and prints the RMSE on the hidden
entries of the transformed rows beside the time, and each time as a ratio of the first setting's.

    python bench/mice_predictors.py [--dataset mnist] [--rows 600] [--predictors all 20] [--params '{"iterations": 1}']
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from hexagan.data import load_dataset
from hexagan.methods import create
from hexagan.protocol.metrics import rmse


def wide_slice(dataset: str, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """A seeded subsample, min-max scaled on its first 80 % (the fitted rows), 20 % MCAR.

    Returns the complete rows X, X with NaN at the hidden entries, the observed mask and the number of fitted rows.
    """
    ds = load_dataset(dataset)
    rng = np.random.default_rng(0)
    X = ds.X[rng.choice(len(ds.X), min(rows, len(ds.X)), replace=False)].astype(np.float64)
    cut = int(0.8 * len(X))
    low, span = X[:cut].min(0), np.ptp(X[:cut], 0)
    X = np.clip((X - low) / np.where(span > 0, span, 1.0), 0, 1)
    observed = rng.random(X.shape) >= 0.2
    return X, np.where(observed, X, np.nan), observed, cut


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--predictors", nargs="+", default=["all", "20"], help="'all' or a number of predictors")
    parser.add_argument("--params", default='{"iterations": 1, "num_datasets": 1, "num_iterations": 2}',
                        help="other mice parameters (JSON); default: the quick configuration's")
    args = parser.parse_args()
    X, X_nan, observed, cut = wide_slice(args.dataset, args.rows)
    params = json.loads(args.params)
    print(f"{args.dataset}: {cut} + {len(X) - cut} rows x {X.shape[1]} columns, mice {params}")
    first = None
    for setting in args.predictors:
        k = None if setting == "all" else int(setting)
        est = create("mice", **params, max_predictors=k, random_state=0)
        start = time.perf_counter()
        est.fit(X_nan[:cut])
        fitted = time.perf_counter()
        out = est.transform(X_nan[cut:])
        done = time.perf_counter()
        total = done - start
        first = first or total
        print(f"predictors {setting:>4}: fit {fitted - start:6.1f} s, transform {done - fitted:6.1f} s, "
              f"{total / first:5.2f}x the first; RMSE {rmse(X[cut:], out, observed[cut:]):.4f}", flush=True)


if __name__ == "__main__":
    main()
