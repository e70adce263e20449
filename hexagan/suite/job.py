"""One training job (rule ``run``): every split of one (dataset, mechanism, rate, label), with provenance.

What the rows depend on is the job's spec (:meth:`hexagan.suite.plan.Plan.job_spec`); what they record beside
the numbers (git commit, library versions, device, wall time) is its provenance.
"""
from __future__ import annotations

import functools
import importlib.metadata
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hexagan import methods as registry
from hexagan import protocol
from hexagan.io import atomic_path, checkpointing, keep, kept, kept_resume, write_table
from hexagan.protocol.splits import make_splits
from hexagan.suite.config import canonical_json, config_hash, import_plugins
from hexagan.suite.data import load


def _describe_resume(r: dict) -> str:
    before = "time before not recorded" if r["seconds"] is None else f"{r['seconds']:.0f} s before"
    what = r["file"] if r["step"] is None else f"{r['file']} after step {r['step']}"
    return f"{what} (written at {r['commit'] or 'an unknown commit'}, {before})"


def git_commit() -> str:
    """The checkout's commit as run files record it: ``+dirty`` when code differs from it, "unknown" without git."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        # Rendered outputs are not code: a table re-rendered while a job trains must not mark it dirty.
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!results", ":!figures"], capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_version(package: str) -> str:
    """An installed package's version as run files record it ("absent" when it is not installed)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _method_class(name: str):
    """The registry class, with a clear error when its implementation is not importable."""
    try:
        return registry.get(name)
    except ImportError as err:
        raise registry.MethodError(
            f"method {name!r} is in the registry but its implementation cannot be imported ({err}); "
            f"it may not be written yet -- remove its labels from the config's experiments or add the module"
        ) from err


def _device_of(cls, params: dict) -> str:
    """The device a job trains on, for the provenance columns."""
    device = params.get("device")
    if device is None:
        return "cpu"
    if device == "auto":
        torch = sys.modules.get("torch")
        return "cuda" if torch is not None and torch.cuda.is_available() else "cpu"
    return str(device)


