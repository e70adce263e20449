"""Job files -> per-split values -> summaries; a job's extras; one provenance row per job file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CELL_COLUMNS = ("row", "paper_row", "label", "dataset", "mechanism", "rate", "panel", "param", "setting")


def collect(spec: dict) -> pd.DataFrame:
    """Every per-split value of an experiment: one row per (cell, repeat, fold, metric).

    ``spec`` is :meth:`Plan.experiment_spec`; each job file is read once.
    """
    cache: dict[str, pd.DataFrame] = {}
    parts = []
    for cell in spec["cells"]:
        if cell["run"] not in cache:
            cache[cell["run"]] = pd.read_csv(cell["run"], sep="\t")
        runs = cache[cell["run"]]
        part = runs[["repeat", "fold", "metric", "value"]].copy()
        for column in CELL_COLUMNS:
            part[column] = cell.get(column)
        part["rate"] = float(cell["rate"])
        if cell.get("metric"):  # sensitivity rows keep only their own metric
            part = part[part["metric"] == cell["metric"]]
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*CELL_COLUMNS, "repeat", "fold", "metric", "value"])
    return pd.concat(parts, ignore_index=True)


def summarize(values: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (ddof = 1, as over repeated runs) and count of every cell and metric."""
    keys = [c for c in (*CELL_COLUMNS, "metric") if c in values]
    grouped = values.groupby(keys, dropna=False, sort=False)["value"]
    out = grouped.agg(mean="mean", std=lambda v: v.std(ddof=1) if len(v) > 1 else 0.0, n="count").reset_index()
    return out


def read_extras(path: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def history_frame(extras: dict) -> pd.DataFrame:
    """The learning curves kept in a job's extras: columns step, name, value, repeat, fold (and phase)."""
    columns = ["step", "name", "value", "repeat", "fold"] + (["phase"] if "history/phase" in extras else [])
    if "history/step" not in extras:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({c: extras[f"history/{c}"] for c in columns})



PROVENANCE_COLUMNS = ["git_commit", "torch", "numpy", "sklearn", "python", "device", "subsample"]


def read_jobs(runs: list[str]) -> pd.DataFrame:
    """One row per job file: its first row's identity and provenance (every row of a job carries them),
    and ``splits``, the number of (repeat, fold) pairs it scored."""
    wanted = {"dataset", "mechanism", "rate", "label", "repeat", "fold", "threads", "wall_seconds", *PROVENANCE_COLUMNS}
    rows = []
    for path in runs:
        frame = pd.read_csv(path, sep="\t", usecols=lambda c: c in wanted)
        if frame.empty:  # a job that scored no split: only its file names it
            rows.append({"label": Path(path).stem, "splits": 0})
            continue
        rows.append({**frame.iloc[0].drop(["repeat", "fold"]).to_dict(),
                     "splits": len(frame[["repeat", "fold"]].drop_duplicates())})
    return pd.DataFrame(rows)
