"""Replica 0 of a K-replica fit against its lone fit, step by step (issue 29).

``drift``: for the protocol's splits of a table (breast, 20 % MCAR entries and
labels, the published Table 2 job's splits and seeds), builds a HexaGANCore of
split 0 alone (K = 1) and one of the first K splits for each ``--k``, all with
the paper's schedule (``TrainConfig()``: what the workflow's ``hexagan`` jobs
train with), converts them to ``--dtypes`` (float32 is the code's own; float64
converts the networks, the data and the noise after construction: the random
streams stay float32 draws, widened), and trains them in lockstep on one thread.  After every
iteration it compares replica 0's parameters (every tensor of every network) in
each K-replica core with the lone core's, and prints

* the first iteration where any tensor differs, which one, and by how much;
* the growth curve: at iterations 1, 2, 5, 10, 20, 50, ... the largest
  absolute and relative difference over all tensors (relative: the tensor's
  max |difference| over its max |value|), and the tensor that holds it;
* whether replica 0 of the different K agree bit for bit with each other.

``metrics``: Table 2's HexaGAN (``hexagan`` with config/config.yaml's weights,
the protocol's 2 000 iterations and validation selection) on the first
``--splits`` splits, fitted alone (``protocol.run(..., replicas=False)``) and
as replicas of one fit, with the published 50-replica rows of the same
splits (results/runs/breast/mcar_0.2/hexagan.tsv) beside them.

    python bench/replica_drift.py drift [--k 8 50] [--steps 300] [--dtypes float32 float64]
    python bench/replica_drift.py metrics [--splits 5]

It writes nothing.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time

import torch

from bench_replicas import split_data
from hexagan.algorithm import HexaGANCore
from hexagan.model import HexaGAN
from hexagan.train_config import TrainConfig
from hexagan.training import ReplicaData

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def build(Xs, ys, seeds, n_classes, dtype: torch.dtype) -> HexaGANCore:
    """A HexaGANCore of the given splits with the paper's schedule, its networks and data in ``dtype``.

    The conversion happens before the first step, so the optimisers' state is
    created in ``dtype`` too; the random draws stay the float32 uniforms of
    :class:`~hexagan.replica.ReplicaRNG`, the same in every core.
    """
    model = HexaGAN(d=Xs[0].shape[1], n_classes=n_classes, seeds=seeds)
    core = HexaGANCore(model, ReplicaData.from_arrays(Xs, ys, n_classes), TrainConfig())
    if dtype != torch.float32:
        core.model.to(dtype)  # in place: the optimisers keep the same parameter objects
        core.data = dataclasses.replace(core.data, x=core.data.x.to(dtype), m=core.data.m.to(dtype))
        draw = core._uniform  # the noise enters the networks beside the data: the same float32 draws, widened
        core._uniform = lambda *shape: draw(*shape).to(dtype)
    return core


def replica0(core: HexaGANCore) -> dict[str, torch.Tensor]:
    return {name: t[0].detach() for name, t in core.model.state_dict().items()}


def compare(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> tuple[float, float, str]:
    """(largest absolute difference, largest relative difference, the tensor of the relative one)."""
    worst_abs, worst_rel, where = 0.0, 0.0, ""
    for name, t in a.items():
        diff = (t - b[name]).abs().max().item()
        rel = diff / max(b[name].abs().max().item(), 1e-30)
        worst_abs = max(worst_abs, diff)
        if rel > worst_rel:
            worst_rel, where = rel, name
    return worst_abs, worst_rel, where


def report_steps(n: int) -> list[int]:
    out, base = [], 1
    while base <= n:
        out += [s for s in (base, 2 * base, 5 * base) if s <= n]
        base *= 10
    return sorted(set(out + [n]))


def drift(args) -> None:
    Xs, ys, seeds, n_classes = split_data(args.dataset, 10, 5)
    ratio = [round(64 * float((y < 0).sum() / max((y >= 0).sum(), 1))) for y in ys]
    print(f"{args.dataset}: split 0 alone and the first K = {args.k} of its 50 splits; {args.steps} iterations of "
          f"TrainConfig(); unlabeled rows per batch of each split (64 x its own ratio): {ratio[:max(args.k)]}")
    for name in args.dtypes:
        dtype = DTYPES[name]
        start = time.perf_counter()
        alone = build(Xs[:1], ys[:1], seeds[:1], n_classes, dtype)
        together = {k: build(Xs[:k], ys[:k], seeds[:k], n_classes, dtype) for k in args.k}
        first = {k: None for k in args.k}
        curve = {k: [] for k in args.k}
        same_across_k = None  # the first step where replica 0 of two Ks differ
        shown = set(report_steps(args.steps))
        for s in range(1, args.steps + 1):
            alone.step(s)
            ref = replica0(alone)
            states = {}
            for k, core in together.items():
                core.step(s)
                states[k] = replica0(core)
                worst_abs, worst_rel, where = compare(states[k], ref)
                if worst_abs > 0 and first[k] is None:
                    first[k] = (s, where, worst_abs, worst_rel)
                if s in shown:
                    curve[k].append((s, worst_abs, worst_rel, where))
            ks = list(states)
            if same_across_k is None and any(compare(states[k], states[ks[0]])[0] > 0 for k in ks[1:]):
                same_across_k = s
        seconds = time.perf_counter() - start
        print(f"\n{name} ({seconds:.0f} s):")
        for k in args.k:
            if first[k] is None:
                print(f"  K = {k}: replica 0 equals the lone fit bit for bit for all {args.steps} iterations")
            else:
                s, where, a, r = first[k]
                print(f"  K = {k}: first difference at iteration {s}, in {where}: max |diff| {a:.3g} "
                      f"(relative {r:.3g})")
        if len(args.k) > 1:
            print("  replica 0 of K = " + ", ".join(map(str, args.k)) + (
                " agree bit for bit at every iteration" if same_across_k is None
                else f" first differ at iteration {same_across_k}"))
        print(f"  {'iteration':>9} " + " ".join(f"{'K=' + str(k) + ' max|diff|':>16} {'relative':>9}" for k in args.k)
              + "  tensor (largest relative, last K)")
        for i, s in enumerate(sorted(shown)):
            cells = " ".join(f"{curve[k][i][1]:16.3g} {curve[k][i][2]:9.3g}" for k in args.k)
            print(f"  {s:9d} {cells}  {curve[args.k[-1]][i][3]}")
        rel = [(s, r) for s, _, r, _ in curve[args.k[-1]] if r > 0]
        if len(rel) >= 2:
            (s0, r0), (s1, r1) = rel[0], rel[-1]
            print(f"  growth (K = {args.k[-1]}): relative difference x{(r1 / r0) ** (1 / max(s1 - s0, 1)):.4f} "
                  f"per iteration on average, from {r0:.3g} at {s0} to {r1:.3g} at {s1}")


def metrics(args) -> None:
    import numpy as np
    import pandas as pd

    from hexagan import protocol
    from hexagan.data import load_dataset
    from hexagan.suite.config import load_config

    params = load_config("config/config.yaml")["methods"]["hexagan"]["params"]
    ds = load_dataset("breast")
    folds = list(range(args.splits))
    rows = {}
    for replicas in (False, True):
        start = time.perf_counter()
        out = protocol.run(ds, "hexagan", params, repeats=[0], folds=folds, replicas=replicas)
        rows["replicas" if replicas else "alone"] = out.set_index(["repeat", "fold", "metric"]).value
        print(f"{'replicas' if replicas else 'alone'}: {time.perf_counter() - start:.0f} s", flush=True)
    published = pd.read_csv("results/runs/breast/mcar_0.2/hexagan.tsv", sep="\t")
    everything = published.set_index(["repeat", "fold", "metric"]).value
    rows["published (K=50)"] = everything.loc[[(0, f) for f in folds]]
    for metric in ("f1", "auroc"):
        table = pd.DataFrame({name: v.xs(metric, level="metric") for name, v in rows.items()})
        print(f"\n{metric}, repeat 0:\n{table.round(4).to_string()}")
        for a in rows:
            for b in rows:
                if a < b:
                    d = (table[a] - table[b]).abs()
                    print(f"  |{a} - {b}|: mean {d.mean():.4f}, max {d.max():.4f}")
        spread = everything.xs(metric, level="metric")
        print(f"  published, all 50 splits: mean {spread.mean():.4f}, sd {spread.std():.4f} "
              f"(sd of a mean of {args.splits}: {spread.std() / math.sqrt(args.splits):.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("drift")
    p.add_argument("--dataset", default="breast")
    p.add_argument("--k", type=int, nargs="+", default=[8])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--dtypes", nargs="+", choices=list(DTYPES), default=list(DTYPES))
    m = sub.add_parser("metrics")
    m.add_argument("--splits", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.1f}")
    drift(args) if args.what == "drift" else metrics(args)


if __name__ == "__main__":
    main()
