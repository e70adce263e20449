"""HexaGAN's estimators and training procedure, on tiny data (the whole file runs in well under a minute)."""
import inspect
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

import hexagan
from hexagan import methods, protocol
from hexagan.data import load_dataset
from hexagan.methods import FitTask
from hexagan.model.algorithm import Batch, HexaGANCore, class_balance
from hexagan.model.estimators import HexaGANClassifier, HexaGANImputer
from hexagan.model.evaluation import ValidationSet
from hexagan.model.gan import HexaGAN
from hexagan.model.train_config import TrainConfig, resolve_penalty_columns
from hexagan.replicas.training import DivergenceError, ReplicaData

# Few steps and short inner loops: the structure of Algorithm 2, at a fraction of its cost.
FAST = dict(max_steps=6, eval_every=3, n_critic=2, batch_size=16)
FAST_C = dict(FAST, n_cg=2)


def make_data(seed=0, n=60, d=5, hidden=None):
    """Imbalanced binary data with 20 % MCAR entries and ``hidden`` missing labels (-1), by default 20 %."""
    rs = np.random.default_rng(seed)
    X = rs.random((n, d))
    y = (X[:, 0] + 0.3 * rs.random(n) > 0.8).astype(int)
    X[rs.random(X.shape) < 0.2] = np.nan
    y[rs.permutation(n)[:n // 5 if hidden is None else hidden]] = -1
    return X, y


def eval_set(seed=1, n=20, d=5):
    rs = np.random.default_rng(seed)
    X_true = rs.random((n, d))
    X_val = X_true.copy()
    X_val[rs.random(X_val.shape) < 0.2] = np.nan
    return X_val, X_true, (X_true[:, 0] > 0.5).astype(int)


def test_imputer_shapes_and_observed_entries_unchanged():
    X, _ = make_data()
    imp = HexaGANImputer(**FAST, random_state=0).fit(X)
    X_hat = imp.transform(X)
    observed = ~np.isnan(X)
    assert X_hat.shape == X.shape and X_hat.dtype == np.float64 and not np.isnan(X_hat).any()
    assert np.array_equal(X_hat[observed], X[observed])
    assert ((X_hat >= 0) & (X_hat <= 1))[~observed].all()  # G_MI's sigmoid


def test_classifier_shapes_and_dataframe_input():
    X, y = make_data()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = HexaGANClassifier(**FAST_C, random_state=0).fit(frame, y)
    proba = clf.predict_proba(frame)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(1), 1)
    assert set(clf.predict(frame)) <= {0, 1}
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert clf.impute(frame).shape == X.shape


def test_string_labels():
    X, y = make_data()
    labels = np.array(["benign", "malignant"])[np.maximum(y, 0)]
    clf = HexaGANClassifier(**FAST_C, random_state=0).fit(X, labels)
    assert set(clf.classes_) == {"benign", "malignant"}
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_same_seed_same_results():
    X, y = make_data()
    a = HexaGANClassifier(**FAST_C, random_state=3).fit(X, y)
    b = HexaGANClassifier(**FAST_C, random_state=3).fit(X, y)
    c = HexaGANClassifier(**FAST_C, random_state=4).fit(X, y)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    pd.testing.assert_frame_equal(a.history_, b.history_)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


@pytest.mark.parametrize("extra", [{}, dict(penalty_columns=2, c_l2=1e-3, selection="per_network")],
                         ids=["defaults", "sampled-columns-l2-per-network"])
def test_replicas_equal_alone(extra):
    tasks = [FitTask(*make_data(seed), eval_set=eval_set(seed + 10), seed=100 + seed) for seed in range(3)]
    together = HexaGANClassifier(**FAST_C, **extra).fit_replicas(tasks)
    for task, est in zip(tasks, together):
        alone = HexaGANClassifier(**FAST_C, **extra, random_state=task.seed).fit(task.X, task.y,
                                                                                 eval_set=task.eval_set)
        assert est.best_step_ == alone.best_step_
        for name, t in alone.model_.state_dict().items():
            torch.testing.assert_close(est.model_.state_dict()[name], t, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(est.predict_proba(task.X), alone.predict_proba(task.X), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(est.history_.value, alone.history_.value, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("extra", [{}, dict(regularizer="gp"), dict(warmup_epochs=1)],
                         ids=["defaults", "gp", "warm-up"])
def test_replicas_of_unequal_splits_equal_alone(extra):
    """Splits of one job differ in rows and in labels: each replica still draws its own number of unlabeled
    rows (the labeled batch times its own unlabeled/labeled ratio: 4, 8 and 16 here) and warms up for its own
    number of iterations (3, 3 and 2), as its lone fit does.  Its numbers then differ from the lone fit's
    only by float rounding: a padded batch sums its rows in another order (the bound below is 1e4 times
    float32's epsilon, and nowhere near the differences of another batch: tests/test_replica.py's
    module docstring)."""
    shapes = [(60, 12), (50, 17), (56, 28)]  # (rows, hidden labels)
    tasks = [FitTask(*make_data(seed, n, hidden=h), eval_set=eval_set(seed + 10), seed=100 + seed)
             for seed, (n, h) in enumerate(shapes)]
    params = dict(FAST_C, **extra)
    together = HexaGANClassifier(**params).fit_replicas(tasks)
    for task, est in zip(tasks, together):
        alone = HexaGANClassifier(**params, random_state=task.seed).fit(task.X, task.y, eval_set=task.eval_set)
        assert est.best_step_ == alone.best_step_
        for name, t in alone.model_.state_dict().items():
            torch.testing.assert_close(est.model_.state_dict()[name], t, rtol=1e-4, atol=1e-5)
        pd.testing.assert_frame_equal(est.history_[["step", "name", "phase"]], alone.history_[["step", "name", "phase"]])
        np.testing.assert_allclose(est.history_.value, alone.history_.value, rtol=1e-4, atol=1e-5)


def test_batch_pairs_rows_within_each_replicas_own():
    """The interpolating penalty's pairing: roll(1) within each replica's own rows, padding with itself."""
    t = torch.arange(10.0).reshape(2, 5, 1)
    batch = Batch(*(None,) * 7, rows=torch.tensor([5, 3]), slots=None)
    assert batch.pair(t)[..., 0].tolist() == [[4, 0, 1, 2, 3], [7, 5, 6, 8, 9]]


def test_imputer_replicas_equal_alone():
    tasks = [FitTask(make_data(seed)[0], seed=seed) for seed in range(2)]
    together = HexaGANImputer(**FAST).fit_replicas(tasks)
    for task, est in zip(tasks, together):
        alone = HexaGANImputer(**FAST, random_state=task.seed).fit(task.X)
        np.testing.assert_allclose(est.transform(task.X), alone.transform(task.X), rtol=1e-5, atol=1e-6)


ABLATIONS = {
    "MLP": dict(use_g_mi=False),
    "w/o G_CG & D_MI^(d+1)": dict(use_g_cg=False, use_label_discriminator=False),
    "w/o G_CG": dict(use_g_cg=False),
    "w/o D_MI^(d+1)": dict(use_label_discriminator=False),
    "HexaGAN": dict(),
}
VARIANTS = [dict(regularizer="gp"), dict(regularizer="wc"), dict(optimizer="adam"), dict(adversarial_loss="gain"),
            dict(warmup_epochs=1), dict(selection="last", early_stopping=False), dict(validation_metric="f1"), dict(validation_fraction=0, early_stopping=False),
            dict(selection="per_network"), dict(c_l2=1e-3), dict(penalty_columns=2), dict(penalty_columns=None),
            dict(fill_noise=0.01), dict(adversarial_loss="conditional")]


@pytest.mark.parametrize("flags", list(ABLATIONS.values()) + VARIANTS, ids=list(ABLATIONS) + [
    "-".join(f"{k}={v}" for k, v in v.items()) for v in VARIANTS])
def test_every_ablation_and_variant_trains(flags):
    X, y = make_data()
    clf = HexaGANClassifier(**{**FAST_C, "max_steps": 3, **flags}, random_state=0).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    built = set(clf.model_.nets)
    if flags.get("use_g_mi") is False:
        assert built == {"classifier"}
    if flags.get("use_g_cg") is False or flags.get("use_g_mi") is False:
        assert "g_cg" not in built
    if "d_mi" in built:
        assert clf.model_.nets["d_mi"].takes_label == flags.get("use_label_discriminator", True)


@pytest.mark.parametrize("flags", [dict(regularizer="gp"), dict(regularizer="wc"), dict(adversarial_loss="gain"),
                                   dict(optimizer="adam"), dict(alpha1=0.0), dict(warmup_epochs=1),
                                   dict(fill_noise=0.01), dict(adversarial_loss="conditional")])
def test_imputer_variants_train(flags):
    X, _ = make_data()
    assert not np.isnan(HexaGANImputer(**{**FAST, "max_steps": 3, **flags}, random_state=0).fit(X).transform(X)).any()


# A value unlike both estimators' defaults for every parameter of their maps into TrainConfig and the model; a
# new parameter needs one here, or test_every_parameter_reaches_training fails.
CHANGED = dict(lambda1=3.0, lambda2=3.0, alpha1=3.0, alpha2=3.0, alpha3=3.0, alpha4=3.0, c_l2=0.5, lr_gan=0.5, lr_c=0.5,
               lr_cg=0.5, decay=0.5, batch_size=7, n_critic=7, n_cg=7, regularizer="gp", penalty_columns=7,
               optimizer="adam", adversarial_loss="gain", max_steps=7, eval_every=7, monitor_every=7, warmup_epochs=0.5,
               selection="per_network", validation_metric="f1", n_iter_no_change=7, tol=0.5, snapshot_steps=(7,),
               verbose=True, architecture="mlp_authors", fill_noise=0.5, z_dim=7, use_g_mi=False, use_g_cg=False,
               use_label_discriminator=False)


@pytest.mark.parametrize("cls", [HexaGANImputer, HexaGANClassifier])
def test_every_parameter_reaches_training(cls):
    """The explicit map: each parameter is a TrainConfig field, a model argument or the estimator's own, and a
    value given to it is the value training gets."""
    train, model, own = cls._TRAIN_PARAMS, cls._MODEL_PARAMS, cls._OWN_PARAMS
    assert sorted(train + model + own) == sorted(cls._get_param_names())  # each in exactly one place
    assert set(train) <= {f.name for f in fields(TrainConfig)}
    assert set(model) <= set(inspect.signature(HexaGAN).parameters)
    for name in train:
        assert getattr(cls(**{name: CHANGED[name]})._train_config(), name) == CHANGED[name], name
    for name in model:
        assert cls(**{name: CHANGED[name]})._model_kwargs()[name] == CHANGED[name], name
    # early_stopping (the estimator's own) reaches TrainConfig as its n_iter_no_change or None
    assert cls(early_stopping=False)._train_config().n_iter_no_change is None
    assert cls(early_stopping=True, n_iter_no_change=7)._train_config().n_iter_no_change == 7


@pytest.mark.parametrize("param, value", [("regularizer", "r1"), ("optimizer", "sgd"), ("adversarial_loss", "wgan"),
                                          ("selection", "test"), ("validation_metric", "auc")])
def test_unknown_names_list_the_valid_ones(param, value):
    X, y = make_data()
    with pytest.raises(InvalidParameterError, match=rf"The '{param}' parameter of HexaGANClassifier must be a str "
                                                    rf"among {{'.*'}}\. Got '{value}' instead"):
        HexaGANClassifier(**{**FAST_C, param: value}).fit(X, y)
    if param != "optimizer":  # TrainConfig, for direct users of HexaGANCore, names them too (the optimizer: later)
        with pytest.raises(ValueError, match=rf"unknown {param} '{value}'; choose one of \["):
            TrainConfig(**{**FAST, param: value})


# Values at and beyond the bounds TrainConfig.__post_init__ checks: the estimators' constraints must agree.
CONFIG_BOUNDS = [("max_steps", 0, -1), ("warmup_epochs", 0.0, -0.5), ("monitor_every", 0, -1), ("c_l2", 0.0, -1e-3),
                 ("batch_size", 1, 0), ("n_critic", 1, 0), ("n_cg", 1, 0), ("eval_every", 1, 0),
                 ("penalty_columns", 1, 0), ("penalty_columns", None, True), ("penalty_columns", "auto", "all")]


@pytest.mark.parametrize("param, good, bad", CONFIG_BOUNDS, ids=[f"{p}={b!r}" for p, _, b in CONFIG_BOUNDS])
def test_constraints_agree_with_train_config(param, good, bad):
    TrainConfig(**{**FAST, param: good})
    HexaGANClassifier(**{param: good})._validate_params()
    with pytest.raises(ValueError, match=param):
        TrainConfig(**{**FAST, param: bad})
    with pytest.raises(InvalidParameterError, match=rf"The '{param}' parameter of HexaGANClassifier"):
        HexaGANClassifier(**{param: bad})._validate_params()


@pytest.mark.parametrize("param", ["regularizer", "adversarial_loss", "selection", "validation_metric", "optimizer",
                                   "architecture"])
def test_every_name_the_constraints_accept_is_a_valid_setting(param):
    from sklearn.utils._param_validation import StrOptions

    for cls in (HexaGANImputer, HexaGANClassifier):
        if param not in cls._parameter_constraints:
            continue
        (options,) = [c.options for c in cls._parameter_constraints[param] if isinstance(c, StrOptions)]
        for value in sorted(options):
            if param != "optimizer" and param != "architecture":
                TrainConfig(**{**FAST, param: value})
            cls(**{param: value})._validate_params()


@pytest.mark.parametrize("use_g_mi", [True, False])
def test_fill_noise_scales_the_noise_in_the_missing_slots_only(use_g_mi, monkeypatch):
    model = HexaGAN(d=3, n_classes=2, seeds=[0], use_g_mi=use_g_mi, fill_noise=0.01)
    x = torch.tensor([[[0.2, 0.4, 0.6]]])
    m = torch.tensor([[[1.0, 0.0, 1.0]]])
    z = torch.tensor([[[0.9, 0.5, 0.7]]])
    seen = []
    if use_g_mi:
        monkeypatch.setattr(model.nets["encoder"], "forward", lambda x_tilde, m: seen.append(x_tilde) or x_tilde)
        model.encode_tensors(x, m, z)
    else:
        seen.append(model.classifier_input(x, m, z))
    assert torch.allclose(seen[0], torch.tensor([[[0.2, 0.005, 0.6]]]))
    assert model.config["fill_noise"] == 0.01


@pytest.mark.parametrize("estimator", [HexaGANImputer, HexaGANClassifier])
def test_fill_noise_outside_the_unit_interval_is_refused(estimator):
    X, y = make_data()
    with pytest.raises(InvalidParameterError, match=rf"The 'fill_noise' parameter of {estimator.__name__} must be "
                                                    r"a float in the range \[0.0, 1.0\]"):
        estimator(**FAST, fill_noise=2.0).fit(X, y)
    with pytest.raises(ValueError, match="fill_noise must be in \\[0, 1\\]"):  # the model's own guard
        HexaGAN(d=3, n_classes=2, seeds=[0], fill_noise=2.0)


def test_divergence_raises_a_clear_error():
    X, y = make_data()
    with pytest.raises(DivergenceError, match=r"became (nan|inf|-inf) at step \d+ \(replica 0\).*learning rate"):
        HexaGANClassifier(**{**FAST_C, "max_steps": 30}, lr_gan=1e30, random_state=0).fit(X, y)


def test_generator_step_leaves_the_discriminator_alone():
    X, y = make_data()
    core = HexaGANCore(HexaGAN(d=5, n_classes=2, seeds=[0]), ReplicaData.from_arrays([X], [y]), TrainConfig(**FAST))
    d_mi, classifier = core.model.nets["d_mi"], core.model.nets["classifier"]
    before = {n: t.clone() for n, t in d_mi.state_dict().items()}
    core._update("eg", core._eg_terms)  # Eq. (3) + alpha1 Eq. (5)
    assert all(p.grad is None for p in d_mi.parameters())
    assert all(torch.equal(t, before[n]) for n, t in d_mi.state_dict().items())
    core._update("c", core._c_terms)  # Eq. (15) with Eq. (13): the label discriminator's signal reaches C
    _, named = core._c_terms()
    named["c_adversarial"].sum().backward()
    assert sum(float(p.grad.abs().sum()) for p in classifier.parameters() if p.grad is not None) > 0


def test_save_load_round_trip(tmp_path):
    X, y = make_data()
    clf = HexaGANClassifier(**FAST_C, snapshot_steps=(3,), random_state=0).fit(X, y)
    clf.save(tmp_path / "clf.pt")
    loaded = HexaGANClassifier.load(tmp_path / "clf.pt")
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.get_params() == clf.get_params()
    pd.testing.assert_frame_equal(loaded.history_, clf.history_)
    torch.testing.assert_close(loaded.snapshots_[3]["h_l"], clf.snapshots_[3]["h_l"])
    raw = X * 1000 + 5  # the fitted scaling travels with the file
    imp = HexaGANImputer(**FAST, random_state=0).fit(raw)
    imp.save(tmp_path / "imp.pt")
    loaded = HexaGANImputer.load(tmp_path / "imp.pt")
    assert np.array_equal(loaded.transform(raw), imp.transform(raw))
    np.testing.assert_array_equal(loaded.data_range_, imp.data_range_)
    with pytest.raises(ValueError, match="not a HexaGANImputer"):
        HexaGANImputer.load(tmp_path / "clf.pt")
    # a file saved before the estimators scaled inside: trained on the data as given
    payload = torch.load(tmp_path / "imp.pt", weights_only=True)
    del payload["params"]["scale"], payload["fitted"]["data_min_"], payload["fitted"]["data_range_"]
    torch.save(payload, tmp_path / "old.pt")
    assert HexaGANImputer.load(tmp_path / "old.pt").scale is False


def test_sklearn_api_clone_params_pipeline():
    X, y = make_data()
    clf = HexaGANClassifier(**FAST_C)
    assert clone(clf).get_params() == clf.get_params()
    assert clf.set_params(alpha4=0.5).alpha4 == 0.5
    pipe = make_pipeline(FunctionTransformer(lambda a: a * 1.0), clf.set_params(random_state=0)).fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    imputing = make_pipeline(HexaGANImputer(**FAST, random_state=0), FunctionTransformer()).fit(X)
    assert not np.isnan(imputing.transform(X)).any()


def test_history_snapshots_and_model_api():
    X, y = make_data()
    clf = HexaGANClassifier(**FAST_C, snapshot_steps=(0, 6), random_state=0).fit(X, y, eval_set=eval_set())
    names = set(clf.history_.name)
    assert {"d_mi", "penalty_mi", "g_mi", "recon", "d_cg", "g_cg", "c", "val_rmse", "val_f1", "val_log_loss"} <= names
    assert clf.best_step_ in (3, 6)
    snap = clf.snapshots_[6]
    assert snap["x_hat"].shape == snap["x_bar"].shape == (10, 5)
    n_labeled = int((y >= 0).sum())  # with an eval_set, every training row is trained on
    assert snap["h_l"].shape == snap["h_c"].shape == (n_labeled, 5)
    assert not torch.equal(clf.snapshots_[0]["x_bar"], snap["x_bar"])
    samples = clf.model_.sample(7, 1, seed=0)
    assert samples.shape == (7, 5) and np.array_equal(samples, clf.model_.sample(7, 1, seed=0))
    assert clf.model_.encode(X).shape == (len(X), 5)


def test_conv_architecture_trains_on_images():
    rs = np.random.default_rng(0)
    X = rs.random((12, 784))
    X[rs.random(X.shape) < 0.5] = np.nan
    y = np.arange(12) % 3
    # Weight clipping: the exact element-wise penalty costs one backward pass per pixel (see the report).
    clf = HexaGANClassifier(max_steps=1, n_critic=1, n_cg=1, batch_size=4, architecture="conv", regularizer="wc",
                            validation_fraction=0, early_stopping=False, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (12, 3)
    assert clf.model_.encode(X).shape == (12, 128 * 4 * 4)


def test_lazy_exports():
    assert hexagan.HexaGANClassifier is HexaGANClassifier and hexagan.HexaGAN is HexaGAN
    with pytest.raises(AttributeError):
        hexagan.NoSuchThing


def test_registry_and_protocol():
    assert methods.kind_of("hexagan") == "classifier" and methods.kind_of("hexagan_imputer") == "imputer"
    assert isinstance(methods.create("hexagan", max_steps=5), HexaGANClassifier)
    table = protocol.run(load_dataset("breast"), "hexagan", dict(max_steps=5), n_repeats=1, n_folds=2)
    f1 = table[table.metric == "f1"]
    assert len(f1) == 2 and f1.value.between(0, 1).all()


def test_protocol_gives_the_classifier_the_splits_validation_part(monkeypatch):
    # the classifier selects on each split's validation part, trained on the training rows only
    from hexagan.protocol.splits import make_splits
    assert HexaGANClassifier.uses_validation and HexaGANImputer.uses_validation
    seen = []
    original, original_sets = ReplicaData.from_arrays, ValidationSet.from_sets
    monkeypatch.setattr(ReplicaData, "from_arrays",
                        lambda Xs, *a: seen.append([len(X) for X in Xs]) or original(Xs, *a))
    monkeypatch.setattr(ValidationSet, "from_sets", classmethod(
        lambda cls, sets, d, seeds, *a: seen.append([len(s[0]) for s in sets]) or original_sets(sets, d, seeds, *a)))
    ds = load_dataset("breast")
    data = [protocol.build_split(ds, protocol.make_masks(ds, "mcar", 0.2, 0), s)
            for s in make_splits(ds.y, n_repeats=1, n_folds=2, val_fraction=0.1, seed=0)]
    list(protocol.fit_method("hexagan", dict(max_steps=1, n_cg=1, n_critic=1), data))
    assert seen == [[len(sd.X_train) for sd in data], [len(sd.X_val) for sd in data]]


# scikit-learn's check_estimator runs for both estimators, as for every registered method, in
# tests/test_estimator_checks.py (with the reasons of the deliberate deviations).


def _core(d=5, **config):
    X, y = make_data(d=d)
    data = ReplicaData.from_arrays([X], [np.where(y < 0, -1, y)], 2)
    X_val, X_true, y_val = eval_set(d=d)
    ev = ValidationSet.from_sets([(X_val, X_true, y_val)], d, [0])
    return HexaGANCore(HexaGAN(d=d, n_classes=2, seeds=[0]), data, TrainConfig(**{**FAST_C, **config}), eval_data=ev)


def test_class_balance_fills_minority_classes():
    y = torch.tensor([[0, 0, 1, 0], [1, 1, 0, 1]])
    weight = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]])  # last row of replica 2 is padding
    y_gen, w_gen = class_balance(y, weight, 2)
    assert y_gen.tolist()[0] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert w_gen.tolist() == [[0, 0, 0, 0, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]]
    for k in range(2):
        counts = torch.bincount(y[k], weights=weight[k], minlength=2) + torch.bincount(y_gen[k], weights=w_gen[k])
        assert counts[0] == counts[1]


def test_c_l2_adds_half_the_squared_weights_to_eq15():
    core = _core(c_l2=0.5)
    for net in core.model.nets.values():
        net.requires_grad_(False)
    core.model.nets["classifier"].requires_grad_(True)
    total, named = core._c_terms()
    l2 = sum(p.detach().pow(2).sum() for p in core.model.nets["classifier"].parameters()) / 2
    torch.testing.assert_close(named["c_l2"], l2[None])
    torch.testing.assert_close(total, named["c"] + 0.5 * l2[None])


def test_per_network_selection_keeps_the_imputer_at_its_best_rmse():
    core = _core(selection="per_network", max_steps=9)
    result = core.fit()
    rmse = result.history[result.history.name == "val_rmse"]
    best = rmse.loc[rmse.value.idxmin()]
    assert int(result.best_step_imputation[0]) == best.step
    torch.testing.assert_close(core.evaluate()["val_rmse"], torch.tensor([best.value], dtype=torch.float32), rtol=1e-5, atol=1e-6)
    loss = result.history[result.history.name == "val_log_loss"]
    assert int(result.best_step[0]) == loss.loc[loss.value.idxmin()].step


def test_resolve_penalty_columns():
    assert resolve_penalty_columns("auto", 64) is None
    assert resolve_penalty_columns("auto", 500) == 32
    assert resolve_penalty_columns(None, 500) is None
    assert resolve_penalty_columns(10, 500) == 10
    assert resolve_penalty_columns(10, 8) is None
    for bad in (0, "all", 2.5, True):
        with pytest.raises(ValueError):
            resolve_penalty_columns(bad, 10)


def test_penalty_columns_auto_keeps_narrow_data_exact():
    assert _core(d=5).penalty_columns is None
    assert _core(d=5, penalty_columns=2).penalty_columns == 2
    assert _core(d=5, penalty_columns=2, regularizer="gp").penalty_columns is None  # only Eq. (6) samples
    # narrow data draw nothing extra: "auto" and None give the same run
    a, b = _core(d=5).fit(), _core(d=5, penalty_columns=None).fit()
    pd.testing.assert_frame_equal(a.history, b.history)


# -- early stopping -------------------------------------------------------------------------------
# A tol no score can beat: every validation after the first counts as no improvement, so a fit stops at
# eval_every * (1 + n_iter_no_change) whatever it learns.
STOP = dict(FAST, max_steps=60, eval_every=2, early_stopping=True, n_iter_no_change=2)
STOP_C = dict(STOP, n_cg=2)


def test_early_stopping_stops_when_validation_stalls_and_records_where():
    X, y = make_data()
    clf = HexaGANClassifier(**STOP_C, tol=1e9, random_state=0).fit(X, y, eval_set=eval_set())
    assert clf.n_iter_ == 6 and clf.best_step_ == 2
    assert clf.history_.step.max() == 6
    ran = HexaGANClassifier(**{**STOP_C, "early_stopping": False}, random_state=0).fit(X, y, eval_set=eval_set())
    assert ran.n_iter_ == 60 and ran.history_.step.max() == 60
    imp = HexaGANImputer(**{**STOP, "n_iter_no_change": 3}, tol=1e9, random_state=0).fit(X)  # its own validation rows
    assert imp.n_iter_ == 8 and imp.best_step_ <= 8  # the kept checkpoint still follows any improvement


@pytest.mark.parametrize("extra", [{}, dict(selection="per_network")], ids=["validation", "per-network"])
def test_replicas_stopped_early_equal_alone(extra):
    """Replicas that stop at different iterations each end as their lone fit, which stopped there."""
    tasks = [FitTask(*make_data(seed), eval_set=eval_set(seed + 10), seed=100 + seed) for seed in range(3)]
    params = dict(STOP_C, **extra, tol=0.0)
    together = HexaGANClassifier(**params).fit_replicas(tasks)
    assert len({est.n_iter_ for est in together}) > 1  # the test is about stops at different iterations
    for task, est in zip(tasks, together):
        alone = HexaGANClassifier(**params, random_state=task.seed).fit(task.X, task.y, eval_set=task.eval_set)
        assert (est.n_iter_, est.best_step_) == (alone.n_iter_, alone.best_step_)
        for name, t in alone.model_.state_dict().items():
            torch.testing.assert_close(est.model_.state_dict()[name], t, rtol=1e-4, atol=1e-5)
        pd.testing.assert_frame_equal(est.history_[["step", "name", "phase"]], alone.history_[["step", "name", "phase"]])
        np.testing.assert_allclose(est.history_.value, alone.history_.value, rtol=1e-4, atol=1e-5)


def test_early_stopping_needs_somewhere_to_stop():
    X, y = make_data()
    with pytest.raises(ValueError, match="early_stopping=True stops on a validation part"):
        HexaGANClassifier(**STOP_C, validation_fraction=0).fit(X, y)
    with pytest.raises(ValueError, match="not 'last'"):
        HexaGANImputer(**STOP, selection="last").fit(X)
    with pytest.warns(UserWarning, match="too few rows"):  # none held out of 5 rows: the whole budget runs
        assert HexaGANImputer(**{**STOP, "max_steps": 3}).fit(X[:5]).n_iter_ == 3


def test_verbose_shows_the_validation_score_and_the_stops(capsys):
    X, y = make_data()
    HexaGANImputer(**STOP, tol=1e9, verbose=True, random_state=0).fit(X)
    err = capsys.readouterr().err
    assert "val_rmse" in err and "stopped 1/1" in err
