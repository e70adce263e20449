import numpy as np
import pytest

from hexagan.protocol.splits import make_splits


GRID = dict(n_repeats=3, n_folds=5, val_fraction=0.1)


def _y():
    return np.array([0] * 70 + [1] * 30)


def test_splits_disjoint_cover_and_stratified():
    y = _y()
    splits = make_splits(y, n_repeats=2, n_folds=5, val_fraction=0.1, seed=0)
    assert len(splits) == 10
    for r in range(2):
        tests = np.concatenate([s.test for s in splits if s.repeat == r])
        assert np.array_equal(np.sort(tests), np.arange(len(y)))  # each row tested once per repeat
    for s in splits:
        parts = [set(s.train), set(s.val), set(s.test)]
        assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
        assert len(s.train) + len(s.val) + len(s.test) == len(y)
        assert y[s.test].mean() == pytest.approx(0.3, abs=0.06)
        assert y[s.val].mean() == pytest.approx(0.3, abs=0.15)


def test_splits_deterministic_and_subset_equal_to_full_grid():
    y = _y()
    full = make_splits(y, **GRID, seed=5)
    again = make_splits(y, **GRID, seed=5)
    sub = make_splits(y, **GRID, seed=5, repeats=[2], folds=[1, 3])
    for a, b in zip(full, again):
        assert np.array_equal(a.test, b.test) and np.array_equal(a.val, b.val)
    chosen = [s for s in full if s.repeat == 2 and s.fold in (1, 3)]
    for a, b in zip(chosen, sub):
        assert np.array_equal(a.train, b.train) and np.array_equal(a.test, b.test)
    other = make_splits(y, **GRID, seed=6)
    assert not np.array_equal(full[0].test, other[0].test)
    assert len({s.seed for s in full}) == len(full)


def test_split_errors():
    with pytest.raises(ValueError, match="fewer than n_folds"):
        make_splits(np.array([0, 0, 0, 0, 0, 1, 1]), **GRID)
    with pytest.raises(ValueError, match="repeat 4"):
        make_splits(_y(), **{**GRID, "n_repeats": 2}, repeats=[4])
