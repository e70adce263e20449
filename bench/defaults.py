"""HexaGAN with its defaults on tables the project does not tune on, against what a user would try first.

A user's view (issue 15): scikit-learn's bundled tables, min-max scaled on the
training rows, 20 % of the elements hidden completely at random (a mask of
our own, one per seed), a stratified 80/20 train/test split of our own, and
for the classifiers 20 % of the training labels hidden (-1).  Every method
runs with its defaults and sees only the training rows (HexaGAN carves its
own validation part from them); nothing here is chosen on these test rows.

* imputers -- ``HexaGANImputer(scale=False)`` against ``KNNImputer()``,
  ``IterativeImputer()`` and the column mean: pooled RMSE over the hidden
  entries of the test rows, each method fitted on the training rows;
* classifiers -- ``HexaGANClassifier(scale=False)`` against the column mean +
  logistic regression (the suite's ``mean+logreg``): F1 of the positive
  class (breast: malignant) or macro-F1 (several classes) on the test rows.

The tables are scaled here, on the training rows, as before issue 25 gave the
estimators their own scaling: they run with ``scale=False`` (scaling [0, 1]
rows again is not exactly the identity), so the numbers of docs/defaults.md stay what
this script gives; ``bench/raw_units.py`` runs them on raw tables.

The seeds of one table are trained together as replicas (``fit_replicas``),
which gives each the numbers of its own ``fit`` (tests/test_hexagan.py) in
less time; a fit's seconds are the replicas' time shared equally.

Tables: ``breast`` (the issue's acceptance case; also a table of the paper,
whose validation parts chose the defaults -- the masks and splits here are
others), ``digits`` (8x8 images, 10 classes), ``diabetes`` (imputation
only).  ``--classify`` lists the tables whose classifiers run (the
classifier costs ~20x the imputer an iteration).

    python bench/defaults.py [--tables breast digits diabetes] [--classify breast] [--seeds 0 1 2]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import torch
from sklearn import datasets
from sklearn.experimental import enable_iterative_imputer  # noqa: F401 - registers IterativeImputer
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from hexagan import methods
from hexagan.methods import FitTask
from hexagan.model.estimators import HexaGANClassifier, HexaGANImputer

RATE = 0.2
# name -> (loader, positive class whose F1 is reported; None: macro-F1)
TABLES = {
    "breast": (datasets.load_breast_cancer, 0),  # 0 = malignant, the class the paper scores
    "digits": (datasets.load_digits, None),
    "diabetes": (datasets.load_diabetes, None),  # a regression target: imputation only
}
IMPUTERS = {
    "KNNImputer": lambda seed: KNNImputer(),
    "IterativeImputer": lambda seed: IterativeImputer(random_state=seed),
    "column mean": lambda seed: SimpleImputer(),
}


def split(table: str, seed: int):
    """(X_train, X_train_true, y_train with -1, X_test, X_test_true, y_test), scaled on the training rows."""
    X, y = TABLES[table][0](return_X_y=True)
    rng = np.random.default_rng(seed)
    classes = table != "diabetes"
    train, test = train_test_split(np.arange(len(X)), test_size=0.2, random_state=seed,
                                   stratify=y if classes else None)
    X_missing = np.where(rng.random(X.shape) < RATE, np.nan, X)
    low, high = np.nanmin(X_missing[train], 0), np.nanmax(X_missing[train], 0)
    span = np.where(high > low, high - low, 1.0)

    def scale(A):
        return (A - low) / span

    y_train = np.where(rng.random(len(train)) < RATE, -1, y[train]) if classes else None
    return (scale(X_missing[train]), scale(X[train]), y_train, scale(X_missing[test]), scale(X[test]),
            y[test] if classes else None)


def rmse(X_true, X_imputed, X_missing) -> float:
    hidden = np.isnan(X_missing)
    return float(np.sqrt(np.mean((X_true[hidden] - X_imputed[hidden]) ** 2)))


def f1(y_true, y_pred, positive) -> float:
    if positive is None:
        return float(f1_score(y_true, y_pred, average="macro"))
    return float(f1_score(y_true, y_pred, pos_label=positive, average="binary"))


def run_table(table: str, seeds: list[int], classify: bool) -> list[dict]:
    data = [split(table, s) for s in seeds]
    n_train = len(data[0][0])
    rows = []

    def add(method, task, metric, seed, value, seconds, n_iter=None):
        rows.append(dict(table=table, task=task, method=method, metric=metric, seed=seed, value=value,
                         seconds_per_1000_rows=seconds * 1000 / n_train, n_iter=n_iter))

    def replicas(est, tasks):
        start = time.perf_counter()
        fitted = est.fit_replicas(tasks)
        return fitted, (time.perf_counter() - start) / len(tasks)

    fitted, seconds = replicas(HexaGANImputer(scale=False), [FitTask(X=d[0], seed=s) for s, d in zip(seeds, data)])
    for s, d, est in zip(seeds, data, fitted):
        add("HexaGANImputer(scale=False)", "imputation", "RMSE", s, rmse(d[4], est.transform(d[3]), d[3]), seconds,
            est.n_iter_)
    for name, make in IMPUTERS.items():
        for s, d in zip(seeds, data):
            start = time.perf_counter()
            X_imp = make(s).fit(d[0]).transform(d[3])
            add(name, "imputation", "RMSE", s, rmse(d[4], X_imp, d[3]), time.perf_counter() - start)
    if classify:
        positive = TABLES[table][1]
        metric = "F1" if positive is not None else "macro-F1"
        fitted, seconds = replicas(HexaGANClassifier(scale=False),
                                   [FitTask(X=d[0], y=d[2], seed=s) for s, d in zip(seeds, data)])
        for s, d, est in zip(seeds, data, fitted):
            add("HexaGANClassifier(scale=False)", "classification", metric, s, f1(d[5], est.predict(d[3]), positive),
                seconds, est.n_iter_)
        for s, d in zip(seeds, data):
            start = time.perf_counter()
            pred = methods.create("mean+logreg").fit(d[0], d[2]).predict(d[3])
            add("column mean + logistic regression", "classification", metric, s, f1(d[5], pred, positive),
                time.perf_counter() - start)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--classify", nargs="*", default=["breast"], choices=[t for t in TABLES if t != "diabetes"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default=None, help="also write the per-seed rows here (CSV)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"20 % MCAR, own 80/20 splits, seeds {args.seeds}, one torch thread; load {os.getloadavg()[0]:.1f}",
          flush=True)
    rows = []
    for table in args.tables:  # each table's rows as soon as they are there: a table can take many minutes
        start = time.perf_counter()
        rows += run_table(table, args.seeds, table in args.classify)
        print(f"  {table}: {time.perf_counter() - start:.0f} s", flush=True)
        print(summarise(pd.DataFrame([r for r in rows if r["table"] == table])), flush=True)
        if args.out:
            pd.DataFrame(rows).to_csv(args.out, index=False)
    print(summarise(pd.DataFrame(rows)))


def summarise(frame: pd.DataFrame) -> str:
    """Mean and sd over the seeds, the fit's seconds per 1 000 training rows, HexaGAN's median iterations."""
    summary = frame.groupby(["table", "task", "metric", "method"], sort=False).agg(
        mean=("value", "mean"), sd=("value", "std"), seconds_per_1000_rows=("seconds_per_1000_rows", "mean"),
        n_iter=("n_iter", "median"))
    return summary.reset_index().to_markdown(index=False, floatfmt=".4f")


if __name__ == "__main__":
    main()
