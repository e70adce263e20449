"""The two trivial imputers, ``zeros`` and ``mean``, and the plumbing every library imputer shares.

Conventions of every imputer in ``baselines/`` (``zeros``, ``mean``, ``matrix``,
``knn``, ``mice``, ``iterative``, ``missforest``):

* ``X`` is float, ``NaN`` where an entry is missing, already min-max scaled
  to [0, 1] by the protocol (:mod:`hexagan.protocol`).
* ``transform`` returns float64 without NaN, of the input's shape, and keeps
  every observed entry bit-identical (it is copied from the input, never
  recomputed).
* A column with no observed entry in the rows given to ``fit`` carries no
  information: it is left out of the model (it is neither predicted nor used
  as a predictor) and its missing entries are filled with
  :data:`EMPTY_COLUMN_FILL` = 0.5, the centre of the scaled range (the
  "column mean of nothing" has no value; 0.5 is the minimax guess on [0, 1]).
  ``zeros`` is the exception: it fills 0 everywhere, by definition.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.utils.validation import check_is_fitted, validate_data

from hexagan.methods import VALIDATE_X, BaseImputer, register

__all__ = ["EMPTY_COLUMN_FILL", "LibraryImputer", "MeanImputer", "ZeroImputer"]

#: Fill value of a column that has no observed entry in the fitted rows (scaled units).
EMPTY_COLUMN_FILL = 0.5


class LibraryImputer(BaseImputer, TransformerMixin, BaseEstimator):
    """Shared base of the library imputers: input checks, empty columns, output contract.

    Subclasses implement ``_fit_kept(X)`` and ``_transform_kept(X)`` on the
    columns that have at least one observed entry in the fitted rows (``X``
    restricted to ``kept_columns_``, NaN for missing); this class restores the
    observed entries and fills the empty columns.

    Inputs are validated with scikit-learn's ``validate_data`` (NaN allowed,
    inf refused, float64; ``fit`` checks the parameters against the class's
    ``_parameter_constraints`` first).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns ``d`` seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` got a DataFrame with string column names.
    kept_columns_ : ndarray of bool, shape (d,)
        True for the columns with at least one observed entry in ``fit``.
    """

    _parameter_constraints: dict = {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # -- hooks ---------------------------------------------------------
    def _fit_kept(self, X: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_kept(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- public API ----------------------------------------------------
    def fit(self, X, y=None):
        """Fit the imputer on the rows ``X``.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Scaled features, NaN for a missing entry.
        y : ignored
            Present for the scikit-learn API.

        Returns
        -------
        self
        """
        X = self._check_fit_X(X)
        self.kept_columns_ = ~np.isnan(X).all(axis=0)
        if self.kept_columns_.any():
            self._fit_kept(X[:, self.kept_columns_])
        return self

    def transform(self, X):
        """Impute the missing entries of ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d)
            Scaled features, NaN for a missing entry, same columns as in ``fit``.

        Returns
        -------
        ndarray of float64, shape (m, d)
            ``X`` with every NaN replaced and every observed entry unchanged.
        """
        check_is_fitted(self)
        X = self._check_transform_X(X)
        missing = np.isnan(X)
        out = X.copy()
        if not missing.any():
            return out
        kept = self.kept_columns_
        if kept.any() and missing[:, kept].any():
            imputed = np.asarray(self._transform_kept(X[:, kept]), dtype=np.float64)
            if imputed.shape != (X.shape[0], int(kept.sum())):
                raise RuntimeError(f"{type(self).__name__} returned shape {imputed.shape}")
            out[:, kept] = np.where(missing[:, kept], imputed, X[:, kept])
        out[:, ~kept] = np.where(missing[:, ~kept], EMPTY_COLUMN_FILL, X[:, ~kept])
        if np.isnan(out).any():
            raise RuntimeError(f"{type(self).__name__} left NaN in its output")
        return out

    def _check_fit_X(self, X) -> np.ndarray:
        """Check the parameters and ``X``; sets ``n_features_in_`` (and ``feature_names_in_``)."""
        self._validate_params()
        return validate_data(self, X, reset=True, **VALIDATE_X)

    def _check_transform_X(self, X) -> np.ndarray:
        """``X`` as float64, checked against the columns seen in ``fit``."""
        return validate_data(self, X, reset=False, **VALIDATE_X)


@register("zeros")
class ZeroImputer(LibraryImputer):
    """Fill every missing entry with 0 (in min-max scaled units, i.e. the column minimum).

    The paper's "Zeros" row.  Nothing is learned; ``fit`` only records the
    number of columns.  A column that is entirely missing in ``fit`` is
    filled with 0 too.
    """

    def __init__(self):
        pass

    def fit(self, X, y=None):
        """Record the number of columns of ``X`` of shape (n, d); returns self."""
        X = self._check_fit_X(X)
        self.kept_columns_ = np.ones(X.shape[1], dtype=bool)
        return self

    def transform(self, X):
        """``X`` of shape (m, d) with NaN replaced by 0.0; float64, shape (m, d)."""
        check_is_fitted(self)
        X = self._check_transform_X(X)
        return np.where(np.isnan(X), 0.0, X)


@register("mean")
class MeanImputer(LibraryImputer):
    """Fill a missing entry with its column's mean over the fitted rows' observed entries.

    Uses scikit-learn's ``SimpleImputer(strategy="mean")``.  A column that is
    entirely missing in ``fit`` is filled with 0.5 (:data:`EMPTY_COLUMN_FILL`).

    Attributes
    ----------
    imputer_ : sklearn.impute.SimpleImputer
        Fitted on the columns with an observed entry.
    statistics_ : ndarray of float64, shape (d,)
        The fill value of each column.
    """

    def __init__(self):
        pass

    def _fit_kept(self, X):
        self.imputer_ = SimpleImputer(strategy="mean").fit(X)

    def _transform_kept(self, X):
        return self.imputer_.transform(X)

    def fit(self, X, y=None):
        """Fit the column means on ``X`` of shape (n, d); returns self."""
        super().fit(X)
        stats = np.full(self.n_features_in_, EMPTY_COLUMN_FILL)
        if self.kept_columns_.any():
            stats[self.kept_columns_] = self.imputer_.statistics_
        self.statistics_ = stats
        return self
