"""HexaGAN's training procedure (appendix Algorithm 2), for K replicas at once.

:class:`HexaGAN` holds the six networks of K replicas and the inference
operations (impute, encode, classify, sample); :class:`HexaGANCore` trains
them.  One iteration (``HexaGANCore.step``) is:

1. missing-data imputation: ``n_critic`` updates of D_MI on
   L_DMI + L_DMI^{d+1} + lambda1 L_GP_MI (Eqs. 4, 14, 6; plus the label
   column's penalty, below), then one update of
   E and G_MI on L_GMI + alpha1 L_recon (Eqs. 3, 5);
2. conditional generation, ``n_cg`` times: ``n_critic`` updates of D_CG on
   L_DCG + lambda2 L_GP_CG (Eqs. 8, 9), then one of G_CG on
   L_GCG + alpha2 L_GMI(x̂_c) + alpha3 L_CE(x̂_c, y_c) (Eqs. 7, 3, 10);
3. semi-supervised classification: one update of C on Eq. (15), its labeled
   rows topped up with G_CG -> G_MI rows of the minority classes so that the
   batch is class-balanced (Sec. 3.3.2).

Where the paper is silent we follow the authors' public code
(shinyflight/HexaGAN): RMSProp, learning rate 2e-4 for the GAN networks and
2e-3 for C, each decayed by (1 - 1e-5) per iteration; a labeled batch of 64
and an unlabeled batch scaled by the unlabeled/labeled ratio; G_CG's noise
z ~ U(0, 1) with as many entries as the data (z_dim = d); the class labels
for G_CG's rows are those of a labeled batch (so D_CG compares h_l and h_c
under the same label mix); D_MI's update also sees one generated row per
labeled row, all of whose d+1 elements are fake; C's loss carries an L2
penalty 0.001 * ||θ_C||² / 2 (``c_l2``).

Departures from the paper's letter and from that code, each for a reason:

* **Pseudo-labels are C's probabilities.**  The authors feed
  ``round(C(x̂_u))`` to D_MI, whose gradient with respect to C is zero, so
  their C never receives Eq. (13) and the label discriminator cannot improve
  the classifier as Theorem 2 describes.  We feed the probability vector,
  so Eq. (13) reaches C (``tests/test_losses.py`` checks both).
* **The label column is regularised.**  Once Eq. (13) reaches C, the label
  column of D_MI is a Wasserstein critic of C's output, and Eq. (6) (which
  stops at d) leaves it unregularised: its scale, and C's adversarial loss
  with it, grew without bound (0.03 -> 6.5 within 300 iterations on breast).
  We add the same zero-centred penalty on the labeled rows, with respect to
  (x̂, y) (:func:`hexagan.losses.penalty_zero_centred_label`), weighted by
  lambda1 ("gp" and "wc" treat the column alike).
* **Eqs. (3)-(4) as printed**, E[(1 - m_i) D_i] - E[m_i D_i], not as
  Theorem 1 is proved and the authors' code computes them (conditional
  means, ``adversarial_loss="conditional"``).  The printed form lets D_MI's
  scores drift without bound (wine: the critic loss reached -4 000 in 3 000
  iterations; the conditional one stayed near 0), yet on the validation parts
  of breast and wine (``bench/validation_study.py``, 8 000 iterations) the two
  impute alike: RMSE 0.1061 vs 0.1062 and 0.1837 vs 0.1854.
* **D_CG's losses use its pre-sigmoid score**, as the authors' code does:
  see :class:`hexagan.networks.ConditionalDiscriminator`.
* **E and G_MI take one joint step** on their common loss; Algorithm 2 (and
  the authors' code) step E, then G_MI on a loss recomputed after E's step.
* **Warm-up.**  The authors first train only the discriminators for 60
  epochs, on the gradient penalties alone at 10x the learning rate.  Our
  ``warmup_epochs`` (in epochs of the labeled rows; 0 by default, as in
  Algorithm 2) runs discriminator-only updates on their full losses at the
  usual rate: a penalty alone only flattens a critic.

Losses are summed over replicas before backpropagation, so each replica
receives exactly its own gradient (:mod:`hexagan.replica`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from hexagan import losses, penalties
from hexagan.networks import (
    Classifier,
    ConditionalDiscriminator,
    ConditionalGenerator,
    Encoder,
    ImputationDiscriminator,
    ImputationGenerator,
)
from hexagan.replica import BestState, ReplicaRNG
from hexagan.checkpoint import Checkpointer, fingerprint
from hexagan.training import ReplicaData, batched, make_optimizer, optimizer_step, train_loop

# Default dimension of G_CG's noise for the conv networks (the paper gives
# none; for tabular data the authors' code uses z_dim = d).
CONV_Z_DIM = 100
# Training losses are recorded every LOG_EVERY iterations (validation metrics at each evaluation).
LOG_EVERY = 10
# Rows imputed per forward pass at inference.
INFERENCE_CHUNK = 8192
# Probe rows, labeled rows and generated rows kept by a snapshot.
SNAPSHOT_PROBE_ROWS = 10
SNAPSHOT_HIDDEN_ROWS = 500
# Salts that separate the noise of validation and of snapshots from the training stream.
_EVAL_SALT = 7919
_SNAPSHOT_SALT = 7927
MONITOR_SALT = 7933


def _side_stream(seeds: Sequence[int], salt: int) -> ReplicaRNG:
    return ReplicaRNG([int(s) * 1_000_003 + salt for s in seeds])


@dataclass(frozen=True)
class Adversarial:
    """One adversarial loss family: the critic's, the generators' and the classifier's (Eq. 13) side."""

    critic: Callable[..., torch.Tensor]
    generator: Callable[..., torch.Tensor]
    classifier: Callable[..., torch.Tensor]


ADVERSARIAL_LOSSES = {
    "hexagan": Adversarial(losses.loss_d_mi, losses.loss_g_mi, losses.loss_c_adversarial),
    "conditional": Adversarial(losses.loss_d_mi_conditional, losses.loss_g_mi_conditional,
                               losses.loss_c_adversarial),
    "gain": Adversarial(losses.loss_d_gain, losses.loss_g_gain, losses.loss_c_gain),
}


