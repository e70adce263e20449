import numpy as np
import pytest

from hexagan.protocol.missingness import apply_mask, element_mask, label_mask


@pytest.mark.parametrize("mechanism", ["mcar", "mar", "mnar"])
@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_mask_rate_within_tolerance(mechanism, rate):
    X = np.random.default_rng(0).normal(size=(2000, 10))
    mask = element_mask(X, mechanism, rate, seed=1)
    assert mask.dtype == bool and mask.shape == X.shape
    assert abs((~mask).mean() - rate) < 0.02


@pytest.mark.parametrize("mechanism", ["mcar", "mar", "mnar"])
def test_mask_reproducible_from_seed(mechanism):
    X = np.random.default_rng(0).normal(size=(100, 5))
    assert np.array_equal(element_mask(X, mechanism, 0.2, 3), element_mask(X, mechanism, 0.2, 3))
    assert not np.array_equal(element_mask(X, mechanism, 0.2, 3), element_mask(X, mechanism, 0.2, 4))


def test_mar_keeps_some_features_fully_observed_and_depends_on_them():
    X = np.random.default_rng(0).normal(size=(3000, 10))
    mask = element_mask(X, "mar", 0.2, 0)
    always = mask.all(axis=0)
    assert always.sum() == 3
    # Missingness of a missable column is predictable from the always-observed ones (MAR, not MCAR).
    j = np.flatnonzero(~always)[0]
    corr = [abs(np.corrcoef(X[:, a], ~mask[:, j])[0, 1]) for a in np.flatnonzero(always)]
    assert max(corr) > 0.1


def test_mnar_hides_large_values_more_often():
    X = np.random.default_rng(0).normal(size=(5000, 3))
    mask = element_mask(X, "mnar", 0.3, 0)
    assert X[~mask[:, 0], 0].mean() > X[mask[:, 0], 0].mean() + 0.3


def test_existing_nan_stays_missing_and_apply_mask():
    X = np.ones((4, 2))
    X[0, 0] = np.nan
    mask = element_mask(X, "mcar", 0.0, 0)
    assert not mask[0, 0] and mask[1:].all()
    assert np.isnan(apply_mask(np.ones((2, 2)), np.array([[True, False], [True, True]]))).sum() == 1


def test_label_mask_rate_and_errors():
    m = label_mask(10000, 0.2, 0)
    assert abs((~m).mean() - 0.2) < 0.02
    with pytest.raises(ValueError, match="label rate"):
        label_mask(10, 1.5, 0)
    with pytest.raises(ValueError, match="unknown missingness mechanism 'mcra'"):
        element_mask(np.ones((2, 2)), "mcra", 0.2, 0)
