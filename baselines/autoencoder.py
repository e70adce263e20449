"""``autoencoder``: a denoising autoencoder imputer (Vincent et al. 2008), sized as HexaGAN's E + G_MI.

The HexaGAN paper's Table 1 has an "Autoencoder" row without saying which
one; we take the denoising autoencoder, the usual deep imputation baseline
(also MIDA, Gondara & Wang 2018), and make it HexaGAN without its
adversarial parts, for a fair comparison:

* networks: exactly HexaGAN's E and G_MI (:class:`hexagan.model.networks.Encoder`,
  :class:`hexagan.model.networks.ImputationGenerator`; appendix B.3: three fully
  connected layers of d, d/2, d units each, ReLU, sigmoid output), so
  ``x̄ = G_MI(E(x̃, m'))`` -- the mask is an input, as in HexaGAN;
* missing entries are filled with noise U(0, 1) (as HexaGAN fills them);
* denoising corruption (:func:`corrupt`): every *observed* entry is also
  hidden with probability ``corruption`` (default 0.5, MIDA's input-dropout
  rate) -- replaced by U(0, 1) noise and marked missing in the mask input
  ``m'`` -- so the corrupted entries look exactly like missing ones and the
  network learns to fill missing entries from the others;
* loss (:func:`loss_reconstruction`): squared error over the **observed**
  entries (the corrupted ones included -- that is the denoising target),
  divided by their number; a missing entry never reaches the loss, whatever
  its fill;
* Adam (lr 1e-3), batch 128, 10 000 steps (GAIN's budget) -- the paper is
  silent on the autoencoder's training;
* checkpoint selection (``validation=True``): every ``eval_every`` steps the
  pooled RMSE of the validation part's hidden entries (``eval_set``, carved
  from the training rows by the protocol, never the test fold) is computed
  and the best checkpoint per replica is kept.  HexaGAN's estimator selects
  the same way, so both get the same help.

``transform`` fills the missing entries of the rows with U(0, 1) noise from a
generator re-seeded at every call (``transform_seed_``) and the mask, and
returns G_MI's output there; observed entries are copied from the input.
"""
from __future__ import annotations

from numbers import Real

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import Interval

from baselines.neural import COMMON_CONSTRAINTS, TRAINING_CONSTRAINTS, VALIDATION_CONSTRAINTS, NetworkEstimator
from hexagan.methods import BaseImputer, register
from hexagan.model.evaluation import ValidationSet
from hexagan.model.networks import Encoder, ImputationGenerator
from hexagan.replicas.estimator import derive_seed
from hexagan.replicas.replica import BestState, ReplicaRNG
from hexagan.replicas.training import ReplicaData, make_optimizer, optimizer_step

__all__ = ["DenoisingAutoencoderImputer", "corrupt", "loss_reconstruction"]


