"""The zero-centred penalties in closed form (hexagan.model.penalties) against autograd (hexagan.model.losses),
K=50 replicas.

Part 1 times the penalty of one discriminator update, forward and backward
(the gradient with respect to the critic's weights), median of ``--repeats``
after one untimed run: D_MI's Eq. (6) plus its label column's penalty, on 64
labeled + 16 unlabeled rows (the protocol's 20 % missing labels) with 20 %
missing entries, Eq. (6) over every column up to d = 64 and 32 sampled ones
beyond ("auto"); D_CG's Eq. (9) on 64 rows.  Inputs are random, of the widths
of breast (30), credit (23) and madelon (500): the cost depends on the
shapes only.  It prints the times, their ratio and the largest differences of
the penalties and of their gradients.

Part 2 times whole iterations of Algorithm 2 (``HexaGANCore.step``) on
breast's 50 protocol splits, with each penalty: B.3's networks with
``workflow_config()`` and the authors' (``mlp_authors``) with ``n_critic=1``;
median of ``--steps`` after one untimed step, and the largest difference of
the losses the steps logged (same seeds, so the runs differ by rounding only).

    python bench/penalty_closed_form.py [--repeats 3] [--steps 3] [--threads 1]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from unittest import mock

import torch

from bench_replicas import split_data, workflow_config
from hexagan.model import losses, penalties
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.model.networks import ConditionalDiscriminator, ImputationDiscriminator, hidden_size
from hexagan.model.train_config import TrainConfig, resolve_penalty_columns
from hexagan.replicas.training import ReplicaData

K = 50
WIDTHS = {"breast": 30, "credit": 23, "madelon": 500}
LABELED, UNLABELED, N_CLASSES = 64, 16, 2


def autograd_only():
    """Every critic a plain closure, as before the closed form: the "zc" penalties go through autograd."""
    return mock.patch.object(penalties, "closed_form_applies", lambda net: False)


def timed(penalty, params, repeats: int) -> tuple[float, torch.Tensor, list[torch.Tensor]]:
    """Median seconds of penalty() and its backward to ``params``; the last value and gradients."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        value = penalty()
        grads = torch.autograd.grad(value.sum(), params, allow_unused=True)
        times.append(time.perf_counter() - start)
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]
    return statistics.median(times[1:]), value.detach(), grads


def penalty_cases(d: int):
    """(name, autograd penalty, closed-form penalty, parameters) of D_MI's and D_CG's updates at width d."""
    g = torch.Generator().manual_seed(d)
    seeds = range(K)
    b = LABELED + UNLABELED
    d_mi = ImputationDiscriminator(d=d, n_classes=N_CLASSES, seeds=seeds)
    x = torch.rand(K, b, d, generator=g)
    m = (torch.rand(K, b, d, generator=g) > 0.2).float()
    y = torch.softmax(3 * torch.randn(K, b, N_CLASSES, generator=g), -1)
    m_y = (torch.arange(b) < LABELED).float().expand(K, -1)
    n = resolve_penalty_columns("auto", d)
    columns = None if n is None else losses.sample_columns(torch.rand(K, d, generator=g), n)

    pair = torch.cat([x, y], -1)  # the label column's penalty is Eq. (9)'s on (x̂, y), as the model computes it

    def mi_autograd():
        eq6 = losses.penalty_zero_centred_elementwise(lambda v: d_mi(v, y), x, m, columns=columns)
        return eq6 + losses.penalty_zero_centred(lambda v: d_mi(v[..., :d], v[..., d:])[..., -1:], pair, m_y)

    def mi_closed():
        eq6 = penalties.penalty_zero_centred_elementwise(penalties.ReluMLPCritic(d_mi.net, y), x, m, columns=columns)
        label = penalties.ReluMLPCritic(d_mi.net, outputs=slice(-1, None))
        return eq6 + penalties.penalty_zero_centred(label, pair, m_y)

    d_cg = ConditionalDiscriminator(d=d, n_classes=N_CLASSES, seeds=seeds)
    h = torch.relu(torch.randn(K, LABELED, hidden_size(d), generator=g))
    y_l = torch.nn.functional.one_hot(torch.randint(0, N_CLASSES, (K, LABELED), generator=g), N_CLASSES).float()
    mi_name = f"D_MI Eq.6{'' if n is None else f' ({n} cols)'}+label"
    return [(mi_name, mi_autograd, mi_closed, list(d_mi.parameters())),
            ("D_CG Eq.9", lambda: losses.penalty_zero_centred(lambda v: d_cg.logits(v, y_l), h),
             lambda: penalties.penalty_zero_centred(penalties.ReluMLPCritic(d_cg.net, y_l), h),
             list(d_cg.parameters()))]


def step_times(Xs, ys, seeds, n_classes, config: TrainConfig, architecture: str, steps: int, closed: bool):
    """Median seconds of one HexaGANCore.step (after one untimed step) and the logged losses of every step."""
    core = HexaGANCore(HexaGAN(d=Xs[0].shape[1], n_classes=n_classes, seeds=seeds, architecture=architecture),
                       ReplicaData.from_arrays(Xs, ys, n_classes), config)
    times, logs = [], []
    with contextlib.nullcontext() if closed else autograd_only():
        for s in range(1, steps + 2):
            start = time.perf_counter()
            logs.append(core.step(s))
            times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), logs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; K={K}; times are medians, forward + backward")
    print(f"{'width':13} {'penalty':26} {'autograd s':>10} {'closed s':>9} {'speed-up':>8} "
          f"{'max |Δ value|':>13} {'max |Δ grad|':>12}")
    for name, d in WIDTHS.items():
        for what, slow, fast, params in penalty_cases(d):
            t_slow, v_slow, g_slow = timed(slow, params, args.repeats)
            t_fast, v_fast, g_fast = timed(fast, params, args.repeats)
            dv = float((v_slow - v_fast).abs().max())
            dg = max(float((a - b).abs().max()) for a, b in zip(g_slow, g_fast))
            print(f"{f'{name} d={d}':13} {what:26} {t_slow:10.4f} {t_fast:9.4f} {t_slow / t_fast:7.1f}x "
                  f"{dv:13.1e} {dg:12.1e}", flush=True)

    Xs, ys, seeds, n_classes = split_data("breast", 10, 5)
    print(f"\nAlgorithm 2 on breast, K={len(seeds)}: seconds per iteration (median of {args.steps})")
    print(f"{'networks':34} {'autograd s':>10} {'closed s':>9} {'speed-up':>8} {'max |Δ logged loss|':>20}")
    for architecture, config in (("mlp", workflow_config()), ("mlp_authors", workflow_config(n_critic=1))):
        t_slow, logs_slow = step_times(Xs, ys, seeds, n_classes, config, architecture, args.steps, closed=False)
        t_fast, logs_fast = step_times(Xs, ys, seeds, n_classes, config, architecture, args.steps, closed=True)
        diff = max(float((a[k] - b[k]).abs().max()) for a, b in zip(logs_slow, logs_fast) for k in a)
        label = f"{architecture}, n_critic={config.n_critic}, n_cg={config.n_cg}"
        print(f"{label:34} {t_slow:10.3f} {t_fast:9.3f} {t_slow / t_fast:7.1f}x {diff:20.1e}", flush=True)


if __name__ == "__main__":
    main()
