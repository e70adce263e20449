"""Why does HexaGAN lose to GAIN?  One GAIN ingredient at a time, on validation only.

Our full-budget Table 1 has HexaGAN's imputer behind GAIN and the library
imputers on breast and wine, and Table 3 its classifier behind the GAIN
cascades.  GAIN (its public code) and HexaGAN (the paper and its authors'
code) differ in a few settings; this swaps each into HexaGAN alone:

* ``fill_noise=0.01`` -- GAIN fills the missing slots with U(0, 0.01), Eq. (1) with U(0, 1);
* ``lr_gan=1e-3`` -- GAIN's learning rate (HexaGAN: 2e-4);
* ``optimizer="adam"`` -- GAIN's optimiser (HexaGAN: RMSProp);
* ``adversarial_loss="gain"`` -- GAIN's cross-entropy (HexaGAN: Eqs. 3-4);
* ``alpha1=100`` -- GAIN's reconstruction weight (HexaGAN: 10 on a sum over columns);

and one that is not GAIN's: ``adversarial_loss="conditional"``, Eqs. 3-4 with
each column's conditional means, as Theorem 1 is proved and the authors' code
computes them (see :func:`hexagan.model.losses.loss_d_mi_conditional`).  For the
classifier, two of C's own settings: a smaller learning rate and a larger L2
weight.

Issue 15 (the defaults for a user's own table) adds the authors' smaller
networks (``mlp_authors``, alone and with the fill) and, with ``--patience``,
early stopping replayed on each split's validation curve: the iteration at
which ``n_iter_no_change`` validations without an improvement above ``tol``
would have stopped, and the validation score of the checkpoint kept there
(replaying is exact: stopping only reads that curve).

Each variant trains the protocol's splits of one repeat (20 % MCAR, min-max
on training rows) as replicas and is scored on each split's *validation*
part: the imputer (``--method hexagan_imputer``) by the RMSE on its hidden
entries, the classifier (``--method hexagan``) by the log-loss of its
labeled rows (what selection minimises), with the F1 there beside it; at the
best checkpoint and at the last one.  The test folds are never read, so a
setting chosen from this table is not tuned on the test fold.

    python bench/validation_study.py [--method hexagan_imputer] [--datasets breast wine] [--steps 8000]
        [--variants paper fill_0.01] [--eval-every 10 --patience 10 30 100]
"""
from __future__ import annotations

import argparse
import os
import time

import pandas as pd
import torch

from hexagan import protocol
from hexagan.data import load_dataset
from hexagan.protocol.splits import make_splits

VARIANTS = {
    "paper": {},
    "fill_0.01": {"fill_noise": 0.01},
    "lr_1e-3": {"lr_gan": 1e-3},
    "adam": {"optimizer": "adam"},
    "gain_loss": {"adversarial_loss": "gain"},
    "alpha1_100": {"alpha1": 100},
    "conditional": {"adversarial_loss": "conditional"},
    # the classifier's own settings (its best checkpoint comes early and its log-loss then grows):
    "lr_c_5e-4": {"lr_c": 5e-4},        # C's learning rate (ours: 2e-3)
    "c_l2_1e-2": {"c_l2": 1e-2},        # C's L2 weight (the authors' code: 1e-3)
    # the authors' networks (one hidden layer of d/2, h of d/2), an option for the user defaults:
    "authors_net": {"architecture": "mlp_authors"},
    "authors_net_fill_0.01": {"architecture": "mlp_authors", "fill_noise": 0.01},
}


# What each method selects its checkpoint on (lower is better), and a metric read at that checkpoint.
SCORES = {"hexagan_imputer": ("val_rmse", None), "hexagan": ("val_log_loss", "val_f1")}


def validation_scores(history: pd.DataFrame, method: str) -> dict:
    """One replica's validation score at its best checkpoint and at the last one (and the side metric there)."""
    score, side = SCORES[method]
    curve = history[history.name == score].set_index("step")["value"]
    row = dict(best=float(curve.min()), last=float(curve.iloc[-1]), best_step=int(curve.idxmin()))
    if side:
        row[side] = float(history[(history.name == side) & (history.step == row["best_step"])]["value"].iloc[0])
    return row


