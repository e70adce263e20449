"""What a training run scores and keeps besides its losses: validation sets, their metrics, snapshots.

* :class:`ValidationSet` -- the K validation parts of a replica fit (or the
  K monitored test folds), padded into tensors, with the RMSE of an
  imputation per replica.  HexaGAN and the neural baselines select their
  checkpoints on it (:mod:`hexagan.replicas.estimator`);
  :func:`carve_validation` holds one out of the training rows.
* :func:`scores` and :func:`validation_scores` -- HexaGAN's metrics of one
  such set, per replica, and the score its checkpoint selection minimises.
* :class:`Snapshots` -- HexaGAN's x̂, x̄, h and h_c of fixed rows at chosen
  iterations (the learning-dynamics figures).

Each set and the snapshots draw their fixed noise from a stream of their own
per replica (:func:`side_stream`, one salt each), so scoring never shifts the
training stream.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from hexagan.model.gan import HexaGAN, one_hot
from hexagan.replicas.replica import ReplicaRNG, salted_seeds
from hexagan.replicas.training import ReplicaData

# Salts that separate the noise of validation, of snapshots and of the monitored set from the training stream.
EVAL_SALT = 7919
SNAPSHOT_SALT = 7927
MONITOR_SALT = 7933
# Share of the observed entries of the held-out rows hidden as validation truth when an
# estimator carves its own validation part (the paper's rate).
VALIDATION_HIDE_SHARE = 0.2
# Probe rows, labeled rows and generated rows kept by a snapshot.
SNAPSHOT_PROBE_ROWS = 10
SNAPSHOT_HIDDEN_ROWS = 500
# Snapshot entries with one row per kept (labeled) row: padded to the largest replica's count.
_HIDDEN_KEYS = ("h_l", "y_l", "h_c", "y_c")


def side_stream(seeds: Sequence[int], salt: int) -> ReplicaRNG:
    """A random stream per replica seed, apart from the training stream ``ReplicaRNG(seeds)``."""
    return ReplicaRNG(salted_seeds(seeds, salt))


@dataclass
class ValidationSet:
    """K ``(X_val, X_val_true, y_val)`` sets, padded into tensors.

    x, m: [K, n, d] inputs, 0 where missing (m = 1 observed); truth: [K, n, d]
    true values; truth_mask: [K, n, d], 1 where an entry is hidden in x but
    known in truth (what the RMSE scores); y: long [K, n], class indices, -1
    where unlabeled or padding; z: [K, n, d] fixed U(0, 1) noise, so that every
    evaluation sees the same x̃; rows: [K, n], 1 for a real row, 0 for padding.
    Padding rows are all missing and never scored.
    """

    x: torch.Tensor
    m: torch.Tensor
    truth: torch.Tensor
    truth_mask: torch.Tensor
    y: torch.Tensor
    z: torch.Tensor
    rows: torch.Tensor

    @classmethod
    def from_sets(cls, sets: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray] | None], d: int,
                  seeds: Sequence[int], salt: int = EVAL_SALT) -> "ValidationSet":
        """Pad K ``(X_val, X_val_true, y_val)`` sets (None = no validation rows for that replica).

        ``y_val`` holds class indices (-1 = none), as the estimators' checks
        leave them.  The noise comes from :func:`side_stream` of ``seeds`` and
        ``salt`` (one per evaluated set).
        """
        k = len(sets)
        n = max([len(s[0]) for s in sets if s is not None] or [0])
        x, m, truth, tm = (torch.zeros(k, n, d) for _ in range(4))
        y = torch.full((k, n), -1, dtype=torch.long)
        real = torch.zeros(k, n)
        for r, s in enumerate(sets):
            if s is None:
                continue
            X_val, X_true, y_val = (np.asarray(a) for a in s)
            rows = len(X_val)
            real[r, :rows] = 1.0
            observed, known = ~np.isnan(X_val), ~np.isnan(X_true)
            x[r, :rows] = torch.from_numpy(np.where(observed, X_val, 0.0)).float()
            m[r, :rows] = torch.from_numpy(observed).float()
            truth[r, :rows] = torch.from_numpy(np.where(known, X_true, 0.0)).float()
            tm[r, :rows] = torch.from_numpy(~observed & known).float()
            y[r, :rows] = torch.from_numpy(np.asarray(y_val, dtype=np.int64))
        return cls(x, m, truth, tm, y, side_stream(seeds, salt).uniform(n, d), real)

    def to(self, device) -> "ValidationSet":
        return dataclasses.replace(self, **{f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(self)})

    def _squared_errors(self, imputed: torch.Tensor) -> torch.Tensor:
        return (imputed - self.truth) ** 2 * self.truth_mask

    def rmse(self, imputed: torch.Tensor) -> torch.Tensor:
        """Pooled RMSE over the hidden entries per replica, [K]; NaN for a replica with none.

        imputed : [K, n, d], an imputation of :attr:`x` (only its hidden entries are read).
        """
        hidden = self.truth_mask.sum((1, 2))
        return torch.where(hidden > 0, (self._squared_errors(imputed).sum((1, 2)) / hidden.clamp_min(1)).sqrt(),
                           torch.nan)

    def rmse_authors(self, imputed: torch.Tensor) -> torch.Tensor:
        """The authors' per-row RMSE averaged over every row, a row with nothing hidden counting as 0
        (:func:`hexagan.protocol.metrics.rmse_authors`), [K]."""
        per_row = (self._squared_errors(imputed).sum(2) / self.truth_mask.sum(2).clamp_min(1)).sqrt()
        n_rows = self.rows.sum(1)
        return torch.where(n_rows > 0, (per_row * self.rows).sum(1) / n_rows.clamp_min(1), torch.nan)

    def labeled(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
        """The labeled rows only, padded again: (x [K, n_l, d], y [K, n_l], valid [K, n_l]); None when a
        replica has none (a classifier trained on complete inputs sees x, missing entries 0)."""
        keep = self.y >= 0
        counts = keep.sum(1)
        if not bool((counts > 0).all()):
            return None
        k, n_l = len(counts), int(counts.max())
        x = torch.zeros(k, n_l, self.x.shape[2], device=self.x.device)
        y = torch.zeros(k, n_l, dtype=torch.long, device=self.x.device)
        valid = torch.zeros(k, n_l, device=self.x.device)
        for r in range(k):
            x[r, :counts[r]], y[r, :counts[r]], valid[r, :counts[r]] = self.x[r][keep[r]], self.y[r][keep[r]], 1.0
        return x, y, valid


def carve_validation(X: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """Hold out ``fraction`` of the rows (per label group) as a validation part.

    A ``VALIDATION_HIDE_SHARE`` of the held-out rows' observed entries is
    hidden and becomes the RMSE truth.  Returns ``(X_train, y_train,
    (X_val, X_val_true, y_val))``; the validation part is None when too few
    rows exist to hold any out.  ``y`` uses -1 for a missing label and is
    grouped by value, so every class keeps at least one training row.
    """
    rng = np.random.default_rng(seed)
    held = np.concatenate([rng.choice(np.flatnonzero(y == g), int(math.floor(fraction * np.sum(y == g))),
                                      replace=False) for g in np.unique(y)])
    if len(held) == 0 or len(held) == len(X):
        return X, y, None
    keep = np.setdiff1d(np.arange(len(X)), held)
    X_val_true = X[held]
    X_val = X_val_true.copy()
    X_val[~np.isnan(X_val) & (rng.random(X_val.shape) < VALIDATION_HIDE_SHARE)] = np.nan
    return X[keep], y[keep], (X_val, X_val_true, y[held])


def f1(pred: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Per-replica F1 over rows with y >= 0: of class 1 when binary, else macro.  [K, n] -> [K]."""
    valid = y >= 0
    per_class = []
    for c in range(n_classes):
        tp = ((pred == c) & (y == c) & valid).sum(1)
        wrong = ((pred == c) != (y == c)) & valid
        per_class.append(2 * tp / (2 * tp + wrong.sum(1)).clamp_min(1))
    out = per_class[1] if n_classes == 2 else torch.stack(per_class).mean(0)
    return torch.where(valid.any(1), out.float(), torch.nan)


