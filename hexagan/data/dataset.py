"""The one type every loader returns: :class:`Dataset`, and the error they raise: :class:`DataError`."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["DataError", "Dataset"]


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
