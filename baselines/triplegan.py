"""``triplegan``: Triple-GAN (Li, Xu, Zhu & Zhang, NeurIPS 2017) for tabular semi-supervised classification.

Three players (the paper's Eq. 2, with the reference code's choices where the
paper leaves room):

* a classifier C(x) -> p_c(y | x): **exactly HexaGAN's C**
  (:class:`hexagan.model.networks.Classifier`: d -> d -> d/2 -> n_classes, ReLU,
  softmax), as the HexaGAN paper (Sec. 4.3.2) requires for a fair comparison;
* a conditional generator G(z, y) -> x: an MLP of the same B.3 shape,
  ``z_dim + n_classes -> d -> d/2 -> d``, ReLU, sigmoid output (the data lie
  in [0, 1]); z ~ U(0, 1) as in the authors' Theano code;
* a discriminator D(x, y) -> "is (x, y) a real pair": ``d + n_classes -> d
  -> d/2 -> 1``, ReLU, a logit (the sigmoid is inside the loss, for
  stability).  y enters as a class-probability vector: one-hot for a real or
  generated label, C's probabilities for a pseudo-label.

Losses per step (:func:`loss_discriminator`, :func:`loss_generator`,
:func:`loss_classifier`), with ``alpha = 0.5`` the paper's α_p split of the
"fake" side between G's pairs and C's pairs:

* D: ``BCE(D(x_l, y_l), 1) + (1 - α) BCE(D(x_g, y_g), 0) + α BCE(D(x_u, C(x_u)), 0)``
* G: ``(1 - α) BCE(D(x_g, y_g), 1)``
* C: ``CE_w(C(x_l), y_l) + adversarial_weight · α · BCE(D(x_u, C(x_u)), 1)
  + pseudo_weight(t) · CE(C(x_g), y_g)``

Choices where the paper is silent, from the reference code:

* the unlabeled pool ``x_u`` is **every training row** (labels ignored), as
  in the authors' code (``x_unlabelled = train_x.copy()``): p(x) is the
  marginal of all rows;
* C's adversarial term is the non-saturating ``-log D`` (the Theano code's
  ``bce(D, 1)``) weighted ``adversarial_weight · α = 0.01 · 0.5``, the
  TensorFlow port's (taki0112) ``alpha_cla_adv · alpha``; D sees C's *soft*
  probabilities, so the term is differentiable (the Theano code feeds the
  argmax and weights by the max probability; the TensorFlow port's term
  is identically zero -- a softmax cross-entropy over a single logit);
* the pseudo-label CE on generated pairs (``R_P``) is off for the first
  ``pseudo_start`` fraction of the steps, then weighted ``pseudo_weight = 0.1``
  (Theano: 0.1 from epoch 300 of 1000; TensorFlow port: 0 -> 0.1 at epoch 200):
  this is the reference code's only ramp -- C's adversarial weight is constant
  in both;
* Adam: D and G lr 1e-3 with β1 = 0.5 (Theano), C lr 2e-3 with β = (0.9,
  0.999) (TensorFlow port); no learning-rate annealing, no Gaussian noise
  layers in D, no batch norm (HexaGAN's networks have none);
* generated labels y_g are drawn uniformly over the classes (Theano: a
  balanced batch);
* ``class_weight`` ("balanced" = inverse class frequency of the labeled rows,
  :func:`baselines.balancing.inverse_frequency_weights`) weights the labeled
  CE only -- the "CS" of the HexaGAN paper's Table 3.

Checkpoint selection (``validation=True``, our addition, the same help
HexaGAN's estimator gets): every ``eval_every`` steps C's cross-entropy on the
labeled rows of the validation part (``eval_set``, carved from the training
rows by the protocol; class-weighted like the training CE) is computed, and
each replica keeps its best C.  Without it C overfits small tables (its
labeled CE reaches ~1e-4 within 2000 steps on breast).

Triple-GAN needs complete inputs: it is normally the last stage of a
pipeline (:mod:`baselines.cascade`).  Standalone, a missing entry is filled
with 0 (the column's minimum: with ``scale=True`` the columns are scaled to
[0, 1] inside, :mod:`hexagan.replicas.scaling`, as G's sigmoid output assumes).
"""
from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import ClassifierMixin, clone
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight

