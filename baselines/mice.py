"""``mice``: multiple imputation by chained equations with LightGBM random forests (miceforest 6).

What it does.  ``fit`` builds a ``miceforest.ImputationKernel`` on the
training rows: each of ``num_datasets`` imputed copies starts from random
draws of each column's observed values, then for ``iterations`` rounds every
column is regressed on all the others with a LightGBM random forest and its
missing entries are replaced by the forest's predictions.  Every model of
every round is kept, so ``transform`` can impute **new rows inductively**
(``kernel.impute_new_data``): the new rows are initialised the same way and
the stored models are replayed round by round -- the test rows never
influence a model.  Each column is regressed on all the others by default;
``max_predictors`` keeps only the most correlated ones, as van Buuren's
``quickpred`` does for wide data.  The point estimate returned is the **mean over the
``num_datasets`` imputed copies** at the last round.

Why ``mean_match_candidates=0`` by default.  miceforest's default predictive
mean matching (5 candidates) replaces each prediction by a real observed
value of a random one of the 5 training rows whose predictions are nearest:
right for multiple imputation (it keeps the spread of the data), wrong for a
point-estimate RMSE -- on credit it is worse than the column mean (see
``shared/notes/replication-facts.md``).  With 0 the forest's prediction
itself is imputed.  Any value > 0 restores mean matching.

Two pitfalls of miceforest 6.0.5 handled here: it needs a DataFrame with
string column names (we use ``x0, x1, ...``), and ``ImputedData.complete_data``
on the result of ``impute_new_data`` returns the *initial random draws*
unless the iteration is given explicitly (``impute_new_data`` does not update
the iteration counter that ``complete_data(iteration=-1)`` reads); we pass it.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval

from baselines.simple import LibraryImputer
from hexagan.methods import IntNotBool, register
from hexagan.replicas.cost import FitCost


# Columns with fewer observed training entries get no model: they are filled with their mean.
_MIN_OBSERVED = 3


class _LeanBoosters(dict):
    """miceforest's store of fitted models, keeping each booster as reloaded from its model text.

    miceforest trains with ``keep_training_booster=True``, so a stored booster keeps its training buffers
    (histogram pool): 1.2 GB for the 750 boosters of a default kernel on breast, and 17 GB and growing 16
    minutes into a default kernel's 12 500 on madelon.  Reloaded from its model text a booster predicts the
    same; reloading each as it is stored keeps one training booster alive at a time (peak memory 0.16x on
    madelon at 2 copies x 2 rounds, bench/mice_memory.py), where reloading them after ``mice`` did not.
    """

    def __setitem__(self, key, booster):
        import lightgbm

        super().__setitem__(key, lightgbm.Booster(model_str=booster.model_to_string()))


def fit_cost(n_rows: int, predictors: list[np.ndarray], n_models: int, *, num_datasets: int, iterations: int,
             num_iterations: int, max_predictors: int | None) -> FitCost:
    """The estimated time of a kernel's ``mice`` (one forest per modeled column, round and copy).

    A forest costs ~6 ms plus, per predictor, 0.05 ms and 1.1 us per row (24 trees; rows beyond 1 000
    count as their square root: LightGBM bins them): measured on this project's machine, one thread, at
    20 to 1 000 rows x 250 to 1 000 columns (0.07 to 1.2 ms a predictor), and credit's 30 000 rows x 23
    columns (~6 ms).  Within a factor of 2 there; it tells minutes from days.
    """
    rows = min(n_rows, 1000) * np.sqrt(max(n_rows, 1000) / 1000)
    mean_predictors = float(np.mean([len(p) for p in predictors])) if predictors else 0.0
    per_forest = 0.006 + mean_predictors * (5e-5 + 1.1e-6 * rows) * num_iterations / 24
    forests = num_datasets * iterations * n_models
    if max_predictors is None:
        advice = ("set max_predictors (e.g. 25, van Buuren's advice for wide data): each column is then "
                  "regressed on its 25 most correlated others instead of all")
    else:
        advice = f"lower max_predictors (now {max_predictors}), num_datasets (now {num_datasets}) or iterations"
    return FitCost(who=f"MiceForestImputer on {n_rows:,} rows x {len(predictors):,} columns",
                   detail=f"{forests:,} forests ({n_models:,} columns x {iterations} rounds x {num_datasets} "
                          f"copies) of ~{mean_predictors:,.0f} predictors, ~{per_forest:.2g} s a forest",
                   seconds=forests * per_forest, time_advice=advice)


def _frame(X: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])


def predictor_sets(X: np.ndarray, max_predictors: int | None) -> list[np.ndarray]:
    """For each column, the indices of the columns that predict it (ascending).

    None: every other column.  k: the k others with the largest absolute Pearson correlation, each pair
    over the rows where both are observed; a pair with fewer than 3 such rows, or a constant column,
    counts as uncorrelated.
    """
    d = X.shape[1]
    others = [np.delete(np.arange(d), j) for j in range(d)]
    if max_predictors is None or max_predictors >= d - 1:
        return others
    corr = np.abs(_frame(X).corr(min_periods=_MIN_OBSERVED).to_numpy())
    corr = np.nan_to_num(corr, nan=0.0)
    chosen = []
    for j, cols in enumerate(others):
        # stable sort of -|r|: ties go to the lower column index, so the choice is deterministic
        best = cols[np.argsort(-corr[j, cols], kind="stable")[:max_predictors]]
        chosen.append(np.sort(best))
    return chosen


@register("mice")
class MiceForestImputer(LibraryImputer):
    """Chained-equation imputation with LightGBM random forests; the mean of several imputed copies.

    The tree defaults are smaller than miceforest's (24 trees of depth <= 5,
    <= 24 leaves, >= 3 rows a leaf, instead of 48 trees of depth 8, 128
    leaves, 1 row a leaf): on breast (fold 0 of 5, 20 % MCAR, 5 copies x 5
    rounds) a fit takes 14 s instead of 63 s on one core, at a pooled RMSE
    of 0.0676 instead of 0.0662; on wine 0.1480 instead of 0.1523.

    Parameters
    ----------
    num_datasets : int, default 5
        Imputed copies whose mean is returned (each has its own random
        initialisation and forest seeds).
    iterations : int, default 5
        MICE rounds over all columns (miceforest's typical setting).
    mean_match_candidates : int, default 0
        0 = impute the forest's prediction (the right target for RMSE);
        k > 0 = predictive mean matching among k candidates (draws real
        values; worse RMSE).
    num_iterations : int, default 24
        Trees per forest (LightGBM ``num_iterations`` under miceforest's
        ``boosting="random_forest"``; miceforest's default is 48).
    max_depth : int, default 5
        Tree depth (miceforest's default: 8).
    num_leaves : int, default 24
        Leaves per tree (miceforest's default: 128).
    min_data_in_leaf : int, default 3
        Rows per leaf (miceforest's default: 1).
    max_predictors : int or None, default None
        None = every other column predicts each column (miceforest's
        default).  k = the k other columns with the largest absolute
        correlation with it on the training rows (pairwise-complete; ties
        to the lower index), the predictor selection of R mice's
        ``quickpred``: van Buuren (Flexible Imputation of Missing Data,
        Sec. 6.3.2) advises 15 to 25 predictors for wide data.  The cost of
        a round falls from quadratic in the number of columns to linear
        (``bench/mice_predictors.py``, one copy, one round): on 2 080
        madelon rows 25 predictors took 0.11x the time of all 499 at the
        same RMSE (0.1408 vs 0.1402); on 480 MNIST rows (2 trees a forest)
        20 took 0.22x the time of all 783, RMSE 0.1494 vs 0.1681.
    lgb_params : dict or None, default None
        Any other LightGBM parameter for every forest, overriding the above
        and miceforest's defaults (bagging 0.632 of rows, 0.632 of features
        per node, ...); passed as ``**kwlgb`` of ``ImputationKernel.mice``.
    num_threads : int, default 1
        LightGBM threads per forest.  1 is fastest on our small tables (the
        thread start-up costs more than a 48-tree forest on ~500 rows) and
        lets several jobs share a machine; results do not depend on it.
    random_state : int or None, default None
        Seeds the kernel (initial draws, forest seeds) and the initial draws
        of ``transform``; same seed => same output.

    Notes
    -----
    Before fitting, its time is estimated from the shape (:func:`fit_cost`);
    over an hour, a :class:`hexagan.replicas.cost.SlowFitWarning` names the parameter
    to change (``max_predictors`` first: on 20 rows x 1 000 columns, 25
    predictors took 13 s a round against 152 s with all 999).

    A column with no observed entry in ``fit`` is filled with 0.5 and left
    out.  A column with only 1 or 2 observed entries gets no model (LightGBM
    cannot fit one on so few rows): it is filled with the mean of its
    observed entries and serves as a predictor only.  With a single usable
    column there is nothing to regress on, and every column is mean-filled.

    Attributes
    ----------
    kernel_ : miceforest.ImputationKernel or None
        The kernel, with every round's models (None when nothing is modeled).
    modeled_columns_ : ndarray of bool, shape (d_kept,)
        Which of the kept columns have a model (>= 3 observed entries).
    column_means_ : ndarray of float64, shape (d_kept,)
        Training means of the kept columns (the fill of the unmodeled ones).
    transform_seed_ : int
        Seed of the initial random draws of every ``transform`` call, so that
        transforming the same rows twice gives the same result.
    """

    _parameter_constraints = {
        "num_datasets": [Interval(Integral, 1, None, closed="left")],
        "iterations": [Interval(Integral, 1, None, closed="left")],
        "mean_match_candidates": [Interval(Integral, 0, None, closed="left")],
        "num_iterations": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Integral],  # LightGBM: <= 0 means no limit
        "num_leaves": [Interval(Integral, 2, None, closed="left")],
        "min_data_in_leaf": [Interval(Integral, 0, None, closed="left")],
        "max_predictors": [IntNotBool(1), None],
        "lgb_params": [dict, None],
        "num_threads": [Interval(Integral, 0, None, closed="left")],  # LightGBM: 0 = OpenMP's default
        # seeds a SeedSequence, which takes an int, not a RandomState
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(self, *, num_datasets: int = 5, iterations: int = 5, mean_match_candidates: int = 0,
                 num_iterations: int = 24, max_depth: int = 5, num_leaves: int = 24, min_data_in_leaf: int = 3,
                 max_predictors: int | None = None, lgb_params: dict | None = None, num_threads: int = 1, random_state=None):
        self.num_datasets = num_datasets
        self.iterations = iterations
        self.mean_match_candidates = mean_match_candidates
        self.num_iterations = num_iterations
        self.max_depth = max_depth
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.max_predictors = max_predictors
        self.lgb_params = lgb_params
        self.num_threads = num_threads
        self.random_state = random_state

    def _lgb_kwargs(self) -> dict:
        kw = {"num_iterations": int(self.num_iterations), "max_depth": int(self.max_depth),
              "num_leaves": int(self.num_leaves), "min_data_in_leaf": int(self.min_data_in_leaf),
              "num_threads": int(self.num_threads), "verbosity": -1}
        kw.update(self.lgb_params or {})
        return kw

    def _prefill(self, X: np.ndarray) -> np.ndarray:
        """``X`` with the columns that get no model filled with their training mean."""
        X = X.copy()
        for j in np.flatnonzero(~self.modeled_columns_):
            X[np.isnan(X[:, j]), j] = self.column_means_[j]
        return X

    def _fit_kept(self, X):
        import miceforest

        seeds = np.random.SeedSequence(self.random_state).generate_state(2)
        self.transform_seed_ = int(seeds[1])
        self.column_means_ = np.nanmean(X, axis=0)
        # LightGBM cannot fit (or returns NaN) on fewer than 3 rows, and one column has nothing to regress on.
        self.modeled_columns_ = (~np.isnan(X)).sum(axis=0) >= _MIN_OBSERVED
        if X.shape[1] < 2 or not self.modeled_columns_.any():
            self.modeled_columns_[:] = False
            self.kernel_ = None
            return
        data = _frame(self._prefill(X))
        names = list(data.columns)
        # Every modeled column gets a model, also one complete in fit, so that test rows missing it are
        # imputed; every column (modeled or mean-filled) is a predictor.
        predictors = predictor_sets(X, self.max_predictors)
        modeled = np.flatnonzero(self.modeled_columns_)
        fit_cost(len(X), [predictors[j] for j in modeled], len(modeled), num_datasets=int(self.num_datasets),
                 iterations=int(self.iterations), num_iterations=int(self._lgb_kwargs()["num_iterations"]),
                 max_predictors=self.max_predictors).check()
        schema = {names[j]: [names[i] for i in predictors[j]] for j in modeled}
        self.kernel_ = miceforest.ImputationKernel(
            data,
            num_datasets=int(self.num_datasets),
            variable_schema=schema,
            mean_match_candidates=int(self.mean_match_candidates),
            save_all_iterations_data=True,  # impute_new_data replays every round's models
            random_state=int(seeds[0]),
        )
        self.kernel_.models = _LeanBoosters()
        self.kernel_.mice(int(self.iterations), verbose=False, **self._lgb_kwargs())
        self.kernel_.models = dict(self.kernel_.models)

    def _transform_kept(self, X):
        X = self._prefill(X)
        if self.kernel_ is None or not np.isnan(X).any():
            return X
        # impute_new_data writes into the kernel (its working data, its random state when mean matching,
        # its log): run it on a shallow copy so that transform leaves the fitted estimator unchanged, is
        # reproducible call after call, and works on a read-only (memory-mapped) estimator.  Not copy.copy:
        # the kernel's __getstate__ round-trips every column's imputed values through parquet (3 s on MNIST).
        kernel = object.__new__(type(self.kernel_))
        kernel.__dict__.update(self.kernel_.__dict__)
        kernel.working_data = self.kernel_.working_data.copy()
        kernel._random_state = np.random.RandomState(self.transform_seed_)
        kernel.loggers = []
        imputed = kernel.impute_new_data(
            _frame(X), random_state=np.random.RandomState(self.transform_seed_), verbose=False
        )
        n_rounds = kernel.iteration_count()
        copies = [imputed.complete_data(dataset=k, iteration=n_rounds).to_numpy(dtype=np.float64)
                  for k in kernel.datasets]
        return np.mean(copies, axis=0)