def replay_early_stopping(curve: pd.Series, n_iter_no_change: int, tol: float) -> tuple[int, float]:
    """(stop step, score kept) of early stopping on one validation curve (step -> score, lower is better),
    as :func:`hexagan.replicas.training.train_loop` decides it."""
    best, stale = float("inf"), 0
    for step, score in curve.items():
        stale = 0 if score < best - tol else stale + 1
        best = min(best, score)
        if stale >= n_iter_no_change:
            return int(step), best
    return int(curve.index[-1]), best


def study(method: str, dataset: str, variants: list[str], steps: int, folds: int, eval_every: int,
          patience: list[int], tol: float) -> pd.DataFrame:
    ds = load_dataset(dataset)
    masks = protocol.make_masks(ds, "mcar", 0.2, 0)
    grid = {key: protocol.PROTOCOL[key] for key in ("n_repeats", "n_folds", "val_fraction")}
    data = [protocol.build_split(ds, masks, split)
            for split in make_splits(ds.y, **grid, repeats=[0], folds=list(range(folds)))]
    rows = []
    for variant in variants:
        params = dict(VARIANTS[variant], max_steps=steps, eval_every=eval_every, n_threads=1)
        start = time.perf_counter()
        for est, _ in protocol.fit_method(method, params, data):
            row = dict(dataset=dataset, variant=variant, split=est.seed_, **validation_scores(est.history_, method))
            curve = est.history_[est.history_.name == SCORES[method][0]].set_index("step")["value"]
            for n in patience:
                row[f"stop_{n}"], row[f"kept_{n}"] = replay_early_stopping(curve, n, tol)
            rows.append(row)
        print(f"  {dataset} {variant}: {time.perf_counter() - start:.0f} s", flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="hexagan_imputer", choices=list(SCORES))
    parser.add_argument("--datasets", nargs="+", default=["breast", "wine"])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, help="iterations (default: the full configuration's, 8000 or 2000)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--eval-every", type=int, help="default: the full configuration's, 250 or 100")
    parser.add_argument("--patience", type=int, nargs="*", default=[],
                        help="replay early stopping with these n_iter_no_change on each validation curve")
    parser.add_argument("--tol", type=float, default=1e-4, help="early stopping's tol (with --patience)")
    parser.add_argument("--out", default=None, help="also write the per-split table here (CSV)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    imputer = args.method == "hexagan_imputer"
    steps, eval_every = args.steps or (8000 if imputer else 2000), args.eval_every or (250 if imputer else 100)
    print(f"{args.method}, 20 % MCAR, repeat 0 x {args.folds} folds, {steps} iterations; validation "
          f"{SCORES[args.method][0]} (best and last checkpoint); load {os.getloadavg()[0]:.1f}", flush=True)
    table = pd.concat([study(args.method, d, args.variants, steps, args.folds, eval_every, args.patience, args.tol)
                       for d in args.datasets])
    if args.out:
        table.to_csv(args.out, index=False)
    side = SCORES[args.method][1]
    summary = table.groupby(["dataset", "variant"], sort=False).agg(
        best=("best", "mean"), best_sd=("best", "std"), last=("last", "mean"), best_step=("best_step", "median"),
        **({side: (side, "mean")} if side else {}),
        **{f"{what}_{n}": (f"{what}_{n}", "mean" if what == "kept" else "median")
           for n in args.patience for what in ("stop", "kept")})
    if "paper" in args.variants:  # relative change per split against the paper's settings, and how many improve
        paper = table[table.variant == "paper"].set_index(["dataset", "split"])["best"]
        change = table["best"].values / paper.loc[list(zip(table.dataset, table.split))].values - 1
        per = table.assign(change=change).groupby(["dataset", "variant"], sort=False)["change"]
        summary["vs_paper"] = per.mean()
        summary["splits_better"] = per.apply(lambda c: f"{(c < 0).sum()}/{len(c)}")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
