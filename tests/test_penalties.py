"""The closed-form penalties (hexagan.model.penalties) equal the autograd ones (hexagan.model.losses): values and
gradients."""
import numpy as np
import pytest
import torch

from hexagan.model import losses, penalties
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.model.networks import ConditionalDiscriminator, ImputationDiscriminator, hidden_size
from hexagan.model.train_config import TrainConfig
from hexagan.replicas.replica import ReplicaMLP, ReplicaModules, replica_generators
from hexagan.replicas.training import ReplicaData

torch.set_num_threads(1)

ARCHITECTURES = ("mlp", "mlp_authors")
SEEDS = (0, 1, 2)
# Each value and parameter gradient of the closed form within assert_close's ATOL + RTOL * |autograd's| ...
ATOL, RTOL = 1e-6, 1e-5
# ... and over every case of this file the largest differences, relative to the largest autograd value or
# gradient of the case, within this: float32 rounding (this file's cases give 2.2e-7 and 1.4e-7).
MAX_RELATIVE_DIFFERENCE = 1e-6


def _case(seed):
    """K, B, d, n_classes of one random tiny case."""
    rs = np.random.default_rng(seed)
    return int(rs.integers(2, 4)), int(rs.integers(5, 8)), int(rs.integers(4, 7)), int(rs.integers(2, 4))


def _scramble(net, seed):
    """Weights and biases ~ N(0, 1/fan_in), so that every ReLU pattern occurs (the default init leaves d/2=2 units
    often all dead on tiny nets)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in net.layers:
            std = layer.weight.shape[1] ** -0.5
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) * std)
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=g) * std)
    return net


def _inputs(seed, k, b, d, n_classes):
    """x̂, class probabilities y, mask m with a padding row (weight 0), labeled-row mask m_y, row weight."""
    g = torch.Generator().manual_seed(100 + seed)
    x = torch.rand(k, b, d, generator=g)
    y = torch.softmax(3 * torch.randn(k, b, n_classes, generator=g), -1)
    weight = torch.ones(k, b)
    weight[:, -1] = 0.0
    m = (torch.rand(k, b, d, generator=g) > 0.3).float() * weight[..., None]
    m[0, :, 0] = 0.0  # a column with no observed row contributes 0
    m_y = (torch.rand(k, b, generator=g) > 0.4).float()
    return x, y, m, m_y, weight


def _differences(closed, reference, params):
    """(the largest value difference, the largest gradient difference of a replica-weighted sum over every
    parameter (a gradient None is 0)), each relative to autograd's largest; and the gradients."""
    coef = torch.arange(1.0, closed.shape[0] + 1)  # replicas must not mix: a different weight each
    grads = [torch.autograd.grad((p * coef).sum(), params, allow_unused=True, retain_graph=True)
             for p in (closed, reference)]
    pairs = [(torch.zeros_like(p) if a is None else a, torch.zeros_like(p) if b is None else b)
             for p, a, b in zip(params, *grads)]
    largest = max(float(b.abs().max()) for _, b in pairs)
    assert largest > 0, "the penalty does not reach the parameters"
    return (float((closed - reference).detach().abs().max() / reference.detach().abs().max()),
            max(float((a - b).abs().max()) for a, b in pairs) / largest, pairs)


def _assert_same(closed, reference, params):
    """Equal values, and equal gradients of a replica-weighted sum w.r.t. every parameter."""
    torch.testing.assert_close(closed, reference, atol=ATOL, rtol=RTOL)
    for a, b in _differences(closed, reference, params)[2]:
        torch.testing.assert_close(a, b, atol=ATOL, rtol=RTOL)


