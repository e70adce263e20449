"""The one scikit-learn base of every replica-trained estimator: HexaGAN's and the neural baselines'.

Its checks of the parameters and the data, and ``fit`` as ``fit_replicas`` of one task, are
:class:`TaskEstimator`'s, which the Table 3 cascades (:class:`baselines.cascade.Cascade`) share.

A neural method of the suite trains K independent *replicas* (one per
(repeat, fold) split) in one pass (:mod:`hexagan.replicas.replica`,
:mod:`hexagan.replicas.training`).  :class:`ReplicaEstimator` holds, once, everything
around that pass that is not specific to a method:

* ``fit_replicas(tasks)`` validates the parameters (the class's
  ``_parameter_constraints``) and every task with scikit-learn's
  ``validate_data``, recording each task's fitted input attributes
  (``n_features_in_``, ``feature_names_in_``); encodes a classifier's labels
  as indices into the classes all tasks share (``classes_``; -1 = missing);
  checks ``eval_set`` (used when the class ``uses_validation``) and
  ``monitor_set`` (when it ``monitors``) against the training columns; pads
  the K training sets into one :class:`~hexagan.replicas.training.ReplicaData` on the
  device (``device="auto"``: CUDA when present); trains; and returns one
  clone per task with ``random_state = tasks[r].seed``, ``seed_``, its
  replica's learning curves ``history_`` and fitted attributes.  Replica r
  is seeded with ``tasks[r].seed``, so it trains as a lone ``fit`` with that
  ``random_state`` does, up to float rounding, which a long adversarial run
  amplifies (:mod:`hexagan.replicas.replica` says how far).
* ``fit`` is ``fit_replicas`` of one task, seeded from ``random_state``
  (:func:`seed_of`); :meth:`ReplicaEstimator._check_X` checks rows to predict.

A method implements

``_train(data, tasks, seeds, device) -> (curves, fitted)``
    trains the K replicas on ``data`` (already on ``device``): ``tasks`` are
    the checked ones (after ``_prepare``) with their validation parts,
    ``seeds`` one per replica.  Returns the learning curves (a DataFrame with
    columns step, replica, name, value and any others) and per replica a dict
    of fitted attributes (its trained networks, selected step, ...);
``_prepare(tasks) -> (tasks, fitted)`` (optional)
    turns the checked (and scaled) tasks into the rows the networks see
    (resampling, a validation part carved from the rows) and returns per
    replica the fitted attributes that come from it;
``_cost(data, device) -> FitCost`` (optional)
    what training will cost, estimated from the shape before it starts
    (:mod:`hexagan.replicas.cost`): a fit beyond the machine's memory is refused, a
    long one warned of, naming the parameter to change.

A method with the mixin :class:`hexagan.replicas.scaling.ColumnScaling` (a ``scale``
parameter) has its tasks' rows scaled to [0, 1] before ``_prepare``
(:meth:`ReplicaEstimator._scale_tasks`, the identity otherwise).

Validation parts reach ``_train`` as arrays (``task.eval_set``); a method
pads them with :meth:`hexagan.model.evaluation.ValidationSet.from_sets`.
"""
from __future__ import annotations

import numbers
from dataclasses import replace
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from hexagan.methods import VALIDATE_X, FitTask, check_labels, encode_eval_labels, encode_labels
from hexagan.replicas.cost import FitCost
from hexagan.replicas.training import DivergenceError, ReplicaData

# The fitted input attributes validate_data records on an estimator.
_INPUT_ATTRIBUTES = ("n_features_in_", "feature_names_in_")


