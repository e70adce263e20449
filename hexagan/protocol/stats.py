"""Statistics of appendix C.5: Wilcoxon rank-sum test, Cohen's d, Holm's correction.

The paper: "Because the results of the experiment could not meet the
conditions of normality and homogeneity of variance tests, we used a
non-parametric test, the Wilcoxon rank sum test.  We additionally measured the
effect size using Cohen's d."  It names no correction for its many
comparisons; we apply **Holm's step-down correction** (family-wise error
rate) within each family -- one table -- and report the raw p-value beside it.

* :func:`ranksum` -- two-sided Wilcoxon rank-sum test
  (:func:`scipy.stats.ranksums`, normal approximation, no tie correction);
* :func:`cohens_d` -- ``(mean(a) - mean(b)) / s_pooled`` with
  ``s_pooled = sqrt(((n_a - 1) s_a^2 + (n_b - 1) s_b^2) / (n_a + n_b - 2))``
  and sample variances (ddof = 1);
* :func:`holm` -- Holm-adjusted p-values (:data:`CORRECTIONS`: the corrections by name);
* :func:`compare` -- one reference method against every other, per group
  (dataset), on a tidy frame; tidy out.

The per-split values of two methods are treated as independent samples, as
the paper does, although every method sees the same splits.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as _stats

__all__ = ["CORRECTIONS", "cohens_d", "compare", "correction_function", "effect_size", "holm", "ranksum"]

#: Cohen's (1988) thresholds on |d|: small 0.2, medium 0.5, large 0.8.
EFFECT_THRESHOLDS = ((0.8, "large"), (0.5, "medium"), (0.2, "small"))


def ranksum(a, b) -> tuple[float, float]:
    """Two-sided Wilcoxon rank-sum test of samples ``a`` and ``b``: (statistic, p-value).

    NaN values are dropped; fewer than one value on a side gives (nan, nan).
    """
    a, b = _clean(a), _clean(b)
    if len(a) == 0 or len(b) == 0:
        return float("nan"), float("nan")
    result = _stats.ranksums(a, b)
    return float(result.statistic), float(result.pvalue)


def cohens_d(a, b) -> float:
    """Cohen's d of ``a`` against ``b`` with the pooled standard deviation.

    Returns
    -------
    float
        Positive when ``mean(a) > mean(b)``.  NaN with fewer than two values
        in total beyond the two means (n_a + n_b < 3) or when both samples are
        constant and equal; +-inf when both are constant and differ.
    """
    a, b = _clean(a), _clean(b)
    na, nb = len(a), len(b)
    if na == 0 or nb == 0 or na + nb < 3:
        return float("nan")
    var_a = a.var(ddof=1) if na > 1 else 0.0
    var_b = b.var(ddof=1) if nb > 1 else 0.0
    pooled = math.sqrt(((na - 1) * var_a + (nb - 1) * var_b) / (na + nb - 2))
    diff = float(a.mean() - b.mean())
    if pooled == 0:
        return float("nan") if diff == 0 else math.copysign(math.inf, diff)
    return diff / pooled


def effect_size(d: float) -> str:
    """Cohen's label of ``|d|``: negligible, small, medium or large (``"n/a"`` for NaN)."""
    if d is None or np.isnan(d):
        return "n/a"
    for threshold, name in EFFECT_THRESHOLDS:
        if abs(d) >= threshold:
            return name
    return "negligible"


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count in the family).

    For sorted p_(1) <= ... <= p_(m): ``adj_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))``.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    order = np.argsort(p[ok], kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[ok][order])
    adjusted = np.maximum.accumulate(scaled)
    result = np.empty(m)
    result[order] = adjusted
    out[ok] = result
    return out


#: Multiple-comparison corrections by name (the ``correction`` of the config's stats experiment).
CORRECTIONS = {"holm": holm}


def correction_function(name: str):
    """The adjustment function of correction ``name``; ValueError naming the known ones otherwise."""
    try:
        return CORRECTIONS[name]
    except KeyError:
        raise ValueError(f"unknown correction {name!r}; choose one of {sorted(CORRECTIONS)}") from None


def compare(
    values: pd.DataFrame,
    reference: str,
    *,
    higher_is_better: bool,
    group: str | list[str] = "dataset",
    method: str = "method",
    value: str = "value",
    family: str | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
) -> pd.DataFrame:
    """The reference method against every other method, per group: rank-sum test and Cohen's d.

    Parameters
    ----------
    values : DataFrame
        Tidy per-split values: a ``method`` column, the ``group`` column(s)
        and a ``value`` column (one metric).
    reference : str
        The method compared with every other one (HexaGAN).
    higher_is_better : bool
        Direction of the metric (F1: True; RMSE: False).
    family : str, optional
        Column whose values form separate families of the correction; default:
        the whole frame is one family.
    alpha : float
        Level of the adjusted test.
    correction : str
        A name of :data:`CORRECTIONS`; the adjusted p-values are the column
        ``p_<correction>`` (``p_holm``).

    Returns
    -------
    DataFrame
        One row per (group, competitor): n and mean of each side, the
        rank-sum statistic and p-value, the adjusted p-value,
        ``significant`` (adjusted p < alpha), Cohen's d (reference minus
        competitor) and its label, ``reference_better``, and ``supported``:
        the reference is better and the difference is significant or has at
        least a medium effect -- the paper's criterion in C.5.
    """
    adjust, adjusted = correction_function(correction), f"p_{correction}"
    groups = [group] if isinstance(group, str) else list(group)
    keys = ([family] if family else []) + groups
    rows = []
    for key, frame in values.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        ref = frame.loc[frame[method] == reference, value].to_numpy(float)
        if len(ref) == 0:
            continue
        for competitor, other in frame[frame[method] != reference].groupby(method, sort=False):
            comp = other[value].to_numpy(float)
            statistic, p = ranksum(ref, comp)
            d = cohens_d(ref, comp)
            mean_ref, mean_comp = float(np.nanmean(ref)), float(np.nanmean(comp))
            better = mean_ref > mean_comp if higher_is_better else mean_ref < mean_comp
            rows.append({**dict(zip(keys, key)), "reference": reference, "competitor": competitor,
                         "n_reference": int(np.isfinite(ref).sum()), "n_competitor": int(np.isfinite(comp).sum()),
                         "mean_reference": mean_ref, "mean_competitor": mean_comp,
                         "statistic": statistic, "p_value": p, "cohens_d": d, "effect": effect_size(d),
                         "reference_better": bool(better)})
    out = pd.DataFrame(rows, columns=[*keys, "reference", "competitor", "n_reference", "n_competitor",
                                      "mean_reference", "mean_competitor", "statistic", "p_value", "cohens_d",
                                      "effect", "reference_better"])
    if family:
        out[adjusted] = np.nan
        for _, index in out.groupby(family, sort=False).groups.items():
            out.loc[index, adjusted] = adjust(out.loc[index, "p_value"])
    else:
        out[adjusted] = adjust(out["p_value"]) if len(out) else []
    out["significant"] = out[adjusted] < alpha
    out["supported"] = out["reference_better"] & (out["significant"] | out["cohens_d"].abs().ge(0.5))
    out["correction"] = correction
    return out


def _clean(x) -> np.ndarray:
    x = np.asarray(x, dtype=float).ravel()
    return x[~np.isnan(x)]
