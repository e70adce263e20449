"""Checkpoint / resume: a killed run resumed from its checkpoint ends with the numbers of an uninterrupted one.

A "kill" is an exception raised from inside training (mid-iteration), after
which a fresh object resumes from the file the killed one left, exactly as a
rerun of a killed job does (every test runs in seconds).
"""
from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import torch

from hexagan.io import checkpointing, next_checkpoint, saved_fits
from hexagan.methods import FitTask
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.estimators import HexaGANImputer
from hexagan.model.evaluation import ValidationSet
from hexagan.model.gan import HexaGAN
from hexagan.model.train_config import TrainConfig
from hexagan.replicas import training
from hexagan.replicas.checkpoint import Checkpointer
from hexagan.replicas.replica import BestState, ReplicaRNG
from hexagan.replicas.training import ReplicaData, train_loop
from hexagan.suite.config import config_hash
from hexagan.suite.constants import CHECKPOINTS_PATH
from hexagan.suite.job import run_job

from test_hexagan import FAST_C, eval_set, make_data
from test_replica import toy_model

torch.set_num_threads(1)
LOGGER = "hexagan.replicas.checkpoint"  # where a resumed run says so


class Killed(Exception):
    """Stands for SIGKILL: nothing after it runs in the killed run."""


@pytest.fixture
def kill_at(monkeypatch):
    """kill_at(n): the n-th call of ``check_finite`` (once per step, right after the step's updates) raises."""
    def arm(n: int):
        calls = {"n": 0}
        check = training.check_finite

        def check_or_kill(losses, s):
            calls["n"] += 1
            if calls["n"] == n:
                raise Killed(f"killed in step {s}")
            check(losses, s)

        monkeypatch.setattr(training, "check_finite", check_or_kill)
        return lambda: monkeypatch.setattr(training, "check_finite", check)  # disarm
    return arm


# -- the state hooks ----------------------------------------------------------------------------

def test_rng_state_gives_the_same_next_draws(tmp_path):
    rng = ReplicaRNG([3, 4], chunk=16)
    rng.uniform(5)
    torch.save(rng.state_dict(), tmp_path / "rng.pt")
    expected = [rng.uniform(7), rng.normal(20), rng.integers(torch.tensor([5, 9]), 3)]
    again = ReplicaRNG([3, 4], chunk=16)
    again.load_state_dict(torch.load(tmp_path / "rng.pt", weights_only=True))
    for want, got in zip(expected, [again.uniform(7), again.normal(20), again.integers(torch.tensor([5, 9]), 3)]):
        assert torch.equal(want, got)
    with pytest.raises(ValueError, match="seeds"):
        ReplicaRNG([3, 5], chunk=16).load_state_dict(rng.state_dict())


def _toy_run(path, kill=None, steps=12, n_iter_no_change=None):
    """A masked-reconstruction model through train_loop with validation, selection and early stopping."""
    seeds = [0, 1]
    rs = np.random.default_rng(0)
    Xs = [np.where(rs.random((30, 3)) < 0.2, np.nan, rs.random((30, 3))) for _ in seeds]
    net, opt, rng, step = toy_model(seeds, Xs, "adam", lr=3e-2, decay=1e-3)
    best = BestState({"net": net}, 2)
    x_val = torch.rand(2, 10, 3, generator=torch.Generator().manual_seed(9))

    def evaluate():
        # a score that worsens as the model learns: the best step (2) and the early stop come before the kill
        return {"val": -((net(torch.cat([x_val, torch.ones_like(x_val)], -1)) - x_val) ** 2).mean(dim=(1, 2))}

    checkpoint = Checkpointer(path, every=0) if path is not None else None
    if checkpoint is not None:
        checkpoint.track(net=net, opt=opt, rng=rng)
    curves = train_loop(step, steps, evaluate=evaluate, eval_every=2, select_on="val", best=best, n_iter_no_change=n_iter_no_change,
                        log_every=1, checkpoint=checkpoint)
    if checkpoint is not None:
        checkpoint.remove()
    return curves, net.state_dict(), best.best_step