def corrupt(x: torch.Tensor, m: torch.Tensor, u_fill: torch.Tensor, u_drop: torch.Tensor,
            corruption: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The autoencoder's input: missing and dropped entries replaced by noise.

    Parameters
    ----------
    x : tensor of shape (..., d), the data (values at ``m = 0`` are not read).
    m : tensor of shape (..., d), 1 where observed.
    u_fill : tensor of shape (..., d), U(0, 1) fill values.
    u_drop : tensor of shape (..., d), U(0, 1) draws; an observed entry is
        dropped where ``u_drop < corruption``.
    corruption : float in [0, 1), the dropping rate of observed entries.

    Returns
    -------
    (x_tilde, m_in) : tensors of shape (..., d).  ``m_in = m ⊙ keep`` is the
    mask the network sees; ``x_tilde = m_in ⊙ x + (1 - m_in) ⊙ u_fill``.
    """
    m_in = m * (u_drop >= corruption).to(m.dtype)
    return m_in * x + (1 - m_in) * u_fill, m_in


def loss_reconstruction(x_bar: torch.Tensor, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the observed entries, per replica.

    ``sum(m ⊙ (x̄ - x)^2) / sum(m)`` over the batch and the columns; entries
    with ``m = 0`` (missing) contribute nothing, neither value nor gradient.

    Parameters
    ----------
    x_bar : tensor of shape (K, B, d), the reconstruction.
    x : tensor of shape (K, B, d), the data (values at ``m = 0`` are not read).
    m : tensor of shape (K, B, d), 1 where observed (the *true* mask, not the
        corrupted one).

    Returns
    -------
    tensor of shape (K,).
    """
    sq = torch.where(m > 0, (x_bar - x) ** 2, torch.zeros_like(x_bar))
    return sq.sum(dim=(1, 2)) / m.sum(dim=(1, 2)).clamp_min(1.0)


def _fill_noise(seed: int, n: int, d: int) -> torch.Tensor:
    """U(0, 1) of shape (n, d) from a generator of its own; row i's values do not depend on n."""
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@register("autoencoder")
class DenoisingAutoencoderImputer(BaseImputer, TransformerMixin, NetworkEstimator):
    """Denoising autoencoder imputation with HexaGAN's E and G_MI networks.

    See the module docstring for the model and the choices where the papers
    are silent.

    Parameters
    ----------
    corruption : float, default 0.5
        Probability of hiding each observed entry of a training batch (MIDA's
        input dropout rate); 0 gives a plain (non-denoising) autoencoder.
    max_steps : int, default 10_000
    batch_size : int, default 128
    learning_rate : float, default 1e-3
        Adam's learning rate.
    validation : bool, default True
        Select each replica's checkpoint on the validation RMSE when the
        protocol passes ``eval_set``; False trains ``max_steps`` and keeps the
        last weights.
    eval_every : int, default 100
        Steps between validation evaluations.
    log_every : int, default 100
        Record the training loss every this many steps (``history_``).
    scale : bool, default True
        Scale the columns to [0, 1] inside and impute in ``X``'s units
        (:mod:`hexagan.replicas.scaling`); False for data already in [0, 1].
    random_state : int or None, default None
    device : str, default "auto"

    Attributes
    ----------
    data_min_, data_range_ : ndarray of shape (d,), each column's minimum and range (``scale=True``).
    best_step_ : int
        Step of the selected checkpoint (-1 without validation: the last weights).
    transform_seed_ : int
        Seed of the U(0, 1) fill of every ``transform`` call.
    state_, history_, n_features_in_ : see :class:`baselines.neural.NetworkEstimator`.
    """

    uses_validation = True
    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **TRAINING_CONSTRAINTS,
        **VALIDATION_CONSTRAINTS,
        "corruption": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, corruption: float = 0.5, max_steps: int = 10_000, batch_size: int = 128,
                 learning_rate: float = 1e-3, validation: bool = True, eval_every: int = 100,
                 log_every: int = 100, scale: bool = True, random_state=None, device: str = "auto"):
        self.corruption = corruption
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation = validation
        self.eval_every = eval_every
        self.log_every = log_every
        self.scale = scale
        self.random_state = random_state
        self.device = device

    def _build(self, n_features, n_classes, seeds):
        return {"encoder": Encoder(d=n_features, n_classes=0, seeds=seeds),
                "g_mi": ImputationGenerator(d=n_features, n_classes=0, seeds=seeds)}

    def _train_networks(self, nets, data: ReplicaData, tasks, seeds, device):
        E, G = nets["encoder"], nets["g_mi"]
        opt = make_optimizer("adam", [*E.parameters(), *G.parameters()], self.learning_rate)
        rng = ReplicaRNG(seeds)
        batch, d = int(self.batch_size), data.x.shape[2]
        corruption = float(self.corruption)

        def step(s):
            x, m, _ = data.gather(data.rows(rng, batch).to(device))
            u_fill = rng.uniform(batch, d).to(device)
            u_drop = rng.uniform(batch, d).to(device)
            x_tilde, m_in = corrupt(x, m, u_fill, u_drop, corruption)
            loss = loss_reconstruction(G(E(x_tilde, m_in)), x, m)
            optimizer_step(loss.sum(), opt)
            return {"recon": loss.detach()}

        val = None
        if self.validation and all(t.eval_set is not None for t in tasks):
            val = ValidationSet.from_sets([t.eval_set for t in tasks], d, seeds).to(device)
        evaluate = best = None
        if val is not None:
            n_val = val.x.shape[1]
            noise = torch.stack([_fill_noise(derive_seed(s, 11), n_val, d) for s in seeds]).float().to(device)
            x_val = val.m * val.x + (1 - val.m) * noise
            best = BestState({"encoder": E, "g_mi": G}, len(seeds))

            def evaluate():
                return {"val_rmse": val.rmse(G(E(x_val, val.m))).cpu()}  # BestState keeps its scores on the CPU

        curves = self._train_loop(step, int(self.max_steps), state={"opt": opt, "rng": rng}, evaluate=evaluate,
                                  eval_every=int(self.eval_every), select_on="val_rmse" if val is not None else None,
                                  best=best, log_every=int(self.log_every), description="autoencoder")
        best_steps = best.best_step.tolist() if best is not None else [-1] * len(seeds)
        return curves, [{"best_step_": int(b), "transform_seed_": derive_seed(s, 13)}
                        for b, s in zip(best_steps, seeds)]

    def fit(self, X, y=None, eval_set=None):
        """Train the autoencoder on the rows ``X``.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Features in any units (``scale=True``), NaN for a missing entry.
        y : ignored
        eval_set : tuple (X_val, X_val_true, y_val) or None
            Validation rows with NaN (n_val, d), their complete values
            (n_val, d) and labels (ignored); used for checkpoint selection
            when ``validation=True``.

        Returns
        -------
        self
        """
        return self._fit_one(X, eval_set=eval_set)

    def transform(self, X):
        """Impute the missing entries of ``X``.

        Parameters
        ----------
        X : array-like of shape (m, d), NaN for a missing entry.

        Returns
        -------
        ndarray of float64, shape (m, d)
            Observed entries bit-identical to ``X``; missing ones from G_MI (in ``X``'s units).
        """
        X = self._check_X(X)
        if not np.isnan(X).any():
            return X.copy()
        return self._impute_in_units(X, self._reconstruct)

    def _reconstruct(self, X: np.ndarray) -> np.ndarray:
        """G_MI(E(x̃, m)) of scaled rows ``X``, their missing entries filled with U(0, 1) noise."""
        missing = np.isnan(X)
        noise = _fill_noise(self.transform_seed_, *X.shape).numpy()
        E, G = self._module("encoder"), self._module("g_mi")
        return self._apply(lambda x, m: G(E(x, m)), np.where(missing, noise, X), (~missing).astype(np.float64))
