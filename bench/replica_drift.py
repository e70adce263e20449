"""A split trained as a replica against its lone fit, step by step, and their final scores (issue 29).

``drift``: for the protocol's splits of a table (breast, 20 % MCAR entries and
labels: the published Table 2 job's splits and seeds), builds a HexaGANCore of
split ``--replica`` alone and one of each replica set (``--k K``: the first K
splits; ``--sets 0,1,48``: these splits), all with the paper's schedule
(``workflow_config()``, as the workflow's ``hexagan`` jobs train), converts them to
each of ``--dtypes`` (float32 is the code's own; float64 converts the
networks, the data and the noise after construction: the random streams stay
float32 draws, widened), and trains them in lockstep on one thread.  After
every iteration it compares the split's parameters (every tensor of every
network) in each replica fit with the lone fit's, and prints

* the first iteration where any tensor differs, which one and by how much, and
  the first iterations where the relative difference reaches 1e-6, 1e-4,
  1e-2 and 0.1;
* the growth curve: at iterations 1, 2, 3, 5, 7, 10, 20, ... the largest
  absolute and relative difference over all tensors (relative: the tensor's
  max |difference| over its max |value|), and the tensor of the relative one;
* whether the split agrees bit for bit across the replica fits.

``metrics``: Table 2's HexaGAN (``hexagan`` with config/config.yaml's weights,
the protocol's 2 000 iterations and validation selection) on the first
``--splits`` splits of breast's job, each fitted alone and all as replicas of
one fit (beside the split of the largest unlabeled ratio, so that their
batches are padded as in the 50-replica job: the drift run below shows split 0
bit for bit equal in the two fits), scored on their test folds, with the
published 50-replica rows of the same splits
(results/runs/breast/mcar_0.2/hexagan.tsv) beside them.

    python bench/replica_drift.py drift [--k 8 50] [--sets 0,1,2,3,4,48] [--steps 300] [--dtypes float32 float64]
    python bench/replica_drift.py metrics [--splits 5]

It writes nothing.  Measured at the commit that added per-replica unlabeled
batches, one thread, a busy 2-core machine:

* before it (each replica given the job's largest unlabeled batch), split 0
  of the first 8 splits left its lone fit at iteration 1 by 0.235 (relative,
  C's bias) in float32 and float64 alike: another batch, not rounding;
* after it, ``--k 8 --steps 1000``: float32 1.6e-7 at iteration 1, at least
  1e-6 from 5, 1e-4 from 6, 1e-2 from 21, 0.1 from 99 (0.95 at 500, 1.25 at
  1000); float64 2.7e-13 at 1, below 1e-8 until 300, 1e-4 from 439, 0.1 from
  503 (417 s and 495 s);
* ``--k 50 --steps 120`` float32: 2.4e-4 at iteration 1 (D_MI's output bias),
  1e-2 from 21, 0.1 from 81; ``--k 50 --sets 0,1,2,3,4,48 --steps 100``: split
  0 bit for bit equal in the two fits at every iteration;
* ``metrics --splits 5`` (lone fits 964 s, the replica fit 357 s), test F1 of
  repeat 0's folds 0-4, alone / replicas / published: 0.8750 / 0.8608 /
  0.8889, 0.9213 / 0.9213 / 0.9438, 0.9302 / 0.9302 / 0.9176, 0.8537 /
  0.8537 / 0.8462, 0.9412 / 0.9412 / 0.9302 (means 0.9043 / 0.9014 /
  0.9053); AUROC replicas - alone at most 0.0016 (mean |.| 0.0006),
  published - alone at most 0.0175 (mean |.| 0.0061); over the 50 published
  splits F1 sd 0.0303, AUROC sd 0.0119.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time

import torch

from bench_replicas import split_data, workflow_config
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.replicas.training import ReplicaData

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def build(Xs, ys, seeds, n_classes, dtype: torch.dtype) -> HexaGANCore:
    """A HexaGANCore of the given splits with the paper's schedule, its networks and data in ``dtype``.

    The conversion happens before the first step, so the optimisers' state is
    created in ``dtype`` too; the random draws stay the float32 uniforms of
    :class:`~hexagan.replicas.replica.ReplicaRNG`, the same in every core.
    """
    model = HexaGAN(d=Xs[0].shape[1], n_classes=n_classes, seeds=seeds)
    core = HexaGANCore(model, ReplicaData.from_arrays(Xs, ys, n_classes), workflow_config())
    if dtype != torch.float32:
        core.model.to(dtype)  # in place: the optimisers keep the same parameter objects
        core.data = dataclasses.replace(core.data, x=core.data.x.to(dtype), m=core.data.m.to(dtype))
        draw = core._uniform  # the noise enters the networks beside the data: the same float32 draws, widened
        core._uniform = lambda *shape: draw(*shape).to(dtype)
    return core


def replica_params(core: HexaGANCore, r: int) -> dict[str, torch.Tensor]:
    return {name: t[r].detach() for name, t in core.model.state_dict().items()}


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


THRESHOLDS = (1e-6, 1e-4, 1e-2, 1e-1)


def report_steps(n: int) -> list[int]:
    out, base = [], 1
    while base <= n:
        out += [s for s in (base, 2 * base, 3 * base, 5 * base, 7 * base) if s <= n]
        base *= 10
    return sorted(set(out + [n]))


def drift(args) -> None:
    Xs, ys, seeds, n_classes = split_data(args.dataset, 10, 5)
    ratio = [round(64 * float((y < 0).sum() / max((y >= 0).sum(), 1))) for y in ys]
    sets = {f"K={k}": list(range(k)) for k in args.k}
    sets |= {f"{{{s}}}": [int(i) for i in s.split(",")] for s in args.sets}
    if any(args.replica not in members for members in sets.values()):
        raise SystemExit(f"split {args.replica} is not in every replica set {sets}")
    print(f"{args.dataset}: split {args.replica} alone and as a replica of the fits of splits {list(sets)}; "
          f"{args.steps} iterations of the workflow's TrainConfig; unlabeled rows per batch of each split (64 x its own ratio): "
          f"{ratio}")
    for name in args.dtypes:
        dtype = DTYPES[name]
        start = time.perf_counter()
        r = args.replica
        alone = build(Xs[r:r + 1], ys[r:r + 1], seeds[r:r + 1], n_classes, dtype)
        together = {label: build([Xs[i] for i in members], [ys[i] for i in members], [seeds[i] for i in members],
                                 n_classes, dtype) for label, members in sets.items()}
        position = {label: members.index(r) for label, members in sets.items()}
        first = {label: None for label in sets}
        crossed = {label: {} for label in sets}  # threshold -> first iteration the relative difference reached it
        curve = {label: [] for label in sets}
        same_across = None  # the first step where the replica differs between two of the fits
        shown = set(report_steps(args.steps))
        for s in range(1, args.steps + 1):
            alone.step(s)
            ref = replica_params(alone, 0)
            states = {}
            for label, core in together.items():
                core.step(s)
                states[label] = replica_params(core, position[label])
                worst_abs, worst_rel, where = compare(states[label], ref)
                if worst_abs > 0 and first[label] is None:
                    first[label] = (s, where, worst_abs, worst_rel)
                for t in THRESHOLDS:
                    if worst_rel >= t:
                        crossed[label].setdefault(t, s)
                if s in shown:
                    curve[label].append((s, worst_abs, worst_rel, where))
            labels = list(states)
            if same_across is None and any(compare(states[x], states[labels[0]])[0] > 0 for x in labels[1:]):
                same_across = s
        seconds = time.perf_counter() - start
        print(f"\n{name} ({seconds:.0f} s):")
        for label in sets:
            if first[label] is None:
                print(f"  {label}: split {r} equals its lone fit bit for bit for all {args.steps} iterations")
            else:
                s, where, a, rel = first[label]
                print(f"  {label}: first difference at iteration {s}, in {where}: max |diff| {a:.3g} "
                      f"(relative {rel:.3g}); relative difference first at least "
                      + ", ".join(f"{t:g} at {crossed[label][t]}" if t in crossed[label] else f"{t:g} never"
                                  for t in THRESHOLDS))
        if len(sets) > 1:
            print(f"  split {r} in the fits of " + ", ".join(sets) + (
                " agrees bit for bit at every iteration" if same_across is None
                else f": first differs between them at iteration {same_across}"))
        last = list(sets)[-1]
        print(f"  {'iteration':>9} " + " ".join(f"{label + ' max|diff|':>20} {'relative':>9}" for label in sets)
              + f"  tensor (largest relative, {last})")
        for i, s in enumerate(sorted(shown)):
            cells = " ".join(f"{curve[label][i][1]:20.3g} {curve[label][i][2]:9.3g}" for label in sets)
            print(f"  {s:9d} {cells}  {curve[last][i][3]}")
        rel = [(s, x) for s, _, x, _ in curve[last] if x > 0]
        if len(rel) >= 2:
            (s0, r0), (s1, r1) = rel[0], rel[-1]
            print(f"  growth ({last}): relative difference x{(r1 / r0) ** (1 / max(s1 - s0, 1)):.4f} "
                  f"per iteration on average, from {r0:.3g} at {s0} to {r1:.3g} at {s1}")


def metrics(args) -> None:
    import pandas as pd

    from hexagan import protocol
    from hexagan.data import load_dataset
    from hexagan.protocol.splits import make_splits
    from hexagan.suite.config import load_config

    params = load_config("config/config.yaml")["methods"]["hexagan"]["params"]
    ds = load_dataset("breast")
    splits = make_splits(ds.y, n_repeats=10, n_folds=5, val_fraction=0.1)  # the job's 50 splits (seed 0)
    masks = {r: protocol.make_masks(ds, "mcar", 0.2, r) for r in {s.repeat for s in splits}}
    data = [protocol.build_split(ds, masks[s.repeat], s) for s in splits]
    ratio = [float((sd.y_train < 0).sum() / max((sd.y_train >= 0).sum(), 1)) for sd in data]
    chosen = list(range(args.splits))
    # The replica fit holds the split of the largest unlabeled ratio too: its batches are padded as in the
    # 50-replica fit, the rest of which cannot change a replica's numbers.
    widest = max(range(len(data)), key=ratio.__getitem__)
    rows = {}
    for label, groups in (("alone", [[i] for i in chosen]), ("replicas", [chosen + [widest]])):
        start, scored = time.perf_counter(), []
        for group in groups:
            fitted = protocol.fit_method("hexagan", params, [data[i] for i in group], replicas=True)
            for i, (est, _) in zip(group, fitted):
                if i in chosen:
                    sd = data[i]
                    values = protocol.score(est, sd)
                    print(f"  {label} split ({sd.split.repeat}, {sd.split.fold}): "
                          + ", ".join(f"{m} {v!r}" for m, v in values.items()), flush=True)
                    scored += [dict(repeat=sd.split.repeat, fold=sd.split.fold, metric=m, value=v)
                               for m, v in values.items()]
        rows[label] = pd.DataFrame(scored).set_index(["repeat", "fold", "metric"]).value
        print(f"{label}: {time.perf_counter() - start:.0f} s", flush=True)
    published = pd.read_csv("results/runs/breast/mcar_0.2/hexagan.tsv", sep="\t")
    everything = published.set_index(["repeat", "fold", "metric"]).value
    pairs = [(splits[i].repeat, splits[i].fold) for i in chosen]
    rows["published"] = everything[everything.index.droplevel("metric").isin(pairs)]
    print(f"splits {[(splits[i].repeat, splits[i].fold) for i in chosen]}; replicas fitted beside split "
          f"{(splits[widest].repeat, splits[widest].fold)} (64 x ratio = {round(64 * ratio[widest])}); published: "
          "the 50-replica job of results/, every replica with that many unlabeled rows per batch")
    for metric in ("f1", "auroc", "auprc"):
        table = pd.DataFrame({name: v.xs(metric, level="metric") for name, v in rows.items()})
        print(f"\n{metric}:\n{table.round(4).to_string()}")
        print(f"  means: " + ", ".join(f"{name} {table[name].mean():.4f}" for name in table))
        for a, b in (("replicas", "alone"), ("published", "alone"), ("published", "replicas")):
            d = table[a] - table[b]
            print(f"  {a} - {b}: mean {d.mean():+.4f}, mean |.| {d.abs().mean():.4f}, max |.| {d.abs().max():.4f}")
        spread = everything.xs(metric, level="metric")
        print(f"  published, all 50 splits: mean {spread.mean():.4f}, sd {spread.std():.4f} "
              f"(sd of a mean of {args.splits}: {spread.std() / math.sqrt(args.splits):.4f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("drift")
    p.add_argument("--dataset", default="breast")
    p.add_argument("--k", type=int, nargs="*", default=[8], help="fits of the first K splits")
    p.add_argument("--sets", nargs="*", default=[], help="fits of these splits, e.g. 0,1,2,3,4,48")
    p.add_argument("--replica", type=int, default=0, help="the split compared with its lone fit")
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
