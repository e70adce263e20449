"""Cross-validation splits: 10 repeats x 5 stratified folds, plus a validation part.

Every method sees the same splits: they depend only on the labels, the fold
counts and one seed.  The validation part is carved from the training rows of
each fold (stratified), for model selection and early stopping; the test fold
is never used for either.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split


@dataclass(frozen=True)
class Split:
    """Row indices (into the labeled rows of a dataset) of one (repeat, fold)."""

    repeat: int
    fold: int
    train: np.ndarray  # int [n_train], training rows excluding the validation part
    val: np.ndarray    # int [n_val], validation part carved from the training fold
    test: np.ndarray   # int [n_test], the held-out fold

    @property
    def seed(self) -> int:
        """A seed for everything random in this split's fit, distinct per (repeat, fold)."""
        return split_seed(self.repeat, self.fold)


def split_seed(repeat: int, fold: int, base: int = 0) -> int:
    return int(np.random.SeedSequence([base, repeat, fold]).generate_state(1)[0])


def make_splits(
    y: np.ndarray,
    *,
    n_repeats: int,
    n_folds: int,
    val_fraction: float,
    seed: int = 0,
    repeats: list[int] | None = None,
    folds: list[int] | None = None,
) -> list[Split]:
    """Repeated stratified k-fold splits with a validation part in each.

    Parameters
    ----------
    y : ndarray of shape (n,), the class labels used for stratification.
    n_repeats, n_folds : the grid (the protocol's: :data:`hexagan.protocol.PROTOCOL`).
    val_fraction : share of each training fold moved to the validation part
        (0 disables it).
    seed : one seed determines every split.
    repeats, folds : optional subsets to return (the quick configuration uses
        1 repeat x 2 folds); a subset gives exactly the same splits as the full
        grid restricted to it.

    Returns
    -------
    list of Split, ordered by (repeat, fold).
    """
    y = np.asarray(y)
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    if not 0 <= val_fraction < 0.5:
        raise ValueError(f"val_fraction must be in [0, 0.5), got {val_fraction}")
    _, counts = np.unique(y, return_counts=True)
    if counts.min() < n_folds:
        raise ValueError(f"the smallest class has {counts.min()} rows, fewer than n_folds={n_folds}")
    repeats = range(n_repeats) if repeats is None else repeats
    folds = range(n_folds) if folds is None else folds
    out = []
    for r in repeats:
        if not 0 <= r < n_repeats:
            raise ValueError(f"repeat {r} outside 0..{n_repeats - 1}")
        # One independent seed per repeat, so repeat r is the same whatever subset is asked for.
        repeat_seed = int(np.random.SeedSequence([seed, r]).generate_state(1)[0])
        kfold = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=repeat_seed)
        for f, (train, test) in enumerate(kfold.split(np.zeros(len(y)), y)):
            if f not in folds:
                continue
            val = np.array([], dtype=int)
            if val_fraction > 0:
                train, val = train_test_split(
                    train, test_size=val_fraction, stratify=y[train], random_state=split_seed(r, f, seed)
                )
            out.append(Split(r, f, np.sort(train), np.sort(val), np.sort(test)))
    return out
