"""Dataset loaders: the paper's benchmarks by name, and any user CSV.

Every loader returns a :class:`Dataset` with the same conventions, so the
protocol never special-cases a dataset:

* ``X`` is float64 with ``NaN`` where an entry is missing (the paper's
  benchmarks are complete; the protocol removes entries itself);
* ``y`` holds int64 labels ``0..k-1`` and ``-1`` where a label is missing;
* ``positive_class`` is the label whose F1 score the paper reports.

The benchmark files live in a cache folder (:func:`data_dir`).  A file that is
absent is downloaded from its canonical address when a network allows it and
checked against the sha256 sums of ``shared/data/SHA256SUMS``; without a
network every loader fails with a :class:`DataError` that says which file to
put where.  ``breast`` and ``wine`` ship with scikit-learn and need no file.
"""
from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import http.client
import inspect
import math
import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "Dataset",
    "available_datasets",
    "data_dir",
    "load_csv",
    "load_dataset",
]

# A stalled server must not hang an experiment: every socket operation of a
# download gives up after this many seconds.
_DOWNLOAD_TIMEOUT_S = 10.0

# sha256 of the files whose canonical download is the very same bytes (from
# shared/data/SHA256SUMS).  The credit CSV is absent on purpose: its canonical
# source is an .xls that we convert, so its bytes depend on the converter and
# the loader checks its shape instead.
_SHA256 = {
    "madelon/madelon_test.data": "d397e8d574ec9cba05e5d5246464c5e972ba707d17f8adce9fafff34ea478892",
    "madelon/madelon_train.data": "4611481eb4293d49189520df19d85ac81ac68f15b4f2bacee129aea710c81989",
    "madelon/madelon_train.labels": "e7a320b05556360e890c28188f3c454ad20383a2b2d3c034441edde16285176c",
    "madelon/madelon_valid.data": "025ff83b9378a1b1ec0194524ab709b5680d24c21d7a226753d46b0004a1b83c",
    "madelon/madelon_valid.labels": "1aa311db914031ce44fc1dcf00fe4a0c31becb6c5c4e809db7fec13eead58fcc",
    "mnist/t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "mnist/train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "mnist/train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
}

_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"
_MADELON_URL = _UCI + "/madelon/MADELON/{}"
# UCI published the validation labels after the challenge, one folder up.
_MADELON_VALID_LABELS_URL = _UCI + "/madelon/madelon_valid.labels"
_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/{}"
_CREDIT_XLS_URL = _UCI + "/00350/default%20of%20credit%20card%20clients.xls"
_CELEBA_URL = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"

_CREDIT_TARGET = "default.payment.next.month"
_CREDIT_SHAPE = (30000, 25)  # ID + 23 features + label
_MADELON_FEATURES = 500
_CELEBA_IMAGE_SHAPE = (218, 178, 3)  # height, width, RGB of img_align_celeba


class DataError(ValueError):
    """A dataset is missing, corrupt or malformed; the message says how to fix it."""


