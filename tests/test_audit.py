"""The audit of the authors' protocol: its metrics, the test-fold monitoring, its networks, overlays and report."""
import numpy as np
import pandas as pd
import pytest
import torch

from hexagan import protocol
from hexagan.data import load_dataset
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.estimators import HexaGANClassifier, HexaGANImputer
from hexagan.model.evaluation import ValidationSet, scores
from hexagan.model.gan import HexaGAN
from hexagan.model.networks import hidden_size
from hexagan.model.train_config import TrainConfig
from hexagan.protocol import metrics
from hexagan.replicas.training import ReplicaData
from hexagan.suite import gap

from test_hexagan import FAST, FAST_C, eval_set, make_data


def test_monitoring_the_test_fold_never_changes_training():
    X, y = make_data()
    monitor = eval_set(seed=3)
    plain = HexaGANClassifier(**FAST_C, random_state=0).fit(X, y, eval_set=eval_set())
    watched = HexaGANClassifier(**FAST_C, monitor_every=2, random_state=0).fit(X, y, eval_set=eval_set(),
                                                                              monitor_set=monitor)
    for name, t in plain.model_.state_dict().items():
        assert torch.equal(t, watched.model_.state_dict()[name]), name
    assert plain.best_step_ == watched.best_step_
    curves = watched.history_[watched.history_.phase == "monitor"]
    assert set(curves.name) == {"test_rmse", "test_rmse_authors", "test_log_loss", "test_f1"}
    assert sorted(curves.step.unique()) == [2, 4, 6]
    assert (plain.history_.phase != "monitor").all()


def test_monitored_rmse_authors_is_the_numpy_metric():
    X, _ = make_data()
    X_test, X_true, _ = eval_set(seed=4)
    X_test[0] = X_true[0]  # a complete row counts 0 in the authors' mean
    model = HexaGAN(d=5, n_classes=0, seeds=[0])
    core = HexaGANCore(model, ReplicaData.from_arrays([X]), TrainConfig(max_steps=0, eval_every=1))
    ev = ValidationSet.from_sets([(X_test, X_true, np.full(len(X_test), -1))], 5, [0])
    got = scores(core.model, ev)
    x_hat = model.impute_tensors(ev.x, ev.m, ev.z)[0][0].detach().double().numpy()
    observed = ~np.isnan(X_test)
    assert got["rmse_authors"].item() == pytest.approx(metrics.rmse_authors(X_true, x_hat, observed), abs=1e-6)
    assert got["rmse"].item() == pytest.approx(metrics.rmse(X_true, x_hat, observed), abs=1e-6)


def test_best_on_test_takes_each_metric_at_its_own_step():
    history = pd.DataFrame({"step": [10, 10, 20, 20], "name": ["test_f1", "test_rmse_authors"] * 2,
                            "value": [0.9, 0.30, 0.8, 0.20]})
    assert protocol.best_on_test(history) == {"test_best_f1": 0.9, "test_best_rmse_authors": 0.20}
    assert protocol.best_on_test(history.iloc[:0]) == {}


@pytest.mark.parametrize("architecture, d", [("mlp_authors", 6), ("mlp_authors", 7), ("mlp", 6)])
def test_the_authors_networks_have_one_hidden_layer_of_d_over_2(architecture, d):
    model = HexaGAN(d=d, n_classes=2, seeds=[0, 1], architecture=architecture)
    layers = {name: [tuple(layer.weight.shape[1:]) for layer in net.net.layers] for name, net in model.nets.items()}
    half, h = d // 2, hidden_size(d, architecture)
    if architecture == "mlp_authors":
        assert h == half
        assert layers["encoder"] == [(2 * d, half), (half, half)]
        assert layers["g_mi"] == [(half, half), (half, d)]
        assert layers["d_mi"] == [(d + 2, half), (half, d + 1)]
        assert layers["classifier"] == [(d, half), (half, 2)]
        assert layers["d_cg"] == [(half + 2, half), (half, 1)]
    else:
        assert layers["encoder"] == [(2 * d, d), (d, half), (half, d)]


def test_lr_cg_sets_only_the_conditional_networks_rate():
    X, y = make_data()
    data = ReplicaData.from_arrays([X], [y], 2)
    config = TrainConfig(max_steps=0, eval_every=1, lr_gan=2e-4, lr_cg=2e-5, lr_c=2e-3)
    core = HexaGANCore(HexaGAN(d=5, n_classes=2, seeds=[0]), data, config)
    rates = {group: core._learning_rate(group) for group in core.groups}
    assert rates == {"d_mi": 2e-4, "eg": 2e-4, "d_cg": 2e-5, "g_cg": 2e-5, "c": 2e-3}


@pytest.fixture(scope="module")
def wine():
    return load_dataset("wine")


