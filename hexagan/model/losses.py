"""HexaGAN's loss terms, one pure function per equation of the paper.

Conventions shared by every function:

* Tensors carry a leading replica axis: ``[K, B, ...]`` (K replicas, B rows).
* ``m`` is the element mask, **1 where the entry is observed** (real), 0 where
  it is missing (to be imputed, "fake").  ``m_y`` is the label mask: 1 for a
  real label, 0 for a pseudo-label (unlabeled row) or a generated row.
* Rows produced by G_CG -> G_MI are imputations of *every* element, so they
  enter D_MI with ``m = 0`` and ``m_y = 0`` (Sec. 3.2: "the label of
  (x̂c, yc) for D_MI is a (d+1)-dimensional zero vector").
* Each loss is the expectation over the batch (a mean over rows, optionally
  weighted by a 0/1 ``weight`` of shape [K, B] that drops padding rows) of a
  **sum over elements**, as the equations are written; output shape [K].
  The authors' code instead averages over elements (and normalises each
  column by its observed fraction); we follow the paper.
* Penalty weights are applied by the caller and contain no factor 1/2: the
  paper's Eqs. (6) and (9) have none (unlike R1 as written by Mescheder et
  al., where GAN_stability folds gamma/2 into ``reg_param``).

Default weights of the paper are in :data:`WEIGHTS`; :data:`ADVERSARIAL_LOSSES`
names each family of Eqs. (3)-(4) and (13) that ``TrainConfig.adversarial_loss``
chooses (the discriminators' regularisers are :data:`hexagan.model.penalties.REGULARIZERS`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from hexagan.replicas.replica import masked_mean

# The paper's weights (Secs. 3.1-3.3): lambda1 (Eq. 6), lambda2 (Eq. 9),
# alpha1 (Eq. 5), alpha2 (Eq. 3 on generated rows), alpha3 (Eq. 10), alpha4 (Eq. 13).
WEIGHTS = {"lambda1": 10.0, "lambda2": 10.0, "alpha1": 10.0, "alpha2": 1.0, "alpha3": 0.01, "alpha4": 0.1}

Critic = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class ColumnByColumn:
    """A critic whose vector-Jacobian products go one output column at a time.

    For critics that are already a ``vmap`` (:class:`~hexagan.replicas.replica.ReplicaModules`, the conv
    D_MI): batching their backward pass over columns (``is_grads_batched``) nests a second vmap, which for the
    convolutions' double backward has no batching rule; the fallback writes a zero tensor of the whole chunk's
    size per column (100 MB on MNIST) and adds them up.  Column by column gives the same bits at about half
    the cost of an iteration (bench/conv_penalty.py; tests/test_penalties.py checks the equality).
    """

    fn: Critic

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


# Elements of one batched-VJP chunk in the element-wise penalties: bounds memory
# (the chunk of gradients is [chunk, K, B, d]) for wide data such as madelon.
MAX_CHUNK_ELEMENTS = 1 << 22


def _with_label_column(m: torch.Tensor, m_y: torch.Tensor | None) -> torch.Tensor:
    """[K, B, d] element mask -> [K, B, d+1] with the label mask appended (Eq. 14 folded into Eq. 4)."""
    return m if m_y is None else torch.cat([m, m_y[..., None].to(m.dtype)], dim=-1)


def noise_fill(x: torch.Tensor, m: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """HexaGAN Eq. (1): x̃ = m ⊙ x + (1 - m) ⊙ z, with z ~ U(0, 1).  All [K, B, d]."""
    return m * x + (1 - m) * z


def combine(x: torch.Tensor, m: torch.Tensor, x_bar: torch.Tensor) -> torch.Tensor:
    """HexaGAN Eq. (2): x̂ = m ⊙ x + (1 - m) ⊙ x̄ -- observed entries kept, missing ones generated."""
    return m * x + (1 - m) * x_bar


def loss_g_mi(d_out: torch.Tensor, m: torch.Tensor, m_y: torch.Tensor | None = None,
              weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (3): L_GMI = -Σ_i E[(1 - m_i) D_MI(x̂, y)_i].

    d_out: [K, B, d] critic scores (or [K, B, d+1] with ``m_y`` [K, B] for
    the label column, as G_CG's generated rows use it); m: [K, B, d].
    Returns [K].
    """
    mask = _with_label_column(m, m_y)
    return -masked_mean(((1 - mask) * d_out).sum(-1), weight)


