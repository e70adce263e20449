"""Projected CPU-hours of the full workflow (config/config.yaml) from measured costs.

Every job of the full plan (CelebA and MNIST excluded: they are GPU jobs) gets a cost, with its source:

- ``measured``: the wall time recorded by a full-budget run of the same job (``results/runs/``);
- ``timed``: HexaGAN jobs not run yet -- ``--steps`` iterations of Algorithm 2 timed here with all
  of the job's splits as replicas (the job's own flags and data), times its ``max_steps``, times the
  overhead (validation, setup) that the measured HexaGAN jobs of the same method had over their
  timed iterations;
- ``scaled``: other jobs not run yet -- the same method's measured time on the dataset most like it,
  scaled by rows x features (a rough guide: the library imputers do not scale linearly).

Prints one line per (dataset, method) and the totals: CPU-hours (one thread a job) and the wall time on
``--cores`` cores, which cannot be shorter than the longest job.

    python bench/project_full_run.py [--results results] [--steps 5] [--cores 8]
"""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from bench_replicas import iterations_per_second, split_data
from hexagan import experiments as X
from hexagan.data import load_dataset
from hexagan.methods import create
from hexagan.report import read_jobs

HEXAGAN_METHODS = ("hexagan", "hexagan_imputer")
GPU_DATASETS = ("mnist", "celeba")


def measured_costs(plan: X.Plan, results: Path) -> dict[tuple, float]:
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
                     "verbose"}


def iteration_seconds(job: X.Job, est, plan: X.Plan, steps: int, cache: dict, data: dict) -> float:
    """Seconds of one iteration of the job's HexaGAN ``est`` with all its splits as replicas.

    Timed once per (dataset, method, flags, per-iteration settings): rates and mechanisms give the same shapes.
    """
    flags, config = est._model_kwargs(), est._train_config()
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in NOT_PER_ITERATION}
    key = (job.dataset, job.method, repr(sorted(flags.items())), repr(sorted(settings.items())))
    if key not in cache:
        if job.dataset not in data:
            data[job.dataset] = split_data(job.dataset, plan.protocol["n_repeats"], plan.protocol["n_folds"])
        Xs, ys, seeds, n_classes = data[job.dataset]
        if job.method == "hexagan_imputer":
            ys, n_classes = None, 0
        cache[key] = 1 / iterations_per_second(Xs, ys, seeds, n_classes, steps, warmup=2, config=config, **flags)
        print(f"timed {job.dataset} {job.label}: {cache[key]:.3f} s an iteration", flush=True)
    return cache[key]


def scaled_cost(job: X.Job, measured: dict[tuple, float], all_jobs: dict[tuple, X.Job], sizes: dict) -> float:
    """The same method's measured time on the dataset most like the job's, times rows x features; NaN if none."""
    same = [(all_jobs[k], s) for k, s in measured.items() if all_jobs[k].method == job.method]
    if not same:
        return float("nan")
    ref, seconds = min(same, key=lambda js: abs(np.log(sizes[js[0].dataset] / sizes[job.dataset])))
    return seconds * sizes[job.dataset] / sizes[ref.dataset]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"), help="a full-budget run's results/")
    parser.add_argument("--steps", type=int, default=5, help="timed iterations per HexaGAN job kind")
    parser.add_argument("--cores", type=int, default=8)
    parser.add_argument("--datasets", nargs="+", help="project only these datasets' jobs (default: every CPU one)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    plan = X.Plan(X.load_config(), check_data=False)
    cpu_jobs = {k: j for k, j in plan.jobs.items() if j.dataset.split(".")[0] not in GPU_DATASETS}
    jobs = {k: j for k, j in cpu_jobs.items() if args.datasets is None or j.dataset in args.datasets}
    measured = measured_costs(plan, args.results)
    sizes = {name: np.prod(load_dataset(name).X.shape) for name in {j.dataset for j in cpu_jobs.values()}}
    # HexaGAN jobs to time: those to project, and every measured one, which calibrates the overhead.
    cache: dict = {}
    data: dict = {}
    timed = {}
    for k, j in cpu_jobs.items():
        if j.method in HEXAGAN_METHODS and (k in jobs or k in measured):
            est = create(j.method, **j.params)
            timed[k] = iteration_seconds(j, est, plan, args.steps, cache, data) * est.max_steps
    # What validation and setup add to the bare iterations; the spread over jobs says how far to trust it.
    ratios = {m: [measured[k] / timed[k] for k in timed if k in measured and cpu_jobs[k].method == m]
              for m in HEXAGAN_METHODS}
    overhead = {m: float(np.median(r)) if r else 1.0 for m, r in ratios.items()}
    rows = []
    for key, job in jobs.items():
        if key in measured:
            seconds, source = measured[key], "measured"
        elif key in timed:
            seconds, source = timed[key] * overhead[job.method], "timed"
        else:
            seconds = scaled_cost(job, measured, cpu_jobs, sizes)
            source = "scaled" if np.isfinite(seconds) else "unknown (not counted)"
        rows.append(dict(dataset=job.dataset, method=job.method, source=source, seconds=seconds))
    frame = pd.DataFrame(rows)
    by_kind = frame.groupby(["dataset", "method", "source"]).agg(jobs=("seconds", "size"),
                                                                  hours=("seconds", lambda s: s.sum() / 3600))
    pd.set_option("display.width", 160)
    print("HexaGAN overhead over bare iterations (measured/timed, median [each job]): "
          + "; ".join(f"{m} {overhead[m]:.2f} {np.round(r, 2).tolist()}" for m, r in ratios.items()))
    print(by_kind.round(2).to_string())
    total = frame["seconds"].sum() / 3600
    longest = frame["seconds"].max() / 3600
    by_source = frame.groupby("source")["seconds"].agg(["size", "sum"])
    print(f"\n{len(frame)} CPU jobs: {total:.1f} CPU-hours ("
          + ", ".join(f"{src}: {int(n)} jobs, {sec / 3600:.1f} h" for src, (n, sec) in by_source.iterrows())
          + f"); on {args.cores} cores at least {max(total / args.cores, longest):.1f} h (longest job {longest:.1f} h)")


if __name__ == "__main__":
    main()
