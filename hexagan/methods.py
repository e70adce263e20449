"""The method registry: every imputer and classifier of the suite, built by name.

A method is one class registered with :func:`register` plus its name in
``config/config.yaml``.  The workflow and users build methods with
:func:`create`, so every method is trained on the very same masks and splits.

Two kinds of method share one small contract (scikit-learn's):

* an **imputer** (``kind = "imputer"``) has ``fit(X)`` and ``transform(X)``;
  ``X`` is a float array with ``NaN`` where an entry is missing, already
  min-max scaled to [0, 1] by the protocol (the neural methods scale a
  user's table inside: :mod:`hexagan.replicas.scaling`).  ``transform`` must return an
  array without NaN that keeps every observed entry unchanged.
* a **classifier** (``kind = "classifier"``) has ``fit(X, y)``, ``predict(X)``
  and ``predict_proba(X)``; ``X`` may hold NaN and ``y`` marks a missing
  label with ``-1`` (scikit-learn's convention for semi-supervised learning)
  or, for labels of any type, None, NaN or "" (:func:`check_labels` holds the
  convention).

Both follow scikit-learn's conventions, and every built-in method passes its
``check_estimator`` (``tests/test_estimator_checks.py`` lists the deliberate
deviations): ``fit`` first checks the parameters against the class's
``_parameter_constraints`` (``_validate_params``), and ``X`` is validated with
``sklearn.utils.validation.validate_data(self, X, reset=..., **VALIDATE_X)``
(NaN allowed, inf refused, float64; ``n_features_in_`` and, for a DataFrame,
``feature_names_in_``).  A classifier's labels are checked and encoded by
:func:`check_labels` and :func:`encode_labels`: any class labels, ``classes_``
their sorted set.

Optional capabilities, declared as class attributes and read by the protocol:

* ``transductive = True``: the imputer may see the observed entries of the rows
  it imputes (never their held-out values) -- documented per method.
* ``fit_replicas(tasks)``: trains K independent copies at once (one per split)
  and returns K fitted estimators; methods without it are fitted in a loop.
* ``fit(..., eval_set=(X_val, X_val_true, y_val))``: the method selects its
  checkpoint on this validation part (carved from the training rows, never
  the test fold); the protocol passes it when ``uses_validation = True``.
* ``protocol_defaults = {param: value}``: what the benchmark protocol must
  pass the method where its defaults for a user's own data do not fit the
  protocol's (``scale=False``: the protocol scales each split itself,
  :mod:`hexagan.replicas.scaling`); :func:`hexagan.protocol.method_params` applies it,
  with the protocol's training budget (:data:`hexagan.protocol.TRAINING`).

Registration is lazy: a module is imported only when one of its methods is
created, so ``import hexagan`` stays fast and a broken optional dependency
only breaks the methods that need it.
"""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Sequence

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

_REGISTRY: dict[str, type] = {}

# Where each method lives, for the registry to import it on first use (importing a module registers its
# methods): HexaGAN's own here; other packages' (the suite's baselines, a user's plugin) through the
# ``hexagan.methods`` entry point group, each entry a mapping method name -> module.  A method that a
# module imported anyway (``plugins:`` of the workflow) registers itself with @register and needs no entry.
# The names are text, not imports: the registry sits below the model (docs/layout.md) and imports
# HexaGAN's estimators only when one is created, as it does a plugin's module.
ENTRY_POINT_GROUP = "hexagan.methods"
_OWN_MODULES = {"hexagan": "hexagan.model.estimators", "hexagan_imputer": "hexagan.model.estimators"}


@functools.lru_cache(maxsize=1)
def _modules() -> dict[str, str]:
    from importlib.metadata import entry_points

    modules = dict(_OWN_MODULES)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        modules.update(entry.load())
    return modules


KINDS = ("imputer", "classifier")


class MethodError(ValueError):
    """A method name or its parameters are invalid."""


def register(name: str):
    """Class decorator registering a method under ``name``.

    The class must declare ``kind`` ("imputer" or "classifier").  Registering
    a second, different class under a taken name is an error, so two plugins
    cannot silently shadow each other.
    """

    def decorator(cls: type) -> type:
        kind = getattr(cls, "kind", None)
        if kind not in KINDS:
            raise MethodError(f"method {name!r}: class {cls.__name__} must set kind to one of {KINDS}, got {kind!r}")
        existing = _REGISTRY.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise MethodError(f"method {name!r} is already registered by {existing.__module__}.{existing.__qualname__}")
        _REGISTRY[name] = cls
        cls.method_name = name
        return cls

    return decorator


