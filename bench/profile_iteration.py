"""Where one iteration of Algorithm 2 (``HexaGANCore.step``) spends its time, K=50 replicas, one thread.

For each table and architecture (``mlp``: appendix B.3's networks,
``mlp_authors``: the authors' one-hidden-layer ones), with ``workflow_config()``
(5 D_MI, 1 E+G_MI, 10 x (5 D_CG + 1 G_CG), 1 C per iteration), it prints

* the share of an iteration's wall time per update group (D_MI, E+G_MI, D_CG,
  G_CG, C, and "other": the learning-rate decay and the loop), timed without
  the profiler, median over ``--steps`` iterations after one untimed one;
* under ``torch.profiler``, the share of each kind of op (self CPU time,
  summed over every op of that name, the backward pass included), and per
  update group the ops it runs and its share that is spent inside ops;
* the Python overhead: the share of the wall time not spent inside any
  torch op (1 - Σ self time of all ops / profiled wall time; the profiler's
  own bookkeeping per op counts as overhead, so this is an upper bound).

Tables: breast (its 50 protocol splits, d = 30) and, for a wide table, a
random stand-in of madelon's shape (d = 500, 1 600 training rows, 20 %
missing entries and labels): the cost depends on the shapes only.  At d = 500
an iteration is compute-bound (~80 s at K = 50 on one thread): ``--wide-k 5``
gives the same shares at a tenth of the cost.  Times are
never compared across runs, only shares within one.

    python bench/profile_iteration.py [--steps 3] [--tables breast wide] [--archs mlp mlp_authors]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import os
import statistics
import time

import numpy as np
import torch

from bench_replicas import split_data, workflow_config
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.model.train_config import TrainConfig
from hexagan.replicas.training import ReplicaData

K = 50
GROUPS = ("d_mi", "eg", "d_cg", "g_cg", "c")
LABELS = {"d_mi": "D_MI", "eg": "E+G_MI", "d_cg": "D_CG", "g_cg": "G_CG", "c": "C", "other": "other"}


def random_table(d: int, n: int = 1600, n_classes: int = 2, missing: float = 0.2, seed: int = 0, k: int = K):
    """k random training sets of n rows x d features in [0, 1], ``missing`` of entries and labels hidden."""
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for _ in range(k):
        X = rng.random((n, d))
        X[rng.random((n, d)) < missing] = np.nan
        y = rng.integers(0, n_classes, n)
        y[rng.random(n) < missing] = -1
        Xs.append(X)
        ys.append(y)
    return Xs, ys, list(range(k)), n_classes


def table(name: str, wide_k: int = K):
    """breast's 50 protocol splits, or the d = 500 stand-in with ``wide_k`` replicas."""
    if name == "breast":
        return split_data("breast", 10, 5)
    if name == "wide":
        return random_table(500, k=wide_k)
    raise ValueError(name)


def build(data, architecture: str, config: TrainConfig | None = None) -> HexaGANCore:
    Xs, ys, seeds, n_classes = data
    model = HexaGAN(d=Xs[0].shape[1], n_classes=n_classes, seeds=seeds, architecture=architecture)
    return HexaGANCore(model, ReplicaData.from_arrays(Xs, ys, n_classes), config or workflow_config())


@contextlib.contextmanager
def instrumented(core: HexaGANCore, seconds: dict, label: bool = False):
    """Time each ``_update`` by group into ``seconds`` (and name it for the profiler when ``label``)."""
    original = core._update

    def timed(group, terms):
        start = time.perf_counter()
        with torch.profiler.record_function(f"group::{group}") if label else contextlib.nullcontext():
            out = original(group, terms)
        seconds[group] += time.perf_counter() - start
        return out

    core._update = timed
    try:
        yield
    finally:
        del core._update


def group_shares(core: HexaGANCore, steps: int, first: int = 1) -> tuple[float, dict[str, float]]:
    """Median seconds per iteration and the median share of each group (unprofiled)."""
    totals, shares = [], collections.defaultdict(list)
    for s in range(first, first + steps + 1):
        seconds = collections.Counter()
        with instrumented(core, seconds):
            start = time.perf_counter()
            core.step(s)
            total = time.perf_counter() - start
        if s == first:
            continue  # untimed
        totals.append(total)
        for g in (*GROUPS, "other"):
            shares[g].append((seconds[g] if g != "other" else total - sum(seconds.values())) / total)
    return statistics.median(totals), {g: statistics.median(v) for g, v in shares.items()}


def _group_of(event) -> str:
    while event is not None:
        if event.name.startswith("group::"):
            return event.name[len("group::"):]
        event = event.cpu_parent
    return "other"


def profile_ops(core: HexaGANCore, steps: int, first: int):
    """(profiled wall seconds, {op: self seconds}, {group: {op: self seconds}}, {group: wall seconds})."""
    seconds = collections.Counter()
    with instrumented(core, seconds, label=True), torch.profiler.profile(
            activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        for s in range(first, first + steps):
            core.step(s)
        wall = time.perf_counter() - start
    ops = collections.Counter()
    per_group = collections.defaultdict(collections.Counter)
    for event in prof.events():
        if event.name.startswith("group::"):
            continue
        self_s = event.self_cpu_time_total / 1e6
        ops[event.name] += self_s
        per_group[_group_of(event)][event.name] += self_s
    return wall, ops, per_group, seconds


def report(name: str, architecture: str, data, steps: int) -> None:
    core = build(data, architecture)
    per_iter, shares = group_shares(core, steps)
    print(f"\n== {name} d={data[0][0].shape[1]}, {architecture}, K={len(data[2])}: {per_iter:.3f} s per iteration "
          f"(median of {steps}; unprofiled) ==")
    print("update group   share   per update")
    config = core.config
    counts = {"d_mi": config.n_critic, "eg": 1, "d_cg": config.n_cg * config.n_critic, "g_cg": config.n_cg, "c": 1}
    for g in (*GROUPS, "other"):
        per_update = f"{1e3 * shares[g] * per_iter / counts[g]:8.2f} ms" if g in counts else ""
        print(f"  {LABELS[g]:10} {100 * shares[g]:6.1f} %  {per_update}")
    wall, ops, per_group, seconds = profile_ops(core, steps, first=steps + 2)
    inside = sum(ops.values())
    print(f"profiled ({steps} iterations, {wall / steps:.3f} s each): time inside torch ops {100 * inside / wall:.1f} %, "
          f"Python and dispatch overhead (outside any op) {100 * (1 - inside / wall):.1f} %")
    print("op kind (self time, share of the profiled wall time), top 15:")
    for op, s in ops.most_common(15):
        print(f"  {op:45} {100 * s / wall:6.1f} %")
    print("per group: share of the group's wall time inside ops; its top 5 ops (share of the group's wall time)")
    for g in GROUPS:
        if not seconds[g]:
            continue
        total = sum(per_group[g].values())
        top = ", ".join(f"{op} {100 * s / seconds[g]:.0f}%" for op, s in per_group[g].most_common(5))
        print(f"  {LABELS[g]:7} ops {100 * total / seconds[g]:5.1f} % | {top}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--tables", nargs="+", default=["breast", "wide"])
    parser.add_argument("--archs", nargs="+", default=["mlp", "mlp_authors"])
    parser.add_argument("--wide-k", type=int, default=K,
                        help="replicas of the d=500 stand-in (one iteration at K=50 takes ~80 s on one thread)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    for name in args.tables:
        data = table(name, args.wide_k)
        for architecture in args.archs:
            report(name, architecture, data, args.steps)


if __name__ == "__main__":
    main()
