"""The six networks of HexaGAN, as replica modules (a leading replica axis K).

Every network takes ``[K, B, features]`` tensors (flat pixel vectors for
MNIST, too) and is built from one seed per replica, so K independent copies
train in one pass (:mod:`hexagan.replicas.replica`).  Each network class draws its
initial weights with its own salt, so E and G_MI of one seed never share
initial numbers.

Tabular architecture (appendix B.3)
-----------------------------------
Three fully connected layers of ``d``, ``d/2`` and ``d`` units (``d/2``
rounded down, at least 1), the last one replaced by the size the network must
output; ReLU on every hidden layer.  Output activations, per B.3: ReLU for E
and G_CG, sigmoid for G_MI and D_CG, none for D_MI, softmax for C.

The authors' tabular networks (``architecture="mlp_authors"``, for the audit)
-------------------------------------------------------------------------------
Their public code (shinyflight/HexaGAN, ``model.py``) differs from B.3: every
network has one hidden layer of ``d/2`` ReLU units, and h has ``d/2``
entries (``hidden_dim = H_dim = int(X_dim / 2)``).  Everything else (inputs,
output activations) is as above.

Convolutional architecture (appendix Table 2, MNIST 28x28)
----------------------------------------------------------
The table's text is garbled: its last row holds three entries for six
columns.  Our reading, which makes every shape meet:

* E: Conv(32,5x5,2)-Conv(64,5x5,2)-Conv(128,5x5,2), ReLU each, on the two
  channels (x̃, m); "same" padding gives 28->14->7->4, so h = 128x4x4 = 2048.
* G_MI: Deconv(64)-Deconv(32)-Deconv(1), 5x5 stride 2, ReLU each, 4->7->14->28,
  then the last row's FC(784) with sigmoid.
* D_MI: Conv(32)-Conv(64)-Conv(128), ReLU each, then FC(785) on the
  flattened features concatenated with y.  The table prints a sigmoid on
  FC(785); we follow B.3's text ("no activation function for the output
  layer of D_MI"), which the Wasserstein-style losses (Eqs. 3-4) need.
* C: the same trunk, then FC(10) with softmax.
* G_CG: FC(512)-FC(1024)-FC(2048) with ReLU (2048 = h's size).
* D_CG: FC(1024)-FC(512)-FC(1) with sigmoid.

Class labels enter D_MI, G_CG and D_CG as a class-probability vector of
``n_classes`` entries (one-hot for a real label, C's probabilities for a
pseudo-label), concatenated to the other input.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from hexagan.replicas.replica import ReplicaMLP, ReplicaModules, replica_generators

ARCHITECTURES = ("mlp", "conv", "mlp_authors")
IMAGE_SIDE = 28
CONV_HIDDEN = 128 * 4 * 4

# One salt per network: the initial weights of the six networks are independent.
_SALTS = {"encoder": 1, "g_mi": 2, "d_mi": 3, "g_cg": 4, "d_cg": 5, "classifier": 6}


def _check_architecture(architecture: str, d: int) -> None:
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of {ARCHITECTURES}")
    if architecture == "conv" and d != IMAGE_SIDE * IMAGE_SIDE:
        raise ValueError(f"architecture='conv' expects {IMAGE_SIDE}x{IMAGE_SIDE} images "
                         f"(d={IMAGE_SIDE ** 2}), got d={d}")


def _mlp(d: int, n_in: int, n_out: int, output: str, seeds: Sequence[int], salt: str,
         architecture: str = "mlp") -> ReplicaMLP:
    """B.3's three layers: d, d/2, then ``n_out`` units in place of the last d; or the authors' d/2, ``n_out``."""
    half = max(1, d // 2)
    if architecture == "mlp_authors":
        return ReplicaMLP([n_in, half, n_out], ["relu", output], replica_generators(seeds, _SALTS[salt]))
    return ReplicaMLP([n_in, d, half, n_out], ["relu", "relu", output], replica_generators(seeds, _SALTS[salt]))


def hidden_size(d: int, architecture: str = "mlp") -> int:
    """Size of h = E(x̃, m): d for B.3's networks, d/2 for the authors' code, 128x4x4 for the conv ones."""
    if architecture == "conv":
        return CONV_HIDDEN
    return max(1, d // 2) if architecture == "mlp_authors" else d


def _conv_trunk(in_channels: int) -> nn.Sequential:
    """Table 2's three stride-2 5x5 convolutions with ReLU: [B, c, 28, 28] -> [B, 2048]."""
    layers: list[nn.Module] = []
    for c_in, c_out in zip((in_channels, 32, 64), (32, 64, 128)):
        layers += [nn.Conv2d(c_in, c_out, 5, stride=2, padding=2), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten())


