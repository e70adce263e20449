"""What a user's bad or awkward input meets: one row per probe of issue 25, with its expected error or behaviour.

Each probe is a small function and what it must give: a result it checks (``Returns``), a warning
(``Warns``) or an error (``Raises``) whose message names the cause.  No probe trains more than a few
iterations: a fit estimated to be long is stopped at its warning (turned into an error), before training.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from hexagan import HexaGANClassifier, HexaGANImputer, methods
from hexagan.data import DataError, load_csv
from hexagan.replicas.cost import FitTooLargeError, SlowFitWarning
from hexagan.replicas.training import DivergenceError

FEW = {"max_steps": 3, "random_state": 0}
HEXAGAN_FEW = {**FEW, "eval_every": 1, "n_critic": 1, "batch_size": 16}


@dataclass
class Returns:
    check: Callable[[object], None]


@dataclass
class Warns:
    category: type
    match: str


@dataclass
class Raises:
    error: type
    match: str


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _mcar(X, rate=0.2, seed=0):
    X = np.array(X, dtype=np.float64)
    X[np.random.default_rng(seed).random(X.shape) < rate] = np.nan
    return X


def _breast_raw():
    """Breast in its own units (0.05 to 4 254), 20 % of the entries missing: the README snippet's table."""
    X = load_breast_cancer().data[:120]
    return X, _mcar(X)


def _small(n=60, d=4, seed=0):
    return _mcar(np.random.default_rng(seed).random((n, d)), seed=seed)


def _write(tmp_path, content: bytes | str, name="table.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# -- probes: each takes pytest's tmp_path and returns what Returns checks -----------------------------------
def imputes_in_units(name):
    def probe(tmp_path):
        X, X_missing = _breast_raw()
        kind_params = HEXAGAN_FEW if name == "hexagan_imputer" else {**FEW, "batch_size": 16}
        out = methods.create(name, **kind_params).fit(X_missing).transform(X_missing)
        return X, X_missing, out
    return probe


def check_in_units(result):
    X, X_missing, out = result
    missing = np.isnan(X_missing)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[~missing], X_missing[~missing])  # observed entries as given, bit for bit
    low, high = np.nanmin(X_missing, axis=0), np.nanmax(X_missing, axis=0)
    rows, cols = np.nonzero(missing)
    assert ((out[rows, cols] >= low[cols] - 1e-9 * (high - low)[cols])
            & (out[rows, cols] <= high[cols] + 1e-9 * (high - low)[cols])).all()
    big = X[:, 3].mean() > 100  # area: hundreds to thousands; [0, 1] imputations would be far off
    assert big and out[missing[:, 3], 3].min() > 100


def classifier_on_raw_units(tmp_path):
    X, X_missing = _breast_raw()
    y = load_breast_cancer().target[:120]
    est = HexaGANClassifier(**HEXAGAN_FEW, n_cg=1).fit(X_missing, y)
    return X, X_missing, est.impute(X_missing)


def constant_and_empty_columns(tmp_path):
    X = _small()
    X[:, 1] = 7.5
    X[:, 2] = np.nan
    X[0, 1] = np.nan
    with pytest.warns(UserWarning, match=r"column\(s\) \[2\] have no observed value"):
        out = HexaGANImputer(**HEXAGAN_FEW).fit(X).transform(X)
    return out


def check_constant_and_empty(out):
    assert np.isfinite(out).all()
    assert (out[:, 1] == 7.5).all() and (out[:, 2] == 0.0).all()


def scale_off_keeps_unit_data(tmp_path):
    X = _small()
    a = HexaGANImputer(**HEXAGAN_FEW, scale=False).fit(X)
    b = HexaGANImputer(**HEXAGAN_FEW, scale=True).fit(X)
    return a, b


def check_scale_off(result):
    a, b = result
    assert not hasattr(a, "data_min_") and b.data_min_.shape == (4,) and (b.data_range_ > 0).all()


