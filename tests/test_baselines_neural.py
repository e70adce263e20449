"""The neural baselines: GAIN, the denoising autoencoder, Triple-GAN, cs / smote and the Table 3 cascades.

Hand-computed losses on tiny tensors, the architecture and balancing
contracts, replica-vs-alone, and every method through the protocol on tiny
data with few steps (the whole file runs in well under a minute on 2 cores).
"""
from __future__ import annotations

import dataclasses
import math
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError

from baselines.autoencoder import DenoisingAutoencoderImputer, corrupt, loss_reconstruction
from baselines.balancing import inverse_frequency_weights
from baselines.cascade import Cascade, balance, register_cascade
from baselines.gain import GainImputer, hint, loss_discriminator, loss_generator
from baselines.supervised import CostSensitiveClassifier, SmoteClassifier
from baselines.triplegan import TripleGANClassifier, loss_weighted_ce
from hexagan import methods, protocol
from hexagan.data import load_dataset
from hexagan.methods import FitTask
from hexagan.model.networks import Classifier

DATA = Path(os.environ.get("HEXAGAN_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")

TINY = {"max_steps": 8, "batch_size": 16}
TINY_PARAMS = {
    "gain": TINY,
    "autoencoder": {**TINY, "eval_every": 4},
    "triplegan": {**TINY, "eval_every": 4},
    "cs": {**TINY, "eval_every": 4},
    "smote": {**TINY, "eval_every": 4},
}
TINY_MICE = {"imputer__num_datasets": 1, "imputer__iterations": 1, "imputer__num_iterations": 2}
CASCADES = ["mice+cs+triplegan", "gain+cs+triplegan", "mice+smote+triplegan", "gain+smote+triplegan"]
for _name in CASCADES:
    TINY_PARAMS[_name] = {
        **({"imputer__max_steps": 8, "imputer__batch_size": 16} if _name.startswith("gain") else TINY_MICE),
        "classifier__max_steps": 8, "classifier__batch_size": 16, "classifier__eval_every": 4,
    }


def _toy(n=40, d=4, seed=0, rate=0.25):
    rs = np.random.default_rng(seed)
    X = rs.random((n, d))
    y = (X[:, 0] + 0.3 * rs.random(n) > 0.9).astype(np.int64)  # imbalanced, learnable
    y[:2], y[2:4] = 0, 1
    X[rs.random(X.shape) < rate] = np.nan
    y[rs.random(n) < 0.2] = -1
    return X, y


# ---------------------------------------------------------------------------
# GAIN: hint and both losses, by hand
# ---------------------------------------------------------------------------
def test_gain_hint_is_b_times_m():
    m = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    b = torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    # revealed observed -> 1; revealed missing -> 0; unrevealed -> 0 (the paper would show 0.5)
    assert hint(m, b).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]


def test_gain_losses_hand_computed():
    m = torch.tensor([[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]])
    p = torch.tensor([[[0.9, 0.2, 0.6], [0.3, 0.8, 0.5]]])
    x = torch.tensor([[[0.5, 0.0, 0.1], [0.0, 0.4, 1.0]]])
    g = torch.tensor([[[0.3, 0.7, 0.1], [0.2, 0.6, 0.5]]])
    e = 1e-8
    d_hand = -(math.log(0.9 + e) + math.log(0.8 + e) + math.log(0.6 + e) + math.log(0.8 + e)
               + math.log(0.7 + e) + math.log(0.5 + e)) / 6
    torch.testing.assert_close(loss_discriminator(p, m), torch.tensor([d_hand]))
    adv = -(math.log(0.2 + e) + math.log(0.3 + e)) / 6
    # observed errors: 0.2, 0, -0.2, 0.5 -> their code's mean((mx - mg)^2) / mean(m) = sum / 4
    mse = (0.04 + 0.0 + 0.04 + 0.25) / 4
    loss, got_mse = loss_generator(p, m, x, g, alpha=100.0)
    torch.testing.assert_close(got_mse, torch.tensor([mse]))
    torch.testing.assert_close(loss, torch.tensor([adv + 100 * mse]))


