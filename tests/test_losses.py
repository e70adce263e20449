"""Every loss of hexagan.model.losses against a value computed by hand on a 2x3 batch."""
import itertools
import math

import pytest
import torch

from hexagan.model import losses
from hexagan.model.networks import Classifier, ImputationDiscriminator

# One replica, two rows, three features.  m = 1 where observed.
X = torch.tensor([[[0.2, 0.4, 0.6], [0.8, 0.1, 0.5]]])
M = torch.tensor([[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]])
Z = torch.tensor([[[0.9, 0.3, 0.7], [0.5, 0.6, 0.2]]])
X_BAR = torch.tensor([[[0.1, 0.9, 0.3], [0.7, 0.2, 0.4]]])
D_OUT = torch.tensor([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]])


def close(value, expected):
    torch.testing.assert_close(value, torch.tensor(expected, dtype=value.dtype))


def test_noise_fill_and_combine():
    close(losses.noise_fill(X, M, Z), [[[0.2, 0.3, 0.6], [0.5, 0.1, 0.5]]])
    close(losses.combine(X, M, X_BAR), [[[0.2, 0.9, 0.6], [0.7, 0.1, 0.5]]])


def test_loss_g_mi_counts_only_missing_elements():
    # row 1: missing column 2 -> 2; row 2: missing column 1 -> 4; -(2 + 4) / 2
    close(losses.loss_g_mi(D_OUT, M), [-3.0])


def test_loss_d_mi_over_d_columns():
    # (1 - 2m) * D: row 1: -1 + 2 - 3 = -2; row 2: 4 - 5 - 6 = -7; mean -4.5
    close(losses.loss_d_mi(D_OUT, M), [-4.5])


def test_loss_d_mi_label_column_masked_by_m_y():
    d_out = torch.cat([D_OUT, torch.tensor([[[10.0], [20.0]]])], dim=-1)
    m_y = torch.tensor([[1.0, 0.0]])  # row 1 has a real label, row 2 a pseudo-label
    # row 1: -2 - 10 (real label scored up); row 2: -7 + 20 (pseudo-label scored down); mean 0.5
    close(losses.loss_d_mi(d_out, M, m_y), [0.5])


def test_generated_rows_are_all_missing_for_d_mi():
    d_out = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])  # one generated row, d + 1 columns
    zeros = torch.zeros(1, 1, 3)
    close(losses.loss_d_mi(d_out, zeros, torch.zeros(1, 1)), [10.0])  # every column counts as fake
    close(losses.loss_g_mi(d_out, zeros, torch.zeros(1, 1)), [-10.0])


def test_row_weight_drops_padding_rows():
    close(losses.loss_d_mi(D_OUT, M, weight=torch.tensor([[1.0, 0.0]])), [-2.0])


def test_conditional_eq3_eq4_average_each_column_over_its_own_rows():
    # column 1: fake row 2 (4), real row 1 (1); column 2: fake row 1 (2), real row 2 (5);
    # column 3: no fake row, so it counts for neither loss
    close(losses.loss_g_mi_conditional(D_OUT, M), [-(4.0 + 2.0)])
    close(losses.loss_d_mi_conditional(D_OUT, M), [(4.0 - 1.0) + (2.0 - 5.0)])
    # the label column: row 1 real (10), row 2 pseudo (20); a zero-weight row is not counted
    d_out = torch.cat([D_OUT, torch.tensor([[[10.0], [20.0]]])], dim=-1)
    close(losses.loss_d_mi_conditional(d_out, M, torch.tensor([[1.0, 0.0]])), [0.0 + (20.0 - 10.0)])
    # with row 2 weighted out, no column has both a real and a fake row
    close(losses.loss_d_mi_conditional(D_OUT, M, weight=torch.tensor([[1.0, 0.0]])), [0.0])


