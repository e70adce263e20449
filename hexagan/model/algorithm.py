"""HexaGAN's training procedure (appendix Algorithm 2), for K replicas at once.

:class:`HexaGANCore` trains a :class:`hexagan.model.gan.HexaGAN` (the six
networks of K replicas) with a :class:`hexagan.model.train_config.TrainConfig`.
One iteration (``HexaGANCore.step``) is:

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
  (x̂, y): the regulariser's ``single`` penalty with the label column as the
  critic (for "zc", Eq. 9's :func:`hexagan.model.losses.penalty_zero_centred` on the
  pair), weighted by lambda1 ("gp" and "wc" treat the column alike).
* **Eqs. (3)-(4) as printed**, E[(1 - m_i) D_i] - E[m_i D_i], not as
  Theorem 1 is proved and the authors' code computes them (conditional
  means, ``adversarial_loss="conditional"``).  The printed form lets D_MI's
  scores drift without bound (wine: the critic loss reached -4 000 in 3 000
  iterations; the conditional one stayed near 0), yet on the validation parts
  of breast and wine (``bench/validation_study.py``, 8 000 iterations) the two
  impute alike: RMSE 0.1061 vs 0.1062 and 0.1837 vs 0.1854.
* **D_CG's losses use its pre-sigmoid score**, as the authors' code does:
  see :class:`hexagan.model.networks.ConditionalDiscriminator`.
* **E and G_MI take one joint step** on their common loss; Algorithm 2 (and
  the authors' code) step E, then G_MI on a loss recomputed after E's step.
* **Warm-up.**  The authors first train only the discriminators for 60
  epochs, on the gradient penalties alone at 10x the learning rate.  Our
  ``warmup_epochs`` (in epochs of the labeled rows; 0 by default, as in
  Algorithm 2) runs discriminator-only updates on their full losses at the
  usual rate: a penalty alone only flattens a critic.

Losses are summed over replicas before backpropagation, so each replica
receives exactly its own gradient (:mod:`hexagan.replicas.replica`).  What depends on a
replica's own data stays its own: its unlabeled rows per batch (the labeled
batch times its own unlabeled/labeled ratio) are drawn from its own stream and
the slots other replicas need beyond them are padding (weight 0); replicas of
different warm-up lengths are not trained together (:func:`warmup_steps`).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import pandas as pd
import torch

from hexagan.model import losses
from hexagan.model.evaluation import Snapshots, ValidationSet, scores, selection_name, validation_scores
from hexagan.model.gan import HexaGAN, one_hot
from hexagan.model.losses import ADVERSARIAL_LOSSES
from hexagan.model.penalties import REGULARIZERS, as_critic
from hexagan.model.train_config import TrainConfig, lookup, resolve_penalty_columns
from hexagan.replicas.checkpoint import Checkpointer, fingerprint
from hexagan.replicas.replica import BestState, ReplicaRNG
from hexagan.replicas.training import ReplicaData, make_optimizer, optimizer_step, train_loop

# Training losses are recorded every LOG_EVERY iterations (validation metrics at each evaluation).
LOG_EVERY = 10


@dataclass
class Batch:
    """One batch per replica: labeled rows first (``n_labeled`` of them), then unlabeled ones.

    x, m, z: [K, B, d]; y: long [K, B] (-1 for unlabeled rows); m_y: [K, B]
    label mask (None for the imputer); weight: [K, B], 0 for padding rows: the
    slots beyond a replica's own rows (``rows``, [K]: replicas draw their own
    number of unlabeled rows) and those of a replica whose pool is empty.
    ``slots``: [K, B], 1 for a replica's own rows, or None when every slot is
    one.
    """

    x: torch.Tensor
    m: torch.Tensor
    y: torch.Tensor
    m_y: torch.Tensor | None
    weight: torch.Tensor
    z: torch.Tensor
    n_labeled: int
    rows: torch.Tensor
    slots: torch.Tensor | None

    def pair(self, t: torch.Tensor) -> torch.Tensor:
        """``t`` [K, B, ...] with each of a replica's own rows paired with its row before (the first with its
        last): ``t.roll(1, dims=1)`` within the replica's rows (padding slots pair with themselves)."""
        b = t.shape[1]
        slot = torch.arange(b, device=t.device)
        rows = self.rows.to(t.device)[:, None]
        index = torch.where(slot < rows, (slot - 1) % rows.clamp_min(1), slot)
        return torch.gather(t, 1, index.reshape(*index.shape, *(1,) * (t.dim() - 2)).expand_as(t))


