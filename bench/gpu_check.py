"""GPU readiness: the first thing to run on a CUDA machine, in under 10 minutes.

On a CUDA device (``--device auto`` finds one) it

1. **fits every kind of HexaGAN the workflow trains**, once, on the device, as a job fits them (two tasks as
   replicas, ``fit_replicas``, with validation and monitored rows): a kind is a distinct (registry method,
   networks, flags, regulariser, adversarial loss, optimiser) among config/config.yaml's HexaGAN jobs -- the
   imputer and the classifier with B.3's MLP networks, the authors' (``mlp_authors``) and the conv networks
   (on 28 x 28 images), every ablation and learning-curve variant -- for ``--fit-steps`` iterations on
   synthetic data, then checks that the weights live on the device and that predicting, imputing and
   sampling give finite numbers;
2. **checks replicas against lone runs on the device**, in float64: K = 3 replicas trained together and each
   replica's seed trained alone, in lockstep for ``--replica-steps`` iterations (the imputer and the classifier,
   with the MLP and the conv networks): every loss term of iteration 1 must agree within
   :data:`FIRST_TOLERANCE` (relative) and C's probabilities (the imputer: its imputation) after the last within
   :data:`OUTPUT_TOLERANCE`; it prints the difference at iterations 1, 2, 5 and the last beside that of another
   seed.  Float64, because float32 rounding hides what the check is for (see the tolerances);
3. **times one iteration at the jobs' K** (a table's 50 splits as replicas; CelebA and the figures' runs 1)
   for every timing kind of madelon's, MNIST's and CelebA's HexaGAN jobs
   (:func:`project_full_run.iteration_seconds`), on synthetic rows of each dataset's shape (features, classes,
   and labelled against unlabelled rows, which set the classifier's unlabelled batch) -- the real files are
   not needed; a job whose replicas would not fit in the device's memory (weights, gradients, optimiser state
   and the training rows) is reported instead of timed;
4. **projects the GPU-hours of the paper's grid** for those datasets: a job's iterations (``max_steps``) times
   its seconds an iteration, bare (validation and setup come on top: 1.2-2.2x on the CPU, docs/cost.md).

Without CUDA it says so and exits 0.  ``--device cpu --dry`` runs every step on the CPU with tiny shapes
and 2 iterations (tests/test_gpu_check.py); its numbers mean nothing.  Exit status 1 when a check failed
(each failure is printed; the other checks still run).

    python bench/gpu_check.py                                   # on a CUDA machine
    python bench/gpu_check.py --device cpu --dry [--memory-gb 64]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import traceback
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch

from bench_replicas import workflow_config
from project_full_run import HEXAGAN_METHODS, iteration_seconds
from hexagan.methods import FitTask, create
from hexagan.model.algorithm import HexaGANCore
from hexagan.model.gan import HexaGAN
from hexagan.model.networks import IMAGE_SIDE
from hexagan.model.train_config import TrainConfig
from hexagan.protocol import method_params
from hexagan.replicas.estimator import resolve_device
from hexagan.replicas.training import ReplicaData
from hexagan.suite.config import load_config
from hexagan.suite.plan import Plan

# The datasets whose HexaGAN jobs are projected, and their sizes as hexagan.data.load_dataset gives them
# (labelled rows, unlabelled pool, features, classes; tests/test_gpu_check.py compares them with the files
# where present), so that no file is needed.  CelebA: config/config.yaml's limit of 70 000 images of 3 x 218 x 178.
SIZES = {"madelon": (2600, 1800, 500, 2), "mnist": (70000, 0, IMAGE_SIDE ** 2, 10), "celeba": (70000, 0, 116412, 2)}
# Replica against lone run, in float64: the largest relative difference of a loss term allowed at iteration 1,
# and of C's probabilities (the imputer: imputed values) after --replica-steps iterations.  A replica that read
# another's rows, noise or weights differs by ~0.1 at once.  Float rounding (other kernels for K stacked networks
# than for one) is amplified by RMSProp, whose first steps move a weight by about 10 x the learning rate whatever
# its gradient's size (issue 29), and by G_CG and D_CG's 60 updates an iteration: in float32 the conv classifier's
# D_CG and G_CG terms were 3e-2 to 5e-2 apart within iteration 1 (on the CPU and on an H200, docs/gpu.md), as far
# as another seed's, while in float64 every term agreed within 4e-15 through 10 iterations and the outputs were
# identical (CPU; another seed: 1e-2 to 0.16).  Float64 leaves a leak no place to hide.
FIRST_TOLERANCE = 1e-9
OUTPUT_TOLERANCE = 1e-6
SEED = 0


@dataclass(frozen=True)
class Settings:
    """What one run checks with: its device, iterations, and the shapes of its synthetic rows."""

    device: torch.device
    fit_steps: int = 20
    replica_steps: int = 10
    timed_steps: int = 5
    replicas: int | None = None  # K of the timings; None: each job's splits
    d: int = 100                 # features of the fits: above 64, so that D_MI's penalty samples columns (madelon)
    rows: int = 512              # training rows of a fit's task
    timing_rows: int = 4096      # at most this many training rows a replica in the timings
    batch_size: int | None = None  # None: each method's own
    shrink_to: int | None = None   # a dry run: every dataset's features at most this many in the timings
    conv: bool = True              # whether the conv networks are fitted and timed

    @classmethod
    def dry(cls, device: torch.device) -> "Settings":
        """Tiny shapes and 2 iterations, the conv networks left out (on a CPU they take minutes an iteration)."""
        return cls(device, fit_steps=2, replica_steps=2, timed_steps=2, replicas=2, d=12, rows=48, timing_rows=48,
                   batch_size=8, shrink_to=12, conv=False)


@dataclass(frozen=True)
class Shape:
    """One training part of a job: features, classes, labelled rows, and unlabelled ones (hidden labels and pool)."""

    d: int
    n_classes: int
    n_labeled: int
    n_unlabeled: int


def job_shape(dataset: str, protocol: dict, rate: float) -> Shape:
    """The training part of one split of ``dataset`` under the protocol, labels hidden at ``rate``."""
    n, pool, d, n_classes = SIZES[dataset]
    train = int(n * (protocol["n_folds"] - 1) / protocol["n_folds"] * (1 - protocol["val_fraction"]))
    label_rate = protocol["label_rate"] if protocol.get("label_rate") is not None else rate
    labeled = int(round(train * (1 - label_rate)))
    return Shape(d, n_classes, labeled, train - labeled + pool)


def table(rng: np.random.Generator, n: int, d: int, n_classes: int, rate: float = 0.2):
    """(X_true, X with ``rate`` MCAR NaN, y) of ``n`` uniform rows; classes imbalanced (shares 1, 1/2, 1/3...)."""
    X_true = rng.random((n, d))
    X = np.where(rng.random((n, d)) < rate, np.nan, X_true)
    share = 1 / np.arange(1, n_classes + 1)
    y = rng.choice(n_classes, n, p=share / share.sum())
    y[:n_classes] = np.arange(n_classes)  # every class present
    return X_true, X, y


def synthetic_replicas(shape: Shape, k: int, rows: int, seed: int = SEED):
    """K replicas' training rows of ``shape``, at most ``rows`` each with its labelled/unlabelled ratio, as
    :func:`bench_replicas.split_data` returns them: (Xs, ys with -1 = unlabelled, seeds, n_classes)."""
    scale = min(1.0, rows / (shape.n_labeled + shape.n_unlabeled))
    n_l = max(2 * shape.n_classes, int(round(shape.n_labeled * scale)))
    n_u = int(round(shape.n_unlabeled * scale))
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for _ in range(k):
        _, X, y = table(rng, n_l + n_u, shape.d, shape.n_classes)
        y[n_l:] = -1
        Xs.append(X)
        ys.append(y)
    return Xs, ys, [seed + r for r in range(k)], shape.n_classes


def fit_tasks(classifier: bool, d: int, n_classes: int, rows: int, k: int, seed: int = SEED) -> list[FitTask]:
    """K tasks of the same size (so that replicas round their batch shapes alike), 20 % of labels hidden, each
    with validation and monitored rows."""
    rng = np.random.default_rng(seed)
    tasks = []
    for r in range(k):
        _, X, y = table(rng, rows, d, n_classes)
        y[rng.random(rows) < 0.2] = -1
        y[:n_classes] = np.arange(n_classes)
        sets = [table(rng, max(rows // 4, 2 * n_classes), d, n_classes) for _ in range(2)]
        sets = [(X_s, X_true, y_s) for X_true, X_s, y_s in sets]
        tasks.append(FitTask(X=X, y=y if classifier else None, eval_set=sets[0], monitor_set=sets[1], seed=seed + r))
    return tasks


def model_kinds(plan: Plan) -> dict[str, list]:
    """Every kind of HexaGAN among the plan's jobs -> its jobs."""
    distinct = ("architecture", "use_g_mi", "use_g_cg", "use_label_discriminator", "regularizer",
                "adversarial_loss", "optimizer")
    kinds: dict[str, list] = {}
    for job in plan.jobs.values():
        if job.method in HEXAGAN_METHODS:
            params = create(job.method, **method_params(job.method, job.params)).get_params()
            name = " ".join([job.method] + [f"{p}={params[p]}" for p in distinct if p in params])
            kinds.setdefault(name, []).append(job)
    return kinds


