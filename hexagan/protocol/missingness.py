"""Missingness masks: which entries and labels of a dataset are observed.

Convention everywhere in the suite (the paper's): ``m = 1`` (``True``) means
*observed*, ``m = 0`` means *missing*.  Masks are data -- generated once per
(dataset, mechanism, rate, repeat) from a seed, saved by the workflow, and
shared by every method -- so each generator below is a pure function of its
inputs and a seed.

Mechanisms (Rubin 1976):

``mcar``
    Each entry is missing independently with probability ``rate`` (the paper's
    setting: 20 % for the UCI data, 50 % for MNIST).
``mar``
    Logistic masking as in Muzellec et al. (ICML 2020, "Missing data imputation
    using optimal transport"): a random 30 % of the features stay fully
    observed; each other feature is missing with probability
    ``sigmoid(x_obs @ w_j + b_j)``, where ``w_j`` are random weights on the
    standardised always-observed features and ``b_j`` is fitted by bisection
    so that the overall missing rate equals ``rate`` (the missing-able features
    carry ``rate * d / d_missable``, capped at 0.95).
``mnar``
    Self-masking logistic (Muzellec et al.'s ``MNAR_self_mask_logistic``):
    feature ``j`` is missing with probability ``sigmoid(w_j * z_ij + b_j)``,
    where ``z`` is the standardised value itself and ``w_j ~ U(1, 3)``, so
    large values go missing more often; ``b_j`` is fitted per feature so each
    column's missing rate is ``rate``.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

MECHANISMS = ("mcar", "mar", "mnar")
_MAR_OBSERVED_FRACTION = 0.3
_MAX_COLUMN_RATE = 0.95


def _check_rate(rate: float, name: str = "rate") -> float:
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {rate}")
    return rate


def mcar_mask(shape: tuple[int, int], rate: float, rng: np.random.Generator) -> np.ndarray:
    """Missing-completely-at-random mask.

    Returns
    -------
    ndarray of bool, shape ``shape``; True where observed.
    """
    rate = _check_rate(rate)
    return rng.random(shape) >= rate


def _standardise(X: np.ndarray) -> np.ndarray:
    mean = np.nanmean(X, axis=0)
    std = np.nanstd(X, axis=0)
    std[std == 0] = 1.0
    return np.nan_to_num((X - mean) / std)


def _fit_intercepts(logits: np.ndarray, target_rate: float) -> np.ndarray:
    """Per-column intercept ``b`` with ``mean(sigmoid(logits + b)) == target_rate``.

    logits: ndarray of shape (n, k).  Bisection, since the mean is monotone in b.
    """
    lo = np.full(logits.shape[1], -50.0)
    hi = np.full(logits.shape[1], 50.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        too_high = expit(logits + mid).mean(axis=0) > target_rate
        hi = np.where(too_high, mid, hi)
        lo = np.where(too_high, lo, mid)
    return (lo + hi) / 2


def mar_mask(X: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Missing-at-random logistic mask (see module docstring).

    Parameters
    ----------
    X : ndarray of shape (n, d), complete or with NaN (NaN counts as 0 after
        standardisation when computing probabilities).
    """
    rate = _check_rate(rate)
    n, d = X.shape
    mask = np.ones((n, d), dtype=bool)
    if rate == 0 or d < 2:
        return mcar_mask((n, d), rate, rng) if d < 2 else mask
    n_observed = max(1, int(round(_MAR_OBSERVED_FRACTION * d)))
    order = rng.permutation(d)
    always, missable = order[:n_observed], order[n_observed:]
    Z = _standardise(X[:, always])
    W = rng.standard_normal((len(always), len(missable)))
    logits = Z @ W
    logits /= np.maximum(logits.std(axis=0), 1e-12)
    column_rate = min(rate * d / len(missable), _MAX_COLUMN_RATE)
    probs = expit(logits + _fit_intercepts(logits, column_rate))
    mask[:, missable] = rng.random(probs.shape) >= probs
    return mask


def mnar_mask(X: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Missing-not-at-random self-masking logistic mask (see module docstring)."""
    rate = _check_rate(rate)
    Z = _standardise(X)
    logits = Z * rng.uniform(1.0, 3.0, size=X.shape[1])
    probs = expit(logits + _fit_intercepts(logits, rate))
    return rng.random(X.shape) >= probs


def element_mask(X: np.ndarray, mechanism: str, rate: float, seed: int) -> np.ndarray:
    """Observed-entry mask of ``X`` under ``mechanism`` at ``rate``.

    Entries already missing in ``X`` (NaN) stay missing.

    Returns
    -------
    ndarray of bool, shape (n, d); True where observed.
    """
    rng = np.random.default_rng(seed)
    if mechanism == "mcar":
        mask = mcar_mask(X.shape, rate, rng)
    elif mechanism == "mar":
        mask = mar_mask(X, rate, rng)
    elif mechanism == "mnar":
        mask = mnar_mask(X, rate, rng)
    else:
        raise ValueError(f"unknown missingness mechanism {mechanism!r}; choose one of {MECHANISMS}")
    return mask & ~np.isnan(X)


def label_mask(n: int, rate: float, seed: int) -> np.ndarray:
    """MCAR label mask: each label is hidden with probability ``rate``.

    Returns
    -------
    ndarray of bool, shape (n,); True where the label is observed.
    """
    return mcar_mask((n,), _check_rate(rate, "label rate"), np.random.default_rng(seed))


def apply_mask(X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Copy of ``X`` with NaN where ``mask`` is False."""
    if X.shape != mask.shape:
        raise ValueError(f"mask shape {mask.shape} does not match data shape {X.shape}")
    return np.where(mask, X, np.nan)
