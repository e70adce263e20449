"""Class-imbalance steps for the classification pipelines: cost-sensitive weights and SMOTE.

Two small pure functions; the classifiers (``baselines/supervised.py``) and the
cascades (``baselines/cascade.py``) decide where to apply them.  Labels follow
the suite's convention: ``0..k-1`` for a class, ``-1`` for a missing label;
only labeled rows are counted or resampled.
"""
from __future__ import annotations

import numpy as np

__all__ = ["inverse_frequency_weights", "smote_resample"]


def _labels(y) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if y.dtype.kind == "f":
        if np.isnan(y).any() or not np.all(y == np.round(y)):
            raise ValueError("y must hold integer class labels, -1 for a missing label")
    y = y.astype(np.int64)
    if (y < -1).any():
        raise ValueError("y must hold labels 0..k-1, and -1 for a missing label")
    return y


def inverse_frequency_weights(y, n_classes: int) -> np.ndarray:
    """Class weights inversely proportional to the class frequencies among the labeled rows.

    ``w_k = n_labeled / (n_classes * count_k)``, so that
    ``sum_k w_k * count_k = n_labeled``: a loss summed (or averaged) with
    these weights over the labeled rows has the scale of the unweighted one,
    and every class contributes the same total weight ``n_labeled / n_classes``
    (scikit-learn's ``class_weight="balanced"`` rule).

    Parameters
    ----------
    y : array-like of int, shape (n,)
        Labels ``0..n_classes-1``; ``-1`` (missing label) rows are ignored.
    n_classes : int
        Number of classes ``k`` (>= 2).

    Returns
    -------
    ndarray of float64, shape (n_classes,)
        ``w[k]`` is the weight of a row of class ``k``.

    Raises
    ------
    ValueError
        A label >= ``n_classes``, fewer than two classes, or a class without
        any labeled row (its weight would be infinite; rather than give it
        weight 0 silently, the caller must decide, e.g. drop the class).

    Examples
    --------
    >>> inverse_frequency_weights([0, 0, 0, 1, -1], 2)  # counts 3, 1; n = 4
    array([0.66666667, 2.        ])
    """
    y = _labels(y)
    n_classes = int(n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    labeled = y[y >= 0]
    if labeled.size and labeled.max() >= n_classes:
        raise ValueError(f"label {int(labeled.max())} is outside 0..{n_classes - 1}")
    counts = np.bincount(labeled, minlength=n_classes)
    absent = np.flatnonzero(counts == 0)
    if absent.size:
        raise ValueError(
            f"class(es) {absent.tolist()} have no labeled row among {labeled.size}: an inverse-frequency "
            f"weight is undefined for them"
        )
    return labeled.size / (n_classes * counts.astype(np.float64))


def smote_resample(X, y, *, k_neighbors: int = 5, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Balance the labeled rows with SMOTE (imbalanced-learn): every class gets the majority count.

    Only the labeled rows (``y >= 0``) are used and returned; the unlabeled
    rows are dropped.  Each minority class ``c`` with ``count_c >= 2`` rows
    gets ``majority - count_c`` synthetic rows, each on the segment between
    one of its rows and one of that row's ``min(k_neighbors, count_c - 1)``
    nearest same-class neighbours (``k_neighbors`` is reduced per class when
    the class is too small).  A class with a single row cannot be
    interpolated: its synthetic rows are copies of that row (the limit of
    SMOTE with one point).  With a single class present nothing is added.

    Parameters
    ----------
    X : array-like of float, shape (n, d)
        Features; the labeled rows must be free of NaN (impute first).
    y : array-like of int, shape (n,)
        Labels ``0..k-1``, ``-1`` for a missing label.
    k_neighbors : int, default 5
        SMOTE's number of nearest neighbours (the SMOTE paper's and
        imbalanced-learn's default), reduced per class as above.
    random_state : int, numpy RandomState or None, default None
        Seeds the choice of rows, neighbours and interpolation weights.

    Returns
    -------
    X_res : ndarray of float64, shape (n_labeled + n_synthetic, d)
        The labeled rows of ``X`` in their original order, then the
        synthetic rows (grouped by class, in increasing class order).
    y_res : ndarray of int64, shape (n_labeled + n_synthetic,)
        Their labels; every class present in ``y`` occurs ``majority`` times.

    Raises
    ------
    ValueError
        NaN or inf in a labeled row, no labeled row, bad shapes or labels,
        or ``k_neighbors < 1``.
    """
    from imblearn.over_sampling import SMOTE

    X = np.asarray(X, dtype=np.float64)
    y = _labels(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X must have shape (n, d) with n = len(y) = {len(y)}, got {X.shape}")
    if not isinstance(k_neighbors, (int, np.integer)) or k_neighbors < 1:
        raise ValueError(f"k_neighbors must be an integer >= 1, got {k_neighbors!r}")
    labeled = y >= 0
    X_lab, y_lab = X[labeled], y[labeled]
    if not len(y_lab):
        raise ValueError("smote_resample needs labeled rows (y >= 0); all labels are missing")
    if not np.isfinite(X_lab).all():
        rows = np.flatnonzero(~np.isfinite(X_lab).all(axis=1))
        raise ValueError(
            f"SMOTE needs complete features: {len(rows)} labeled row(s) hold NaN or inf "
            f"(e.g. labeled row {int(rows[0])}); impute X before resampling"
        )
    classes, counts = np.unique(y_lab, return_counts=True)
    majority = int(counts.max())
    rng = np.random.RandomState(random_state) if not isinstance(random_state, np.random.RandomState) else random_state
    parts_X, parts_y = [X_lab], [y_lab]
    for c, count in zip(classes, counts):
        need = majority - int(count)
        if need == 0:
            continue
        if count == 1:
            parts_X.append(np.repeat(X_lab[y_lab == c], need, axis=0))
        else:
            smote = SMOTE(sampling_strategy={int(c): majority}, k_neighbors=min(int(k_neighbors), int(count) - 1),
                          random_state=rng)
            X_c, _ = smote.fit_resample(X_lab, y_lab)
            parts_X.append(np.asarray(X_c[len(X_lab):], dtype=np.float64))
        parts_y.append(np.full(need, c, dtype=np.int64))
    return np.vstack(parts_X), np.concatenate(parts_y)
