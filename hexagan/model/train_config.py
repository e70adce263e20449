"""HexaGAN's training settings (:class:`TrainConfig`) and the names they take.

The estimators expose every field of :class:`TrainConfig` as a parameter
(:mod:`hexagan.model.estimators`); :class:`hexagan.model.algorithm.HexaGANCore` trains
with it.  Its names are looked up in the tables beside what they name:
:data:`hexagan.model.losses.ADVERSARIAL_LOSSES` (Eqs. 3-4, 13 and their
alternatives), :data:`hexagan.model.penalties.REGULARIZERS` (the discriminators'
penalties), and here :data:`SELECTIONS` (which checkpoint is kept) and
:data:`VALIDATION_METRICS`.  :func:`resolve_penalty_columns` turns the
``penalty_columns`` setting into a count for a table's width.
:data:`PARAMETER_CONSTRAINTS` says which values each estimator parameter takes.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from hexagan.methods import IntNotBool
from hexagan.model import losses
from hexagan.model.losses import ADVERSARIAL_LOSSES
from hexagan.model.networks import ARCHITECTURES
from hexagan.model.penalties import REGULARIZERS
from hexagan.replicas.scaling import SCALE_CONSTRAINT
from hexagan.replicas.training import OPTIMIZERS


SELECTIONS = ("validation", "per_network", "last")
VALIDATION_METRICS = ("log_loss", "f1")


# penalty_columns="auto": the exact Eq. (6) up to this many features, else this many sampled columns per step.
AUTO_EXACT_MAX_D = 64
AUTO_PENALTY_COLUMNS = 32


def resolve_penalty_columns(setting, d: int) -> int | None:
    """How many output columns Eq. (6) samples per step: None for the exact sum.

    ``setting``: "auto" (exact when d <= :data:`AUTO_EXACT_MAX_D`, else
    :data:`AUTO_PENALTY_COLUMNS` sampled columns), None (exact) or an int
    n >= 1 (exact when n >= d).
    """
    if setting == "auto":
        return None if d <= AUTO_EXACT_MAX_D else AUTO_PENALTY_COLUMNS
    if setting is None:
        return None
    if isinstance(setting, bool) or not isinstance(setting, (int, np.integer)) or setting < 1:
        raise ValueError(f"penalty_columns must be 'auto', None or an int >= 1, got {setting!r}")
    return None if setting >= d else int(setting)


def lookup(table: dict, name: str, what: str):
    """``table[name]``, or a ValueError listing the valid names."""
    try:
        return table[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown {what} {name!r}; choose one of {sorted(table)}") from None


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Every training setting of HexaGAN; the estimators expose each as a parameter.

    Its defaults are the paper's settings (where it is silent, the authors'
    code's), and both estimators take theirs from here: one copy.  The
    budget has none: ``max_steps`` and ``eval_every`` come from the
    estimators, whose signatures hold the defaults for a user's own table,
    and the benchmark protocol gives its own (:data:`hexagan.protocol.TRAINING`).

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
    an unbiased estimate; see :func:`resolve_penalty_columns`).
    ``selection``: "validation" keeps every network at the step of the best
    validation score; "per_network" keeps C at its best ``validation_metric``
    and the imputation networks (E, G_MI, D_MI, with G_CG, D_CG) at their
    best validation RMSE; "last" keeps the final step.

    ``n_iter_no_change``: early stopping, once this many validations in a
    row have not lowered the selection score (validation RMSE for the
    imputer, ``validation_metric`` for the classifier) by more than ``tol``;
    per replica, each keeping what a run of its own would
    (:func:`hexagan.replicas.training.train_loop`); None (the estimators' when
    ``early_stopping=False``): train ``max_steps``.  It needs a selection
    other than "last"; without validation rows it warns and runs
    ``max_steps``, which is otherwise a ceiling.

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
    max_steps: int
    eval_every: int
    monitor_every: int = 0
    warmup_epochs: float = 0.0
    selection: str = "validation"
    validation_metric: str = "log_loss"
    n_iter_no_change: int | None = None
    tol: float = 1e-4
    snapshot_steps: tuple[int, ...] = ()
    verbose: bool = False

    def __post_init__(self):
        lookup(ADVERSARIAL_LOSSES, self.adversarial_loss, "adversarial_loss")
        lookup(REGULARIZERS, self.regularizer, "regularizer")
        lookup(dict.fromkeys(SELECTIONS), self.selection, "selection")
        lookup(dict.fromkeys(VALIDATION_METRICS), self.validation_metric, "validation_metric")
        for name in ("batch_size", "n_critic", "n_cg", "eval_every", "n_iter_no_change"):
            if getattr(self, name) is not None and int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_steps < 0 or self.warmup_epochs < 0 or self.monitor_every < 0:
            raise ValueError("max_steps, warmup_epochs and monitor_every must be >= 0")
        if self.c_l2 < 0 or self.tol < 0:
            raise ValueError(f"c_l2 and tol must be >= 0, got {self.c_l2} and {self.tol}")
        if self.n_iter_no_change is not None and self.selection == "last":
            raise ValueError("early stopping stops on the validation score: it needs selection 'validation' or "
                             "'per_network', not 'last'")
        resolve_penalty_columns(self.penalty_columns, 1)  # validates the setting


_POSITIVE = Interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")
_AT_LEAST_ONE = Interval(Integral, 1, None, closed="left")
_STEPS = Interval(Integral, 0, None, closed="left")
#: scikit-learn's ``_parameter_constraints`` of every parameter of HexaGAN's two estimators
#: (:mod:`hexagan.model.estimators`: TrainConfig's fields and the model's and fit's own), checked first
#: by ``fit`` and ``fit_replicas`` for a clear early error naming the parameter.  The names come from
#: the tables the model looks them up in, and the bounds agree with ``TrainConfig.__post_init__``
#: (which still guards direct users of ``HexaGANCore``); they are stricter only where it checks
#: nothing (weights and learning rates must be >= 0 and > 0, ``decay`` in [0, 1), the optimizer name).
PARAMETER_CONSTRAINTS = {
    **{w: [_NON_NEGATIVE] for w in ("lambda1", "lambda2", "alpha1", "alpha2", "alpha3", "alpha4", "c_l2")},
    "lr_gan": [_POSITIVE],
    "lr_c": [_POSITIVE],
    "lr_cg": [_POSITIVE, None],
    "decay": [Interval(Real, 0, 1, closed="left")],
    "batch_size": [_AT_LEAST_ONE],
    "n_critic": [_AT_LEAST_ONE],
    "n_cg": [_AT_LEAST_ONE],
    "z_dim": [_AT_LEAST_ONE, None],
    "use_g_mi": ["boolean"],
    "use_g_cg": ["boolean"],
    "use_label_discriminator": ["boolean"],
    "regularizer": [StrOptions(set(REGULARIZERS))],
    "penalty_columns": [StrOptions({"auto"}), IntNotBool(1), None],
    "optimizer": [StrOptions(set(OPTIMIZERS))],
    "adversarial_loss": [StrOptions(set(ADVERSARIAL_LOSSES))],
    "max_steps": [_STEPS],
    "eval_every": [_AT_LEAST_ONE],
    "monitor_every": [_STEPS],
    "warmup_epochs": [_NON_NEGATIVE],
    "selection": [StrOptions(set(SELECTIONS))],
    "early_stopping": ["boolean"],
    "n_iter_no_change": [_AT_LEAST_ONE],
    "tol": [_NON_NEGATIVE],
    "validation_metric": [StrOptions(set(VALIDATION_METRICS))],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "snapshot_steps": ["array-like", None],
    "architecture": [StrOptions(set(ARCHITECTURES))],
    "fill_noise": [Interval(Real, 0, 1, closed="both")],
    "scale": SCALE_CONSTRAINT,
    "device": [str, torch.device],
    "n_threads": [_AT_LEAST_ONE, None],
    "verbose": ["boolean"],
    "random_state": ["random_state"],
}