@dataclass(frozen=True, eq=False)  # eq=False: arrays make field-wise == and hash() meaningless
class Dataset:
    """A labelled table, possibly with missing entries and missing labels.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"breast"``.
    X : ndarray of float64, shape (n, d)
        Features; ``NaN`` marks a missing entry.
    y : ndarray of int64, shape (n,)
        Class labels ``0..k-1``; ``-1`` marks a missing label.
    X_unlabeled : ndarray of float64, shape (u, d)
        Rows that come without any label (madelon's 1 800 test rows); shape
        ``(0, d)`` for the other datasets.
    positive_class : int or None
        The label whose F1 score the paper reports; ``None`` for multi-class.
    feature_names : list of str, length d
    class_names : list of str, length k
        ``class_names[j]`` names label ``j``.
    value_range : tuple of float or None
        A fixed ``(low, high)`` range for min-max scaling shared by all
        features (MNIST: ``(0, 255)``); ``None`` scales each feature by its own
        minimum and maximum.
    image_shape : tuple of int or None
        ``(channels, height, width)`` of one row when the rows are images in
        channel-first order, e.g. ``(1, 28, 28)`` for MNIST; else ``None``.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    X_unlabeled: np.ndarray
    positive_class: int | None
    feature_names: list[str]
    class_names: list[str]
    value_range: tuple[float, float] | None = None
    image_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        # Catch a malformed dataset here, not deep inside a training loop.
        n, d = self.X.shape
        problems = []
        if self.y.shape != (n,):
            problems.append(f"y has shape {self.y.shape}, expected ({n},)")
        if self.X_unlabeled.ndim != 2 or self.X_unlabeled.shape[1] != d:
            problems.append(f"X_unlabeled has shape {self.X_unlabeled.shape}, expected (u, {d})")
        if len(self.feature_names) != d:
            problems.append(f"{len(self.feature_names)} feature names for {d} features")
        if self.y.size and not -1 <= self.y.min() <= self.y.max() < len(self.class_names):
            problems.append(f"labels outside -1..{len(self.class_names) - 1}")
        if self.positive_class is not None and not 0 <= self.positive_class < len(self.class_names):
            problems.append(f"positive_class {self.positive_class} is not a label")
        if self.image_shape is not None and math.prod(self.image_shape) != d:
            problems.append(f"image_shape {self.image_shape} does not hold {d} features")
        if problems:
            raise DataError(f"dataset '{self.name}' is malformed: " + "; ".join(problems))

    @property
    def n_classes(self) -> int:
        """Number of classes ``k`` (0 for an unlabelled table)."""
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        """Number of features ``d``."""
        return self.X.shape[1]


def data_dir() -> Path:
    """Folder where the dataset files are looked for and downloaded to.

    Returns
    -------
    Path
        ``$HEXAGAN_DATA`` when set; else ``$XDG_CACHE_HOME/hexagan`` when
        ``XDG_CACHE_HOME`` is set; else the platform's user cache folder
        (``~/.cache/hexagan`` on Linux, ``~/Library/Caches/hexagan`` on macOS,
        ``%LOCALAPPDATA%\\hexagan\\Cache`` on Windows).
    """
    if os.environ.get("HEXAGAN_DATA"):
        return Path(os.environ["HEXAGAN_DATA"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "hexagan"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "hexagan"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "hexagan" / "Cache"
    return Path.home() / ".cache" / "hexagan"


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`, in the paper's order."""
    return list(_LOADERS)


def load_dataset(
    name: str,
    *,
    data_home: str | Path | None = None,
    download: bool = True,
    **options,
) -> Dataset:
    """Load one of the paper's datasets by name.

    Parameters
    ----------
    name : str
        One of :func:`available_datasets`.
    data_home : str or Path, optional
        Folder holding the dataset files; defaults to :func:`data_dir`.
    download : bool, default True
        Whether an absent file may be downloaded into ``data_home``.
    **options
        Dataset-specific options; only ``celeba`` takes any (``limit``,
        ``attribute``, see :func:`_load_celeba`).

    Returns
    -------
    Dataset
        Cached per process: its arrays are read-only, so copy one before
        changing it in place.

    Raises
    ------
    DataError
        Unknown name or option, or a file that is absent and cannot be
        downloaded, or that is corrupt.
    """
    if name not in _LOADERS:
        raise DataError(f"unknown dataset '{name}'; available: {', '.join(_LOADERS)}")
    try:
        inspect.signature(_LOADERS[name]).bind(None, download, **options)
    except TypeError as err:
        raise DataError(f"dataset '{name}' does not take the options {options}: {err}") from err
    root = Path(data_home).expanduser() if data_home is not None else data_dir()
    return _load_cached(name, str(root.resolve()), download, tuple(sorted(options.items())))


@functools.lru_cache(maxsize=8)
def _load_cached(name: str, root: str, download: bool, options: tuple) -> Dataset:
    dataset = _LOADERS[name](Path(root), download, **dict(options))
    for array in (dataset.X, dataset.y, dataset.X_unlabeled):
        array.flags.writeable = False  # the cache is shared: callers must not change it
    return dataset


# --------------------------------------------------------------------------
# Files: find, verify, download
# --------------------------------------------------------------------------

