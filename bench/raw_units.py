"""Imputers on tables in their own units, as the README's snippet meets them (issue 25).

A user's view: scikit-learn's bundled tables as they come (breast: 0.05 to
4 254; diabetes with ``scaled=False``: ages, BMI, blood serum values; wine),
20 % of the entries hidden completely at random (a mask per seed), and
``fit_transform`` on the whole table, scored on the hidden entries -- what
``HexaGANImputer(random_state=0).fit_transform(ds.X)`` of the README does.
Each imputer runs with and without min-max scaling:

* ``HexaGANImputer`` -- ``scale=True`` (its default: it scales inside and
  imputes in the table's units) and ``scale=False`` (the estimators before
  issue 25); its defaults but a ceiling of :data:`HEXAGAN_MAX_STEPS`
  iterations to keep the run affordable (early stopping ends most sooner);
  the seeds of a table train together as replicas, each equal to its own fit;
* ``KNNImputer``, ``IterativeImputer``, the column mean -- scikit-learn's
  defaults on the raw table, and inside a ``MinMaxScaler`` (fitted on the
  observed entries, inverted after imputing).

Errors: RMSE over the hidden entries in the table's units, and the same
divided by each column's range (max - min of the complete column), so every
column weighs alike.  Mean and sd over the seeds.  Nothing is chosen on these
tables.

    python bench/raw_units.py [--seeds 0 1 2] [--out bench/out/raw_units.csv]
"""
from __future__ import annotations

import argparse
import functools
import os
import time
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401 - registers IterativeImputer
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.preprocessing import MinMaxScaler

from hexagan.io import atomic_path
from hexagan.methods import FitTask
from hexagan.model.estimators import HexaGANImputer
from hexagan.replicas.training import DivergenceError

RATE = 0.2
HEXAGAN_MAX_STEPS = 4000
TABLES = {
    "breast": datasets.load_breast_cancer,
    "diabetes": functools.partial(datasets.load_diabetes, scaled=False),
    "wine": datasets.load_wine,
}
LIBRARY = {
    "KNNImputer": lambda seed: KNNImputer(),
    "IterativeImputer": lambda seed: IterativeImputer(random_state=seed),
    "column mean": lambda seed: SimpleImputer(),
}


def masked(table: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(the complete table, the table with 20 % of its entries hidden)."""
    X = TABLES[table](return_X_y=True)[0].astype(np.float64)
    return X, np.where(np.random.default_rng(seed).random(X.shape) < RATE, np.nan, X)


def errors(X: np.ndarray, X_missing: np.ndarray, X_imputed: np.ndarray) -> dict[str, float]:
    hidden = np.isnan(X_missing)
    if np.isnan(X_imputed[hidden]).any() or not np.array_equal(X_imputed[~hidden], X_missing[~hidden]):
        raise RuntimeError("an imputer left NaN or changed an observed entry")
    span = X.max(axis=0) - X.min(axis=0)
    diff = X_imputed - X
    return {"rmse": float(np.sqrt(np.mean(diff[hidden] ** 2))),
            "rmse_range": float(np.sqrt(np.mean((diff / span)[hidden] ** 2)))}


def with_minmax(imputer, X_missing: np.ndarray) -> np.ndarray:
    """``imputer`` on the columns min-max scaled (observed entries), its imputations mapped back."""
    scaler = MinMaxScaler().fit(X_missing)
    out = scaler.inverse_transform(imputer.fit_transform(scaler.transform(X_missing)))
    return np.where(np.isnan(X_missing), out, X_missing)


def run_table(table: str, seeds: list[int]) -> list[dict]:
    data = [masked(table, s) for s in seeds]
    rows = []
    for scale in (True, False):
        method = f"HexaGANImputer(max_steps={HEXAGAN_MAX_STEPS})"
        start = time.perf_counter()
        try:
            fitted = HexaGANImputer(max_steps=HEXAGAN_MAX_STEPS, scale=scale).fit_replicas(
                [FitTask(X=X_missing, seed=s) for s, (_, X_missing) in zip(seeds, data)])
        except DivergenceError as err:  # the raw units can make the losses overflow
            print(f"    {method} scale={scale}: {str(err)[:160]}", flush=True)
            rows += [dict(table=table, method=method, scaling=scale, seed=s, rmse=np.nan, rmse_range=np.nan,
                          seconds=np.nan, n_iter=np.nan, note="diverged") for s in seeds]
            continue
        seconds = (time.perf_counter() - start) / len(seeds)
        for s, (X, X_missing), est in zip(seeds, data, fitted):
            rows.append(dict(table=table, method=method, scaling=scale, seed=s, seconds=seconds, n_iter=est.n_iter_,
                             **errors(X, X_missing, est.transform(X_missing))))
    for name, make in LIBRARY.items():
        for scale in (True, False):
            for s, (X, X_missing) in zip(seeds, data):
                start = time.perf_counter()
                X_imp = with_minmax(make(s), X_missing) if scale else make(s).fit_transform(X_missing)
                rows.append(dict(table=table, method=name, scaling=scale, seed=s,
                                 seconds=time.perf_counter() - start, **errors(X, X_missing, X_imp)))
    return rows


def summarise(frame: pd.DataFrame) -> str:
    """Mean and sd over the seeds of both errors, a fit's seconds and HexaGAN's median iterations."""
    if "note" not in frame:
        frame = frame.assign(note=None)
    summary = frame.groupby(["table", "method", "scaling"], sort=False).agg(
        rmse=("rmse", "mean"), rmse_sd=("rmse", "std"), rmse_range=("rmse_range", "mean"),
        rmse_range_sd=("rmse_range", "std"), seconds=("seconds", "mean"), iterations=("n_iter", "median"),
        note=("note", "first"))
    return summary.reset_index().to_markdown(index=False, floatfmt=".4g")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default=None, help="also write the per-seed rows here (CSV; bench/out/ is ignored)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # IterativeImputer's defaults, as a user runs them
    print(f"20 % MCAR, fit_transform on the whole table, seeds {args.seeds}, one torch thread; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    for table in args.tables:  # each table's rows as soon as they are there
        start = time.perf_counter()
        rows += run_table(table, args.seeds)
        print(f"  {table}: {time.perf_counter() - start:.0f} s", flush=True)
        print(summarise(pd.DataFrame([r for r in rows if r["table"] == table])), flush=True)
        if args.out:
            with atomic_path(args.out) as tmp:
                pd.DataFrame(rows).to_csv(tmp, index=False)
    print(summarise(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
