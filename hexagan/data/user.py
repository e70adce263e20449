"""A user's own table: :func:`load_csv`, with missing entries and missing labels allowed."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from hexagan.data.dataset import DataError, Dataset

__all__ = ["load_csv"]


def _label_text(value) -> str:
    # A label column with a missing value is read as float: show 1.0 as "1".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_header(path: Path) -> list[str]:
    # pandas renames a repeated header to "a.1", so duplicates are only visible in the raw line.
    with open(path, newline="", encoding="utf-8-sig") as stream:
        return next(csv.reader(stream), [])


def load_csv(
    path: str | Path,
    target: str | None = None,
    *,
    positive_class=None,
    name: str | None = None,
) -> Dataset:
    """Load a user's table, with missing entries and missing labels allowed.

    Parameters
    ----------
    path : str or Path
        CSV file with a header row.  Every column but ``target`` is a numeric
        feature; an empty field (or ``NA``, ``NaN``, ...) is a missing entry.
    target : str, optional
        Column holding the class labels; a missing value is a missing label.
        Without it every label is missing (``y`` is all ``-1``), for pure
        imputation.
    positive_class : optional
        The class whose F1 score to report, as written in the file (``1`` or
        ``"1"``, ``"malignant"``).  Defaults to the minority class of a binary
        target (the second one on a tie) and to None otherwise.
    name : str, optional
        Dataset name; defaults to the file's stem.

    Returns
    -------
    Dataset
        ``X`` of shape (n, d) with NaN for missing entries, ``y`` of shape
        (n,) with the sorted distinct labels mapped to ``0..k-1`` and ``-1``
        for a missing label; ``class_names`` holds the labels as text.

    Raises
    ------
    DataError
        The file is missing or empty, a header name repeats, ``target`` is not
        a column, a feature column is not numeric, is entirely missing, is
        constant or holds an infinite value, the target has fewer than two
        classes, or ``positive_class`` is not one of them.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    try:
        header = _read_header(path)
        if not any(field.strip() for field in header):
            raise DataError(f"{path} is empty: it needs a header row and data rows")
        repeated = sorted({column for column in header if header.count(column) > 1})
        if repeated:
            raise DataError(f"{path} has duplicate column names: {', '.join(map(repr, repeated))}")
        table = pd.read_csv(path, encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path} is not UTF-8 text: {err}") from err
    except pd.errors.ParserError as err:
        raise DataError(f"{path} is not a well-formed CSV: {err}") from err
    if table.empty:
        raise DataError(f"{path} has a header but no data rows")
    if target is not None and target not in table:
        raise DataError(f"target column '{target}' is not in {path}; its columns are {list(table.columns)}")

    features = table.drop(columns=[target]) if target is not None else table
    if features.shape[1] == 0:
        raise DataError(f"{path} has no feature columns besides the target '{target}'")
    for column in features:
        values = features[column]
        if values.isna().all():
            raise DataError(f"column '{column}' of {path} has no value at all")
        if not pd.api.types.is_numeric_dtype(values):
            bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()].iloc[0]
            raise DataError(
                f"column '{column}' of {path} is not numeric, e.g. the value {bad!r}; features must be "
                f"numbers, with an empty field (or NaN) where a value is missing"
            )
        numbers = values.to_numpy(dtype=np.float64)
        if np.isinf(numbers).any():
            raise DataError(f"column '{column}' of {path} holds an infinite value; use a finite number or leave it empty")
        if np.nanmin(numbers) == np.nanmax(numbers):
            raise DataError(f"column '{column}' of {path} is constant ({_label_text(np.nanmin(numbers))}); drop it")
    X = features.to_numpy(dtype=np.float64)

    if target is None:
        if positive_class is not None:
            raise DataError("positive_class needs a target column")
        y, class_names, positive = np.full(len(table), -1, dtype=np.int64), [], None
    else:
        labels = table[target]
        classes = sorted(labels.dropna().unique())
        if len(classes) < 2:
            raise DataError(f"target column '{target}' of {path} has {len(classes)} class(es); it needs at least 2")
        class_names = [_label_text(value) for value in classes]
        codes = {value: code for code, value in enumerate(classes)}
        y = labels.map(codes).fillna(-1).to_numpy(dtype=np.int64)
        if positive_class is not None:
            if _label_text(positive_class) not in class_names:
                raise DataError(
                    f"positive_class {positive_class!r} is not a class of '{target}'; its classes are {class_names}"
                )
            positive = class_names.index(_label_text(positive_class))
        elif len(classes) == 2:
            counts = np.bincount(y[y >= 0], minlength=2)
            positive = 0 if counts[0] < counts[1] else 1  # the minority; label 1 on a tie
        else:
            positive = None
    return Dataset(
        name=name if name is not None else path.stem,
        X=X,
        y=y,
        X_unlabeled=np.empty((0, X.shape[1])),
        positive_class=positive,
        feature_names=[str(column) for column in features.columns],
        class_names=class_names,
    )
