"""The discriminators' regularisers: :data:`REGULARIZERS` by name, and the zero-centred penalties in closed form.

:data:`REGULARIZERS` holds appendix C.1's regularisers of D_MI and D_CG
(``TrainConfig.regularizer``): "zc" (Eqs. 6 and 9), "gp" (Gulrajani et
al.'s) and "wc" (weight clipping).  :func:`as_critic` hands them a
discriminator in the form that computes "zc" fastest.

The closed form, for ReLU MLP critics.  :mod:`hexagan.model.losses` computes
Eqs. (6) and (9) (and, as Eq. 9 on the pair (x̂, y), the label column's
penalty) with autograd: one vector-Jacobian product per output column, then a
double backward to train the critic.  That dominated an iteration of
Algorithm 2.  For a critic whose hidden layers are ReLU and whose output has
no activation,

    f(v) = W_L σ(... σ(W_1 v + b_1) ...) + b_L,

the input Jacobian of one row is J = W_L diag(s_{L-1}) W_{L-1} ... diag(s_1) W_1,
s_l being that row's active units (1 where the pre-activation is > 0).  Here
J is built for the wanted output columns of every row at once, from the
output backwards, by a few batched matmuls (:meth:`ReluMLPCritic.grad_sq_norms`),
and the penalties reduce its squared row norms as :mod:`hexagan.model.losses` does.
The result is an ordinary function of the weights, so one backward pass of
D's loss trains the critic: the gradient of ||J||² with s held fixed, which is
what autograd's double backward gives for ReLU (whose second derivative is 0;
the biases get no gradient from the penalty either way).

The functions mirror :func:`hexagan.model.losses.penalty_zero_centred_elementwise`
and :func:`~hexagan.model.losses.penalty_zero_centred` (which stay the reference,
and the path for the conv D_MI), with the closure replaced by a
:class:`ReluMLPCritic`, a closure the closed form can see through.
``tests/test_penalties.py`` checks values and parameter gradients against them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from hexagan.model import losses
from hexagan.replicas.replica import ReplicaMLP, ReplicaModules, masked_mean


def closed_form_applies(net: nn.Module) -> bool:
    """Whether ``net`` is a :class:`ReplicaMLP` with ReLU hidden layers and no output activation."""
    return (isinstance(net, ReplicaMLP) and all(a == "relu" for a in net.activations[:-1])
            and net.activations[-1] == "none")


class ReluMLPCritic:
    """The critic v -> net(concat(v, extra))[..., outputs], callable like a closure of :mod:`hexagan.model.losses`.

    net: a :class:`ReplicaMLP` with ReLU hidden layers and no output
    activation (anything else is refused with a ValueError); extra: inputs
    held fixed after v, e.g. the labels y [K, B, n_classes] (None: v is the
    whole input); outputs: which of the net's output columns the critic
    returns (``slice(-1, None)``: D_MI's label column).  Gradients are taken
    with respect to v only.
    """

    def __init__(self, net: nn.Module, extra: torch.Tensor | None = None, outputs: slice = slice(None)):
        if not closed_form_applies(net):
            acts = getattr(net, "activations", None)
            raise ValueError("the closed-form penalties need a ReplicaMLP with ReLU hidden layers and no output "
                             f"activation, got {type(net).__name__}" + (f" with activations {acts}" if acts else ""))
        self.net, self.extra, self.outputs = net, extra, outputs
        self._seen: tuple | None = None  # (v, weight versions, hidden pre-activations) of the last call

    def _inputs(self, v: torch.Tensor) -> torch.Tensor:
        return v if self.extra is None else torch.cat([v, self.extra], dim=-1)

    def _versions(self) -> tuple[int, ...]:
        return tuple(p._version for layer in self.net.layers for p in (layer.weight, layer.bias))

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """net(concat(v, extra))[..., outputs], as ``ReplicaMLP.forward`` computes it; the hidden layers'
        pre-activations are kept, so that :meth:`grad_sq_norms` of this same ``v`` (D_CG's penalty on the
        rows it has just scored) reads its ReLU patterns instead of running the net again."""
        a, pre_activations = self._inputs(v), []
        for layer in self.net.layers[:-1]:
            pre = layer(a)
            pre_activations.append(pre.detach())
            a = torch.relu(pre)
        self._seen = (v, self._versions(), pre_activations)
        return self.net.layers[-1](a)[..., self.outputs]

    def _pre_activations(self, v: torch.Tensor) -> list[torch.Tensor]:
        """The hidden layers' pre-activations at ``v``: those of the last call when it was on this very
        tensor and no weight has changed since (the same numbers), else a forward pass without autograd."""
        if self._seen is not None and self._seen[0] is v and self._seen[1] == self._versions():
            return self._seen[2]
        with torch.no_grad():
            a, out = self._inputs(v), []
            for layer in self.net.layers[:-1]:
                out.append(layer(a))
                a = torch.relu(out[-1])
        return out

    def grad_sq_norms(self, v: torch.Tensor, n_cols: int, columns: torch.Tensor | None = None,
                      max_chunk_elements: int = losses.MAX_CHUNK_ELEMENTS) -> torch.Tensor:
        """||∇_v critic(v)_i||² for every row and each output i, [K, B, n]: as ``losses._output_grad_sq_norms``.

        The outputs are the critic's first ``n_cols``, or with ``columns``
        (long [K, n]) replica r's outputs ``columns[r]``.  Columns go in
        chunks so that a chunk's largest intermediate, [K, B, chunk, width],
        stays under ``max_chunk_elements`` numbers.
        """
        layers = list(self.net.layers)
        k, b, n_wrt = v.shape
        # the ReLU patterns s_l, [K, B, 1, h_l]: constants, as in autograd's double backward
        active = [(pre > 0).to(pre.dtype)[:, :, None, :] for pre in self._pre_activations(v)]
        n_out = layers[-1].weight.shape[-1]
        positions = torch.arange(n_out, device=v.device)[self.outputs]  # critic column -> net column
        if columns is None:
            columns = torch.arange(n_cols, device=v.device).expand(k, -1)
        columns = positions[columns.to(v.device)]
        w_in = layers[0].weight[:, :n_wrt]  # [K, n_wrt, h_1]: W_1's rows that multiply v
        h_in = w_in.shape[-1]
        # Narrower first layer than input (the authors' d/2): ||g W^T||² = g (W^T W) g^T is cheaper.
        gram = w_in.transpose(1, 2) @ w_in if h_in < n_wrt and len(layers) > 1 else None
        width = max([n_wrt] + [layer.weight.shape[-1] for layer in layers[:-1]])
        chunk = max(1, min(columns.shape[1], max_chunk_elements // max(1, k * b * width)))
        norms = []
        for start in range(0, columns.shape[1], chunk):
            cols = columns[:, start:start + chunk]
            w_last = layers[-1].weight
            # g: [K, B or 1, c, h] holds the rows ∂f_i/∂(layer input) for the chunk's columns i
            # (contiguous: then g * s is too, and the reshape below a view rather than a copy of [K, B, c, h])
            g = torch.gather(w_last, 2, cols[:, None, :].expand(-1, w_last.shape[1], -1)).transpose(1, 2)
            g = g.contiguous()[:, None]
            for layer, s in zip(reversed(layers[:-1]), reversed(active)):
                g = g * s
                if layer is layers[0]:
                    break
                g = torch.bmm(g.reshape(k, -1, g.shape[-1]), layer.weight.transpose(1, 2)).reshape(
                    k, b, cols.shape[1], -1)
            flat = g.reshape(k, -1, g.shape[-1])
            if len(layers) == 1:  # no hidden layer: J is W_1's columns themselves
                sq = flat[..., :n_wrt].pow(2).sum(-1)
            elif gram is None:
                sq = torch.bmm(flat, w_in.transpose(1, 2)).pow(2).sum(-1)
            else:
                sq = (torch.bmm(flat, gram) * flat).sum(-1)
            norms.append(sq.reshape(k, -1, cols.shape[1]).expand(k, b, -1))
        return torch.cat(norms, dim=-1)


def penalty_zero_centred_elementwise(critic: ReluMLPCritic, x_hat: torch.Tensor, m: torch.Tensor,
                                     max_chunk_elements: int = losses.MAX_CHUNK_ELEMENTS,
                                     columns: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. (6) in closed form: :func:`hexagan.model.losses.penalty_zero_centred_elementwise`, same arguments and value.

    critic: D_MI as ``ReluMLPCritic(d_mi.net, y)`` (y None without the label
    column); the gradient is taken with respect to x̂, i.e. through the first
    d input rows of W_1.  Returns [K].
    """
    norms = critic.grad_sq_norms(x_hat, m.shape[-1], columns, max_chunk_elements)
    return losses._elementwise_penalty(norms, m, columns)


def penalty_zero_centred(critic: ReluMLPCritic, h: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. (9) in closed form: :func:`hexagan.model.losses.penalty_zero_centred` for a one-output critic.

    critic: D_CG as ``ReluMLPCritic(d_cg.net, y_l)``.  Returns [K].
    """
    return masked_mean(critic.grad_sq_norms(h, 1)[..., 0], weight)


def as_critic(net: nn.Module, closure: Callable, extra: torch.Tensor | None = None, outputs: slice = slice(None)):
    """A discriminator as the regularisers see it: ``closure``, or the same function as a
    :class:`ReluMLPCritic` of ``net`` (inputs concat(v, extra), columns ``outputs``) when ``net`` is a ReLU
    MLP.  Then "zc" computes its penalties in closed form: a few batched matmuls instead of a backward pass
    per output column and a double backward, which took most of an iteration.  The conv D_MI keeps autograd,
    one column at a time (:class:`hexagan.model.losses.ColumnByColumn` says why)."""
    if closed_form_applies(net):
        return ReluMLPCritic(net, extra, outputs)
    return losses.ColumnByColumn(closure) if isinstance(net, ReplicaModules) else closure


@dataclass(frozen=True)
class Regularizer:
    """A discriminator regulariser of appendix C.1.

    ``elementwise(critic, real, fake, mask, eps, columns, rows=...)`` regularises D_MI
    and ``single(critic, real, fake, mask, eps, rows=...)`` D_CG and D_MI's label
    column (both return [K]);
    ``rows`` ([K, B] or None) marks each replica's own rows of a batch whose
    replicas drew different numbers of them, for a penalty that counts every
    row alike (``mask`` already zeroes the others);
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


def _no_penalty(critic, real, fake, mask, eps, columns=None, rows=None):
    return torch.zeros(real.shape[0], device=real.device)


def _zc_elementwise(critic, real, fake, mask, eps, columns=None, rows=None):
    how = penalty_zero_centred_elementwise if isinstance(critic, ReluMLPCritic) else \
        losses.penalty_zero_centred_elementwise  # the same value (see as_critic)
    return how(critic, real, mask, columns=columns)


def _zc_single(critic, real, fake, mask, eps, rows=None):
    how = penalty_zero_centred if isinstance(critic, ReluMLPCritic) else losses.penalty_zero_centred
    return how(critic, real, mask[..., 0])


def _gp_elementwise(critic, real, fake, mask, eps, columns=None, rows=None):
    return losses.penalty_gradient(critic, real, fake, eps, mask.shape[-1], rows=rows)


def _gp_single(critic, real, fake, mask, eps, rows=None):
    return losses.penalty_gradient(critic, real, fake, eps, 1, rows=rows)


#: The regularisers by name (``regularizer``).
REGULARIZERS = {
    "zc": Regularizer(elementwise=_zc_elementwise, single=_zc_single, samples_columns=True),
    "gp": Regularizer(elementwise=_gp_elementwise, single=_gp_single, interpolates=True),
    "wc": Regularizer(elementwise=_no_penalty, single=_no_penalty, clip=0.01),
}