def test_gain_replica_equals_alone():
    Xa, _ = _toy(seed=1)
    Xb, _ = _toy(n=33, seed=2)
    tasks = [FitTask(X=Xa, seed=5), FitTask(X=Xb, seed=9)]
    together = GainImputer(**TINY).fit_replicas(tasks)
    alone = GainImputer(**TINY, random_state=9).fit(Xb)
    assert together[1].random_state == 9
    for net, state in alone.state_.items():
        for p, t in state.items():
            torch.testing.assert_close(together[1].state_[net][p], t, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(together[1].transform(Xb), alone.transform(Xb), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------
# Autoencoder: corruption and the observed-only loss, by hand
# ---------------------------------------------------------------------------
def test_ae_corruption_by_hand():
    x = torch.tensor([[0.2, 0.7, 0.4, 0.9]])
    m = torch.tensor([[1.0, 0.0, 1.0, 1.0]])
    u_fill = torch.tensor([[0.5, 0.6, 0.3, 0.8]])
    u_drop = torch.tensor([[0.1, 0.05, 0.8, 0.6]])  # drops entry 0 (observed); entry 1 is missing anyway
    x_tilde, m_in = corrupt(x, m, u_fill, u_drop, corruption=0.5)
    assert m_in.tolist() == [[0.0, 0.0, 1.0, 1.0]]
    torch.testing.assert_close(x_tilde, torch.tensor([[0.5, 0.6, 0.4, 0.9]]))


def test_ae_loss_never_touches_missing_entries():
    m = torch.tensor([[[1.0, 0.0, 1.0]]])
    x = torch.tensor([[[0.2, 0.0, 0.4]]])
    x_bar = torch.tensor([[[0.3, 0.9, 0.1]]], requires_grad=True)
    loss = loss_reconstruction(x_bar, x, m)
    torch.testing.assert_close(loss, torch.tensor([(0.01 + 0.09) / 2]))  # the dropped entry 0 counts, 1 never
    loss.sum().backward()
    assert x_bar.grad[0, 0, 1] == 0 and x_bar.grad[0, 0, 0] != 0
    # whatever a missing entry holds, the loss is the same
    other = x.clone()
    other[0, 0, 1] = 123.0
    torch.testing.assert_close(loss_reconstruction(x_bar, other, m), loss.detach())


# ---------------------------------------------------------------------------
# Triple-GAN: C is HexaGAN's C; class weights reach the loss
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("d, n_classes", [(7, 2), (30, 3)])
def test_triplegan_classifier_is_hexagans_c(d, n_classes):
    ours = TripleGANClassifier()._build(d, n_classes, [0])["classifier"]
    theirs = Classifier(d=d, n_classes=n_classes, seeds=[0])
    assert type(ours) is Classifier
    assert [(n, t.shape) for n, t in ours.named_parameters()] == [(n, t.shape) for n, t in theirs.named_parameters()]


def test_triplegan_fitted_c_has_hexagan_shapes():
    X, y = _toy()
    est = TripleGANClassifier(**TINY, random_state=0).fit(X, y)
    ref = {n: t.shape[1:] for n, t in Classifier(d=4, n_classes=2, seeds=[0]).state_dict().items()}
    assert {n: t.shape for n, t in est.state_["classifier"].items()} == ref


def test_class_weights_reach_the_loss():
    logits = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    y = torch.tensor([[0, 1, 1]])
    w = torch.tensor([0.5, 2.0])
    ce = [math.log(1 + math.exp(-2.0)), math.log(1 + math.exp(-1.0)), math.log(2.0)]
    expected = (0.5 * ce[0] + 2 * ce[1] + 2 * ce[2]) / 3  # divided by the rows, not by the weights
    torch.testing.assert_close(loss_weighted_ce(logits, y, w), torch.tensor([expected]))
    torch.testing.assert_close(loss_weighted_ce(logits, y), torch.tensor([sum(ce) / 3]))


def test_cs_uses_inverse_frequency_weights():
    X, y = _toy()
    est = CostSensitiveClassifier(**TINY, random_state=0).fit(X, y)
    np.testing.assert_allclose(est.class_weight_, inverse_frequency_weights(y, 2), rtol=1e-6)
    cascade = methods.create("gain+cs+triplegan", **TINY_PARAMS["gain+cs+triplegan"], random_state=0).fit(X, y)
    assert cascade.classifier_.class_weight == "balanced"
    np.testing.assert_allclose(cascade.classifier_.class_weight_, inverse_frequency_weights(y, 2), rtol=1e-6)


# ---------------------------------------------------------------------------
# SMOTE: the classifier trains on balanced classes
# ---------------------------------------------------------------------------
class _Recorder(ClassifierMixin, BaseEstimator):
    """A classifier that records what it was trained on (for the cascade's contract)."""

    kind = "classifier"

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        self.X_, self.y_ = np.asarray(X), np.asarray(y)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), 0.5)


def test_smote_balances_the_labeled_rows_and_keeps_unlabeled():
    X, y = _toy()
    X_fit, y_fit = balance(np.nan_to_num(X), y, "smote", random_state=0)
    counts = np.bincount(y_fit[y_fit >= 0])
    assert counts[0] == counts[1] == np.bincount(y[y >= 0]).max()
    assert (y_fit == -1).sum() == (y == -1).sum()
    cascade = Cascade(imputer="mean", balancing="smote", classifier=_Recorder(), random_state=0).fit(X, y)
    seen = cascade.classifier_.y_
    assert np.bincount(seen[seen >= 0]).tolist() == counts.tolist() and not np.isnan(cascade.classifier_.X_).any()
    smote = SmoteClassifier(**TINY, random_state=0).fit(X, y)
    assert smote.n_resampled_ == 2 * np.bincount(y[y >= 0]).max()