class _Recorder:
    """``on_fit`` hook of :func:`hexagan.protocol.run`: keeps curves, snapshots and samples of the fits."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.curves: list[pd.DataFrame] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.params: dict[tuple[int, int], str] = {}  # (repeat, fold) -> the fitted estimator's get_params(deep=True)
        self.index = 0

    def __call__(self, est, sd) -> None:
        i, self.index = self.index, self.index + 1
        split = dict(repeat=sd.split.repeat, fold=sd.split.fold)
        self.params[(sd.split.repeat, sd.split.fold)] = canonical_json(est.get_params(deep=True))
        if self.spec.get("history"):
            curves = getattr(est, "history_", None)
            if curves is None:
                raise RuntimeError(f"{type(est).__name__} has no history_: no learning curves to keep")
            curves = pd.DataFrame(curves)
            if "replica" in curves and curves["replica"].nunique() > 1:
                curves = curves[curves["replica"] == i]
            self.curves.append(curves.drop(columns="replica", errors="ignore").assign(**split))
        if i > 0:
            return  # snapshots and samples come from the first split only
        if self.spec.get("snapshots"):
            snaps = getattr(est, "snapshots_", None)
            if not snaps:
                raise RuntimeError(f"{type(est).__name__} kept no snapshots_: set its snapshot_steps parameter")
            rows = self.spec["snapshot_rows"]
            for step, arrays in sorted(snaps.items()):
                for name, value in arrays.items():
                    value = _to_numpy(value)
                    self.arrays[f"snapshot/{int(step)}/{name}"] = value[:rows] if value.ndim else value
            self.arrays["data/x_true"] = sd.X_train_true[:rows].astype(np.float32)
            self.arrays["data/x_missing"] = sd.X_train[:rows].astype(np.float32)
            self.arrays["data/image_shape"] = np.asarray(self.spec.get("image_shape") or (), dtype=int)
        n = self.spec["samples_per_class"]
        if n:
            model = getattr(est, "model_", None)
            if model is None or not hasattr(model, "sample"):
                raise RuntimeError(f"{type(est).__name__} has no model_.sample(n, y): cannot draw class-conditional samples")
            y = np.repeat(np.arange(sd.n_classes), n)
            out = model.sample(len(y), y)
            arrays = out if isinstance(out, dict) else {"x": out}
            for name, value in arrays.items():
                value = _to_numpy(value)
                self.arrays[f"samples/{name}"] = value[0] if value.ndim == 3 and value.shape[1] == len(y) else value
            self.arrays["samples/y"] = y

    def mark(self) -> tuple[int, int, set, set]:
        return self.index, len(self.curves), set(self.arrays), set(self.params)

    def since(self, mark: tuple[int, int, set, set]) -> dict:
        """What the fits since ``mark`` added (saved with their split, :meth:`restore`-d on a rerun)."""
        index, n, keys, splits = mark
        return dict(fits=self.index - index, curves=self.curves[n:],
                    arrays={k: v for k, v in self.arrays.items() if k not in keys},
                    params={k: v for k, v in self.params.items() if k not in splits})

    def restore(self, recorded: dict) -> None:
        self.curves += recorded["curves"]
        self.arrays.update(recorded["arrays"])
        self.params.update(recorded.get("params", {}))  # absent from splits kept before it was recorded
        self.index += recorded["fits"]

    def extras(self) -> dict[str, np.ndarray]:
        out = dict(self.arrays)
        if self.curves:
            curves = pd.concat(self.curves, ignore_index=True)
            for column in ("step", "repeat", "fold", "value"):
                out[f"history/{column}"] = curves[column].to_numpy()
            for column in ("name", "phase"):  # text as unicode arrays, not objects: loadable without pickle
                if column in curves:
                    out[f"history/{column}"] = np.asarray(curves[column].astype(str).tolist(), dtype=str)
        return out


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    return value.astype(np.float32) if value.dtype.kind == "f" else value


def _run_split_by_split(run, splits, recorder: _Recorder, directory: Path, *, every: float, job_hash: str,
                        commit: str) -> tuple[pd.DataFrame, list[dict]]:
    """The rows of a method fitted split by split, each split's saved as soon as it is scored.

    A job of such a method (MICE: 16 CPU-hours on madelon) is 50 short runs, not one long one: a rerun of a
    killed job reads the splits already done (their rows, and what ``recorder`` kept of them) and fits the
    others, each under its own checkpoint folder, so that a neural method's in-training checkpoints never
    belong to another split.  Splits are independent (each is seeded from its own split), so the rows are
    those of one uninterrupted run.  Returns (rows, what was resumed, for the provenance).
    """
    rows, resumed, done = [], [], []
    for split in splits:
        name = f"r{split.repeat}-f{split.fold}"
        part = kept(directory / f"{name}.pkl")  # the folder is the job's config hash: a changed job never reads it
        if part is not None:
            recorder.restore(part["recorded"])
            rows.append(part["rows"])
            done.append(part)
            continue
        start, mark = time.perf_counter(), recorder.mark()
        with checkpointing(directory / name, every=every, meta={"config_hash": job_hash},
                           info={"git_commit": commit}) as block:
            part = run(repeats=[split.repeat], folds=[split.fold])
        resumed += [{**r, "file": f"{name}/{r['file']}"} for r in block.resumed]
        seconds = time.perf_counter() - start + sum(r["seconds"] or 0 for r in block.resumed)
        keep(directory / f"{name}.pkl", dict(commit=commit, seconds=seconds, rows=part, recorded=recorder.since(mark)))
        rows.append(part)
    if done:
        resumed.insert(0, kept_resume(f"{len(done)} of {len(splits)} splits", done))
    return pd.concat(rows, ignore_index=True), resumed


def run_job(spec: dict, mask_files: list[str] | None = None, *, threads: int = 1, checkpoints=None,
            checkpoint_every: float = 300.0) -> tuple[pd.DataFrame, dict]:
    """Train every split of one job; return (tidy results with provenance, extras arrays).

    Parameters
    ----------
    spec : dict
        :meth:`Plan.job_spec` (dataset, method, params, protocol, ...).
    mask_files : list of str, optional
        The saved masks of the job's repeats (``repeatN.npz``); masks not given
        are drawn, identical to the saved ones.
    threads : int
        Torch threads, when the method uses torch.
    checkpoints : path, optional
        A folder (the workflow's: :data:`hexagan.suite.constants.CHECKPOINTS_PATH` under ``output_dir``)
        where the job's training runs save their state every
        ``checkpoint_every`` seconds (:func:`hexagan.io.checkpointing`), in a
        subfolder named by the job's config hash, so that a changed job never
        resumes a stale state; a method fitted split by split also saves each
        split there once scored (:func:`_run_split_by_split`).  A rerun of a
        killed job resumes from it (and logs that it did) and gives the numbers
        of an uninterrupted run; the subfolder is removed once the job has
        succeeded.  None: no checkpoints.
    """
    start = time.perf_counter()
    commit = git_commit()  # now, not when the rows are written: the checkout may move on during a long job
    import_plugins(spec.get("plugins"))
    cls = _method_class(spec["method"])
    params = dict(spec["params"])
    valid = cls().get_params(deep=False) if hasattr(cls, "get_params") else {}
    if "device" in valid and "device" not in params:
        params["device"] = spec["device"]
    if "n_threads" in valid and params.get("n_threads") is None:
        params["n_threads"] = max(1, int(threads))  # not in the spec: threads do not change results
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(max(1, int(threads)))
    ds, splits, masks = _data(spec, mask_files)
    proto = spec["protocol"]
    recorder = _Recorder({**spec, "image_shape": ds.image_shape})
    job_hash = spec.get("config_hash") or config_hash(spec)
    job_checkpoints = None if checkpoints is None else Path(checkpoints) / job_hash
    run = functools.partial(
        protocol.run, ds, spec["method"], params, mechanism=spec["mechanism"], rate=spec["rate"],
        label_rate=proto.get("label_rate"), n_repeats=proto["n_repeats"], n_folds=proto["n_folds"],
        val_fraction=proto["val_fraction"], scaling=proto["scaling"], seed=spec["seed"], masks=masks,
        train_rmse=proto["train_rmse"], selection=proto["selection"], on_fit=recorder,
        # Only audit overlays carry it: a key in every protocol would change every published job's spec.
        **({"monitor_every": proto["monitor_every"]} if "monitor_every" in proto else {}),
    )
    resumed: list[dict] = []
    if job_checkpoints is None:
        results = run(repeats=proto.get("repeats"), folds=proto.get("folds"))
    elif hasattr(cls, "fit_replicas"):
        with checkpointing(job_checkpoints, every=checkpoint_every, meta={"config_hash": job_hash},
                           info={"git_commit": commit}) as block:
            results = run(repeats=proto.get("repeats"), folds=proto.get("folds"))
        resumed = block.resumed
    else:
        results, resumed = _run_split_by_split(run, splits, recorder, job_checkpoints, every=checkpoint_every,
                                               job_hash=job_hash, commit=commit)
    if job_checkpoints is not None:
        shutil.rmtree(job_checkpoints, ignore_errors=True)  # the splits and fits it kept; stray temporaries
    results.insert(2, "label", spec["label"])
    provenance = {
        "config_hash": job_hash,
        "params": canonical_json(spec["params"]),
        "seed": spec["seed"],
        "subsample": spec.get("subsample") or "",
        "subsample_features": spec.get("subsample_features") or "",
        "n_rows": len(ds.y),
        "git_commit": commit,
        "torch": package_version("torch"),
        "numpy": package_version("numpy"),
        "sklearn": package_version("scikit-learn"),
        "python": platform.python_version(),
        "device": _device_of(cls, params),
        "threads": threads,
        # A resumed job's cost includes what its killed runs had trained up to their last checkpoints.
        "wall_seconds": round(time.perf_counter() - start + sum(r["seconds"] or 0 for r in resumed), 3),
    }
    if proto.get("name"):
        provenance["protocol"] = proto["name"]  # an overlay (the audit); the honest jobs' rows stay as they were
    if resumed:  # like protocol: only the rows of jobs that resumed get the column
        provenance["resumed"] = "; ".join(_describe_resume(r) for r in resumed)
    results = results.assign(**provenance)
    # Per split: what it was trained and scored on (hexagan.suite.compare refuses to pair splits whose
    # fingerprints differ) and every parameter its fitted estimator had, not only the spec's overrides.
    splits_of_rows = list(zip(results["repeat"], results["fold"]))
    fingerprints = _fingerprints(splits, masks)
    results["data_fingerprint"] = [fingerprints[key] for key in splits_of_rows]
    results["effective_params"] = [recorder.params.get(key, "") for key in splits_of_rows]
    return results, recorder.extras()


def _data(spec: dict, mask_files: list[str] | None):
    """A job's dataset, its splits and their masks by repeat (the saved ones; any other drawn, identical)."""
    ds = load(spec["dataset"], data_dir=spec.get("data_dir"), options=spec.get("options"), n=spec.get("subsample"),
              features=spec.get("subsample_features"), seed=spec["seed"])
    proto = spec["protocol"]
    splits = make_splits(ds.y, n_repeats=proto["n_repeats"], n_folds=proto["n_folds"],
                         val_fraction=proto["val_fraction"], seed=spec["seed"], repeats=proto.get("repeats"),
                         folds=proto.get("folds"))
    saved = {int(Path(path).stem.removeprefix("repeat")): protocol.load_masks(path) for path in mask_files or []}
    masks = protocol.fill_masks(ds, saved, {s.repeat for s in splits}, mechanism=spec["mechanism"],
                                rate=spec["rate"], label_rate=proto.get("label_rate"), seed=spec["seed"])
    return ds, splits, masks


def split_fingerprints(spec: dict, mask_files: list[str] | None = None) -> dict[tuple[int, int], str]:
    """(repeat, fold) -> :func:`hexagan.protocol.fingerprint` of a job's splits, computed without training: what
    its run file's ``data_fingerprint`` holds, and how a run file written before that column is checked."""
    _, splits, masks = _data(spec, mask_files)
    return _fingerprints(splits, masks)


def _fingerprints(splits, masks) -> dict[tuple[int, int], str]:
    return {(s.repeat, s.fold): protocol.fingerprint(masks[s.repeat], s) for s in splits}


def run_job_to_files(spec: dict, mask_files: list[str], tsv: str, extras: str, *, threads: int = 1, checkpoints=None,
                     checkpoint_every: float = 300.0) -> None:
    """:func:`run_job`, writing its two outputs atomically (rule ``run``)."""
    results, arrays = run_job(spec, mask_files, threads=threads, checkpoints=checkpoints,
                              checkpoint_every=checkpoint_every)
    with atomic_path(extras) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    write_table(tsv, results)