def wide_hexagan(tmp_path):
    X = _small(n=20, d=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowFitWarning)  # stop at the warning, before training
        HexaGANImputer(random_state=0).fit(X)


def wide_hexagan_verbose(tmp_path):
    import contextlib
    import io

    stream = io.StringIO()
    with contextlib.redirect_stdout(stream), warnings.catch_warnings():
        warnings.simplefilter("ignore", SlowFitWarning)
        with pytest.raises(FitTooLargeError):
            HexaGANImputer(verbose=True, random_state=0).fit(_small(n=20, d=40000))
    return stream.getvalue()


def check_verbose(printed):
    assert re.search(r"HexaGANImputer on 18 training rows x 40,000 columns: 11,200 M network parameters.*GB of "
                     r"memory", printed)


def too_large_hexagan(tmp_path):
    HexaGANImputer(random_state=0).fit(_small(n=20, d=40000))


def wide_mice(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowFitWarning)
        methods.create("mice", random_state=0).fit(_small(n=20, d=5000))


def extreme_cell_scaled(tmp_path):
    X = _small()
    X[3, 1] = 1e300
    out = HexaGANImputer(**HEXAGAN_FEW).fit(X).transform(X)
    assert np.isfinite(out).all()


def extreme_cell_unscaled(tmp_path):
    X = _small()
    X[3, 1] = 1e300
    HexaGANImputer(**{**HEXAGAN_FEW, "max_steps": 20}, scale=False).fit(X)


def range_beyond_float(tmp_path):
    X = _small()
    X[3, 1], X[4, 1] = -1e308, 1e308
    HexaGANImputer(**HEXAGAN_FEW).fit(X)


def csv_huge_integer(tmp_path):
    return load_csv(_write(tmp_path, "a,b,label\n1,2,x\n12345678901234567890123456,3,y\n4,5,x\n"), target="label")


def check_huge_integer(ds):
    assert ds.X[1, 0] == 1.2345678901234568e25 and ds.y.tolist() == [0, 1, 0]


def csv_minus_one_label(tmp_path):
    load_csv(_write(tmp_path, "a,b,label\n1,2,1\n3,4,-1\n5,6,0\n"), target="label")


def csv_semicolons(tmp_path):
    return load_csv(_write(tmp_path, "a;b;label\n1;2;x\n3;4;y\n"), target="label")


def check_semicolons(ds):
    assert ds.feature_names == ["a", "b"] and ds.X.tolist() == [[1, 2], [3, 4]]


def csv_semicolons_forced_comma(tmp_path):
    load_csv(_write(tmp_path, "a;b;label\n1;2;x\n3;4;y\n"), target="label", sep=",")


def csv_not_utf8(tmp_path):
    load_csv(_write(tmp_path, b"a,b,label\n1,2,x\n3,4,y\n5,\xe96,x\n"), target="label")


def csv_question_marks(tmp_path):
    load_csv(_write(tmp_path, "a,b,label\n1,2,x\n3,?,y\n5,6,x\n?,7,y\n"), target="label")


def labels_with_missing(values):
    def probe(tmp_path):
        X = _small(n=40)
        base = np.array(["benign", "malignant"])[np.arange(40) % 2]
        y = [v if i % 7 else values for i, v in enumerate(base)]
        return [methods.create(name, **params).fit(X, y)
                for name, params in (("hexagan", HEXAGAN_FEW), ("triplegan", FEW), ("mean+logreg", {}))]
    return probe


def check_string_classes(fitted):
    for est in fitted:
        assert list(est.classes_) == ["benign", "malignant"]
        assert set(est.predict(_small(n=5))) <= {"benign", "malignant"}


def nan_labels(tmp_path):
    X = _small(n=40)
    y = np.where(np.arange(40) % 7 == 0, np.nan, np.arange(40) % 2)
    return HexaGANClassifier(**HEXAGAN_FEW).fit(X, pd.Series(y))


