"""The batched-replica machinery: replicas never mix, and match a lone run.

A replica draws what its lone run draws (the same numbers, as many rows), so it computes the same training up
to float rounding; these tests (and tests/test_hexagan.py's) compare a few iterations, within rtol 1e-4.  That
is the horizon over which the equality holds: over a full HexaGAN run the rounding grows
(bench/replica_drift.py, breast, float32: split 0 beside 7 other splits leaves its lone fit by 1e-2 relative
at iteration 21, by 0.1 at 99, and is an unrelated run by 500; in float64 it stays below 1e-8 for 300
iterations).  The final scores still agree within their spread: Table 2's HexaGAN on 5 of breast's splits,
as replicas against alone, F1 equal on 4 splits (0.0142 apart on the fifth), AUROC at most 0.0016 apart,
against an sd of 0.030 F1 and 0.012 AUROC over the 50 splits (``bench/replica_drift.py metrics``: 22
CPU-minutes, too long for a test; ``docs/replicas.md``).  Replicas
given another batch than their own (issue 29: the job's largest unlabeled batch) differed by 0.2 after one
iteration.
"""
import numpy as np
import pytest
import torch

from hexagan.replicas.replica import BestState, ReplicaMLP, ReplicaModules, ReplicaRNG, replica_generators, replica_state
from hexagan.replicas.training import (DivergenceError, ReplicaData, check_finite, make_optimizer, optimizer_step,
                                       train_loop)


def toy_model(seeds, Xs, optimizer="rmsprop", lr=1e-2, decay=1e-5):
    """A tiny masked-reconstruction model on the shared machinery: (net, optimiser, rng, step function)."""
    data = ReplicaData.from_arrays(Xs)
    rng = ReplicaRNG(seeds, chunk=64)
    net = ReplicaMLP([2 * data.x.shape[2], 4, data.x.shape[2]], ["relu", "sigmoid"], replica_generators(seeds, 1))
    opt = make_optimizer(optimizer, net.parameters(), lr, decay=decay)

    def step(s):
        x, m, _ = data.gather(data.rows(rng, 8))
        noisy = m * x + (1 - m) * rng.uniform(*x.shape[1:])
        loss = ((net(torch.cat([noisy, m], -1)) - x) ** 2 * m).mean(dim=(1, 2))
        optimizer_step(loss.sum(), opt)
        opt.decay_lr()
        return {"recon": loss}

    return net, opt, rng, step


def _toy_fit(seeds, Xs, steps=30, optimizer="rmsprop"):
    net, _, _, step = toy_model(seeds, Xs, optimizer)
    return net, train_loop(step, steps, log_every=1)


def test_replica_equals_alone():
    rs = np.random.default_rng(0)
    Xs = [rs.random((n, 3)) for n in (20, 31, 17)]
    for X in Xs:
        X[rs.random(X.shape) < 0.2] = np.nan
    seeds = [11, 22, 33]
    together, curves = _toy_fit(seeds, Xs)
    for r, seed in enumerate(seeds):
        alone, alone_curves = _toy_fit([seed], [Xs[r]])
        for name, t in replica_state(together, r).items():
            torch.testing.assert_close(t, replica_state(alone, 0)[name], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(curves[curves.replica == r].value.to_numpy(), alone_curves.value.to_numpy(),
                                   rtol=1e-5)


def test_same_seed_same_numbers():
    X = [np.random.default_rng(1).random((10, 3))]
    a, _ = _toy_fit([5], X)
    b, _ = _toy_fit([5], X)
    for name, t in a.state_dict().items():
        assert torch.equal(t, b.state_dict()[name])


def test_rng_stream_independent_of_k():
    alone = ReplicaRNG([7])
    together = ReplicaRNG([3, 7], chunk=5)
    for shape in [(3,), (4, 2), (11,)]:
        torch.testing.assert_close(together.uniform(*shape)[1], alone.uniform(*shape)[0])
    assert torch.all(ReplicaRNG([1, 2]).integers(torch.tensor([3, 1]), 100) < torch.tensor([[3], [1]]))


def test_rng_per_replica_sizes_keep_each_stream_its_own():
    """Replicas asking for different numbers of rows draw exactly what each draws alone (refilling at their
    own times: chunk 5); the slots beyond a replica's own are 0."""
    together = ReplicaRNG([3, 7], chunk=5)
    alone = [ReplicaRNG([3], chunk=5), ReplicaRNG([7], chunk=5)]
    for sizes, width in [((2, 4), 3), ((0, 3), 1), ((6, 1), 2)]:
        drawn = together.uniform(torch.tensor(sizes), width)
        assert drawn.shape == (2, max(sizes), width)
        for r, n in enumerate(sizes):
            assert torch.equal(drawn[r, :n], alone[r].uniform(n, width)[0])
            assert not drawn[r, n:].any()
        shared = together.uniform(4)
        for r in range(2):
            assert torch.equal(shared[r], alone[r].uniform(4)[0])
    first = together.uniform(3)
    kept = first.clone()
    together.uniform(torch.tensor([9, 2]))  # refills, in place: what was drawn before must not move
    assert torch.equal(first, kept)
    for r in range(2):
        alone[r].uniform(3), alone[r].uniform((9, 2)[r])
    rows = together.integers(torch.tensor([5, 9]), torch.tensor([3, 1]))
    assert torch.equal(rows[0], alone[0].integers(torch.tensor([5]), 3)[0])
    assert torch.equal(rows[1, :1], alone[1].integers(torch.tensor([9]), 1)[0]) and rows[1, 1:].eq(0).all()


def test_rng_state_round_trip_with_replicas_out_of_step():
    rng = ReplicaRNG([3, 7], chunk=5)
    rng.uniform(torch.tensor([2, 6]), 1)
    saved = rng.state_dict()
    ahead = [rng.uniform(torch.tensor([3, 1]), 2), rng.uniform(7)]
    restored = ReplicaRNG([3, 7], chunk=5)
    restored.load_state_dict(saved)
    assert all(torch.equal(a, b) for a, b in zip(ahead, [restored.uniform(torch.tensor([3, 1]), 2), restored.uniform(7)]))
    # a state saved before per-replica sizes existed: one buffer width for every replica, no "held"
    old = ReplicaRNG([3, 7], chunk=5)
    old.uniform(2)
    state = old.state_dict()
    del state["held"]
    later = ReplicaRNG([3, 7], chunk=5)
    later.load_state_dict(state)
    assert torch.equal(later.uniform(9), old.uniform(9))


def test_replica_modules_match_plain_module():
    gens = replica_generators([1, 2], 0)
    stacked = ReplicaModules(lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten()), gens)
    x = torch.rand(2, 4, 1, 5, 5)
    out = stacked(x)
    for k in range(2):
        plain = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten())
        plain.load_state_dict({n.replace("stacked.", "").replace("__", "."): t
                               for n, t in replica_state(stacked, k).items()})
        torch.testing.assert_close(out[k], plain(x[k]))


