"""The experimental protocol, identical for every method: the layer that runs methods on the benchmark.

Its submodules hold the pieces (``missingness``: masks; ``splits``; ``metrics``; ``stats``: the paired
tests of appendix C.5); this module chains them.  It builds methods by name through the registry
(:mod:`hexagan.methods`) and never imports a model module or the suite.

dataset -> mask -> split -> scale -> fit -> metrics, one small function per
arrow.  :func:`run` chains them for one job (one dataset, method, mechanism
and rate over a set of (repeat, fold) splits) and returns a tidy table, one
row per (split, metric).

Scaling (``scaling``):

``"train"`` (default)
    min-max fitted on the observed training entries of each split; test values
    may fall slightly outside [0, 1].
``"global"``
    min-max fitted on all rows of the complete data before splitting, as the
    authors' code does (reproduces their numbers; leaks the test rows' range).

A dataset with a fixed ``value_range`` (MNIST pixels) is scaled by it in
both modes.
"""
from __future__ import annotations

import hashlib
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import pandas as pd

from hexagan import methods
from hexagan.data import Dataset
from hexagan.protocol.metrics import classification_scores, rmse, rmse_authors, rmse_rowmean
from hexagan.protocol.missingness import apply_mask, element_mask, label_mask
from hexagan.protocol.splits import Split, make_splits

SCALINGS = ("train", "global")
SELECTIONS = ("validation", "test_fold")

#: The protocol: every default of a benchmark run, in one place.  The paper's grid and the rest of what
#: every run of the workflow, ``make compare`` and the bench scripts share; config/config.yaml's
#: ``protocol:`` and a job's spec hold what a run changes over it (:class:`hexagan.suite.plan.Plan` fills in
#: the rest from here, giving each job the very spec, and config hash, it had when config.yaml wrote these
#: out).  The workflow's schema checks the keys (``hexagan/suite/config.schema.yaml``).
PROTOCOL = {
    "n_repeats": 10,            # the paper: "We repeated each experiment 10 times and used 5-fold cross validation"
    "n_folds": 5,
    "repeats": None,            # a subset of 0..n_repeats-1 to run (None: all); the same splits as the full grid
    "folds": None,              # a subset of 0..n_folds-1 (None: all)
    "val_fraction": 0.1,        # part of each training fold held out for checkpoint selection (never the test fold)
    "scaling": "train",         # min-max on the training rows; "global": on all rows, as the authors' code (SCALINGS)
    "label_rate": None,         # share of hidden labels; None: the element missing rate (the paper's setting)
    "selection": "validation",  # "test_fold" only to audit the authors' optimistic protocol (SELECTIONS)
    "train_rmse": True,         # imputers are also scored on the rows they were fitted on (transductive RMSE)
}
#: ``selection="test_fold"`` (the audit) scores the test fold every this many iterations, as the authors'
#: code does every 10 epochs, unless the method's own ``monitor_every`` is given.
MONITOR_EVERY = 10
#: The training budget the protocol gives HexaGAN where it differs from the estimators' defaults for a
#: user's own table (their signatures, :mod:`hexagan.model.estimators`): a fixed 2 000 iterations, validated every
#: 100, no early stopping, and the imputer's fill of the missing slots as Eq. (1) says, U(0, 1).  A label of
#: config/config.yaml overrides it with its ``params`` (Table 1's ``hexagan_imputer``: 8 000 iterations,
#: validated every 250).  :func:`method_params` applies it; the published runs rely on it, so it must never
#: move (tests/test_protocol.py pins the estimators the protocol builds).
TRAINING = {
    "hexagan": {"max_steps": 2000, "eval_every": 100, "early_stopping": False},
    "hexagan_imputer": {"max_steps": 2000, "eval_every": 100, "early_stopping": False, "fill_noise": 1.0},
}


def mask_seed(dataset: str, mechanism: str, rate: float, repeat: int, base: int = 0) -> int:
    """Seed of the mask of one (dataset, mechanism, rate, repeat): shared by all methods and folds."""
    key = [base, zlib.crc32(dataset.encode()), zlib.crc32(mechanism.encode()), int(round(rate * 1e6)), repeat]
    return int(np.random.SeedSequence(key).generate_state(1)[0])


@dataclass(frozen=True)
class Masks:
    """The masks of one repeat.

    elements: bool [n + u, d], True where observed, rows = labeled rows then
    the dataset's unlabeled pool.  labels: bool [n], True where the label is
    observed (applies to training rows only; test labels are always scored).
    """

    elements: np.ndarray
    labels: np.ndarray