# (path, size, mtime) of the files whose sha256 matched, so repeated loads hash a file once.
_VERIFIED: set[tuple[str, int, int]] = set()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha256(path: Path, expected: str, what: str, advice: str) -> None:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = _sha256_of(path)
    if actual != expected:
        raise DataError(f"{what} has sha256 {actual}, expected {expected}: {advice}")
    _VERIFIED.add(key)


def _fetch(
    relpath: str,
    url: str,
    sha256: str | None = None,
    *,
    data_home: Path,
    download: bool,
    dataset: str,
    convert: Callable[[Path, Path], None] | None = None,
) -> Path:
    """Path of a dataset file, downloading it when it is absent and allowed.

    Parameters
    ----------
    relpath : str
        Path of the file under ``data_home``, e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``.
    url : str
        Canonical address of the file (or of the file ``convert`` reads).
    sha256 : str, optional
        Expected sha256 of the downloaded bytes, checked on every present file
        too when ``convert`` is None.
    data_home : Path
    download : bool
        Whether an absent file may be downloaded.
    dataset : str
        Dataset name, for the error message.
    convert : callable, optional
        ``convert(downloaded, target)`` writes the file at ``target`` from the
        download (for a source in another format); it raises DataError when
        the download is not the expected table.

    Returns
    -------
    Path
        The local file, complete: downloads go to a temporary file that is
        renamed only once verified, so an interrupted run leaves no partial
        file behind.
    """
    path = data_home / relpath
    if path.is_file():
        if sha256 is not None and convert is None:
            _check_sha256(
                path, sha256, f"dataset '{dataset}' file {path}",
                "it is corrupt or a different version; delete it so that it is downloaded again",
            )
        return path
    help_text = (
        f"put {path.name} there (source: {url}), or set HEXAGAN_DATA to a folder that has {relpath}"
    )
    if not download:
        raise DataError(f"dataset '{dataset}' needs {path}; {help_text}, or allow a download")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".download-") as tmp:
            fetched = Path(tmp) / "download"
            with (
                urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response,
                open(fetched, "wb") as out,
            ):
                shutil.copyfileobj(response, out)
            if sha256 is not None:
                _check_sha256(
                    fetched, sha256, f"the download of {url}",
                    f"the server sent another file; {help_text}",
                )
            if convert is not None:
                converted = Path(tmp) / "converted"
                try:
                    convert(fetched, converted)
                except DataError as err:
                    raise DataError(f"dataset '{dataset}' needs {path}; {err}; {help_text}") from err
                fetched = converted
            os.replace(fetched, path)
    except (OSError, http.client.HTTPException) as err:
        raise DataError(
            f"dataset '{dataset}' needs {path}; downloading it failed ({err}); {help_text}"
        ) from err
    return path


# --------------------------------------------------------------------------
# The paper's datasets
# --------------------------------------------------------------------------


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


def _read_idx(path: Path, expected_ndim: int) -> np.ndarray:
    """Parse a gzipped IDX file of unsigned bytes (the MNIST format)."""
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as err:
        raise DataError(f"{path} is not a readable .gz file: {err}") from err
    # Header: 2 zero bytes, type code 0x08 (unsigned byte), ndim; then ndim big-endian int32 sizes.
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or raw[3] != expected_ndim:
        raise DataError(f"{path} is not an IDX file of {expected_ndim}-d unsigned bytes")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">i4", count=expected_ndim, offset=4))
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * expected_ndim)
    if body.size != math.prod(shape):
        raise DataError(f"{path} holds {body.size} bytes of data, its header announces shape {shape}")
    return body.reshape(shape)