# ---------------------------------------------------------------------------
# Registry, nested parameters, scikit-learn conventions
# ---------------------------------------------------------------------------
def test_cascade_nested_params_and_registration():
    est = methods.create("gain+smote+triplegan", imputer__max_steps=7, classifier__alpha=0.3)
    params = est.get_params(deep=True)
    assert params["imputer__max_steps"] == 7 and params["classifier__alpha"] == 0.3
    assert clone(est).get_params()["imputer__max_steps"] == 7
    with pytest.raises(methods.MethodError, match="no parameter"):
        methods.create("gain+smote+triplegan", imputer__nope=1)
    cls = register_cascade("mean", "cs")
    try:
        assert methods.get("mean+cs+triplegan") is cls and cls().default_imputer == "mean"
    finally:  # not beyond this test: the workflow tests check that every registered method is configured
        methods._REGISTRY.pop("mean+cs+triplegan")


def test_cascade_nested_params_leave_a_component_passed_in_alone():
    gain = GainImputer(**TINY, random_state=3)
    cascade = Cascade(imputer=gain, classifier="triplegan").set_params(imputer__max_steps=5, classifier__max_steps=4)
    assert gain.max_steps == 8 and cascade.imputer.max_steps == 5 and cascade.get_params()["classifier__max_steps"] == 4
    with pytest.raises(ValueError, match="Invalid parameter 'stage'"):
        cascade.set_params(stage__max_steps=1)
    X, y = _toy()
    unseeded = Cascade(imputer=gain, classifier=TripleGANClassifier(**TINY)).fit(X, y)
    assert unseeded.imputer_.random_state == 3  # without its own random_state a cascade seeds no stage


@pytest.mark.parametrize("cls", [GainImputer, DenoisingAutoencoderImputer, TripleGANClassifier,
                                 CostSensitiveClassifier, SmoteClassifier])
def test_sklearn_conventions(cls):
    est = cls(max_steps=3)
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        (est.transform if est.kind == "imputer" else est.predict_proba)(np.zeros((2, 4)))


def test_same_seed_same_numbers_and_observed_kept():
    X, y = _toy()
    for make in (lambda: GainImputer(**TINY, random_state=3),
                 lambda: DenoisingAutoencoderImputer(**TINY, random_state=3)):
        a, b = make().fit(X).transform(X), make().fit(X).transform(X)
        assert np.array_equal(a, b) and not np.isnan(a).any()
        observed = ~np.isnan(X)
        assert np.array_equal(a[observed], X[observed])  # bit-identical
    params = {**TINY_PARAMS["gain+smote+triplegan"], "random_state": 4}
    p1 = methods.create("gain+smote+triplegan", **params).fit(X, y).predict_proba(X)
    p2 = methods.create("gain+smote+triplegan", **params).fit(X, y).predict_proba(X)
    assert np.array_equal(p1, p2)


def test_bad_device_is_a_clear_error():
    X, _ = _toy()
    with pytest.raises(ValueError, match="device"):
        GainImputer(**TINY, device="tpu").fit(X)


def test_fitted_cascade_pickles():
    X, y = _toy()
    est = methods.create("gain+smote+triplegan", **TINY_PARAMS["gain+smote+triplegan"], random_state=1).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    assert np.array_equal(again.predict_proba(X), est.predict_proba(X))


def test_cascade_replicas_equal_alone():
    X, y = _toy()
    tasks = [FitTask(X=X[:30], y=y[:30], seed=1), FitTask(X=X, y=y, seed=2)]
    est = methods.create("gain+cs+triplegan", **TINY_PARAMS["gain+cs+triplegan"])
    together = est.fit_replicas(tasks)
    alone = methods.create("gain+cs+triplegan", **TINY_PARAMS["gain+cs+triplegan"], random_state=2).fit(X, y)
    np.testing.assert_allclose(together[1].predict_proba(X), alone.predict_proba(X), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# Every method through the protocol
# ---------------------------------------------------------------------------
def _dataset(name):
    if name in ("breast", "wine"):
        return load_dataset(name)
    if not DATA.is_dir():
        pytest.skip(f"dataset files not found in {DATA}")
    ds = load_dataset(name, data_home=DATA, download=False)
    rows = {"credit": 600, "madelon": 300}[name]
    return dataclasses.replace(ds, X=ds.X[:rows], y=ds.y[:rows], X_unlabeled=ds.X_unlabeled[:50])


@pytest.mark.parametrize("dataset", ["breast", "wine", "credit", "madelon"])
def test_every_method_through_the_protocol(dataset):
    ds = _dataset(dataset)
    for name, params in TINY_PARAMS.items():
        if dataset == "madelon":
            if name.startswith("mice"):
                continue  # miceforest fits a forest per column: 500 of them take minutes; mice has its own tests
            # d = 500: a step costs ~100x a breast step; 3 steps still cover fit, selection and scoring
            params = {k: (3 if k.endswith("max_steps") else 2 if k.endswith("eval_every") else v)
                      for k, v in params.items()}
        df = protocol.run(ds, name, params, n_repeats=1, n_folds=2, folds=[0], train_rmse=False)
        values = df[df.metric != "fit_seconds"]
        assert len(values) and values.value.notna().all(), (dataset, name)
        if methods.kind_of(name) == "imputer":  # score() also checks observed entries are unchanged
            assert values[values.metric == "rmse"].value.iloc[0] < 0.6, (dataset, name)
