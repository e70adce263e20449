"""A fingerprint of what the neural methods fit, to show that a refactoring changed no number (run by hand).

Fits HexaGAN (imputer and classifier: one ``fit`` with an ``eval_set``, early
stopping and a monitored set, one with a carved validation part, one
``fit_replicas`` of 3 tasks, save/load) and the neural baselines (gain,
autoencoder, triplegan, cs, smote, a gain+smote+triplegan cascade) with fixed
seeds and budgets of a few dozen iterations on one thread, on a slice of
breast with 20 % MCAR entries and 30 % of the labels missing, and prints a
sha256 per fit of every fitted attribute (network weights, ``history_``,
snapshots, selected steps, seeds, ...) and of its predictions or
imputations, then one over them all.  Run it before and after a change that
must not move any number: the lines must be byte-identical.

    HEXAGAN_DATA=... .venv/bin/python bench/identity_fingerprint.py

A change that renames or adds a fitted attribute changes its fits' lines
without moving a number; ``--skip NAME ...`` leaves those attributes out, and
running this file against the code before the change shows the rest equal
(``PYTHONPATH=<an export of the old commit> python bench/identity_fingerprint.py
--skip ...``: issue 25 renamed GAIN's ``data_span_`` to ``data_range_``).
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from hexagan import methods, protocol
from hexagan.data import load_dataset
from hexagan.methods import FitTask
from hexagan.protocol.missingness import apply_mask, element_mask, label_mask

ROWS, VAL, TEST = 200, 40, 60


def digest(value, h) -> None:
    """Feed ``value`` (tensors, arrays, frames, modules, containers, scalars) into ``h`` exactly."""
    if isinstance(value, torch.nn.Module):
        value = value.state_dict()
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes())
    elif isinstance(value, np.ndarray):
        h.update(f"A{value.dtype}{value.shape}".encode())
        h.update(value.tobytes() if value.dtype != object else repr(value.tolist()).encode())
    elif isinstance(value, pd.DataFrame):
        for column in value.columns:
            h.update(f"C{column}".encode())
            digest(value[column].to_numpy(), h)
    elif isinstance(value, dict):
        for key in sorted(value, key=repr):
            h.update(f"K{key!r}".encode())
            digest(value[key], h)
    elif isinstance(value, (list, tuple)):
        h.update(f"L{len(value)}".encode())
        for v in value:
            digest(v, h)
    else:
        h.update(f"V{value!r}".encode())


def fitted_state(est, skip=frozenset()) -> dict:
    """Every fitted attribute (name ending in ``_``) but those in ``skip``, nested estimators' included."""
    out = {k: v for k, v in vars(est).items() if k.endswith("_") and not k.startswith("_") and k not in skip}
    for k, v in vars(est).items():
        if hasattr(v, "get_params") and not k.startswith("_"):
            out[k] = fitted_state(v, skip)
    return out


def fingerprint(est, X_test, skip=frozenset()) -> str:
    h = hashlib.sha256()
    digest(fitted_state(est, skip), h)
    if hasattr(est, "predict_proba"):
        digest(est.predict_proba(X_test), h)
        digest(est.predict(X_test), h)
    if hasattr(est, "transform"):
        digest(est.transform(X_test), h)
    if hasattr(est, "impute"):
        digest(est.impute(X_test), h)
    return h.hexdigest()


def data():
    ds = load_dataset("breast")
    X = ds.X[:ROWS + VAL + TEST]
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    X_miss = apply_mask(X, element_mask(X, "mcar", 0.2, seed=1))
    y_true = ds.y[:len(X)]
    y = np.where(label_mask(len(X), 0.3, seed=2), y_true, -1)
    tr, va, te = slice(0, ROWS), slice(ROWS, ROWS + VAL), slice(ROWS + VAL, None)
    eval_set = (X_miss[va], X[va], y_true[va])
    monitor_set = (X_miss[te], X[te], y_true[te])
    return X_miss[tr], y[tr], eval_set, monitor_set, X_miss[te]


def tasks(X, y, eval_set, monitor_set=None):
    """Three tasks of different row subsets (as the splits of one job), seeds 3, 4, 5."""
    return [FitTask(X=X[r:ROWS - 10 + r], y=y[r:ROWS - 10 + r], eval_set=eval_set, seed=3 + r,
                    monitor_set=monitor_set) for r in range(3)]


HEXAGAN = dict(max_steps=30, eval_every=5, early_stopping=True, n_iter_no_change=2, monitor_every=5,
               snapshot_steps=(0, 10), n_critic=2, batch_size=16, device="cpu", n_threads=1)
FITS = {
    # tol: replicas stop early at different steps, or not at all
    "hexagan_imputer": {**HEXAGAN, "tol": 0.003},
    "hexagan": {**HEXAGAN, "tol": 0.03, "n_cg": 2, "warmup_epochs": 0.2},
    "gain": dict(max_steps=40, batch_size=32, log_every=5, device="cpu"),
    "autoencoder": dict(max_steps=40, batch_size=32, eval_every=5, log_every=5, device="cpu"),
    "triplegan": dict(max_steps=40, batch_size=32, eval_every=5, log_every=5, class_weight="balanced",
                      device="cpu"),
    "cs": dict(max_steps=40, batch_size=32, eval_every=5, log_every=5, device="cpu"),
    "smote": dict(max_steps=40, batch_size=32, eval_every=5, log_every=5, device="cpu"),
    "gain+smote+triplegan": dict(imputer__max_steps=30, classifier__max_steps=30, classifier__eval_every=5,
                                 device="cpu"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip", nargs="*", default=[], help="fitted attributes to leave out")
    skip = frozenset(parser.parse_args().skip)
    torch.set_num_threads(1)
    X, y, eval_set, monitor_set, X_test = data()
    lines = []
    for name, params in FITS.items():
        cls = methods.get(name)
        label = y if cls.kind == "classifier" else None
        params = protocol.method_params(name, params)  # as the benchmark builds it
        est = methods.create(name, **params, random_state=0)
        kwargs = {"eval_set": eval_set} if getattr(cls, "uses_validation", False) else {}
        if getattr(cls, "monitors", False):
            kwargs["monitor_set"] = monitor_set
        est.fit(X, label, **kwargs) if label is not None else est.fit(X, **kwargs)
        lines.append((f"{name} fit", fingerprint(est, X_test, skip)))
        if getattr(cls, "monitors", False):  # carved validation part, and a save/load round trip
            carved = methods.create(name, **params, random_state=1, validation_fraction=0.2)
            carved.fit(X, label) if label is not None else carved.fit(X)
            lines.append((f"{name} carved", fingerprint(carved, X_test, skip)))
            with tempfile.TemporaryDirectory() as tmp:
                est.save(Path(tmp) / "est.pt")
                lines.append((f"{name} loaded", fingerprint(type(est).load(Path(tmp) / "est.pt"), X_test, skip)))
        if hasattr(est, "fit_replicas"):
            fitted = est.fit_replicas(tasks(X, label if label is not None else y, eval_set,
                                            monitor_set if getattr(cls, "monitors", False) else None))
            for r, one in enumerate(fitted):
                lines.append((f"{name} replica {r}", fingerprint(one, X_test, skip)))
    total = hashlib.sha256()
    for what, value in lines:
        print(f"{what:32s} {value}")
        total.update(value.encode())
    print(f"{'all':32s} {total.hexdigest()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
