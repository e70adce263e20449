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
independent replicas at once with :meth:`fit_replicas` (what every
replica-trained estimator shares is :class:`hexagan.replicas.estimator.ReplicaEstimator`;
here only its hooks: a carved validation part, and Algorithm 2 on
:class:`hexagan.model.algorithm.HexaGANCore`).  With the same seed, results are
identical on CPU.  Their defaults are for a user's own table: the
signatures below are their one home, which takes the paper's settings from
:class:`~hexagan.model.train_config.TrainConfig` and the model's from
:class:`~hexagan.model.gan.HexaGAN`; the benchmark protocol builds them with its
fixed budget instead (:data:`hexagan.protocol.TRAINING`).  Each parameter
reaches training through one explicit map: ``_TRAIN_PARAMS`` (the
:class:`TrainConfig` fields), ``_MODEL_PARAMS`` (the model's) and
``_OWN_PARAMS`` (what the estimator itself uses), which
``tests/test_hexagan.py`` checks cover every parameter.
"""
from __future__ import annotations

import contextlib
import inspect
from dataclasses import MISSING, fields, replace

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from hexagan.methods import BaseClassifier, BaseImputer, FitTask, register
from hexagan.model.algorithm import HexaGANCore, warmup_steps
from hexagan.model.evaluation import EVAL_SALT, MONITOR_SALT, ValidationSet, carve_validation, replica_snapshots
from hexagan.model.gan import HexaGAN
from hexagan.model.train_config import PARAMETER_CONSTRAINTS, TrainConfig
from hexagan.replicas.cost import FitCost, count_parameters, network_cost
from hexagan.replicas.estimator import ReplicaEstimator, resolve_device
from hexagan.replicas.scaling import ColumnScaling
from hexagan.replicas.training import ReplicaData

#: TrainConfig's defaults (the paper's settings), which both estimators take as theirs.
_TRAIN = {f.name: f.default for f in fields(TrainConfig) if f.default is not MISSING}
#: The model's defaults (:class:`~hexagan.model.gan.HexaGAN`), which the estimators take as theirs.
_MODEL = {name: p.default for name, p in inspect.signature(HexaGAN).parameters.items() if p.default is not p.empty}
#: The estimators' own user defaults (``_OWN_PARAMS`` but the seed), the same for the imputer and the classifier;
#: the budget and validation cadence differ between them and stay in each signature.
_OWN = {"early_stopping": True, "validation_fraction": 0.1, "scale": True, "device": "auto", "n_threads": 1}
_FORMAT = 1

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


class _HexaGANBase(ColumnScaling, ReplicaEstimator):
    """What the imputer and the classifier share: their hooks of :class:`ReplicaEstimator`, scaling, and saving."""

    uses_validation = True
    # fit takes monitor_set: rows scored every monitor_every iterations into history_ (test_*), never selected on
    monitors = True

    # -- parameters -> model and training configuration --------------------------------------
    #: The parameters that are :class:`TrainConfig` fields of the same name, passed by :meth:`_train_config`.
    _TRAIN_PARAMS: tuple[str, ...]
    #: The parameters of the model (:class:`~hexagan.model.gan.HexaGAN`), passed by :meth:`_model_kwargs`.
    _MODEL_PARAMS: tuple[str, ...]
    #: The parameters the estimator uses itself: ``early_stopping`` (TrainConfig's ``n_iter_no_change`` or
    #: None), ``validation_fraction`` (:meth:`_prepare`), ``scale`` (:mod:`hexagan.replicas.scaling`), ``n_threads``
    #: (:func:`_torch_threads`), ``device`` and ``random_state``
    #: (:class:`~hexagan.replicas.estimator.ReplicaEstimator`).
    _OWN_PARAMS = ("early_stopping", "validation_fraction", "scale", "device", "n_threads", "random_state")

    def _train_config(self) -> TrainConfig:
        values = {name: getattr(self, name) for name in self._TRAIN_PARAMS}
        values["snapshot_steps"] = tuple(int(s) for s in (values["snapshot_steps"] or ()))
        if not self.early_stopping:
            values["n_iter_no_change"] = None
        return TrainConfig(**values)

    def _model_kwargs(self) -> dict:
        return {name: getattr(self, name) for name in self._MODEL_PARAMS}

    def _batches_per_iteration(self) -> int:
        """Batches through the networks an iteration: n_critic D_MI updates and one of E and G_MI."""
        return int(self.n_critic) + 1

    # -- ReplicaEstimator's hooks ---------------------------------------------------------------
    def _cost(self, data: ReplicaData, device: torch.device) -> FitCost:
        k, n, d = data.x.shape
        parameters = k * count_parameters(lambda: HexaGAN(d=d, n_classes=data.n_classes, seeds=[0],
                                                          **self._model_kwargs()))
        stop = "; early stopping may end it sooner" if self.early_stopping else ""
        return network_cost(
            f"{type(self).__name__} on {n:,} training rows x {d:,} columns" + (f", {k} replicas" if k > 1 else ""),
            parameters, int(self.batch_size) * self._batches_per_iteration(), int(self.max_steps), device,
            data_values=k * n * d,
            time_advice=f"lower max_steps (now {self.max_steps}{stop}) or n_critic (now {self.n_critic}); "
                        f"a GPU (device='cuda') is much faster on wide tables",
            memory_advice="the networks grow with the square of the columns (appendix B.3: layers of d and d/2 "
                          "units): fit fewer columns, or architecture='mlp_authors' (one hidden layer of d/2 units)"
                          + (", or fewer replicas at once" if k > 1 else ""))

    def _prepare(self, tasks: list[FitTask]) -> tuple[list[FitTask], list[dict]]:
        """Carve a validation part from the training rows of a task without ``eval_set``, if any."""
        out = []
        for task in tasks:
            if task.eval_set is None and self.validation_fraction <= 0 and self.early_stopping:
                raise ValueError("early_stopping=True stops on a validation part: give fit an eval_set, or "
                                 "validation_fraction > 0, or set early_stopping=False")
            if task.eval_set is None and self.validation_fraction > 0:
                # The imputer has no labels: all rows form one group (-1, "unlabeled").
                labels = task.y if task.y is not None else np.full(len(task.X), -1, dtype=np.int64)
                X, labels, eval_set = carve_validation(task.X, labels, self.validation_fraction, task.seed)
                task = replace(task, X=X, y=labels if task.y is not None else None, eval_set=eval_set)
            out.append(task)
        return out, [{} for _ in out]

    def _train(self, data: ReplicaData, tasks: list[FitTask], seeds: list[int],
               device: torch.device) -> tuple[pd.DataFrame, list[dict]]:
        """Algorithm 2 (:class:`~hexagan.model.algorithm.HexaGANCore`) on the K replicas; each keeps its own replica.

        Replicas whose warm-ups differ in length (``warmup_epochs`` of their own rows) train in one
        HexaGANCore per length, so that each warms up as its lone fit does (without D_MI, the MLP row,
        nothing warms up).
        """
        lengths = warmup_steps(self._train_config(), data)
        if len(set(lengths)) == 1 or not self._model_kwargs().get("use_g_mi", True):
            return self._train_together(data, tasks, seeds, device)
        curves, fitted = [], [None] * len(seeds)
        for length in sorted(set(lengths)):
            group = [r for r, n in enumerate(lengths) if n == length]
            history, trained = self._train_together(data.select(group), [tasks[r] for r in group],
                                                    [seeds[r] for r in group], device)
            curves.append(history.assign(replica=history.replica.map(dict(enumerate(group)))))
            for r, one in zip(group, trained):
                fitted[r] = one
        return pd.concat(curves, ignore_index=True), fitted

    def _train_together(self, data: ReplicaData, tasks: list[FitTask], seeds: list[int],
                        device: torch.device) -> tuple[pd.DataFrame, list[dict]]:
        """One HexaGANCore of all the given replicas (of one warm-up length)."""
        d = data.x.shape[2]
        model = HexaGAN(d=d, n_classes=data.n_classes, seeds=seeds, **self._model_kwargs())
        sets = {}
        for name, salt in (("eval_set", EVAL_SALT), ("monitor_set", MONITOR_SALT)):
            rows = [getattr(t, name) for t in tasks]
            sets[name] = ValidationSet.from_sets(rows, d, seeds, salt) if any(r is not None for r in rows) else None
        with _torch_threads(self.n_threads):
            result = HexaGANCore(model, data, self._train_config(), eval_data=sets["eval_set"],
                                 monitor_data=sets["monitor_set"], device=device).fit()
        n_iter = result.n_iter.tolist()
        history = result.history
        # A replica stopped early trained on beside the others: what came after its stop is not its run.
        mine = (history.phase == "warmup") | (history.step <= history.replica.map(dict(enumerate(n_iter))))
        fitted = [{"model_": result.model.replica(r), "n_iter_": int(n_iter[r]),
                   "snapshots_": replica_snapshots(result.snapshots, r, n_iter[r]),
                   "best_step_": int(result.best_step[r]) if result.best_step is not None else None}
                  for r in range(len(seeds))]
        return history[mine], fitted

    # -- persistence -------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the parameters, weights, learning curves and snapshots (loadable with ``weights_only``).

        Parameters
        ----------
        path : str or path-like
            The file to write (``torch.save``).
        """
        check_is_fitted(self)
        fitted = {"n_features_in_": int(self.n_features_in_), "seed_": int(self.seed_), "best_step_": self.best_step_,
                  "n_iter_": self.n_iter_}
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        if hasattr(self, "classes_"):
            fitted["classes_"] = self.classes_.tolist()
        for name in ("data_min_", "data_range_"):
            if hasattr(self, name):
                fitted[name] = getattr(self, name).tolist()
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
        """An estimator saved by :meth:`save` (tensors and plain values only: ``weights_only=True``).

        Parameters
        ----------
        path : str or path-like
            A file :meth:`save` wrote for this class.

        Returns
        -------
        estimator : HexaGANImputer or HexaGANClassifier
            Fitted, as it was saved.
        """
        payload = torch.load(path, weights_only=True, map_location="cpu")
        if payload.get("estimator") != cls.__name__ or payload.get("format") != _FORMAT:
            raise ValueError(f"{path} holds a {payload.get('estimator')} (format {payload.get('format')}), "
                             f"not a {cls.__name__} (format {_FORMAT})")
        # A file saved before the estimators scaled inside was trained on the data as given.
        est = cls(**{"scale": False, **payload["params"]})
        fitted = payload["fitted"]
        model = HexaGAN(**payload["model_config"], seeds=[fitted["seed_"]])
        model.load_state_dict(payload["model_state"])
        est.model_ = model.to(resolve_device(est.device))
        est.n_features_in_, est.seed_, est.best_step_ = fitted["n_features_in_"], fitted["seed_"], fitted["best_step_"]
        est.n_iter_ = fitted.get("n_iter_")  # None in files saved before early stopping
        if "feature_names_in_" in fitted:
            est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        if "classes_" in fitted:
            est.classes_ = np.asarray(fitted["classes_"])
        for name in ("data_min_", "data_range_"):
            if name in fitted:
                setattr(est, name, np.asarray(fitted[name], dtype=np.float64))
        est.history_ = pd.DataFrame(payload["history"])
        est.snapshots_ = payload["snapshots"]
        return est


@register("hexagan_imputer")
class HexaGANImputer(BaseImputer, TransformerMixin, _HexaGANBase):
    """HexaGAN's missing-data imputation (E, G_MI, D_MI), Sec. 3.1.

    Parameters
    ----------
    lambda1 : float, default=10.0
        Weight of the element-wise zero-centred penalty (Eq. 6).
    alpha1 : float, default=10.0
        Weight of the reconstruction loss (Eq. 5); 0 for the learning-curve
        study of appendix C.1.
    lr_gan : float, default=2e-4
        Learning rate of E, G_MI and D_MI.
    decay : float, default=1e-5
        Learning rates shrink by ``(1 - decay)`` per iteration.
    batch_size : int, default=64
        Rows per batch.
    n_critic : int, default=5
        D_MI updates per E/G_MI update.
    regularizer : {"zc", "gp", "wc"}, default="zc"
        D_MI's regulariser (appendix C.1).
    penalty_columns : "auto", None or int, default="auto"
        D_MI output columns whose Eq. (6) terms each update computes ("zc"
        only): None all (exact), an int n that many drawn per step and
        replica, scaled by d / n (unbiased; n backward passes instead of d),
        "auto" exact when d <= 64 else 32.
    optimizer : {"rmsprop", "adam"}, default="rmsprop"
        The optimiser of every network.
    adversarial_loss : {"hexagan", "conditional", "gain"}, default="hexagan"
        Eqs. 3-4 as printed, Eqs. 3-4 with conditional means as Theorem 1 and
        the authors' code, or GAIN's cross-entropy.
    max_steps : int, default=20000
        Training iterations; with ``early_stopping`` a ceiling.
    eval_every : int, default=50
        Iterations between validations (one costs a forward pass over the
        validation rows: about 2 ms on breast's 44, so validating often is
        nearly free).
    monitor_every : int, default=0
        Iterations between scorings of ``fit``'s ``monitor_set`` (the audit's
        test fold; 0: never), recorded in ``history_`` as ``test_rmse``,
        ``test_rmse_authors`` (and the classifier's ``test_log_loss``,
        ``test_f1``) and never selected on.
    warmup_epochs : float, default=0.0
        Epochs of discriminator-only updates first.
    selection : {"validation", "last"}, default="validation"
        Keep the checkpoint with the best validation RMSE (per replica) or the
        last one.
    early_stopping : bool, default=True
        Stop once ``n_iter_no_change`` validations in a row have not lowered
        the best validation score by more than ``tol`` (scikit-learn's
        convention); the best checkpoint is kept.  Needs a validation part
        (``eval_set`` or ``validation_fraction`` > 0) and ``selection`` other
        than "last".  ``n_iter_`` says where it stopped.
    n_iter_no_change : int, default=20
        Validations without improvement before stopping.
    tol : float, default=1e-4
        The least decrease of the validation score that counts as an
        improvement for early stopping.
    validation_fraction : float, default=0.1
        Share of rows held out for validation when ``fit`` gets no
        ``eval_set`` (0: none, selection falls back to "last").
    snapshot_steps : tuple of int, default=()
        Iterations at which to keep x̂, x̄ and h.
    architecture : {"mlp", "conv", "mlp_authors"}, default="mlp"
        Appendix B.3, Table 2 (28x28 images), or the authors' code (one
        hidden layer of d/2, h of d/2).
    fill_noise : float in [0, 1], default=0.01
        The missing entries of x̃ are filled with U(0, fill_noise): 1 is
        Eq. (1); GAIN's code fills with U(0, 0.01).  On the validation parts
        of breast and wine (``bench/validation_study.py``) 0.01 imputed 12 %
        and 3 % better than Eq. (1)'s U(0, 1).  Averaging 20 noise draws at
        inference recovers only 3 % (breast, one split), so most of it comes
        from training: U(0, 1) noise looks like data to E.
    scale : bool, default=True
        Learn each column's minimum and range from the observed entries at
        ``fit``, train on the columns scaled to [0, 1] (the networks assume
        it) and impute in ``X``'s own units (:mod:`hexagan.replicas.scaling`).  False
        for data already in [0, 1] (the benchmark protocol, which scales each
        split itself).
    device : str or torch.device, default="auto"
        "auto" (CUDA when available), "cpu", "cuda", ...
    n_threads : int or None, default=1
        Torch threads while fitting and predicting (restored afterwards; None
        leaves torch's setting).  The networks are small, so one thread is the
        fastest; on a busy 2-core machine two threads made an iteration up to
        100x slower (spinning OpenMP workers).  Raise it for the conv networks.
    verbose : bool, default=False
        Print the fit's estimated time and memory (:mod:`hexagan.replicas.cost`) and
        show a progress bar (tqdm) with the validation score and whether early
        stopping has stopped.  Whatever it is, a fit estimated beyond the
        machine's memory raises :class:`hexagan.replicas.cost.FitTooLargeError` and one
        estimated to take over an hour warns
        (:class:`hexagan.replicas.cost.SlowFitWarning`), before training.
    random_state : int, RandomState or None, default=None
        Seeds the networks, batches and noise (None: a seed drawn from numpy's
        global RandomState).

    Attributes
    ----------
    model_ : HexaGAN
        The trained networks (one replica); it works on scaled rows
        (``scale=True``).
    history_ : pandas.DataFrame
        Learning curves (step, name, value, phase); RMSEs in scaled units with
        ``scale=True``.
    snapshots_ : dict
        Step -> {"x_hat", "x_bar", "h_l", ...} tensors (scaled units).
    data_min_, data_range_ : ndarray of shape (n_features,)
        Each column's minimum and range in ``fit`` (``scale=True`` only;
        :class:`hexagan.replicas.scaling.ColumnScaling`).
    best_step_ : int or None
        The selected iteration.
    n_iter_ : int
        Iterations trained: where early stopping stopped, else ``max_steps``.
    seed_ : int
        The replica's seed.
    n_features_in_ : int
        Columns of the training data.
    feature_names_in_ : ndarray of str
        Their names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    HexaGANClassifier : all six networks, for classification.

    Notes
    -----
    The defaults are for a user's own table: early stopping within 20 000
    iterations, validated every 50, fill U(0, 0.01) (chosen on validation
    parts only: ``bench/validation_study.py``; scored on tables the project
    does not tune on by ``bench/defaults.py``, ``docs/defaults.md``).  The
    benchmark protocol runs its fixed budget instead
    (:data:`hexagan.protocol.TRAINING`).

    Examples
    --------
    >>> import numpy as np
    >>> from hexagan import HexaGANImputer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(50, 10, size=(40, 3))
    >>> X[rng.random(X.shape) < 0.2] = np.nan  # 20 % of the entries missing
    >>> imputer = HexaGANImputer(max_steps=20, batch_size=16, random_state=0).fit(X)
    >>> X_filled = imputer.transform(X)
    >>> X_filled.shape, bool(np.isnan(X_filled).any())
    ((40, 3), False)
    >>> observed = ~np.isnan(X)
    >>> bool((X_filled[observed] == X[observed]).all())  # observed entries kept exactly
    True
    >>> imputer.n_iter_
    20
    """

    _TRAIN_PARAMS = ("lambda1", "alpha1", "lr_gan", "decay", "batch_size", "n_critic", "regularizer",
                     "penalty_columns", "optimizer", "adversarial_loss", "max_steps", "eval_every", "monitor_every",
                     "warmup_epochs", "selection", "n_iter_no_change", "tol", "snapshot_steps", "verbose")
    _MODEL_PARAMS = ("architecture", "fill_noise")

    def __init__(self, *, lambda1=_TRAIN["lambda1"], alpha1=_TRAIN["alpha1"], lr_gan=_TRAIN["lr_gan"],
                 decay=_TRAIN["decay"], batch_size=_TRAIN["batch_size"], n_critic=_TRAIN["n_critic"],
                 regularizer=_TRAIN["regularizer"], penalty_columns=_TRAIN["penalty_columns"],
                 optimizer=_TRAIN["optimizer"], adversarial_loss=_TRAIN["adversarial_loss"],
                 max_steps=20000, eval_every=50, monitor_every=_TRAIN["monitor_every"],
                 warmup_epochs=_TRAIN["warmup_epochs"], selection=_TRAIN["selection"],
                 early_stopping=_OWN["early_stopping"], n_iter_no_change=20, tol=_TRAIN["tol"],
                 validation_fraction=_OWN["validation_fraction"], snapshot_steps=_TRAIN["snapshot_steps"],
                 architecture=_MODEL["architecture"], fill_noise=0.01, scale=_OWN["scale"], device=_OWN["device"],
                 n_threads=_OWN["n_threads"], verbose=_TRAIN["verbose"], random_state=None):
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
        self.scale = scale
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y=None, eval_set=None, monitor_set=None):
        """Train on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN where an entry is missing.
        y : None
            Ignored.
        eval_set : tuple (X_val, X_val_true, y_val) or None, default=None
            The checkpoint with the lowest RMSE on X_val's hidden entries is
            kept (None: a validation part of ``validation_fraction`` of the rows).
        monitor_set : tuple (X, X_true, y) or None, default=None
            Scored every ``monitor_every`` iterations into ``history_`` only
            (the audit's test fold).

        Returns
        -------
        self : HexaGANImputer
            The fitted imputer.
        """
        return self._fit_one(X, None, eval_set, monitor_set)

    def transform(self, X) -> np.ndarray:
        """x̂ (Eq. 2) in ``X``'s units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN where an entry is missing.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features), float64
            The observed entries exactly as given, the missing ones from G_MI.
        """
        X = self._check_X(X)
        with _torch_threads(self.n_threads):
            return self._impute_in_units(X, lambda rows: self.model_.impute(rows, seed=self.seed_))


