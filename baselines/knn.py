"""``knn``: k-nearest-neighbour imputation (scikit-learn's ``KNNImputer``).

Why scikit-learn's and not fancyimpute's ``KNN``:

* it is maintained, and part of the scikit-learn we already pin;
* it is **inductive**: ``fit`` stores the training rows as the donors and
  ``transform`` imputes new rows from them, so a test row is imputed from
  training rows only (fancyimpute's ``KNN`` has only ``fit_transform`` and
  would have to see the test rows, i.e. be transductive);
* distances are scikit-learn's ``nan_euclidean`` (Euclidean over the
  coordinates both rows observe, rescaled by the fraction observed), computed
  in chunks, whereas fancyimpute's ``KNN`` builds a dense n x n distance
  matrix, O(n^2) memory -- 30 000 rows of credit would need ~7 GB.
"""
from __future__ import annotations

from sklearn.impute import KNNImputer as _SkKNNImputer

from baselines.simple import LibraryImputer
from hexagan.methods import register


@register("knn")
class KNNImputer(LibraryImputer):
    """Impute each missing entry by the mean of its ``n_neighbors`` nearest training rows.

    Neighbours are found with the ``nan_euclidean`` distance on the
    coordinates observed in both rows, among the training rows that observe
    the entry's column; with no such donor the column's training mean is
    used.  Deterministic (no ``random_state``).  A column entirely missing in
    ``fit`` is filled with 0.5 and not used in distances.

    Parameters
    ----------
    n_neighbors : int, default 5
        Number of donor rows (scikit-learn's default).
    weights : {"uniform", "distance"}, default "uniform"
        Donor weighting, passed to ``sklearn.impute.KNNImputer``.

    Attributes
    ----------
    imputer_ : sklearn.impute.KNNImputer
        Holds the training rows (columns with an observed entry) as donors.
    """

    # scikit-learn's own constraints of the two parameters passed through
    _parameter_constraints = {k: _SkKNNImputer._parameter_constraints[k] for k in ("n_neighbors", "weights")}

    def __init__(self, *, n_neighbors: int = 5, weights: str = "uniform"):
        self.n_neighbors = n_neighbors
        self.weights = weights

    def _fit_kept(self, X):
        self.imputer_ = _SkKNNImputer(n_neighbors=self.n_neighbors, weights=self.weights).fit(X)

    def _transform_kept(self, X):
        return self.imputer_.transform(X)