def shortened(job, steps: int, device: torch.device, batch_size: int | None):
    """The job's estimator for ``steps`` iterations on ``device``: validated, monitored, warmed up and
    snapshotted within them where the job's settings do these at all."""
    est = create(job.method, **method_params(job.method, job.params))
    changes = dict(max_steps=steps, eval_every=max(1, steps // 2), device=device)
    if est.monitor_every:
        changes["monitor_every"] = 1
    if est.warmup_epochs:
        changes["warmup_epochs"] = 1e-3  # one warm-up step
    if est.snapshot_steps:
        changes["snapshot_steps"] = (steps,)
    if batch_size:
        changes["batch_size"] = batch_size
    return est.set_params(**changes)


def check_outputs(est, X: np.ndarray, device: torch.device) -> None:
    """The fitted networks are on ``device``; predicting, imputing and sampling give finite numbers."""
    placed = {p.device.type for p in est.model_.parameters()}
    if placed != {device.type}:
        raise AssertionError(f"the fitted weights are on {placed}, not {device.type}")
    if est.kind == "imputer":
        X_hat = est.transform(X)
        if not np.isfinite(X_hat).all() or not np.array_equal(X_hat[~np.isnan(X)], X[~np.isnan(X)]):
            raise AssertionError("transform gave non-finite values or changed observed ones")
        return
    proba = est.predict_proba(X)
    if not np.isfinite(proba).all() or not np.allclose(proba.sum(1), 1, atol=1e-4):
        raise AssertionError("predict_proba gave non-finite values or rows that do not sum to 1")
    config = est.model_.config
    outputs = [est.impute(X)] if config["use_g_mi"] else []
    if config["use_g_cg"]:
        outputs.append(est.model_.sample(4, np.arange(4) % config["n_classes"]))
    if not all(np.isfinite(o).all() for o in outputs):
        raise AssertionError("imputing or sampling gave non-finite values")


def fit_kinds(plan: Plan, run: Settings, failures: list) -> None:
    print(f"\n1. Every kind of HexaGAN, fitted once on {run.device} ({run.fit_steps} iterations, 2 replicas, "
          f"synthetic rows: {run.d} features or 28 x 28 images)", flush=True)
    for name, jobs in model_kinds(plan).items():
        start = time.perf_counter()
        est = shortened(jobs[0], run.fit_steps, run.device, run.batch_size)
        conv = est.architecture == "conv"
        if conv and not run.conv:
            status = "skipped (dry run)"
        else:
            try:
                tasks = fit_tasks(est.kind == "classifier", IMAGE_SIDE ** 2 if conv else run.d, 10 if conv else 2,
                                  run.rows, 2)
                for fitted, task in zip(est.fit_replicas(tasks), tasks):
                    check_outputs(fitted, task.monitor_set[0], run.device)
                status = "ok"
            except Exception as err:  # noqa: BLE001 - every kind is tried; the failures are listed at the end
                status = f"FAILED: {type(err).__name__}: {err}"
                failures.append((name, traceback.format_exc()))
        labels = sorted({j.label for j in jobs})
        print(f"  {time.perf_counter() - start:6.1f} s  {status:6}  {name}  [{len(jobs)} jobs: "
              f"{', '.join(labels[:4])}{', ...' if len(labels) > 4 else ''}]", flush=True)


def replica_divergence(flags: dict, config: TrainConfig, Xs, ys, n_classes: int, X_new: np.ndarray, steps: int,
                       device: torch.device) -> dict:
    """How far K replicas trained together are from each replica's seed trained alone, in lockstep.

    ``per_step``: the largest difference of any loss term at each iteration, relative (to max(1, |value|));
    ``outputs``: the largest difference of C's probabilities (the imputation for the imputer) on ``X_new``
    after ``steps``; ``other_seed``: that of replica 0 against another seed alone, the size of a real difference.
    """
    def core(seeds, X, y):
        return HexaGANCore(HexaGAN(d=X[0].shape[1], n_classes=n_classes, seeds=seeds, **flags),
                           ReplicaData.from_arrays(X, y, n_classes), config, device=device)

    seeds = [SEED + r for r in range(len(Xs))]
    ys = ys if n_classes else [None] * len(Xs)
    together = core(seeds, Xs, None if not n_classes else ys)
    alone = [core([s], [X], None if not n_classes else [y]) for s, X, y in zip(seeds, Xs, ys)]
    other = core([SEED + 1000], Xs[:1], None if not n_classes else ys[:1])
    per_step = []
    for s in range(1, steps + 1):
        logs = together.step(s)
        lone = [a.step(s) for a in alone]
        other.step(s)
        per_step.append(max(float(((logs[name][r] - lone[r][name][0]).abs() / lone[r][name][0].abs().clamp_min(1)))
                            for r in range(len(Xs)) for name in logs))

    def outputs(model, r=0):
        one = model.replica(r)
        return one.predict_proba(X_new) if n_classes else one.impute(X_new)

    return dict(per_step=per_step,
                outputs=max(float(np.abs(outputs(together.model, r) - outputs(a.model)).max()) for r, a in enumerate(alone)),
                other_seed=float(np.abs(outputs(together.model) - outputs(other.model)).max()))


@contextlib.contextmanager
def default_dtype(dtype: torch.dtype):
    """Build and train in ``dtype`` (networks and data follow torch's default), then restore it."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def check_replicas(run: Settings, k: int, failures: list) -> None:
    with default_dtype(torch.float64):
        _check_replicas(run, k, failures)


def _check_replicas(run: Settings, k: int, failures: list) -> None:
    steps = run.replica_steps
    shown = sorted({1, 2, 5, steps} & set(range(1, steps + 1)))
    print(f"\n2. {k} replicas against lone runs of their seeds on {run.device} in float64, {steps} iterations in "
          f"lockstep: the largest relative difference of a loss term at iterations {shown} (iteration 1 within "
          f"{FIRST_TOLERANCE:g}), of the outputs after {steps} (within {OUTPUT_TOLERANCE:g}), and of another "
          f"seed's outputs", flush=True)
    cases = [("imputer mlp", 0, {}), ("classifier mlp", 2, {})]
    if run.conv:
        cases += [("imputer conv", 0, {"architecture": "conv"}), ("classifier conv", 10, {"architecture": "conv"})]
    for name, n_classes, flags in cases:
        try:
            width = IMAGE_SIDE ** 2 if flags.get("architecture") == "conv" else run.d
            Xs, ys, _, _ = synthetic_replicas(Shape(width, max(n_classes, 2), run.rows * 4 // 5, run.rows // 5), k,
                                              run.rows)
            X_new = synthetic_replicas(Shape(width, 2, run.rows, 0), 1, run.rows, seed=SEED + 99)[0][0]
            config = workflow_config(**({"batch_size": run.batch_size} if run.batch_size else {}))
            result = replica_divergence(flags, config, Xs, ys, n_classes, X_new, steps, run.device)
            problems = [f"iteration 1 differs by {result['per_step'][0]:.2e} > {FIRST_TOLERANCE:g}"] * (
                result["per_step"][0] > FIRST_TOLERANCE) + [
                f"the outputs differ by {result['outputs']:.2e} > {OUTPUT_TOLERANCE:g} after {steps} iterations "
                f"(another seed: {result['other_seed']:.2e})"] * (
                result["outputs"] > OUTPUT_TOLERANCE)
            series = "  ".join(f"{result['per_step'][s - 1]:.1e}" for s in shown)
            print(f"  {name:16} {series}   outputs {result['outputs']:.1e}   another seed {result['other_seed']:.1e}"
                  f"  {'FAILED' if problems else 'ok'}", flush=True)
            failures += [(f"replicas {name}", p) for p in problems]
        except Exception:  # noqa: BLE001
            print(f"  {name:16} FAILED", flush=True)
            failures.append((f"replicas {name}", traceback.format_exc()))


def memory_gb(est, shape: Shape, k: int) -> float:
    """GB that K replicas of the job hold: weights, gradients, optimiser state and the padded training rows
    (x and m in float32); activations come on top."""
    classes = shape.n_classes if est.kind == "classifier" else 0
    with torch.device("meta"):  # parameters counted without allocating them (CelebA's would not fit anywhere)
        model = HexaGAN(d=shape.d, n_classes=classes, seeds=[0], **est._model_kwargs())
    n_params = sum(p.numel() for p in model.parameters())
    slots = 2 if est.optimizer == "adam" else 1
    return 4 * k * (n_params * (2 + slots) + 2 * (shape.n_labeled + shape.n_unlabeled) * shape.d) / 2 ** 30


def device_memory_gb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory / 2 ** 30
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30


def project(plan: Plan, run: Settings, memory: float, failures: list) -> pd.DataFrame:
    print(f"\n3. One iteration of each job kind at its K, timed on {run.device} ({run.timed_steps} iterations after "
          f"2; synthetic rows of the dataset's shape, at most {run.timing_rows} a replica; {memory:.0f} GB to fit in)",
          flush=True)
    jobs = [j for j in plan.jobs.values() if j.dataset.split(".")[0] in SIZES and j.method in HEXAGAN_METHODS]
    rates: dict[str, float] = {}
    for job in jobs:  # the classifier's unlabelled batch grows with the rate: the highest sets the shape
        base = job.dataset.split(".")[0]
        rates[base] = max(rates.get(base, 0.0), float(job.rate))
    data: dict = {}    # (dataset, K): the synthetic replicas
    caches: dict = {}  # K: iteration_seconds' timings, whose keys do not hold K
    rows = []
    for job in jobs:
        base = job.dataset.split(".")[0]
        proto = plan.protocol_for(job.dataset, job.protocol)
        n_splits = plan.n_splits(job)
        est = create(job.method, **method_params(job.method, job.params), device=run.device)
        shape = job_shape(base, proto, rates[base])
        need = memory_gb(est, shape, n_splits)
        row = dict(dataset=base, label=job.label, jobs=1, K=n_splits, max_steps=est.max_steps,
                   bound="at most" if est.early_stopping else "", memory_gb=need, s_per_iteration=np.nan, note="")
        k = run.replicas or n_splits
        if need > memory:
            row["note"] = f"does not fit: {need:,.0f} GB for its {n_splits} replica(s)"
        elif est.architecture == "conv" and not run.conv:
            row["note"] = "skipped (dry run)"
        else:
            if run.shrink_to:
                shape = replace(shape, d=min(shape.d, run.shrink_to))
            if run.batch_size:
                est.set_params(batch_size=run.batch_size)
            # Keyed by K too: a job of one run (Figures 3-5) timed on a table's 50 replicas took 10.8 s for 1.2.
            if (base, k) not in data:
                data[base, k] = synthetic_replicas(shape, k, run.timing_rows)
            try:
                row["s_per_iteration"] = iteration_seconds(replace(job, dataset=base), est, plan, run.timed_steps,
                                                           caches.setdefault(k, {}), {base: data[base, k]},
                                                           device=str(run.device))
                row["note"] = f"timed at K = {k}" if k != n_splits else ""
            except Exception:  # noqa: BLE001
                row["note"] = "FAILED"
                failures.append((f"timing {base} {job.label}", traceback.format_exc()))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["gpu_hours"] = frame["s_per_iteration"] * frame["max_steps"] / 3600
    return frame


def print_projection(frame: pd.DataFrame) -> None:
    print("\n4. Projected GPU-hours of the paper's grid (a job's max_steps x its seconds an iteration, bare: "
          "validation and setup on top)")
    by_label = frame.groupby(["dataset", "label"], sort=False).agg(
        jobs=("jobs", "sum"), K=("K", "first"), max_steps=("max_steps", "first"), bound=("bound", "first"),
        s_per_iteration=("s_per_iteration", "first"), memory_gb=("memory_gb", "first"),
        gpu_hours=("gpu_hours", lambda h: h.sum(min_count=1)), note=("note", "first"))
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(by_label.round({"s_per_iteration": 4, "memory_gb": 1, "gpu_hours": 2}).to_string())
    for dataset, part in frame.groupby("dataset", sort=False):
        untimed = part["gpu_hours"].isna().sum()
        print(f"  {dataset}: {part['gpu_hours'].sum():.1f} GPU-hours for {len(part) - untimed} jobs"
              + (f"; {untimed} jobs not projected (see note)" if untimed else ""))
    print(f"  in all: {frame['gpu_hours'].sum():.1f} GPU-hours")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto (CUDA when present, else stop), cuda, cuda:N or cpu")
    parser.add_argument("--dry", action="store_true", help="tiny shapes and 2 iterations: the code paths, not the numbers")
    parser.add_argument("--fit-steps", type=int, default=20)
    parser.add_argument("--replica-steps", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5, help="timed iterations per job kind")
    parser.add_argument("--replicas", type=int, help="K of the timings (default: the job's splits)")
    parser.add_argument("--rows", type=int, default=4096, help="synthetic training rows per replica in the timings")
    parser.add_argument("--memory-gb", type=float, help="memory a job must fit in (default: the device's)")
    args = parser.parse_args(argv)
    if args.device == "auto" and not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        print(f"No CUDA GPU on this machine (torch {torch.__version__}, {build}): nothing to check.  "
              f"`python bench/gpu_check.py --device cpu --dry` runs the checks' code on the CPU.")
        return 0
    device = resolve_device(args.device)
    torch.set_num_threads(1)
    run = Settings.dry(device) if args.dry else Settings(device, args.fit_steps, args.replica_steps, args.steps,
                                                         args.replicas, timing_rows=args.rows)
    print(f"torch {torch.__version__}, device {device}" + (f" ({torch.cuda.get_device_name(device)}, "
          f"TF32 matmul {torch.backends.cuda.matmul.allow_tf32}, cuDNN TF32 {torch.backends.cudnn.allow_tf32})"
          if device.type == "cuda" else "") + (" -- DRY RUN: tiny shapes, the numbers mean nothing" if args.dry else ""))
    plan = Plan(load_config(), check_data=False)
    failures: list = []
    start = time.perf_counter()
    fit_kinds(plan, run, failures)
    check_replicas(run, 2 if args.dry else 3, failures)
    frame = project(plan, run, args.memory_gb if args.memory_gb is not None else device_memory_gb(device), failures)
    print_projection(frame)
    print(f"\n{time.perf_counter() - start:.0f} s in all; "
          + (f"{len(failures)} FAILED:" if failures else "every check passed."))
    for name, detail in failures:
        print(f"\n--- {name}\n{detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
