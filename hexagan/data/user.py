"""A user's own table: :func:`load_csv`, with missing entries and missing labels allowed."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from hexagan.data.dataset import DataError, Dataset

__all__ = ["load_csv"]

#: The delimiters :func:`load_csv` recognises when ``sep`` is not given.
DELIMITERS = (",", ";", "\t", "|")
#: Bad values listed in one error message (the count of the others follows).
_SHOWN = 10


def _label_text(value) -> str:
    # A label column with a missing value is read as float: show 1.0 as "1".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _header_line(path: Path) -> str:
    """The first line of the file, decoded (a byte order mark dropped); non-UTF-8 bytes are reported by line."""
    with open(path, "rb") as stream:
        first = stream.readline()
    try:
        return first.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from err


def _sniff(header: str) -> str:
    """The delimiter of :data:`DELIMITERS` that splits the header into the most fields (a comma on a tie)."""
    counts = {sep: len(next(csv.reader([header], delimiter=sep), [])) for sep in DELIMITERS}
    return max(DELIMITERS, key=lambda sep: (counts[sep], sep == ","))


def _not_utf8(path: Path, err: UnicodeDecodeError) -> DataError:
    """The first line with bytes that are not UTF-8, and what they are."""
    with open(path, "rb") as stream:
        for number, line in enumerate(stream, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                snippet = line[max(0, bad.start - 20):bad.end + 20].decode("utf-8", errors="replace").strip()
                return DataError(f"{path} is not UTF-8 text: line {number} holds the byte(s) "
                                 f"{line[bad.start:bad.end]!r} (near {snippet!r}); save the file as UTF-8")
    return DataError(f"{path} is not UTF-8 text: {err}")


def _lines(path: Path, sep: str) -> list[int]:
    """The file line on which each data row starts (pandas skips blank lines; a quoted field may span lines)."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream, delimiter=sep)
        next(reader, None)
        starts, line = [], reader.line_num + 1
        for record in reader:
            if record and not (len(record) == 1 and not record[0].strip()):
                starts.append(line)
            line = reader.line_num + 1
        return starts


def _where(path: Path, sep: str, bad: list[tuple[int, str, object]], rule: str) -> DataError:
    """One error naming the line and column of every bad value (the first :data:`_SHOWN` of them)."""
    lines = _lines(path, sep)
    shown = "; ".join(f"'{value}' at line {lines[row] if row < len(lines) else row + 2}, column '{column}'"
                      for row, column, value in bad[:_SHOWN])
    more = f" and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
    return DataError(f"{path}: {rule}. Found {shown}{more}")


