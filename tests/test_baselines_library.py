"""The library imputers (zeros, mean, matrix, knn, mice, iterative, missforest) and the balancing steps."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from baselines.balancing import inverse_frequency_weights, smote_resample
from baselines.mice import _LeanBoosters, predictor_sets
from baselines.simple import EMPTY_COLUMN_FILL
from hexagan import methods, protocol
from hexagan.data import load_dataset
from hexagan.protocol.metrics import rmse

IMPUTERS = ["zeros", "mean", "matrix", "knn", "mice", "iterative", "missforest"]
# Small, fast settings where a method has costly defaults (the defaults are exercised by the benchmark).
FAST = {
    "mice": {"num_datasets": 2, "iterations": 2},
    "missforest": {"n_estimators": 10, "max_iter": 2},
}


def _params(name: str, **extra) -> dict:
    return {**FAST.get(name, {}), **extra}


def _seeded(name: str, seed: int = 0) -> dict:
    has_seed = "random_state" in methods.get(name)().get_params()
    return _params(name, **({"random_state": seed} if has_seed else {}))


def _low_rank(n=200, d=8, rank=2, rate=0.2, seed=0):
    """A min-max scaled rank-``rank`` matrix (plus a little noise) and its MCAR-masked copy."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, d)) + 0.02 * rng.normal(size=(n, d))
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    observed = rng.random(X.shape) >= rate
    return X, np.where(observed, X, np.nan), observed


@pytest.fixture(scope="module")
def data():
    return _low_rank()


@pytest.mark.parametrize("name", IMPUTERS)
def test_contract(name, data):
    _, X_nan, observed = data
    train, test = X_nan[:150], X_nan[150:]
    est = methods.create(name, **_seeded(name))
    assert est.kind == "imputer"
    out = est.fit(train).transform(test)
    assert out.shape == test.shape
    assert out.dtype == np.float64
    assert not np.isnan(out).any()
    # observed entries bit-identical
    assert np.array_equal(out[observed[150:]], test[observed[150:]])
    # the same seed gives the same output
    again = methods.create(name, **_seeded(name)).fit(train).transform(test)
    assert np.array_equal(out, again)
    # transforming twice gives the same output
    assert np.array_equal(est.transform(test), out)
    # a fitted-on-transform on the training rows obeys the contract too
    out_train = clone(est).fit_transform(train)
    assert not np.isnan(out_train).any()
    assert np.array_equal(out_train[observed[:150]], train[observed[:150]])


@pytest.mark.parametrize("name", IMPUTERS)
def test_registry_params_and_clone(name):
    est = methods.create(name)
    params = est.get_params()
    copy = clone(est)
    assert type(copy) is type(est) and copy.get_params() == params
    with pytest.raises(methods.MethodError, match="no parameter"):
        methods.create(name, not_a_parameter=1)
    assert methods.kind_of(name) == "imputer"
    assert methods.get("matrix").transductive is True
    assert methods.get(name).transductive is (name == "matrix")


@pytest.mark.parametrize("name", IMPUTERS)
def test_transform_before_fit_raises(name):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        methods.create(name).transform(np.zeros((2, 3)))


@pytest.mark.parametrize("name", IMPUTERS)
def test_wrong_number_of_columns_raises(name, data):
    _, X_nan, _ = data
    est = methods.create(name, **_seeded(name)).fit(X_nan[:100])
    with pytest.raises(ValueError, match="features"):
        est.transform(X_nan[100:, :-1])


def test_zeros_and_mean_fill_values(data):
    _, X_nan, _ = data
    train, test = X_nan[:150], X_nan[150:]
    zeros = methods.create("zeros").fit(train).transform(test)
    assert np.all(zeros[np.isnan(test)] == 0.0)
    mean = methods.create("mean").fit(train).transform(test)
    col_means = np.nanmean(train, axis=0)
    rows, cols = np.nonzero(np.isnan(test))
    np.testing.assert_allclose(mean[rows, cols], col_means[cols], rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["matrix", "knn", "mice", "iterative", "missforest"])
