"""``gain``: Generative Adversarial Imputation Nets (Yoon, Jordon & van der Schaar, ICML 2018).

Faithful to the authors' public code (github.com/jsyoon0823/GAIN, ``gain.py``
and ``utils.py``), replica-trained through :mod:`hexagan.replicas.training`.

Model.  With ``m`` the mask (1 = observed), ``x̃ = m ⊙ x + (1 - m) ⊙ z`` with
``z ~ U(0, noise_scale)`` (0.01) in the missing slots:

* G([x̃, m]) -> x̄ in [0, 1]^d, an MLP ``2d -> d -> d -> d`` (ReLU, ReLU,
  sigmoid); the imputed row is ``x̂ = m ⊙ x̃ + (1 - m) ⊙ x̄``;
* D([x̂, h]) -> per-entry probability of "observed", same shape of MLP;
* hint ``h = b ⊙ m`` with ``b ~ Bernoulli(hint_rate)`` (0.9) -- see below;
* D loss (:func:`loss_discriminator`):
  ``-mean(m log D + (1 - m) log(1 - D))``;
* G loss (:func:`loss_generator`):
  ``-mean((1 - m) log D) + alpha * mean((m ⊙ x̃ - m ⊙ x̄)^2) / mean(m)``
  with ``alpha = 100``; the means run over the batch and the columns;
  ``log`` is ``log(· + 1e-8)`` as in the code;
* one D step then one G step per iteration on the same batch (128 rows),
  10 000 iterations, Adam (lr 1e-3, TensorFlow's defaults) for each network;
* weights ~ N(0, 2 / fan_in) (the code's ``xavier_init``), biases 0;
* the data are min-max normalised inside, on the fitted rows
  (``(x - min) / (max - min + 1e-6)``), and the output is mapped back: the
  suite's scaling inside an estimator (:mod:`hexagan.replicas.scaling`) with the
  code's 1e-6.  ``scale=False`` skips it for data already in [0, 1]; the
  benchmark protocol keeps it on (the published GAIN numbers normalised
  the protocol's scaled rows again, as the code does).

The hint: code versus paper.  The paper (Sec. 3, Eq. 3-5) draws
``b ~ Bernoulli`` and sets ``h = b ⊙ m + 0.5 (1 - b)`` -- a revealed entry
shows its mask value, an unrevealed one shows 0.5 -- and restricts both
adversarial losses to the unrevealed entries (``b = 0``).  The public code
instead uses ``h = b ⊙ m`` (a revealed *observed* entry shows 1; every other
entry shows 0, so a 0 does not tell "missing" from "not revealed") and
averages both losses over **all** entries.  We implement the code (see
:func:`hint`), which is what every published GAIN number was produced with.

Deviations from the code, all forced or harmless:

* batches are drawn *with* replacement (the code takes the first 128 rows of
  a fresh permutation): the replica machinery draws per-replica row indices
  without materialising a permutation of every table at every step;
* the code's ``rounding`` of columns with fewer than 20 distinct values (added
  to the repository in 2020; absent from the 2018 code the HexaGAN paper
  compared with) is not applied: it rounds in *original* units, which the
  protocol's scaled rows are not;
* a constant column is normalised with span 1 instead of 1e-6 (the code would
  map an unseen value of such a column to about ±1e6) and imputed with its
  constant; a column with no observed entry in ``fit`` is imputed with 0;
* ``transform`` draws its U(0, 0.01) noise from a generator re-seeded at every
  call (``transform_seed_``), so the same rows always get the same values.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Sequence

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import Interval

from baselines.neural import COMMON_CONSTRAINTS, TRAINING_CONSTRAINTS, NetworkEstimator
from hexagan.methods import BaseImputer, register
from hexagan.replicas.estimator import derive_seed
from hexagan.replicas.replica import ReplicaMLP, ReplicaRNG, replica_generators
from hexagan.replicas.training import ReplicaData, make_optimizer, optimizer_step

__all__ = ["GainImputer", "hint", "loss_discriminator", "loss_generator", "xavier_init_"]

#: The code's epsilon inside every log.
LOG_EPS = 1e-8
#: The code's epsilon in the min-max normalisation.
NORM_EPS = 1e-6


def hint(m: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """GAIN's hint as in the public code: ``h = b ⊙ m``.

    Parameters
    ----------
    m : tensor of shape (..., d), 1 where observed, 0 where missing.
    b : tensor of shape (..., d), 1 where the hint reveals the entry
        (``b ~ Bernoulli(hint_rate)``).

    Returns
    -------
    tensor of shape (..., d): 1 for a revealed observed entry, 0 otherwise
    (the paper's version would show 0.5 where ``b = 0``; see the module docstring).
    """
    return b * m


def loss_discriminator(d_prob: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """GAIN's D loss, ``-mean(m log(D + 1e-8) + (1 - m) log(1 - D + 1e-8))`` per replica.

    Parameters
    ----------
    d_prob : tensor of shape (K, B, d), D's probability that each entry is observed.
    m : tensor of shape (K, B, d), the true mask (1 = observed).

    Returns
    -------
    tensor of shape (K,), the mean over the batch and the columns.
    """
    ll = m * torch.log(d_prob + LOG_EPS) + (1 - m) * torch.log(1 - d_prob + LOG_EPS)
    return -ll.mean(dim=(1, 2))


def loss_generator(d_prob: torch.Tensor, m: torch.Tensor, x: torch.Tensor, g: torch.Tensor,
                   alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """GAIN's G loss per replica: adversarial term plus ``alpha`` times the observed-entry MSE.

    ``adv = -mean((1 - m) log(D + 1e-8))`` and
    ``mse = mean((m x - m g)^2) / mean(m)`` (= the squared error summed over
    the observed entries divided by their number).

    Parameters
    ----------
    d_prob : tensor of shape (K, B, d), D's output on the imputed batch.
    m : tensor of shape (K, B, d), the mask (1 = observed).
    x : tensor of shape (K, B, d), the batch (its values at ``m = 0`` are not read).
    g : tensor of shape (K, B, d), G's output.
    alpha : weight of the reconstruction term (100 in the code).

    Returns
    -------
    (loss, mse) : tensors of shape (K,); ``loss = adv + alpha * mse``.
    """
    adv = -((1 - m) * torch.log(d_prob + LOG_EPS)).mean(dim=(1, 2))
    mse = ((m * x - m * g) ** 2).sum(dim=(1, 2)) / m.sum(dim=(1, 2)).clamp_min(1.0)
    return adv + alpha * mse, mse


def xavier_init_(net: ReplicaMLP, generators: Sequence[torch.Generator]) -> ReplicaMLP:
    """Re-initialise ``net`` in place as GAIN's code does: W ~ N(0, 2 / fan_in), b = 0.

    (The code calls it ``xavier_init``; its standard deviation
    ``1 / sqrt(fan_in / 2)`` is He's.)  Each replica draws from its own generator.
    """
    with torch.no_grad():
        for layer in net.layers:
            fan_in, fan_out = layer.weight.shape[1:]
            w = torch.stack([torch.randn(fan_in, fan_out, generator=g) for g in generators])
            layer.weight.copy_(w * math.sqrt(2.0 / fan_in))
            layer.bias.zero_()
    return net


@register("gain")
class GainImputer(BaseImputer, TransformerMixin, NetworkEstimator):
    """GAIN imputation (Yoon et al. 2018), as in the authors' public code.

    See the module docstring for the model, the hint of the code versus the
    paper, and the few deviations.

    Parameters
    ----------
    max_steps : int, default 10_000
        Training iterations (the code's ``iterations``); each is one D and one G update.
    batch_size : int, default 128
    hint_rate : float, default 0.9
        Probability that the hint reveals an entry.
    alpha : float, default 100
        Weight of the observed-entry reconstruction loss in G's loss.
    learning_rate : float, default 1e-3
        Adam's learning rate for both networks (TensorFlow's default).
    noise_scale : float, default 0.01
        Missing entries are filled with U(0, noise_scale) before G.
    scale : bool, default True
        Min-max normalise the columns inside, as the code does (see above);
        False for data already in [0, 1].
    log_every : int, default 100
        Record the training losses every this many steps (``history_``).
    random_state : int or None, default None
        Seeds the weights, batches, noise and hints; same seed => same numbers.
    device : str, default "auto"
        "auto" (CUDA when available), "cpu" or "cuda[:N]".

    Attributes
    ----------
    data_min_, data_range_ : ndarray of shape (d,)
        Per-column minimum and range (max - min) of the fitted rows' observed
        entries (``scale=True``; the span is the range + 1e-6, or 1 for a zero range).
    transform_seed_ : int
        Seed of the U(0, noise_scale) fill of every ``transform`` call.
    state_, history_, n_features_in_ : see :class:`baselines.neural.NetworkEstimator`.
    """

    _scale_eps = NORM_EPS
    protocol_defaults: dict = {}  # the protocol ran it normalised, as its code does (see above)
    _batches_per_iteration = 3  # G's forward, D's update, G's update
    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **TRAINING_CONSTRAINTS,
        "hint_rate": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "noise_scale": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, max_steps: int = 10_000, batch_size: int = 128, hint_rate: float = 0.9,
                 alpha: float = 100.0, learning_rate: float = 1e-3, noise_scale: float = 0.01, scale: bool = True,
                 log_every: int = 100, random_state=None, device: str = "auto"):
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.hint_rate = hint_rate
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.noise_scale = noise_scale
        self.scale = scale
        self.log_every = log_every
        self.random_state = random_state
        self.device = device

    # -- replica hooks ---------------------------------------------------------
    def _build(self, n_features, n_classes, seeds):
        d = n_features
        nets = {}
        for salt, name in enumerate(("generator", "discriminator"), start=1):
            gens = replica_generators(seeds, salt)
            nets[name] = xavier_init_(ReplicaMLP([2 * d, d, d, d], ["relu", "relu", "sigmoid"], gens), gens)
        return nets

    def _prepare(self, tasks):
        return tasks, [{"transform_seed_": derive_seed(t.seed, 7)} for t in tasks]

    def _train_networks(self, nets, data: ReplicaData, tasks, seeds, device):
        G, D = nets["generator"], nets["discriminator"]
        opt_d = make_optimizer("adam", D.parameters(), self.learning_rate)
        opt_g = make_optimizer("adam", G.parameters(), self.learning_rate)
        rng = ReplicaRNG(seeds)
        batch, d = int(self.batch_size), data.x.shape[2]

        def step(s):
            x, m, _ = data.gather(data.rows(rng, batch).to(device))
            z = rng.uniform(batch, d).to(device) * self.noise_scale
            b = (rng.uniform(batch, d) < self.hint_rate).float().to(device)
            h = hint(m, b)
            x_in = m * x + (1 - m) * z
            g = G(torch.cat([x_in, m], -1))
            x_hat = m * x_in + (1 - m) * g
            d_loss = loss_discriminator(D(torch.cat([x_hat.detach(), h], -1)), m)
            optimizer_step(d_loss.sum(), opt_d)
            # G's parameters did not change: its output g is reused, D is the updated one.
            g_loss, mse = loss_generator(D(torch.cat([x_hat, h], -1)), m, x_in, g, self.alpha)
            optimizer_step(g_loss.sum(), opt_g)
            return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), "mse": mse.detach()}

        curves = self._train_loop(step, int(self.max_steps), state={"opt_d": opt_d, "opt_g": opt_g, "rng": rng},
                                  log_every=int(self.log_every), description="gain")
        return curves, [{} for _ in seeds]

    # -- public API ------------------------------------------------------------
    def fit(self, X, y=None):
        """Train GAIN on the rows ``X``.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Features in any units (``scale=True``), NaN for a missing entry.
        y : ignored

        Returns
        -------
        self
        """
        return self._fit_one(X)

    def transform(self, X):
        """Impute the missing entries of ``X`` with the trained generator.

        Parameters
        ----------
        X : array-like of shape (m, d)
            NaN for a missing entry, same columns as in ``fit``.

        Returns
        -------
        ndarray of float64, shape (m, d)
            Observed entries bit-identical to ``X``; missing ones from G (in
            ``X``'s units).
        """
        X = self._check_X(X)
        if not np.isnan(X).any():
            return X.copy()
        return self._impute_in_units(X, self._generate)

    def _generate(self, X: np.ndarray) -> np.ndarray:
        """G's output for scaled rows ``X`` (NaN = missing), their missing entries filled with U(0, noise_scale)."""
        observed = ~np.isnan(X)
        gen = torch.Generator().manual_seed(self.transform_seed_)
        z = torch.rand(X.shape, generator=gen, dtype=torch.float64).numpy() * self.noise_scale
        x_in = np.where(observed, X, z)
        G = self._module("generator")
        return self._apply(lambda x, m: G(torch.cat([x, m], -1)), x_in, observed.astype(np.float64))