def _as_images(*flat: torch.Tensor) -> torch.Tensor:
    """[B, 784] tensors -> one [B, channels, 28, 28] tensor."""
    return torch.stack([f.reshape(-1, IMAGE_SIDE, IMAGE_SIDE) for f in flat], dim=1)


class _ConvEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = _conv_trunk(2)

    def forward(self, x_tilde, m):
        return self.trunk(_as_images(x_tilde, m))


class _ConvImputationGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        # output_padding makes 4 -> 7 -> 14 -> 28 with "same"-style padding 2.
        for c_in, c_out, extra in ((128, 64, 0), (64, 32, 1), (32, 1, 1)):
            layers += [nn.ConvTranspose2d(c_in, c_out, 5, stride=2, padding=2, output_padding=extra), nn.ReLU()]
        self.deconv = nn.Sequential(*layers, nn.Flatten())
        self.out = nn.Linear(IMAGE_SIDE ** 2, IMAGE_SIDE ** 2)

    def forward(self, h):
        return torch.sigmoid(self.out(self.deconv(h.reshape(-1, 128, 4, 4))))


class _ConvHead(nn.Module):
    """Conv trunk on the image, then one linear layer on [features, extra inputs]."""

    def __init__(self, n_extra: int, n_out: int):
        super().__init__()
        self.trunk = _conv_trunk(1)
        self.out = nn.Linear(CONV_HIDDEN + n_extra, n_out)

    def forward(self, x, *extra):
        return self.out(torch.cat([self.trunk(_as_images(x)), *extra], dim=-1))


class Encoder(nn.Module):
    """E: (x̃, m) -> h, ReLU output.  x̃, m: [K, B, d]; h: [K, B, hidden_size(d)]."""

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], architecture: str = "mlp"):
        super().__init__()
        _check_architecture(architecture, d)
        self.hidden = hidden_size(d, architecture)
        if architecture == "conv":
            self.net = ReplicaModules(_ConvEncoder, replica_generators(seeds, _SALTS["encoder"]))
        else:
            self.net = _mlp(d, 2 * d, self.hidden, "relu", seeds, "encoder", architecture)
        self.architecture = architecture

    def forward(self, x_tilde: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        if self.architecture == "conv":
            return self.net(x_tilde, m)
        return self.net(torch.cat([x_tilde, m], dim=-1))


class ImputationGenerator(nn.Module):
    """G_MI: h -> x̄ in (0, 1) (sigmoid).  h: [K, B, hidden]; x̄: [K, B, d]."""

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], architecture: str = "mlp"):
        super().__init__()
        _check_architecture(architecture, d)
        if architecture == "conv":
            self.net = ReplicaModules(_ConvImputationGenerator, replica_generators(seeds, _SALTS["g_mi"]))
        else:
            self.net = _mlp(d, hidden_size(d, architecture), d, "sigmoid", seeds, "g_mi", architecture)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.net(h)