def class_balance(y: torch.Tensor, weight: torch.Tensor, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The generated rows that make a labeled batch class-balanced (Sec. 3.3.2).

    Each minority class c receives (count of the majority class - count of c)
    generated rows, so that every class then has the majority's count.  For
    fixed shapes, n_classes x B slots are returned, class c in slots
    c*B .. c*B + B - 1, the unused ones with weight 0.

    y: long [K, B] labels of the labeled batch; weight: [K, B] 0/1 valid rows.
    Returns (y_gen long [K, n_classes * B], weight_gen [K, n_classes * B]).
    """
    k, b = y.shape
    counts = torch.zeros(k, n_classes, dtype=weight.dtype, device=y.device)
    counts.scatter_add_(1, y.clamp_min(0), weight)
    needed = counts.max(dim=1, keepdim=True).values - counts
    slot = torch.arange(b, device=y.device, dtype=weight.dtype)
    weight_gen = (slot[None, None, :] < needed[..., None]).to(weight.dtype).reshape(k, n_classes * b)
    y_gen = torch.arange(n_classes, device=y.device).repeat_interleave(b).expand(k, -1)
    return y_gen, weight_gen


def warmup_steps(config: TrainConfig, data: ReplicaData) -> list[int]:
    """Each replica's discriminator-only iterations: ``warmup_epochs`` epochs of its labeled rows (all rows
    for the imputer) in batches of ``batch_size``.  One HexaGANCore with discriminators trains replicas of
    one length only (the estimators train the others apart): a replica's warm-up is its own run's."""
    rows = data.n_labeled if data.n_classes else data.n
    batches = [math.ceil(int(n) / int(config.batch_size)) for n in rows.tolist()]
    return [int(math.ceil(config.warmup_epochs * b)) for b in batches]



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

    ``step(s)`` is one iteration (for :func:`hexagan.replicas.training.train_loop`),
    ``evaluate()`` the validation metrics, ``fit()`` the whole run;
    ``state_dict()`` / ``load_state_dict()`` what a checkpoint keeps of it.
    """

    DISCRIMINATORS = ("d_mi", "d_cg")

    def __init__(self, model: HexaGAN, data: ReplicaData, config: TrainConfig, *,
                 eval_data: ValidationSet | None = None, monitor_data: ValidationSet | None = None,
                 device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.model = model.to(self.device)
        self.data = data.to(self.device)
        self.config = config
        self.net_config = model.config
        self.k = model.k
        self.rng = ReplicaRNG(model.seeds)
        self.eval_data = eval_data.to(self.device) if eval_data is not None else None
        if config.n_iter_no_change is not None and (eval_data is None or not eval_data.x.shape[1]):
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
        self.penalty_columns = (resolve_penalty_columns(config.penalty_columns, model.d)
                                if self.regularizer.samples_columns else None)
        # The authors scale the unlabeled batch by the unlabeled/labeled ratio: each replica by its own
        # (a job's splits differ: 11 to 21 rows on breast), so that it draws what its lone run draws.
        labeled = data.n_labeled.clamp_min(1).double()
        ratios = (data.n_unlabeled / labeled).tolist() if self.n_classes else [0.0] * self.k
        self.unlabeled_rows = torch.tensor([int(round(self.batch * r)) for r in ratios])
        lengths = set(warmup_steps(config, data))
        if len(lengths) > 1 and "d_mi" in model.nets:
            raise ValueError(f"these replicas warm up for different numbers of iterations {sorted(lengths)}: "
                             "train each length apart (the estimators' fit_replicas does)")
        self.warmup_steps = max(lengths)  # without D_MI (the MLP row) the warm-up updates nothing
        groups = {"d_mi": ["d_mi"], "eg": ["encoder", "g_mi"], "d_cg": ["d_cg"], "g_cg": ["g_cg"],
                  "c": ["classifier"]}
        self.groups = {g: names for g, names in groups.items() if all(n in model.nets for n in names)}
        self.optimizers = {
            g: make_optimizer(config.optimizer, [p for n in names for p in model.nets[n].parameters()],
                              self._learning_rate(g), decay=config.decay)
            for g, names in self.groups.items()
        }
        self.snapshots = Snapshots(self.model, self.data, config.snapshot_steps, self.device)

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
        """A training batch: for a classifier, labeled rows then each replica's own number of unlabeled rows;
        else any rows."""
        data, d = self.data, self.net_config["d"]
        if not self.n_classes:
            x, m, y = data.gather(data.rows(self.rng, self.batch).to(self.device))
            weight = torch.ones(self.k, self.batch, device=self.device)
            return Batch(x, m, y, None, weight, self._uniform(self.batch, d), 0,
                         torch.full((self.k,), self.batch), None)
        parts = [(data.labeled, data.n_labeled, torch.full((self.k,), self.batch))]
        if not labeled_only and self.unlabeled_rows.any():
            parts.append((data.unlabeled, data.n_unlabeled, self.unlabeled_rows))
        rows = torch.cat([data.rows(self.rng, size, index, counts) for index, counts, size in parts], dim=1)
        own = torch.cat([torch.arange(int(size.max()))[None] < size[:, None] for _, _, size in parts], dim=1)
        slots = None if bool(own.all()) else own.float().to(self.device)
        weight = torch.cat([(counts > 0)[:, None].expand(-1, int(size.max())) for _, counts, size in parts], dim=1)
        weight = (weight & own).float().to(self.device)
        x, m, y = data.gather(rows.to(self.device))
        m_y = torch.zeros_like(weight)
        m_y[:, :self.batch] = 1.0
        n_rows = sum(size for _, _, size in parts)
        return Batch(x, m, y, m_y, weight, self._uniform(n_rows, d), self.batch, n_rows, slots)

    def _draw_labels(self) -> torch.Tensor:
        """Labels of a labeled batch, [K, B]: the classes G_CG generates for."""
        rows = self.data.rows(self.rng, self.batch, self.data.labeled, self.data.n_labeled)
        return torch.gather(self.data.y, 1, rows.to(self.device))

    def _critic_labels(self, batch: Batch, x_hat: torch.Tensor) -> torch.Tensor | None:
        """D_MI's label input: one-hot real labels, C's probabilities as pseudo-labels (Sec. 3.3.1)."""
        if not self.net_config["use_label_discriminator"]:
            return None
        y = one_hot(batch.y[:, :batch.n_labeled], self.n_classes)
        if x_hat.shape[1] == batch.n_labeled:
            return y
        return torch.cat([y, self.model.nets["classifier"](x_hat[:, batch.n_labeled:])], dim=1)

    def _generated(self, y: torch.Tensor, decode: bool = True) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        """(h_c, x̂_c, one-hot y_c) for labels y [K, G], from fresh noise; x̂_c is None unless ``decode``
        (D_CG sees h_c only: G_MI's pass would be thrown away)."""
        y_onehot = one_hot(y, self.n_classes)
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
        # the interpolating penalty pairs each of a replica's rows with another of its own, in its own rows
        interpolates = self.regularizer.interpolates
        eps = self._uniform(b.rows, 1) if interpolates else None
        columns = None
        if self.penalty_columns is not None:  # drawn per replica from its own stream
            columns = losses.sample_columns(self._uniform(built["d"]), self.penalty_columns)
        critic = as_critic(d_mi.net, lambda v: d_mi(v, y_in), y_in)
        penalty = self.regularizer.elementwise(critic, x_hat, b.pair(x_hat) if interpolates else None,
                                               b.m * b.weight[..., None], eps, columns, rows=b.slots)
        named = {"d_mi": adversarial, "penalty_mi": penalty}
        if built["use_label_discriminator"]:
            pair = torch.cat([x_hat, y_in], dim=-1)
            label_critic = as_critic(d_mi.net, lambda v: d_mi(v[..., :built["d"]], v[..., built["d"]:])[..., -1:],
                                   outputs=slice(-1, None))
            named["penalty_label"] = self.regularizer.single(label_critic, pair, b.pair(pair) if interpolates else None,
                                                             (b.m_y * b.weight)[..., None], eps, rows=b.slots)
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
        critic = as_critic(d_cg.net, lambda h: d_cg.logits(h, y_onehot), y_onehot)
        adversarial = losses.loss_d_cg(critic(h_c), critic(h_l), b.weight)
        eps = self._uniform(self.batch, 1) if self.regularizer.interpolates else None
        penalty = self.regularizer.single(critic, h_l, h_c, b.weight[..., None], eps, rows=b.slots)
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
                y_gen, w_gen = class_balance(y_rows, w_rows, self.n_classes)
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
        if s in self.snapshots.steps:
            self.snapshots.take(s)
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

    # -- validation (hexagan.model.evaluation) ---------------------------------------------------
    def evaluate(self) -> dict[str, torch.Tensor]:
        """Validation metrics per replica and ``selection_score``:
        :func:`hexagan.model.evaluation.validation_scores`."""
        return validation_scores(self.model, self.eval_data, self.config.validation_metric)

    def monitor(self, s: int) -> None:
        """Score the monitored set (the audit's test fold) at step ``s``; it selects nothing."""
        scored = scores(self.model, self.monitor_data)
        self.monitored.append((s, {f"test_{name}": value for name, value in scored.items()}))

    # -- checkpoints -----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """What training changes (besides the loop's own state): the networks, the optimisers, both RNG
        streams, the snapshots and monitored scores so far, the last step."""
        return {"nets": self.model.state_dict(), "optimizers": {g: o.state_dict() for g, o in self.optimizers.items()},
                "rng": self.rng.state_dict(), "snapshot_rng": self.snapshots.rng.state_dict(),
                "snapshots": self.snapshots.taken, "monitored": [[s, values] for s, values in self.monitored],
                "step": self._step}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["nets"])
        if set(state["optimizers"]) != set(self.optimizers):
            raise ValueError(f"the saved optimisers {sorted(state['optimizers'])} are not {sorted(self.optimizers)}")
        for group, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][group])
        self.rng.load_state_dict(state["rng"])
        self.snapshots.rng.load_state_dict(state["snapshot_rng"])
        self.snapshots.taken = {int(s): dict(snap) for s, snap in state["snapshots"].items()}
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
            run from it (:class:`hexagan.replicas.checkpoint.Checkpointer`, to which the
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
        if 0 in self.snapshots.steps:
            self.snapshots.take(0)
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
                                     n_iter_no_change=config.n_iter_no_change if best else None,
                                     tol=config.tol, log_every=LOG_EVERY,
                                     progress=config.verbose,
                                     description=f"HexaGAN ({selection_name(self.n_classes, config.validation_metric)})",
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
        return FitResult(self.model, history, self.snapshots.taken, best.best_step.clone() if best else None,
                         best_imputation.best_step.clone() if best_imputation is not None else None, n_iter)
