"""Checkpoint / resume: a killed run resumed from its checkpoint ends with the numbers of an uninterrupted one."""
from __future__ import annotations

import pytest
import torch

from hexagan.replica import ReplicaRNG

torch.set_num_threads(1)


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
