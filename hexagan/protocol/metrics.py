"""Metrics: imputation RMSE (two variants) and classification scores.

All RMSEs are over *missing* entries only, in min-max scaled units.

``rmse`` (pooled, as GAIN's code computes it)
    sqrt( sum of squared errors over all missing entries / number of them ).
``rmse_rowmean`` (the HexaGAN authors' code, the number in the paper's Table 1)
    for each row with at least one missing entry, the RMSE over that row's
    missing entries; then the mean over those rows.  Below the pooled one when
    every row has as many missing entries (Jensen), and in practice at MCAR
    rates -- though not always: rows with few missing entries weigh more.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score


def _check_imputation(X_true, X_imputed, observed):
    X_true, X_imputed, observed = np.asarray(X_true, float), np.asarray(X_imputed, float), np.asarray(observed, bool)
    if not X_true.shape == X_imputed.shape == observed.shape:
        raise ValueError(f"shapes differ: true {X_true.shape}, imputed {X_imputed.shape}, mask {observed.shape}")
    missing = ~observed
    if np.isnan(X_imputed[missing]).any():
        raise ValueError("the imputed matrix still has NaN in missing entries")
    return (X_true - np.where(missing, X_imputed, X_true)) ** 2, missing


def rmse(X_true: np.ndarray, X_imputed: np.ndarray, observed: np.ndarray) -> float:
    """Pooled RMSE over the missing entries (``observed == False``); NaN if none."""
    sq, missing = _check_imputation(X_true, X_imputed, observed)
    n = missing.sum()
    return float(np.sqrt(sq.sum() / n)) if n else float("nan")


def rmse_rowmean(X_true: np.ndarray, X_imputed: np.ndarray, observed: np.ndarray) -> float:
    """Mean over rows (with a missing entry) of each row's RMSE; NaN if none."""
    sq, missing = _check_imputation(X_true, X_imputed, observed)
    per_row = missing.sum(axis=1)
    rows = per_row > 0
    if not rows.any():
        return float("nan")
    return float(np.mean(np.sqrt(sq[rows].sum(axis=1) / per_row[rows])))


def rmse_authors(X_true: np.ndarray, X_imputed: np.ndarray, observed: np.ndarray) -> float:
    """Mean over *all* rows of each row's RMSE, a row with nothing missing counting as 0; NaN if no rows."""
    sq, missing = _check_imputation(X_true, X_imputed, observed)
    if not len(sq):
        return float("nan")
    per_row = missing.sum(axis=1)
    return float(np.mean(np.sqrt(sq.sum(axis=1) / np.maximum(per_row, 1))))


def classification_scores(y_true: np.ndarray, proba: np.ndarray, positive_class: int | None) -> dict[str, float]:
    """F1 (of the positive class, as in the paper), macro-F1, AUROC and AUPRC.

    Parameters
    ----------
    y_true : ndarray of int, shape (n,), labels 0..k-1.
    proba : ndarray of shape (n, k), predicted class probabilities.
    positive_class : the label whose F1 the paper reports; None for multi-class
        data, where ``f1`` is the macro-F1 and AUROC/AUPRC are one-vs-rest macro
        averages.
    """
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, float)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError(f"proba must have shape (n, k) with n={len(y_true)}, got {proba.shape}")
    if not np.isfinite(proba).all():
        raise ValueError("predicted probabilities contain NaN or inf")
    k = proba.shape[1]
    y_pred = proba.argmax(axis=1)
    labels = np.arange(k)
    macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    if positive_class is None:
        onehot = np.eye(k)[y_true]
        present = onehot.sum(axis=0) > 0
        return {
            "f1": float(macro),
            "macro_f1": float(macro),
            "auroc": float(roc_auc_score(onehot[:, present], proba[:, present], average="macro")),
            "auprc": float(average_precision_score(onehot[:, present], proba[:, present], average="macro")),
        }
    is_pos = y_true == positive_class
    score = proba[:, positive_class]
    return {
        "f1": float(f1_score(is_pos, y_pred == positive_class, zero_division=0)),
        "macro_f1": float(macro),
        "auroc": float(roc_auc_score(is_pos, score)),
        "auprc": float(average_precision_score(is_pos, score)),
    }