@dataclass(frozen=True)
class Regularizer:
    """A discriminator regulariser of appendix C.1.

    ``elementwise(critic, real, fake, mask, eps, columns)`` regularises D_MI
    and ``single(critic, real, fake, mask, eps)`` D_CG (both return [K]);
    ``clip`` is the weight-clipping bound applied after each discriminator
    update; ``interpolates`` says whether ``eps`` ~ U(0, 1) must be drawn;
    ``samples_columns`` whether ``elementwise`` can estimate its sum over
    output columns from sampled ``columns`` (``penalty_columns``).
    """

    elementwise: Callable[..., torch.Tensor]
    single: Callable[..., torch.Tensor]
    clip: float | None = None
    interpolates: bool = False
    samples_columns: bool = False


def _no_penalty(critic, real, fake, mask, eps, columns=None):
    return torch.zeros(real.shape[0], device=real.device)


def _critic(net: nn.Module, closure: Callable, extra: torch.Tensor | None = None, outputs: slice = slice(None)):
    """A discriminator as the regularisers see it: ``closure``, or the same function as a
    :class:`~hexagan.penalties.ReluMLPCritic` of ``net`` (inputs concat(v, extra), columns ``outputs``)
    when ``net`` is a ReLU MLP.  Then "zc" computes its penalties in closed form: a few batched matmuls
    instead of a backward pass per output column and a double backward, which took most of an iteration.
    The conv D_MI keeps autograd."""
    return penalties.ReluMLPCritic(net, extra, outputs) if penalties.closed_form_applies(net) else closure


def _zc_elementwise(critic, real, fake, mask, eps, columns=None):
    how = penalties if isinstance(critic, penalties.ReluMLPCritic) else losses  # same value, see _critic
    return how.penalty_zero_centred_elementwise(critic, real, mask, columns=columns)


def _zc_single(critic, real, fake, mask, eps):
    how = penalties if isinstance(critic, penalties.ReluMLPCritic) else losses
    return how.penalty_zero_centred(critic, real, mask[..., 0])


REGULARIZERS = {
    "zc": Regularizer(elementwise=_zc_elementwise, single=_zc_single, samples_columns=True),
    "gp": Regularizer(
        elementwise=lambda critic, real, fake, mask, eps, columns=None: losses.penalty_gradient(
            critic, real, fake, eps, mask.shape[-1]),
        single=lambda critic, real, fake, mask, eps: losses.penalty_gradient(critic, real, fake, eps, 1),
        interpolates=True,
    ),
    "wc": Regularizer(elementwise=_no_penalty, single=_no_penalty, clip=0.01),
}

SELECTIONS = ("validation", "per_network", "last")
VALIDATION_METRICS = ("log_loss", "f1")


