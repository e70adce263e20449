"""Peak memory of ``mice``: boosters reloaded as miceforest stores them vs kept as trained until ``mice`` ends.

miceforest keeps every LightGBM booster it trains with its training buffers.  ``baselines.mice`` reloads each
from its model text as it is stored (``_LeanBoosters``); until f9f8f82 it reloaded them all only after
``kernel.mice`` returned, so during fitting they were all alive as trained, which is what ``--store trained``
reproduces (the store is a plain dict; the output is the same).  Each setting fits and transforms in a fresh
interpreter, on a seeded subsample (20 % MCAR, min-max scaled; 80 % fitted, 20 % transformed), and this prints
its wall time and peak resident memory, in one run, and each as a ratio of the first setting's.

    python bench/mice_memory.py [--dataset madelon] [--rows 600] [--params '{"num_datasets": 2, "iterations": 2}']
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = """
import json, sys, numpy as np
import baselines.mice
from hexagan.data import load_dataset
from hexagan.methods import create
dataset, rows, params, store = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
if store == "trained":
    baselines.mice._LeanBoosters = dict
ds = load_dataset(dataset)
rng = np.random.default_rng(0)
X = ds.X[rng.choice(len(ds.X), min(rows, len(ds.X)), replace=False)].astype(np.float64)
X = (X - X.min(0)) / np.where(np.ptp(X, 0) > 0, np.ptp(X, 0), 1.0)
X[rng.random(X.shape) < 0.2] = np.nan
cut = int(0.8 * len(X))
create("mice", random_state=0, **params).fit(X[:cut]).transform(X[cut:])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="madelon")
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--params", default='{"max_predictors": 25, "num_datasets": 2, "iterations": 2}',
                        help="mice parameters (JSON)")
    args = parser.parse_args()
    results = {}
    for store in ("trained", "reloaded"):
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", CHILD, args.dataset, str(args.rows), args.params, store])
        _, status, usage = os.wait4(child.pid, 0)
        if status:
            raise SystemExit(f"the {store} run failed (status {status})")
        results[store] = (time.perf_counter() - start, usage.ru_maxrss / 2**20)  # ru_maxrss: KiB on Linux
    first = next(iter(results.values()))
    print(f"mice on {args.dataset}, {args.rows} rows, {json.loads(args.params)}")
    print(f"{'boosters during fit':22s} {'wall s':>7s} {'peak GiB':>9s} {'time x':>7s} {'memory x':>9s}")
    for store, (wall, peak) in results.items():
        print(f"{store:22s} {wall:7.1f} {peak:9.2f} {wall / first[0]:7.2f} {peak / first[1]:9.2f}")


if __name__ == "__main__":
    main()