HexaGANImputer._parameter_constraints = {k: PARAMETER_CONSTRAINTS[k] for k in HexaGANImputer._get_param_names()}


@register("hexagan")
class HexaGANClassifier(BaseClassifier, ClassifierMixin, _HexaGANBase):
    """HexaGAN (Algorithm 2): imputation, class-conditional generation, semi-supervised C.

    Parameters
    ----------
    lambda1 : float, default=10.0
        Weight of the element-wise zero-centred penalty of D_MI (Eq. 6) and of
        its label column's.
    lambda2 : float, default=10.0
        Weight of D_CG's zero-centred penalty (Eq. 9).
    alpha1 : float, default=10.0
        Weight of the reconstruction loss (Eq. 5).
    alpha2 : float, default=1.0
        Weight of Eq. (3) on G_CG's generated rows.
    alpha3 : float, default=0.01
        Weight of C's cross-entropy on the generated rows (Eq. 10).
    alpha4 : float, default=0.1
        Weight of C's adversarial loss (Eq. 13).
    c_l2 : float, default=1e-3
        L2 penalty on C's weights, c_l2 * ||θ_C||² / 2 added to Eq. (15) (the
        authors' code: 0.001).
    lr_gan : float, default=2e-4
        Learning rate of the GAN networks.
    lr_c : float, default=2e-3
        Learning rate of C.
    lr_cg : float or None, default=None
        Learning rate of G_CG and D_CG (None: ``lr_gan``; the authors' code:
        0.1 x ``lr_gan``).
    decay : float, default=1e-5
        Learning rates shrink by ``(1 - decay)`` per iteration.
    batch_size : int, default=64
        Labeled rows per batch (the unlabeled batch is scaled by the
        unlabeled/labeled ratio).
    n_critic : int, default=5
        Discriminator updates per generator update.
    n_cg : int, default=10
        Conditional-generation rounds per iteration.
    z_dim : int or None, default=None
        G_CG's noise size (None: d, or 100 for "conv").
    use_g_mi : bool, default=True
        False: Table 2's "MLP" row, C on noise-filled data.
    use_g_cg : bool, default=True
        Class-balancing conditional generation (G_CG, D_CG); an ablation of
        Table 2.
    use_label_discriminator : bool, default=True
        D_MI's label column (Eqs. 13-14); an ablation of Table 2.
    regularizer : {"zc", "gp", "wc"}, default="zc"
        As in :class:`HexaGANImputer`.
    penalty_columns : "auto", None or int, default="auto"
        As in :class:`HexaGANImputer`.
    optimizer : {"rmsprop", "adam"}, default="rmsprop"
        As in :class:`HexaGANImputer`.
    adversarial_loss : {"hexagan", "conditional", "gain"}, default="hexagan"
        As in :class:`HexaGANImputer`.
    max_steps : int, default=5000
        Training iterations; with ``early_stopping`` a ceiling.
    eval_every : int, default=10
        Iterations between validations.
    monitor_every : int, default=0
        As in :class:`HexaGANImputer`.
    warmup_epochs : float, default=0.0
        Epochs (of the labeled rows) of discriminator-only updates first.
    selection : {"validation", "per_network", "last"}, default="validation"
        Every network at the best ``validation_metric``; or C there and E,
        G_MI, D_MI, G_CG, D_CG at their best validation RMSE; or the last step.
    validation_metric : {"log_loss", "f1"}, default="log_loss"
        What selection minimises (log-loss) or maximises (F1 of class index 1
        when binary, else macro-F1) on the labeled validation rows.
    early_stopping : bool, default=True
        As in :class:`HexaGANImputer`, on ``validation_metric``.
    n_iter_no_change : int, default=30
        Validations without improvement before stopping.
    tol : float, default=1e-4
        As in :class:`HexaGANImputer`.
    validation_fraction : float, default=0.1
        As in :class:`HexaGANImputer` (stratified by label).
    snapshot_steps : tuple of int, default=()
        As in :class:`HexaGANImputer`.
    architecture : {"mlp", "conv", "mlp_authors"}, default="mlp"
        As in :class:`HexaGANImputer`.
    fill_noise : float in [0, 1], default=1.0
        As in :class:`HexaGANImputer`; Eq. (1)'s U(0, 1) here.
    scale : bool, default=True
        As in :class:`HexaGANImputer`.
    device : str or torch.device, default="auto"
        As in :class:`HexaGANImputer`.
    n_threads : int or None, default=1
        As in :class:`HexaGANImputer`.
    verbose : bool, default=False
        As in :class:`HexaGANImputer`.
    random_state : int, RandomState or None, default=None
        As in :class:`HexaGANImputer`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels; the model works with their indices.
    model_, history_, snapshots_, best_step_, n_iter_, seed_
        As in :class:`HexaGANImputer`.
    data_min_, data_range_ : ndarray of shape (n_features,)
        As in :class:`HexaGANImputer`.
    n_features_in_ : int
        Columns of the training data.
    feature_names_in_ : ndarray of str
        Their names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    HexaGANImputer : the imputation networks alone.

    Notes
    -----
    The defaults are for a user's own table: C overfits early (its best
    validation log-loss comes within a few hundred iterations and grows
    after), so it is validated every 10 iterations on all labeled
    validation rows and early stopping ends the run within ``max_steps``.
    Unlike the imputer it keeps Eq. (1)'s fill U(0, 1) and the paper's
    networks: on breast's validation parts both U(0, 0.01) and the
    authors' smaller networks (``architecture="mlp_authors"``) gave a worse
    validation log-loss (``bench/validation_study.py``, README).  The
    benchmark protocol runs its fixed budget instead
    (:data:`hexagan.protocol.TRAINING`).

    Examples
    --------
    >>> import numpy as np
    >>> from hexagan import HexaGANClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((60, 4))
    >>> y = np.where(X[:, 0] > 0.7, "sick", "well")  # imbalanced, as the paper's tables
    >>> X[rng.random(X.shape) < 0.2] = np.nan  # 20 % of the entries missing
    >>> y[::4] = ""  # and a quarter of the labels ("" marks a missing one)
    >>> clf = HexaGANClassifier(max_steps=5, n_critic=1, n_cg=1, batch_size=16, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['sick', 'well']
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
    >>> set(clf.predict(X)) <= {"sick", "well"}
    True
    """

    _TRAIN_PARAMS = HexaGANImputer._TRAIN_PARAMS + ("lambda2", "alpha2", "alpha3", "alpha4", "c_l2", "lr_c",
                                                    "lr_cg", "n_cg", "validation_metric")
    _MODEL_PARAMS = HexaGANImputer._MODEL_PARAMS + ("z_dim", "use_g_mi", "use_g_cg", "use_label_discriminator")

    def __init__(self, *, lambda1=_TRAIN["lambda1"], lambda2=_TRAIN["lambda2"], alpha1=_TRAIN["alpha1"],
                 alpha2=_TRAIN["alpha2"], alpha3=_TRAIN["alpha3"], alpha4=_TRAIN["alpha4"], c_l2=_TRAIN["c_l2"],
                 lr_gan=_TRAIN["lr_gan"], lr_c=_TRAIN["lr_c"], lr_cg=_TRAIN["lr_cg"], decay=_TRAIN["decay"],
                 batch_size=_TRAIN["batch_size"], n_critic=_TRAIN["n_critic"], n_cg=_TRAIN["n_cg"],
                 z_dim=_MODEL["z_dim"], use_g_mi=_MODEL["use_g_mi"], use_g_cg=_MODEL["use_g_cg"],
                 use_label_discriminator=_MODEL["use_label_discriminator"], regularizer=_TRAIN["regularizer"],
                 penalty_columns=_TRAIN["penalty_columns"], optimizer=_TRAIN["optimizer"],
                 adversarial_loss=_TRAIN["adversarial_loss"], max_steps=5000, eval_every=10,
                 monitor_every=_TRAIN["monitor_every"], warmup_epochs=_TRAIN["warmup_epochs"],
                 selection=_TRAIN["selection"], validation_metric=_TRAIN["validation_metric"],
                 early_stopping=_OWN["early_stopping"], n_iter_no_change=30, tol=_TRAIN["tol"],
                 validation_fraction=_OWN["validation_fraction"], snapshot_steps=_TRAIN["snapshot_steps"],
                 architecture=_MODEL["architecture"], fill_noise=_MODEL["fill_noise"], scale=_OWN["scale"],
                 device=_OWN["device"], n_threads=_OWN["n_threads"], verbose=_TRAIN["verbose"],
                 random_state=None):
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
        self.scale = scale
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.random_state = random_state

    def _batches_per_iteration(self) -> int:
        """The imputer's, and the n_cg rounds of conditional generation."""
        return super()._batches_per_iteration() + (int(self.n_cg) if self.use_g_cg else 0)

    def fit(self, X, y, eval_set=None, monitor_set=None):
        """Train on ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN where an entry is missing.
        y : array-like of shape (n_samples,)
            The labels; a missing one is -1, or None, NaN or "" among labels of
            other types (:func:`hexagan.methods.check_labels` holds the
            convention).
        eval_set : tuple (X_val, X_val_true, y_val) or None, default=None
            The checkpoint with the best ``validation_metric`` on the labeled
            validation rows is kept (None: a validation part of
            ``validation_fraction`` of the rows).
        monitor_set : tuple (X, X_true, y) or None, default=None
            Scored every ``monitor_every`` iterations into ``history_`` only
            (the audit's test fold).

        Returns
        -------
        self : HexaGANClassifier
            The fitted classifier.
        """
        return self._fit_one(X, y, eval_set, monitor_set)

    def predict_proba(self, X) -> np.ndarray:
        """C(x̂): the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN where an entry is missing.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Column j is ``classes_[j]``.
        """
        X = self._to_unit(self._check_X(X))
        with _torch_threads(self.n_threads):
            return self.model_.predict_proba(X, seed=self.seed_)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN where an entry is missing.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels of ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def impute(self, X) -> np.ndarray:
        """x̂ from the full model's E and G_MI, in ``X``'s units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            NaN where an entry is missing.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features), float64
            The observed entries exactly as given, the missing ones from G_MI.
        """
        X = self._check_X(X)
        with _torch_threads(self.n_threads):
            return self._impute_in_units(X, lambda rows: self.model_.impute(rows, seed=self.seed_))


HexaGANClassifier._parameter_constraints = {k: PARAMETER_CONSTRAINTS[k] for k in HexaGANClassifier._get_param_names()}
