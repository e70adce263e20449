"""``matrix``: low-rank matrix completion by SoftImpute (fancyimpute).

SoftImpute (Mazumder, Hastie & Tibshirani 2010) fills the missing entries with
an iteratively soft-thresholded SVD of the completed matrix.  fancyimpute's
implementation has only ``fit_transform``, so this method is
**transductive** (``transductive = True``): ``fit`` stores the training rows,
and ``transform(X)`` completes the stacked matrix ``[training rows; X]`` and
returns the part of ``X``.  The rows of ``X`` therefore take part with their
*observed* entries (as in the matrix-completion setting of the paper's
"Matrix" baseline); their hidden values are never seen.  Each call completes
its own stacked matrix, so the result for a row depends on the other rows of
the same call.
"""
from __future__ import annotations

import contextlib
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from baselines.simple import EMPTY_COLUMN_FILL, LibraryImputer
from hexagan.methods import VALIDATE_X, register


@contextlib.contextmanager
def _seeded_global_numpy(seed):
    """Seed numpy's global RNG for the block, then restore its state.

    fancyimpute's randomized SVD (used when ``max_rank`` is set) draws from the
    global RNG (``random_state=None``); this makes it reproducible without
    leaking the seed to the caller.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


@register("matrix")
class SoftImputeImputer(LibraryImputer):
    """Transductive SoftImpute completion of ``[training rows; X]``.

    Parameters
    ----------
    shrinkage_value : float or None, default None
        The soft threshold subtracted from the singular values.  None uses
        fancyimpute's default rule, the largest singular value of the
        zero-filled matrix divided by 50; we compute that singular value
        exactly (``np.linalg.norm(., 2)``) instead of fancyimpute's randomized
        rank-1 estimate, so that the result is deterministic.  Computed per
        ``transform`` call, on the stacked matrix it completes.
    max_rank : int or None, default None
        None = full SVD each iteration (exact; cheap for our <= 500 columns);
        an int = randomized truncated SVD of that rank (seeded by
        ``random_state``).
    max_iters : int, default 100
        Maximum number of SVD iterations (fancyimpute's default).
    convergence_threshold : float, default 0.001
        Stop when the relative change of the imputed entries falls below it
        (fancyimpute's default).
    random_state : int or None, default None
        Seeds the randomized SVD when ``max_rank`` is set; otherwise unused.

    Notes
    -----
    The initial fill is 0 (fancyimpute's default) and values are not clipped.
    fancyimpute's progress prints are off (``verbose=False``).  A column with
    no observed entry among the training rows is left out and filled with 0.5.

    Attributes
    ----------
    X_fit_ : ndarray of float64, shape (n, d_kept)
        The training rows (columns with an observed entry), NaN for missing.
    """

    transductive = True
    _parameter_constraints = {
        "shrinkage_value": [Interval(Real, 0, None, closed="neither"), None],
        "max_rank": [Interval(Integral, 1, None, closed="left"), None],
        "max_iters": [Interval(Integral, 1, None, closed="left")],
        "convergence_threshold": [Interval(Real, 0, None, closed="left")],
        # seeds a SeedSequence, which takes an int, not a RandomState
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(self, *, shrinkage_value=None, max_rank=None, max_iters: int = 100,
                 convergence_threshold: float = 0.001, random_state=None):
        self.shrinkage_value = shrinkage_value
        self.max_rank = max_rank
        self.max_iters = max_iters
        self.convergence_threshold = convergence_threshold
        self.random_state = random_state

    def _fit_kept(self, X):
        self.X_fit_ = X.copy()

    def _complete(self, M: np.ndarray) -> np.ndarray:
        """SoftImpute of the matrix ``M`` of shape (r, c) with NaN; returns it completed."""
        from fancyimpute import SoftImpute

        missing = np.isnan(M)
        if not missing.any():
            return M.copy()
        shrinkage = self.shrinkage_value
        if shrinkage is None:
            shrinkage = np.linalg.norm(np.where(missing, 0.0, M), 2) / 50.0
            if shrinkage <= 0:  # an all-zero observed matrix: any positive threshold gives 0
                shrinkage = 1e-12
        solver = SoftImpute(
            shrinkage_value=shrinkage,
            max_rank=self.max_rank,
            max_iters=self.max_iters,
            convergence_threshold=self.convergence_threshold,
            init_fill_method="zero",
            verbose=False,
        )
        seed = None if self.random_state is None else int(np.random.SeedSequence(self.random_state).generate_state(1)[0])
        with warnings.catch_warnings():
            # fancyimpute 0.7 calls check_array(force_all_finite=...), deprecated in scikit-learn 1.6.
            warnings.simplefilter("ignore", FutureWarning)
            if seed is None:
                return solver.fit_transform(M)
            with _seeded_global_numpy(seed):
                return solver.fit_transform(M)

    def _transform_kept(self, X):
        stacked = np.vstack([self.X_fit_, X])
        return self._complete(stacked)[len(self.X_fit_):]

    def fit_transform(self, X, y=None):
        """Fit on ``X`` of shape (n, d) and complete it (``X`` stacked once, not twice).

        Returns
        -------
        ndarray of float64, shape (n, d)
        """
        self.fit(X)
        X = validate_data(self, X, reset=False, **VALIDATE_X)  # the array fit saw (fit keeps only its columns)
        kept = self.kept_columns_
        out = X.copy()
        missing = np.isnan(X)
        if kept.any() and missing[:, kept].any():
            completed = self._complete(X[:, kept])
            out[:, kept] = np.where(missing[:, kept], completed, X[:, kept])
        out[:, ~kept] = np.where(missing[:, ~kept], EMPTY_COLUMN_FILL, X[:, ~kept])
        return out
