"""What MNIST's conv HexaGAN costs on this machine: one run at the paper's settings, timed and projected.

Sec. 4.1.2 and Figures 3-5 train HexaGAN with appendix Table 2's convolutional networks on MNIST at 50 % MCAR.
This times ``--steps`` iterations (after 2 untimed) of each MNIST HexaGAN job of config/config.yaml on the
protocol's first split of the real MNIST files (50 400 training rows, 784 pixels), one replica (K = 1, one
run) on ``--threads`` CPU threads, and projects the job's ``max_steps``: for one run (what Figures 3-5 need,
single-run and qualitative) and for the job as planned (its splits as replicas: one for the figures, 50 for a
table; a replica costs about what a lone run does on a CPU, so K times one run).  Bare iterations: validation
and setup come on top (1.5-2.2x for the measured CPU jobs, docs/cost.md).

    HEXAGAN_DATA=../shared/data python bench/mnist_conv_cost.py [--steps 5] [--threads 1]
"""
from __future__ import annotations

import argparse

import torch

from bench_replicas import iterations_per_second
from hexagan.data import load_dataset
from hexagan.methods import create
from hexagan.protocol import PROTOCOL, build_split, make_masks, method_params
from hexagan.protocol.splits import make_splits
from hexagan.suite.config import load_config
from hexagan.suite.plan import Plan

HEXAGAN_METHODS = ("hexagan", "hexagan_imputer")


def first_split(dataset: str, mechanism: str, rate: float):
    """The protocol's first split of ``dataset``: (training rows, labels with -1 hidden, seed, classes)."""
    ds = load_dataset(dataset)
    split = make_splits(ds.y, n_repeats=1, n_folds=PROTOCOL["n_folds"], val_fraction=PROTOCOL["val_fraction"])[0]
    data = build_split(ds, make_masks(ds, mechanism, rate, split.repeat), split)
    return data.X_train, data.y_train, split.seed, ds.n_classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="timed iterations per job")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    plan = Plan(load_config(), check_data=False)
    jobs = [j for j in plan.jobs.values() if j.dataset == "mnist" and j.method in HEXAGAN_METHODS]
    X, y, seed, n_classes = first_split("mnist", jobs[0].mechanism, float(jobs[0].rate))
    print(f"MNIST's first split: {X.shape[0]} training rows x {X.shape[1]} pixels, {(y >= 0).sum()} labelled; "
          f"{args.steps} iterations timed after 2, K = 1, {args.threads} thread(s)")
    print(f"{'job':24s} {'architecture':>12s} {'s / iteration':>14s} {'max_steps':>10s} {'one run, h':>11s} "
          f"{'splits':>7s} {'job, CPU-h':>11s}")
    for job in jobs:
        est = create(job.method, **method_params(job.method, job.params))
        imputer = job.method == "hexagan_imputer"
        seconds = 1 / iterations_per_second([X], None if imputer else [y], [seed], 0 if imputer else n_classes,
                                            args.steps, warmup=2, config=est._train_config(),
                                            **est._model_kwargs())
        splits = plan.n_splits(job)
        one_run = seconds * est.max_steps / 3600
        print(f"{job.label:24s} {est.architecture:>12s} {seconds:14.3f} {est.max_steps:10d} {one_run:11.1f} "
              f"{splits:7d} {one_run * splits:11.0f}", flush=True)


if __name__ == "__main__":
    main()
