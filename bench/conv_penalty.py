"""The conv D_MI's penalty column by column against batched vector-Jacobian products: iteration time and bits.

The conv HexaGAN (Figures 3-5, ``hexagan_mnist``) regularises D_MI with autograd: Eq. (6) needs one
vector-Jacobian product per sampled output column (32 a D_MI update).  Batched with ``is_grads_batched``
they nest a vmap inside :class:`~hexagan.replicas.replica.ReplicaModules`' own, and the convolutions' double
backward falls back to a per-column path that writes a zero tensor of the whole chunk's size per column.
``as_critic`` therefore wraps that critic in :class:`~hexagan.model.losses.ColumnByColumn`.  This trains two
cores of the same model side by side on MNIST's first protocol split (50 400 rows, K = 1, ``--threads``),
one with the critic as ``as_critic`` gives it and one with the batched closure, interleaved step by step,
and prints each step's seconds, the median ratio and whether their parameters stay bit-identical.

Measured once (torch 2.13 CPU, nothing else running, 3 steps after one): column by column 18.4 s an iteration
on one thread against 34.1 batched (1.83x), 10.1 against 19.6 on two (1.95x); bit-identical after 4 steps.
Takes about 4 minutes.

On a GPU (``--device cuda``), ``--synthetic ROWS`` stands in random MNIST-shaped rows for the data files.

    HEXAGAN_DATA=../shared/data python bench/conv_penalty.py [--steps 3] [--threads 1]
    python bench/conv_penalty.py --device cuda --synthetic 50400 [--threads N]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hexagan.methods import create
from hexagan.model import algorithm, losses
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.model.networks import IMAGE_SIDE
from hexagan.model.penalties import as_critic
from hexagan.protocol import method_params
from hexagan.replicas.training import ReplicaData
from gpu_check import table
from mnist_conv_cost import first_split


def batched_as_critic(*args, **kwargs):
    """``as_critic`` without the ColumnByColumn wrapper: the batched vector-Jacobian products."""
    critic = as_critic(*args, **kwargs)
    return critic.fn if isinstance(critic, losses.ColumnByColumn) else critic


def synthetic(rows: int):
    """``rows`` random MNIST-shaped rows (gpu_check's synthetic table), half the pixels and half the labels
    missing, as the figures' job: (X, y, seed, classes)."""
    rng = np.random.default_rng(0)
    _, X, y = table(rng, rows, IMAGE_SIDE ** 2, 10, rate=0.5)
    y[rng.random(rows) < 0.5] = -1
    return X, y, 0, 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="timed iterations per way, after one untimed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--synthetic", type=int, metavar="ROWS", help="random rows instead of MNIST's files")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y, seed, n_classes = synthetic(args.synthetic) if args.synthetic else first_split("mnist", "mcar", 0.5)
    est = create("hexagan", **method_params("hexagan", {"architecture": "conv", "batch_size": 64}))
    cores = {}
    for way in ("column by column", "batched"):
        model = HexaGAN(d=X.shape[1], n_classes=n_classes, seeds=[seed], **est._model_kwargs())
        cores[way] = HexaGANCore(model, ReplicaData.from_arrays([X], [y], n_classes), est._train_config(),
                                 device=args.device)
    seconds = {way: [] for way in cores}
    for step in range(1, args.steps + 2):
        for way, core in cores.items():
            algorithm.as_critic = as_critic if way == "column by column" else batched_as_critic
            start = time.perf_counter()
            core.step(step)
            if core.device.type == "cuda":
                torch.cuda.synchronize(core.device)  # the clock stops when the device has finished
            if step > 1:
                seconds[way].append(time.perf_counter() - start)
    algorithm.as_critic = as_critic
    source = "synthetic rows" if args.synthetic else "MNIST's first split"
    print(f"{source}, {X.shape[0]} rows, K = 1, "
          f"{args.device}, {args.threads} thread(s), {args.steps} steps after one")
    for way, times in seconds.items():
        print(f"{way:17s} s / iteration: {' '.join(f'{t:.2f}' for t in times)}  (median {statistics.median(times):.2f})")
    ratio = statistics.median(b / c for b, c in zip(seconds["batched"], seconds["column by column"]))
    same = all(torch.equal(a, b) for a, b in zip(cores["column by column"].model.state_dict().values(),
                                                 cores["batched"].model.state_dict().values()))
    print(f"batched / column by column: {ratio:.2f}x (median of the per-step ratios); parameters bit-identical "
          f"after {args.steps + 1} steps: {same}")


if __name__ == "__main__":
    main()