def check_nan_labels(est):
    assert est.classes_.tolist() == [0.0, 1.0]


PROBES = {
    # the README's snippet on a raw table: imputations in the table's units, not [0, 1]
    "hexagan imputer, raw units": (imputes_in_units("hexagan_imputer"), Returns(check_in_units)),
    "gain, raw units": (imputes_in_units("gain"), Returns(check_in_units)),
    "autoencoder, raw units": (imputes_in_units("autoencoder"), Returns(check_in_units)),
    "hexagan classifier impute, raw units": (classifier_on_raw_units, Returns(check_in_units)),
    "constant and all-missing columns": (constant_and_empty_columns, Returns(check_constant_and_empty)),
    "scale=False for scaled data": (scale_off_keeps_unit_data, Returns(check_scale_off)),
    # wide tables: estimated before training
    "20 x 5000, hexagan": (wide_hexagan, Raises(SlowFitWarning, r"175 M network parameters, ~\d+ s an iteration x "
                                                                r"up to 20,000 iterations.*lower max_steps")),
    "20 x 40000, hexagan": (too_large_hexagan,
                            Raises(FitTooLargeError, r"more than the .* GB of this device: .*fewer columns, or "
                                                     r"architecture='mlp_authors'")),
    "verbose prints the estimate": (wide_hexagan_verbose, Returns(check_verbose)),
    "20 x 5000, mice": (wide_mice, Raises(SlowFitWarning, r"125,000 forests.*set max_predictors")),
    # extreme values
    "one cell of 1e300, scaled": (extreme_cell_scaled, Warns(UserWarning, r"column 1 spans \[.*1e\+300\].*outlier")),
    "one cell of 1e300, scale=False": (extreme_cell_unscaled,
                                       Raises(DivergenceError, r"likely cause is the data.*column 1 holds 1e\+300 "
                                                               r"\(row 3\); fit with scale=True")),
    "a range beyond float64": (range_beyond_float, Raises(ValueError, r"column 1 spans .* beyond float64")),
    # load_csv
    "csv: 26-digit integer": (csv_huge_integer, Returns(check_huge_integer)),
    "csv: -1 in the target": (csv_minus_one_label, Raises(DataError, r"a label cannot be -1.*'-1' at line 3, "
                                                                     r"column 'label'")),
    "csv: semicolons": (csv_semicolons, Returns(check_semicolons)),
    "csv: semicolons read with sep=','": (csv_semicolons_forced_comma,
                                           Raises(DataError, r"\['a;b;label'\] \(read with delimiter ','; is it "
                                                             r"separated by ';'\? pass sep=';'\)")),
    "csv: not UTF-8": (csv_not_utf8, Raises(DataError, r"not UTF-8 text: line 4 holds the byte\(s\) b'\\xe9'")),
    "csv: question marks": (csv_question_marks, Raises(DataError, r"finite numbers.*'\?' at line 3, column 'b'; "
                                                                  r"'\?' at line 5, column 'a'")),
    # missing labels among string labels, and NaN labels
    "labels: strings with None": (labels_with_missing(None), Returns(check_string_classes)),
    "labels: strings with NaN": (labels_with_missing(np.nan), Returns(check_string_classes)),
    "labels: strings with ''": (labels_with_missing(""), Returns(check_string_classes)),
    "labels: NaN among numbers": (nan_labels, Returns(check_nan_labels)),
}


@pytest.mark.parametrize("probe, expected", PROBES.values(), ids=PROBES.keys())
def test_bad_input(probe, expected, tmp_path):
    if isinstance(expected, Raises):
        with pytest.raises(expected.error, match=expected.match):
            probe(tmp_path)
    elif isinstance(expected, Warns):
        with pytest.warns(expected.category, match=expected.match):
            probe(tmp_path)
    else:
        expected.check(probe(tmp_path))
