"""What the neural baselines share: replica fitting, per-replica state, device, batched inference.

The neural methods of the suite (``gain``, ``autoencoder``, ``triplegan``,
``cs``, ``smote``) train one *replica* per (repeat, fold) split in a single
pass (:mod:`hexagan.replica`, :mod:`hexagan.training`).  This module holds,
once, everything around that pass that is not specific to a method:

* :class:`ReplicaEstimator` -- the scikit-learn face of a replica-trained
  model.  ``fit(X[, y], eval_set=None)`` is ``fit_replicas`` of one task;
  ``fit_replicas(tasks)`` turns the tasks into one :class:`ReplicaData`,
  trains all replicas through the subclass's ``_train`` (which must run
  :func:`hexagan.training.train_loop`), then slices every network's state
  per replica and returns one fitted estimator per task.  Replica ``r`` is
  seeded with ``tasks[r].seed`` and its estimator gets
  ``random_state = tasks[r].seed``, so it equals (up to float rounding) a
  lone ``fit`` with that ``random_state``.
* :class:`ValidationSet` -- the K validation parts padded into tensors, with
  the pooled RMSE of an imputation per replica (checkpoint selection).
* the integer seed of a ``random_state``: :func:`hexagan.training.seed_of`,
  shared with HexaGAN's estimators.
* :data:`COMMON_CONSTRAINTS` -- the ``_parameter_constraints`` of the
  parameters every replica estimator shares (``random_state``, ``device``).

A subclass provides

``_build(n_features, n_classes, seeds)``
    its networks, ``{name: replica module}``, one replica per seed (also
    called with one dummy seed to rebuild a fitted replica for inference);
``_train(nets, data, tasks, seeds, device)``
    trains them in place through :meth:`ReplicaEstimator._train_loop`
    (``train_loop`` with this fit's checkpoint, given the optimisers and RNG
    streams it must keep besides the networks) and returns
    ``(curves DataFrame, per-replica dict of extra fitted attributes)``;
``_prepare(tasks)`` (optional)
    turns the checked tasks into the arrays the networks see (e.g. GAIN's
    own min-max normalisation) and returns ``(tasks, per-replica extras)``.
"""
from __future__ import annotations

import contextlib
import numbers
import weakref
from dataclasses import replace
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from hexagan.methods import VALIDATE_X, FitTask, check_labels, encode_eval_labels, encode_labels
from hexagan.replica import replica_state, stack_states
from hexagan.checkpoint import Checkpointer, canonical, fingerprint
from hexagan.training import ReplicaData, batched, resolve_device, seed_of, train_loop

__all__ = [
    "COMMON_CONSTRAINTS",
    "TRAINING_CONSTRAINTS",
    "VALIDATION_CONSTRAINTS",
    "DEVICES",
    "ReplicaEstimator",
    "ValidationSet",
]

#: Valid values of the ``device`` parameter besides explicit torch device strings.
DEVICES = ("auto", "cpu", "cuda")

#: Rows per forward pass at inference (keeps memory flat on large tables).
INFERENCE_BATCH = 8192

#: Constraints of the parameters every replica estimator has (``device`` strings are checked by
#: :func:`resolve_device`, which knows whether CUDA is there).
COMMON_CONSTRAINTS = {
    "random_state": [Interval(numbers.Integral, 0, None, closed="left"), np.random.RandomState,
                     np.random.Generator, None],
    "device": [str, torch.device],
}
#: ... and of the training budget every neural baseline has, and of checkpoint selection on a validation part.
TRAINING_CONSTRAINTS = {
    "max_steps": [Interval(numbers.Integral, 1, None, closed="left")],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "log_every": [Interval(numbers.Integral, 1, None, closed="left")],
}
VALIDATION_CONSTRAINTS = {"validation": ["boolean"], "eval_every": [Interval(numbers.Integral, 1, None, closed="left")]}

# A fitted replica's networks, built on first use by ReplicaEstimator._module.  Kept outside the
# estimator so that predicting never changes it (scikit-learn's check_dict_unchanged) and pickles
# stay lean; an entry goes with its estimator.
_MODULES: "weakref.WeakKeyDictionary[ReplicaEstimator, dict[str, nn.Module]]" = weakref.WeakKeyDictionary()


