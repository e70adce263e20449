"""A step forked from the worker computes what a new interpreter computes, whatever ran before it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hexagan.suite.config import load_config, merge
from hexagan.suite.plan import Plan
from hexagan.suite.worker import StepError, run_step

NUMBERS = ["repeat", "fold", "metric", "value"]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("worker")
    config = merge(load_config(), {"output_dir": str(out), "protocol": {"repeats": [0], "folds": [0]},
                                   "run_experiments": ["table1"], "run_datasets": ["wine"],
                                   "method_overrides": {"gain": {"max_steps": 20, "batch_size": 32}}})
    return Plan(config, check_data=False)


def _numbers(path) -> pd.DataFrame:
    """The scores of a run file (not its timings)."""
    rows = pd.read_csv(path, sep="\t")
    return rows.loc[~rows["metric"].str.endswith("_seconds"), NUMBERS].reset_index(drop=True)


def test_a_forked_step_equals_a_fresh_interpreter(plan, tmp_path):
    job = plan.job("wine", "mcar", "0.2", "gain")
    spec = plan.job_spec(job)
    # A fresh interpreter: what a script: job did.
    fresh = tmp_path / "fresh.tsv"
    code = ("import json, sys; from hexagan.suite.job import run_job_to_files; "
            "run_job_to_files(json.loads(sys.argv[1]), [], sys.argv[2], sys.argv[3])")
    subprocess.run([sys.executable, "-c", code, json.dumps(spec), str(fresh), str(tmp_path / "fresh.npz")],
                   check=True, cwd=Path(__file__).parents[1])
    # Forked steps, one after another job of another method (the worker keeps nothing between steps).
    other = plan.job("wine", "mcar", "0.2", "autoencoder")
    for i, first in enumerate((None, other)):
        if first is not None:
            run_step("hexagan.suite.job:run_job_to_files", str(tmp_path / "other.log"), spec=plan.job_spec(first),
                     mask_files=[], tsv=str(tmp_path / "other.tsv"), extras=str(tmp_path / "other.npz"))
        forked = tmp_path / f"forked{i}.tsv"
        run_step("hexagan.suite.job:run_job_to_files", str(tmp_path / f"forked{i}.log"), spec=spec, mask_files=[],
                 tsv=str(forked), extras=str(tmp_path / f"forked{i}.npz"))
        pd.testing.assert_frame_equal(_numbers(forked), _numbers(fresh))


def test_a_failing_step_raises_and_logs_its_traceback(tmp_path):
    log = tmp_path / "step.log"
    with pytest.raises(StepError, match="hexagan.suite.data:write_masks failed"):
        run_step("hexagan.suite.data:write_masks", str(log), spec={"dataset": "no_such_dataset", "seed": 0}, path="x")
    assert "Traceback" in log.read_text() and "no_such_dataset" in log.read_text()
