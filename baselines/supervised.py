"""Class-imbalance classifiers ``cs`` and ``smote``: HexaGAN's C trained supervised, with a balancing step.

Two registered classifiers, both HexaGAN's C (:class:`hexagan.model.networks.Classifier`)
trained supervised on the labeled rows (a missing entry filled with 0 --
impute first, e.g. in a :class:`baselines.cascade.Cascade`):

``cs``
    cost-sensitive cross-entropy: each labeled row weighted by its class's
    inverse frequency (:func:`baselines.balancing.inverse_frequency_weights`).
``smote``
    plain cross-entropy on the labeled rows after SMOTE
    (:func:`baselines.balancing.smote_resample`) has grown every class to the
    majority count.

SMOTE runs **once per fit**, on the (imputed) labeled rows, not per batch.
The paper says it "oversampled the minority class in a batch using SMOTE";
per batch, the few minority rows of a 128-row batch give SMOTE almost no
neighbours to interpolate between, and resampling the whole table at every
step costs a nearest-neighbour search per step -- for credit (30 000 rows)
that is heavy in time and memory.  One resampling per fit gives the same
expected class balance in every batch with neighbours drawn from the whole
class.
"""
from __future__ import annotations

from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval

from baselines.balancing import smote_resample
from baselines.neural import COMMON_CONSTRAINTS, TRAINING_CONSTRAINTS, VALIDATION_CONSTRAINTS, NetworkEstimator
from baselines.triplegan import class_weights, labeled_validation, loss_weighted_ce
from hexagan.methods import BaseClassifier, register
from hexagan.model.networks import Classifier
from hexagan.replicas.estimator import derive_seed
from hexagan.replicas.replica import BestState, ReplicaRNG
from hexagan.replicas.training import ReplicaData, make_optimizer, optimizer_step

__all__ = ["CostSensitiveClassifier", "SmoteClassifier"]


