"""scikit-learn estimators around HexaGAN: an imputer and a classifier.

* :class:`HexaGANImputer` (registered ``"hexagan_imputer"``) trains the
  imputation part alone (E, G_MI, D_MI; Algorithm 1 within Algorithm 2) and
  ``transform`` returns x̂.
* :class:`HexaGANClassifier` (registered ``"hexagan"``) trains all six
  networks (Algorithm 2) on data with missing entries (NaN), missing labels
  (-1) and imbalanced classes, and predicts with C on x̂.

Both accept NaN (arrays or DataFrames), select their checkpoint on a
validation part (``eval_set=(X_val, X_val_true, y_val)``, or one carved from
the training rows), stop early when it stops improving, and train K
independent replicas at once with :meth:`fit_replicas`.  With the same seed,
results are identical on CPU.  Their defaults are for a user's own table;
the benchmark protocol builds them with ``protocol_defaults`` (the paper's
fixed budget) instead.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, fields
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from hexagan.methods import (VALIDATE_X, BaseClassifier, BaseImputer, FitTask, IntNotBool, check_labels,
                             encode_eval_labels, encode_labels, register)
from hexagan.algorithm import HexaGANCore
from hexagan.evaluation import MONITOR_SALT, ValidationSet, replica_snapshots
from hexagan.model import HexaGAN
from hexagan.train_config import ADVERSARIAL_LOSSES, REGULARIZERS, SELECTIONS, VALIDATION_METRICS, TrainConfig
from hexagan.networks import ARCHITECTURES
from hexagan.training import OPTIMIZERS, ReplicaData, resolve_device, seed_of

_DEFAULTS = TrainConfig()
# Share of the observed entries of the held-out rows hidden as validation
# truth when the estimator carves its own validation part (the paper's rate).
VALIDATION_HIDE_SHARE = 0.2
_FORMAT = 1

_POSITIVE = Interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = Interval(Real, 0, None, closed="left")
_AT_LEAST_ONE = Interval(Integral, 1, None, closed="left")
_STEPS = Interval(Integral, 0, None, closed="left")
#: scikit-learn's ``_parameter_constraints`` of every parameter of the two estimators, checked first
#: by ``fit`` and ``fit_replicas`` for a clear early error naming the parameter.  The names come from
#: the tables the model looks them up in, and the bounds agree with ``TrainConfig.__post_init__``
#: (which still guards direct users of ``HexaGANCore``); they are stricter only where it checks
#: nothing (weights and learning rates must be >= 0 and > 0, ``decay`` in [0, 1), the optimizer name).
_CONSTRAINTS = {
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
    "device": [str, torch.device],
    "n_threads": [_AT_LEAST_ONE, None],
    "verbose": ["boolean"],
    "random_state": ["random_state"],
}


@dataclass
class _Prepared:
    """One task after validation: training rows, encoded labels, validation set."""

    X: np.ndarray
    y: np.ndarray | None
    eval_set: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    monitor_set: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@contextlib.contextmanager
def _torch_threads(n: int | None):
    """Run with ``n`` torch threads (None: leave the setting alone), restoring it afterwards."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def carve_validation(X: np.ndarray, y: np.ndarray, fraction: float, seed: int):
    """Hold out ``fraction`` of the rows (per label group) as a validation part.

    A ``VALIDATION_HIDE_SHARE`` of the held-out rows' observed entries is
    hidden and becomes the RMSE truth.  Returns ``(X_train, y_train,
    (X_val, X_val_true, y_val))``; the validation part is None when too few
    rows exist to hold any out.  ``y`` uses -1 for a missing label and is
    grouped by value, so every class keeps at least one training row.
    """
    rng = np.random.default_rng(seed)
    held = np.concatenate([rng.choice(np.flatnonzero(y == g), int(math.floor(fraction * np.sum(y == g))),
                                      replace=False) for g in np.unique(y)])
    if len(held) == 0 or len(held) == len(X):
        return X, y, None
    keep = np.setdiff1d(np.arange(len(X)), held)
    X_val_true = X[held]
    X_val = X_val_true.copy()
    X_val[~np.isnan(X_val) & (rng.random(X_val.shape) < VALIDATION_HIDE_SHARE)] = np.nan
    return X[keep], y[keep], (X_val, X_val_true, y[held])