def _load(name: str) -> type:
    if name not in _REGISTRY and name in _modules():
        importlib.import_module(_modules()[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        raise MethodError(f"unknown method {name!r}; available: {', '.join(available())}") from None


def module_of(name: str) -> str | None:
    """The module that defines method ``name`` (None: one already registered by an imported plugin)."""
    return _modules().get(name)


def available() -> list[str]:
    """Names of every method that :func:`create` accepts, sorted."""
    return sorted(set(_REGISTRY) | set(_modules()))


def get(name: str) -> type:
    """The class registered under ``name``."""
    return _load(name)


def parameter_names(name: str) -> set[str] | None:
    """The parameters :func:`create` accepts for method ``name``: its constructor's and a pipeline's nested
    ones (``imputer__max_steps``, set via ``set_params``); None for a class without scikit-learn's
    ``get_params``, which takes any keyword."""
    cls = _load(name)
    return set(cls().get_params(deep=True)) if hasattr(cls, "get_params") else None


def create(name: str, **params: Any):
    """Build the method registered under ``name`` with its parameters.

    Unknown parameters are an error naming the method and its valid
    parameters (scikit-learn estimators would otherwise accept any keyword
    through ``set_params`` only); the workflow checks them before any job
    runs (:class:`hexagan.suite.plan.Plan`).
    """
    cls = _load(name)
    valid = parameter_names(name)
    if valid is not None:
        unknown = sorted(set(params) - valid)
        if unknown:
            raise MethodError(f"method {name!r} has no parameter(s) {unknown}; valid: {sorted(valid)}")
    nested = {k: v for k, v in params.items() if "__" in k}
    est = cls(**{k: v for k, v in params.items() if "__" not in k})
    return est.set_params(**nested) if nested else est


@dataclass(frozen=True)
class FitTask:
    """What one fit sees: training rows, labels (-1 = missing) and a validation part.

    ``eval_set`` is ``(X_val, X_val_true, y_val)`` or None; ``monitor_set``
    the same for rows a method with ``monitors = True`` only scores during
    training (the audit's test fold); ``seed`` makes the fit reproducible and
    differs between splits.
    """

    X: np.ndarray
    y: np.ndarray | None = None
    eval_set: tuple | None = None
    seed: int = 0
    monitor_set: tuple | None = None


def fit_task(estimator, task: FitTask):
    """Fit one estimator on one task, passing only what its kind accepts."""
    kwargs = {"eval_set": task.eval_set} if getattr(estimator, "uses_validation", False) else {}
    if task.monitor_set is not None and getattr(estimator, "monitors", False):
        kwargs["monitor_set"] = task.monitor_set
    if estimator.kind == "classifier":
        return estimator.fit(task.X, task.y, **kwargs)
    return estimator.fit(task.X, **kwargs)


def kind_of(name: str) -> str:
    """"imputer" or "classifier"."""
    return _load(name).kind


class BaseImputer:
    """Mixin for imputers: declares the kind and the capability flags.

    It sets no ``uses_validation``: a mixin listed first would shadow the
    ``True`` of a base class listed after it (absent means False).
    """

    kind = "imputer"
    transductive = False


class BaseClassifier:
    """Mixin for classifier pipelines (imputation + classifier, labels -1 = missing)."""

    kind = "classifier"
    _estimator_type = "classifier"


#: How every estimator of the suite validates a feature matrix (``sklearn.utils.validation.validate_data``):
#: NaN marks a missing entry, inf is refused, values become float64.
VALIDATE_X = dict(ensure_all_finite="allow-nan", dtype=np.float64)


class IntNotBool(Interval):
    """``Interval(Integral, ...)`` for a parameter where True or False would be a mistake, not a count.

    scikit-learn's ``Interval(Integral, ...)`` accepts bools (``True`` is an int); a ``max_predictors=True``
    or ``penalty_columns=True`` almost certainly meant something else.
    """

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


#: The missing-label marker of numeric labels (scikit-learn's semi-supervised convention); see :func:`check_labels`.
MISSING_LABEL = -1


def _label_array(y) -> np.ndarray:
    """``y`` as an array; a list as objects, since numpy would turn ``["a", nan]`` into ``["a", "nan"]``."""
    return y if hasattr(y, "dtype") else np.asarray(y, dtype=object)


def missing_labels(y: np.ndarray) -> np.ndarray:
    """Which entries of a 1-D label array are missing labels (the convention of :func:`check_labels`)."""
    if y.dtype.kind in "iu":
        return y == MISSING_LABEL
    if y.dtype.kind == "f":
        return np.isnan(y) | (y == MISSING_LABEL)
    if y.dtype.kind in "US":
        return y == y.dtype.type("")
    import pandas as pd

    return np.array([pd.isna(v) or (isinstance(v, str) and v == "")
                     or (isinstance(v, (int, float, np.number)) and not isinstance(v, bool) and v == MISSING_LABEL)
                     for v in y], dtype=bool)


def check_labels(y, n_samples: int, *, who: str) -> tuple[np.ndarray, np.ndarray]:
    """``(values, labeled)``: the labels of the labeled rows, and the mask of the labeled rows.

    **The missing-label convention** (every classifier of the suite, and :func:`hexagan.data.load_csv`,
    follow it): a row's label is missing when it is

    * ``-1`` (:data:`MISSING_LABEL`) among numeric labels: scikit-learn's semi-supervised convention, so
      -1 can never be a class;
    * ``NaN`` among float labels (a pandas column with an empty cell);
    * ``None``, ``NaN``, ``pd.NA`` or ``""`` (an empty string) among labels of any type: string labels
      mark a missing one this way.

    The other rows' labels may be of any type scikit-learn accepts for classification (ints, strings,
    ...) and must hold at least two classes; ``values`` has their natural dtype (an object array of
    strings and None becomes a string array).  A column vector is flattened with a
    ``DataConversionWarning``; a continuous or multi-output target is refused with scikit-learn's
    "Unknown label type" error.
    """
    if y is None:
        raise ValueError(f"{who} requires y to be passed, but the target y is None.")
    y = column_or_1d(_label_array(y), warn=True)
    if len(y) != n_samples:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: [{n_samples}, {len(y)}]")
    labeled = ~missing_labels(y)
    values = y[labeled]
    if values.dtype == object:
        values = np.asarray(values.tolist())  # ints stay ints, strings become a string array
    check_classification_targets(values)
    n_classes = len(np.unique(values))
    if n_classes < 2:
        raise ValueError(f"{who} needs labeled rows of at least two classes; got {n_classes} class "
                         f"(-1, None, NaN or an empty string mark a missing label)")
    return values, labeled


def encode_labels(checked: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The classes of several label vectors checked by :func:`check_labels` and each one as class indices.

    ``classes`` is the sorted union of their labels (so replicas trained
    together share one output layer); each vector becomes int64 indices into
    it, -1 for a missing label.  Labels ``0..k-1`` are their own indices.
    """
    classes = np.unique(np.concatenate([values for values, _ in checked]))
    codes = []
    for values, labeled in checked:
        code = np.full(len(labeled), -1, dtype=np.int64)
        code[labeled] = np.searchsorted(classes, values)
        codes.append(code)
    return classes, codes


def _numeric(a: np.ndarray) -> bool:
    return a.dtype.kind in "biuf"


def encode_eval_labels(y, n_samples: int, classes: np.ndarray) -> np.ndarray:
    """Validation labels as indices into ``classes``; None, a missing label (:func:`check_labels`) and labels
    not seen in training give -1."""
    if y is None:
        return np.full(n_samples, -1, dtype=np.int64)
    y = column_or_1d(_label_array(y))
    if len(y) != n_samples:
        raise ValueError(f"eval_set: {len(y)} labels for {n_samples} rows")
    code = np.full(n_samples, -1, dtype=np.int64)
    labeled = np.flatnonzero(~missing_labels(y))
    values = np.asarray(y[labeled].tolist()) if y.dtype == object else y[labeled]
    if len(values) and _numeric(values) == _numeric(classes):  # strings against numbers: none seen in training
        position = np.clip(np.searchsorted(classes, values), 0, len(classes) - 1)
        code[labeled] = np.where(classes[position] == values, position, -1)
    return code
