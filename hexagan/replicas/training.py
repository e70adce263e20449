"""The one training machinery shared by HexaGAN and the neural baselines.

A model trains K replicas at once (:mod:`hexagan.replicas.replica`).  This module holds
what every such model needs, once:

* :class:`ReplicaData` -- the K training sets, padded into tensors, with
  per-replica row counts and the labeled / unlabeled / per-class row indices;
* :func:`make_optimizer` -- RMSProp or Adam by name, with the authors'
  per-step learning-rate decay;
* :func:`train_loop` -- the loop itself: steps, NaN/inf divergence check,
  periodic validation, per-replica best-checkpoint selection, early stopping,
  learning curves and a progress bar; it saves and resumes through a
  :class:`hexagan.replicas.checkpoint.Checkpointer`, so that a killed run resumes where
  it stopped and ends with the very numbers of an uninterrupted one.

A model supplies only ``step(step) -> {loss name: [K] tensor}`` (one update of
all its networks) and ``evaluate() -> {metric: [K] tensor}``; to be
checkpointed, it also registers what it owns with
:meth:`~hexagan.replicas.checkpoint.Checkpointer.track`: objects with ``state_dict()`` /
``load_state_dict()`` (its networks, :class:`Optimizer`,
:class:`~hexagan.replicas.replica.ReplicaRNG`, ...).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.optim.adam import adam
from torch.optim.optimizer import _get_scalar_dtype
from torch.optim.rmsprop import rmsprop

from hexagan.replicas.checkpoint import Checkpointer, Record
from hexagan.replicas.replica import BestState, ReplicaRNG


class DivergenceError(RuntimeError):
    """A loss became NaN or inf: training stops rather than return NaN results."""


def _adam(params, grads, state, lr, *, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, has_complex=False):
    adam(params, grads, state["exp_avg"], state["exp_avg_sq"], [], state["step"], foreach=True,
         amsgrad=False, beta1=betas[0], beta2=betas[1], lr=lr, weight_decay=weight_decay,
         eps=eps, maximize=False, has_complex=has_complex)


def _rmsprop(params, grads, state, lr, *, alpha=0.99, eps=1e-8, weight_decay=0.0, has_complex=False):
    rmsprop(params, grads, state["square_avg"], [], [], state["step"], foreach=True, lr=lr, alpha=alpha,
            eps=eps, weight_decay=weight_decay, momentum=0.0, centered=False,
            maximize=False, has_complex=has_complex)


# name -> (torch.optim's update for it, with torch.optim's defaults; the per-parameter buffers it keeps)
OPTIMIZERS = {
    "rmsprop": (_rmsprop, ("square_avg",)),
    "adam": (_adam, ("exp_avg", "exp_avg_sq")),
}


class Optimizer:
    """RMSProp or Adam with the per-step decay ``lr * (1 - decay) ** step``.

    The update is torch.optim's own (``torch.optim.adam.adam``,
    ``torch.optim.rmsprop.rmsprop``) and so is the state it is given, so
    every step equals ``torch.optim.Adam`` / ``RMSprop`` with an
    ``ExponentialLR`` schedule, bit for bit (tests/test_replica.py).  Only
    the bookkeeping is ours, because building any ``torch.optim.Optimizer``
    imports ``torch._dynamo``: about 1.6 s of CPU in every job's process, a
    third of a quick-configuration job (bench/job_startup.py).
    """

    def __init__(self, name: str, params: Iterable[nn.Parameter], lr: float, *, decay: float = 0.0, **options):
        try:
            self._update, self._buffers = OPTIMIZERS[name.lower()]
        except KeyError:
            raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}") from None
        inspect.signature(self._update).bind(None, None, None, lr, **options)  # a misspelt option fails here
        self.params = list(params)
        self.lr = float(lr)
        self.gamma = 1.0 - decay
        self.options = options
        self.state: dict[nn.Parameter, dict[str, torch.Tensor]] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update the parameters that have a gradient (torch.optim skips the others too)."""
        live = [p for p in self.params if p.grad is not None]
        for p in live:
            if p not in self.state:
                self.state[p] = {"step": torch.tensor(0.0, dtype=_get_scalar_dtype())} | {
                    b: torch.zeros_like(p, memory_format=torch.preserve_format) for b in self._buffers}
        state = {key: [self.state[p][key] for p in live] for key in ("step", *self._buffers)}
        self._update(live, [p.grad for p in live], state, self.lr,
                     has_complex=any(torch.is_complex(p) for p in live), **self.options)

    def decay_lr(self) -> None:
        """One step of the schedule, multiplied in as ``ExponentialLR`` does (not ``gamma ** t``)."""
        self.lr = self.lr * self.gamma

    def state_dict(self) -> dict:
        """The learning rate reached and each parameter's buffers and step count, by parameter position."""
        return {"lr": self.lr, "state": {i: dict(self.state[p]) for i, p in enumerate(self.params) if p in self.state}}

    def load_state_dict(self, state: dict) -> None:
        restored = {}
        for i, saved in state["state"].items():
            p = self.params[int(i)]
            if set(saved) != {"step", *self._buffers} or any(saved[b].shape != p.shape for b in self._buffers):
                raise ValueError(f"the saved optimiser state of parameter {i} does not fit this optimiser")
            # the step count stays on the CPU, where step() creates it; the buffers go beside their parameter
            restored[p] = {"step": saved["step"].clone()} | {b: saved[b].to(p.device, copy=True) for b in self._buffers}
        self.state = restored
        self.lr = float(state["lr"])