class _HexaGANBase(BaseEstimator):
    """What the imputer and the classifier share: data checks, training, saving."""

    uses_validation = True
    #: The settings the benchmark protocol (the workflow's jobs, ``hexagan.protocol.fit_method``) runs with
    #: where they differ from the defaults for a user's own table: the published runs rely on them (the
    #: catalogue of config/config.yaml writes out only some parameters), so they must never move
    #: (tests/test_protocol.py pins the estimators the protocol builds).  A fixed budget of 2 000
    #: iterations, validation every 100, no early stopping (and the imputer's fill as Eq. 1, U(0, 1)).
    protocol_defaults = {"max_steps": 2000, "eval_every": 100, "early_stopping": False}
    # fit takes monitor_set: rows scored every monitor_every iterations into history_ (test_*), never selected on
    monitors = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN marks a missing entry: the whole point of the model.
        tags.input_tags.allow_nan = True
        return tags

    # -- parameters -> model and training configuration --------------------------------------

    def _train_config(self) -> TrainConfig:
        values = {f.name: getattr(self, f.name) for f in fields(TrainConfig) if hasattr(self, f.name)}
        values["snapshot_steps"] = tuple(int(s) for s in (values.get("snapshot_steps") or ()))
        return TrainConfig(**values)

    def _model_kwargs(self) -> dict:
        return dict(architecture=self.architecture, fill_noise=self.fill_noise)

    def _device(self) -> torch.device:
        return resolve_device(self.device)

    # -- data -------------------------------------------------------------------------------
    def _encode_labels(self, y, n: int) -> np.ndarray | None:
        return None

    def _prepare(self, task: FitTask) -> _Prepared:
        """Validate one task, set the fitted input attributes, and carve validation rows if needed."""
        X = validate_data(self, task.X, reset=True, **VALIDATE_X)
        y = self._encode_labels(task.y, len(X))
        monitor_set = self._check_eval_set(task.monitor_set)
        if task.eval_set is not None:
            return _Prepared(X, y, self._check_eval_set(task.eval_set), monitor_set)
        if self.validation_fraction <= 0:
            if self.early_stopping:
                raise ValueError("early_stopping=True stops on a validation part: give fit an eval_set, or "
                                 "validation_fraction > 0, or set early_stopping=False")
            return _Prepared(X, y, None, monitor_set)
        # The imputer has no labels: all rows form one group (-1, "unlabeled").
        labels = y if y is not None else np.full(len(X), -1, dtype=np.int64)
        X, labels, eval_set = carve_validation(X, labels, self.validation_fraction, task.seed)
        return _Prepared(X, labels if y is not None else None, eval_set, monitor_set)

    def _check_eval_set(self, rows):
        """``(X, X_true, y)`` checked against the training data, labels as indices; None stays None."""
        if rows is None:
            return None
        X_val, X_val_true, y_val = rows
        X_val = validate_data(self, X_val, reset=False, ensure_min_samples=0, **VALIDATE_X)
        X_val_true = validate_data(self, X_val_true, reset=False, ensure_min_samples=0, **VALIDATE_X)
        return X_val, X_val_true, self._encode_eval_labels(y_val, len(X_val))

    def _encode_eval_labels(self, y_val, n: int) -> np.ndarray:
        return np.full(n, -1, dtype=np.int64)

    # -- training ---------------------------------------------------------------------------
    def _train(self, estimators: list["_HexaGANBase"], prepared: list[_Prepared], seeds: list[int]) -> None:
        """Train one replica per estimator in one pass and give each its own replica."""
        d = prepared[0].X.shape[1]
        if any(p.X.shape[1] != d for p in prepared):
            raise ValueError("every task must have the same number of features")
        n_classes = len(getattr(estimators[0], "classes_", ()))
        for est in estimators[1:]:
            if not np.array_equal(getattr(est, "classes_", ()), getattr(estimators[0], "classes_", ())):
                raise ValueError("every task must have the same classes to be trained together")
        config = self._train_config()
        model = HexaGAN(d=d, n_classes=n_classes, seeds=seeds, **self._model_kwargs())
        data = ReplicaData.from_arrays([p.X for p in prepared], [p.y for p in prepared] if n_classes else None,
                                       n_classes or None)
        eval_data = monitor_data = None
        if any(p.eval_set is not None for p in prepared):
            eval_data = ValidationSet.from_sets([p.eval_set for p in prepared], d, seeds)
        if any(p.monitor_set is not None for p in prepared):
            monitor_data = ValidationSet.from_sets([p.monitor_set for p in prepared], d, seeds, salt=MONITOR_SALT)
        with _torch_threads(self.n_threads):
            result = HexaGANCore(model, data, config, eval_data=eval_data, monitor_data=monitor_data,
                                 device=self._device()).fit()
        for r, est in enumerate(estimators):
            est.model_ = result.model.replica(r)
            est.seed_ = seeds[r]
            est.n_iter_ = int(result.n_iter[r])
            # A replica stopped early trained on beside the others: what came after its stop is not its run.
            mine = result.history[(result.history.replica == r)
                                  & ((result.history.phase == "warmup") | (result.history.step <= est.n_iter_))]
            est.history_ = mine.drop(columns="replica").reset_index(drop=True)
            est.snapshots_ = replica_snapshots(result.snapshots, r, est.n_iter_)
            est.best_step_ = int(result.best_step[r]) if result.best_step is not None else None

    def _fit_one(self, X, y, eval_set, monitor_set=None):
        self._validate_params()
        seed = seed_of(self.random_state)  # once: the validation part and the replica share it
        task = FitTask(X=X, y=y, eval_set=eval_set, monitor_set=monitor_set, seed=seed)
        self._train([self], [self._prepare(task)], [seed])
        return self

    def fit_replicas(self, tasks: list[FitTask]) -> list["_HexaGANBase"]:
        """Fit one clone of this estimator per task, all trained at once as replicas.

        Replica r is initialised and drawn from ``tasks[r].seed``; it gives the
        same numbers as ``clone(est).set_params(random_state=seed).fit(...)``
        on that task alone (up to float rounding).
        """
        self._validate_params()
        estimators = [clone(self) for _ in tasks]
        prepared = [est._prepare(task) for est, task in zip(estimators, tasks)]
        self._train(estimators, prepared, [int(task.seed) for task in tasks])
        return estimators

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, reset=False, **VALIDATE_X)

    # -- persistence -------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the parameters, weights, learning curves and snapshots (loadable with ``weights_only``)."""
        check_is_fitted(self)
        fitted = {"n_features_in_": int(self.n_features_in_), "seed_": int(self.seed_), "best_step_": self.best_step_,
                  "n_iter_": self.n_iter_}
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        if hasattr(self, "classes_"):
            fitted["classes_"] = self.classes_.tolist()
        torch.save({
            "format": _FORMAT,
            "estimator": type(self).__name__,
            "params": self.get_params(),
            "model_config": self.model_.config,
            "model_state": {k: v.detach().cpu() for k, v in self.model_.state_dict().items()},
            "fitted": fitted,
            "history": {c: self.history_[c].tolist() for c in self.history_.columns},
            "snapshots": self.snapshots_,
        }, path)

    @classmethod
    def load(cls, path) -> "_HexaGANBase":
        """An estimator saved by :meth:`save` (tensors and plain values only: ``weights_only=True``)."""
        payload = torch.load(path, weights_only=True, map_location="cpu")
        if payload.get("estimator") != cls.__name__ or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} holds a {payload.get('estimator')} (format {payload.get('format')}), "
                             f"not a {cls.__name__} (format {_FORMAT})")
        est = cls(**payload["params"])
        fitted = payload["fitted"]
        model = HexaGAN(**payload["model_config"], seeds=[fitted["seed_"]])
        model.load_state_dict(payload["model_state"])
        est.model_ = model.to(est._device())
        est.n_features_in_, est.seed_, est.best_step_ = fitted["n_features_in_"], fitted["seed_"], fitted["best_step_"]
        est.n_iter_ = fitted.get("n_iter_")  # None in files saved before early stopping
        if "feature_names_in_" in fitted:
            est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        if "classes_" in fitted:
            est.classes_ = np.asarray(fitted["classes_"])
        est.history_ = pd.DataFrame(payload["history"])
        est.snapshots_ = payload["snapshots"]
        return est


