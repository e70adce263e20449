"""The cascades of the paper's Table 3: imputer -> balancing -> classifier.

:class:`Cascade` composes any imputer, a balancing step and any classifier::

    imputer (fitted on all training rows, labeled and unlabeled)
      -> balancing: "cs"    = the classifier's class_weight="balanced"
                    "smote" = the labeled rows SMOTE-resampled, the
                              unlabeled rows appended unchanged
                    None    = nothing
      -> classifier (fitted on the imputed, balanced rows)

Nested parameters use scikit-learn's ``imputer__<param>`` and
``classifier__<param>`` prefixes (``get_params(deep=True)``, ``set_params``,
and :func:`hexagan.methods.create`).  Its stages take the data in any units: GAIN and
Triple-GAN scale the columns inside (``imputer__scale``, ``classifier__scale``; the
benchmark protocol turns the classifier's off, :func:`register_cascade`).  :func:`register_cascade` registers one
under ``"<imputer>+<balancing>+<classifier>"``; the paper's four are
registered here: ``mice+cs+triplegan``, ``gain+cs+triplegan``,
``mice+smote+triplegan``, ``gain+smote+triplegan``.  A user's imputer gets
the same pipelines by one call, e.g. ``register_cascade("myimputer", "smote")``.
"""
from __future__ import annotations

from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from baselines.balancing import smote_resample
from baselines.neural import COMMON_CONSTRAINTS
from hexagan import methods
from hexagan.io import saved_fits
from hexagan.methods import BaseClassifier, FitTask, register
from hexagan.replicas.estimator import TaskEstimator, derive_seed

__all__ = ["BALANCINGS", "Cascade", "balance", "cascade_name", "register_cascade"]

#: Balancing steps of a cascade ("none" or None: no balancing).
BALANCINGS = ("cs", "smote", "none", None)


