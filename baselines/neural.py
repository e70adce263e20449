"""What the neural baselines share: a dict of replica networks, trained and checkpointed, and batched inference.

The neural methods of the suite (``gain``, ``autoencoder``, ``triplegan``,
``cs``, ``smote``) subclass :class:`hexagan.replicas.estimator.ReplicaEstimator`,
as HexaGAN's estimators do: ``fit`` / ``fit_replicas``, the checks of the tasks,
labels, seeds and ``history_`` come from there.  :class:`NetworkEstimator`
adds what the baselines do alike: their networks are a dict of replica
modules, trained by :func:`hexagan.replicas.training.train_loop` with the fit's
checkpoint, kept per replica as ``state_`` and rebuilt for inference.

A subclass provides

``_build(n_features, n_classes, seeds)``
    its networks, ``{name: replica module}``, one replica per seed (also
    called with one dummy seed to rebuild a fitted replica for inference);
``_train_networks(nets, data, tasks, seeds, device)``
    trains them in place through :meth:`NetworkEstimator._train_loop`
    (``train_loop`` with this fit's checkpoint, given the optimisers and RNG
    streams it must keep besides the networks) and returns
    ``(curves DataFrame, per-replica dict of extra fitted attributes)``;
``_prepare(tasks)`` (optional, :class:`~hexagan.replicas.estimator.ReplicaEstimator`'s)
    turns the checked, scaled tasks into the arrays the networks see (e.g.
    SMOTE's resampling) and returns ``(tasks, per-replica extras)``;
``_batches_per_iteration`` (class attribute)
    batches through the networks an iteration, for the estimate of a fit's
    time (:mod:`hexagan.replicas.cost`).

Every baseline here scales its columns to [0, 1] inside
(:class:`hexagan.replicas.scaling.ColumnScaling`, parameter ``scale``, in
:data:`COMMON_CONSTRAINTS`): their networks assume [0, 1] (sigmoid outputs,
U(0, 1) fills, a missing entry filled with 0 = the column's minimum).

:data:`COMMON_CONSTRAINTS`, :data:`TRAINING_CONSTRAINTS` and
:data:`VALIDATION_CONSTRAINTS` are the ``_parameter_constraints`` of the
parameters the baselines share.
"""
from __future__ import annotations

import contextlib
import numbers
import weakref
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted
from torch import nn

from hexagan.methods import FitTask
from hexagan.replicas.checkpoint import Checkpointer, canonical, fingerprint
from hexagan.replicas.cost import FitCost, count_parameters, network_cost
from hexagan.replicas.estimator import ReplicaEstimator, resolve_device
from hexagan.replicas.replica import replica_state, stack_states
from hexagan.replicas.scaling import SCALE_CONSTRAINT, ColumnScaling
from hexagan.replicas.training import ReplicaData, batched, train_loop

__all__ = ["COMMON_CONSTRAINTS", "TRAINING_CONSTRAINTS", "VALIDATION_CONSTRAINTS", "NetworkEstimator"]

#: Rows per forward pass at inference (keeps memory flat on large tables).
INFERENCE_BATCH = 8192

#: Constraints of the parameters every neural baseline has (``device`` strings are checked by
#: :func:`resolve_device`, which knows whether CUDA is there).
COMMON_CONSTRAINTS = {
    "random_state": [Interval(numbers.Integral, 0, None, closed="left"), np.random.RandomState,
                     np.random.Generator, None],
    "device": [str, torch.device],
    "scale": SCALE_CONSTRAINT,
}
#: ... and of the training budget every neural baseline has, and of checkpoint selection on a validation part.
TRAINING_CONSTRAINTS = {
    "max_steps": [Interval(numbers.Integral, 1, None, closed="left")],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
    "log_every": [Interval(numbers.Integral, 1, None, closed="left")],
}
VALIDATION_CONSTRAINTS = {"validation": ["boolean"], "eval_every": [Interval(numbers.Integral, 1, None, closed="left")]}

# A fitted replica's networks, built on first use by NetworkEstimator._module from its state_.  Kept outside
# the estimator so that predicting never changes it (scikit-learn's check_dict_unchanged) and pickles stay
# lean; an entry goes with its estimator, and a refit (a new state_) rebuilds it.
_MODULES: "weakref.WeakKeyDictionary[NetworkEstimator, tuple[dict, dict[str, nn.Module]]]" = \
    weakref.WeakKeyDictionary()