def _load_mnist(root: Path, download: bool) -> Dataset:
    def fetch(filename: str) -> Path:
        relpath = f"mnist/{filename}"
        return _fetch(
            relpath, _MNIST_URL.format(filename), _SHA256[relpath],
            data_home=root, download=download, dataset="mnist",
        )

    images, labels = [], []
    for part in ("train", "t10k"):
        part_images = _read_idx(fetch(f"{part}-images-idx3-ubyte.gz"), 3)
        part_labels = _read_idx(fetch(f"{part}-labels-idx1-ubyte.gz"), 1)
        if len(part_images) != len(part_labels):
            raise DataError(f"MNIST {part} has {len(part_images)} images but {len(part_labels)} labels")
        images.append(part_images.reshape(len(part_images), -1))
        labels.append(part_labels)
    X = np.concatenate(images).astype(np.float64)
    return Dataset(
        name="mnist",
        X=X,
        y=np.concatenate(labels).astype(np.int64),
        X_unlabeled=np.empty((0, X.shape[1])),
        positive_class=None,
        feature_names=[f"pixel_{j}" for j in range(X.shape[1])],
        class_names=[str(digit) for digit in range(10)],
        value_range=(0.0, 255.0),
        image_shape=(1, 28, 28),
    )


def _load_celeba(root: Path, download: bool, *, limit: int = 60000, attribute: str = "Smiling") -> Dataset:
    """CelebA's first ``limit`` aligned images, labelled by one attribute.

    The 1.4 GB of images are never downloaded automatically (their official
    host is Google Drive); ``download`` is ignored.  Rows are the RGB images in
    channel-first order, float64 in 0..255: mind the memory, about 0.93 MB per
    image (56 GB for the default ``limit``).

    Parameters
    ----------
    limit : int, default 60000
        Number of images to load, in file order.
    attribute : str, default "Smiling"
        Column of ``list_attr_celeba.txt`` that gives the label (1 = present).
    """
    folder = root / "celeba"
    images_dir, attr_path = folder / "img_align_celeba", folder / "list_attr_celeba.txt"
    if not (images_dir.is_dir() and attr_path.is_file()):
        raise DataError(
            f"dataset 'celeba' needs the aligned images in {images_dir}/ (000001.jpg, ...) and the "
            f"attribute table {attr_path}; download img_align_celeba.zip and list_attr_celeba.txt from "
            f"{_CELEBA_URL}, unpack them there or set HEXAGAN_DATA to a folder whose celeba/ holds them "
            f"(they are not downloaded automatically)"
        )
    if not isinstance(limit, int) or limit < 1:
        raise DataError(f"celeba's limit must be a positive integer, got {limit!r}")
    # Line 1: image count; line 2: the 40 attribute names; then "<file> <+1/-1 x 40>".
    lines = attr_path.read_text().splitlines()
    names = lines[1].split()
    if attribute not in names:
        raise DataError(f"{attr_path} has no attribute '{attribute}'; it has {', '.join(names)}")
    rows = [line.split() for line in lines[2:2 + limit] if line.strip()]
    column = names.index(attribute) + 1  # + 1: the file name comes first
    height, width, channels = _CELEBA_IMAGE_SHAPE
    X = np.empty((len(rows), channels * height * width))
    import matplotlib.image  # deferred: only this loader needs it

    for i, row in enumerate(rows):
        image_path = images_dir / row[0]
        if not image_path.is_file():
            raise DataError(f"{attr_path} lists {row[0]}, which is missing from {images_dir}")
        image = matplotlib.image.imread(image_path)
        if image.shape != _CELEBA_IMAGE_SHAPE:
            raise DataError(f"{image_path} has shape {image.shape}, expected {_CELEBA_IMAGE_SHAPE}")
        X[i] = image.transpose(2, 0, 1).ravel()
    return Dataset(
        name="celeba",
        X=X,
        y=np.array([row[column] == "1" for row in rows], dtype=np.int64),
        X_unlabeled=np.empty((0, X.shape[1])),
        positive_class=1,
        feature_names=[f"pixel_{j}" for j in range(X.shape[1])],
        class_names=[f"not {attribute}", attribute],
        value_range=(0.0, 255.0),
        image_shape=(channels, height, width),
    )


_LOADERS: dict[str, Callable[..., Dataset]] = {
    "breast": _load_breast,
    "wine": _load_wine,
    "wine3": _load_wine3,
    "credit": _load_credit,
    "madelon": _load_madelon,
    "mnist": _load_mnist,
    "celeba": _load_celeba,
}


# --------------------------------------------------------------------------
# User CSV files
# --------------------------------------------------------------------------


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
