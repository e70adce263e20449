"""Projected CPU-hours of the full workflow (config/config.yaml) from measured costs.

Every job of the full plan gets a cost, with its source (CelebA and MNIST only when ``--datasets`` names them:
their HexaGAN jobs are GPU jobs, and MNIST's other Table 1 methods are timed here with ``--datasets mnist
--methods ...``):

- ``measured``: the wall time recorded by a full-budget run of the same job (``results/runs/``);
- ``timed``: HexaGAN jobs not run yet -- ``--steps`` iterations of Algorithm 2 timed here with all
  of the job's splits as replicas (the job's own flags and data), times its ``max_steps``, times the
  overhead (validation, setup) that the measured HexaGAN jobs of the same method had over their
  timed iterations;
- ``timed split``: other jobs not run yet -- the job itself (its method, parameters and data, through
  :func:`hexagan.suite.job.run_job`) on its first split, times the number of splits, times the ratio
  that the measured jobs of the same method had to their own first split timed here (about 1 for the
  methods fitted split by split; below 1 for those that train all splits as replicas).  One timing per
  (dataset, method, parameters), in a child process stopped after ``--split-limit`` seconds: a job cut
  off there is counted at that bound, a lower bound (``at least``).

Every job runs on one thread.  ``--times FILE`` keeps the timings, so that a second run (say, after more
jobs were measured) reuses them instead of timing again.

Prints one line per (dataset, method) and the totals: CPU-hours (one thread a job) and the wall time on
``--cores`` cores, which cannot be shorter than the longest job.

    python bench/project_full_run.py [--results results] [--steps 5] [--cores 8] [--datasets credit] [--methods mice]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from bench_replicas import iterations_per_second, split_data
from hexagan.data import load_dataset
from hexagan.io import write_text
from hexagan.methods import create
from hexagan.protocol import method_params
from hexagan.suite.aggregate import read_jobs
from hexagan.suite.config import canonical_json, load_config
from hexagan.suite.job import run_job
from hexagan.suite.plan import Job, Plan

HEXAGAN_METHODS = ("hexagan", "hexagan_imputer")
GPU_DATASETS = ("mnist", "celeba")


def measured_costs(plan: Plan, results: Path) -> dict[tuple, float]:
    """Wall seconds of the plan's jobs that a full-budget run recorded, by job key."""
    paths = {key: results / Path(plan.run_path(job)).relative_to(Path(plan.out) / "results")
             for key, job in plan.jobs.items()}
    found = {key: path for key, path in paths.items() if path.is_file()}
    if not found:
        return {}
    jobs = read_jobs([str(path) for path in found.values()])
    return dict(zip(found, jobs["wall_seconds"].astype(float)))


# Settings that change how long training lasts or what is kept, not the work of one iteration.
NOT_PER_ITERATION = {"max_steps", "eval_every", "warmup_epochs", "selection", "validation_metric", "snapshot_steps",
                     "verbose", "early_stopping", "n_iter_no_change", "tol"}


def iteration_seconds(job: Job, est, plan: Plan, steps: int, cache: dict, data: dict, device: str = "cpu") -> float:
    """Seconds of one iteration of the job's HexaGAN ``est`` with all its splits as replicas, on ``device``.

    Timed once per (dataset, method, flags, per-iteration settings): rates and mechanisms give the same shapes.
    ``data`` maps a dataset to its replicas' (Xs, ys, seeds, n_classes), the protocol's splits when absent.
    """
    flags, config = est._model_kwargs(), est._train_config()
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in NOT_PER_ITERATION}
    # (CPU timings keep the key they always had: --times files written before stay valid.)
    key = canonical_json(["iteration", job.dataset, job.method, flags, settings] + [device] * (device != "cpu"))
    if key not in cache:
        if job.dataset not in data:
            data[job.dataset] = split_data(job.dataset, plan.protocol["n_repeats"], plan.protocol["n_folds"])
        Xs, ys, seeds, n_classes = data[job.dataset]
        if job.method == "hexagan_imputer":
            ys, n_classes = None, 0
        cache[key] = 1 / iterations_per_second(Xs, ys, seeds, n_classes, steps, warmup=2, config=config,
                                               device=device, **flags)
        print(f"timed {job.dataset} {job.label}: {cache[key]:.3f} s an iteration", flush=True)
    return cache[key]


def _first_split_seconds(spec: dict) -> float:
    spec = {**spec, "protocol": {**spec["protocol"], "repeats": [0], "folds": [0]}}
    results, _ = run_job(spec, threads=1)
    return float(results["wall_seconds"].iloc[0])