@pytest.mark.parametrize("n_iter_no_change", [None, 2])
def test_train_loop_resumes_exactly(tmp_path, kill_at, n_iter_no_change):
    reference = _toy_run(None, n_iter_no_change=n_iter_no_change)
    disarm = kill_at(5)
    with pytest.raises(Killed):
        _toy_run(tmp_path / "toy.pt", n_iter_no_change=n_iter_no_change)
    assert (tmp_path / "toy.pt").exists()
    saved = torch.load(tmp_path / "toy.pt", weights_only=True)  # tensors and plain values only
    assert (saved["phase"], saved["step"]) == ("train", 4)
    disarm()
    curves, state, best_step = _toy_run(tmp_path / "toy.pt", n_iter_no_change=n_iter_no_change)
    assert (reference[2] == 2).all() and reference[0].step.max() == (6 if n_iter_no_change else 12)
    pd.testing.assert_frame_equal(curves, reference[0])
    assert all(torch.equal(state[k], reference[1][k]) for k in state)
    assert torch.equal(best_step, reference[2])


def _two_speed_run(path, steps=12):
    """Replica 0's score worsens (it stops at step 6), replica 1's keeps improving (it runs to the end)."""
    rs = np.random.default_rng(0)
    Xs = [np.where(rs.random((30, 3)) < 0.2, np.nan, rs.random((30, 3))) for _ in range(2)]
    net, opt, rng, step = toy_model([0, 1], Xs, "adam", lr=3e-2, decay=1e-3)
    best = BestState({"net": net}, 2)
    x_val = torch.rand(2, 10, 3, generator=torch.Generator().manual_seed(9))

    def evaluate():
        worsening = -((net(torch.cat([x_val, torch.ones_like(x_val)], -1)) - x_val)[0] ** 2).mean()
        return {"val": torch.stack([worsening, torch.tensor(opt.lr)])}  # the decayed rate falls every step

    checkpoint = Checkpointer(path, every=0) if path is not None else None
    if checkpoint is not None:
        checkpoint.track(net=net, opt=opt, rng=rng)
    curves = train_loop(step, steps, evaluate=evaluate, eval_every=2, select_on="val", best=best, n_iter_no_change=2,
                        log_every=1, checkpoint=checkpoint)
    if checkpoint is not None:
        checkpoint.remove()
    return curves, net.state_dict(), best


def test_a_stopped_replica_stays_stopped_across_a_resume(tmp_path, kill_at):
    reference = _two_speed_run(None)
    assert reference[2].stopped_at.tolist() == [6, -1] and reference[2].best_step.tolist() == [2, 12]
    disarm = kill_at(9)  # after replica 0 stopped
    with pytest.raises(Killed):
        _two_speed_run(tmp_path / "toy.pt")
    disarm()
    curves, state, best = _two_speed_run(tmp_path / "toy.pt")
    pd.testing.assert_frame_equal(curves, reference[0])
    assert all(torch.equal(state[k], reference[1][k]) for k in state)
    assert torch.equal(best.stopped_at, reference[2].stopped_at) and torch.equal(best.best_step, reference[2].best_step)


# -- HexaGAN ----------------------------------------------------------------------------------

CONFIG = dict(FAST_C, max_steps=7, eval_every=2, warmup_epochs=1.0, selection="per_network", monitor_every=2,
              snapshot_steps=(0, 3, 7))


def _core(**config):
    """Two replicas with validation and monitored rows: every piece of state a run has."""
    Xs, ys = zip(*(make_data(seed=s) for s in (0, 1)))
    data = ReplicaData.from_arrays(list(Xs), list(ys), 2)
    ev = ValidationSet.from_sets([eval_set(seed=1), eval_set(seed=2)], 5, [0, 1])
    monitor = ValidationSet.from_sets([eval_set(seed=3), eval_set(seed=4)], 5, [0, 1], salt=11)
    return HexaGANCore(HexaGAN(d=5, n_classes=2, seeds=[0, 1]), data, TrainConfig(**{**CONFIG, **config}),
                       eval_data=ev, monitor_data=monitor)


def _assert_same_fit(a, b):
    pd.testing.assert_frame_equal(a.history, b.history)
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    assert torch.equal(a.best_step, b.best_step) and torch.equal(a.best_step_imputation, b.best_step_imputation)
    assert torch.equal(a.n_iter, b.n_iter)
    assert a.snapshots.keys() == b.snapshots.keys()
    for step in a.snapshots:
        assert all(torch.equal(a.snapshots[step][k], b.snapshots[step][k]) for k in a.snapshots[step])