def balance(X: np.ndarray, y: np.ndarray, balancing: str | None, *, k_neighbors: int = 5,
            random_state: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The rows a cascade's classifier is trained on.

    Parameters
    ----------
    X : ndarray of shape (n, d), imputed (complete).
    y : ndarray of shape (n,), labels, -1 = missing.
    balancing : "cs", "smote" or None.  Only "smote" changes the rows: the
        labeled rows are SMOTE-resampled and the unlabeled rows appended
        unchanged; "cs" acts through the classifier's class weights.

    Returns
    -------
    (X_fit (n', d), y_fit (n',)).
    """
    if balancing not in BALANCINGS:
        raise ValueError(f"unknown balancing {balancing!r}; choose one of {BALANCINGS}")
    if balancing != "smote":
        return X, y
    X_l, y_l = smote_resample(X, y, k_neighbors=k_neighbors, random_state=random_state)
    unlabeled = y < 0
    return np.vstack([X_l, X[unlabeled]]), np.concatenate([y_l, y[unlabeled]])


def _fit_stage(est, tasks: list[FitTask], seeded: bool) -> list:
    """Fit ``est`` on every task: all at once when it trains replicas, else one clone per task.

    With ``seeded``, replica / clone r gets ``random_state = tasks[r].seed``;
    without, every clone keeps ``est``'s own ``random_state``.
    """
    if seeded and hasattr(est, "fit_replicas"):
        return est.fit_replicas(tasks)

    def fit_one(t):
        one = clone(est)
        if seeded and "random_state" in one.get_params(deep=False):
            one.set_params(random_state=t.seed)
        return methods.fit_task(one, t)
    return saved_fits(fit_one, tasks)  # a killed job's rerun keeps the ones fitted


class Cascade(BaseClassifier, ClassifierMixin, TaskEstimator):
    """imputer -> balancing -> classifier, a classifier of rows with missing entries and labels.

    Parameters
    ----------
    imputer : estimator, registered imputer name, or None
        Fitted on all training rows (labeled and unlabeled).  None = the
        class's ``default_imputer`` (set by :func:`register_cascade`).
    balancing : {"cs", "smote", "none"} or None, default None
        "cs" sets the classifier's ``class_weight="balanced"``; "smote"
        resamples the imputed labeled rows (see :func:`balance`); "none"
        does nothing.  None = the class's ``default_balancing`` (no balancing
        for a plain Cascade).
    classifier : estimator, registered classifier name, or None
        Takes labels -1 for unlabeled rows.  None = ``default_classifier``.
    k_neighbors : int, default 5
        SMOTE's neighbours.
    random_state : int or None, default None
        When set, seeds every stage (imputer, SMOTE, classifier get distinct
        seeds derived from it, overriding their own ``random_state``).
    device : str or None, default None
        When set, passed to every stage that has a ``device`` parameter.

    Attributes
    ----------
    imputer_ : the fitted imputer.
    classifier_ : the fitted classifier.
    classes_ : ndarray of shape (n_classes,).
    n_features_in_ : int.
    """

    default_imputer: str | None = None
    default_balancing: str | None = None
    default_classifier: str | None = None
    #: fit takes eval_set and hands it to the stages that use one (a registered cascade: whether any does)
    uses_validation = True
    _parameter_constraints = {
        "imputer": [str, HasMethods(["fit", "transform"]), None],
        "balancing": [StrOptions({b for b in BALANCINGS if b is not None}), None],
        "classifier": [str, HasMethods(["fit", "predict_proba"]), None],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        # seeds the stages through int(random_state)
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "device": [*COMMON_CONSTRAINTS["device"], None],
    }

    def __init__(self, *, imputer=None, balancing=None, classifier=None, k_neighbors: int = 5,
                 random_state=None, device=None):
        self.imputer = imputer
        self.balancing = balancing
        self.classifier = classifier
        self.k_neighbors = k_neighbors
        self.random_state = random_state
        self.device = device

    # -- components ------------------------------------------------------------
    def _component(self, key: str):
        """The imputer or classifier as an (unfitted) estimator: the parameter, resolved."""
        value = getattr(self, key)
        if value is None:
            value = getattr(self, f"default_{key}")
            if value is None:
                raise ValueError(f"{type(self).__name__} needs an {key}")
        return methods.create(value) if isinstance(value, str) else value

    def _balancing(self) -> str | None:
        """The balancing step (the parameter is checked by its constraint, the default by register_cascade)."""
        b = self.balancing if self.balancing is not None else self.default_balancing
        return None if b == "none" else b

    def get_params(self, deep: bool = True) -> dict:
        """Parameters; with ``deep``, also the components' as ``imputer__<p>`` and ``classifier__<p>``.

        scikit-learn's own for a component that is an estimator; one given by name or left to its default
        shows the parameters of a freshly built one, an unknown name none (``fit`` refuses it).
        """
        out = super().get_params(deep=deep)
        for key in ("imputer", "classifier") if deep else ():
            if isinstance(getattr(self, key), (str, type(None))):
                try:
                    comp = self._component(key)
                except ValueError:
                    continue
                out.update({f"{key}__{name}": value for name, value in comp.get_params(deep=True).items()})
        return out

    def set_params(self, **params):
        """scikit-learn's, after a named or default component that ``imputer__<p>`` / ``classifier__<p>`` reach
        has become an estimator; a component the caller passed in is cloned first, so it is never modified."""
        super().set_params(**{k: v for k, v in params.items() if "__" not in k})
        nested = {k: v for k, v in params.items() if "__" in k}
        for key in {k.split("__", 1)[0] for k in nested} & {"imputer", "classifier"}:
            comp = self._component(key)
            setattr(self, key, clone(comp) if comp is getattr(self, key) else comp)
        return super().set_params(**nested)

    def _stages(self):
        """Fresh (imputer, classifier) with the cascade's device and balancing applied."""
        imputer, classifier = clone(self._component("imputer")), clone(self._component("classifier"))
        if imputer.kind != "imputer" or classifier.kind != "classifier":
            raise ValueError("a Cascade needs an imputer (kind 'imputer') and a classifier (kind 'classifier')")
        for est in (imputer, classifier):
            if self.device is not None and "device" in est.get_params(deep=False):
                est.set_params(device=self.device)
        if self._balancing() == "cs":
            if "class_weight" not in classifier.get_params(deep=False):
                raise ValueError(f"balancing='cs' needs a classifier with a class_weight parameter, "
                                 f"not {type(classifier).__name__}")
            classifier.set_params(class_weight="balanced")
        return imputer, classifier

    # -- fitting -----------------------------------------------------------------
    def fit(self, X, y, eval_set=None):
        """Fit the imputer on all rows, balance, then fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n, d), NaN for a missing entry.
        y : array-like of shape (n,), labels 0..k-1, -1 for a missing label.
        eval_set : tuple (X_val, X_val_true, y_val) or None
            Passed to each stage that uses validation (to the classifier with
            ``X_val`` imputed by the fitted imputer).

        Returns
        -------
        self
        """
        if self.random_state is not None:
            return self._fit_one(X, y, eval_set)
        self._validate_params()  # unseeded: every stage keeps its own random_state
        return self._take_fitted(self._fit_tasks([FitTask(X=X, y=y, eval_set=eval_set)], seeded=False)[0])

    def fit_replicas(self, tasks) -> list["Cascade"]:
        """Fit one cascade per task, stage by stage; a stage that trains replicas trains all tasks at once.

        Parameters
        ----------
        tasks : sequence of FitTask (X (n_r, d) with NaN, y (n_r,) with -1, eval_set, seed).

        Returns
        -------
        list of fitted Cascade, with ``random_state = tasks[r].seed``.
        """
        return self._fit_tasks(list(tasks), seeded=True)

    def _fit_tasks(self, tasks: list[FitTask], seeded: bool) -> list["Cascade"]:
        """The tasks checked (:meth:`TaskEstimator._check_tasks`), then the stages fitted on them; one fitted
        clone per task, with ``random_state = tasks[r].seed`` when ``seeded``."""
        tasks, inputs = self._check_tasks(tasks)
        out = []
        for t, attributes in zip(tasks, inputs):
            one = clone(self)
            if seeded:
                one.set_params(random_state=t.seed)
            one.__dict__.update(attributes)
            out.append(one)
        tasks = [replace(t, eval_set=None) if t.eval_set is not None and not len(t.eval_set[0]) else t for t in tasks]
        imputer, classifier = self._stages()
        balancing = self._balancing()
        imp_uses_val = getattr(imputer, "uses_validation", False)
        clf_uses_val = getattr(classifier, "uses_validation", False)
        seeds = [t.seed for t in tasks]
        imputers = _fit_stage(imputer, [FitTask(X=t.X, eval_set=t.eval_set if imp_uses_val else None,
                                                seed=derive_seed(s, 1)) for t, s in zip(tasks, seeds)], seeded)
        clf_tasks = []
        for t, s, imp in zip(tasks, seeds, imputers):
            X_fit, y_fit = balance(imp.transform(t.X), t.y, balancing, k_neighbors=int(self.k_neighbors),
                                   random_state=derive_seed(s, 2))
            eval_set = None
            if clf_uses_val and t.eval_set is not None:
                X_val, X_val_true, y_val = t.eval_set
                eval_set = (imp.transform(X_val), X_val_true, y_val)
            clf_tasks.append(FitTask(X=X_fit, y=y_fit, eval_set=eval_set, seed=derive_seed(s, 3)))
        classifiers = _fit_stage(classifier, clf_tasks, seeded)
        for one, imp, clf in zip(out, imputers, classifiers):
            one.imputer_, one.classifier_ = imp, clf
        return out

    # -- prediction ---------------------------------------------------------------
    def predict_proba(self, X):
        """Class probabilities of the classifier on the imputed rows; X (m, d) -> ndarray (m, n_classes).

        Column j is ``classes_[j]`` (the stages are trained on class indices).
        """
        X = self._check_X(X)  # first: it raises NotFittedError on an unfitted estimator
        return self.classifier_.predict_proba(self.imputer_.transform(X))

    def predict(self, X):
        """Most probable class per row, from ``classes_``; ndarray of shape (m,)."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError on an unfitted estimator
        return self.classes_[np.argmax(proba, axis=1)]


def cascade_name(imputer: str, balancing: str | None, classifier: str = "triplegan") -> str:
    """The registry name of a cascade: ``"<imputer>+<balancing>+<classifier>"`` (no balancing: two parts)."""
    return "+".join(p for p in (imputer, balancing, classifier) if p)


def register_cascade(imputer: str, balancing: str | None, classifier: str = "triplegan") -> type:
    """Register ``Cascade(imputer, balancing, classifier)`` under :func:`cascade_name` and return its class.

    ``imputer`` and ``classifier`` are registered method names; they are built
    when the cascade is fitted, so registering costs nothing.  The class uses
    a validation part (``uses_validation``) when either stage does.

    Its ``protocol_defaults`` are its stages', prefixed (``classifier__scale: False``: the protocol
    scales every split itself, :mod:`hexagan.replicas.scaling`).

    Example: ``register_cascade("myimputer", "smote")`` makes
    ``methods.create("myimputer+smote+triplegan", imputer__max_steps=100)``.
    """
    if balancing not in BALANCINGS:
        raise ValueError(f"unknown balancing {balancing!r}; choose one of {BALANCINGS}")
    name = cascade_name(imputer, balancing, classifier)
    stages = {"imputer": methods.get(imputer), "classifier": methods.get(classifier)}
    uses_val = any(getattr(stage, "uses_validation", False) for stage in stages.values())
    protocol_defaults = {f"{key}__{param}": value for key, stage in stages.items()
                         for param, value in getattr(stage, "protocol_defaults", {}).items()}
    qualname = "Cascade_" + "_".join(p.replace("-", "_") for p in name.split("+"))
    cls = type(qualname, (Cascade,), {
        "__doc__": f"Cascade {imputer} -> {balancing or 'no balancing'} -> {classifier} (see :class:`Cascade`).",
        "__module__": __name__,
        "default_imputer": imputer,
        "default_balancing": balancing,
        "default_classifier": classifier,
        "uses_validation": uses_val,
        "protocol_defaults": protocol_defaults,
    })
    globals()[qualname] = cls  # importable by name, so fitted cascades pickle
    return register(name)(cls)


for _imputer, _balancing in (("mice", "cs"), ("gain", "cs"), ("mice", "smote"), ("gain", "smote")):
    register_cascade(_imputer, _balancing)
