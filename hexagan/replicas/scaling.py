"""Min-max scaling inside an estimator, so that the neural methods take a table in its own units.

HexaGAN's networks and those of the neural baselines are built for data in
[0, 1]: G_MI and GAIN's generator end in a sigmoid, the missing slots are
filled with U(0, 1) noise, the conditional generators output [0, 1].  Fed a
table in its own units (breast: 0.05 to 4 254) they impute in [0, 1] whatever
the column.  An estimator with the mixin :class:`ColumnScaling` and
``scale=True`` (its default) therefore

* learns each column's minimum and range from the **observed** entries of the
  rows given to ``fit`` (fitted attributes ``data_min_`` and ``data_range_``),
* trains on the rows scaled to [0, 1] (its validation and monitored rows
  scaled alike, so its learning curves are in scaled units), and
* returns imputations in the caller's units, every observed entry exactly as
  given (:meth:`ColumnScaling._impute_in_units`); a classifier scales the rows
  it predicts.

A column constant in ``fit`` scales to 0 and is imputed with its constant; a
column with no observed entry in ``fit`` is imputed with 0 (scikit-learn's
``keep_empty_features`` fill: nothing is known of its units), with a warning.

``scale=False`` is for data already in [0, 1].  The benchmark protocol
(:mod:`hexagan.protocol`) min-max scales every split itself and builds these
estimators with ``scale=False`` (their ``protocol_defaults``): scaling its
[0, 1] rows again is not exactly the identity in floating point, and the
published numbers must stay the very bits they were.  GAIN is the exception:
its authors' code normalises inside, so the protocol always ran it scaled
(:mod:`baselines.gain`, which keeps the code's 1e-6 in the span).
"""
from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

__all__ = ["ColumnScaling", "SCALE_CONSTRAINT", "fit_minmax"]

#: ``_parameter_constraints`` entry of the ``scale`` parameter.
SCALE_CONSTRAINT = ["boolean"]
#: A column whose range exceeds this many interquartile ranges is warned of: one extreme value (1e300 in a
#: column of ordinary numbers) would squeeze every other value to about 0.  Heavy tails stay far below it
#: (the widest of the paper's tables: 404 on credit, 20 on breast).
OUTLIER_RATIO = 1e6


def fit_minmax(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the minimum and the range (max - min) of the observed (non-NaN) entries of ``X``.

    A column without an observed entry gets minimum 0 and range 0 (it is then imputed with 0).
    """
    empty = np.isnan(X).all(axis=0)
    low = np.nanmin(np.where(empty, 0.0, X), axis=0)
    with np.errstate(over="ignore"):  # an infinite range is refused by ColumnScaling._check_ranges
        return low, np.nanmax(np.where(empty, 0.0, X), axis=0) - low


class ColumnScaling:
    """Mixin of a replica estimator with a ``scale`` parameter (see the module docstring).

    :class:`hexagan.replicas.estimator.ReplicaEstimator` calls :meth:`_scale_tasks`
    after checking the tasks and before the method's ``_prepare``; ``transform``
    and ``predict_proba`` use :meth:`_to_unit` and :meth:`_impute_in_units`.

    The fitted attributes are set only when ``scale=True``.

    Attributes
    ----------
    data_min_ : ndarray of shape (n_features,)
        Minimum of each column's observed entries in ``fit`` (0 for a column without one).
    data_range_ : ndarray of shape (n_features,)
        Its maximum minus its minimum (0 for a constant column or one without an observed entry).
    """

    #: Added to a non-zero range (GAIN's code divides by ``max - min + 1e-6``).
    _scale_eps = 0.0
    #: What the benchmark protocol passes: it scales every split to [0, 1] itself.
    protocol_defaults = {"scale": False}

    def _spans(self, data_range: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the divisor into [0, 1], the factor back): a zero range divides by 1 and multiplies by 0."""
        span = data_range + self._scale_eps
        return np.where(data_range > 0, span, 1.0), np.where(data_range > 0, span, 0.0)

    def _scale_tasks(self, tasks: list) -> tuple[list, list[dict]]:
        """Each task's rows (and validation and monitored rows) in [0, 1], and its ``data_min_``, ``data_range_``."""
        if not self.scale:
            return tasks, [{} for _ in tasks]
        out, fitted = [], []
        for task in tasks:
            low, data_range = fit_minmax(task.X)
            self._check_ranges(task.X, low, data_range)
            divisor = self._spans(data_range)[0]

            def unit(X, low=low, divisor=divisor):
                return (np.asarray(X, dtype=np.float64) - low) / divisor

            def unit_rows(rows):
                return None if rows is None else (unit(rows[0]), unit(rows[1]), rows[2])

            out.append(replace(task, X=unit(task.X), eval_set=unit_rows(task.eval_set),
                               monitor_set=unit_rows(task.monitor_set)))
            fitted.append({"data_min_": low, "data_range_": data_range})
        return out, fitted

    def _check_ranges(self, X: np.ndarray, low: np.ndarray, data_range: np.ndarray) -> None:
        """Refuse a range float64 cannot hold; warn of empty columns and of a range an outlier makes."""
        who = type(self).__name__
        overflow = np.flatnonzero(~np.isfinite(data_range))
        if len(overflow):
            j = int(overflow[0])
            raise ValueError(f"{who}: column {j} spans [{low[j]:.3g}, {np.nanmax(X[:, j]):.3g}], a range beyond "
                             f"float64: no scaling can keep its values apart; fix or drop the extreme values")
        empty = np.flatnonzero(np.isnan(X).all(axis=0))
        if len(empty):
            warnings.warn(f"{who}: column(s) {empty.tolist()[:10]} have no observed value in fit: nothing is known "
                          f"of their units, so they are imputed with 0", UserWarning, stacklevel=5)
        q1, q3 = np.nanpercentile(np.where(np.isnan(X).all(axis=0), 0.0, X), [25, 75], axis=0)
        spread = q3 - q1
        wide = np.flatnonzero((spread > 0) & (data_range > OUTLIER_RATIO * spread))
        if len(wide):
            j = int(wide[0])
            warnings.warn(f"{who}: column {j} spans [{low[j]:.3g}, {low[j] + data_range[j]:.3g}], more than "
                          f"{OUTLIER_RATIO:.0e} times its interquartile range ({spread[j]:.3g}): an outlier or a "
                          f"unit error squeezes its other values into a sliver of [0, 1] and its imputations lose "
                          f"their precision; fix or drop the extreme values ({len(wide)} such column(s))",
                          UserWarning, stacklevel=5)

    def _to_unit(self, X: np.ndarray) -> np.ndarray:
        """Rows of the caller's units as the networks see them (unchanged with ``scale=False``)."""
        if not self.scale:
            return X
        return (X - self.data_min_) / self._spans(self.data_range_)[0]

    def _impute_in_units(self, X: np.ndarray, impute) -> np.ndarray:
        """``impute`` (scaled rows -> their imputations, scaled) in the caller's units.

        The missing entries come from ``impute`` mapped back to each column's units; the observed ones are
        ``X``'s own, bit for bit (scaling there and back would round them).
        """
        missing = np.isnan(X)
        if not self.scale:
            return np.where(missing, impute(X), X)
        return np.where(missing, self.data_min_ + impute(self._to_unit(X)) * self._spans(self.data_range_)[1], X)