@pytest.mark.parametrize("update, resumed, config", [(4, ("warmup", 1), {}), (41, ("train", 3), {}),
                                                     (55, ("train", 4), dict(n_iter_no_change=2, tol=1e9,
                                                                             max_steps=20))],
                         ids=["killed-in-warm-up", "killed-in-main-loop", "early-stopping"])
def test_hexagan_core_resumes_exactly(tmp_path, monkeypatch, update, resumed, config):
    """Killed in the middle of an update pass (not between steps), resumed from the last step saved."""
    reference = _core(**config).fit()
    assert _core().warmup_steps == 3 and set(reference.history.phase) == {"warmup", "train", "monitor"}
    if config:  # with a tol no score beats, every replica stops at the third validation
        assert reference.n_iter.tolist() == [6, 6]
    calls = {"n": 0}
    real_update = HexaGANCore._update

    def update_or_kill(self, group, terms):
        calls["n"] += 1
        if calls["n"] == update:
            raise Killed
        return real_update(self, group, terms)

    path = tmp_path / "core.pt"
    monkeypatch.setattr(HexaGANCore, "_update", update_or_kill)
    with pytest.raises(Killed):
        _core(**config).fit(Checkpointer(path, every=0))
    monkeypatch.setattr(HexaGANCore, "_update", real_update)
    assert path.exists()
    checkpoint = Checkpointer(path, every=0)
    _assert_same_fit(_core(**config).fit(checkpoint), reference)
    assert checkpoint.resumed == resumed
    assert not path.exists()  # removed once the run has finished


def test_a_checkpoint_of_another_run_is_ignored_with_a_warning(tmp_path, kill_at, caplog):
    path = tmp_path / "core.pt"
    disarm = kill_at(6)
    with pytest.raises(Killed):
        _core().fit(Checkpointer(path, every=0))
    disarm()
    checkpoint = Checkpointer(path, every=0)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        result = _core(max_steps=8).fit(checkpoint)
    assert "written by another run (config differs)" in caplog.text
    assert checkpoint.resumed is None
    _assert_same_fit(result, _core(max_steps=8).fit())
    path.write_bytes(b"not a checkpoint")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        Checkpointer(path)._load()
    assert "ignoring the unreadable checkpoint" in caplog.text


def test_imputer_resumes_exactly_inside_a_checkpointing_block(tmp_path, kill_at, caplog):
    """The estimator knows nothing of paths: the block gives its run a file; a rerun of the block resumes."""
    X_train, _ = make_data(seed=0)
    X_val, X_true, _ = eval_set()
    params = dict(max_steps=7, eval_every=2, n_critic=2, batch_size=16, warmup_epochs=1.0, random_state=0)

    def fit():
        return HexaGANImputer(**params).fit(X_train, eval_set=(X_val, X_true, None))

    reference = fit()
    disarm = kill_at(6)  # warm-up: 4 steps (60 rows, batch 16), so the kill lands in the main loop
    with pytest.raises(Killed), checkpointing(tmp_path, every=0, meta={"job": "a"}):
        fit()
    disarm()
    assert [p.name for p in tmp_path.iterdir()] == ["fit0.pt"]
    with caplog.at_level(logging.WARNING, logger=LOGGER), checkpointing(tmp_path, every=0,
                                                                                       meta={"job": "a"}):
        resumed = fit()
    assert "resuming from" in caplog.text and "phase 'train'" in caplog.text
    assert list(tmp_path.iterdir()) == []
    pd.testing.assert_frame_equal(resumed.history_, reference.history_)
    assert resumed.best_step_ == reference.best_step_
    np.testing.assert_array_equal(resumed.transform(X_val), reference.transform(X_val))


# -- the neural baselines' shell ----------------------------------------------------------------