def split_seconds(job: Job, plan: Plan, limit: float, times: dict) -> tuple[float, bool]:
    """Wall seconds of the job on its first split, and whether ``limit`` cut it off.

    Timed once per (dataset, method, parameters): rates and mechanisms cost about the same.  ``times``
    (a JSON-able dict) holds earlier timings and receives this one.
    """
    key = canonical_json(["first split", job.dataset, job.method, job.params])
    if key not in times or (times[key][1] and times[key][0] < limit):  # cut off earlier at a lower limit
        spec = plan.job_spec(job)
        # spawn: a fresh interpreter that can be stopped at the limit without leaving threads behind
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pending = pool.apply_async(_first_split_seconds, (spec,))
            try:
                times[key] = [pending.get(timeout=limit), False]
            except multiprocessing.TimeoutError:
                pool.terminate()
                times[key] = [limit, True]
        print(f"timed {job.dataset} {job.label} on one split: {'at least ' * times[key][1]}{times[key][0]:.1f} s",
              flush=True)
    seconds, capped = times[key]
    return float(seconds), bool(capped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"), help="a full-budget run's results/")
    parser.add_argument("--steps", type=int, default=5, help="timed iterations per HexaGAN job kind")
    parser.add_argument("--cores", type=int, default=8)
    parser.add_argument("--datasets", nargs="+", help="project only these datasets' jobs (default: every CPU one)")
    parser.add_argument("--methods", nargs="+", help="project only these registry methods' jobs (default: all)")
    parser.add_argument("--split-limit", type=float, default=1800, help="seconds before a one-split timing stops")
    parser.add_argument("--times", type=Path, help="a JSON file of timings, reused and extended")
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # inherited by the timed children
        os.environ[var] = "1"
    torch.set_num_threads(1)
    plan = Plan(load_config(), check_data=False)
    cpu_jobs = {k: j for k, j in plan.jobs.items()
                if j.dataset.split(".")[0] not in GPU_DATASETS or j.dataset in (args.datasets or ())}
    jobs = {k: j for k, j in cpu_jobs.items() if (args.datasets is None or j.dataset in args.datasets)
            and (args.methods is None or j.method in args.methods)}
    measured = measured_costs(plan, args.results)
    # HexaGAN jobs to time: those to project, and the measured ones of the same methods, which calibrate
    # the overhead (other methods' calibration would not be used).
    projected = {j.method for j in jobs.values()}
    times = json.loads(args.times.read_text()) if args.times and args.times.is_file() else {}

    def keep() -> None:
        if args.times:
            write_text(args.times, json.dumps(times, indent=1, sort_keys=True))

    data: dict = {}
    timed, stops_early = {}, set()
    for k, j in cpu_jobs.items():
        if j.method in HEXAGAN_METHODS and (k in jobs or (k in measured and j.method in projected)):
            est = create(j.method, **method_params(j.method, j.params))
            timed[k] = iteration_seconds(j, est, plan, args.steps, times, data) * est.max_steps
            if getattr(est, "early_stopping", False):
                stops_early.add(k)  # max_steps is its bound, not its length: an upper bound, no calibration
            keep()
    data.clear()  # several GB with credit and madelon; the one-split timings load their own
    # What validation and setup add to the bare iterations; the spread over jobs says how far to trust it.
    ratios = {m: [measured[k] / timed[k] for k in timed
                  if k in measured and k not in stops_early and cpu_jobs[k].method == m]
              for m in HEXAGAN_METHODS}
    overhead = {m: float(np.median(r)) if r else 1.0 for m, r in ratios.items()}
    # The other jobs: their first split, the measured ones first (they calibrate), cheap datasets first.
    sizes = {name: np.prod(load_dataset(name).X.shape) for name in {j.dataset for j in cpu_jobs.values()}}
    first_split = {}
    for k, j in sorted(cpu_jobs.items(), key=lambda kj: (kj[0] not in measured, sizes[kj[1].dataset])):
        if j.method not in HEXAGAN_METHODS and (k in jobs or (k in measured and j.method in projected)):
            first_split[k] = split_seconds(j, plan, args.split_limit, times)
            keep()
    n_splits = {k: plan.n_splits(j) for k, j in cpu_jobs.items()}
    split_ratios: dict[str, list] = {}
    for k, (seconds, capped) in first_split.items():
        if k in measured and not capped:
            split_ratios.setdefault(cpu_jobs[k].method, []).append(measured[k] / (seconds * n_splits[k]))
    split_ratio = {m: float(np.median(r)) for m, r in split_ratios.items()}
    rows = []
    for key, job in jobs.items():
        if key in measured:
            seconds, source = measured[key], "measured"
        elif key in timed:
            seconds, source = timed[key] * overhead[job.method], "timed"
        else:
            split, capped = first_split[key]
            seconds = split * n_splits[key] * split_ratio.get(job.method, 1.0)
            source = "timed split, at least" if capped else "timed split"
        rows.append(dict(key=key, dataset=job.dataset, method=job.method, source=source, seconds=seconds))
    frame = pd.DataFrame(rows)
    by_kind = frame.groupby(["dataset", "method", "source"]).agg(jobs=("seconds", "size"),
                                                                  hours=("seconds", lambda s: s.sum() / 3600))
    pd.set_option("display.width", 160)
    print("HexaGAN overhead over bare iterations (measured/timed, median [each job]): "
          + "; ".join(f"{m} {overhead[m]:.2f} {np.round(r, 2).tolist()}" for m, r in ratios.items()))
    print("Other methods, measured job / (first split x splits), median [each job]: "
          + "; ".join(f"{m} {split_ratio[m]:.2f} {np.round(r, 2).tolist()}" for m, r in sorted(split_ratios.items())))
    print(by_kind.round(2).to_string())
    # What each experiment needs on its own (a job that several experiments share counts in each).
    seconds = dict(zip(frame["key"], frame["seconds"]))
    by_experiment = {}
    for name, exp in plan.experiments.items():
        keys = {(c.dataset, c.mechanism, c.rate, c.job) for c in exp.cells} & seconds.keys()
        if exp.enabled and keys:
            by_experiment[name] = (len(keys), sum(seconds[k] for k in keys) / 3600)
    print("\nBy experiment (jobs, CPU-hours; shared jobs count in each): "
          + "; ".join(f"{name} {n}, {h:.1f}" for name, (n, h) in by_experiment.items()))
    total = frame["seconds"].sum() / 3600
    longest = frame["seconds"].max() / 3600
    by_source = frame.groupby("source")["seconds"].agg(["size", "sum"])
    print(f"\n{len(frame)} CPU jobs: {total:.1f} CPU-hours ("
          + ", ".join(f"{src}: {int(n)} jobs, {sec / 3600:.1f} h" for src, (n, sec) in by_source.iterrows())
          + f"); on {args.cores} cores at least {max(total / args.cores, longest):.1f} h (longest job {longest:.1f} h)")


if __name__ == "__main__":
    main()
