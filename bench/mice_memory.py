"""Peak memory of ``mice``: boosters reloaded as miceforest stores them vs kept as trained until ``mice`` ends.

miceforest keeps every LightGBM booster it trains with its training buffers.  ``baselines.mice`` reloads each
from its model text as it is stored (``_LeanBoosters``); before d825ffd it reloaded them all only after
``kernel.mice`` returned, so during fitting they were all alive as trained.  The setting ``trained`` reproduces
that peak (the store is a plain dict; the output is the same), ``reloaded`` is the code as it is.  Each setting
fits and transforms in a fresh interpreter, on ``mice_predictors.wide_slice`` (a seeded subsample, 20 % MCAR;
80 % fitted, 20 % transformed), and this prints its wall time and peak resident memory, in one run, and each as
a ratio of the first setting's.

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
import json, sys
import baselines.mice
from hexagan.methods import create
from mice_predictors import wide_slice
dataset, rows, params, store = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
if store == "trained":
    baselines.mice._LeanBoosters = dict
_, X_nan, _, cut = wide_slice(dataset, rows)
create("mice", random_state=0, **params).fit(X_nan[:cut]).transform(X_nan[cut:])
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
        child = subprocess.Popen([sys.executable, "-c", CHILD, args.dataset, str(args.rows), args.params, store],
                                 env=os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, (
                                     os.path.dirname(os.path.abspath(__file__)), os.environ.get("PYTHONPATH"))))})
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