def test_a_cascade_of_two_neural_stages_resumes_its_second_stage_exactly(tmp_path, kill_at, caplog):
    """gain+cs+triplegan: GAIN is the job's run 0 (finished, its file gone), Triple-GAN run 1 (killed, resumed)."""
    from test_baselines_neural import TINY_PARAMS, _toy

    from hexagan import methods

    name = "gain+cs+triplegan"
    tasks = []
    for seed in (0, 1):
        X, y = _toy(seed=seed)
        X_val, y_val = _toy(n=12, seed=seed + 10)
        tasks.append(FitTask(X=X, y=y, eval_set=(X_val, X_val, y_val), seed=seed))

    def fit():
        return methods.create(name, **TINY_PARAMS[name]).fit_replicas(tasks)

    reference = fit()
    disarm = kill_at(8 + 6)  # GAIN's 8 steps, then step 6 of Triple-GAN's 8
    with pytest.raises(Killed), checkpointing(tmp_path, every=0):
        fit()
    disarm()
    assert [p.name for p in tmp_path.iterdir()] == ["fit1.pt"]
    with caplog.at_level(logging.WARNING, logger=LOGGER), checkpointing(tmp_path, every=0):
        resumed = fit()
    assert "fit1.pt after step 5" in caplog.text
    assert list(tmp_path.iterdir()) == []
    for a, b, task in zip(resumed, reference, tasks):
        np.testing.assert_array_equal(a.predict_proba(task.X), b.predict_proba(task.X))
        pd.testing.assert_frame_equal(a.classifier_.history_, b.classifier_.history_)


def test_a_cascade_killed_after_its_mice_stage_does_not_fit_mice_again(tmp_path, kill_at, monkeypatch, caplog):
    """mice+cs+triplegan: MICE, fitted task by task, keeps each fit (run 0's folder); Triple-GAN is run 1."""
    from test_baselines_neural import TINY_PARAMS, _toy

    from baselines.mice import MiceForestImputer
    from hexagan import methods

    name = "mice+cs+triplegan"
    tasks = [FitTask(X=X, y=y, seed=seed) for seed in (0, 1) for X, y in [_toy(seed=seed)]]

    def fit():
        return methods.create(name, **TINY_PARAMS[name]).fit_replicas(tasks)

    reference = fit()
    disarm = kill_at(6)  # MICE has no steps: step 6 of Triple-GAN's 8
    with pytest.raises(Killed), checkpointing(tmp_path, every=0):
        fit()
    disarm()
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "fit0", "fit0/task0.pkl", "fit0/task1.pkl", "fit1.pt"]
    mice_fits = []
    mice_fit = MiceForestImputer.fit
    monkeypatch.setattr(MiceForestImputer, "fit", lambda self, *a, **k: mice_fits.append(1) or mice_fit(self, *a, **k))
    with caplog.at_level(logging.WARNING, logger=LOGGER), checkpointing(tmp_path, every=0) as block:
        resumed = fit()
    assert mice_fits == [] and "fit1.pt after step 5" in caplog.text
    assert [(r["file"], r["step"]) for r in block.resumed] == [("fit0: 2 of 2 fits", None), ("fit1.pt", 5)]
    for a, b, task in zip(resumed, reference, tasks):
        np.testing.assert_array_equal(a.predict_proba(task.X), b.predict_proba(task.X))
        np.testing.assert_array_equal(a.imputer_.transform(task.X), b.imputer_.transform(task.X))


def test_a_run_inside_a_kept_task_checkpoints_in_the_tasks_own_folder(tmp_path):
    """A rerun that loads task 0 must hand task 1's run task 1's file, not the block's next number."""
    files = []

    def fit(task):
        files.append(next_checkpoint()[0].relative_to(tmp_path).as_posix())
        if task == "kill":
            raise Killed
        return task

    with pytest.raises(Killed), checkpointing(tmp_path, every=0):
        saved_fits(fit, ["a", "kill"])
    with checkpointing(tmp_path, every=0):
        assert saved_fits(fit, ["a", "b"]) == ["a", "b"]
        assert next_checkpoint()[0] == tmp_path / "fit1.pt"  # the stage is one run of the outer block
    assert files == ["fit0/task0/fit0.pt", "fit0/task1/fit0.pt", "fit0/task1/fit0.pt"]


# -- a whole job ----------------------------------------------------------------------------------

def _job_spec():
    spec = dict(dataset="wine", seed=0, mechanism="mcar", rate=0.2, label="hexagan_tiny", method="hexagan",
                params=dict(max_steps=6, eval_every=3, n_critic=2, n_cg=2, batch_size=16, warmup_epochs=0.5,
                            selection="per_network"),
                protocol=dict(n_repeats=1, n_folds=2, val_fraction=0.1, scaling="train", selection="validation",
                              train_rmse=True),
                device="cpu", history=True, snapshots=False, snapshot_rows=0, samples_per_class=0)
    return {**spec, "config_hash": config_hash(spec)}