def lookup(table: dict, name: str, what: str):
    """``table[name]``, or a ValueError listing the valid names."""
    try:
        return table[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {what} {name!r}; choose one of {sorted(table)}") from None


@dataclass(frozen=True)
class TrainConfig:
    """Every training setting of HexaGAN; the estimators expose each as a parameter.

    Weights: ``lambda1`` (Eq. 6), ``lambda2`` (Eq. 9), ``alpha1`` (Eq. 5),
    ``alpha2`` (Eq. 3 on generated rows), ``alpha3`` (Eq. 10), ``alpha4``
    (Eq. 13); no penalty weight includes R1's 1/2.  ``max_steps`` counts
    iterations of Algorithm 2 after ``warmup_epochs`` epochs (of the labeled
    rows; of all rows for the imputer) of discriminator-only updates.

    ``c_l2``: weight of an L2 penalty on C's parameters, c_l2 * ||θ_C||² / 2
    (``tf.nn.l2_loss``), added to Eq. (15) as the authors' code does with
    0.001.  ``penalty_columns``: output columns of D_MI whose Eq. (6) terms
    are computed per D_MI update, "auto" (all when d <= 64, else 32), None
    (all: exact) or an int (sampled per step and replica, scaled by d / n:
    an unbiased estimate; see :func:`hexagan.losses.resolve_penalty_columns`).
    ``selection``: "validation" keeps every network at the step of the best
    validation score; "per_network" keeps C at its best ``validation_metric``
    and the imputation networks (E, G_MI, D_MI, with G_CG, D_CG) at their
    best validation RMSE; "last" keeps the final step.

    ``early_stopping``: stop training once ``n_iter_no_change`` validations in
    a row have not lowered the selection score (validation RMSE for the
    imputer, ``validation_metric`` for the classifier) by more than ``tol``;
    per replica, each keeping what a run of its own would
    (:func:`hexagan.training.train_loop`).  It needs a selection other than
    "last"; without validation rows it warns and runs ``max_steps``, which
    is otherwise a ceiling.

    ``monitor_every``: with a monitored set (the audit gives the test fold),
    score it every this many iterations into the learning curves
    (``test_*``), as the authors' code does every 10 epochs; it never selects
    anything here (0: off).  ``lr_cg``: learning rate of G_CG and D_CG (None:
    ``lr_gan``; the authors' code uses 0.1 x ``lr_gan``).
    """

    lambda1: float = losses.WEIGHTS["lambda1"]
    lambda2: float = losses.WEIGHTS["lambda2"]
    alpha1: float = losses.WEIGHTS["alpha1"]
    alpha2: float = losses.WEIGHTS["alpha2"]
    alpha3: float = losses.WEIGHTS["alpha3"]
    alpha4: float = losses.WEIGHTS["alpha4"]
    c_l2: float = 1e-3  # the authors' code; on breast validation it is neutral (see the commit message)
    lr_gan: float = 2e-4
    lr_c: float = 2e-3
    lr_cg: float | None = None
    decay: float = 1e-5
    batch_size: int = 64
    n_critic: int = 5
    n_cg: int = 10
    regularizer: str = "zc"
    penalty_columns: int | str | None = "auto"
    optimizer: str = "rmsprop"
    adversarial_loss: str = "hexagan"
    max_steps: int = 2000
    eval_every: int = 100
    monitor_every: int = 0
    warmup_epochs: float = 0.0
    selection: str = "validation"
    validation_metric: str = "log_loss"
    early_stopping: bool = False
    n_iter_no_change: int = 10
    tol: float = 1e-4
    snapshot_steps: tuple[int, ...] = ()
    verbose: bool = False

    def __post_init__(self):
        lookup(ADVERSARIAL_LOSSES, self.adversarial_loss, "adversarial_loss")
        lookup(REGULARIZERS, self.regularizer, "regularizer")
        lookup(dict.fromkeys(SELECTIONS), self.selection, "selection")
        lookup(dict.fromkeys(VALIDATION_METRICS), self.validation_metric, "validation_metric")
        for name in ("batch_size", "n_critic", "n_cg", "eval_every", "n_iter_no_change"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_steps < 0 or self.warmup_epochs < 0 or self.monitor_every < 0:
            raise ValueError("max_steps, warmup_epochs and monitor_every must be >= 0")
        if self.c_l2 < 0 or self.tol < 0:
            raise ValueError(f"c_l2 and tol must be >= 0, got {self.c_l2} and {self.tol}")
        if self.early_stopping and self.selection == "last":
            raise ValueError("early_stopping stops on the validation score: it needs selection 'validation' or "
                             "'per_network', not 'last'")
        losses.resolve_penalty_columns(self.penalty_columns, 1)  # validates the setting


def _one_hot(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Long labels [K, B] (-1 allowed, gives zeros) -> float one-hot [K, B, n_classes]."""
    return nn.functional.one_hot(y.clamp_min(0), n_classes).float() * (y >= 0)[..., None]


class HexaGAN(nn.Module):
    """The six networks of K replicas and what a fitted HexaGAN can do.

    Parameters
    ----------
    d : number of features.
    n_classes : number of classes; 0 builds the imputation part only
        (E, G_MI, D_MI), as :class:`~hexagan.estimators.HexaGANImputer` uses.
    seeds : one seed per replica (initial weights).
    architecture : "mlp" (appendix B.3) or "conv" (Table 2, 28x28 images).
    z_dim : size of G_CG's noise; default d ("mlp", as the authors' code) or
        :data:`CONV_Z_DIM` ("conv").
    use_g_mi : False gives Table 2's "MLP" row: C on uniform-noise-filled
        data (Eq. 1), no E, G_MI, D_MI -- and hence no G_CG and no label
        discriminator.
    use_g_cg : class-balancing conditional generation (G_CG, D_CG).
    use_label_discriminator : D_MI's label column d+1 (Eqs. 13-14).
    fill_noise : the missing slots of x̃ get z ~ U(0, fill_noise): 1 as Eq. (1)
        and the authors' code; GAIN fills with U(0, 0.01).

    The flags are normalised (``config`` holds what was built).  The numpy
    methods (:meth:`impute`, :meth:`encode`, :meth:`predict_proba`,
    :meth:`sample`) need a single replica: use :meth:`replica` first.
    """

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], architecture: str = "mlp",
                 z_dim: int | None = None, use_g_mi: bool = True, use_g_cg: bool = True,
                 use_label_discriminator: bool = True, fill_noise: float = 1.0):
        super().__init__()
        if not 0 <= fill_noise <= 1:
            raise ValueError(f"fill_noise must be in [0, 1] (the data are scaled to [0, 1]), got {fill_noise!r}")
        if n_classes == 0 and not use_g_mi:
            raise ValueError("an imputation-only HexaGAN (n_classes=0) needs use_g_mi=True")
        use_g_cg = bool(use_g_cg and use_g_mi and n_classes > 0)
        use_label_discriminator = bool(use_label_discriminator and use_g_mi and n_classes > 0)
        if z_dim is None:
            z_dim = CONV_Z_DIM if architecture == "conv" else d
        self.config = dict(d=int(d), n_classes=int(n_classes), architecture=architecture, z_dim=int(z_dim),
                           use_g_mi=bool(use_g_mi), use_g_cg=use_g_cg,
                           use_label_discriminator=use_label_discriminator, fill_noise=float(fill_noise))
        self.seeds = [int(s) for s in seeds]
        common = dict(d=d, n_classes=n_classes, seeds=self.seeds, architecture=architecture)
        nets: dict[str, nn.Module] = {}
        if use_g_mi:
            nets["encoder"] = Encoder(**common)
            nets["g_mi"] = ImputationGenerator(**common)
            nets["d_mi"] = ImputationDiscriminator(**common, label_column=use_label_discriminator)
        if use_g_cg:
            nets["g_cg"] = ConditionalGenerator(**common, z_dim=z_dim)
            nets["d_cg"] = ConditionalDiscriminator(**common)
        if n_classes > 0:
            nets["classifier"] = Classifier(**common)
        self.nets = nn.ModuleDict(nets)

    @property
    def k(self) -> int:
        return len(self.seeds)

    @property
    def d(self) -> int:
        return self.config["d"]

    @property
    def n_classes(self) -> int:
        return self.config["n_classes"]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    # -- tensor operations, [K, B, ...] ------------------------------------------------
    def impute_tensors(self, x: torch.Tensor, m: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(x̂, x̄) for data x, mask m (1 = observed) and noise z ~ U(0, 1), all [K, B, d] (Eqs. 1-2)."""
        x_bar = self.nets["g_mi"](self.encode_tensors(x, m, z))
        return losses.combine(x, m, x_bar), x_bar

    def noise_filled(self, x: torch.Tensor, m: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """x̃ (Eq. 1) from z ~ U(0, 1), scaled to U(0, fill_noise)."""
        return losses.noise_fill(x, m, self.config["fill_noise"] * z)

    def encode_tensors(self, x: torch.Tensor, m: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """h = E(x̃, m), [K, B, hidden]."""
        return self.nets["encoder"](self.noise_filled(x, m, z), m)

    def classifier_input(self, x: torch.Tensor, m: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """What C sees: x̂, or x̃ (Eq. 1) for the MLP ablation."""
        if self.config["use_g_mi"]:
            return self.impute_tensors(x, m, z)[0]
        return self.noise_filled(x, m, z)

    def generate_tensors(self, z: torch.Tensor, y_onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(h_c, x̂_c) = (G_CG(z, y_c), G_MI(h_c)): a generated row imputes every element."""
        h_c = self.nets["g_cg"](z, y_onehot)
        return h_c, self.nets["g_mi"](h_c)

    # -- numpy interface of one replica ---------------------------------------------------
    def replica(self, index: int) -> "HexaGAN":
        """A one-replica HexaGAN holding a copy of replica ``index``'s weights."""
        view = HexaGAN(**self.config, seeds=[self.seeds[index]]).to(self.device)
        view.load_state_dict({name: t[index:index + 1].detach().clone() for name, t in self.state_dict().items()})
        return view

    def _check_single(self) -> None:
        if self.k != 1:
            raise ValueError(f"this HexaGAN holds {self.k} replicas; take one with .replica(index)")

    @torch.no_grad()
    def _map_rows(self, X: np.ndarray, seed: int, fn: Callable) -> np.ndarray:
        """Apply ``fn(x, m, z)`` to ``X`` (NaN = missing) in chunks of rows; noise from ``seed``."""
        self._check_single()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.d:
            raise ValueError(f"X must have shape (n, {self.d}), got {X.shape}")
        rng = ReplicaRNG([seed])
        out = []
        for rows in batched(len(X), INFERENCE_CHUNK):
            observed = ~np.isnan(X[rows])
            x = torch.from_numpy(np.where(observed, X[rows], 0.0)).float()[None].to(self.device)
            m = torch.from_numpy(observed).float()[None].to(self.device)
            out.append(fn(x, m, rng.uniform(*x.shape[1:]).to(self.device))[0].cpu().double().numpy())
        width = out[0].shape[1] if out else 0
        return np.concatenate(out) if out else np.empty((0, width))

    def impute(self, X: np.ndarray, seed: int = 0) -> np.ndarray:
        """x̂ of ``X`` (NaN = missing): observed entries exactly as given, missing ones from G_MI.

        The float64 input is combined with the float32 generator output, so
        observed values are never rounded.
        """
        if not self.config["use_g_mi"]:
            raise ValueError("this HexaGAN was built with use_g_mi=False and cannot impute")
        X = np.asarray(X, dtype=np.float64)
        x_bar = self._map_rows(X, seed, lambda x, m, z: self.impute_tensors(x, m, z)[1])
        return np.where(np.isnan(X), x_bar, X)

    def encode(self, X: np.ndarray, seed: int = 0) -> np.ndarray:
        """h = E(x̃, m) of every row of ``X``, shape (n, hidden)."""
        return self._map_rows(X, seed, self.encode_tensors)

    def predict_proba(self, X: np.ndarray, seed: int = 0) -> np.ndarray:
        """C's class probabilities for ``X``, shape (n, n_classes)."""
        if self.n_classes == 0:
            raise ValueError("this HexaGAN has no classifier (n_classes=0)")
        return self._map_rows(X, seed, lambda x, m, z: self.nets["classifier"](self.classifier_input(x, m, z)))

    @torch.no_grad()
    def sample(self, n: int, y, seed: int = 0) -> np.ndarray:
        """``n`` rows generated for class index ``y`` (an int or n ints): G_MI(G_CG(z, y)), shape (n, d)."""
        self._check_single()
        if not self.config["use_g_cg"]:
            raise ValueError("this HexaGAN has no conditional generator (use_g_cg=False)")
        y = torch.as_tensor(np.broadcast_to(np.asarray(y, dtype=np.int64), (n,)).copy())
        if ((y < 0) | (y >= self.n_classes)).any():
            raise ValueError(f"class indices must lie in 0..{self.n_classes - 1}")
        z = ReplicaRNG([seed]).uniform(n, self.config["z_dim"]).to(self.device)
        _, x_c = self.generate_tensors(z, _one_hot(y[None].to(self.device), self.n_classes))
        return x_c[0].cpu().double().numpy()


@dataclass
class Batch:
    """One batch per replica: labeled rows first (``n_labeled`` of them), then unlabeled ones.

    x, m, z: [K, B, d]; y: long [K, B] (-1 for unlabeled rows); m_y: [K, B]
    label mask (None for the imputer); weight: [K, B], 0 for padding rows of
    a replica whose pool is empty.
    """

    x: torch.Tensor
    m: torch.Tensor
    y: torch.Tensor
    m_y: torch.Tensor | None
    weight: torch.Tensor
    z: torch.Tensor
    n_labeled: int


@dataclass
class EvalData:
    """The validation rows of K replicas, padded.

    x, m: [K, n, d] inputs (m = 1 observed); truth: [K, n, d] true values;
    truth_mask: [K, n, d], 1 where an entry is hidden in x but known in truth
    (scored for RMSE); y: long [K, n], -1 where unlabeled or padding; z: fixed
    noise so that every evaluation sees the same x̃; rows: [K, n], 1 for a
    real row, 0 for padding.
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
                  seeds: Sequence[int], salt: int = _EVAL_SALT) -> "EvalData":
        """Pad K ``(X_val, X_val_true, y_val)`` sets (None = no validation rows for that replica).

        The fixed noise comes from a stream of its own per seed (and ``salt``:
        one per evaluated set), so validating never shifts the training stream.
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
        return cls(x, m, truth, tm, y, _side_stream(seeds, salt).uniform(n, d), real)

    def to(self, device) -> "EvalData":
        return dataclasses.replace(self, **{f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(self)})


def _f1(pred: torch.Tensor, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Per-replica F1 over rows with y >= 0: of class 1 when binary, else macro.  [K, n] -> [K]."""
    valid = y >= 0
    scores = []
    for c in range(n_classes):
        tp = ((pred == c) & (y == c) & valid).sum(1)
        wrong = ((pred == c) != (y == c)) & valid
        scores.append(2 * tp / (2 * tp + wrong.sum(1)).clamp_min(1))
    f1 = scores[1] if n_classes == 2 else torch.stack(scores).mean(0)
    return torch.where(valid.any(1), f1.float(), torch.nan)


@dataclass
class FitResult:
    """What training leaves: the model (K replicas), learning curves, snapshots, chosen steps."""

    model: HexaGAN
    history: pd.DataFrame
    snapshots: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)
    best_step: torch.Tensor | None = None
    best_step_imputation: torch.Tensor | None = None  # selection="per_network": the imputation networks' steps
    n_iter: torch.Tensor | None = None  # [K] iterations each replica trained: its early stop, else max_steps


class HexaGANCore:
    """Trains a :class:`HexaGAN` of K replicas by Algorithm 2.

    Parameters
    ----------
    model : the networks (moved to ``device``).
    data : the K training sets; labels -1 = missing (all -1 for the imputer).
    config : :class:`TrainConfig`.
    eval_data : validation rows (None: no validation, ``selection`` is then "last").
    monitor_data : rows scored every ``config.monitor_every`` iterations
        into the learning curves and never used for selection (the audit's
        test fold; None or ``monitor_every = 0``: none).
    device : torch device.

    ``step(s)`` is one iteration (for :func:`hexagan.training.train_loop`),
    ``evaluate()`` the validation metrics, ``fit()`` the whole run;
    ``state_dict()`` / ``load_state_dict()`` what a checkpoint keeps of it.
    """

    DISCRIMINATORS = ("d_mi", "d_cg")

    def __init__(self, model: HexaGAN, data: ReplicaData, config: TrainConfig, *, eval_data: EvalData | None = None,
                 monitor_data: EvalData | None = None, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.model = model.to(self.device)
        self.data = data.to(self.device)
        self.config = config
        self.net_config = model.config
        self.k = model.k
        self.rng = ReplicaRNG(model.seeds)
        self.snapshot_rng = _side_stream(model.seeds, _SNAPSHOT_SALT)
        self.eval_data = eval_data.to(self.device) if eval_data is not None else None
        if config.early_stopping and (eval_data is None or not eval_data.x.shape[1]):
            warnings.warn("early_stopping without validation rows (too few rows to hold any out): training runs "
                          "all max_steps iterations", UserWarning, stacklevel=2)
        watch = monitor_data is not None and config.monitor_every > 0 and monitor_data.x.shape[1] > 0
        self.monitor_data = monitor_data.to(self.device) if watch else None
        self.monitored: list[tuple[int, dict[str, torch.Tensor]]] = []
        self._step = 0
        self.adversarial = lookup(ADVERSARIAL_LOSSES, config.adversarial_loss, "adversarial_loss")
        self.regularizer = lookup(REGULARIZERS, config.regularizer, "regularizer")
        self.n_classes = model.n_classes
        self.batch = int(config.batch_size)
        self.penalty_columns = (losses.resolve_penalty_columns(config.penalty_columns, model.d)
                                if self.regularizer.samples_columns else None)
        labeled = data.n_labeled.clamp_min(1).double()
        # The authors scale the unlabeled batch by the unlabeled/labeled ratio.  Shapes are shared
        # by the replicas, so the largest ratio sets it; likewise the largest set sets the warm-up
        # length.  A replica therefore equals its lone run when these round alike, as they do for
        # the splits of one job (their sizes differ by a few rows).
        self.batch_unlabeled = int(round(self.batch * float((data.n_unlabeled / labeled).max()))) \
            if self.n_classes else 0
        epoch_rows = int((data.n_labeled if self.n_classes else data.n).max())
        self.warmup_steps = int(math.ceil(config.warmup_epochs * math.ceil(epoch_rows / self.batch)))
        groups = {"d_mi": ["d_mi"], "eg": ["encoder", "g_mi"], "d_cg": ["d_cg"], "g_cg": ["g_cg"],
                  "c": ["classifier"]}
        self.groups = {g: names for g, names in groups.items() if all(n in model.nets for n in names)}
        self.optimizers = {
            g: make_optimizer(config.optimizer, [p for n in names for p in model.nets[n].parameters()],
                              self._learning_rate(g), decay=config.decay)
            for g, names in self.groups.items()
        }
        self.snapshot_steps = {int(s) for s in config.snapshot_steps}
        self.snapshots: dict[int, dict[str, torch.Tensor]] = {}
        self._probe = self._snapshot_inputs() if self.snapshot_steps else None

    def _learning_rate(self, group: str) -> float:
        if group == "c":
            return self.config.lr_c
        if group in ("d_cg", "g_cg") and self.config.lr_cg is not None:
            return self.config.lr_cg
        return self.config.lr_gan

    # -- batches -------------------------------------------------------------------------
    def _uniform(self, *shape: int) -> torch.Tensor:
        return self.rng.uniform(*shape).to(self.device)

    def _draw(self, labeled_only: bool = False) -> Batch:
        """A training batch: for a classifier, labeled rows then unlabeled rows; else any rows."""
        data = self.data
        if not self.n_classes:
            x, m, y = data.gather(data.rows(self.rng, self.batch).to(self.device))
            weight = torch.ones(self.k, self.batch, device=self.device)
            return Batch(x, m, y, None, weight, self._uniform(self.batch, self.net_config["d"]), 0)
        parts = [(data.labeled, data.n_labeled, self.batch)]
        if not labeled_only and self.batch_unlabeled:
            parts.append((data.unlabeled, data.n_unlabeled, self.batch_unlabeled))
        rows = torch.cat([data.rows(self.rng, size, index, counts) for index, counts, size in parts], dim=1)
        weight = torch.cat([(counts > 0).float()[:, None].expand(-1, size) for _, counts, size in parts], dim=1)
        weight = weight.to(self.device)
        x, m, y = data.gather(rows.to(self.device))
        m_y = torch.zeros_like(weight)
        m_y[:, :self.batch] = 1.0
        return Batch(x, m, y, m_y, weight, self._uniform(rows.shape[1], self.net_config["d"]), self.batch)

    def _draw_labels(self) -> torch.Tensor:
        """Labels of a labeled batch, [K, B]: the classes G_CG generates for."""
        rows = self.data.rows(self.rng, self.batch, self.data.labeled, self.data.n_labeled)
        return torch.gather(self.data.y, 1, rows.to(self.device))

    def _critic_labels(self, batch: Batch, x_hat: torch.Tensor) -> torch.Tensor | None:
        """D_MI's label input: one-hot real labels, C's probabilities as pseudo-labels (Sec. 3.3.1)."""
        if not self.net_config["use_label_discriminator"]:
            return None
        y = _one_hot(batch.y[:, :batch.n_labeled], self.n_classes)
        if x_hat.shape[1] == batch.n_labeled:
            return y
        return torch.cat([y, self.model.nets["classifier"](x_hat[:, batch.n_labeled:])], dim=1)

    def _generated(self, y: torch.Tensor, decode: bool = True) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """(h_c, x̂_c, one-hot y_c) for labels y [K, G], from fresh noise; x̂_c is None unless ``decode``
        (D_CG sees h_c only: G_MI's pass would be thrown away)."""
        y_onehot = _one_hot(y, self.n_classes)
        z = self._uniform(y.shape[1], self.net_config["z_dim"])
        if not decode:
            return self.model.nets["g_cg"](z, y_onehot), None, y_onehot
        h_c, x_c = self.model.generate_tensors(z, y_onehot)
        return h_c, x_c, y_onehot

    # -- the update pattern shared by every network ----------------------------------------
    def _update(self, group: str, terms: Callable[[], tuple[torch.Tensor, dict[str, torch.Tensor]]]
                ) -> dict[str, torch.Tensor]:
        """One optimiser step of ``group`` on ``terms()`` -> (total [K], named terms [K]).

        Only the group's parameters require gradients meanwhile, so a loss
        never leaves gradients on another network (e.g. Eq. 3 on D_MI).
        """
        names = self.groups[group]
        self._require_grad(names)
        total, named = terms()
        optimizer_step(total.sum(), self.optimizers[group])
        if self.regularizer.clip is not None and group in self.DISCRIMINATORS:
            for name in names:
                losses.clip_weights_(self.model.nets[name], self.regularizer.clip)
        return {key: value.detach() for key, value in named.items()}

    def _require_grad(self, names: Sequence[str]) -> None:
        """``requires_grad_(name in names)`` on every network, flipping only the parameters that differ: as
        ``nn.Module.requires_grad_`` on each network, without walking the modules at each of the 67 updates
        of an iteration (~0.1 ms each)."""
        if getattr(self, "_net_params", None) is None:
            self._net_params = {name: list(net.parameters()) for name, net in self.model.nets.items()}
        for name, params in self._net_params.items():
            flag = name in names
            for p in params:
                if p.requires_grad is not flag:
                    p.requires_grad_(flag)

    # -- the terms of each update (Algorithm 2) --------------------------------------------
    def _d_mi_terms(self):
        """Eqs. (4) + (14) + lambda1 (6), on real rows and (with G_CG) generated rows."""
        built, d_mi = self.net_config, self.model.nets["d_mi"]
        b = self._draw()
        with torch.no_grad():
            x_hat, _ = self.model.impute_tensors(b.x, b.m, b.z)
            y_in = self._critic_labels(b, x_hat)
            x_all, m_all, m_y_all, y_all, w_all = x_hat, b.m, b.m_y, y_in, b.weight
            if built["use_g_cg"]:
                labeled = b.y[:, :b.n_labeled]
                _, x_c, y_c = self._generated(labeled)
                gen_w = b.weight[:, :b.n_labeled]
                x_all = torch.cat([x_hat, x_c], 1)
                m_all = torch.cat([b.m, torch.zeros_like(x_c)], 1)
                w_all = torch.cat([b.weight, gen_w], 1)
                if y_in is not None:
                    y_all = torch.cat([y_in, y_c], 1)
                    m_y_all = torch.cat([b.m_y, torch.zeros_like(gen_w)], 1)
        label_mask = m_y_all if built["use_label_discriminator"] else None
        adversarial = self.adversarial.critic(d_mi(x_all, y_all), m_all, label_mask, w_all)
        eps = self._uniform(x_hat.shape[1], 1) if self.regularizer.interpolates else None
        columns = None
        if self.penalty_columns is not None:  # drawn per replica from its own stream
            columns = losses.sample_columns(self._uniform(built["d"]), self.penalty_columns)
        critic = _critic(d_mi.net, lambda v: d_mi(v, y_in), y_in)
        penalty = self.regularizer.elementwise(critic, x_hat, x_hat.roll(1, dims=1), b.m * b.weight[..., None], eps,
                                               columns)
        named = {"d_mi": adversarial, "penalty_mi": penalty}
        if built["use_label_discriminator"]:
            pair = torch.cat([x_hat, y_in], dim=-1)
            label_critic = _critic(d_mi.net, lambda v: d_mi(v[..., :built["d"]], v[..., built["d"]:])[..., -1:],
                                   outputs=slice(-1, None))
            named["penalty_label"] = self.regularizer.single(label_critic, pair, pair.roll(1, dims=1),
                                                             (b.m_y * b.weight)[..., None], eps)
            penalty = penalty + named["penalty_label"]
        return adversarial + self.config.lambda1 * penalty, named

    def _eg_terms(self):
        """Eqs. (3) + alpha1 (5), for E and G_MI."""
        b = self._draw()
        x_hat, x_bar = self.model.impute_tensors(b.x, b.m, b.z)
        with torch.no_grad():
            y_in = self._critic_labels(b, x_hat)
        scores = self.model.nets["d_mi"](x_hat, y_in)[..., :self.net_config["d"]]
        adversarial = self.adversarial.generator(scores, b.m, None, b.weight)
        recon = losses.loss_recon(b.x, b.m, x_bar, b.weight)
        return adversarial + self.config.alpha1 * recon, {"g_mi": adversarial, "recon": recon}

    def _d_cg_terms(self):
        """Eqs. (8) + lambda2 (9): real (h_l, y_l) against (G_CG(z, y_l), y_l)."""
        b = self._draw(labeled_only=True)
        with torch.no_grad():
            h_l = self.model.encode_tensors(b.x, b.m, b.z)
            h_c, _, y_onehot = self._generated(b.y, decode=False)
        d_cg = self.model.nets["d_cg"]
        critic = _critic(d_cg.net, lambda h: d_cg.logits(h, y_onehot), y_onehot)
        adversarial = losses.loss_d_cg(critic(h_c), critic(h_l), b.weight)
        eps = self._uniform(self.batch, 1) if self.regularizer.interpolates else None
        penalty = self.regularizer.single(critic, h_l, h_c, b.weight[..., None], eps)
        return adversarial + self.config.lambda2 * penalty, {"d_cg": adversarial, "penalty_cg": penalty}

    def _g_cg_terms(self):
        """Eqs. (7) + alpha2 (3) + alpha3 (10); the generated rows' d+1 labels for D_MI are all 0."""
        y_c = self._draw_labels()
        h_c, x_c, y_onehot = self._generated(y_c)
        adversarial = losses.loss_g_cg(self.model.nets["d_cg"].logits(h_c, y_onehot))
        d_mi = self.model.nets["d_mi"]
        fake = torch.zeros_like(x_c)
        label_mask = fake[..., 0] if self.net_config["use_label_discriminator"] else None
        imputation = self.adversarial.generator(d_mi(x_c, y_onehot if d_mi.takes_label else None), fake, label_mask)
        ce = losses.loss_ce_generated(self.model.nets["classifier"].logits(x_c), y_c)
        total = adversarial + self.config.alpha2 * imputation + self.config.alpha3 * ce
        return total, {"g_cg": adversarial, "g_cg_mi": imputation, "ce_generated": ce}

    def _c_terms(self):
        """Eq. (15): CE over labeled (+ class-balancing generated) rows + alpha4 Eq. (13)."""
        built, classifier = self.net_config, self.model.nets["classifier"]
        b = self._draw(labeled_only=not built["use_label_discriminator"])
        n_l = b.n_labeled
        with torch.no_grad():
            x_in = self.model.classifier_input(b.x, b.m, b.z)
            x_rows, y_rows, w_rows = x_in[:, :n_l], b.y[:, :n_l], b.weight[:, :n_l]
            if built["use_g_cg"]:
                y_gen, w_gen = losses.class_balance(y_rows, w_rows, self.n_classes)
                _, x_gen, _ = self._generated(y_gen)
                x_rows, y_rows, w_rows = (torch.cat(p, 1) for p in ((x_rows, x_gen), (y_rows, y_gen), (w_rows, w_gen)))
        named = {}
        l_c = None
        if built["use_label_discriminator"] and x_in.shape[1] > n_l:
            x_u = x_in[:, n_l:]
            l_c = self.adversarial.classifier(self.model.nets["d_mi"](x_u, classifier(x_u))[..., -1], b.weight[:, n_l:])
            named["c_adversarial"] = l_c
        total = losses.loss_classifier(classifier.logits(x_rows), y_rows, w_rows, l_c, alpha4=self.config.alpha4)
        named["c"] = total
        if self.config.c_l2:
            l2 = sum(p.pow(2).flatten(1).sum(1) for p in classifier.parameters()) / 2
            named["c_l2"] = l2
            total = total + self.config.c_l2 * l2
        return total, named

    # -- iterations ----------------------------------------------------------------------
    def step(self, s: int) -> dict[str, torch.Tensor]:
        """One iteration of Algorithm 2; returns the last value of each loss term, [K] each."""
        built, logs = self.net_config, {}
        self._step = s
        if built["use_g_mi"]:
            for _ in range(self.config.n_critic):
                logs |= self._update("d_mi", self._d_mi_terms)
            logs |= self._update("eg", self._eg_terms)
        if built["use_g_cg"]:
            for _ in range(self.config.n_cg):
                for _ in range(self.config.n_critic):
                    logs |= self._update("d_cg", self._d_cg_terms)
                logs |= self._update("g_cg", self._g_cg_terms)
        if self.n_classes:
            logs |= self._update("c", self._c_terms)
        for optimizer in self.optimizers.values():
            optimizer.decay_lr()
        if s in self.snapshot_steps:
            self._snapshot(s)
        if self.monitor_data is not None and s % self.config.monitor_every == 0:
            self.monitor(s)
        return logs

    def warmup_step(self, s: int) -> dict[str, torch.Tensor]:
        """One discriminator-only update of D_MI and D_CG on their full losses."""
        logs = {}
        if "d_mi" in self.groups:
            logs |= self._update("d_mi", self._d_mi_terms)
        if "d_cg" in self.groups:
            logs |= self._update("d_cg", self._d_cg_terms)
        return logs

    # -- validation and snapshots ----------------------------------------------------------
    @torch.no_grad()
    def scores(self, ev: EvalData) -> dict[str, torch.Tensor]:
        """Metrics of every replica on the rows of ``ev``, [K] each.

        rmse: pooled RMSE over the hidden-but-known entries; rmse_authors: the
        authors' per-row RMSE averaged over every row, a row with nothing
        hidden counting as 0 (:func:`hexagan.metrics.rmse_authors`);
        log_loss, f1: over the labeled rows (classifier).
        """
        model, out = self.model, {}
        x_in = model.classifier_input(ev.x, ev.m, ev.z)
        if self.net_config["use_g_mi"]:
            per_entry = (x_in - ev.truth) ** 2 * ev.truth_mask
            hidden = ev.truth_mask.sum((1, 2))
            out["rmse"] = torch.where(hidden > 0, (per_entry.sum((1, 2)) / hidden.clamp_min(1)).sqrt(), torch.nan)
            per_row = (per_entry.sum(2) / ev.truth_mask.sum(2).clamp_min(1)).sqrt()
            n_rows = ev.rows.sum(1)
            out["rmse_authors"] = torch.where(n_rows > 0, (per_row * ev.rows).sum(1) / n_rows.clamp_min(1), torch.nan)
        if self.n_classes:
            proba = model.nets["classifier"](x_in)
            labeled = ev.y >= 0
            picked = proba.gather(-1, ev.y.clamp_min(0)[..., None])[..., 0].clamp_min(1e-12)
            nll = -(picked.log() * labeled).sum(1) / labeled.sum(1).clamp_min(1)
            out["log_loss"] = torch.where(labeled.any(1), nll, torch.nan)
            out["f1"] = _f1(proba.argmax(-1), ev.y, self.n_classes)
        return {name: value.cpu() for name, value in out.items()}  # BestState keeps its scores on the CPU

    def evaluate(self) -> dict[str, torch.Tensor]:
        """Validation metrics per replica, [K] each, and ``selection_score`` (lower is better).

        val_rmse (imputer and classifier), val_log_loss and val_f1
        (classifier), from :meth:`scores` on the validation rows.  The imputer
        selects on val_rmse, the classifier on ``validation_metric``.
        """
        out = {f"val_{name}": value for name, value in self.scores(self.eval_data).items() if name != "rmse_authors"}
        if self.n_classes:
            metric = self.config.validation_metric
            out["selection_score"] = out["val_log_loss"] if metric == "log_loss" else -out["val_f1"]
        else:
            out["selection_score"] = out["val_rmse"]
        return out

    @property
    def _selection_name(self) -> str:
        """What ``selection_score`` is, for the progress bar."""
        if not self.n_classes:
            return "val_rmse"
        return "val_log_loss" if self.config.validation_metric == "log_loss" else "-val_f1"

    def monitor(self, s: int) -> None:
        """Score the monitored set (the audit's test fold) at step ``s``; it selects nothing."""
        self.monitored.append((s, {f"test_{name}": value for name, value in self.scores(self.monitor_data).items()}))

    def _snapshot_inputs(self) -> dict[str, torch.Tensor]:
        """Fixed inputs of the snapshots: the first training rows and up to 500 labeled (or any) rows."""
        data, d = self.data, self.net_config["d"]
        probe = torch.minimum(torch.arange(SNAPSHOT_PROBE_ROWS).expand(self.k, -1), (data.n - 1)[:, None])
        if self.n_classes:
            index, counts = data.labeled[:, :SNAPSHOT_HIDDEN_ROWS], data.n_labeled.clamp_max(SNAPSHOT_HIDDEN_ROWS)
        else:
            width = min(SNAPSHOT_HIDDEN_ROWS, data.x.shape[1])
            index, counts = torch.arange(width).expand(self.k, -1), data.n.clamp_max(width)
        x, m, _ = data.gather(probe.to(self.device))
        xh, mh, yh = data.gather(index.to(self.device))
        return dict(x=x, m=m, z=self.snapshot_rng.uniform(probe.shape[1], d).to(self.device), x_h=xh, m_h=mh, y_h=yh,
                    z_h=self.snapshot_rng.uniform(index.shape[1], d).to(self.device),
                    z_c=self.snapshot_rng.uniform(index.shape[1], self.net_config["z_dim"]).to(self.device), n_h=counts)

    @torch.no_grad()
    def _snapshot(self, s: int) -> None:
        """Store x̂ and x̄ of the probe rows, h_l of the kept rows and h_c generated for their labels."""
        p, model = self._probe, self.model
        snap = {"n_hidden": p["n_h"].cpu()}
        if self.net_config["use_g_mi"]:
            x_hat, x_bar = model.impute_tensors(p["x"], p["m"], p["z"])
            snap |= {"x_hat": x_hat, "x_bar": x_bar, "h_l": model.encode_tensors(p["x_h"], p["m_h"], p["z_h"]),
                     "y_l": p["y_h"]}
        if self.net_config["use_g_cg"]:
            snap["h_c"] = model.generate_tensors(p["z_c"], _one_hot(p["y_h"], self.n_classes))[0]
            snap["y_c"] = p["y_h"]
        self.snapshots[s] = {key: t.cpu() for key, t in snap.items()}

    # -- checkpoints -----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """What training changes (besides the loop's own state): the networks, the optimisers, both RNG
        streams, the snapshots and monitored scores so far, the last step."""
        return {"nets": self.model.state_dict(), "optimizers": {g: o.state_dict() for g, o in self.optimizers.items()},
                "rng": self.rng.state_dict(), "snapshot_rng": self.snapshot_rng.state_dict(),
                "snapshots": self.snapshots, "monitored": [[s, values] for s, values in self.monitored],
                "step": self._step}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["nets"])
        if set(state["optimizers"]) != set(self.optimizers):
            raise ValueError(f"the saved optimisers {sorted(state['optimizers'])} are not {sorted(self.optimizers)}")
        for group, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][group])
        self.rng.load_state_dict(state["rng"])
        self.snapshot_rng.load_state_dict(state["snapshot_rng"])
        self.snapshots = {int(s): dict(snap) for s, snap in state["snapshots"].items()}
        self.monitored = [(int(s), dict(values)) for s, values in state["monitored"]]
        self._step = int(state["step"])

    def checkpoint_meta(self) -> dict:
        """What a saved state must match to be resumed by this run: replicas, shapes, settings, data."""
        tensors = [self.data.x, self.data.m, self.data.y]
        for ev in (self.eval_data, self.monitor_data):
            tensors += [ev.x, ev.m, ev.truth, ev.truth_mask, ev.y] if ev is not None else [None]
        return {"owner": "HexaGANCore", "k": self.k, "seeds": list(self.model.seeds), "model": self.net_config,
                "config": {k: v for k, v in dataclasses.asdict(self.config).items() if k != "verbose"},
                "shapes": {name: list(t.shape) for name, t in self.model.state_dict().items()},
                "data": fingerprint(*tensors)}

    # -- the whole run ---------------------------------------------------------------------
    def fit(self, checkpoint: Checkpointer | None = None) -> FitResult:
        """Warm-up, then ``max_steps`` iterations with validation and checkpoint selection.

        checkpoint : saves the run's state now and then and resumes a killed
            run from it (:class:`hexagan.checkpoint.Checkpointer`, to which the
            run adds its :meth:`checkpoint_meta`); by default the one
            :func:`hexagan.io.checkpointing` gives, if any.  Its file is
            removed once the run has finished.
        """
        if checkpoint is None:
            checkpoint = Checkpointer.from_context()
        if checkpoint is not None:
            checkpoint.describe(**self.checkpoint_meta())
        with checkpoint if checkpoint is not None else contextlib.nullcontext():
            return self._fit(checkpoint)

    def _fit(self, checkpoint: Checkpointer | None) -> FitResult:
        config = self.config
        curves = []
        if checkpoint is not None:
            checkpoint.track(core=self)
        if self.warmup_steps:
            curves.append(train_loop(self.warmup_step, self.warmup_steps, log_every=LOG_EVERY, progress=config.verbose,
                                     description="HexaGAN warm-up", checkpoint=checkpoint, phase="warmup"
                                     ).assign(phase="warmup"))
        if 0 in self.snapshot_steps:
            self._snapshot(0)
        evaluate = self.evaluate if self.eval_data is not None and self.eval_data.x.shape[1] else None
        best = best_imputation = None
        if evaluate and config.selection != "last":
            nets = dict(self.model.nets)
            if config.selection == "per_network" and self.n_classes and self.net_config["use_g_mi"]:
                # C on its validation metric (through train_loop), the rest on the validation RMSE (here)
                classifier = {"classifier": nets.pop("classifier")}
                best_imputation = BestState(nets, self.k)
                best = BestState(classifier, self.k, linked=[best_imputation])

                def evaluate():
                    metrics = self.evaluate()
                    best_imputation.update(metrics["val_rmse"], self._step)
                    return metrics
            else:
                best = BestState(nets, self.k)
        if checkpoint is not None and best_imputation is not None:
            checkpoint.track(best_imputation=best_imputation)
        # (A run resumed in this loop has just rebuilt snapshot 0 and the BestStates from the networks it
        # started with: restoring the checkpoint overwrites them with the saved ones.)
        if config.max_steps:
            curves.append(train_loop(self.step, config.max_steps, evaluate=evaluate, eval_every=config.eval_every,
                                     select_on="selection_score" if best else None, best=best,
                                     n_iter_no_change=config.n_iter_no_change if config.early_stopping and best
                                     else None,
                                     tol=config.tol, log_every=LOG_EVERY,
                                     progress=config.verbose, description=f"HexaGAN ({self._selection_name})",
                                     checkpoint=checkpoint,
                                     phase="train").assign(phase="train"))
        if best_imputation is not None:
            best_imputation.restore()
        if self.monitored:
            curves.append(pd.DataFrame.from_records(
                [(s, r, name, x) for s, values in self.monitored for name, v in values.items()
                 for r, x in enumerate(v.tolist())], columns=["step", "replica", "name", "value"]).assign(phase="monitor"))
        history = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
            columns=["step", "replica", "name", "value", "phase"])
        for net in self.model.nets.values():
            net.requires_grad_(True)
        n_iter = torch.full((self.k,), config.max_steps, dtype=torch.long)
        if best is not None:
            n_iter = torch.where(best.stopped_at >= 0, best.stopped_at, n_iter)
        return FitResult(self.model, history, self.snapshots, best.best_step.clone() if best else None,
                         best_imputation.best_step.clone() if best_imputation is not None else None, n_iter)
