"""bench/gpu_check.py: every code path on the CPU (a dry run), the CPU-only exit, and its dataset sizes."""
from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "gpu_check.py"
DATA = Path(os.environ.get("HEXAGAN_DATA") or ROOT.parent / "shared" / "data")
sys.path.insert(0, str(ROOT / "bench"))

import gpu_check  # noqa: E402


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=600)


def test_without_a_gpu_it_says_so_and_exits_0():
    result = run(env={"CUDA_VISIBLE_DEVICES": ""})
    assert result.returncode == 0, result.stderr
    assert "No CUDA GPU on this machine" in result.stdout


def test_dry_run_on_the_cpu_passes_every_check():
    result = run("--device", "cpu", "--dry", "--memory-gb", "64")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "every check passed" in out
    assert "FAILED" not in out
    # every kind of the catalogue was fitted: the authors' networks, the learning-curve variants, CelebA's clipping
    for kind in ("architecture=mlp_authors", "regularizer=gp", "regularizer=wc", "optimizer=adam",
                 "adversarial_loss=gain", "use_g_mi=False"):
        assert kind in out
    assert "classifier mlp" in out and "another seed" in out
    # CelebA's B.3 networks on 116 412 features fit on no device; madelon's jobs are timed and projected
    assert "does not fit" in out
    assert "madelon: " in out and "GPU-hours for 10 jobs" in out


def test_celeba_with_the_mlp_networks_needs_terabytes():
    from hexagan.methods import create

    shape = gpu_check.job_shape("celeba", {"n_folds": 5, "val_fraction": 0.1}, 0.5)
    assert gpu_check.memory_gb(create("hexagan"), shape, 1) > 1000


def test_sizes_are_those_of_the_config_and_the_loader():
    from hexagan.data.images import _CELEBA_IMAGE_SHAPE
    from hexagan.suite.config import load_config

    limit = load_config()["dataset_options"]["celeba"]["limit"]
    assert gpu_check.SIZES["celeba"] == (limit, 0, math.prod(_CELEBA_IMAGE_SHAPE), 2)


@pytest.mark.parametrize("name", ["madelon", "mnist"])
def test_sizes_match_the_files(name, monkeypatch):
    if not (DATA / name).is_dir():
        pytest.skip(f"{name}'s files not found in {DATA}")
    from hexagan.data import load_dataset

    monkeypatch.setenv("HEXAGAN_DATA", str(DATA))
    ds = load_dataset(name)
    assert gpu_check.SIZES[name] == (len(ds.y), len(ds.X_unlabeled), ds.X.shape[1], ds.n_classes)


@pytest.mark.skipif(not (DATA / "madelon").is_dir(), reason=f"madelon's files not found in {DATA}")
def test_job_shape_is_that_of_a_training_part(monkeypatch):
    """Labelled and unlabelled rows as the protocol's split has them (they set the classifier's batches)."""
    from bench_replicas import split_data

    monkeypatch.setenv("HEXAGAN_DATA", str(DATA))
    Xs, ys, _, _ = split_data("madelon", 1, 5)
    shape = gpu_check.job_shape("madelon", {"n_folds": 5, "val_fraction": 0.1}, 0.2)
    assert shape.d == Xs[0].shape[1]
    assert shape.n_labeled + shape.n_unlabeled == len(ys[0])
    assert shape.n_labeled == pytest.approx(np.sum(ys[0] >= 0), rel=0.02)  # labels hidden at random, 20 % on average


def test_each_job_is_timed_with_its_own_number_of_replicas(monkeypatch):
    """A figure's one run (K = 1) after a table's jobs (K = 50) on the same dataset: timed on 1 replica, not the
    table's 50 (the H200 run timed Figures 3-5's model at 10.8 s an iteration so, against 1.2 s on one)."""
    import torch
    from hexagan.suite.config import load_config
    from hexagan.suite.plan import Plan

    timed = {}

    def fake_seconds(job, est, plan, steps, cache, data, device="cpu"):
        timed[job.label] = len(data[job.dataset][0])
        return 1.0

    monkeypatch.setattr(gpu_check, "iteration_seconds", fake_seconds)
    plan = Plan(load_config(), check_data=False)
    run = gpu_check.Settings(torch.device("cpu"), timing_rows=48, shrink_to=12)
    frame = gpu_check.project(plan, run, memory=1e6, failures=[])
    assert timed["hexagan_mnist@one_run"] == 1
    assert timed["hexagan_imputer_conv"] == 50
    expected = {job.label: plan.n_splits(job) for job in plan.jobs.values() if job.label in timed}
    assert timed == expected
    assert frame.loc[frame["label"] == "hexagan_mnist@one_run", "K"].item() == 1
