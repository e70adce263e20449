"""The schema is the one source of the config's defaults and of its lists of names.

A job's spec and a mask's spec are hashed and are Snakemake params: moving a default must leave those of the
published runs (config/published.yaml) exactly as they were, or every published job would run again.
"""
import json
from pathlib import Path

import pytest

from hexagan.suite.config import canonical_json, load_config
from hexagan.suite.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED_SPECS = ROOT / "tests" / "data" / "published_specs.json"


@pytest.fixture(scope="module")
def published():
    return Plan(load_config(ROOT / "config" / "published.yaml"), check_data=False)


@pytest.fixture(scope="module")
def frozen():
    return json.loads(PUBLISHED_SPECS.read_text())


def test_published_job_specs_are_unchanged(published, frozen):
    specs = {"/".join(job.key): json.loads(canonical_json(published.job_spec(job))) for job in published.jobs.values()}
    assert specs.keys() == frozen["jobs"].keys()
    for key, spec in specs.items():
        assert spec == frozen["jobs"][key], f"the spec of published job {key} changed: it would run again"


def test_published_mask_specs_are_unchanged(published, frozen):
    specs = {f"{job.dataset}/{job.mechanism}_{job.rate}/repeat{r}":
             json.loads(canonical_json(published.mask_spec(job.dataset, job.mechanism, job.rate, r)))
             for job in published.jobs.values() for r in published.repeats(job.dataset)}
    assert specs == frozen["masks"]