def resolve_device(device: str | torch.device) -> torch.device:
    """The torch device of a ``device`` parameter: ``"auto"`` = CUDA when available, else CPU."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but no CUDA device is available; use device='auto' or 'cpu'")
    return dev


def seed_of(random_state) -> int:
    """The integer seed of a ``random_state``: an int as is (so ``fit`` equals ``fit_replicas`` with that
    seed), a draw from a numpy Generator or RandomState, or from numpy's global RandomState for None
    (scikit-learn's convention, so ``np.random.seed`` makes an unseeded fit repeatable)."""
    if random_state is None:
        return int(np.random.mtrand._rand.randint(0, 2**31 - 1))
    if isinstance(random_state, numbers.Integral):
        if int(random_state) < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise ValueError(f"random_state must be an int, a numpy RandomState/Generator or None, got {random_state!r}")


def derive_seed(seed: int, salt: int) -> int:
    """A seed for one random step (``salt``) of a fit seeded ``seed``, independent of the fit's other steps."""
    return int(np.random.SeedSequence([int(seed), salt]).generate_state(1)[0])


def _out_of_range(tasks: list[FitTask], scale: bool | None) -> str:
    """Why training diverged when the rows the networks saw are the cause: a value far outside [0, 1]."""
    for t in tasks:
        far = np.abs(np.nan_to_num(t.X - 0.5))  # NaN (missing) counts as in range
        if far.max(initial=0.0) > 10:
            row, column = np.unravel_index(np.argmax(far), far.shape)
            fix = ("fit with scale=True (the default) or scale the columns to [0, 1] yourself" if scale is False else
                   "check that column for an outlier or a unit error")
            return (f". The likely cause is the data, not the learning rate: the networks expect values in [0, 1] "
                    f"and column {column} holds {t.X[row, column]:.3g} (row {row}); {fix}")
    return ""


def _encode_rows(rows: tuple | None, classes: np.ndarray) -> tuple | None:
    """``(X, X_true, y)`` with ``y`` as indices into ``classes`` (-1: none, or a label not seen in training)."""
    if rows is None:
        return None
    X, X_true, y = rows
    return X, X_true, encode_eval_labels(y, len(X), classes)


class TaskEstimator(BaseEstimator):
    """Base of the estimators fitted on :class:`~hexagan.methods.FitTask` s: the replica-trained ones
    (:class:`ReplicaEstimator`) and the Table 3 cascades (:class:`baselines.cascade.Cascade`).

    A subclass implements ``fit_replicas(tasks)``, which starts with :meth:`_check_tasks` (the parameters,
    then every task's data); ``fit`` is :meth:`_fit_one`, ``fit_replicas`` of one task, and prediction starts
    with :meth:`_check_X`.
    """

    #: "imputer" or "classifier" (set by the BaseImputer / BaseClassifier mixin).
    kind: str
    #: ``fit`` takes ``eval_set`` and the method selects on it.
    uses_validation = False
    #: ``fit`` takes ``monitor_set``: rows only scored during training (the audit's test fold).
    monitors = False

    def fit_replicas(self, tasks: Sequence[FitTask]) -> list["TaskEstimator"]:
        raise NotImplementedError  # pragma: no cover - abstract

    def _fit_one(self, X, y=None, eval_set=None, monitor_set=None):
        """``fit``: :meth:`fit_replicas` of one task seeded from ``random_state`` (:func:`seed_of`), whose fitted
        attributes become this estimator's."""
        self._validate_params()  # before seed_of reads random_state
        seed = seed_of(self.random_state)
        return self._take_fitted(
            self.fit_replicas([FitTask(X=X, y=y, eval_set=eval_set, monitor_set=monitor_set, seed=seed)])[0])

    def _take_fitted(self, fitted: "TaskEstimator") -> "TaskEstimator":
        """This estimator with exactly the fitted attributes of ``fitted`` (nothing of an earlier fit stays,
        e.g. its ``feature_names_in_``)."""
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            del self.__dict__[key]
        self.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_") and not k.startswith("__")})
        return self

    def _check_tasks(self, tasks: Sequence[FitTask]) -> tuple[list[FitTask], list[dict]]:
        """Validate the parameters, then every task with scikit-learn's ``validate_data``.

        Returns the checked tasks -- float64 ``X`` (NaN = missing), a
        classifier's labels as indices into the classes shared by all tasks
        (-1 = missing; an imputer's ``y`` None), ``eval_set`` and
        ``monitor_set`` checked against ``X`` (labels as indices, -1 for a
        label not seen in training) or None when the class does not use them
        -- and per task the fitted input attributes of its estimator:
        ``n_features_in_``, ``feature_names_in_`` (a DataFrame's string column
        names) and ``classes_``.  All tasks must have the same number of
        columns (the replicas share one architecture).
        """
        self._validate_params()
        tasks = list(tasks)
        if not tasks:
            raise ValueError("fit_replicas needs at least one task")
        checked, inputs = [], []
        for task in tasks:
            probe = clone(self)  # validate_data records the input attributes on it
            X = validate_data(probe, task.X, reset=True, **VALIDATE_X)
            checked.append(replace(task, X=X, y=None,
                                   eval_set=self._check_rows(probe, task.eval_set) if self.uses_validation else None,
                                   monitor_set=self._check_rows(probe, task.monitor_set) if self.monitors else None))
            inputs.append({k: v for k, v in vars(probe).items() if k in _INPUT_ATTRIBUTES})
        if len({t.X.shape[1] for t in checked}) != 1:
            raise ValueError(f"tasks have different numbers of columns: {sorted({t.X.shape[1] for t in checked})}")
        if self.kind == "classifier":
            classes, codes = encode_labels([check_labels(t.y, len(c.X), who=type(self).__name__)
                                            for t, c in zip(tasks, checked)])
            checked = [replace(c, y=y, eval_set=_encode_rows(c.eval_set, classes),
                               monitor_set=_encode_rows(c.monitor_set, classes)) for c, y in zip(checked, codes)]
            for attributes in inputs:
                attributes["classes_"] = classes
        return checked, inputs

    def _check_rows(self, probe: "TaskEstimator", rows) -> tuple | None:
        """``(X, X_true, y)`` checked against the training columns recorded on ``probe``; None stays None.

        An imputer's labels become -1 (it has none to score); a classifier's are encoded by ``_check_tasks``.
        """
        if rows is None:
            return None
        X_val, X_true, y_val = rows
        X_val = validate_data(probe, X_val, reset=False, ensure_min_samples=0, **VALIDATE_X)
        X_true = validate_data(probe, X_true, reset=False, ensure_min_samples=0, **VALIDATE_X)
        if X_val.shape != X_true.shape:
            raise ValueError(f"eval_set: X_val {X_val.shape} and X_val_true {X_true.shape} differ in shape")
        return X_val, X_true, y_val if self.kind == "classifier" else np.full(len(X_val), -1, dtype=np.int64)

    # -- inference ----------------------------------------------------------------------------
    def _check_X(self, X) -> np.ndarray:
        """``X`` as float64 (NaN = missing), checked against the fitted columns (``validate_data``)."""
        check_is_fitted(self)
        return validate_data(self, X, reset=False, **VALIDATE_X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN marks a missing entry: the point of every method here
        return tags


class ReplicaEstimator(TaskEstimator):
    """Base of the replica-trained estimators (see the module docstring).

    Every estimator ``fit`` or ``fit_replicas`` returns has these fitted attributes.

    Attributes
    ----------
    n_features_in_ : int
        Columns ``d`` of the training data.
    feature_names_in_ : ndarray of str
        Its column names, when it was a DataFrame with string column names.
    classes_ : ndarray of shape (n_classes,)
        The labels (classifiers); the networks work with their indices.
    seed_ : int
        The integer seed this replica was trained with.
    history_ : pandas.DataFrame
        Learning curves, columns step, name, value (and the method's own).
    """

    # -- hooks -------------------------------------------------------------------------------
    def _scale_tasks(self, tasks: list[FitTask]) -> tuple[list[FitTask], list[dict]]:
        return tasks, [{} for _ in tasks]  # hexagan.replicas.scaling.ColumnScaling scales them

    def _prepare(self, tasks: list[FitTask]) -> tuple[list[FitTask], list[dict]]:
        return tasks, [{} for _ in tasks]

    def _cost(self, data: ReplicaData, device: torch.device) -> FitCost | None:
        return None

    def _train(self, data: ReplicaData, tasks: list[FitTask], seeds: list[int],
               device: torch.device) -> tuple[pd.DataFrame, list[dict]]:
        raise NotImplementedError  # pragma: no cover - abstract

    # -- fitting ------------------------------------------------------------------------------
    def fit_replicas(self, tasks: Sequence[FitTask]) -> list["ReplicaEstimator"]:
        """Train one independent replica per task at once; return one fitted estimator per task.

        Parameters
        ----------
        tasks : sequence of FitTask
            ``X`` of shape (n_r, d) with NaN for missing entries; ``y`` of
            shape (n_r,) with -1 for a missing label (classifiers);
            ``eval_set`` used when the class ``uses_validation``,
            ``monitor_set`` when it ``monitors``; ``seed`` seeds replica ``r``.

        Returns
        -------
        list of estimators
            Clones of ``self`` with ``random_state = tasks[r].seed``, fitted.
        """
        tasks, inputs = self._check_tasks(tasks)
        seeds = [seed_of(t.seed) for t in tasks]
        tasks, scaled = self._scale_tasks(tasks)
        seen = tasks  # the caller's rows, in order, as the networks see them
        tasks, prepared = self._prepare(tasks)
        classes = inputs[0].get("classes_")
        data = ReplicaData.from_arrays([t.X for t in tasks], None if classes is None else [t.y for t in tasks],
                                       None if classes is None else len(classes))
        device = resolve_device(self.device)
        cost = self._cost(data, device)
        if cost is not None:
            cost.check(verbose=bool(getattr(self, "verbose", False)))
        try:
            curves, trained = self._train(data.to(device), tasks, seeds, device)
        except DivergenceError as err:
            raise DivergenceError(f"{err}{_out_of_range(seen, getattr(self, 'scale', None))}") from err
        fitted = []
        for r, seed in enumerate(seeds):
            est = clone(self).set_params(random_state=seed)
            est.__dict__.update({**inputs[r], **scaled[r], **prepared[r], **trained[r]})
            est.seed_ = seed
            est.history_ = curves[curves.replica == r].drop(columns="replica").reset_index(drop=True)
            fitted.append(est)
        return fitted