class ValidationSet:
    """The K validation parts of the tasks, padded into tensors, for per-replica imputation RMSE.

    Attributes
    ----------
    x : float tensor of shape (K, n_max, d)
        The validation rows, 0 where an entry is missing (and in padding rows).
    m : float tensor of shape (K, n_max, d)
        1 where observed; padding rows are all 1 so they never count as missing.
    truth : float tensor of shape (K, n_max, d)
        The complete values (0 in padding rows).
    """

    def __init__(self, x: torch.Tensor, m: torch.Tensor, truth: torch.Tensor):
        self.x, self.m, self.truth = x, m, truth

    @classmethod
    def from_tasks(cls, tasks: Sequence[FitTask], device: torch.device, transform=None) -> "ValidationSet | None":
        """Pad the ``eval_set`` of every task; None when any task has none.

        transform : optional callable ``(r, X) -> X`` applied to both the
            incomplete and the complete validation rows of replica ``r`` (e.g.
            GAIN's normalisation), so the RMSE is in the networks' units.
        """
        if any(t.eval_set is None for t in tasks):
            return None
        parts = []
        for r, t in enumerate(tasks):  # validated by ReplicaEstimator._check_tasks
            X_val, X_true = np.asarray(t.eval_set[0], dtype=np.float64), np.asarray(t.eval_set[1], dtype=np.float64)
            if transform is not None:
                X_val, X_true = transform(r, X_val), transform(r, X_true)
            parts.append((X_val, X_true))
        k, d = len(parts), parts[0][0].shape[1]
        n_max = max(1, max(len(p[0]) for p in parts))
        x, m, truth = torch.zeros(k, n_max, d), torch.ones(k, n_max, d), torch.zeros(k, n_max, d)
        for r, (X_val, X_true) in enumerate(parts):
            observed = ~np.isnan(X_val)
            x[r, :len(X_val)] = torch.from_numpy(np.where(observed, X_val, 0.0)).float()
            m[r, :len(X_val)] = torch.from_numpy(observed).float()
            truth[r, :len(X_val)] = torch.from_numpy(np.nan_to_num(X_true)).float()
        return cls(x.to(device), m.to(device), truth.to(device))

    def rmse(self, imputed: torch.Tensor) -> torch.Tensor:
        """Pooled RMSE over the missing entries per replica, shape (K,), on the CPU; NaN for a replica with none.

        imputed : float tensor of shape (K, n_max, d), the networks' imputation
            of :attr:`x` (only its entries where ``m == 0`` are read).
        """
        missing = 1.0 - self.m
        sq = ((imputed - self.truth) ** 2 * missing).sum(dim=(1, 2))
        n = missing.sum(dim=(1, 2))
        out = torch.where(n > 0, torch.sqrt(sq / n.clamp_min(1.0)), torch.full_like(n, float("nan")))
        return out.cpu()  # BestState keeps its scores on the CPU