def load_csv(
    path: str | Path,
    target: str | None = None,
    *,
    positive_class=None,
    name: str | None = None,
    sep: str | None = None,
) -> Dataset:
    """Load a user's table, with missing entries and missing labels allowed.

    Parameters
    ----------
    path : str or Path
        CSV file (UTF-8) with a header row.  Every column but ``target`` is a
        numeric feature; an empty field (or ``NA``, ``NaN``, ...) is a missing
        entry.  Integers too long for int64 are read as floats.
    target : str or None, default=None
        Column holding the class labels; an empty field (or ``NA``, ``None``,
        ...) is a missing label.  -1 cannot be a class: it marks a missing
        label for the estimators (:func:`hexagan.methods.check_labels` holds
        the convention).  Without ``target`` every label is missing (``y`` is
        all ``-1``), for pure imputation.
    positive_class : str, int or None, default=None
        The class whose F1 score to report, as written in the file (``1`` or
        ``"1"``, ``"malignant"``).  Defaults to the minority class of a binary
        target (the second one on a tie) and to None otherwise.
    name : str or None, default=None
        Dataset name; None: the file's stem.
    sep : str or None, default=None
        The delimiter; None: the one of ``,`` ``;`` tab ``|`` that splits the
        header into the most columns.

    Returns
    -------
    Dataset
        ``X`` of shape (n, d) with NaN for missing entries, ``y`` of shape
        (n,) with the sorted distinct labels mapped to ``0..k-1`` and ``-1``
        for a missing label; ``class_names`` holds the labels as text.

    Raises
    ------
    DataError
        The file is missing, empty or not UTF-8 (the line is named), a header
        name repeats, ``target`` is not a column (the delimiter used is
        named), a feature value is not a number or is infinite (each bad
        value named by line and column), a feature column is entirely missing
        or constant, the target holds -1 or has fewer than two classes, or
        ``positive_class`` is not one of them.

    See Also
    --------
    hexagan.data.load_dataset : the paper's datasets, by name.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hexagan.data import load_csv
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "patients.csv"
    >>> _ = path.write_text("age;pressure;outcome\\n63;145;sick\\n;130;well\\n51;;\\n48;120;well\\n")
    >>> ds = load_csv(path, target="outcome")  # the delimiter ";" is found from the header
    >>> ds.X.tolist()  # NaN where an entry is missing
    [[63.0, 145.0], [nan, 130.0], [51.0, nan], [48.0, 120.0]]
    >>> ds.y.tolist(), ds.class_names  # -1 where a label is missing
    ([0, 1, -1, 1], ['sick', 'well'])
    >>> ds.class_names[ds.positive_class]  # F1 is reported for the minority class
    'sick'
    >>> folder.cleanup()
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    header_line = _header_line(path)
    sep = _sniff(header_line) if sep is None else sep
    header = next(csv.reader([header_line], delimiter=sep), [])
    if not any(field.strip() for field in header):
        raise DataError(f"{path} is empty: it needs a header row and data rows")
    # pandas renames a repeated header to "a.1", so duplicates are only visible in the raw line.
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise DataError(f"{path} has duplicate column names: {', '.join(map(repr, repeated))}")
    try:
        table = pd.read_csv(path, encoding="utf-8-sig", sep=sep)
    except UnicodeDecodeError as err:
        raise _not_utf8(path, err) from err
    except pd.errors.ParserError as err:
        raise DataError(f"{path} is not a well-formed CSV (delimiter {sep!r}): {err}") from err
    if table.empty:
        raise DataError(f"{path} has a header but no data rows")
    if target is not None and target not in table:
        others = [s for s in DELIMITERS if s != sep and s in header_line]
        hint = f"; is it separated by {others[0]!r}? pass sep={others[0]!r}" if others else ""
        raise DataError(f"target column '{target}' is not in {path}; its columns are {list(table.columns)} "
                        f"(read with delimiter {sep!r}{hint})")

    features = table.drop(columns=[target]) if target is not None else table
    if features.shape[1] == 0:
        raise DataError(f"{path} has no feature columns besides the target '{target}'")
    columns, bad = {}, []
    for column in features:
        values = features[column]
        # to_numeric reads integers beyond int64 (which pandas keeps as Python ints) as floats
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        for row in np.flatnonzero(np.isnan(numbers) & values.notna().to_numpy() | np.isinf(numbers)):
            bad.append((int(row), column, values.iloc[row]))
        columns[column] = numbers
    if bad:
        bad.sort(key=lambda b: b[0])
        raise _where(path, sep, bad, "features must be finite numbers, with an empty field (or NaN) where a value "
                                     "is missing")
    for column, numbers in columns.items():
        if np.isnan(numbers).all():
            raise DataError(f"column '{column}' of {path} has no value at all")
        if np.nanmin(numbers) == np.nanmax(numbers):
            raise DataError(f"column '{column}' of {path} is constant ({_label_text(np.nanmin(numbers))}); drop it")
    X = np.column_stack(list(columns.values()))

    if target is None:
        if positive_class is not None:
            raise DataError("positive_class needs a target column")
        y, class_names, positive = np.full(len(table), -1, dtype=np.int64), [], None
    else:
        labels = table[target]
        marker = np.flatnonzero(labels.map(_label_text).to_numpy(dtype=object) == "-1")
        if len(marker):
            raise _where(path, sep, [(int(row), target, _label_text(labels.iloc[row])) for row in marker],
                         "a label cannot be -1, the estimators' mark of a missing label "
                         "(hexagan.methods.check_labels): leave the field empty for a missing label, or give "
                         "that class another name")
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