def test_conditional_eq4_ignores_a_constant_that_eq4_as_printed_rewards():
    m = torch.tensor([[[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]])  # 2 of 9 entries missing
    d_out = torch.randn(1, 3, 3)
    for loss, moves in ((losses.loss_d_mi, True), (losses.loss_d_mi_conditional, False)):
        shift = loss(d_out + 5.0, m) - loss(d_out, m)
        assert (shift.abs().item() > 1) == moves
    # on all-fake (generated) rows the conditional Eq. (3) is Eq. (3)
    zeros = torch.zeros_like(m)
    close(losses.loss_g_mi_conditional(d_out, zeros), losses.loss_g_mi(d_out, zeros).tolist())


def test_loss_recon_observed_entries_only():
    # row 1: 0.1² + 0.3² = 0.10; row 2: 0.1² + 0.1² = 0.02; mean 0.06
    close(losses.loss_recon(X, M, X_BAR), [0.06])


def test_zero_centred_elementwise_penalty_ignores_missing_entries():
    c = torch.tensor([1.0, 2.0, 3.0])

    def critic(x):  # D_i = c_i x_i², plus a label column that must not be penalised
        return torch.cat([c * x ** 2, 100 * (x ** 2).sum(-1, keepdim=True)], dim=-1)

    x_hat = losses.combine(X, M, X_BAR)  # [[0.2, 0.9, 0.6], [0.7, 0.1, 0.5]]
    # ||∇D_i||² = 4 c_i² x_i², averaged over rows where feature i is observed:
    # i=0: row 1 only: 0.16; i=1: row 2 only: 16 * 0.01 = 0.16 (row 1's 12.96 is ignored);
    # i=2: both rows: (36 * 0.36 + 36 * 0.25) / 2 = 10.98
    close(losses.penalty_zero_centred_elementwise(critic, x_hat, M), [11.30])
    # chunking the outputs changes nothing
    close(losses.penalty_zero_centred_elementwise(critic, x_hat, M, max_chunk_elements=1), [11.30])


def test_zero_centred_penalty_replicas_do_not_mix():
    x = torch.rand(2, 4, 3)
    m = (torch.rand(2, 4, 3) > 0.3).float()

    def critic(v):
        return v ** 3

    both = losses.penalty_zero_centred_elementwise(critic, x, m)
    for k in range(2):
        torch.testing.assert_close(both[k], losses.penalty_zero_centred_elementwise(critic, x[k:k + 1], m[k:k + 1])[0])


def test_label_column_penalty_on_labeled_rows_wrt_x_and_y():
    """D_MI's label column as the model penalises it: Eq. (9)'s penalty on the pair (x̂, y), weighted by m_y."""
    y = torch.tensor([[[1.0, 0.0], [0.5, 0.5]]])
    m_y = torch.tensor([[1.0, 0.0]])  # only row 1 has a real label

    def label_critic(pair):  # ||x||² + ||y||²  ->  ||∇_(x,y)||² = 4 (||x||² + ||y||²)
        return (pair ** 2).sum(-1, keepdim=True)

    # row 1: 4 * (0.04 + 0.16 + 0.36 + 1) = 6.24; row 2 (pseudo-label) is not penalised
    close(losses.penalty_zero_centred(label_critic, torch.cat([X, y], -1), m_y), [6.24])


def test_zero_centred_penalty_on_h():
    h = torch.tensor([[[1.0, 2.0], [0.0, 1.0]]])
    # D = ||h||² -> ||∇||² = 4 ||h||²: 20 and 4, mean 12
    close(losses.penalty_zero_centred(lambda v: (v ** 2).sum(-1, keepdim=True), h), [12.0])


def test_penalty_trains_the_critic():
    w = torch.tensor([2.0], requires_grad=True)
    pen = losses.penalty_zero_centred(lambda v: w * v.sum(-1, keepdim=True), torch.ones(1, 3, 2))
    (grad,) = torch.autograd.grad(pen.sum(), w)
    close(grad, [8.0])  # pen = 2 w²  ->  d/dw = 4 w


def test_gradient_penalty_one_centred_on_interpolates():
    c = torch.tensor([1.0, 2.0, 3.0])
    eps = torch.tensor([[[0.3], [0.8]]])
    # linear critic: ||∇D_i|| = |c_i| everywhere: (1-1)² + (2-1)² + (3-1)² = 5
    close(losses.penalty_gradient(lambda v: c * v, X, X_BAR, eps, n_cols=3), [5.0])
    close(losses.penalty_gradient(lambda v: c * v, X, X_BAR, eps, n_cols=2), [1.0])


def test_clip_weights():
    layer = torch.nn.Linear(2, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.5, -0.005], [-2.0, 0.0]]))
    losses.clip_weights_(layer, 0.01)
    close(layer.weight, [[0.01, -0.005], [-0.01, 0.0]])


def test_conditional_gan_losses():
    fake = torch.tensor([[[0.2], [0.4]]])
    real = torch.tensor([[[0.9], [0.7]]])
    close(losses.loss_g_cg(fake), [-0.3])
    close(losses.loss_d_cg(fake, real), [-0.5])