class ReplicaEstimator(BaseEstimator):
    """Base of the replica-trained neural estimators (see the module docstring).

    Fitted attributes (set on every estimator returned by ``fit_replicas``)
    -----------------------------------------------------------------------
    n_features_in_ : int
        Columns ``d`` of the training data.
    feature_names_in_ : ndarray of str
        Its column names, when it was a DataFrame with string column names.
    classes_ : ndarray of shape (n_classes,)
        The labels (classifiers); the networks work with their indices.
    n_classes_ : int
        Classes (0 for an imputer).
    state_ : dict of str to dict of str to Tensor
        Per network, the CPU state dict of this replica (no replica axis).
    seed_ : int
        The integer seed this replica was trained with.
    history_ : pandas.DataFrame
        Learning curves, columns step, name, value (losses every
        ``log_every`` steps; validation metrics when evaluated).
    """

    #: "imputer" or "classifier" (set by the BaseImputer / BaseClassifier mixin).
    kind: str
    #: scikit-learn's parameter validation, run first by ``fit`` and ``fit_replicas`` (subclasses extend it).
    _parameter_constraints: dict = dict(COMMON_CONSTRAINTS)

    # -- hooks -----------------------------------------------------------
    def _build(self, n_features: int, n_classes: int, seeds: Sequence[int]) -> dict[str, nn.Module]:
        raise NotImplementedError  # pragma: no cover - abstract

    def _prepare(self, tasks: list[FitTask]) -> tuple[list[FitTask], list[dict]]:
        return tasks, [{} for _ in tasks]

    def _train(self, nets: dict[str, nn.Module], data: ReplicaData, tasks: list[FitTask], seeds: list[int],
               device: torch.device) -> tuple[pd.DataFrame, list[dict]]:
        raise NotImplementedError  # pragma: no cover - abstract

    # -- fitting -----------------------------------------------------------
    def fit_replicas(self, tasks: Sequence[FitTask]) -> list["ReplicaEstimator"]:
        """Train one independent replica per task at once; return one fitted estimator per task.

        Parameters
        ----------
        tasks : sequence of FitTask
            ``X`` of shape (n_r, d) with NaN for missing entries; ``y`` of
            shape (n_r,) with -1 for a missing label (classifiers);
            ``eval_set`` used when the class sets ``uses_validation``;
            ``seed`` seeds replica ``r``.

        Returns
        -------
        list of estimators
            Clones of ``self`` with ``random_state = tasks[r].seed``, fitted.
        """
        tasks, inputs = self._check_tasks(tasks)
        if not getattr(self, "uses_validation", False):
            tasks = [replace(t, eval_set=None) for t in tasks]
        seeds = [seed_of(t.seed) for t in tasks]
        device = resolve_device(self.device)
        tasks, extras = self._prepare(tasks)
        n_classes = 0
        if self.kind == "classifier":
            n_classes = int(max(int(t.y.max()) for t in tasks)) + 1
        data = ReplicaData.from_arrays([t.X for t in tasks], [t.y for t in tasks] if self.kind == "classifier"
                                       else None, n_classes=n_classes if self.kind == "classifier" else None)
        nets = {name: net.to(device) for name, net in self._build(tasks[0].X.shape[1], n_classes, seeds).items()}
        # Inside hexagan.io.checkpointing (a workflow job), the run saves its state now and then and a
        # rerun of a killed job resumes from it: the networks here, the rest through _train_loop.
        checkpoint = Checkpointer.from_context()
        if checkpoint is not None:
            checkpoint.describe(**self._checkpoint_meta(nets, data, tasks, seeds))
        self._checkpoint = checkpoint
        try:
            with checkpoint if checkpoint is not None else contextlib.nullcontext():
                if checkpoint is not None:
                    checkpoint.track(**{f"net/{name}": net for name, net in nets.items()})
                curves, more = self._train(nets, data.to(device), tasks, seeds, device)
        finally:
            del self._checkpoint
        fitted = []
        for r, seed in enumerate(seeds):
            est = clone(self).set_params(random_state=seed)
            est.__dict__.update(inputs[r])  # n_features_in_, feature_names_in_, classes_
            est.n_classes_ = n_classes
            est.seed_ = seed
            est.state_ = {name: {p: t.cpu() for p, t in replica_state(net, r).items()} for name, net in nets.items()}
            mine = curves[curves.replica == r].drop(columns="replica").reset_index(drop=True)
            est.history_ = mine
            for key, value in {**extras[r], **more[r]}.items():
                setattr(est, key, value)
            fitted.append(est)
        return fitted

    def _train_loop(self, step, n_steps: int, *, state: dict, **options) -> pd.DataFrame:
        """:func:`hexagan.training.train_loop` with this fit's checkpoint, if any.

        state : what the run owns besides the networks, name -> object with
            ``state_dict()`` / ``load_state_dict()`` (its optimisers and its
            :class:`~hexagan.replica.ReplicaRNG`); without all of it a resumed
            run would not give the numbers of an uninterrupted one.
        """
        checkpoint = self.__dict__.get("_checkpoint")
        if checkpoint is not None:
            checkpoint.track(**state)
        return train_loop(step, n_steps, checkpoint=checkpoint, **options)

    def _checkpoint_meta(self, nets: dict[str, nn.Module], data: ReplicaData, tasks: list[FitTask],
                         seeds: list[int]) -> dict:
        """What a saved state must match to be resumed by this fit (see :class:`~hexagan.checkpoint.Checkpointer`)."""
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in ("device", "n_threads", "verbose")}
        evals = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)) for t in tasks if t.eval_set is not None
                 for a in t.eval_set if a is not None]
        return {"owner": type(self).__name__, "params": canonical(params), "k": len(seeds), "seeds": list(seeds),
                "shapes": {f"{name}.{p}": list(t.shape) for name, net in nets.items()
                           for p, t in net.state_dict().items()},
                "data": fingerprint(data.x, data.m, data.y, *evals)}

    def _check_tasks(self, tasks: Sequence[FitTask]) -> tuple[list[FitTask], list[dict]]:
        """Validate the parameters, then every task with scikit-learn's ``validate_data``.

        Returns the checked tasks -- float64 ``X`` (NaN = missing), a
        classifier's labels as indices into the classes shared by all tasks
        (-1 = missing), ``eval_set`` checked against ``X`` (labels as indices,
        -1 for a label not seen in training) or None when the class uses no
        validation -- and per task the fitted input attributes of its
        estimator: ``n_features_in_``, ``feature_names_in_`` (a DataFrame's
        string column names) and ``classes_``.  All tasks must have the same
        number of columns (the replicas share one architecture).
        """
        self._validate_params()
        tasks = list(tasks)
        if not tasks:
            raise ValueError("fit_replicas needs at least one task")
        uses_validation = getattr(self, "uses_validation", False)
        checked, inputs = [], []
        for task in tasks:
            probe = clone(self)  # validate_data records the input attributes on it
            X = validate_data(probe, task.X, reset=True, **VALIDATE_X)
            eval_set = None
            if uses_validation and task.eval_set is not None:
                X_val, X_true, y_val = task.eval_set
                X_val = validate_data(probe, X_val, reset=False, ensure_min_samples=0, **VALIDATE_X)
                X_true = validate_data(probe, X_true, reset=False, ensure_min_samples=0, **VALIDATE_X)
                if X_val.shape != X_true.shape:
                    raise ValueError(f"eval_set: X_val {X_val.shape} and X_val_true {X_true.shape} differ in shape")
                eval_set = (X_val, X_true, y_val)
            checked.append(replace(task, X=X, y=None, eval_set=eval_set))
            inputs.append({k: v for k, v in vars(probe).items() if k in ("n_features_in_", "feature_names_in_")})
        if len({t.X.shape[1] for t in checked}) != 1:
            raise ValueError(f"tasks have different numbers of columns: {sorted({t.X.shape[1] for t in checked})}")
        if self.kind == "classifier":
            classes, codes = encode_labels([check_labels(t.y, len(c.X), who=type(self).__name__)
                                            for t, c in zip(tasks, checked)])
            for r, (c, y) in enumerate(zip(checked, codes)):
                if c.eval_set is not None:
                    X_val, X_true, y_val = c.eval_set
                    c = replace(c, eval_set=(X_val, X_true, encode_eval_labels(y_val, len(X_val), classes)))
                checked[r] = replace(c, y=y)
                inputs[r]["classes_"] = classes
        return checked, inputs

    def _fit_one(self, X, y=None, eval_set=None):
        seed = seed_of(self.random_state)
        fitted = self.fit_replicas([FitTask(X=X, y=y, eval_set=eval_set, seed=seed)])[0]
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            del self.__dict__[key]  # nothing of an earlier fit stays (e.g. its feature_names_in_)
        self.__dict__.update({k: v for k, v in vars(fitted).items() if k.endswith("_") and not k.startswith("__")})
        _MODULES.pop(self, None)
        return self

    # -- inference -----------------------------------------------------------
    def _module(self, name: str) -> nn.Module:
        """The fitted replica's network ``name`` as a one-replica module on the device (cached)."""
        check_is_fitted(self, "state_")
        cache = _MODULES.setdefault(self, {})
        if name not in cache:
            net = self._build(self.n_features_in_, self.n_classes_, [0])[name]
            net.load_state_dict(stack_states([self.state_[name]]))
            net.eval()
            cache[name] = net.to(resolve_device(self.device))
        return cache[name]

    def _apply(self, fn, *arrays: np.ndarray) -> np.ndarray:
        """``fn(*tensors)`` over row chunks of ``arrays`` (each (m, ...)), without gradients.

        ``fn`` receives float32 tensors of shape (1, chunk, ...) on the device
        and returns (1, chunk, out); the result is float64 of shape (m, out).
        """
        device = resolve_device(self.device)
        n = len(arrays[0])
        outs = []
        with torch.no_grad():
            for rows in batched(n, INFERENCE_BATCH):
                tensors = [torch.as_tensor(a[rows], dtype=torch.float32, device=device)[None] for a in arrays]
                outs.append(fn(*tensors)[0].double().cpu().numpy())
        if not outs:
            return np.zeros((0, 0))
        return np.concatenate(outs)

    def _check_X_fitted(self, X) -> np.ndarray:
        """``X`` as float64 (NaN = missing), checked against the fitted columns (``validate_data``)."""
        check_is_fitted(self, "state_")
        return validate_data(self, X, reset=False, **VALIDATE_X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = self.random_state is None
        return tags
