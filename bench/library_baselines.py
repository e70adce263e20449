"""Benchmark the library imputers against the paper's Table 1 (not a test; run by hand).

Runs every (dataset, method) job through :func:`hexagan.protocol.run` -- the
suite's masks and splits, 20 % MCAR, min-max scaling fitted on all rows
(``scaling="global"``, as the authors' code does), 1 repeat x 5 folds -- and
prints the pooled and the per-row-averaged RMSE on the test folds (mean ± std
over folds), the paper's figure (per-row, see
``shared/notes/replication-facts.md``) and the wall time of each job.

    HEXAGAN_DATA=../shared/data .venv/bin/python bench/library_baselines.py
    .venv/bin/python bench/library_baselines.py --datasets breast wine --methods mean knn
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from hexagan import protocol
from hexagan.data import load_dataset

# The paper's Table 1 (per-row RMSE); methods the paper does not report are absent.
PAPER = {
    "breast": {"zeros": 0.2699, "matrix": 0.0976, "knn": 0.0872, "mice": 0.0842},
    "credit": {"zeros": 0.2283, "matrix": 0.1277, "knn": 0.1128, "mice": 0.1073},
    "wine": {"zeros": 0.4213, "matrix": 0.1772, "knn": 0.1695, "mice": 0.1708},
}
ALL = ["zeros", "mean", "matrix", "knn", "mice", "iterative", "missforest"]
# credit has 30 000 rows: only the methods that take minutes there by default.
DEFAULT_JOBS = [("breast", m) for m in ALL] + [("wine", m) for m in ALL] + \
    [("credit", m) for m in ("zeros", "mean", "knn", "iterative", "matrix")]


def run_job(dataset: str, method: str, *, n_folds: int, train_rmse: bool) -> dict:
    ds = load_dataset(dataset)
    start = time.perf_counter()
    table = protocol.run(ds, method, n_repeats=1, n_folds=n_folds, scaling="global", train_rmse=train_rmse)
    wall = time.perf_counter() - start
    by = table.pivot_table(index="fold", columns="metric", values="value")
    row = {"dataset": dataset, "method": method,
           "pooled": f"{by['rmse'].mean():.4f} ± {by['rmse'].std():.4f}",
           "per-row": f"{by['rmse_rowmean'].mean():.4f} ± {by['rmse_rowmean'].std():.4f}",
           "paper (per-row)": f"{PAPER[dataset][method]:.4f}" if method in PAPER.get(dataset, {}) else "-"}
    if train_rmse:
        row["train pooled"] = f"{by['rmse_train'].mean():.4f}"
    # fit s/fold excludes transform (all of a transductive method's work); the job's wall time has both.
    row.update({"fit s/fold": f"{by['fit_seconds'].mean():.2f}", "job wall s": f"{wall:.1f}"})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", help="restrict the default jobs to these datasets")
    parser.add_argument("--methods", nargs="*", help="restrict the default jobs to these methods")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--train-rmse", action="store_true", help="also score the training rows (slower)")
    args = parser.parse_args()
    jobs = [(d, m) for d, m in DEFAULT_JOBS
            if (not args.datasets or d in args.datasets) and (not args.methods or m in args.methods)]
    rows = []
    for dataset, method in jobs:
        rows.append(run_job(dataset, method, n_folds=args.folds, train_rmse=args.train_rmse))
        print(pd.DataFrame([rows[-1]]).to_string(index=False, header=len(rows) == 1), flush=True)
    print()
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