@register("hexagan_imputer")
class HexaGANImputer(BaseImputer, TransformerMixin, _HexaGANBase):
    """HexaGAN's missing-data imputation (E, G_MI, D_MI), Sec. 3.1.

    Parameters
    ----------
    lambda1 : float, weight of the element-wise zero-centred penalty (Eq. 6).
    alpha1 : float, weight of the reconstruction loss (Eq. 5); 0 for the
        learning-curve study of appendix C.1.
    lr_gan : float, RMSProp learning rate of E, G_MI and D_MI.
    decay : float, learning rates shrink by ``(1 - decay)`` per iteration.
    batch_size : int, rows per batch.
    n_critic : int, D_MI updates per E/G_MI update.
    regularizer : {"zc", "gp", "wc"}, D_MI's regulariser (appendix C.1).
    penalty_columns : "auto", None or int, D_MI output columns whose Eq. (6)
        terms each update computes ("zc" only): None all (exact), an int n
        that many drawn per step and replica, scaled by d / n (unbiased; n
        backward passes instead of d), "auto" exact when d <= 64 else 32.
    optimizer : {"rmsprop", "adam"}.
    adversarial_loss : {"hexagan", "conditional", "gain"}, Eqs. 3-4 as printed, Eqs. 3-4
        with conditional means as Theorem 1 and the authors' code, or GAIN's cross-entropy.
    max_steps : int, training iterations; with ``early_stopping`` a ceiling.
    eval_every : int, iterations between validations (one costs a forward
        pass over the validation rows: about 2 ms on breast's 44, so
        validating often is nearly free).
    monitor_every : int, iterations between scorings of ``fit``'s
        ``monitor_set`` (the audit's test fold; 0: never), recorded in
        ``history_`` as ``test_rmse``, ``test_rmse_authors`` (and the
        classifier's ``test_log_loss``, ``test_f1``) and never selected on.
    warmup_epochs : float, epochs of discriminator-only updates first.
    selection : {"validation", "last"}, keep the checkpoint with the best
        validation RMSE (per replica) or the last one.
    early_stopping : bool, stop once ``n_iter_no_change`` validations in a
        row have not lowered the best validation score by more than ``tol``
        (scikit-learn's convention); the best checkpoint is kept.  Needs a
        validation part (``eval_set`` or ``validation_fraction`` > 0) and
        ``selection`` other than "last".  ``n_iter_`` says where it stopped.
    n_iter_no_change : int, validations without improvement before stopping.
    tol : float, the least decrease of the validation score that counts as
        an improvement for early stopping.
    validation_fraction : float, share of rows held out for validation when
        ``fit`` gets no ``eval_set`` (0: none, selection falls back to "last").
    snapshot_steps : tuple of int, iterations at which to keep x̂, x̄ and h.
    architecture : {"mlp", "conv", "mlp_authors"}, appendix B.3, Table 2
        (28x28 images), or the authors' code (one hidden layer of d/2, h of d/2).
    fill_noise : float in [0, 1], the missing entries of x̃ are filled with
        U(0, fill_noise): 1 is Eq. (1); GAIN's code fills with U(0, 0.01).
        On the validation parts of breast and wine (``bench/validation_study.py``)
        0.01 imputed 12 % and 3 % better than Eq. (1)'s U(0, 1).  Averaging 20
        noise draws at inference recovers only 3 % (breast, one split), so most
        of it comes from training: U(0, 1) noise looks like data to E.
    device : "auto" (CUDA when available), "cpu", "cuda", ...
    n_threads : int or None, torch threads while fitting and predicting
        (restored afterwards; None leaves torch's setting).  The networks are
        small, so one thread is the fastest; on a busy 2-core machine two
        threads made an iteration up to 100x slower (spinning OpenMP workers).
        Raise it for the conv networks.
    verbose : bool, show a progress bar (tqdm) with the validation score and
        whether early stopping has stopped.
    random_state : int, RandomState or None.

    The defaults are for a user's own table: early stopping within 20 000
    iterations, validated every 50, fill U(0, 0.01) (chosen on validation
    parts only: ``bench/validation_study.py``; scored on tables the project
    does not tune on by ``bench/defaults.py``, see the README).  The
    benchmark protocol runs the paper's fixed budget instead
    (``protocol_defaults``).

    Attributes
    ----------
    model_ : HexaGAN, the trained networks (one replica).
    history_ : DataFrame (step, name, value, phase), learning curves.
    snapshots_ : dict step -> {"x_hat", "x_bar", "h_l", ...} tensors.
    best_step_ : int or None, the selected iteration.
    n_iter_ : int, iterations trained: where early stopping stopped, else
        ``max_steps``.
    seed_ : int, the replica's seed.
    """

    def __init__(self, *, lambda1=_DEFAULTS.lambda1, alpha1=_DEFAULTS.alpha1, lr_gan=_DEFAULTS.lr_gan,
                 decay=_DEFAULTS.decay, batch_size=_DEFAULTS.batch_size, n_critic=_DEFAULTS.n_critic,
                 regularizer=_DEFAULTS.regularizer, penalty_columns=_DEFAULTS.penalty_columns,
                 optimizer=_DEFAULTS.optimizer, adversarial_loss=_DEFAULTS.adversarial_loss,
                 max_steps=20000, eval_every=50, monitor_every=_DEFAULTS.monitor_every,
                 warmup_epochs=_DEFAULTS.warmup_epochs, selection=_DEFAULTS.selection, early_stopping=True,
                 n_iter_no_change=20, tol=_DEFAULTS.tol, validation_fraction=0.1, snapshot_steps=(),
                 architecture="mlp", fill_noise=0.01, device="auto", n_threads=1, verbose=False, random_state=None):
        self.lambda1 = lambda1
        self.alpha1 = alpha1
        self.lr_gan = lr_gan
        self.decay = decay
        self.batch_size = batch_size
        self.n_critic = n_critic
        self.regularizer = regularizer
        self.penalty_columns = penalty_columns
        self.optimizer = optimizer
        self.adversarial_loss = adversarial_loss
        self.max_steps = max_steps
        self.eval_every = eval_every
        self.monitor_every = monitor_every
        self.warmup_epochs = warmup_epochs
        self.selection = selection
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.snapshot_steps = snapshot_steps
        self.architecture = architecture
        self.fill_noise = fill_noise
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y=None, eval_set=None, monitor_set=None):
        """Train on ``X`` (NaN = missing); ``y`` is ignored.

        eval_set : (X_val, X_val_true, y_val) or None; the checkpoint with the
            lowest RMSE on X_val's hidden entries is kept.
        monitor_set : (X, X_true, y) or None, scored every ``monitor_every``
            iterations into ``history_`` only (the audit's test fold).
        """
        return self._fit_one(X, None, eval_set, monitor_set)

    def transform(self, X) -> np.ndarray:
        """x̂ (Eq. 2): observed entries exactly as given, missing ones from G_MI, float64."""
        X = self._check_X(X)
        with _torch_threads(self.n_threads):
            return self.model_.impute(X, seed=self.seed_)


