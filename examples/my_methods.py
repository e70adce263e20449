"""Two methods of your own, compared with the paper and the published runs by one command each:

    make compare PLUGIN=examples/my_methods.py METHODS=my_trees TABLE=table1 DATASETS=breast,wine
    make compare PLUGIN=examples/my_methods.py METHODS=my_boosting TABLE=table2 DATASETS=breast,wine

An imputer belongs in Table 1 (RMSE), a classifier in Tables 2 and 3 (F1, AUROC).  Each is a scikit-learn
estimator registered under a name with ``@register``; its ``__init__`` parameters are its settings (stored as
given, read in ``fit``), and ``random_state`` receives each split's own seed from the protocol.
"""
import warnings

from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (makes IterativeImputer importable)
from sklearn.impute import IterativeImputer
from sklearn.utils.validation import check_is_fitted, validate_data

from hexagan.methods import VALIDATE_X, BaseClassifier, BaseImputer, check_labels, register


@register("my_trees")
class TreesImputer(BaseImputer, TransformerMixin, BaseEstimator):
    """Round-robin regression of each column on the others with extremely randomised trees (MICE-like).

    X is min-max scaled to [0, 1] by the protocol, NaN where an entry is missing; ``transform`` returns X
    without NaN and with every observed entry unchanged.
    """

    def __init__(self, n_estimators=10, max_iter=5, random_state=None):
        self.n_estimators = n_estimators
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True, **VALIDATE_X)
        trees = ExtraTreesRegressor(n_estimators=self.n_estimators, random_state=self.random_state)
        # keep_empty_features: a column missing in every training row stays a column (filled with 0).
        self.imputer_ = IterativeImputer(trees, max_iter=self.max_iter, random_state=self.random_state,
                                         keep_empty_features=True)
        with warnings.catch_warnings():  # randomised trees never settle to its tol: max_iter rounds, as asked
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.imputer_.fit(X)
        return self

    def transform(self, X):
        check_is_fitted(self)
        return self.imputer_.transform(validate_data(self, X, reset=False, **VALIDATE_X))


@register("my_boosting")
class BoostingClassifier(BaseClassifier, ClassifierMixin, BaseEstimator):
    """Gradient-boosted trees, which split on missing values as they are, fitted on the labelled rows.

    ``y`` is -1 where a label is missing (the protocol hides labels at the missing rate and appends unlabelled
    rows with -1); ``predict_proba`` has one column per class of ``classes_``, in its order.
    """

    def __init__(self, max_iter=100, learning_rate=0.1, random_state=None):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    def fit(self, X, y):
        X = validate_data(self, X, reset=True, **VALIDATE_X)
        # The labels of the labelled rows, and which rows those are (-1, None, NaN or "": a missing label).
        labels, labeled = check_labels(y, len(X), who=type(self).__name__)
        self.model_ = HistGradientBoostingClassifier(max_iter=self.max_iter, learning_rate=self.learning_rate,
                                                     random_state=self.random_state).fit(X[labeled], labels)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        check_is_fitted(self)
        return self.model_.predict_proba(validate_data(self, X, reset=False, **VALIDATE_X))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
