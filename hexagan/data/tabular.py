"""The paper's tabular benchmarks: breast and wine (from scikit-learn), credit and madelon (from UCI).

UCI serves each dataset as one zip archive under ``/static/public/<id>/``;
the files' older addresses under ``/ml/machine-learning-databases/`` are kept
as fallbacks (see :mod:`hexagan.data.download`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hexagan.data.dataset import DataError, Dataset
from hexagan.data.download import RemoteFile, Source, fetch_files

_UCI = "https://archive.ics.uci.edu"
_UCI_OLD = _UCI + "/ml/machine-learning-databases"

_CREDIT_TARGET = "default.payment.next.month"
# credit's .xls has no published checksum, and the kept CSV's bytes depend on
# the converter: the table's shape (ID + 23 features + label) verifies it.
_CREDIT_ROWS = 30000
_CREDIT_COLUMNS = 25
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


def _check_credit_table(table: pd.DataFrame, what: str) -> None:
    if table.shape != (_CREDIT_ROWS, _CREDIT_COLUMNS) or _CREDIT_TARGET not in table or "ID" not in table:
        raise DataError(
            f"{what} holds a {table.shape[0]} x {table.shape[1]} table with columns "
            f"{list(table.columns)[:5]}...; expected {_CREDIT_ROWS} x {_CREDIT_COLUMNS} with ID and '{_CREDIT_TARGET}'"
        )


def _credit_from_xls(xls: Path, csv_path: Path) -> None:
    """Write the credit table as ``UCI_Credit_Card.csv`` from the UCI ``.xls``."""
    try:
        # Row 0 of the sheet holds generic names (X1..X23, Y); row 1 the real ones.
        table = pd.read_excel(xls, header=1, engine="calamine")
    except ImportError as err:
        raise DataError("reading the .xls needs the package python-calamine (pip install python-calamine)") from err
    except Exception as err:  # python-calamine signals a corrupt file with its own CalamineError
        raise DataError(f"it is not a readable .xls: {err}") from err
    # Match the widespread CSV edition (and shared/data) so both read the same.
    table = table.rename(columns={"SEX": "GENDER", "default payment next month": _CREDIT_TARGET})
    _check_credit_table(table, "the .xls")
    table.to_csv(csv_path, index=False)


CREDIT_FILES = (
    RemoteFile(
        "credit/UCI_Credit_Card.csv",
        (
            Source(_UCI + "/static/public/350/default+of+credit+card+clients.zip",
                   member="default of credit card clients.xls"),
            Source(_UCI_OLD + "/00350/default%20of%20credit%20card%20clients.xls"),
        ),
        convert=_credit_from_xls,
    ),
)


def _load_credit(root: Path, download: bool) -> Dataset:
    path = fetch_files(CREDIT_FILES, data_home=root, download=download, dataset="credit")["UCI_Credit_Card.csv"]
    table = pd.read_csv(path)
    _check_credit_table(table, str(path))
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


# sha256 from shared/data/SHA256SUMS.  Each file's path inside UCI's zip is
# also its path under the old madelon/ folder (the validation labels, published
# after the challenge, sit one level up from the rest in both).
MADELON_FILES = tuple(
    RemoteFile(
        f"madelon/{Path(member).name}",
        (Source(_UCI + "/static/public/171/madelon.zip", member=member), Source(f"{_UCI_OLD}/madelon/{member}")),
        sha256,
    )
    for member, sha256 in {
        "MADELON/madelon_train.data": "4611481eb4293d49189520df19d85ac81ac68f15b4f2bacee129aea710c81989",
        "MADELON/madelon_train.labels": "e7a320b05556360e890c28188f3c454ad20383a2b2d3c034441edde16285176c",
        "MADELON/madelon_valid.data": "025ff83b9378a1b1ec0194524ab709b5680d24c21d7a226753d46b0004a1b83c",
        "madelon_valid.labels": "1aa311db914031ce44fc1dcf00fe4a0c31becb6c5c4e809db7fec13eead58fcc",
        "MADELON/madelon_test.data": "d397e8d574ec9cba05e5d5246464c5e972ba707d17f8adce9fafff34ea478892",
    }.items()
)


def _load_madelon(root: Path, download: bool) -> Dataset:
    paths = fetch_files(MADELON_FILES, data_home=root, download=download, dataset="madelon")
    parts_X, parts_y = [], []
    for part in ("train", "valid"):
        X = _read_madelon_data(paths[f"madelon_{part}.data"])
        parts_y.append(_read_madelon_labels(paths[f"madelon_{part}.labels"], len(X)))
        parts_X.append(X)
    return Dataset(
        name="madelon",
        X=np.concatenate(parts_X),
        y=np.concatenate(parts_y),
        X_unlabeled=_read_madelon_data(paths["madelon_test.data"]),
        positive_class=1,
        feature_names=[f"feature_{j}" for j in range(_MADELON_FEATURES)],
        class_names=["-1", "+1"],
    )