class _SupervisedC(BaseClassifier, ClassifierMixin, NetworkEstimator):
    """HexaGAN's C trained with (weighted) cross-entropy on labeled rows; subclasses pick the balancing.

    Shared parameters (see the subclasses): max_steps, batch_size,
    learning_rate (Adam, 2e-3 as Triple-GAN's C), validation, eval_every,
    log_every, scale (the columns scaled to [0, 1] inside, :mod:`hexagan.replicas.scaling`;
    a missing entry is then filled with 0, the column's minimum), random_state, device.
    """

    uses_validation = True
    _class_weight: str | None = None
    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **TRAINING_CONSTRAINTS,
        **VALIDATION_CONSTRAINTS,
    }

    def _build(self, n_features, n_classes, seeds):
        return {"classifier": Classifier(d=n_features, n_classes=n_classes, seeds=seeds)}

    def _labeled_tasks(self, tasks):
        """Keep the labeled rows, NaN filled with 0."""
        out = []
        for t in tasks:
            keep = t.y >= 0
            out.append(replace(t, X=np.nan_to_num(t.X[keep], nan=0.0), y=t.y[keep]))
        return out

    def _train_networks(self, nets, data: ReplicaData, tasks, seeds, device):
        C = nets["classifier"]
        weights = class_weights(self._class_weight, [t.y for t in tasks], data.n_classes)
        w_dev = weights.to(device) if weights is not None else None
        opt = make_optimizer("adam", C.parameters(), self.learning_rate)
        rng = ReplicaRNG(seeds)
        batch = int(self.batch_size)

        def step(s):
            x, _, y = data.gather(data.rows(rng, batch, data.labeled, data.n_labeled).to(device))
            loss = loss_weighted_ce(C.logits(x), y, w_dev)
            optimizer_step(loss.sum(), opt)
            return {"ce": loss.detach()}

        val = labeled_validation(tasks, seeds, device) if self.validation else None
        evaluate = best = None
        if val is not None:
            x_val, y_val, valid = val
            best = BestState({"classifier": C}, data.k)

            def evaluate():
                return {"val_ce": loss_weighted_ce(C.logits(x_val), y_val, w_dev, valid).cpu()}

        curves = self._train_loop(step, int(self.max_steps), state={"opt": opt, "rng": rng}, evaluate=evaluate,
                                  eval_every=int(self.eval_every), select_on="val_ce" if val is not None else None,
                                  best=best, log_every=int(self.log_every), description=self.method_name)
        best_steps = best.best_step.tolist() if best is not None else [-1] * data.k
        return curves, [{"best_step_": int(best_steps[r]),
                         "class_weight_": None if weights is None else weights[r].double().numpy()}
                        for r in range(data.k)]

    def fit(self, X, y, eval_set=None):
        """Train C on the labeled rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, d)
            Features; NaN is filled with 0 (after scaling).
        y : array-like of shape (n,)
            Labels, -1 (or None, NaN, "") for a missing one (those rows are not used).
        eval_set : tuple (X_val, X_val_true, y_val) or None
            For checkpoint selection on the validation CE (``validation=True``).

        Returns
        -------
        self
        """
        return self._fit_one(X, y, eval_set)

    def predict_proba(self, X):
        """C's class probabilities; X (m, d) with NaN filled with 0 (after scaling) -> ndarray (m, n_classes)."""
        X = np.nan_to_num(self._to_unit(self._check_X(X)), nan=0.0)
        return self._apply(self._module("classifier"), X)

    def predict(self, X):
        """Most probable class per row, from ``classes_``; ndarray of shape (m,)."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError on an unfitted estimator
        return self.classes_[np.argmax(proba, axis=1)]


@register("cs")
class CostSensitiveClassifier(_SupervisedC):
    """HexaGAN's C with a cost-sensitive (inverse class frequency) cross-entropy on the labeled rows.

    Parameters
    ----------
    max_steps : int, default 5000
    batch_size : int, default 128
    learning_rate : float, default 2e-3
        Adam's learning rate (Triple-GAN's C).
    validation : bool, default True
        Keep the checkpoint with the lowest (weighted) validation CE when ``eval_set`` is given.
    eval_every, log_every : int, default 100
    scale : bool, default True
        Scale the columns to [0, 1] inside; False for data already in [0, 1].
    random_state : int or None, default None
    device : str, default "auto"

    Attributes
    ----------
    classes_, class_weight_ (ndarray (n_classes,)), best_step_, state_, history_, data_min_, data_range_.
    """

    _class_weight = "balanced"

    def __init__(self, *, max_steps: int = 5000, batch_size: int = 128, learning_rate: float = 2e-3,
                 validation: bool = True, eval_every: int = 100, log_every: int = 100, scale: bool = True,
                 random_state=None, device: str = "auto"):
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation = validation
        self.eval_every = eval_every
        self.log_every = log_every
        self.scale = scale
        self.random_state = random_state
        self.device = device

    def _prepare(self, tasks):
        return self._labeled_tasks(tasks), [{} for _ in tasks]


@register("smote")
class SmoteClassifier(_SupervisedC):
    """HexaGAN's C trained on the labeled rows after SMOTE (once per fit; see the module docstring).

    Parameters
    ----------
    k_neighbors : int, default 5
        SMOTE's neighbours (reduced for a class with fewer rows).
    max_steps : int, default 5000
    batch_size : int, default 128
    learning_rate : float, default 2e-3
    validation : bool, default True
    eval_every, log_every : int, default 100
    scale : bool, default True
        Scale the columns to [0, 1] inside; False for data already in [0, 1].
    random_state : int or None, default None
        Also seeds SMOTE.
    device : str, default "auto"

    Attributes
    ----------
    classes_, best_step_, state_, history_, n_resampled_ (rows C was trained on), data_min_, data_range_.
    """

    _parameter_constraints = {**_SupervisedC._parameter_constraints,
                              "k_neighbors": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, *, k_neighbors: int = 5, max_steps: int = 5000, batch_size: int = 128,
                 learning_rate: float = 2e-3, validation: bool = True, eval_every: int = 100,
                 log_every: int = 100, scale: bool = True, random_state=None, device: str = "auto"):
        self.k_neighbors = k_neighbors
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation = validation
        self.eval_every = eval_every
        self.log_every = log_every
        self.scale = scale
        self.random_state = random_state
        self.device = device

    def _prepare(self, tasks):
        out = []
        for t in self._labeled_tasks(tasks):
            X, y = smote_resample(t.X, t.y, k_neighbors=int(self.k_neighbors), random_state=derive_seed(t.seed, 2))
            out.append(replace(t, X=X, y=y))
        return out, [{"n_resampled_": len(t.y)} for t in out]