def test_the_audit_routes_the_test_fold(wine, monkeypatch):
    seen = {}
    real = protocol.methods.fit_task

    def spy(est, task):
        seen[type(est).__name__] = task
        return real(est, task)

    monkeypatch.setattr(protocol.methods, "fit_task", spy)
    common = dict(n_repeats=1, folds=[0], scaling="global", selection="test_fold", replicas=False)
    rows = protocol.run(wine, "hexagan_imputer", dict(FAST, monitor_every=3), val_fraction=0.1, **common)
    task = seen["HexaGANImputer"]
    assert task.monitor_set is not None and task.eval_set is not None   # monitored, still selected on validation
    assert not np.array_equal(task.monitor_set[0].shape, task.eval_set[0].shape)
    assert {"rmse_authors", "test_best_rmse_authors"} <= set(rows.metric) and set(rows.selection) == {"test_fold"}
    protocol.run(wine, "autoencoder", dict(max_steps=4, eval_every=2), val_fraction=0.0, **common)
    task = seen["DenoisingAutoencoderImputer"]
    assert task.monitor_set is None and len(task.eval_set[0]) == len(task.eval_set[1])  # checkpoint on the test fold
    protocol.run(wine, "hexagan_imputer", dict(FAST), val_fraction=0.0, **common)
    task = seen["HexaGANImputer"]
    assert task.eval_set is None and task.monitor_set is not None   # no hold-out: nothing to select on


def _summary(rows):
    return pd.DataFrame(rows, columns=["paper_row", "dataset", "metric", "mean"])


def test_gap_frame_lines_up_every_step_beside_the_paper():
    spec = {"experiments": {
        "table1": {"spec": {"paper_table": "table1"}},
        "table1_audit_global": {"spec": {"paper_table": "table1", "protocol": "global_monitor"}},
        "table1_audit": {"spec": {"paper_table": "table1", "protocol": "authors"}},
        "table1_library": {"spec": {}},
    }}
    summaries = {
        "table1": _summary([("HexaGAN", "wine", "rmse_rowmean", 0.16), ("K-NN", "wine", "rmse_rowmean", 0.14),
                            ("HexaGAN", "credit", "rmse_rowmean", 0.1)]),   # credit: not audited
        "table1_audit_global": _summary([("HexaGAN", "wine", m, v) for m, v in
                                         (("rmse_rowmean", 0.15), ("rmse_authors", 0.14),
                                          ("test_best_rmse_authors", 0.13))]),
        "table1_audit": _summary([("HexaGAN", "wine", "rmse_authors", 0.125), ("HexaGAN", "wine", "test_best_rmse_authors", 0.12),
                                  ("K-NN", "wine", "rmse_authors", 0.125)]),
    }
    frame = gap.gap_frame(spec, summaries, "table1").set_index("row")
    assert set(frame["dataset"]) == {"wine"}
    steps = [s.name for s in gap.STEPS]
    assert frame.loc["HexaGAN", steps].tolist() == [0.16, 0.15, 0.14, 0.13, 0.12]
    assert frame.loc["HexaGAN", "metric at full audit"] == "test_best_rmse_authors"
    assert frame.loc["K-NN", "metric at full audit"] == "rmse_authors"   # a baseline: its final model
    assert np.isnan(frame.loc["K-NN", steps[1]]) and frame.loc["K-NN", steps[-1]] == 0.125
    assert frame.loc["HexaGAN", "paper"] == 0.1372
    sentence = gap.verdict(frame.reset_index(), "table1", "rmse_rowmean")
    assert "wine: 0.1200 against the paper's 0.1372, reached; best row under the audit: HexaGAN" in sentence
    assert gap.gap_frame(spec, {}, "table1").empty
    assert gap.full_model_rmse(spec, summaries) is None
    spec["experiments"]["table2_audit"] = {"spec": {"paper_table": "table2", "protocol": "authors"}}
    summaries["table2_audit"] = _summary([("HexaGAN", "wine", "test_best_rmse_authors", 0.131)])
    assert gap.full_model_rmse(spec, summaries).endswith("wine 0.1310.")


def test_table3_line_reads_table2s_hexagan_run_against_table3s_paper_numbers():
    steps = [s.name for s in gap.STEPS if "table2" in s.metrics]
    table2 = pd.DataFrame([{"row": "HexaGAN", "dataset": "wine", **dict(zip(steps, [0.96, 0.95, 0.97, 0.99])),
                            "paper": 0.9814},
                           {"row": "HexaGAN", "dataset": "breast", **dict(zip(steps, [0.93, 0.92, 0.96, np.nan])),
                            "paper": 0.9762},
                           {"row": "MLP", "dataset": "wine", **dict(zip(steps, [0.9] * 4)), "paper": 0.9368}])
    line = gap.table3_line(table2)
    assert "wine: 0.9900 against the paper's 0.9814, reached" in line
    assert "breast: its last step not run" in line and "MLP" not in line
    assert gap.table3_line(pd.DataFrame()) is None


def test_a_partial_audit_says_how_far_its_steps_got():
    """Credit's audit runs the test-fold step only (@global_monitor): its verdict gives that step's number."""
    steps = [s.name for s in gap.STEPS if "table2" in s.metrics]
    frame = pd.DataFrame([{"row": "HexaGAN", "dataset": "credit", **dict(zip(steps, [0.356, 0.35, 0.41, np.nan])),
                           "paper": 0.4627}])
    sentence = gap.verdict(frame, "table2", "f1")
    assert ("credit: its last step not run; at \"+ best on the test fold (every 10 iterations)\": 0.4100 against "
            "the paper's 0.4627") in sentence