class ImputationDiscriminator(nn.Module):
    """D_MI: (x̂, y) -> one unbounded score per element, no output activation.

    Outputs ``d + 1`` columns -- one per feature, then the label column
    D_MI(.)_{d+1} -- when ``label_column`` is true and there are classes;
    otherwise ``d`` columns and y is not an input (the ablation without the
    label discriminator, and the imputer, which has no labels).

    x̂: [K, B, d]; y: [K, B, n_classes] class probabilities (one-hot for a
    real label); output [K, B, d (+1)].
    """

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], architecture: str = "mlp",
                 label_column: bool = True):
        super().__init__()
        _check_architecture(architecture, d)
        self.takes_label = bool(label_column and n_classes > 0)
        n_label = n_classes if self.takes_label else 0
        self.n_out = d + int(self.takes_label)
        gens = replica_generators(seeds, _SALTS["d_mi"])
        if architecture == "conv":
            self.net = ReplicaModules(lambda: _ConvHead(n_label, self.n_out), gens)
        else:
            self.net = _mlp(d, d + n_label, self.n_out, "none", seeds, "d_mi", architecture)
        self.architecture = architecture

    def forward(self, x_hat: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if not self.takes_label:
            return self.net(x_hat)
        if y is None:
            raise ValueError("this D_MI has a label column and needs y")
        if self.architecture == "conv":
            return self.net(x_hat, y)
        return self.net(torch.cat([x_hat, y], dim=-1))


class ConditionalGenerator(nn.Module):
    """G_CG: (z, y_c) -> h_c, ReLU output (h lives in E's ReLU range).

    z: [K, B, z_dim]; y_c: [K, B, n_classes] one-hot; h_c: [K, B, hidden].
    """

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], z_dim: int, architecture: str = "mlp"):
        super().__init__()
        _check_architecture(architecture, d)
        hidden = hidden_size(d, architecture)
        if architecture == "conv":
            self.net = ReplicaMLP([z_dim + n_classes, 512, 1024, hidden], ["relu"] * 3,
                                  replica_generators(seeds, _SALTS["g_cg"]))
        else:
            self.net = _mlp(d, z_dim + n_classes, hidden, "relu", seeds, "g_cg", architecture)
        self.z_dim = z_dim

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, y], dim=-1))


class ConditionalDiscriminator(nn.Module):
    """D_CG: (h, y) -> score in (0, 1) (sigmoid), and :meth:`logits`, the score before it.

    The sigmoid output follows appendix B.3 and Table 2.  The Wasserstein
    losses (Eqs. 7-9) are computed on :meth:`logits`, as the authors' code
    does: on the sigmoid they saturate (we saw D_CG reach 1 on real and 0 on
    generated h within 100 iterations on breast, leaving G_CG and the
    penalty without gradient).  h: [K, B, hidden]; y: [K, B, n_classes];
    output [K, B, 1].
    """

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], architecture: str = "mlp"):
        super().__init__()
        _check_architecture(architecture, d)
        hidden = hidden_size(d, architecture)
        if architecture == "conv":
            self.net = ReplicaMLP([hidden + n_classes, 1024, 512, 1], ["relu", "relu", "none"],
                                  replica_generators(seeds, _SALTS["d_cg"]))
        else:
            self.net = _mlp(d, hidden + n_classes, 1, "none", seeds, "d_cg", architecture)

    def logits(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([h, y], dim=-1))

    def forward(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(h, y))


class Classifier(nn.Module):
    """C: x̂ -> class probabilities (softmax); :meth:`logits` gives the pre-softmax scores.

    Losses use the logits (``log_softmax`` is stable where ``log(softmax)`` is
    not).  x̂: [K, B, d]; output [K, B, n_classes].
    """

    def __init__(self, *, d: int, n_classes: int, seeds: Sequence[int], architecture: str = "mlp"):
        super().__init__()
        _check_architecture(architecture, d)
        if architecture == "conv":
            self.net = ReplicaModules(lambda: _ConvHead(0, n_classes), replica_generators(seeds, _SALTS["classifier"]))
        else:
            self.net = _mlp(d, d, n_classes, "none", seeds, "classifier", architecture)

    def logits(self, x_hat: torch.Tensor) -> torch.Tensor:
        return self.net(x_hat)

    def forward(self, x_hat: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(x_hat), dim=-1)
