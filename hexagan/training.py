"""The one training machinery shared by HexaGAN and the neural baselines.

A model trains K replicas at once (:mod:`hexagan.replica`).  This module holds
what every such model needs, once:

* :class:`ReplicaData` -- the K training sets, padded into tensors, with
  per-replica row counts and the labeled / unlabeled / per-class row indices;
* :func:`make_optimizer` -- RMSProp or Adam by name, with the authors'
  per-step learning-rate decay;
* :func:`train_loop` -- the loop itself: steps, NaN/inf divergence check,
  periodic validation, per-replica best-checkpoint selection, early stopping,
  learning curves and a progress bar;
* :class:`Checkpointer` -- the loop's whole state saved now and then, so that
  a killed run resumes where it stopped and ends with the very numbers of an
  uninterrupted one.

A model supplies only ``step(step) -> {loss name: [K] tensor}`` (one update of
all its networks) and ``evaluate() -> {metric: [K] tensor}``; to be
checkpointed, it also registers what it owns with :meth:`Checkpointer.track`:
objects with ``state_dict()`` / ``load_state_dict()`` (its networks,
:class:`Optimizer`, :class:`~hexagan.replica.ReplicaRNG`, ...).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import logging
import numbers
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.optim.adam import adam
from torch.optim.optimizer import _get_scalar_dtype
from torch.optim.rmsprop import rmsprop

from hexagan.io import atomic_path, next_checkpoint
from hexagan.replica import BestState, ReplicaRNG

log = logging.getLogger("hexagan.checkpoint")



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

    def rows(self, rng: ReplicaRNG, batch: int, index: torch.Tensor | None = None,
             counts: torch.Tensor | None = None) -> torch.Tensor:
        """Row numbers of a batch per replica, [K, batch], drawn with replacement.

        With ``index``/``counts`` (e.g. ``self.labeled, self.n_labeled``) the
        rows come from that subset; a replica whose subset is empty draws
        row 0 (callers mask such replicas out of their losses).
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


CHECKPOINT_FORMAT = 1


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def fingerprint(*tensors: torch.Tensor | None) -> str:
    """16 hex digits of the shapes, dtypes and values of ``tensors`` (what a checkpointed run trains on)."""
    digest = hashlib.sha256()
    for t in tensors:
        if t is None:
            digest.update(b"None")
            continue
        t = t.detach().cpu().contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.numpy().tobytes())
    return digest.hexdigest()[:16]


def _pack(records: list[tuple[int, int, str, float]]) -> dict:
    """Learning-curve records as tensors (weights_only-loadable, compact): exact round trip with :func:`_unpack`."""
    names = sorted({r[2] for r in records})
    code = {n: i for i, n in enumerate(names)}
    return {"step": torch.tensor([r[0] for r in records], dtype=torch.long),
            "replica": torch.tensor([r[1] for r in records], dtype=torch.long),
            "names": names, "name": torch.tensor([code[r[2]] for r in records], dtype=torch.long),
            "value": torch.tensor([r[3] for r in records], dtype=torch.float64)}


def _unpack(packed: dict) -> list[tuple[int, int, str, float]]:
    names = packed["names"]
    return list(zip(packed["step"].tolist(), packed["replica"].tolist(), [names[i] for i in packed["name"].tolist()],
                    packed["value"].tolist()))