def test_best_state_keeps_each_replicas_best():
    net = ReplicaMLP([2, 2], ["none"], replica_generators([1, 2], 0))
    best = BestState({"net": net}, 2)
    first = {n: t.clone() for n, t in net.state_dict().items()}
    best.update(torch.tensor([1.0, 5.0]), 1)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    best.update(torch.tensor([2.0, 3.0]), 2)  # replica 0 got worse, replica 1 better
    best.restore()
    torch.testing.assert_close(net.layers[0].weight[0],
                               first["layers.0.weight"][0])
    torch.testing.assert_close(net.layers[0].weight[1], first["layers.0.weight"][1] + 1)
    assert best.best_step.tolist() == [1, 2]


def test_divergence_is_a_clear_error():
    with pytest.raises(DivergenceError, match=r"'d_mi'.*step 7.*replica 1"):
        check_finite({"d_mi": torch.tensor([0.0, float("nan")])}, 7)


def test_replica_data_padding_and_class_indices():
    X1, X2 = np.zeros((3, 2)), np.ones((5, 2))
    X2[0, 1] = np.nan
    data = ReplicaData.from_arrays([X1, X2], [np.array([0, 1, -1]), np.array([1, 1, 0, -1, -1])])
    assert data.x.shape == (2, 5, 2) and data.n.tolist() == [3, 5]
    assert data.m[1, 0].tolist() == [1.0, 0.0]
    assert data.n_labeled.tolist() == [2, 3] and data.n_unlabeled.tolist() == [1, 2]
    idx, counts = data.by_class[1]
    assert counts.tolist() == [1, 2] and idx[1, :2].tolist() == [0, 1]


@pytest.mark.parametrize("name, options, reference", [
    ("rmsprop", {}, lambda ps, lr: torch.optim.RMSprop(ps, lr=lr)),
    ("adam", {}, lambda ps, lr: torch.optim.Adam(ps, lr=lr)),
    ("adam", {"betas": (0.5, 0.999), "weight_decay": 1e-3}, lambda ps, lr: torch.optim.Adam(ps, lr=lr, betas=(0.5, 0.999), weight_decay=1e-3)),
])
def test_optimizer_equals_torch_optim_with_exponential_lr(name, options, reference):
    """Bit for bit torch.optim + ExponentialLR, including a parameter that has no gradient on some steps."""
    torch.manual_seed(0)
    ours = [torch.nn.Parameter(torch.randn(3, 4)), torch.nn.Parameter(torch.randn(4))]
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    opt = make_optimizer(name, ours, 0.05, decay=0.1, **options)
    ref = reference(theirs, 0.05)
    schedule = torch.optim.lr_scheduler.ExponentialLR(ref, gamma=0.9)
    for step in range(12):
        target = torch.randn(3, 4)
        for params, optimizer in ((ours, opt), (theirs, ref)):
            optimizer.zero_grad()
            used = params if step % 3 else params[:1]  # every third step the bias gets no gradient
            loss = sum(((p - target[: p.shape[0]] if p.dim() == 2 else p) ** 2).sum() for p in used)
            loss.backward()
            optimizer.step()
        opt.decay_lr()
        schedule.step()
        for a, b in zip(ours, theirs):
            assert torch.equal(a, b), step
    assert opt.lr == ref.param_groups[0]["lr"]


def test_optimizer_rejects_unknown_names_and_options():
    p = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        make_optimizer("sgd", p, 0.1)
    with pytest.raises(TypeError, match="momentum"):
        make_optimizer("rmsprop", p, 0.1, momentum=0.9)
