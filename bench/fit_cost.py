"""The estimates of hexagan.replicas.cost and baselines.mice.fit_cost next to measured fits (issue 25).

For HexaGAN's imputer and classifier at several widths (200 rows, 20 % MCAR,
one torch thread): the seconds an iteration (a fit of 5 iterations minus one
of 1, over 4) and the peak memory the fit adds to the process, each beside
what the estimate from the shape says.  For MICE at several shapes (one copy,
one round): the seconds of a fit beside its estimate.  Each measurement runs
in a process of its own, so the peak memory is its own.

    python bench/fit_cost.py [--widths 100 500 1000 2000] [--mice 20x250 20x500 200x250 1000x250]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def _data(n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((n, d))
    X[rng.random(X.shape) < 0.2] = np.nan
    y = rng.integers(0, 2, n)
    y[::5] = -1
    return X, y


def _hexagan(kind: str, d: int) -> dict:
    import torch

    from hexagan.model.estimators import HexaGANClassifier, HexaGANImputer
    from hexagan.replicas.estimator import resolve_device
    from hexagan.replicas.training import ReplicaData

    torch.set_num_threads(1)
    X, y = _data(200, d)
    cls = HexaGANImputer if kind == "imputer" else HexaGANClassifier
    labels = (y,) if kind == "classifier" else ()

    def make(steps):
        return cls(max_steps=steps, early_stopping=False, validation_fraction=0, selection="last", random_state=0)

    estimate = make(5)._cost(ReplicaData.from_arrays([X], [y] if labels else None, 2 if labels else None),
                             resolve_device("cpu"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    seconds = []
    for steps in (1, 5):
        start = time.perf_counter()
        make(steps).fit(X, *labels)
        seconds.append(time.perf_counter() - start)
    return {"what": f"HexaGAN {kind}, d={d}", "estimate_s_per_iteration": (estimate.seconds / 5),
            "measured_s_per_iteration": (seconds[1] - seconds[0]) / 4, "estimate_mb": estimate.memory_bytes / 1e6,
            "measured_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before) / 1e6}


def _mice(n: int, d: int) -> dict:
    from baselines.mice import MiceForestImputer, fit_cost, predictor_sets

    X, _ = _data(n, d)
    estimate = fit_cost(n, predictor_sets(X, None), d, num_datasets=1, iterations=1, num_iterations=24,
                        max_predictors=None)
    start = time.perf_counter()
    MiceForestImputer(num_datasets=1, iterations=1, random_state=0).fit(X)
    return {"what": f"MICE, {n} x {d}, 1 copy x 1 round", "estimate_s": estimate.seconds,
            "measured_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[100, 500, 1000, 2000])
    parser.add_argument("--classifier-widths", type=int, nargs="+", default=[100, 500, 1000])
    parser.add_argument("--mice", nargs="+", default=["20x250", "20x500", "200x250", "1000x250"])
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # kind, a, b: one measurement, as JSON
    args = parser.parse_args()
    if args.one:
        kind, a, b = args.one
        print(json.dumps(_mice(int(a), int(b)) if kind == "mice" else _hexagan(kind, int(a))))
        return
    print(f"one thread; load {os.getloadavg()[0]:.1f}", flush=True)
    jobs = ([("imputer", d, 0) for d in args.widths] + [("classifier", d, 0) for d in args.classifier_widths]
            + [("mice", *shape.split("x")) for shape in args.mice])
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for kind, a, b in jobs:
        out = subprocess.run([sys.executable, __file__, "--one", kind, str(a), str(b)], capture_output=True,
                             text=True, check=True, env=env).stdout.strip().splitlines()[-1]
        row = json.loads(out)
        print("  " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else str(v) for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
