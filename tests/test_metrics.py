import numpy as np
import pytest

from hexagan.protocol.metrics import classification_scores, rmse, rmse_authors, rmse_rowmean


def test_rmse_pooled_and_rowmean_hand_computed():
    X_true = np.array([[0.0, 1.0], [0.5, 0.5]])
    X_imp = np.array([[0.3, 0.6], [0.5, 0.1]])
    observed = np.array([[False, False], [True, False]])
    # Missing errors: 0.3, 0.4 (row 0), 0.4 (row 1).
    assert rmse(X_true, X_imp, observed) == pytest.approx(np.sqrt((0.09 + 0.16 + 0.16) / 3))
    assert rmse_rowmean(X_true, X_imp, observed) == pytest.approx((np.sqrt(0.25 / 2) + 0.4) / 2)


def test_rmse_authors_counts_complete_rows_as_zero():
    X_true = np.array([[0.0, 1.0], [0.5, 0.5], [0.2, 0.2]])
    X_imp = np.array([[0.3, 0.6], [0.5, 0.1], [0.2, 0.2]])
    observed = np.array([[False, False], [True, False], [True, True]])
    # The rows of the test above, plus a complete row that adds a 0 to the mean (the authors' code).
    assert rmse_authors(X_true, X_imp, observed) == pytest.approx((np.sqrt(0.25 / 2) + 0.4 + 0.0) / 3)
    assert rmse_authors(X_true, X_imp, observed) < rmse_rowmean(X_true, X_imp, observed)
    assert rmse_authors(X_true[:2], X_imp[:2], observed[:2]) == rmse_rowmean(X_true[:2], X_imp[:2], observed[:2])


def test_rmse_ignores_observed_entries_and_rejects_nan():
    X = np.ones((2, 2))
    observed = np.array([[True, False], [True, True]])
    imp = np.array([[100.0, 1.0], [-5.0, 1.0]])
    assert rmse(X, imp, observed) == 0.0
    assert np.isnan(rmse(X, X, np.ones((2, 2), bool)))
    with pytest.raises(ValueError, match="NaN"):
        rmse(X, np.full((2, 2), np.nan), observed)


def test_classification_scores_binary_hand_computed():
    y = np.array([1, 1, 0, 0, 0])
    proba = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.9, 0.1], [0.8, 0.2]])
    s = classification_scores(y, proba, positive_class=1)
    # Predictions 1,0,1,0,0: TP=1, FP=1, FN=1 -> F1 = 0.5; negative class F1 = 2*2/(2*2+1+1) = 2/3.
    assert s["f1"] == pytest.approx(0.5)
    assert s["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    # Positive scores 0.8, 0.4 vs negatives 0.7, 0.1, 0.2: 5 of 6 pairs ordered.
    assert s["auroc"] == pytest.approx(5 / 6)
    assert 0 < s["auprc"] <= 1


def test_classification_scores_multiclass_uses_macro():
    y = np.array([0, 1, 2, 2])
    proba = np.eye(3)[[0, 1, 2, 1]]
    s = classification_scores(y, proba, positive_class=None)
    assert s["f1"] == s["macro_f1"]
    with pytest.raises(ValueError, match="NaN or inf"):
        classification_scores(y, np.full((4, 3), np.nan), None)
