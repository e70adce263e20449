"""Dataset loaders: the paper's benchmarks by name, and any user CSV.

Every loader returns a :class:`Dataset` with the same conventions, so the
protocol never special-cases a dataset:

* ``X`` is float64 with ``NaN`` where an entry is missing (the paper's
  benchmarks are complete; the protocol removes entries itself);
* ``y`` holds int64 labels ``0..k-1`` and ``-1`` where a label is missing;
* ``positive_class`` is the label whose F1 score the paper reports.

The benchmark files live in a cache folder (:func:`data_dir`).  A file that is
absent is downloaded when a network allows it, from its canonical address or
else a fallback, and checked against the sha256 sums of
``shared/data/SHA256SUMS`` (credit's, converted from an ``.xls``, by its
shape); without a network every loader fails with a :class:`DataError` that
says which file to put where.  ``breast`` and ``wine`` ship with scikit-learn
and need no file.

This module is the registry of the paper's datasets by name; the rest lives by
job: :mod:`~hexagan.data.dataset` (the type), :mod:`~hexagan.data.download`
(the cache folder, downloads, checksums), :mod:`~hexagan.data.tabular` and
:mod:`~hexagan.data.images` (one reader per benchmark) and
:mod:`~hexagan.data.user` (:func:`load_csv`).
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path

from hexagan.data.dataset import DataError, Dataset
from hexagan.data.download import data_dir
from hexagan.data.images import _load_celeba, _load_mnist
from hexagan.data.tabular import _load_breast, _load_credit, _load_madelon, _load_wine, _load_wine3
from hexagan.data.user import load_csv

__all__ = [
    "DataError",
    "Dataset",
    "available_datasets",
    "data_dir",
    "load_csv",
    "load_dataset",
]

_LOADERS: dict[str, Callable[..., Dataset]] = {
    "breast": _load_breast,
    "wine": _load_wine,
    "wine3": _load_wine3,
    "credit": _load_credit,
    "madelon": _load_madelon,
    "mnist": _load_mnist,
    "celeba": _load_celeba,
}


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
        ``attribute``, see :func:`hexagan.data.images._load_celeba`).

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
