"""The six networks of HexaGAN for K replicas, and what a fitted HexaGAN does with them.

:class:`HexaGAN` holds E, G_MI, D_MI, G_CG, D_CG and C (:mod:`hexagan.model.networks`)
of K replicas and their operations: on tensors of every replica (impute,
encode, what C sees, generate), used by training
(:class:`hexagan.model.algorithm.HexaGANCore`), and on numpy rows of one replica
(:meth:`HexaGAN.impute`, :meth:`~HexaGAN.encode`,
:meth:`~HexaGAN.predict_proba`, :meth:`~HexaGAN.sample`), used by the
estimators (:mod:`hexagan.model.estimators`).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from hexagan.model import losses
from hexagan.model.networks import (
    Classifier,
    ConditionalDiscriminator,
    ConditionalGenerator,
    Encoder,
    ImputationDiscriminator,
    ImputationGenerator,
)
from hexagan.replicas.replica import ReplicaRNG
from hexagan.replicas.training import batched

# Default dimension of G_CG's noise for the conv networks (the paper gives
# none; for tabular data the authors' code uses z_dim = d).
CONV_Z_DIM = 100
# Rows imputed per forward pass at inference.
INFERENCE_CHUNK = 8192


def one_hot(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Long labels [K, B] (-1 allowed, gives zeros) -> float one-hot [K, B, n_classes]."""
    return nn.functional.one_hot(y.clamp_min(0), n_classes).float() * (y >= 0)[..., None]


class HexaGAN(nn.Module):
    """The six networks of K replicas and what a fitted HexaGAN can do.

    Parameters
    ----------
    d : number of features.
    n_classes : number of classes; 0 builds the imputation part only
        (E, G_MI, D_MI), as :class:`~hexagan.model.estimators.HexaGANImputer` uses.
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
        _, x_c = self.generate_tensors(z, one_hot(y[None].to(self.device), self.n_classes))
        return x_c[0].cpu().double().numpy()

