"""The reference method: column-mean imputation + logistic regression.

It proves the protocol end to end with nothing but scikit-learn, and is the
floor every classifier pipeline should beat.  Rows without a label are
ignored (no semi-supervised learning).
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted, validate_data

from hexagan.methods import VALIDATE_X, BaseClassifier, check_labels, encode_labels, register


@register("mean+logreg")
class MeanLogReg(BaseClassifier, ClassifierMixin, BaseEstimator):
    """Mean imputation, then an L2 logistic regression on the labeled rows.

    Parameters
    ----------
    C : float, inverse regularisation strength of the logistic regression.
    random_state : int or None, kept for the shared interface (lbfgs is deterministic).

    ``y`` may hold any class labels, -1 marking a missing one (numeric labels).
    """

    _parameter_constraints = {k: LogisticRegression._parameter_constraints[k] for k in ("C", "random_state")}

    def __init__(self, *, C: float = 1.0, random_state: int | None = None):
        self.C = C
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # NaN marks a missing entry, imputed by the column mean
        return tags

    def fit(self, X, y):
        self._validate_params()
        X = validate_data(self, X, reset=True, **VALIDATE_X)
        self.classes_, (codes,) = encode_labels([check_labels(y, len(X), who=type(self).__name__)])
        self.imputer_ = SimpleImputer(strategy="mean", keep_empty_features=True).fit(X)
        labeled = codes >= 0
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(self.imputer_.transform(X[labeled]),
                                                                       codes[labeled])
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, **VALIDATE_X)
        return self.model_.predict_proba(self.imputer_.transform(X))

    def predict(self, X):
        proba = self.predict_proba(X)  # first: it raises NotFittedError on an unfitted estimator
        return self.classes_[np.argmax(proba, axis=1)]