def make_optimizer(name: str, params: Iterable[nn.Parameter], lr: float, *, decay: float = 0.0,
                   **options) -> Optimizer:
    """An optimiser by name (``rmsprop`` or ``adam``, torch.optim's keyword options).

    The HexaGAN authors' code decays every learning rate by ``1 - 1e-5`` per
    step; ``decay=0`` keeps it constant.  Call ``decay_lr()`` once per step.
    """
    return Optimizer(name, params, lr, decay=decay, **options)


def optimizer_step(loss: torch.Tensor, optimizer: Optimizer) -> None:
    """Zero, backpropagate the replica-summed loss, step."""
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _pad_indices(groups: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack index arrays of different lengths into [K, max] (padded with 0) and counts [K]."""
    width = max(1, max(len(g) for g in groups))
    out = np.zeros((len(groups), width), dtype=np.int64)
    for k, g in enumerate(groups):
        out[k, :len(g)] = g
    return torch.from_numpy(out), torch.tensor([len(g) for g in groups])


@dataclass
class ReplicaData:
    """K training sets in padded tensors.

    Attributes
    ----------
    x : float [K, n_max, d], the data with missing entries set to 0.
    m : float [K, n_max, d], 1 where observed.
    y : long [K, n_max], labels, -1 where missing (and in padding rows).
    n : long [K], rows of each replica.
    labeled, unlabeled : long [K, max] row indices and counts ``n_labeled``,
        ``n_unlabeled`` [K].
    by_class : list (one per class) of ([K, max] indices, [K] counts).
    n_classes : int.
    """

    x: torch.Tensor
    m: torch.Tensor
    y: torch.Tensor
    n: torch.Tensor
    labeled: torch.Tensor
    n_labeled: torch.Tensor
    unlabeled: torch.Tensor
    n_unlabeled: torch.Tensor
    by_class: list[tuple[torch.Tensor, torch.Tensor]]
    n_classes: int

    @classmethod
    def from_arrays(cls, Xs: Sequence[np.ndarray], ys: Sequence[np.ndarray] | None = None,
                    n_classes: int | None = None) -> "ReplicaData":
        """Pad K (X with NaN [n_k, d], y with -1 [n_k]) pairs; ``ys=None`` means unlabeled data."""
        k, d = len(Xs), Xs[0].shape[1]
        if any(X.shape[1] != d for X in Xs):
            raise ValueError("every replica's data must have the same number of features")
        ys = [np.full(len(X), -1) for X in Xs] if ys is None else [np.asarray(y) for y in ys]
        n_max = max(len(X) for X in Xs)
        x = torch.zeros(k, n_max, d)
        m = torch.zeros(k, n_max, d)
        y = torch.full((k, n_max), -1, dtype=torch.long)
        for r, (X, yr) in enumerate(zip(Xs, ys)):
            observed = ~np.isnan(X)
            x[r, :len(X)] = torch.from_numpy(np.where(observed, X, 0.0)).float()
            m[r, :len(X)] = torch.from_numpy(observed).float()
            y[r, :len(X)] = torch.from_numpy(yr.astype(np.int64))
        if n_classes is None:
            n_classes = int(max(int(yr.max()) for yr in ys)) + 1 if any((yr >= 0).any() for yr in ys) else 0
        labeled, n_labeled = _pad_indices([np.flatnonzero(yr >= 0) for yr in ys])
        unlabeled, n_unlabeled = _pad_indices([np.flatnonzero(yr < 0) for yr in ys])
        by_class = [_pad_indices([np.flatnonzero(yr == c) for yr in ys]) for c in range(n_classes)]
        return cls(x, m, y, torch.tensor([len(X) for X in Xs]), labeled, n_labeled, unlabeled, n_unlabeled,
                   by_class, n_classes)

    @property
    def k(self) -> int:
        return self.x.shape[0]

    def select(self, replicas: Sequence[int]) -> "ReplicaData":
        """The K' training sets of ``replicas`` (indices), in that order; their padding keeps its width."""
        index = torch.as_tensor(list(replicas), dtype=torch.long)
        pick = lambda t: t[index.to(t.device)]
        return replace(self, x=pick(self.x), m=pick(self.m), y=pick(self.y), n=pick(self.n),
                       labeled=pick(self.labeled), n_labeled=pick(self.n_labeled), unlabeled=pick(self.unlabeled),
                       n_unlabeled=pick(self.n_unlabeled), by_class=[(pick(i), pick(c)) for i, c in self.by_class])

    def to(self, device: torch.device) -> "ReplicaData":
        """The values (``x``, ``m``, ``y``) on ``device``.

        The row counts and index tensors stay on the CPU, beside the
        :class:`~hexagan.replicas.replica.ReplicaRNG` draws they combine with in
        :meth:`rows` (the streams stay on the CPU, so any device gives the same
        numbers); move the drawn rows to the device before :meth:`gather`
        (``data.gather(data.rows(rng, b).to(device))``).
        """
        return replace(self, x=self.x.to(device), m=self.m.to(device), y=self.y.to(device))

    def rows(self, rng: ReplicaRNG, batch: int | torch.Tensor, index: torch.Tensor | None = None,
             counts: torch.Tensor | None = None) -> torch.Tensor:
        """Row numbers of a batch per replica, [K, batch], drawn with replacement.

        With ``index``/``counts`` (e.g. ``self.labeled, self.n_labeled``) the
        rows come from that subset; a replica whose subset is empty draws
        row 0 (callers mask such replicas out of their losses).  ``batch`` may
        be a [K] tensor of per-replica sizes (:meth:`ReplicaRNG.integers`):
        the result is as wide as the largest, and a replica's slots beyond its
        own size hold row 0 of its subset.
        """
        if index is None:
            return rng.integers(self.n, batch)
        pos = rng.integers(counts.clamp_min(1), batch)
        return torch.gather(index, 1, pos)

    def gather(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x [K, B, d], m [K, B, d], y [K, B]) of the given rows.

        Whole rows are picked by ``index_select`` on the flattened [K * n_max, d]
        tables: the same numbers as ``torch.gather`` with the index expanded
        over d (a copy either way), which took ~5x longer and 6-14 % of an
        iteration of HexaGAN (bench/profile_iteration.py).
        """
        k, n_max, d = self.x.shape
        flat = (rows + n_max * torch.arange(k, device=rows.device)[:, None]).reshape(-1)
        pick = lambda t: t.reshape(k * n_max, d).index_select(0, flat).reshape(k, rows.shape[1], d)
        return pick(self.x), pick(self.m), torch.gather(self.y, 1, rows)


def check_finite(losses: dict[str, torch.Tensor], step: int) -> None:
    """Raise :class:`DivergenceError` naming the first non-finite loss, its replica and step."""
    for name, value in losses.items():
        bad = ~torch.isfinite(value)
        if bad.any():
            replica = int(torch.nonzero(bad.reshape(-1))[0])
            raise DivergenceError(
                f"loss {name!r} became {value.reshape(-1)[replica].item()} at step {step} (replica {replica}); "
                "lower the learning rate or raise the gradient-penalty weight"
            )


def train_loop(
    step: Callable[[int], dict[str, torch.Tensor]],
    n_steps: int,
    *,
    evaluate: Callable[[], dict[str, torch.Tensor]] | None = None,
    eval_every: int = 100,
    select_on: str | None = None,
    best: BestState | None = None,
    n_iter_no_change: int | None = None,
    tol: float = 0.0,
    log_every: int = 10,
    progress: bool = False,
    description: str = "training",
    checkpoint: Checkpointer | None = None,
    phase: str = "train",
) -> pd.DataFrame:
    """Run ``n_steps`` updates and return the learning curves.

    Parameters
    ----------
    step : one update of every network; returns per-replica losses ([K] each).
    evaluate : validation metrics per replica, called every ``eval_every`` steps
        and after the last step.
    select_on : metric of ``evaluate`` to minimise for checkpoint selection
        (use the negative of a score to maximise); requires ``best``.
    n_iter_no_change, tol : early stopping (None = run all steps), scikit-learn's
        convention: a replica stops once ``n_iter_no_change`` evaluations in a
        row have not lowered its best ``select_on`` by more than ``tol``.  Its
        selection is then frozen (:meth:`BestState.stop`), so that it ends as a
        run of its own would have; the loop ends when every replica has stopped.
    log_every : record the training losses every this many steps.
    checkpoint : saves the run's state now and then (:class:`Checkpointer`);
        when it holds a saved state of this ``phase``, the loop resumes after
        its step; when the saved run had finished this phase, the loop is
        skipped and returns the phase's records.
    phase : the name of this loop among the run's loops (e.g. "warmup", "train").

    Returns
    -------
    DataFrame with columns step, replica, name, value (losses and metrics).
    """
    if select_on is not None and (best is None or evaluate is None):
        raise ValueError("select_on needs both evaluate and best")
    if n_iter_no_change is not None and select_on is None:
        raise ValueError("early stopping (n_iter_no_change) needs select_on")
    records: list[Record] = []
    start = 1
    stale = torch.zeros(best.k, dtype=torch.long) if best is not None else None  # evaluations without improvement
    if checkpoint is not None:
        done = checkpoint.finished(phase)
        if done is not None:
            return _curves(done)
        resumed = checkpoint.restore(phase)
        if resumed is not None:
            if (best is None) != (resumed["best"] is None):
                raise RuntimeError("the checkpoint and this loop disagree on whether a BestState selects")
            start, records = resumed["step"] + 1, resumed["records"]
            if best is not None:
                best.load_state_dict(resumed["best"])
                # (a checkpoint written before early stopping existed holds one count for all replicas)
                stale = torch.as_tensor(resumed["stale"], dtype=torch.long).expand(best.k).clone()

    def record(s: int, values: dict[str, torch.Tensor]) -> None:
        for name, v in values.items():
            for r, x in enumerate(v.detach().reshape(-1).tolist()):
                records.append((s, r, name, x))

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, initial=start - 1, desc=description, leave=False)
    for s in range(start, n_steps + 1):
        losses = step(s)
        check_finite(losses, s)
        if s % log_every == 0 or s == n_steps:
            record(s, losses)
        if evaluate is not None and (s % eval_every == 0 or s == n_steps):
            with torch.no_grad():
                metrics = evaluate()
            record(s, metrics)
            if select_on is not None:
                before = best.best.clone()
                best.update(metrics[select_on], s)
                stale = torch.where(best.best < before - tol, 0, stale + 1)
                if n_iter_no_change is not None:
                    best.stop(stale >= n_iter_no_change, s)
                if bar is not None:
                    bar.set_postfix_str(_progress_note(metrics[select_on], best, n_iter_no_change))
                if bool((best.stopped_at >= 0).all()):
                    break
        if bar is not None:
            bar.update(1)
        if checkpoint is not None and s < n_steps and checkpoint.due():
            checkpoint.save(phase, s, stale=stale.tolist() if stale is not None else 0, records=records,
                            best=best.state_dict() if best is not None else None)
    if bar is not None:
        bar.close()
    if checkpoint is not None:
        checkpoint.finish(phase, records)
    if best is not None and select_on is not None:
        best.restore()
    return _curves(records)


def _curves(records: list[Record]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=["step", "replica", "name", "value"])


def _progress_note(scores: torch.Tensor, best: BestState, n_iter_no_change: int | None) -> str:
    """The progress bar's note: the last and best validation score (means over replicas) and the stops."""
    note = f"validation {scores.float().nanmean().item():.4g} (best {best.best.mean().item():.4g})"
    if n_iter_no_change is not None:
        note += f", stopped {int((best.stopped_at >= 0).sum())}/{best.k}"
    return note


def batched(n: int, size: int) -> Iterable[slice]:
    """Slices covering range(n) in chunks of ``size`` (for evaluation without memory blow-up)."""
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))