def loss_d_mi(d_out: torch.Tensor, m: torch.Tensor, m_y: torch.Tensor | None = None,
              weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (4), plus Eq. (14) when ``m_y`` is given.

    L_DMI = Σ_i E[(1 - m_i) D_MI(x̂, y)_i] - E[m_i D_MI(x̂, y)_i]: the critic
    scores observed elements up and imputed ones down.  With ``m_y``, i runs
    to d+1 and column d+1 is the label discriminator of Eq. (14): real labels
    (m_y = 1) up, pseudo-labels and generated labels (m_y = 0) down.

    d_out: [K, B, d] or [K, B, d+1]; m: [K, B, d]; m_y: [K, B] or None.
    Returns [K].
    """
    mask = _with_label_column(m, m_y)
    return masked_mean(((1 - 2 * mask) * d_out).sum(-1), weight)


def _column_means(values: torch.Tensor, rows: torch.Tensor, weight: torch.Tensor | None
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """[K, B, C] -> ([K, C] each column's mean over the rows where ``rows`` [K, B, C] is 1, 0 if none;
    [K, C] whether there was such a row)."""
    if weight is not None:
        rows = rows * weight[..., None]
    total = rows.sum(1)
    return (values * rows).sum(1) / total.clamp_min(1e-8), (total > 0).to(values.dtype)


def loss_g_mi_conditional(d_out: torch.Tensor, m: torch.Tensor, m_y: torch.Tensor | None = None,
                          weight: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. (3) as Theorem 1 is proved (appendix A.1): -Σ_i E[D_MI(x̂, y)_i | m_i = 0].

    Each element's score is averaged over the rows where it is missing, so
    every column weighs the same whatever its missing rate, as the authors'
    ``WGAN_G_loss`` does (they then average over columns; we sum, as Eq. 3
    does, so that alpha1 keeps its meaning).  Same shapes as :func:`loss_g_mi`;
    on rows that are all fake (G_CG's) the two coincide.
    """
    fake = 1 - _with_label_column(m, m_y).expand_as(d_out)
    return -_column_means(d_out, fake, weight)[0].sum(-1)


def loss_d_mi_conditional(d_out: torch.Tensor, m: torch.Tensor, m_y: torch.Tensor | None = None,
                          weight: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. (4) (+ Eq. 14) as Theorem 1 is proved: Σ_i E[D_i | m_i = 0] - E[D_i | m_i = 1].

    Theorem 1 compares p(x | m_i = 1) with p(x | m_i = 0), a difference of
    two probability measures, and the authors' ``WGAN_D_loss`` computes these
    conditional means.  Eq. (4) as printed, E[(1 - m_i) D_i] - E[m_i D_i],
    weighs them by P(m_i = 0) and P(m_i = 1): when they differ the critic
    lowers its loss without bound by raising a constant, which no
    gradient penalty on x̂ restrains.  Here a constant cancels; so that it
    does in every batch, a column counts only when the batch has both a real
    and a fake entry of it.  Same shapes as :func:`loss_d_mi`.
    """
    real = _with_label_column(m, m_y).expand_as(d_out)
    fake_mean, any_fake = _column_means(d_out, 1 - real, weight)
    real_mean, any_real = _column_means(d_out, real, weight)
    return ((fake_mean - real_mean) * any_fake * any_real).sum(-1)


def loss_recon(x: torch.Tensor, m: torch.Tensor, x_bar: torch.Tensor,
               weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (5): L_recon = E[Σ_i m_i (x_i - x̄_i)²] -- observed entries only.  Returns [K]."""
    return masked_mean((m * (x - x_bar) ** 2).sum(-1), weight)


def _output_grad_sq_norms(critic: Critic, x: torch.Tensor, n_cols: int,
                          max_chunk_elements: int = MAX_CHUNK_ELEMENTS,
                          columns: torch.Tensor | None = None) -> torch.Tensor:
    """||∇_x critic(x)_i||² for every row and each output i, [K, B, n].

    The outputs are the first ``n_cols`` ones (n = n_cols), or with
    ``columns`` (long [K, n]) replica r's outputs ``columns[r]``, so that
    each replica may use its own subset of columns.

    Exact: one vector-Jacobian product per output column, batched with
    ``is_grads_batched`` (a vmap over the backward pass) in chunks of columns
    so that a chunk's gradients stay under ``max_chunk_elements`` numbers;
    one column at a time for a :class:`ColumnByColumn` critic.
    Rows and replicas never mix in the critic, so the gradient of the summed
    column i with respect to x, read row by row, is each row's own gradient.
    The graph is kept (``create_graph``) so the penalty trains the critic.
    """
    x = x.detach().requires_grad_(True)
    out = critic(x)
    k, b, d = x.shape
    if columns is None:
        columns = torch.arange(n_cols, device=out.device).expand(k, -1)
    columns = columns.to(out.device)
    n = columns.shape[1]
    chunk = 1 if isinstance(critic, ColumnByColumn) else max(1, min(n, max_chunk_elements // max(1, k * b * d)))
    replicas = torch.arange(k, device=out.device)
    norms = []
    for start in range(0, n, chunk):
        cols = columns[:, start:start + chunk]  # [K, c]
        c = cols.shape[1]
        selector = torch.zeros(c, *out.shape, dtype=out.dtype, device=out.device)
        # selector[j, r, :, cols[r, j]] = 1: chunk member j picks replica r's column cols[r, j]
        j_idx = torch.arange(c, device=out.device)[:, None].expand(c, k)
        selector[j_idx, replicas[None, :].expand(c, k), :, cols.T] = 1.0
        if c == 1:  # one plain backward pass is cheaper than a vmap over one
            (grads,) = torch.autograd.grad(out, x, grad_outputs=selector[0], create_graph=True, retain_graph=True)
            grads = grads[None]
        else:
            (grads,) = torch.autograd.grad(out, x, grad_outputs=selector, is_grads_batched=True, create_graph=True,
                                           retain_graph=True)
        norms.append(grads.pow(2).sum(-1).permute(1, 2, 0))
    return torch.cat(norms, dim=-1)


def penalty_zero_centred_elementwise(critic: Critic, x_hat: torch.Tensor, m: torch.Tensor,
                                     max_chunk_elements: int = MAX_CHUNK_ELEMENTS,
                                     columns: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (6): L_GP_MI = Σ_{i=1..d} E_{x̂ ~ p_D(x_i)}[||∇_x̂ D_MI(x̂)_i||²].

    For output i the expectation runs only over rows where feature i is
    observed (m_i = 1, the "real" data of that element); rows where it is
    missing contribute nothing to that output's term.  A column with no
    observed row in the batch contributes 0.

    The label column d+1 is not penalised here: Eq. (6) sums i = 1..d and
    Eq. (14) extends only Eq. (4) to d+1 (so does the authors' code).  The
    model penalises it apart, with the regulariser's ``single`` penalty
    (for "zc", :func:`penalty_zero_centred` with respect to the pair (x̂, y)
    on the rows with a real label; :mod:`hexagan.model.algorithm` says why).  The
    gradient is taken with respect to x̂ only (y is held fixed), as written.

    ``columns`` (long [K, n], distinct columns per replica, drawn uniformly
    without replacement, e.g. by :func:`sample_columns`) estimates the sum
    over i from those n terms scaled by d / n: unbiased, and n backward
    passes instead of d (for wide data, where the exact sum dominates an
    iteration).  None: the exact sum.

    critic: x̂ [K, B, d] -> scores [K, B, d or d+1] (bind y in a closure);
    x_hat: [K, B, d], detached from the generator; m: [K, B, d].
    Returns [K].
    """
    return _elementwise_penalty(_output_grad_sq_norms(critic, x_hat, m.shape[-1], max_chunk_elements, columns),
                                m, columns)


def _elementwise_penalty(norms: torch.Tensor, m: torch.Tensor, columns: torch.Tensor | None) -> torch.Tensor:
    """Eq. (6) from the squared gradient norms [K, B, n] of the columns ``columns`` (None: all d): [K].

    Shared by :func:`penalty_zero_centred_elementwise` and its closed form
    (:func:`hexagan.model.penalties.penalty_zero_centred_elementwise`).
    """
    d = m.shape[-1]
    if columns is not None:
        m = torch.gather(m, 2, columns.to(m.device)[:, None, :].expand(-1, m.shape[1], -1))
    terms = masked_mean(norms, m).sum(-1)
    return terms if columns is None else terms * (d / columns.shape[1])


def sample_columns(uniform: torch.Tensor, n: int) -> torch.Tensor:
    """n distinct column indices per replica, uniformly without replacement, from U(0, 1) draws [K, d].

    The first n entries of the permutation that sorts the draws; long [K, n].
    """
    return torch.argsort(uniform, dim=-1)[:, :n]


def penalty_zero_centred(critic: Critic, h: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (9): L_GP_CG = E_{h_l}[||∇_{h_l} D_CG(h_l, y_l)||²], on real (encoded labeled) rows.

    critic: h [K, B, dh] -> [K, B, 1] (bind y_l in a closure).  Returns [K].

    The model also penalises D_MI's label column with it (our extension:
    Eq. 6 stops at d; :mod:`hexagan.model.algorithm` says why): h is then the pair
    (x̂, y), the critic the label column, and ``weight`` the rows with a real
    label, since y is what that column judges.
    """
    return masked_mean(_output_grad_sq_norms(critic, h, 1)[..., 0], weight)


def penalty_gradient(critic: Critic, x_real: torch.Tensor, x_fake: torch.Tensor, eps: torch.Tensor, n_cols: int,
                     max_chunk_elements: int = MAX_CHUNK_ELEMENTS, rows: torch.Tensor | None = None) -> torch.Tensor:
    """Gulrajani et al.'s one-centred penalty, element-wise (the "GP" of appendix C.1).

    Σ_i E[(||∇ D(x̌)_i|| - 1)²] on interpolates x̌ = eps ⊙ x_real + (1 - eps) ⊙ x_fake,
    one term per output column i < ``n_cols`` (d for D_MI, leaving out the
    label column as Eq. 6 does; 1 for D_CG).
    Every interpolate counts for every column: it is neither real nor fake.
    For D_MI the model pairs each x̂ with another row's x̂, so that feature i
    is interpolated between an observed and an imputed value whenever the two
    rows' masks differ there; for D_CG it pairs h_l with h_c.

    x_real, x_fake: [K, B, n]; eps: [K, B, 1] in [0, 1]; rows: [K, B], 1 for
    the rows to average over (a replica's own rows of a padded batch), None
    for all.  Returns [K].
    """
    x_mix = eps * x_real.detach() + (1 - eps) * x_fake.detach()
    norms = _output_grad_sq_norms(critic, x_mix, n_cols, max_chunk_elements)
    terms = ((norms + 1e-12).sqrt() - 1).pow(2)
    if rows is None:
        return terms.mean(1).sum(-1)
    return (terms * rows[..., None]).sum((1, 2)) / rows.sum(1).clamp_min(1.0)


@torch.no_grad()
def clip_weights_(module: nn.Module, bound: float = 0.01) -> None:
    """Weight clipping (Arjovsky et al., the "WC" of appendix C.1): every parameter into [-bound, bound], in place."""
    for p in module.parameters():
        p.clamp_(-bound, bound)


def loss_g_cg(d_fake: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (7): L_GCG = -E[D_CG(h_c, y_c)].  d_fake: [K, B, 1].  Returns [K]."""
    return -masked_mean(d_fake[..., 0], weight)


def loss_d_cg(d_fake: torch.Tensor, d_real: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (8): L_DCG = E[D_CG(h_c, y_c)] - E[D_CG(h_l, y_l)].  [K, B, 1] each.  Returns [K]."""
    return masked_mean(d_fake[..., 0], weight) - masked_mean(d_real[..., 0], weight)


def _cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """-log softmax(logits)[y] per row: logits [K, B, n_classes], y long [K, B] -> [K, B]."""
    return -torch.log_softmax(logits, dim=-1).gather(-1, y.clamp_min(0)[..., None])[..., 0]


def loss_ce_generated(logits: torch.Tensor, y_c: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (10): L_CE(x̂_c, y_c) = -E[Σ_k y_ck log C(x̂_c)_k].

    logits: C's pre-softmax output [K, B, n_classes] on generated rows x̂_c;
    y_c: long [K, B], the class each row was generated for.  Returns [K].
    """
    return masked_mean(_cross_entropy(logits, y_c), weight)


def loss_c_adversarial(d_label: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """HexaGAN Eq. (13): L_C = -E_{y_u ~ p_C(y | x̂_u)}[D_MI(x̂_u, y_u)_{d+1}].

    d_label: [K, B] the label column of D_MI on unlabeled rows, where y_u is
    C's class-probability vector (so the gradient reaches C).  Returns [K].
    """
    return -masked_mean(d_label, weight)


def loss_classifier(logits: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | None,
                    l_c: torch.Tensor | None = None, *, alpha4: float = WEIGHTS["alpha4"]) -> torch.Tensor:
    """HexaGAN Eq. (15): L_CE(x̂_{l,c}, y_{l,c}) + alpha4 L_C.

    logits, y, weight: C's logits [K, B, n_classes], labels and 0/1 row
    weights [K, B] of the labeled rows and the class-balancing generated rows
    together (see :func:`hexagan.model.algorithm.class_balance`); l_c: [K] the adversarial term of
    Eq. (13) (:func:`loss_c_adversarial`), or None without the label
    discriminator.  Returns [K].
    """
    loss = masked_mean(_cross_entropy(logits, y), weight)
    return loss if l_c is None else loss + alpha4 * l_c


def loss_d_gain(d_out: torch.Tensor, m: torch.Tensor, m_y: torch.Tensor | None = None,
                weight: torch.Tensor | None = None) -> torch.Tensor:
    """GAIN's discriminator loss (Yoon et al. 2018), for appendix C.1's comparison.

    Element-wise sigmoid cross-entropy of D's logits against the mask:
    -E[Σ_i m_i log σ(D_i) + (1 - m_i) log(1 - σ(D_i))], same shapes as
    :func:`loss_d_mi` (GAIN's hint mechanism is not part of this loss).
    """
    mask = _with_label_column(m, m_y)
    bce = nn.functional.binary_cross_entropy_with_logits(d_out, mask.expand_as(d_out), reduction="none")
    return masked_mean(bce.sum(-1), weight)


def loss_g_gain(d_out: torch.Tensor, m: torch.Tensor, m_y: torch.Tensor | None = None,
                weight: torch.Tensor | None = None) -> torch.Tensor:
    """GAIN's generator loss: -E[Σ_i (1 - m_i) log σ(D_i)], same shapes as :func:`loss_g_mi`."""
    mask = _with_label_column(m, m_y)
    return -masked_mean(((1 - mask) * nn.functional.logsigmoid(d_out)).sum(-1), weight)


def loss_c_gain(d_label: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Eq. (13) under GAIN's loss: -E[log σ(D_MI(x̂_u, y_u)_{d+1})] on unlabeled rows.  Returns [K]."""
    return -masked_mean(nn.functional.logsigmoid(d_label), weight)


@dataclass(frozen=True)
class Adversarial:
    """One adversarial loss family: the critic's, the generators' and the classifier's (Eq. 13) side."""

    critic: Callable[..., torch.Tensor]
    generator: Callable[..., torch.Tensor]
    classifier: Callable[..., torch.Tensor]


#: The adversarial losses by name (``adversarial_loss``): Eqs. (3)-(4) and (13) as printed, the same with the
#: conditional means of Theorem 1 and the authors' code, or GAIN's cross-entropy (appendix C.1).
ADVERSARIAL_LOSSES = {
    "hexagan": Adversarial(loss_d_mi, loss_g_mi, loss_c_adversarial),
    "conditional": Adversarial(loss_d_mi_conditional, loss_g_mi_conditional, loss_c_adversarial),
    "gain": Adversarial(loss_d_gain, loss_g_gain, loss_c_gain),
}
