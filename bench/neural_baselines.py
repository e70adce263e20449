"""Benchmark the neural imputers (GAIN, denoising autoencoder) against the paper's Table 1 (run by hand).

Every job goes through :func:`hexagan.protocol.run` -- the suite's masks and
splits, 20 % MCAR, min-max scaling fitted on all rows (``scaling="global"``,
as the authors' code), 1 repeat x 5 folds, the 5 folds trained at once as
replicas -- and prints the pooled and the per-row-averaged RMSE on the test
folds (mean ± std over folds), the paper's figure (per-row, see
``shared/notes/replication-facts.md``) and the wall time.

    .venv/bin/python bench/neural_baselines.py
    .venv/bin/python bench/neural_baselines.py --datasets wine --methods gain --steps 2000
"""
from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from hexagan import protocol
from hexagan.data import load_dataset

# The paper's Table 1 (per-row RMSE).
PAPER = {
    "breast": {"autoencoder": 0.0875, "gain": 0.0878},
    "wine": {"autoencoder": 0.1481, "gain": 0.1406},
}


def run_job(dataset: str, method: str, *, steps: int, n_folds: int) -> dict:
    ds = load_dataset(dataset)
    start = time.perf_counter()
    table = protocol.run(ds, method, {"max_steps": steps, "random_state": 0}, n_repeats=1, n_folds=n_folds,
                         scaling="global", train_rmse=False)
    wall = time.perf_counter() - start
    by = table.pivot_table(index="fold", columns="metric", values="value")
    return {"dataset": dataset, "method": method, "steps": steps,
            "pooled": f"{by['rmse'].mean():.4f} ± {by['rmse'].std():.4f}",
            "per-row": f"{by['rmse_rowmean'].mean():.4f} ± {by['rmse_rowmean'].std():.4f}",
            "paper (per-row)": f"{PAPER[dataset][method]:.4f}",
            "job wall s": f"{wall:.1f}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=["breast", "wine"])
    parser.add_argument("--methods", nargs="*", default=["gain", "autoencoder"])
    parser.add_argument("--steps", type=int, default=10_000, help="max_steps of every method (default 10 000)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1 is fastest for these small networks on a shared CPU)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for dataset in args.datasets:
        for method in args.methods:
            rows.append(run_job(dataset, method, steps=args.steps, n_folds=args.folds))
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    print()
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