def test_a_killed_job_rerun_gives_the_same_table_and_leaves_no_checkpoint(tmp_path, kill_at, caplog):
    spec = _job_spec()
    reference, reference_extras = run_job(spec)  # no checkpoints at all

    def comparable(results):
        timing = results[results.metric != "fit_seconds"]
        return timing.drop(columns=["wall_seconds"]).reset_index(drop=True)

    root = tmp_path / CHECKPOINTS_PATH
    disarm = kill_at(7)  # after the warm-up (2 steps of half an epoch), in the main loop
    with pytest.raises(Killed):
        run_job(spec, checkpoints=root, checkpoint_every=0)
    disarm()
    assert [p.name for p in (root / spec["config_hash"]).iterdir()] == ["fit0.pt"]
    saved = torch.load(root / spec["config_hash"] / "fit0.pt", weights_only=True)
    trained_before = saved["info"]["trained_seconds"]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        results, extras = run_job(spec, checkpoints=root, checkpoint_every=0)
    assert "resuming from" in caplog.text
    # The provenance says it resumed, and its wall time counts the killed run's training up to its checkpoint.
    assert trained_before > 0 and (results["wall_seconds"] > trained_before).all()
    assert results["resumed"].unique().tolist() == [
        f"fit0.pt after step {saved['step']} (written at {results['git_commit'].iloc[0]}, {trained_before:.0f} s before)"]
    assert "resumed" not in reference
    pd.testing.assert_frame_equal(comparable(results.drop(columns="resumed")), comparable(reference))
    assert extras.keys() == reference_extras.keys()
    for key in extras:
        np.testing.assert_array_equal(extras[key], reference_extras[key])
    assert not (root / spec["config_hash"]).exists()


def test_a_killed_split_by_split_job_keeps_its_finished_splits(tmp_path, monkeypatch):
    """A method fitted split by split (MICE, K-NN, ...) saves each split once scored: a rerun fits only the rest,
    and its rows, curves, snapshots and samples are those of an uninterrupted run."""
    import fake_method  # registers "fake_hexagan": curves, snapshots and a sampler, fitted split by split

    spec = dict(dataset="wine", seed=0, mechanism="mcar", rate=0.2, label="fake", method="fake_hexagan", params={},
                protocol=dict(n_repeats=2, n_folds=2, val_fraction=0.1, scaling="train", selection="validation",
                              train_rmse=True),
                device="cpu", history=True, snapshots=True, snapshot_rows=5, samples_per_class=2)
    spec["config_hash"] = config_hash(spec)
    reference, reference_extras = run_job(spec)

    fit, fits = fake_method.FakeHexaGAN.fit, []

    def fit_or_kill(self, X, y, eval_set=None):
        fits.append(len(X))
        if len(fits) == 3:
            raise Killed("killed in the third split")
        return fit(self, X, y, eval_set)

    root = tmp_path / CHECKPOINTS_PATH
    monkeypatch.setattr(fake_method.FakeHexaGAN, "fit", fit_or_kill)
    with pytest.raises(Killed):
        run_job(spec, checkpoints=root)
    assert sorted(p.name for p in (root / spec["config_hash"]).glob("*.pkl")) == ["r0-f0.pkl", "r0-f1.pkl"]
    results, extras = run_job(spec, checkpoints=root)
    assert len(fits) == 3 + 2  # the rerun fitted the two splits not done, not the first two again
    assert results["resumed"].str.startswith("2 of 4 splits (written at ").all()
    assert (results["wall_seconds"] > 0).all()
    keep = ["repeat", "fold", "metric", "value"]
    pd.testing.assert_frame_equal(results[results.metric != "fit_seconds"][keep].reset_index(drop=True),
                                  reference[reference.metric != "fit_seconds"][keep].reset_index(drop=True))
    assert extras.keys() == reference_extras.keys()
    for key in extras:
        np.testing.assert_array_equal(extras[key], reference_extras[key])
    assert not (root / spec["config_hash"]).exists()