@torch.no_grad()
def scores(model: HexaGAN, ev: ValidationSet) -> dict[str, torch.Tensor]:
    """Metrics of every replica of ``model`` on the rows of ``ev``, [K] each, on the CPU.

    rmse, rmse_authors: :meth:`ValidationSet.rmse` and
    :meth:`ValidationSet.rmse_authors` of x̂ (with an imputation part);
    log_loss, f1: over the labeled rows (classifier).
    """
    out = {}
    x_in = model.classifier_input(ev.x, ev.m, ev.z)
    if model.config["use_g_mi"]:
        out["rmse"] = ev.rmse(x_in)
        out["rmse_authors"] = ev.rmse_authors(x_in)
    if model.n_classes:
        proba = model.nets["classifier"](x_in)
        labeled = ev.y >= 0
        picked = proba.gather(-1, ev.y.clamp_min(0)[..., None])[..., 0].clamp_min(1e-12)
        nll = -(picked.log() * labeled).sum(1) / labeled.sum(1).clamp_min(1)
        out["log_loss"] = torch.where(labeled.any(1), nll, torch.nan)
        out["f1"] = f1(proba.argmax(-1), ev.y, model.n_classes)
    return {name: value.cpu() for name, value in out.items()}  # BestState keeps its scores on the CPU


