"""Atomic file writing: nothing half-written is ever left as a result.

Also where the training runs of a job find their checkpoint directory
(:func:`checkpointing`): here rather than in :mod:`hexagan.replicas.checkpoint`, so that
a job of a method without torch never imports it.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates the file private (0600); a result should get the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path, text: str) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)


def write_table(path, df) -> None:
    """Write a DataFrame as CSV (or Parquet/TSV by suffix) atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False, sep="\t" if path.suffix == ".tsv" else ",")


@dataclass
class _Checkpointing:
    directory: Path
    every: float
    meta: dict
    info: dict
    fits: int = 0  # checkpointed training runs started so far in the block: they name the files
    resumed: list[dict] = field(default_factory=list)  # what the block's runs resumed (record_resume)


_CHECKPOINTING: contextvars.ContextVar[_Checkpointing | None] = contextvars.ContextVar("hexagan_checkpointing",
                                                                                      default=None)


@contextlib.contextmanager
def checkpointing(directory, *, every: float = 300.0, meta: dict | None = None, info: dict | None = None):
    """Let every training run inside the block checkpoint into ``directory`` and resume from it.

    The path of a checkpoint is where a job runs, not what it computes, so it
    is no estimator parameter and no argument threaded through every
    ``fit``: a run that supports it (:class:`hexagan.model.algorithm.HexaGANCore`, the
    neural baselines' :class:`baselines.neural.NetworkEstimator`) asks for its
    file when it starts (:meth:`hexagan.replicas.checkpoint.Checkpointer.from_context`).
    The n-th such run of the block gets ``fit{n}.pt``: a job fits in a fixed
    order, so a rerun of a killed job finds each run's own file.  ``every``:
    seconds of wall time between two saves (0: after every step).  ``meta``
    (e.g. the job's config hash) must match for a saved state to be resumed;
    ``info`` (e.g. the git commit) is only reported when a run resumes.
    Yields the block's state, whose ``resumed`` lists what its runs resumed
    (:func:`record_resume`), for the job's provenance.
    """
    plan = _Checkpointing(Path(directory), float(every), dict(meta or {}), dict(info or {}))
    token = _CHECKPOINTING.set(plan)
    try:
        yield plan
    finally:
        _CHECKPOINTING.reset(token)


def record_resume(**what) -> None:
    """Note in the current :func:`checkpointing` block that a run resumed (file, step, commit, seconds trained
    before); nothing outside a block."""
    plan = _CHECKPOINTING.get()
    if plan is not None:
        plan.resumed.append(what)


def next_checkpoint() -> tuple[Path, float, dict, dict] | None:
    """(path, every, meta, info) for the training run starting now, or None outside :func:`checkpointing`."""
    plan = _CHECKPOINTING.get()
    if plan is None:
        return None
    n, plan.fits = plan.fits, plan.fits + 1
    return plan.directory / f"fit{n}.pt", plan.every, {**plan.meta, "fit": n}, dict(plan.info)


def keep(path, obj) -> None:
    """Pickle ``obj`` to ``path`` atomically: what a long job has finished so far (read back with :func:`kept`)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        pickle.dump(obj, fh)


def kept(path):
    """What :func:`keep` saved at ``path``, or None."""
    path = Path(path)
    if not path.is_file():
        return None
    with open(path, "rb") as fh:
        return pickle.load(fh)


def kept_resume(what: str, done: list[dict]) -> dict:
    """The :func:`record_resume` fields for the parts of a job (each ``{"commit", "seconds", ...}``) that a
    rerun read back with :func:`kept`: the commits that wrote them and the seconds they had cost."""
    return dict(file=what, step=None, commit=", ".join(sorted({part["commit"] for part in done if part["commit"]})) or None,
                seconds=sum(part["seconds"] for part in done))


def saved_fits(fit, tasks: list) -> list:
    """``[fit(task) for task in tasks]``, each result kept on disk inside a :func:`checkpointing` block.

    For a stage of a job fitted task by task (a cascade's MICE stage: ~1 CPU-hour on credit) that is one
    training run to the block -- it takes the next run's slot, so the runs after it keep their files --
    but saves each fitted estimator as soon as it is fitted (``fit{n}/task{i}.pkl``); a rerun of a killed
    job loads those instead of fitting them again.  Tasks are fitted from their own seeds, so the results
    are those of an uninterrupted loop.  The files stay until the job removes its whole folder.

    A checkpointed run inside ``fit`` (a neural stage fitted clone by clone) gets its files in the task's
    own block (``fit{n}/task{i}/``): numbered in the outer block, a rerun that loads the first tasks would
    hand the next task's run the file of an earlier task's.
    """
    slot = next_checkpoint()
    if slot is None:
        return [fit(task) for task in tasks]
    path, every, meta, info = slot
    folder = path.with_suffix("")
    out, loaded = [], []
    for i, task in enumerate(tasks):
        saved = folder / f"task{i}.pkl"
        done = kept(saved)
        if done is not None:
            loaded.append(done)
        else:
            start = time.perf_counter()
            with checkpointing(folder / f"task{i}", every=every, meta={**meta, "task": i}, info=info) as inner:
                done = dict(fitted=fit(task), commit=info.get("git_commit"))
            for what in inner.resumed:
                record_resume(**what)
            done["seconds"] = time.perf_counter() - start
            keep(saved, done)
        out.append(done["fitted"])
    if loaded:
        record_resume(**kept_resume(f"{folder.name}: {len(loaded)} of {len(tasks)} fits", loaded))
    return out
