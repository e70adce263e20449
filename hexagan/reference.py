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
from sklearn.utils.validation import check_is_fitted

from hexagan.methods import BaseClassifier, check_X, check_y, register


@register("mean+logreg")
class MeanLogReg(BaseClassifier, ClassifierMixin, BaseEstimator):
    """Mean imputation, then an L2 logistic regression on the labeled rows.

    Parameters
    ----------
    C : float, inverse regularisation strength of the logistic regression.
    random_state : int or None, kept for the shared interface (lbfgs is deterministic).
    """

    def __init__(self, *, C: float = 1.0, random_state: int | None = None):
        self.C = C
        self.random_state = random_state

    def fit(self, X, y):
        X = check_X(X)
        y = check_y(y, len(X))
        self.imputer_ = SimpleImputer(strategy="mean", keep_empty_features=True).fit(X)
        labeled = y >= 0
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(self.imputer_.transform(X[labeled]), y[labeled])
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        return self.model_.predict_proba(self.imputer_.transform(check_X(X)))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