def validation_scores(model: HexaGAN, ev: ValidationSet, validation_metric: str) -> dict[str, torch.Tensor]:
    """Validation metrics per replica, [K] each, and ``selection_score`` (lower is better).

    val_rmse (imputer and classifier), val_log_loss and val_f1 (classifier),
    from :func:`scores`.  The imputer selects on val_rmse, the classifier on
    ``validation_metric`` (:func:`selection_name`).
    """
    out = {f"val_{name}": value for name, value in scores(model, ev).items() if name != "rmse_authors"}
    if model.n_classes:
        out["selection_score"] = out["val_log_loss"] if validation_metric == "log_loss" else -out["val_f1"]
    else:
        out["selection_score"] = out["val_rmse"]
    return out


def selection_name(n_classes: int, validation_metric: str) -> str:
    """What ``selection_score`` is, for the progress bar."""
    if not n_classes:
        return "val_rmse"
    return "val_log_loss" if validation_metric == "log_loss" else "-val_f1"


class Snapshots:
    """x̂ and x̄ of the first training rows, h_l of up to 500 labeled (or any) rows and h_c generated for
    their labels, kept at the iterations ``steps`` (``taken``: step -> name -> [K, ...] CPU tensor).

    The rows and their noise are drawn once, from a stream of their own (``rng``), so every snapshot
    sees the same inputs.
    """

    def __init__(self, model: HexaGAN, data: ReplicaData, steps: Sequence[int], device: torch.device):
        self.model = model
        self.steps = {int(s) for s in steps}
        self.taken: dict[int, dict[str, torch.Tensor]] = {}
        self.rng = side_stream(model.seeds, SNAPSHOT_SALT)
        self._inputs = self._draw_inputs(data, device) if self.steps else None

    def _draw_inputs(self, data: ReplicaData, device: torch.device) -> dict[str, torch.Tensor]:
        k, d, n_classes = self.model.k, self.model.d, self.model.n_classes
        probe = torch.minimum(torch.arange(SNAPSHOT_PROBE_ROWS).expand(k, -1), (data.n - 1)[:, None])
        if n_classes:
            index, counts = data.labeled, data.n_labeled.clamp_max(SNAPSHOT_HIDDEN_ROWS)
        else:
            counts = data.n.clamp_max(SNAPSHOT_HIDDEN_ROWS)
            index = torch.arange(int(counts.max())).expand(k, -1)
        index = index[:, :int(counts.max())]
        x, m, _ = data.gather(probe.to(device))
        xh, mh, yh = data.gather(index.to(device))
        # each replica's noise for its own kept rows only: its h_c's noise does not depend on the others' counts
        return dict(x=x, m=m, z=self.rng.uniform(probe.shape[1], d).to(device), x_h=xh, m_h=mh, y_h=yh,
                    z_h=self.rng.uniform(counts, d).to(device),
                    z_c=self.rng.uniform(counts, self.model.config["z_dim"]).to(device), n_h=counts)

    @torch.no_grad()
    def take(self, s: int) -> None:
        """Store the snapshot of step ``s``."""
        p, model = self._inputs, self.model
        snap = {"n_hidden": p["n_h"].cpu()}
        if model.config["use_g_mi"]:
            x_hat, x_bar = model.impute_tensors(p["x"], p["m"], p["z"])
            snap |= {"x_hat": x_hat, "x_bar": x_bar, "h_l": model.encode_tensors(p["x_h"], p["m_h"], p["z_h"]),
                     "y_l": p["y_h"]}
        if model.config["use_g_cg"]:
            snap["h_c"] = model.generate_tensors(p["z_c"], one_hot(p["y_h"], model.n_classes))[0]
            snap["y_c"] = p["y_h"]
        self.taken[s] = {key: t.cpu() for key, t in snap.items()}


def replica_snapshots(taken: dict[int, dict[str, torch.Tensor]], r: int, until: int) -> dict:
    """Replica ``r``'s snapshots up to step ``until``: step -> name -> tensor, without padding rows."""
    def rows(key: str, t: torch.Tensor, snap: dict) -> torch.Tensor:
        return t[r, :int(snap["n_hidden"][r])] if key in _HIDDEN_KEYS else t[r]

    return {step: {key: rows(key, t, snap) for key, t in snap.items()} for step, snap in taken.items() if step <= until}