def _eq6(seed, architecture, label, sampled, **options):
    """Eq. (6) in closed form and by autograd on D_MI (with or without its label column), and its parameters."""
    k, b, d, n_classes = _case(seed)
    d_mi = ImputationDiscriminator(d=d, n_classes=n_classes, seeds=range(seed, seed + k), architecture=architecture,
                                   label_column=label)
    _scramble(d_mi.net, seed)
    x, y, m, _, _ = _inputs(seed, k, b, d, n_classes)
    y_in = y if label else None
    columns = losses.sample_columns(torch.rand(k, d, generator=torch.Generator().manual_seed(seed)), 2) \
        if sampled else None
    reference = losses.penalty_zero_centred_elementwise(lambda v: d_mi(v, y_in), x, m, columns=columns)
    closed = penalties.penalty_zero_centred_elementwise(penalties.ReluMLPCritic(d_mi.net, y_in), x, m,
                                                        columns=columns, **options)
    return closed, reference, list(d_mi.parameters())


def _eq9(seed, architecture):
    """Eq. (9) on D_CG."""
    k, b, d, n_classes = _case(seed)
    d_cg = ConditionalDiscriminator(d=d, n_classes=n_classes, seeds=range(seed, seed + k), architecture=architecture)
    _scramble(d_cg.net, seed)
    _, y, _, _, weight = _inputs(seed, k, b, d, n_classes)
    h = torch.relu(torch.randn(k, b, hidden_size(d, architecture), generator=torch.Generator().manual_seed(seed)))
    reference = losses.penalty_zero_centred(lambda v: d_cg.logits(v, y), h, weight)
    closed = penalties.penalty_zero_centred(penalties.ReluMLPCritic(d_cg.net, y), h, weight)
    return closed, reference, list(d_cg.parameters())


def _label_column(seed, architecture):
    """D_MI's label-column penalty as the model computes it (HexaGANCore._d_mi_terms): the "zc" regulariser's
    ``single`` on the pair (x̂, y), the critic D_MI's last column, on the rows with a real label."""
    k, b, d, n_classes = _case(seed)
    d_mi = ImputationDiscriminator(d=d, n_classes=n_classes, seeds=range(seed, seed + k), architecture=architecture)
    _scramble(d_mi.net, seed)
    x, y, _, m_y, weight = _inputs(seed, k, b, d, n_classes)
    pair, rows = torch.cat([x, y], -1), (m_y * weight)[..., None]

    def closure(v):
        return d_mi(v[..., :d], v[..., d:])[..., -1:]

    critic = penalties.as_critic(d_mi.net, closure, outputs=slice(-1, None))
    assert isinstance(critic, penalties.ReluMLPCritic)  # the closed form, as training gets it
    single = penalties.REGULARIZERS["zc"].single
    return single(critic, pair, None, rows, None), single(closure, pair, None, rows, None), list(d_mi.parameters())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("label", [True, False], ids=["label-column", "no-label"])