def make_masks(ds: Dataset, mechanism: str, rate: float, repeat: int, *, label_rate: float | None = None,
               base_seed: int = 0) -> Masks:
    """The masks of one repeat; ``label_rate`` defaults to ``rate`` (the paper hides both at 20 %)."""
    seed = mask_seed(ds.name, mechanism, rate, repeat, base_seed)
    X_all = np.vstack([ds.X, ds.X_unlabeled])
    label_rate = rate if label_rate is None else label_rate
    return Masks(element_mask(X_all, mechanism, rate, seed), label_mask(len(ds.y), label_rate, seed + 1))


def fill_masks(ds: Dataset, masks: dict[int, Masks], repeats, *, mechanism: str, rate: float,
               label_rate: float | None = None, seed: int = 0) -> dict[int, Masks]:
    """``masks`` (repeat -> Masks, e.g. the saved ones) with those of ``repeats`` it lacks drawn: the very masks
    the workflow saves for them."""
    out = dict(masks)
    for r in sorted(set(repeats) - set(out)):
        out[r] = make_masks(ds, mechanism, rate, r, label_rate=label_rate, base_seed=seed)
    return out


def fingerprint(masks: Masks, split: Split) -> str:
    """16 hex digits naming what one split of a job sees: its repeat's masks (missing entries, hidden labels)
    and its training, validation and test rows.  Equal fingerprints: the same data protocol, split for split."""
    digest = hashlib.sha256()
    for array, dtype in ((masks.elements, bool), (masks.labels, bool), (split.train, np.int64), (split.val, np.int64),
                         (split.test, np.int64)):
        array = np.ascontiguousarray(array, dtype=dtype)
        digest.update(f"{array.shape}".encode())  # the shapes delimit the arrays
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def save_masks(path, masks: Masks) -> None:
    """Write masks atomically (temp file, then rename)."""
    from hexagan.io import atomic_path

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, elements=masks.elements, labels=masks.labels)


def load_masks(path) -> Masks:
    with np.load(path) as f:
        return Masks(f["elements"], f["labels"])


class MinMax:
    """Min-max scaling to [0, 1] per feature; a constant feature maps to 0."""

    def __init__(self, X: np.ndarray | None = None, value_range: tuple[float, float] | None = None):
        if value_range is not None:
            lo, hi = value_range
            self.low, self.span = float(lo), float(hi - lo)
        else:
            self.low = np.nanmin(X, axis=0)
            span = np.nanmax(X, axis=0) - self.low
            self.span = np.where(span > 0, span, 1.0)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return (X - self.low) / self.span


@dataclass
class SplitData:
    """Everything a method sees (and the truth it is scored against) for one split.

    All X arrays are scaled; ``*_true`` are complete, the others have NaN where
    the mask hides an entry.  ``y_train`` has -1 for hidden labels; the
    unlabeled pool (madelon) is appended to the training rows with y = -1.
    """

    split: Split
    X_train: np.ndarray
    X_train_true: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    X_val_true: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    X_test_true: np.ndarray
    y_test: np.ndarray
    positive_class: int | None
    n_classes: int
    extra: dict = field(default_factory=dict)

    @property
    def eval_set(self):
        return (self.X_val, self.X_val_true, self.y_val)

    @property
    def test_set(self):
        return (self.X_test, self.X_test_true, self.y_test)


def build_split(ds: Dataset, masks: Masks, split: Split, *, scaling: str = PROTOCOL["scaling"]) -> SplitData:
    """Cut one split out of a dataset and its masks, and scale it."""
    if scaling not in SCALINGS:
        raise ValueError(f"unknown scaling {scaling!r}; choose one of {SCALINGS}")
    n = len(ds.y)
    X_all = np.vstack([ds.X, ds.X_unlabeled])
    X_missing = apply_mask(X_all, masks.elements)
    pool = np.arange(n, len(X_all))
    train_rows = np.concatenate([split.train, pool])
    y_train = np.concatenate([np.where(masks.labels[split.train], ds.y[split.train], -1), np.full(len(pool), -1)])
    y_val = np.where(masks.labels[split.val], ds.y[split.val], -1)
    if ds.value_range is not None:
        scale = MinMax(value_range=ds.value_range)
    elif scaling == "global":
        scale = MinMax(X_all)
    else:
        scale = MinMax(X_missing[train_rows])
    return SplitData(
        split=split,
        X_train=scale(X_missing[train_rows]), X_train_true=scale(X_all[train_rows]), y_train=y_train,
        X_val=scale(X_missing[split.val]), X_val_true=scale(X_all[split.val]), y_val=y_val,
        X_test=scale(X_missing[split.test]), X_test_true=scale(X_all[split.test]), y_test=ds.y[split.test],
        positive_class=ds.positive_class, n_classes=ds.n_classes,
    )


