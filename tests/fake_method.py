"""Registered stand-ins (workflow and compare tests only): HexaGAN with learning curves, snapshots and a sampler,
and a column-median imputer."""
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import validate_data

from hexagan.methods import VALIDATE_X, BaseClassifier, BaseImputer, register


class _Model:
    def __init__(self, d):
        self.d = d

    def sample(self, n, y):
        return np.tile(np.asarray(y, float)[:, None], (1, self.d))


@register("fake_hexagan")
class FakeHexaGAN(BaseClassifier, ClassifierMixin, BaseEstimator):
    def __init__(self, *, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, eval_set=None):
        X = validate_data(self, X, reset=True, **VALIDATE_X)
        self.classes_ = np.unique(y[y >= 0])
        self.prior_ = np.bincount(y[y >= 0], minlength=len(self.classes_)) / (y >= 0).sum()
        steps = np.arange(1, 4)
        self.history_ = pd.concat([pd.DataFrame({"step": steps, "name": "loss", "value": 1.0 / steps}),
                                   pd.DataFrame({"step": steps, "name": "val_rmse", "value": 0.5 / steps})]
                                  ).assign(phase="train")
        rows = np.arange(20)
        self.snapshots_ = {int(s): {"x_hat": np.nan_to_num(X[:10]), "h_l": np.ones((20, 4)) * s, "y_l": rows % 2,
                                    "h_c": np.zeros((20, 4)), "y_c": rows % 2} for s in steps}
        self.model_ = _Model(X.shape[1])
        return self

    def predict_proba(self, X):
        return np.tile(self.prior_, (len(validate_data(self, X, reset=False, **VALIDATE_X)), 1))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]


@register("fake_median")
class FakeMedian(BaseImputer, TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True, **VALIDATE_X)
        self.median_ = np.nan_to_num(np.nanmedian(X, axis=0))
        return self

    def transform(self, X):
        X = validate_data(self, X, reset=False, **VALIDATE_X)
        return np.where(np.isnan(X), self.median_, X)