def test_beats_column_mean_on_low_rank_data(name):
    X, X_nan, observed = _low_rank(n=300, d=10, rank=2, seed=1)
    train, test = slice(0, 240), slice(240, None)
    baseline = rmse(X[test], methods.create("mean").fit(X_nan[train]).transform(X_nan[test]), observed[test])
    est = methods.create(name, **_seeded(name)).fit(X_nan[train])
    score = rmse(X[test], est.transform(X_nan[test]), observed[test])
    assert score < 0.8 * baseline, (name, score, baseline)


@pytest.mark.parametrize("name", IMPUTERS)
def test_all_missing_column_in_fit(name, data):
    _, X_nan, _ = data
    train, test = X_nan[:150].copy(), X_nan[150:].copy()
    train[:, 2] = np.nan
    test[:5, 2] = 0.25  # observed at transform time: kept as is
    test[5:, 2] = np.nan
    est = methods.create(name, **_seeded(name)).fit(train)
    out = est.transform(test)
    assert not np.isnan(out).any()
    assert np.all(out[:5, 2] == 0.25)
    expected = 0.0 if name == "zeros" else EMPTY_COLUMN_FILL
    assert np.all(out[5:, 2] == expected)
    out_train = clone(est).fit_transform(train)
    assert np.all(out_train[:, 2] == expected)


@pytest.mark.parametrize("name", IMPUTERS)
@pytest.mark.parametrize("n_observed", [1, 2])
def test_nearly_empty_column_in_fit(name, n_observed, data):
    _, X_nan, _ = data
    train = X_nan[:150].copy()
    train[:, 3] = np.nan
    train[:n_observed, 3] = 0.4
    out = methods.create(name, **_seeded(name)).fit(train).transform(X_nan[150:])
    assert not np.isnan(out).any()


@pytest.mark.parametrize("name", IMPUTERS)
def test_single_column(name):
    X = np.array([[0.1], [np.nan], [0.5], [0.9], [np.nan]])
    out = methods.create(name, **_seeded(name)).fit(X).transform(X)
    assert not np.isnan(out).any() and np.array_equal(out[[0, 2, 3]], X[[0, 2, 3]])


@pytest.mark.parametrize("name", IMPUTERS)
def test_column_complete_in_fit_but_missing_in_transform(name, data):
    X, X_nan, _ = data
    train, test = X_nan[:150].copy(), X_nan[150:].copy()
    train[:, 0] = X[:150, 0]  # column 0 complete in the fitted rows
    test[:, 0] = np.nan  # and entirely missing at transform time
    out = methods.create(name, **_seeded(name)).fit(train).transform(test)
    assert not np.isnan(out).any()


@pytest.mark.parametrize("name", IMPUTERS)
def test_protocol_on_breast(name):
    table = protocol.run(load_dataset("breast"), name, _params(name), n_repeats=1, n_folds=2, folds=[0])
    values = table.set_index("metric")["value"]
    for metric in ("rmse", "rmse_rowmean", "rmse_train", "rmse_train_rowmean"):
        assert np.isfinite(values[metric]), metric
    assert values["rmse_rowmean"] <= values["rmse"]
    if name != "zeros":
        assert values["rmse"] < 0.2  # column mean is ~0.14 on breast


def test_mice_predictor_sets_pick_the_most_correlated_columns():
    rng = np.random.default_rng(0)
    base = rng.random(60)
    X = np.column_stack([base, rng.random(60), -base + 0.01 * rng.random(60), base + 0.05 * rng.random(60),
                         np.full(60, 0.3), rng.random(60)])
    X[rng.random(X.shape) < 0.2] = np.nan
    assert [list(p) for p in predictor_sets(X, None)] == [[j for j in range(6) if j != i] for i in range(6)]
    chosen = predictor_sets(X, 2)
    assert list(chosen[0]) == [2, 3]  # |r| near 1 for both, whatever the sign
    assert list(chosen[3]) == [0, 2]
    assert all(len(p) == 2 and i not in p for i, p in enumerate(chosen))
    # the constant column 4 counts as uncorrelated: never chosen while a correlated column is left
    assert 4 not in np.concatenate([chosen[i] for i in (0, 2, 3)])
    assert [list(p) for p in predictor_sets(X, 5)] == [list(p) for p in predictor_sets(X, None)]