def method_params(name: str, params: dict, *, selection: str = PROTOCOL["selection"],
                  monitor_every: int = MONITOR_EVERY) -> dict:
    """The parameters :func:`fit_method` builds method ``name`` with: ``params`` over the method's
    ``protocol_defaults`` (what a method declares the protocol must pass it, e.g. ``scale=False``:
    :mod:`hexagan.replicas.scaling`) and its :data:`TRAINING` budget, and, in the audit, the test fold's
    ``monitor_every``."""
    params = {**getattr(methods.get(name), "protocol_defaults", {}), **TRAINING.get(name, {}), **params}
    if selection == "test_fold" and getattr(methods.get(name), "monitors", False):
        params = {"monitor_every": int(monitor_every), **params}
    return params


def fit_method(name: str, params: dict, data: list[SplitData], *, replicas: bool = True,
               selection: str = PROTOCOL["selection"], monitor_every: int = MONITOR_EVERY
               ) -> Iterator[tuple[object, float]]:
    """Fit one estimator per split; all at once when the method trains replicas.

    Yields ``(fitted estimator, fit seconds)`` split by split.  A method fitted
    in a loop is fitted lazily, one split per item, so only one fitted model
    lives at a time (50 miceforest kernels held together exhausted 24 GiB);
    replica methods are fitted together and share their time equally.

    The estimators are built by :func:`method_params`: the protocol's
    fixed settings, not the defaults for a user's own table.

    Methods that use a validation part are fitted on the training rows and
    select on the validation part; the others are fitted on both (they have
    nothing to select, and would otherwise see fewer rows).

    ``selection="test_fold"`` is the audit of the authors' protocol, which
    scores the test fold during training and reports the best score seen: a
    method that ``monitors`` (HexaGAN) gets the test fold as its
    ``monitor_set`` -- scored into its learning curves, where :func:`score`
    takes the best value, while its checkpoint is still chosen on the
    validation part when there is one -- and the other methods with a
    validation part select their checkpoint on the test fold instead.  It is
    optimistic, and :func:`run` labels every row it produces so.  The test
    fold is scored every ``monitor_every`` iterations unless ``params`` set
    the method's own ``monitor_every`` (the authors' code: every 10 epochs).
    """
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}; choose one of {SELECTIONS}")
    cls = methods.get(name)
    params = method_params(name, params, selection=selection, monitor_every=monitor_every)
    uses_val = getattr(cls, "uses_validation", False)
    monitors = getattr(cls, "monitors", False)
    audit = selection == "test_fold"
    tasks = []
    for sd in data:
        monitor_set = sd.test_set if audit and monitors else None
        if uses_val:
            X, y = sd.X_train, sd.y_train
            eval_set = sd.eval_set if len(sd.X_val) else None
            if audit and not monitors:
                eval_set = sd.test_set
        else:
            X, y, eval_set = np.vstack([sd.X_train, sd.X_val]), np.concatenate([sd.y_train, sd.y_val]), None
        tasks.append(methods.FitTask(X=X, y=y, eval_set=eval_set, seed=sd.split.seed, monitor_set=monitor_set))
    estimator = methods.create(name, **params)
    if replicas and hasattr(estimator, "fit_replicas"):
        start = time.perf_counter()
        fitted = estimator.fit_replicas(tasks)
        seconds = (time.perf_counter() - start) / len(tasks)
        for est in fitted:
            yield est, seconds
        return
    seeded = "random_state" in estimator.get_params()
    for task in tasks:
        est = methods.create(name, **({**params, "random_state": task.seed} if seeded else params))
        start = time.perf_counter()
        methods.fit_task(est, task)
        yield est, time.perf_counter() - start


# The best of a monitored test-fold curve, as the authors' code reports it: (curve, metric, best is lowest).
TEST_BEST = (("test_rmse_authors", "test_best_rmse_authors", True), ("test_f1", "test_best_f1", False))


def best_on_test(history: pd.DataFrame | None) -> dict[str, float]:
    """The best value of each monitored test-fold curve in a learning-curve table (step, name, value, ...).

    Each metric is picked at its own step, as the authors' code picks its
    best RMSE and its best F1 separately; curves that are absent give nothing.
    """
    out = {}
    if history is None or history.empty:
        return out
    for curve, metric, lowest in TEST_BEST:
        values = history.loc[history["name"] == curve, "value"].dropna()
        if len(values):
            out[metric] = float(values.min() if lowest else values.max())
    return out


