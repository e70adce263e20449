"""Checkpoints of a training run: its whole state saved now and then, so that a killed run resumes.

:class:`Checkpointer` is what :func:`hexagan.replicas.training.train_loop` saves with
and resumes from; a run (:class:`hexagan.model.algorithm.HexaGANCore`, the
neural baselines) gets one from :meth:`Checkpointer.from_context` inside
:func:`hexagan.io.checkpointing` and registers what it owns with
:meth:`Checkpointer.track`.  :func:`fingerprint` and :func:`canonical` turn
what a run trains on and its settings into the ``meta`` a saved state must
match to be resumed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch

from hexagan.io import atomic_path, next_checkpoint, record_resume

log = logging.getLogger("hexagan.replicas.checkpoint")

Record = tuple[int, int, str, float]  # (step, replica, name, value): one point of a learning curve

CHECKPOINT_FORMAT = 1


def canonical(value: Any) -> str:
    """``value`` as a canonical JSON string (sorted keys): two metas are equal when their strings are."""
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


def _pack(records: list[Record]) -> dict:
    """Learning-curve records as tensors (weights_only-loadable, compact): exact round trip with :func:`_unpack`."""
    names = sorted({r[2] for r in records})
    code = {n: i for i, n in enumerate(names)}
    return {"step": torch.tensor([r[0] for r in records], dtype=torch.long),
            "replica": torch.tensor([r[1] for r in records], dtype=torch.long),
            "names": names, "name": torch.tensor([code[r[2]] for r in records], dtype=torch.long),
            "value": torch.tensor([r[3] for r in records], dtype=torch.float64)}


def _unpack(packed: dict) -> list[Record]:
    names = packed["names"]
    return list(zip(packed["step"].tolist(), packed["replica"].tolist(), [names[i] for i in packed["name"].tolist()],
                    packed["value"].tolist()))


class Checkpointer:
    """The whole state of a training run, saved now and then; a killed run resumes from it.

    :func:`~hexagan.replicas.training.train_loop` saves, at the end of an iteration (never inside one) and
    at most every ``every`` seconds of wall time (0: after every step):

    * what the model registered with :meth:`track` -- any objects with
      ``state_dict()`` / ``load_state_dict()``: networks, :class:`~hexagan.replicas.training.Optimizer`
      (buffers, step counts, learning rate), :class:`~hexagan.replicas.replica.ReplicaRNG` (generator
      states and buffered draws), a :class:`~hexagan.replicas.replica.BestState`, snapshots ...;
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
    is only reported when a run resumes.  Each save also records the seconds
    the run has trained so far, its earlier (killed) runs included, so that a
    resumed job can report what it cost in all (:func:`hexagan.io.record_resume`).
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
        self._last = self._born = time.monotonic()
        self.earlier_seconds: float | None = 0.0  # trained by the runs this one resumes (None: not recorded)

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
        if canonical(saved_meta) != canonical(self.meta):
            differ = sorted(k for k in set(saved_meta) | set(self.meta)
                            if canonical(saved_meta.get(k)) != canonical(self.meta.get(k)))
            log.warning("ignoring the checkpoint %s: it was written by another run (%s differ%s): training from "
                        "the start", self.path, ", ".join(differ), "s" if len(differ) == 1 else "")
            return None
        return payload

    def track(self, **objects) -> None:
        """Register what the run owns (name -> object with ``state_dict()`` and ``load_state_dict()``)."""
        self.objects.update(objects)

    # -- what train_loop calls ------------------------------------------------------------
    def finished(self, phase: str) -> list[Record] | None:
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
        info = saved.get("info", {})
        self.earlier_seconds = info.get("trained_seconds")  # absent from checkpoints of before it was recorded
        record_resume(file=self.path.name, step=int(saved["step"]), commit=info.get("git_commit"),
                      seconds=self.earlier_seconds)
        written = ", ".join(f"{k} {v}" for k, v in info.items())
        log.warning("resuming from %s after step %d of phase %r (written: %s)", self.path, saved["step"], phase,
                    written or "-")
        if info.get("git_commit") not in (None, self.info.get("git_commit")):
            log.warning("the checkpoint was written by commit %s; this run is commit %s",
                        info["git_commit"], self.info.get("git_commit"))
        loop = saved["loop"]
        return {"step": int(saved["step"]), "stale": loop["stale"], "records": _unpack(loop["records"]),
                "best": loop["best"]}

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every

    def save(self, phase: str, step: int, *, stale: list[int] | int, records: list[Record], best: dict | None) -> None:
        """Write the state after iteration ``step`` of ``phase`` atomically, with the loop's own state: its
        early-stopping counts, learning-curve records and :class:`~hexagan.replicas.replica.BestState`."""
        self._load()
        loop = {"stale": stale, "records": _pack(records), "best": best}
        payload = {"format": CHECKPOINT_FORMAT, "meta": self.meta,
                   "info": {**self.info, "at": time.strftime("%Y-%m-%d %H:%M:%S"),
                            "trained_seconds": round((self.earlier_seconds or 0.0) + time.monotonic() - self._born, 3)},
                   "phase": phase, "step": int(step), "loop": loop, "finished": self._finished,
                   "state": {name: obj.state_dict() for name, obj in self.objects.items()}}
        with atomic_path(self.path) as tmp:
            with open(tmp, "wb") as fh:
                torch.save(payload, fh)
                fh.flush()
                os.fsync(fh.fileno())
        self._last = time.monotonic()

    def finish(self, phase: str, records: list[Record]) -> None:
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
