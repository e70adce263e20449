"""HexaGAN training throughput: one model vs K=50 replicas in one pass.

For breast and credit (20 % MCAR entries, 20 % missing labels, the protocol's
splits), times ``--steps`` iterations of Algorithm 2 after ``--warmup``
untimed ones, for K=1 (the first split) and K=50 (10 repeats x 5 folds), and
prints iterations/s and the speed-up over training the 50 models one after
another.  Runs in a few minutes on 2 CPU cores.

    python bench/bench_replicas.py [--steps 20] [--threads 1]
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import time

import torch

from hexagan import methods
from hexagan.data import load_dataset
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.model.train_config import TrainConfig
from hexagan.protocol import PROTOCOL, build_split, make_masks, method_params
from hexagan.protocol.splits import make_splits
from hexagan.replicas.training import ReplicaData


def split_data(name: str, n_repeats: int, n_folds: int):
    """Training rows, labels (-1 = hidden) and seeds of the protocol's splits."""
    ds = load_dataset(name)
    splits = make_splits(ds.y, n_repeats=n_repeats, n_folds=n_folds, val_fraction=PROTOCOL["val_fraction"])
    masks = {r: make_masks(ds, "mcar", 0.2, r) for r in {s.repeat for s in splits}}
    data = [build_split(ds, masks[s.repeat], s) for s in splits]
    return [sd.X_train for sd in data], [sd.y_train for sd in data], [sd.split.seed for sd in data], ds.n_classes


def workflow_config(**settings) -> TrainConfig:
    """The TrainConfig the workflow's ``hexagan`` jobs train with (the estimator the protocol builds), with
    ``settings`` changed."""
    est = methods.create("hexagan", **method_params("hexagan", {}))
    return dataclasses.replace(est._train_config(), **settings)


def iterations_per_second(Xs, ys, seeds, n_classes, steps: int, warmup: int, config: TrainConfig | None = None,
                          device: str | torch.device = "cpu", **flags) -> float:
    """Iterations of Algorithm 2 a second on ``device``; ``n_classes=0`` (with ``ys=None``) times the imputation
    part only.

    ``flags``: HexaGAN's architecture flags (``use_g_cg=False``, ...).
    """
    model = HexaGAN(d=Xs[0].shape[1], n_classes=n_classes, seeds=seeds, **flags)
    core = HexaGANCore(model, ReplicaData.from_arrays(Xs, ys, n_classes), config or workflow_config(), device=device)
    for s in range(1, warmup + 1):
        core.step(s)
    synchronize(core.device)
    start = time.perf_counter()
    for s in range(warmup + 1, warmup + steps + 1):
        core.step(s)
    synchronize(core.device)  # CUDA runs asynchronously: the clock stops when the device has finished
    return steps / (time.perf_counter() - start)


def synchronize(device: torch.device) -> None:
    """Wait for the work queued on ``device`` (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (small tensors: 1 is fastest)")
    parser.add_argument("--datasets", nargs="+", default=["breast", "credit"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; {args.steps} timed iterations after {args.warmup}")
    print(f"{'dataset':8} {'K':>3} {'iter/s':>8} {'replica-iter/s':>15} {'speed-up vs 50 sequential':>27}")
    for name in args.datasets:
        Xs, ys, seeds, n_classes = split_data(name, 10, 5)
        single = iterations_per_second(Xs[:1], ys[:1], seeds[:1], n_classes, args.steps, args.warmup)
        print(f"{name:8} {1:>3} {single:8.2f} {single:15.2f} {'1.00':>27}", flush=True)
        batched = iterations_per_second(Xs, ys, seeds, n_classes, args.steps, args.warmup)
        k = len(Xs)
        print(f"{name:8} {k:>3} {batched:8.2f} {batched * k:15.2f} {batched * k / single:27.2f}", flush=True)


if __name__ == "__main__":
    main()