def score(est, sd: SplitData, *, train_rmse: bool = True) -> dict[str, float]:
    """Metrics of one fitted estimator on its split's test fold (and training rows).

    Besides the metrics of the fitted (validation-selected) model, a method
    that monitored the test fold (``selection="test_fold"``) gets the best
    value of each monitored curve (:func:`best_on_test`).
    """
    out: dict[str, float] = {}
    if est.kind == "imputer":
        observed = ~np.isnan(sd.X_test)
        X_imp = est.transform(sd.X_test)
        if not np.array_equal(X_imp[observed], sd.X_test[observed]):
            raise RuntimeError(f"{type(est).__name__}.transform changed observed entries")
        out["rmse"] = rmse(sd.X_test_true, X_imp, observed)
        out["rmse_rowmean"] = rmse_rowmean(sd.X_test_true, X_imp, observed)
        out["rmse_authors"] = rmse_authors(sd.X_test_true, X_imp, observed)
        if train_rmse:
            # Transductive error: the rows the method was fitted on, scored on their hidden entries.
            train_observed = ~np.isnan(sd.X_train)
            train_imp = est.transform(sd.X_train)
            out["rmse_train"] = rmse(sd.X_train_true, train_imp, train_observed)
            out["rmse_train_rowmean"] = rmse_rowmean(sd.X_train_true, train_imp, train_observed)
    else:
        out.update(classification_scores(sd.y_test, est.predict_proba(sd.X_test), sd.positive_class))
    out.update(best_on_test(getattr(est, "history_", None)))
    return out


def run(
    ds: Dataset,
    method: str,
    params: dict | None = None,
    *,
    mechanism: str = "mcar",
    rate: float = 0.2,
    label_rate: float | None = PROTOCOL["label_rate"],
    n_repeats: int = PROTOCOL["n_repeats"],
    n_folds: int = PROTOCOL["n_folds"],
    repeats: list[int] | None = PROTOCOL["repeats"],
    folds: list[int] | None = PROTOCOL["folds"],
    val_fraction: float = PROTOCOL["val_fraction"],
    scaling: str = PROTOCOL["scaling"],
    seed: int = 0,
    masks: dict[int, Masks] | None = None,
    replicas: bool = True,
    train_rmse: bool = PROTOCOL["train_rmse"],
    selection: str = PROTOCOL["selection"],
    monitor_every: int = MONITOR_EVERY,
    on_fit: Callable[[object, SplitData], None] | None = None,
) -> pd.DataFrame:
    """Run one job and return its tidy results: one row per (repeat, fold, metric).

    The protocol's settings default to :data:`PROTOCOL`'s and :data:`MONITOR_EVERY`.

    ``masks`` maps repeat -> Masks (the workflow passes the saved ones);
    missing repeats are generated, giving the same masks as the saved ones.
    ``selection`` is recorded in every row; "test_fold" is the optimistic
    audit of the paper's protocol, scoring the test fold every
    ``monitor_every`` iterations (see :func:`fit_method`).
    ``on_fit(estimator, split_data)`` is called once per fitted split, before
    scoring (the workflow reads learning curves and snapshots there).
    """
    params = dict(params or {})
    splits = make_splits(ds.y, n_repeats=n_repeats, n_folds=n_folds, val_fraction=val_fraction, seed=seed,
                         repeats=repeats, folds=folds)
    masks = fill_masks(ds, masks or {}, {s.repeat for s in splits}, mechanism=mechanism, rate=rate,
                       label_rate=label_rate, seed=seed)
    data = [build_split(ds, masks[s.repeat], s, scaling=scaling) for s in splits]
    rows = []
    fitted = fit_method(method, params, data, replicas=replicas, selection=selection, monitor_every=monitor_every)
    for (est, fit_seconds), sd in zip(fitted, data):
        if on_fit is not None:
            on_fit(est, sd)
        scores = {**score(est, sd, train_rmse=train_rmse), "fit_seconds": fit_seconds}
        for metric, value in scores.items():
            rows.append(dict(dataset=ds.name, method=method, mechanism=mechanism, rate=rate,
                             repeat=sd.split.repeat, fold=sd.split.fold, metric=metric, value=value,
                             selection=selection))
    return pd.DataFrame(rows)