def test_mice_reloads_each_booster_as_it_is_stored(data):
    """A booster left from training keeps its buffers (and its train_set_version); the store reloads it at
    once from its model text, which predicts the same, and a fitted kernel holds only reloaded ones."""
    import lightgbm

    rng = np.random.default_rng(0)
    X = rng.random((80, 3))
    trained = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, X.sum(1)), 5, keep_training_booster=True)
    store = _LeanBoosters()
    store["x0", 1, 0] = trained
    kept = store["x0", 1, 0]
    assert getattr(trained, "train_set_version", None) is not None
    assert getattr(kept, "train_set_version", None) is None
    np.testing.assert_array_equal(kept.predict(X), trained.predict(X))
    _, X_nan, _ = data
    est = methods.create("mice", **_seeded("mice")).fit(X_nan[:150])
    assert type(est.kernel_.models) is dict and est.kernel_.models
    assert all(getattr(booster, "train_set_version", None) is None for booster in est.kernel_.models.values())


def test_mice_max_predictors_fits_that_many_per_column(data):
    _, X_nan, observed = data
    est = methods.create("mice", **_seeded("mice"), max_predictors=3).fit(X_nan[:150])
    assert all(len(predictors) == 3 for predictors in est.kernel_.variable_schema.values())
    out = est.transform(X_nan[150:])
    assert not np.isnan(out).any() and np.array_equal(out[observed[150:]], X_nan[150:][observed[150:]])
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="max_predictors"):
            methods.create("mice", max_predictors=bad).fit(X_nan[:150])


# --------------------------------------------------------------------------
# balancing
# --------------------------------------------------------------------------


def test_inverse_frequency_weights_hand_computed():
    w = inverse_frequency_weights(np.array([0, 0, 0, 1, -1]), 2)
    np.testing.assert_allclose(w, [4 / (2 * 3), 4 / (2 * 1)])
    counts = np.array([3, 1])
    assert np.isclose((w * counts).sum(), 4)


def test_inverse_frequency_weights_multiclass_and_errors():
    y = np.array([0, 1, 1, 2, 2, 2, -1, -1])
    w = inverse_frequency_weights(y, 3)
    np.testing.assert_allclose(w, [6 / 3, 6 / 6, 6 / 9])
    with pytest.raises(ValueError, match="no labeled row"):
        inverse_frequency_weights(np.array([0, 0, -1]), 2)
    with pytest.raises(ValueError, match="outside"):
        inverse_frequency_weights(np.array([0, 2]), 2)


def test_smote_balances_and_keeps_labeled_rows():
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    y = np.array([0] * 25 + [1] * 8 + [2] * 3 + [-1] * 4)
    X_res, y_res = smote_resample(X, y, random_state=0)
    labeled = y >= 0
    np.testing.assert_array_equal(X_res[: labeled.sum()], X[labeled])
    np.testing.assert_array_equal(y_res[: labeled.sum()], y[labeled])
    assert np.bincount(y_res).tolist() == [25, 25, 25]
    assert X_res.dtype == np.float64 and y_res.dtype == np.int64
    # synthetic rows lie in the bounding box of their class (convex combinations)
    for c in (1, 2):
        synth = X_res[labeled.sum():][y_res[labeled.sum():] == c]
        own = X[y == c]
        assert np.all(synth >= own.min(axis=0) - 1e-12) and np.all(synth <= own.max(axis=0) + 1e-12)
    again = smote_resample(X, y, random_state=0)
    np.testing.assert_array_equal(again[0], X_res)


def test_smote_single_row_class_and_balanced_input():
    X = np.arange(12, dtype=float).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 1, -1])
    X_res, y_res = smote_resample(X, y, random_state=0)
    assert np.bincount(y_res).tolist() == [4, 4]
    assert np.all(X_res[5:] == X[4])
    X_bal, y_bal = smote_resample(X[:4], np.array([0, 1, 0, 1]))
    np.testing.assert_array_equal(X_bal, X[:4])


def test_smote_raises_on_nan():
    X = np.random.default_rng(0).random((10, 2))
    X[1, 0] = np.nan
    y = np.array([0] * 7 + [1] * 3)
    with pytest.raises(ValueError, match="NaN"):
        smote_resample(X, y)
    # NaN in an unlabeled row is irrelevant
    y_unlabeled = y.copy()
    y_unlabeled[1] = -1
    smote_resample(X, y_unlabeled, random_state=0)
