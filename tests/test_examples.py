"""examples/my_methods.py, the README's complete imputer and classifier: it imports, registers and fits."""
from pathlib import Path

import numpy as np
import pytest

from hexagan import methods, protocol
from hexagan.data import load_dataset
from hexagan.suite.config import import_plugins

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "my_methods.py"


@pytest.fixture(scope="module", autouse=True)
def registered():
    import_plugins([str(EXAMPLE)])  # as make compare PLUGIN=examples/my_methods.py does


def tiny(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((40, 4))
    X[rng.random(X.shape) < 0.2] = np.nan
    y = (np.nan_to_num(X[:, 0]) + rng.normal(0, 0.1, 40) > 0.5).astype(int)
    y[:6] = -1  # missing labels
    return X, y


def test_the_example_imputer_keeps_observed_entries_and_fills_the_rest():
    X, _ = tiny()
    imputer = methods.create("my_trees", random_state=0)
    assert methods.kind_of("my_trees") == "imputer"
    filled = imputer.fit(X).transform(X)
    observed = ~np.isnan(X)
    assert not np.isnan(filled).any() and np.array_equal(filled[observed], X[observed])
    assert imputer.get_params(deep=True) == {"n_estimators": 10, "max_iter": 5, "random_state": 0}


def test_the_example_classifier_learns_from_the_labelled_rows_only():
    X, y = tiny()
    clf = methods.create("my_boosting", random_state=0, max_iter=20)
    assert methods.kind_of("my_boosting") == "classifier"
    proba = clf.fit(X, y).predict_proba(X)
    assert list(clf.classes_) == [0, 1]  # -1 is a missing label, not a class
    assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {0, 1}


@pytest.mark.parametrize("name", ["my_trees", "my_boosting"])
def test_the_examples_run_through_the_protocol(name):
    """One split of wine, as make compare runs it: scored with the table's metrics."""
    rows = protocol.run(load_dataset("wine"), name, {"random_state": 0}, repeats=[0], folds=[0])
    assert set(rows["metric"]) >= ({"rmse_rowmean", "rmse"} if name == "my_trees" else {"f1", "auroc"})
    assert rows["value"].notna().all()
