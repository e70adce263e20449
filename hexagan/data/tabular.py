"""The paper's tabular benchmarks: breast and wine (from scikit-learn), credit and madelon (from UCI)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hexagan.data.dataset import DataError, Dataset
from hexagan.data.download import _SHA256, _fetch

_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"
_MADELON_URL = _UCI + "/madelon/MADELON/{}"
# UCI published the validation labels after the challenge, one folder up.
_MADELON_VALID_LABELS_URL = _UCI + "/madelon/madelon_valid.labels"
_CREDIT_XLS_URL = _UCI + "/00350/default%20of%20credit%20card%20clients.xls"

_CREDIT_TARGET = "default.payment.next.month"
_CREDIT_SHAPE = (30000, 25)  # ID + 23 features + label
_MADELON_FEATURES = 500


def _load_breast(root: Path, download: bool) -> Dataset:
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer()
    # scikit-learn codes malignant as 0; the paper's positive class is malignant.
    y = (raw.target == 0).astype(np.int64)
    return Dataset(
        name="breast",
        X=np.asarray(raw.data, dtype=np.float64),
        y=y,
        X_unlabeled=np.empty((0, raw.data.shape[1])),
        positive_class=1,
        feature_names=[str(f) for f in raw.feature_names],
        class_names=["benign", "malignant"],
    )


def _wine(name: str, binary: bool) -> Dataset:
    from sklearn.datasets import load_wine

    raw = load_wine()
    target = raw.target.astype(np.int64)
    if binary:
        # The paper calls scikit-learn's classes 0, 1, 2 "1, 2, 3" and merges 2 and 3 into the positive class.
        y, class_names, positive = (target > 0).astype(np.int64), ["class_0", "class_1+class_2"], 1
    else:
        y, class_names, positive = target, [str(c) for c in raw.target_names], None
    return Dataset(
        name=name,
        X=np.asarray(raw.data, dtype=np.float64),
        y=y,
        X_unlabeled=np.empty((0, raw.data.shape[1])),
        positive_class=positive,
        feature_names=[str(f) for f in raw.feature_names],
        class_names=class_names,
    )


def _load_wine(root: Path, download: bool) -> Dataset:
    return _wine("wine", binary=True)


def _load_wine3(root: Path, download: bool) -> Dataset:
    return _wine("wine3", binary=False)


def _credit_from_xls(xls: Path, csv_path: Path) -> None:
    """Write the credit table as ``UCI_Credit_Card.csv`` from the UCI ``.xls``."""
    try:
        # Row 0 of the sheet holds generic names (X1..X23, Y); row 1 the real ones.
        table = pd.read_excel(xls, header=1)
    except ImportError as err:
        raise DataError(f"reading the downloaded .xls needs the package xlrd (pip install xlrd): {err}") from err
    except Exception as err:  # xlrd signals a corrupt file with its own XLRDError
        raise DataError(f"the download of {_CREDIT_XLS_URL} is not a readable .xls: {err}") from err
    # Match the widespread CSV edition (and shared/data) so both read the same.
    table = table.rename(columns={"SEX": "GENDER", "default payment next month": _CREDIT_TARGET})
    if table.shape != _CREDIT_SHAPE or _CREDIT_TARGET not in table or "ID" not in table:
        raise DataError(
            f"the download of {_CREDIT_XLS_URL} holds a {table.shape[0]} x {table.shape[1]} table "
            f"with columns {list(table.columns)[:5]}...; expected {_CREDIT_SHAPE[0]} x {_CREDIT_SHAPE[1]} "
            f"with ID and '{_CREDIT_TARGET}'"
        )
    table.to_csv(csv_path, index=False)


def _load_credit(root: Path, download: bool) -> Dataset:
    path = _fetch(
        "credit/UCI_Credit_Card.csv",
        _CREDIT_XLS_URL,
        data_home=root,
        download=download,
        dataset="credit",
        convert=_credit_from_xls,
    )
    table = pd.read_csv(path)
    if table.shape != _CREDIT_SHAPE or _CREDIT_TARGET not in table or "ID" not in table:
        raise DataError(
            f"{path} holds a {table.shape[0]} x {table.shape[1]} table; expected "
            f"{_CREDIT_SHAPE[0]} x {_CREDIT_SHAPE[1]} with columns ID and '{_CREDIT_TARGET}'"
        )
    features = table.drop(columns=["ID", _CREDIT_TARGET])
    return Dataset(
        name="credit",
        X=features.to_numpy(dtype=np.float64),
        y=table[_CREDIT_TARGET].to_numpy(dtype=np.int64),
        X_unlabeled=np.empty((0, features.shape[1])),
        positive_class=1,
        feature_names=list(features.columns),
        class_names=["no default", "default"],
    )


def _read_madelon_data(path: Path) -> np.ndarray:
    # Lines end with or without a trailing space and the last has no newline,
    # so split on any whitespace and check the row count against the lines.
    text = path.read_text()
    n_rows = sum(1 for line in text.splitlines() if line.strip())
    values = np.array(text.split(), dtype=np.float64)
    if values.size != n_rows * _MADELON_FEATURES:
        raise DataError(f"{path} does not hold {_MADELON_FEATURES} values on each of its {n_rows} lines")
    return values.reshape(n_rows, _MADELON_FEATURES)


def _read_madelon_labels(path: Path, n_rows: int) -> np.ndarray:
    labels = np.array(path.read_text().split(), dtype=np.int64)
    if labels.size != n_rows or not np.isin(labels, (-1, 1)).all():
        raise DataError(f"{path} should hold {n_rows} labels, each -1 or +1")
    return (labels == 1).astype(np.int64)


def _load_madelon(root: Path, download: bool) -> Dataset:
    def fetch(filename: str, url: str | None = None) -> Path:
        relpath = f"madelon/{filename}"
        return _fetch(
            relpath,
            url or _MADELON_URL.format(filename),
            _SHA256[relpath],
            data_home=root,
            download=download,
            dataset="madelon",
        )

    parts_X, parts_y = [], []
    for part in ("train", "valid"):
        X = _read_madelon_data(fetch(f"madelon_{part}.data"))
        labels_url = _MADELON_VALID_LABELS_URL if part == "valid" else None
        parts_y.append(_read_madelon_labels(fetch(f"madelon_{part}.labels", labels_url), len(X)))
        parts_X.append(X)
    return Dataset(
        name="madelon",
        X=np.concatenate(parts_X),
        y=np.concatenate(parts_y),
        X_unlabeled=_read_madelon_data(fetch("madelon_test.data")),
        positive_class=1,
        feature_names=[f"feature_{j}" for j in range(_MADELON_FEATURES)],
        class_names=["-1", "+1"],
    )