@pytest.mark.parametrize("sampled", [False, True], ids=["all-columns", "sampled-columns"])
def test_elementwise_eq6_equals_autograd(seed, architecture, label, sampled):
    closed, reference, params = _eq6(seed, architecture, label, sampled)
    _assert_same(closed, reference, params)
    chunked, _, _ = _eq6(seed, architecture, label, sampled, max_chunk_elements=1)
    torch.testing.assert_close(chunked, reference, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_eq9_equals_autograd(seed, architecture):
    _assert_same(*_eq9(seed, architecture))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_label_column_penalty_equals_autograd(seed, architecture):
    _assert_same(*_label_column(seed, architecture))


def test_largest_differences_stay_within_stated_bounds():
    """Over every case above, the closed form's largest departure from autograd (printed with ``pytest -s``)."""
    cases = [_eq6(s, a, label, sampled) for s in SEEDS for a in ARCHITECTURES for label in (True, False)
             for sampled in (False, True)]
    cases += [_eq9(s, a) for s in SEEDS for a in ARCHITECTURES] + [_label_column(s, a) for s in SEEDS
                                                                  for a in ARCHITECTURES]
    value, gradient = (max(found) for found in zip(*(_differences(*case)[:2] for case in cases)))
    print(f"\nlargest |closed form - autograd| over {len(cases)} cases, relative to autograd's largest: "
          f"value {value:.2e}, gradient {gradient:.2e}")
    assert value <= MAX_RELATIVE_DIFFERENCE and gradient <= MAX_RELATIVE_DIFFERENCE


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_reused_relu_patterns_change_no_bit(architecture):
    """A critic that has just scored h reuses that pass's ReLU patterns for the penalty of the very same h:
    value and gradients bit for bit those of a critic that never scored it; another tensor of equal values,
    or a weight changed since, makes it run the net again."""
    k, b, d, n_classes = _case(0)
    d_cg = ConditionalDiscriminator(d=d, n_classes=n_classes, seeds=range(k), architecture=architecture)
    _scramble(d_cg.net, 0)
    _, y, _, _, weight = _inputs(0, k, b, d, n_classes)
    h = torch.relu(torch.randn(k, b, hidden_size(d, architecture), generator=torch.Generator().manual_seed(0)))
    params = list(d_cg.parameters())

    def penalty_and_grads(critic):
        value = penalties.penalty_zero_centred(critic, h, weight)
        grads = torch.autograd.grad(value.sum(), params, allow_unused=True)
        return [value] + [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]

    scored = penalties.ReluMLPCritic(d_cg.net, y)
    assert torch.equal(scored(h), d_cg.logits(h, y))  # as the network computes it
    reused, fresh = penalty_and_grads(scored), penalty_and_grads(penalties.ReluMLPCritic(d_cg.net, y))
    assert all(torch.equal(a, b_) for a, b_ in zip(reused, fresh)) and reused[1].abs().max() > 0
    pre_activations = penalties.ReluMLPCritic._pre_activations
    assert pre_activations(scored, h) is scored._seen[2]  # the same h: the kept pass
    assert pre_activations(scored, h.clone()) is not scored._seen[2]  # equal values, another tensor: a new pass
    with torch.no_grad():
        d_cg.net.layers[0].weight.add_(0.5)
    assert pre_activations(scored, h) is not scored._seen[2]  # a weight changed since: a new pass


@pytest.mark.parametrize("sizes", [[5, 3], [5, 4, 3, 2, 3]], ids=["no-hidden-layer", "three-hidden-layers"])
def test_other_depths(sizes):
    net = _scramble(ReplicaMLP(sizes, ["relu"] * (len(sizes) - 2) + ["none"], replica_generators([0, 1], 9)), 3)
    x, extra = torch.rand(2, 6, 4), torch.rand(2, 6, 1)
    m = (torch.rand(2, 6, 3) > 0.3).float()
    critic = penalties.ReluMLPCritic(net, extra)
    reference = losses.penalty_zero_centred_elementwise(critic, x, m)  # the critic is a closure, too
    _assert_same(penalties.penalty_zero_centred_elementwise(critic, x, m), reference, list(net.parameters()))


@pytest.mark.parametrize("activations", [["sigmoid", "none"], ["relu", "sigmoid"], ["relu", "softmax"]])
def test_refuses_other_activations(activations):
    net = ReplicaMLP([3, 4, 2], activations, replica_generators([0], 1))
    assert not penalties.closed_form_applies(net)
    with pytest.raises(ValueError, match="ReLU hidden layers and no output activation"):
        penalties.ReluMLPCritic(net)
    closure = lambda v: v  # noqa: E731
    assert penalties.as_critic(net, closure) is closure  # training keeps autograd for it


def test_refuses_modules_other_than_replica_mlp():
    conv_like = ReplicaModules(lambda: torch.nn.Linear(3, 2), replica_generators([0], 1))
    with pytest.raises(ValueError, match="got ReplicaModules"):
        penalties.ReluMLPCritic(conv_like)


@pytest.mark.parametrize("penalty", ["zc", "gp"])
def test_conv_critic_column_by_column_gives_the_same_bits(penalty):
    """The conv D_MI's penalties one column at a time (as_critic wraps it in ColumnByColumn, which is faster)
    equal the batched vector-Jacobian products exactly: values and parameter gradients."""
    k, b, d, n_classes = 2, 3, 28 * 28, 3
    d_mi = ImputationDiscriminator(d=d, n_classes=n_classes, seeds=range(k), architecture="conv")
    g = torch.Generator().manual_seed(0)
    x, other = torch.rand(2, k, b, d, generator=g)
    m = (torch.rand(k, b, d, generator=g) < 0.5).float()
    y = torch.eye(n_classes)[torch.randint(0, n_classes, (k, b), generator=g)]
    columns = losses.sample_columns(torch.rand(k, d, generator=g), 5)
    eps = torch.rand(k, b, 1, generator=g)
    closure = lambda v: d_mi(v, y)  # noqa: E731
    critic = penalties.as_critic(d_mi.net, closure, y)
    assert isinstance(critic, losses.ColumnByColumn)
    params = list(d_mi.parameters())

    def value_and_grads(c):
        if penalty == "zc":
            value = losses.penalty_zero_centred_elementwise(c, x, m, columns=columns)
        else:
            value = losses.penalty_gradient(c, x, other, eps, 4)
        return value, torch.autograd.grad(value.sum(), params, allow_unused=True)  # biases: no gradient

    column_value, column_grads = value_and_grads(critic)
    batched_value, batched_grads = value_and_grads(closure)
    assert torch.equal(column_value, batched_value)
    assert any(a is not None for a in column_grads)
    assert all((a is None and b is None) or torch.equal(a, b) for a, b in zip(column_grads, batched_grads))


def _core(architecture, **config):
    rs = np.random.default_rng(0)
    X = rs.random((40, 5))
    y = (X[:, 0] > 0.5).astype(int)
    X[rs.random(X.shape) < 0.2] = np.nan
    y[rs.permutation(40)[:8]] = -1
    data = ReplicaData.from_arrays([X, X[::-1].copy()], [y, y[::-1].copy()], 2)
    model = HexaGAN(d=5, n_classes=2, seeds=[0, 1], architecture=architecture)
    return HexaGANCore(model, data, TrainConfig(**{"max_steps": 3, "eval_every": 3, "batch_size": 8, "n_critic": 2, "n_cg": 2,
                                                     **config}))


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("config", [{}, dict(penalty_columns=2), dict(regularizer="gp")],
                         ids=["exact", "sampled-columns", "gp"])
def test_core_steps_match_autograd(architecture, config, monkeypatch):
    """A few iterations of Algorithm 2 give the same losses and weights with the closed form as with autograd."""
    calls = []
    norms = penalties.ReluMLPCritic.grad_sq_norms
    monkeypatch.setattr(penalties.ReluMLPCritic, "grad_sq_norms", lambda *a, **kw: calls.append(1) or norms(*a, **kw))
    closed = _core(architecture, **config)
    logs_closed = [closed.step(s) for s in range(1, 4)]
    assert bool(calls) == (config.get("regularizer", "zc") == "zc")  # the closed form ran ("gp" only calls the critic)
    monkeypatch.setattr(penalties, "closed_form_applies", lambda net: False)  # every critic a closure: autograd
    n_calls = len(calls)
    reference = _core(architecture, **config)
    logs_reference = [reference.step(s) for s in range(1, 4)]
    assert len(calls) == n_calls
    for a, b in zip(logs_closed, logs_reference):
        assert a.keys() == b.keys() and {"penalty_mi", "penalty_label", "penalty_cg"} <= a.keys()
        assert all(a[name].abs().max() > 0 for name in ("penalty_mi", "penalty_label", "penalty_cg"))
        for name in a:
            torch.testing.assert_close(a[name], b[name], rtol=1e-4, atol=1e-5, msg=name)
    for name, t in reference.model.state_dict().items():
        torch.testing.assert_close(closed.model.state_dict()[name], t, rtol=1e-4, atol=1e-5, msg=name)