class NetworkEstimator(ColumnScaling, ReplicaEstimator):
    """Base of the neural baselines: a dict of replica networks (see the module docstring).

    Its fitted attributes are :class:`~hexagan.replicas.estimator.ReplicaEstimator`'s and these.

    Attributes
    ----------
    n_classes_ : int
        Classes (0 for an imputer).
    state_ : dict of str to dict of str to Tensor
        Per network, the CPU state dict of this replica (no replica axis).
    history_ : pandas.DataFrame
        Learning curves, columns step, name, value (losses every
        ``log_every`` steps; validation metrics when evaluated).
    """

    _parameter_constraints: dict = dict(COMMON_CONSTRAINTS)
    _batches_per_iteration = 1

    # -- hooks -----------------------------------------------------------
    def _build(self, n_features: int, n_classes: int, seeds: Sequence[int]) -> dict[str, nn.Module]:
        raise NotImplementedError  # pragma: no cover - abstract

    def _train_networks(self, nets: dict[str, nn.Module], data: ReplicaData, tasks: list[FitTask], seeds: list[int],
                        device: torch.device) -> tuple[pd.DataFrame, list[dict]]:
        raise NotImplementedError  # pragma: no cover - abstract

    # -- training ----------------------------------------------------------
    def _cost(self, data: ReplicaData, device: torch.device) -> FitCost:
        k, n, d = data.x.shape
        parameters = k * count_parameters(lambda: nn.ModuleDict(self._build(d, data.n_classes, [0])))
        return network_cost(f"{type(self).__name__} on {n:,} training rows x {d:,} columns", parameters,
                            int(self.batch_size) * self._batches_per_iteration, int(self.max_steps), device,
                            data_values=k * n * d, time_advice=f"lower max_steps (now {self.max_steps})",
                            memory_advice="its networks grow with the square of the columns: fit fewer columns")

    def _train(self, data: ReplicaData, tasks: list[FitTask], seeds: list[int],
               device: torch.device) -> tuple[pd.DataFrame, list[dict]]:
        """Build the networks, train them (``_train_networks``) with this fit's checkpoint, and give each
        replica its networks' state."""
        nets = {name: net.to(device) for name, net in self._build(data.x.shape[2], data.n_classes, seeds).items()}
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
                curves, more = self._train_networks(nets, data, tasks, seeds, device)
        finally:
            del self._checkpoint
        return curves, [{"n_classes_": data.n_classes,
                         "state_": {name: {p: t.cpu() for p, t in replica_state(net, r).items()}
                                    for name, net in nets.items()},
                         **more[r]} for r in range(len(seeds))]

    def _train_loop(self, step, n_steps: int, *, state: dict, **options) -> pd.DataFrame:
        """:func:`hexagan.replicas.training.train_loop` with this fit's checkpoint, if any.

        state : what the run owns besides the networks, name -> object with
            ``state_dict()`` / ``load_state_dict()`` (its optimisers and its
            :class:`~hexagan.replicas.replica.ReplicaRNG`); without all of it a resumed
            run would not give the numbers of an uninterrupted one.
        """
        checkpoint = self.__dict__.get("_checkpoint")
        if checkpoint is not None:
            checkpoint.track(**state)
        return train_loop(step, n_steps, checkpoint=checkpoint, **options)

    def _checkpoint_meta(self, nets: dict[str, nn.Module], data: ReplicaData, tasks: list[FitTask],
                         seeds: list[int]) -> dict:
        """What a saved state must match to be resumed by this fit
        (see :class:`~hexagan.replicas.checkpoint.Checkpointer`)."""
        # "scale" acts through the data, which the fingerprint below covers (and runs saved before it existed resume)
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k not in ("device", "n_threads", "verbose", "scale")}
        evals = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)) for t in tasks if t.eval_set is not None
                 for a in t.eval_set if a is not None]
        return {"owner": type(self).__name__, "params": canonical(params), "k": len(seeds), "seeds": list(seeds),
                "shapes": {f"{name}.{p}": list(t.shape) for name, net in nets.items()
                           for p, t in net.state_dict().items()},
                "data": fingerprint(data.x, data.m, data.y, *evals)}

    # -- inference -----------------------------------------------------------
    def _module(self, name: str) -> nn.Module:
        """The fitted replica's network ``name`` as a one-replica module on the device (cached)."""
        check_is_fitted(self, "state_")
        built_from, cache = _MODULES.get(self, (None, None))
        if built_from is not self.state_:
            cache = {}
            _MODULES[self] = (self.state_, cache)
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