HexaGANImputer._parameter_constraints = {k: _CONSTRAINTS[k] for k in HexaGANImputer._get_param_names()}
HexaGANImputer.protocol_defaults = {**_HexaGANBase.protocol_defaults, "fill_noise": 1.0}


@register("hexagan")
class HexaGANClassifier(BaseClassifier, ClassifierMixin, _HexaGANBase):
    """HexaGAN (Algorithm 2): imputation, class-conditional generation, semi-supervised C.

    Parameters
    ----------
    lambda1, lambda2 : float, penalty weights of Eqs. 6 and 9.
    alpha1, alpha2, alpha3, alpha4 : float, weights of Eqs. 5, 3 (generated
        rows), 10 and 13.
    c_l2 : float, L2 penalty on C's weights, c_l2 * ||θ_C||² / 2 added to
        Eq. (15) (the authors' code: 0.001).
    lr_gan, lr_c : float, RMSProp learning rates of the GAN networks and of C.
    lr_cg : float or None, learning rate of G_CG and D_CG (None: ``lr_gan``;
        the authors' code: 0.1 x ``lr_gan``).
    decay : float, learning rates shrink by ``(1 - decay)`` per iteration.
    batch_size : int, labeled rows per batch (the unlabeled batch is scaled
        by the unlabeled/labeled ratio).
    n_critic : int, discriminator updates per generator update.
    n_cg : int, conditional-generation rounds per iteration.
    z_dim : int or None, G_CG's noise size (None: d, or 100 for "conv").
    use_g_mi, use_g_cg, use_label_discriminator : bool, the ablations of
        Table 2 (use_g_mi=False: an MLP on noise-filled data).
    regularizer, penalty_columns, optimizer, adversarial_loss : as in
        :class:`HexaGANImputer` (appendix C.1 variants; Eq. 6's cost).
    selection : {"validation", "per_network", "last"}: every network at the
        best ``validation_metric``; or C there and E, G_MI, D_MI, G_CG, D_CG
        at their best validation RMSE; or the last step.
    max_steps, eval_every, monitor_every, warmup_epochs, early_stopping, n_iter_no_change, tol,
    validation_fraction, snapshot_steps, architecture, fill_noise, device, n_threads, verbose, random_state :
        as in :class:`HexaGANImputer`.
    validation_metric : {"log_loss", "f1"}, what selection minimises (log-loss)
        or maximises (F1 of class index 1 when binary, else macro-F1) on the
        labeled validation rows.

    The defaults are for a user's own table: C overfits early (its best
    validation log-loss comes within a few hundred iterations and grows
    after), so it is validated every 10 iterations on all labeled
    validation rows and early stopping ends the run within ``max_steps``.
    Unlike the imputer it keeps Eq. (1)'s fill U(0, 1) and the paper's
    networks: on breast's validation parts both U(0, 0.01) and the
    authors' smaller networks (``architecture="mlp_authors"``) gave a worse
    validation log-loss (``bench/validation_study.py``, README).  The
    benchmark protocol runs the paper's fixed budget instead
    (``protocol_defaults``).

    Attributes
    ----------
    classes_ : ndarray, the labels; the model works with their indices.
    model_, history_, snapshots_, best_step_, n_iter_, seed_ : as in :class:`HexaGANImputer`.
    """

    def __init__(self, *, lambda1=_DEFAULTS.lambda1, lambda2=_DEFAULTS.lambda2, alpha1=_DEFAULTS.alpha1,
                 alpha2=_DEFAULTS.alpha2, alpha3=_DEFAULTS.alpha3, alpha4=_DEFAULTS.alpha4, c_l2=_DEFAULTS.c_l2,
                 lr_gan=_DEFAULTS.lr_gan, lr_c=_DEFAULTS.lr_c, lr_cg=_DEFAULTS.lr_cg, decay=_DEFAULTS.decay,
                 batch_size=_DEFAULTS.batch_size,
                 n_critic=_DEFAULTS.n_critic, n_cg=_DEFAULTS.n_cg, z_dim=None, use_g_mi=True, use_g_cg=True,
                 use_label_discriminator=True, regularizer=_DEFAULTS.regularizer,
                 penalty_columns=_DEFAULTS.penalty_columns, optimizer=_DEFAULTS.optimizer,
                 adversarial_loss=_DEFAULTS.adversarial_loss, max_steps=5000, eval_every=10,
                 monitor_every=_DEFAULTS.monitor_every, warmup_epochs=_DEFAULTS.warmup_epochs,
                 selection=_DEFAULTS.selection, validation_metric=_DEFAULTS.validation_metric, early_stopping=True,
                 n_iter_no_change=30, tol=_DEFAULTS.tol, validation_fraction=0.1, snapshot_steps=(),
                 architecture="mlp", fill_noise=1.0, device="auto", n_threads=1, verbose=False, random_state=None):
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.alpha1 = alpha1
        self.alpha2 = alpha2
        self.alpha3 = alpha3
        self.alpha4 = alpha4
        self.c_l2 = c_l2
        self.lr_gan = lr_gan
        self.lr_c = lr_c
        self.lr_cg = lr_cg
        self.decay = decay
        self.batch_size = batch_size
        self.n_critic = n_critic
        self.n_cg = n_cg
        self.z_dim = z_dim
        self.use_g_mi = use_g_mi
        self.use_g_cg = use_g_cg
        self.use_label_discriminator = use_label_discriminator
        self.regularizer = regularizer
        self.penalty_columns = penalty_columns
        self.optimizer = optimizer
        self.adversarial_loss = adversarial_loss
        self.max_steps = max_steps
        self.eval_every = eval_every
        self.monitor_every = monitor_every
        self.warmup_epochs = warmup_epochs
        self.selection = selection
        self.validation_metric = validation_metric
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.snapshot_steps = snapshot_steps
        self.architecture = architecture
        self.fill_noise = fill_noise
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.random_state = random_state

    def _model_kwargs(self) -> dict:
        return dict(architecture=self.architecture, fill_noise=self.fill_noise, z_dim=self.z_dim,
                    use_g_mi=self.use_g_mi, use_g_cg=self.use_g_cg,
                    use_label_discriminator=self.use_label_discriminator)

    def _encode_labels(self, y, n: int) -> np.ndarray:
        """Labels -> indices into ``classes_`` (set here); -1 (numeric labels) = missing."""
        self.classes_, (codes,) = encode_labels([check_labels(y, n, who=type(self).__name__)])
        return codes

    def _encode_eval_labels(self, y_val, n: int) -> np.ndarray:
        """Validation labels -> indices; -1 and labels not seen in training are left out (-1)."""
        return encode_eval_labels(y_val, n, self.classes_)

    def fit(self, X, y, eval_set=None, monitor_set=None):
        """Train on ``X`` (NaN = missing entries) and ``y`` (-1 = missing label).

        eval_set : (X_val, X_val_true, y_val) or None; the checkpoint with the
            best ``validation_metric`` on the labeled validation rows is kept.
        monitor_set : (X, X_true, y) or None, scored every ``monitor_every``
            iterations into ``history_`` only (the audit's test fold).
        """
        return self._fit_one(X, y, eval_set, monitor_set)

    def predict_proba(self, X) -> np.ndarray:
        """C(x̂): class probabilities, shape (n, len(classes_))."""
        X = self._check_X(X)
        with _torch_threads(self.n_threads):
            return self.model_.predict_proba(X, seed=self.seed_)

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def impute(self, X) -> np.ndarray:
        """x̂ from the full model's E and G_MI (observed entries unchanged)."""
        X = self._check_X(X)
        with _torch_threads(self.n_threads):
            return self.model_.impute(X, seed=self.seed_)


HexaGANClassifier._parameter_constraints = {k: _CONSTRAINTS[k] for k in HexaGANClassifier._get_param_names()}