def _curves(records: list[tuple[int, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=["step", "replica", "name", "value"])


class Checkpointer:
    """The whole state of a training run, saved now and then; a killed run resumes from it.

    :func:`train_loop` saves, at the end of an iteration (never inside one) and
    at most every ``every`` seconds of wall time (0: after every step):

    * what the model registered with :meth:`track` -- any objects with
      ``state_dict()`` / ``load_state_dict()``: networks, :class:`Optimizer`
      (buffers, step counts, learning rate), :class:`ReplicaRNG` (generator
      states and buffered draws), a :class:`BestState`, snapshots ...;
    * its own state: the phase and step reached, the learning-curve records,
      the ``best`` it selects with and the early-stopping counter;
    * the records of the phases already finished (a warm-up loop before the
      main one), so that a run resumed in a later phase skips them.

    A file is one ``torch.save`` of tensors and plain values (loadable with
    ``weights_only=True``), written to a temporary file, synced and renamed
    over the last one: a kill leaves the previous checkpoint or the new one,
    never half of one.  Used as a context manager around the whole run, the
    file is removed when the run ends without an exception and kept otherwise.

    ``meta`` says what the run is (the job's config hash; the model adds K,
    seeds, shapes, settings and a fingerprint of its data with
    :meth:`describe`): a saved state whose meta differs, or that cannot be
    read, is ignored with a warning and the run starts from step 1 (then
    overwrites it).  The file is read when the first loop starts.  Ignored, not refused: a checkpoint is a cache of work
    done -- starting afresh gives the right numbers, only later -- whereas a
    refusal would stop a requeued cluster job until someone deletes a file.
    A stale state is never resumed silently.  ``info`` (e.g. the git commit)
    is only reported when a run resumes.
    """

    def __init__(self, path, *, every: float = 300.0, meta: dict | None = None, info: dict | None = None):
        self.path = Path(path)
        self.every = float(every)
        self.meta = dict(meta or {})
        self.info = dict(info or {})
        self.objects: dict[str, Any] = {}
        self.resumed: tuple[str, int] | None = None  # (phase, step) this run resumed from
        self._finished: dict[str, dict] = {}  # phase -> packed records of its finished loop
        self._loaded = False
        self._saved: dict | None = None
        self._skip: set[str] = set()
        self._last = time.monotonic()

    @classmethod
    def from_context(cls) -> "Checkpointer | None":
        """The checkpointer of the run starting now inside :func:`hexagan.io.checkpointing`; None outside."""
        where = next_checkpoint()
        if where is None:
            return None
        path, every, meta, info = where
        return cls(path, every=every, meta=meta, info=info)

    def describe(self, **meta) -> None:
        """Add to what a saved state must match (the model's own meta), before the first loop reads the file."""
        if self._loaded:
            raise RuntimeError("describe() a run before its first loop: the checkpoint has been read")
        self.meta.update(meta)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._saved = self._read()
        if self._saved is not None:
            self._finished = dict(self._saved["finished"])
            self._skip = set(self._finished)

    def _read(self) -> dict | None:
        if not self.path.exists():
            return None
        try:
            payload = torch.load(self.path, weights_only=True, map_location="cpu")
            saved_meta = payload["meta"] if payload.get("format") == CHECKPOINT_FORMAT else None
        except Exception as err:  # noqa: BLE001 - any unreadable file is only a lost cache
            log.warning("ignoring the unreadable checkpoint %s (%s): training from the start", self.path, err)
            return None
        if saved_meta is None:
            log.warning("ignoring the checkpoint %s of another format: training from the start", self.path)
            return None
        if _canonical(saved_meta) != _canonical(self.meta):
            differ = sorted(k for k in set(saved_meta) | set(self.meta)
                            if _canonical(saved_meta.get(k)) != _canonical(self.meta.get(k)))
            log.warning("ignoring the checkpoint %s: it was written by another run (%s differ%s): training from "
                        "the start", self.path, ", ".join(differ), "s" if len(differ) == 1 else "")
            return None
        return payload

    def track(self, **objects) -> None:
        """Register what the run owns (name -> object with ``state_dict()`` and ``load_state_dict()``)."""
        self.objects.update(objects)

    # -- what train_loop calls ------------------------------------------------------------
    def finished(self, phase: str) -> list[tuple[int, int, str, float]] | None:
        """The records of ``phase`` when the resumed run had already finished it: its loop is skipped."""
        self._load()
        if phase not in self._skip:
            return None
        self._skip.discard(phase)
        return _unpack(self._finished[phase])

    def restore(self, phase: str) -> dict | None:
        """Load the saved state into the tracked objects; the loop's own state (step, stale, records, best)."""
        self._load()
        saved, self._saved = self._saved, None
        if saved is None:
            return None
        if saved["phase"] != phase:
            raise RuntimeError(f"{self.path} stopped in phase {saved['phase']!r}, which this run did not reach "
                               f"before {phase!r}: its meta should have told the runs apart")
        if set(saved["state"]) != set(self.objects):
            raise RuntimeError(f"{self.path} holds the state of {sorted(saved['state'])}, this run tracks "
                               f"{sorted(self.objects)}")
        for name, obj in self.objects.items():
            obj.load_state_dict(saved["state"][name])
        self.resumed = (phase, int(saved["step"]))
        written = ", ".join(f"{k} {v}" for k, v in saved.get("info", {}).items())
        log.warning("resuming from %s after step %d of phase %r (written: %s)", self.path, saved["step"], phase,
                    written or "-")
        if saved.get("info", {}).get("git_commit") not in (None, self.info.get("git_commit")):
            log.warning("the checkpoint was written by commit %s; this run is commit %s",
                        saved["info"]["git_commit"], self.info.get("git_commit"))
        loop = saved["loop"]
        return {"step": int(saved["step"]), "stale": loop["stale"], "records": _unpack(loop["records"]),
                "best": loop["best"]}

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every

    def save(self, phase: str, step: int, loop: dict) -> None:
        """Write the state after iteration ``step`` of ``phase`` (``loop``: the loop's own state) atomically."""
        self._load()
        payload = {"format": CHECKPOINT_FORMAT, "meta": self.meta,
                   "info": {**self.info, "at": time.strftime("%Y-%m-%d %H:%M:%S")},
                   "phase": phase, "step": int(step), "loop": loop, "finished": self._finished,
                   "state": {name: obj.state_dict() for name, obj in self.objects.items()}}
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as fh:
                torch.save(payload, fh)
                fh.flush()
                os.fsync(fh.fileno())
        self._last = time.monotonic()

    def finish(self, phase: str, records: list[tuple[int, int, str, float]]) -> None:
        """Mark ``phase`` done: later saves carry its records, and a resumed run skips its loop."""
        self._finished[phase] = _pack(records)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "Checkpointer":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.remove()
        return False


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
    records: list[tuple[int, int, str, float]] = []
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
            checkpoint.save(phase, s, {"stale": stale.tolist() if stale is not None else 0, "records": _pack(records),
                                       "best": best.state_dict() if best is not None else None})
    if bar is not None:
        bar.close()
    if checkpoint is not None:
        checkpoint.finish(phase, records)
    if best is not None and select_on is not None:
        best.restore()
    return _curves(records)


def _progress_note(scores: torch.Tensor, best: BestState, n_iter_no_change: int | None) -> str:
    """The progress bar's note: the last and best validation score (means over replicas) and the stops."""
    note = f"validation {scores.float().nanmean().item():.4g} (best {best.best.mean().item():.4g})"
    if n_iter_no_change is not None:
        note += f", stopped {int((best.stopped_at >= 0).sum())}/{best.k}"
    return note


def masked_mean(values: torch.Tensor, weights: torch.Tensor, dim: int | tuple[int, ...]) -> torch.Tensor:
    """Mean of ``values`` weighted by a 0/1 ``weights`` over ``dim``; 0 where the weights sum to 0."""
    return (values * weights).sum(dim) / weights.sum(dim).clamp_min(1.0)


def batched(n: int, size: int) -> Iterable[slice]:
    """Slices covering range(n) in chunks of ``size`` (for evaluation without memory blow-up)."""
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))

