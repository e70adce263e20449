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
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from bench_replicas import iterations_per_second, split_data
from hexagan import experiments as X
from hexagan.data import load_dataset
from hexagan.methods import create

HEXAGAN_METHODS = ("hexagan", "hexagan_imputer")
GPU_DATASETS = ("mnist", "celeba")


def measured_costs(plan: X.Plan, results: Path) -> dict[tuple, float]:
    """Wall seconds of the plan's jobs that a full-budget run recorded, by job key."""
    out = {}
    for key, job in plan.jobs.items():
        path = results / Path(plan.run_path(job)).relative_to(Path(plan.out) / "results")
        if path.is_file():
            out[key] = float(pd.read_csv(path, sep="\t", usecols=["wall_seconds"])["wall_seconds"].iloc[0])
    return out


def iteration_seconds(job: X.Job, est, plan: X.Plan, steps: int, cache: dict) -> float:
    """Seconds of one iteration of the job's HexaGAN ``est`` with all its splits as replicas."""
    flags = est._model_kwargs()
    key = (job.dataset, job.method, tuple(sorted(flags.items())))  # rates and mechanisms: same shapes, same speed
    if key not in cache:
        Xs, ys, seeds, n_classes = split_data(job.dataset, plan.protocol["n_repeats"], plan.protocol["n_folds"])
        if job.method == "hexagan_imputer":
            ys, n_classes = None, 0
        cache[key] = 1 / iterations_per_second(Xs, ys, seeds, n_classes, steps, warmup=2,
                                               config=est._train_config(), **flags)
    return cache[key]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"), help="a full-budget run's results/")
    parser.add_argument("--steps", type=int, default=5, help="timed iterations per HexaGAN job kind")
    parser.add_argument("--cores", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(1)
    plan = X.Plan(X.load_config(), check_data=False)
    jobs = {k: j for k, j in plan.jobs.items() if j.dataset.split(".")[0] not in GPU_DATASETS}
    measured = measured_costs(plan, args.results)
    sizes = {name: np.prod(load_dataset(name).X.shape) for name in {j.dataset for j in jobs.values()}}
    cache: dict = {}
    timed = {}
    for k, j in jobs.items():
        if j.method in HEXAGAN_METHODS:
            est = create(j.method, **j.params)
            timed[k] = iteration_seconds(j, est, plan, args.steps, cache) * est.max_steps
    # What validation and setup add to the bare iterations, from the HexaGAN jobs both measured and timed.
    overhead = {m: np.median([measured[k] / timed[k] for k in timed if k in measured and jobs[k].method == m] or [1.0])
                for m in HEXAGAN_METHODS}
    rows = []
    for key, job in jobs.items():
        if key in measured:
            seconds, source = measured[key], "measured"
        elif key in timed:
            seconds, source = timed[key] * overhead[job.method], "timed"
        else:
            same = [(k, s) for k, s in measured.items() if jobs.get(k) and jobs[k].method == job.method]
            if not same:
                seconds, source = float("nan"), "unknown"
            else:
                ref, ref_seconds = min(same, key=lambda ks: abs(np.log(sizes[jobs[ks[0]].dataset] / sizes[job.dataset])))
                seconds, source = ref_seconds * sizes[job.dataset] / sizes[jobs[ref].dataset], "scaled"
        rows.append(dict(dataset=job.dataset, method=job.method, source=source, seconds=seconds))
    frame = pd.DataFrame(rows)
    by_kind = frame.groupby(["dataset", "method", "source"]).agg(jobs=("seconds", "size"),
                                                                  hours=("seconds", lambda s: s.sum() / 3600))
    pd.set_option("display.width", 160)
    print(f"HexaGAN overhead over bare iterations (measured/timed): "
          + ", ".join(f"{m} {v:.2f}" for m, v in overhead.items()))
    print(by_kind.round(2).to_string())
    total = frame["seconds"].sum() / 3600
    longest = frame["seconds"].max() / 3600
    print(f"\n{len(frame)} CPU jobs: {total:.1f} CPU-hours ({frame['source'].value_counts().to_dict()}); "
          f"on {args.cores} cores at least {max(total / args.cores, longest):.1f} h (longest job {longest:.1f} h)")


if __name__ == "__main__":
    main()
