"""Checkpoint / resume: a killed run resumed from its checkpoint ends with the numbers of an uninterrupted one.

A "kill" is an exception raised from inside training (mid-iteration), after
which a fresh object resumes from the file the killed one left, exactly as a
rerun of a killed job does (every test runs in seconds).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from hexagan import training
from hexagan.replica import BestState, ReplicaMLP, ReplicaRNG, replica_generators
from hexagan.training import Checkpointer, ReplicaData, make_optimizer, optimizer_step, train_loop

torch.set_num_threads(1)


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


def _toy_run(path, kill=None, steps=12, patience=None):
    """A masked-reconstruction model through train_loop with validation, selection and early stopping."""
    seeds = [0, 1]
    rs = np.random.default_rng(0)
    Xs = [np.where(rs.random((30, 3)) < 0.2, np.nan, rs.random((30, 3))) for _ in seeds]
    data = ReplicaData.from_arrays(Xs)
    rng = ReplicaRNG(seeds, chunk=64)
    net = ReplicaMLP([6, 4, 3], ["relu", "sigmoid"], replica_generators(seeds, 1))
    opt = make_optimizer("adam", net.parameters(), 3e-2, decay=1e-3)
    best = BestState({"net": net}, 2)
    x_val = torch.rand(2, 10, 3, generator=torch.Generator().manual_seed(9))

    def step(s):
        x, m, _ = data.gather(data.rows(rng, 8))
        noisy = m * x + (1 - m) * rng.uniform(*x.shape[1:])
        loss = ((net(torch.cat([noisy, m], -1)) - x) ** 2 * m).mean(dim=(1, 2))
        optimizer_step(loss.sum(), opt)
        opt.decay_lr()
        return {"recon": loss}

    def evaluate():
        return {"val": ((net(torch.cat([x_val, torch.ones_like(x_val)], -1)) - x_val) ** 2).mean(dim=(1, 2))}

    checkpoint = Checkpointer(path, every=0) if path is not None else None
    if checkpoint is not None:
        checkpoint.track(net=net, opt=opt, rng=rng)
    curves = train_loop(step, steps, evaluate=evaluate, eval_every=2, select_on="val", best=best, patience=patience,
                        log_every=1, checkpoint=checkpoint)
    if checkpoint is not None:
        checkpoint.remove()
    return curves, net.state_dict(), best.best_step


@pytest.mark.parametrize("patience", [None, 2])
def test_train_loop_resumes_exactly(tmp_path, kill_at, patience):
    reference = _toy_run(None, patience=patience)
    disarm = kill_at(5)
    with pytest.raises(Killed):
        _toy_run(tmp_path / "toy.pt", patience=patience)
    assert (tmp_path / "toy.pt").exists()
    saved = torch.load(tmp_path / "toy.pt", weights_only=True)  # tensors and plain values only
    assert (saved["phase"], saved["step"]) == ("train", 4)
    disarm()
    curves, state, best_step = _toy_run(tmp_path / "toy.pt", patience=patience)
    pd.testing.assert_frame_equal(curves, reference[0])
    assert all(torch.equal(state[k], reference[1][k]) for k in state)
    assert torch.equal(best_step, reference[2])