from baselines.neural import COMMON_CONSTRAINTS, TRAINING_CONSTRAINTS, VALIDATION_CONSTRAINTS, NetworkEstimator
from hexagan.methods import BaseClassifier, register
from hexagan.model.evaluation import ValidationSet
from hexagan.model.networks import Classifier
from hexagan.replicas.replica import BestState, ReplicaMLP, ReplicaRNG, masked_mean, replica_generators
from hexagan.replicas.training import ReplicaData, make_optimizer, optimizer_step

__all__ = ["TripleGANClassifier", "class_weights", "loss_classifier", "loss_discriminator", "loss_generator",
           "loss_weighted_ce"]

# Salts of G and D (hexagan.model.networks uses 1..6, C's is its own).
_SALT_G, _SALT_D = 101, 102


def loss_weighted_ce(logits: torch.Tensor, y: torch.Tensor, weights: torch.Tensor | None = None,
                     valid: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy per replica, each row weighted by its class's weight.

    ``mean_i w[y_i] · (-log softmax(logits_i)[y_i])`` over the valid rows (the
    mean divides by the number of rows, not by the sum of the weights, so a
    weight scales that class's gradient directly).

    Parameters
    ----------
    logits : tensor of shape (K, B, n_classes).
    y : long tensor of shape (K, B), labels 0..n_classes-1.
    weights : tensor of shape (K, n_classes) or (n_classes,), or None (all 1).
    valid : float tensor of shape (K, B), 1 for a row that counts, or None (all).

    Returns
    -------
    tensor of shape (K,).
    """
    ce = -torch.gather(torch.log_softmax(logits, dim=-1), -1, y.clamp_min(0)[..., None])[..., 0]
    if weights is not None:
        w = weights.expand(logits.shape[0], -1) if weights.dim() == 1 else weights
        ce = ce * torch.gather(w, 1, y.clamp_min(0))
    if valid is None:
        return ce.mean(dim=1)
    return masked_mean(ce, valid)


def _bce_logits(logit: torch.Tensor, target: float) -> torch.Tensor:
    """BCE of a logit against a constant target, mean over the batch: (K, B, 1) -> (K,)."""
    return F.binary_cross_entropy_with_logits(logit, torch.full_like(logit, target), reduction="none").mean(dim=(1, 2))


def loss_discriminator(d_real: torch.Tensor, d_gen: torch.Tensor, d_cla: torch.Tensor,
                       alpha: float) -> torch.Tensor:
    """Triple-GAN's D loss: real pairs vs G's pairs (weight 1 - α) and C's pairs (weight α).

    Parameters
    ----------
    d_real, d_gen, d_cla : tensors of shape (K, B, 1), D's logits on
        (x_l, y_l), (x_g, y_g) and (x_u, C(x_u)).
    alpha : α_p of the paper (0.5).

    Returns
    -------
    tensor of shape (K,).
    """
    return _bce_logits(d_real, 1.0) + (1 - alpha) * _bce_logits(d_gen, 0.0) + alpha * _bce_logits(d_cla, 0.0)


def loss_generator(d_gen: torch.Tensor, alpha: float) -> torch.Tensor:
    """G's loss, ``(1 - α) BCE(D(x_g, y_g), 1)`` (non-saturating); d_gen (K, B, 1) -> (K,)."""
    return (1 - alpha) * _bce_logits(d_gen, 1.0)


def loss_classifier(ce_labeled: torch.Tensor, d_cla: torch.Tensor, ce_generated: torch.Tensor, alpha: float,
                    adversarial_weight: float, pseudo_weight: float) -> torch.Tensor:
    """C's loss: ``ce_labeled + adversarial_weight · α · BCE(D(x_u, C(x_u)), 1) + pseudo_weight · ce_generated``.

    Parameters
    ----------
    ce_labeled : tensor (K,), the (class-weighted) CE on labeled rows.
    d_cla : tensor (K, B, 1), D's logits on (x_u, C(x_u)) with C's
        probabilities attached to the graph.
    ce_generated : tensor (K,), the CE of C on generated pairs (R_P).
    alpha, adversarial_weight, pseudo_weight : floats.

    Returns
    -------
    tensor of shape (K,).
    """
    return ce_labeled + adversarial_weight * alpha * _bce_logits(d_cla, 1.0) + pseudo_weight * ce_generated


def class_weights(class_weight, ys, n_classes: int) -> torch.Tensor | None:
    """Per-replica class weights, shape (K, n_classes), from ``class_weight``.

    class_weight : None (no weights), "balanced" (inverse frequency of each
        replica's labeled rows, :func:`baselines.balancing.inverse_frequency_weights`)
        or an array-like of n_classes weights shared by all replicas.
    ys : list of K label arrays (-1 = missing).
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or an array of weights, got {class_weight!r}")
        from baselines.balancing import inverse_frequency_weights

        return torch.stack([torch.as_tensor(np.asarray(inverse_frequency_weights(y[y >= 0], n_classes)),
                                             dtype=torch.float32) for y in ys])
    w = np.asarray(class_weight, dtype=np.float64)
    if w.shape != (n_classes,) or (w < 0).any() or not np.isfinite(w).all():
        raise ValueError(f"class_weight must hold {n_classes} finite non-negative weights, got {class_weight!r}")
    return torch.as_tensor(w, dtype=torch.float32).expand(len(ys), -1).clone()


def labeled_validation(tasks, seeds, device: torch.device):
    """C's validation rows: the labeled rows of every task's ``eval_set``, padded
    (:meth:`hexagan.model.evaluation.ValidationSet.labeled`: x, y, valid); None when a task has no eval_set or
    no labeled validation row.  NaN is filled with 0 (the caller imputes first when it can)."""
    if any(t.eval_set is None for t in tasks):
        return None
    return ValidationSet.from_sets([t.eval_set for t in tasks], tasks[0].X.shape[1], seeds).to(device).labeled()


@register("triplegan")
class TripleGANClassifier(BaseClassifier, ClassifierMixin, NetworkEstimator):
    """Triple-GAN semi-supervised classifier with HexaGAN's C (see the module docstring).

    Parameters
    ----------
    max_steps : int, default 5000
        Training steps; each updates D, then G, then C.
    batch_size : int, default 128
        Rows per batch of each kind (labeled, unlabeled, generated).
    z_dim : int or None, default None
        Size of G's noise; None = d (the number of features).
    alpha : float, default 0.5
        α_p: share of C's pairs among D's fake pairs (G's get 1 - α).
    adversarial_weight : float, default 0.01
        Weight of C's adversarial term (times α); the TensorFlow port's ``alpha_cla_adv``.
    pseudo_weight : float, default 0.1
        Weight of the CE on generated pairs once active.
    pseudo_start : float, default 0.3
        Fraction of ``max_steps`` before the generated-pair CE starts.
    learning_rate : float, default 1e-3
        Adam learning rate of D and G (β1 = 0.5).
    classifier_learning_rate : float, default 2e-3
        Adam learning rate of C.
    class_weight : None, "balanced", dict or array-like of shape (n_classes,), default None
        Weights of the labeled CE ("balanced" = cost-sensitive, inverse class
        frequency; a dict maps a label to its weight, 1 for a label it lacks,
        as scikit-learn's ``class_weight``; an array is in the order of ``classes_``).
    validation : bool, default True
        Keep, per replica, C at its lowest validation CE when ``eval_set`` is given.
    eval_every : int, default 100
        Steps between validation evaluations.
    log_every : int, default 100
    scale : bool, default True
        Scale the columns to [0, 1] inside (:mod:`hexagan.replicas.scaling`); False
        for data already in [0, 1].
    random_state : int or None, default None
    device : str, default "auto"

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,), the labels (sorted); C works with their indices.
    data_min_, data_range_ : ndarray of shape (d,), each column's minimum and range (``scale=True``).
    best_step_ : int, step of the selected checkpoint (-1: the last weights).
    class_weight_ : ndarray of shape (n_classes,) or None, the weights used.
    state_, history_, n_features_in_, n_classes_ : see :class:`baselines.neural.NetworkEstimator`.
    """

    uses_validation = True
    _batches_per_iteration = 4  # D on three kinds of pairs, G, C on three
    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **TRAINING_CONSTRAINTS,
        **VALIDATION_CONSTRAINTS,
        "z_dim": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "pseudo_weight": [Interval(Real, 0, None, closed="left")],
        "pseudo_start": [Interval(Real, 0, 1, closed="both")],
        "classifier_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), dict, "array-like", None],
    }

    def __init__(self, *, max_steps: int = 5000, batch_size: int = 128, z_dim: int | None = None,
                 alpha: float = 0.5, adversarial_weight: float = 0.01, pseudo_weight: float = 0.1,
                 pseudo_start: float = 0.3, learning_rate: float = 1e-3, classifier_learning_rate: float = 2e-3,
                 class_weight=None, validation: bool = True, eval_every: int = 100, log_every: int = 100,
                 scale: bool = True, random_state=None, device: str = "auto"):
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.z_dim = z_dim
        self.alpha = alpha
        self.adversarial_weight = adversarial_weight
        self.pseudo_weight = pseudo_weight
        self.pseudo_start = pseudo_start
        self.learning_rate = learning_rate
        self.classifier_learning_rate = classifier_learning_rate
        self.class_weight = class_weight
        self.validation = validation
        self.eval_every = eval_every
        self.log_every = log_every
        self.scale = scale
        self.random_state = random_state
        self.device = device

    def _z_dim(self, d: int) -> int:
        return int(self.z_dim) if self.z_dim is not None else d

    def _build(self, n_features, n_classes, seeds):
        d, half = n_features, max(1, n_features // 2)
        return {
            "classifier": Classifier(d=d, n_classes=n_classes, seeds=seeds),
            "generator": ReplicaMLP([self._z_dim(d) + n_classes, d, half, d], ["relu", "relu", "sigmoid"],
                                    replica_generators(seeds, _SALT_G)),
            "discriminator": ReplicaMLP([d + n_classes, d, half, 1], ["relu", "relu", "none"],
                                        replica_generators(seeds, _SALT_D)),
        }

    def fit_replicas(self, tasks):
        """As :class:`~hexagan.replicas.estimator.ReplicaEstimator`'s; a dict ``class_weight`` is keyed by label.

        The replicas train on class indices, so a dict is first turned into
        the array of weights in the order of the classes the tasks share
        (scikit-learn's ``compute_class_weight``: 1 for a class it lacks, an
        error for a label that is not a class); the fitted estimators keep
        the dict as their parameter.
        """
        if not isinstance(self.class_weight, dict):
            return super().fit_replicas(tasks)
        tasks = list(tasks)
        classes = self._check_tasks(tasks)[1][0]["classes_"]
        weights = compute_class_weight(self.class_weight, classes=classes, y=classes)
        fitted = clone(self).set_params(class_weight=weights).fit_replicas(tasks)
        return [est.set_params(class_weight=self.class_weight) for est in fitted]

    def _train_networks(self, nets, data: ReplicaData, tasks, seeds, device):
        C, G, D = nets["classifier"], nets["generator"], nets["discriminator"]
        k, n_classes, d = data.k, data.n_classes, data.x.shape[2]
        weights = class_weights(self.class_weight, [t.y for t in tasks], n_classes)
        w_dev = weights.to(device) if weights is not None else None
        opt_d = make_optimizer("adam", D.parameters(), self.learning_rate, betas=(0.5, 0.999))
        opt_g = make_optimizer("adam", G.parameters(), self.learning_rate, betas=(0.5, 0.999))
        opt_c = make_optimizer("adam", C.parameters(), self.classifier_learning_rate)
        rng = ReplicaRNG(seeds)
        batch, z_dim = int(self.batch_size), self._z_dim(d)
        alpha = float(self.alpha)
        pseudo_from = float(self.pseudo_start) * int(self.max_steps)
        n_cls = torch.full((k,), n_classes, dtype=torch.long)

        def step(s):
            x_l, _, y_l = data.gather(data.rows(rng, batch, data.labeled, data.n_labeled).to(device))
            x_u, _, _ = data.gather(data.rows(rng, batch).to(device))
            y_g = rng.integers(n_cls, batch).to(device)
            z = rng.uniform(batch, z_dim).to(device)
            oh_l, oh_g = F.one_hot(y_l, n_classes).float(), F.one_hot(y_g, n_classes).float()
            # D
            x_g = G(torch.cat([z, oh_g], -1))
            with torch.no_grad():
                p_u = C(x_u)
            d_loss = loss_discriminator(D(torch.cat([x_l, oh_l], -1)), D(torch.cat([x_g.detach(), oh_g], -1)),
                                        D(torch.cat([x_u, p_u], -1)), alpha)
            optimizer_step(d_loss.sum(), opt_d)
            # G (its parameters are unchanged since x_g was computed; D is the updated one)
            g_loss = loss_generator(D(torch.cat([x_g, oh_g], -1)), alpha)
            optimizer_step(g_loss.sum(), opt_g)
            # C
            ce_l = loss_weighted_ce(C.logits(x_l), y_l, w_dev)
            d_cla = D(torch.cat([x_u, C(x_u)], -1))
            pseudo = float(self.pseudo_weight) if s > pseudo_from else 0.0
            ce_g = loss_weighted_ce(C.logits(x_g.detach()), y_g) if pseudo > 0 else torch.zeros(k, device=device)
            c_loss = loss_classifier(ce_l, d_cla, ce_g, alpha, float(self.adversarial_weight), pseudo)
            optimizer_step(c_loss.sum(), opt_c)
            return {"d_loss": d_loss.detach(), "g_loss": g_loss.detach(), "c_loss": c_loss.detach(),
                    "ce_labeled": ce_l.detach()}

        val = labeled_validation(tasks, seeds, device) if self.validation else None
        evaluate = best = None
        if val is not None:
            x_val, y_val, valid = val
            best = BestState({"classifier": C}, k)

            def evaluate():
                return {"val_ce": loss_weighted_ce(C.logits(x_val), y_val, w_dev, valid).cpu()}

        curves = self._train_loop(step, int(self.max_steps), state={"opt_d": opt_d, "opt_g": opt_g, "opt_c": opt_c,
                                                                      "rng": rng},
                                  evaluate=evaluate, eval_every=int(self.eval_every),
                                  select_on="val_ce" if val is not None else None, best=best,
                                  log_every=int(self.log_every), description="triplegan")
        best_steps = best.best_step.tolist() if best is not None else [-1] * k
        return curves, [{"best_step_": int(best_steps[r]),
                         "class_weight_": None if weights is None else weights[r].double().numpy()}
                        for r in range(k)]

    # -- public API ------------------------------------------------------------
    def fit(self, X, y, eval_set=None):
        """Train Triple-GAN.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Features (in [0, 1] with ``scale=False``); NaN (missing) is filled with 0 after scaling.
        y : array-like of shape (n,)
            Labels, -1 (or None, NaN, "") for a missing one (:func:`hexagan.methods.check_labels`).
        eval_set : tuple (X_val, X_val_true, y_val) or None
            Validation rows (NaN filled with 0; ``X_val_true`` is ignored) and
            their labels (-1 = missing), for checkpoint selection.

        Returns
        -------
        self
        """
        return self._fit_one(X, y, eval_set)

    def predict_proba(self, X):
        """Class probabilities of C.

        Parameters
        ----------
        X : array-like of shape (m, d), NaN filled with 0 after scaling.

        Returns
        -------
        ndarray of float64, shape (m, n_classes)
        """
        X = np.nan_to_num(self._to_unit(self._check_X(X)), nan=0.0)
        C = self._module("classifier")
        return self._apply(C, X)

    def predict(self, X):
        """Most probable class per row, from ``classes_``; ndarray of shape (m,)."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError on an unfitted estimator
        return self.classes_[np.argmax(proba, axis=1)]