def test_cross_entropy_of_generated_rows():
    logits = torch.tensor([[[0.0, 0.0], [math.log(3.0), 0.0]]])
    y = torch.tensor([[0, 0]])
    # -log 0.5 and -log 0.75
    close(losses.loss_ce_generated(logits, y), [(math.log(2) + math.log(4 / 3)) / 2])


def test_classifier_loss_eq15():
    logits = torch.tensor([[[0.0, 0.0], [math.log(3.0), 0.0], [5.0, -5.0]]])
    y = torch.tensor([[0, 0, 1]])
    weight = torch.tensor([[1.0, 1.0, 0.0]])  # an unused generated slot
    l_c = losses.loss_c_adversarial(torch.tensor([[1.0, 3.0]]))
    close(l_c, [-2.0])
    expected = (math.log(2) + math.log(4 / 3)) / 2 + 0.1 * -2.0
    close(losses.loss_classifier(logits, y, weight, l_c, alpha4=0.1), [expected])
    close(losses.loss_classifier(logits, y, weight), [expected + 0.2])


def test_gain_losses():
    zeros = torch.zeros(1, 2, 3)
    # logits 0 -> sigma = 0.5: D loss ln 2 per element; G loss ln 2 per missing element (one per row)
    close(losses.loss_d_gain(zeros, M), [3 * math.log(2)])
    close(losses.loss_g_gain(zeros, M), [math.log(2)])
    close(losses.loss_c_gain(torch.zeros(1, 2)), [math.log(2)])


def test_weights_are_the_papers():
    assert losses.WEIGHTS == {"lambda1": 10, "lambda2": 10, "alpha1": 10, "alpha2": 1, "alpha3": 0.01, "alpha4": 0.1}


@pytest.mark.parametrize("rounded", [False, True])
def test_eq13_reaches_the_classifier_only_through_probabilities(rounded):
    classifier = Classifier(d=8, n_classes=2, seeds=[0])
    critic = ImputationDiscriminator(d=8, n_classes=2, seeds=[0])
    critic.requires_grad_(False)  # C's update: the critic is held fixed
    x_u = torch.rand(1, 16, 8, generator=torch.Generator().manual_seed(0))
    y_u = classifier(x_u)
    if rounded:  # the authors' code feeds round(C(x)) to D_MI
        y_u = torch.round(y_u)
    losses.loss_c_adversarial(critic(x_u, y_u)[..., -1]).sum().backward()
    reached = sum(float(p.grad.abs().sum()) for p in classifier.parameters())
    assert (reached == 0) == rounded
    assert all(p.grad is None for p in critic.parameters())


def _wide_critic(d, k=2):
    torch.manual_seed(0)
    w1, w2 = torch.randn(k, d, 7), torch.randn(k, 7, d + 1)
    return lambda v: torch.tanh(v @ w1) @ w2  # replicas never mix; one extra (label) column left out


def test_sampled_penalty_columns_all_columns_equal_the_exact_sum():
    d, k = 5, 2
    critic, x = _wide_critic(d, k), torch.rand(k, 4, d)
    m = (torch.rand(k, 4, d) < 0.7).float()
    exact = losses.penalty_zero_centred_elementwise(critic, x, m)
    perm = losses.sample_columns(torch.rand(k, d), d)  # every column, in a different order per replica
    torch.testing.assert_close(losses.penalty_zero_centred_elementwise(critic, x, m, columns=perm), exact)
    torch.testing.assert_close(losses.penalty_zero_centred_elementwise(critic, x, m, max_chunk_elements=1,
                                                                       columns=perm), exact)


def test_sampled_penalty_columns_are_unbiased():
    d, k, n = 6, 2, 2
    critic, x = _wide_critic(d, k), torch.rand(k, 3, d)
    m = (torch.rand(k, 3, d) < 0.7).float()
    exact = losses.penalty_zero_centred_elementwise(critic, x, m)
    # the expectation over every n-subset of columns, each equally likely under sample_columns
    subsets = list(itertools.combinations(range(d), n))
    mean = sum(losses.penalty_zero_centred_elementwise(critic, x, m, columns=torch.tensor(c).expand(k, -1))
               for c in subsets) / len(subsets)
    torch.testing.assert_close(mean, exact)
    # sample_columns draws distinct columns, each with probability n / d
    draws = losses.sample_columns(torch.rand(4000, d), n)
    assert all(len(set(row)) == n for row in draws.tolist())
    freq = torch.bincount(draws.flatten(), minlength=d) / draws.numel()
    torch.testing.assert_close(freq, torch.full((d,), 1 / d), atol=0.02, rtol=0)
