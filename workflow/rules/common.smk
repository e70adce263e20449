# Config validation, the job grid, and the input functions every rule uses.
import json
import os
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# The hexagan package of this checkout, whether or not it is installed.
sys.path.insert(0, os.path.normpath(os.path.join(workflow.basedir, "..")))
from hexagan import experiments as X  # noqa: E402


validate(config, schema="../schemas/config.schema.yaml")

try:
    PLAN = X.Plan(config)
except X.ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None

_MISSING = X.unavailable_methods({job.method for job in PLAN.jobs.values()})
if _MISSING:
    print("warning: these methods cannot be imported yet; their jobs will fail:", file=sys.stderr)
    for _name, _why in _MISSING.items():
        print(f"  {_name}: {_why}", file=sys.stderr)


def _one_of(names):
    """A wildcard regex matching exactly these names (or nothing)."""
    import re

    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


wildcard_constraints:
    dataset=r"[^/]+",
    mechanism="|".join(X.MECHANISMS),
    rate=r"[0-9.]+",
    label=r"[^/]+",
    repeat=r"\d+",


# Code the renderers read: editing it re-renders the tables, figures and report (not the training jobs).
RENDER_CODE = [
    os.path.relpath(os.path.join(workflow.basedir, "..", "hexagan", name))
    for name in ("report.py", "gap.py", "stats.py", "paper.py", "paper_results.csv", "experiments.py")
]


def job_of(wildcards):
    return PLAN.job(wildcards.dataset, wildcards.mechanism, wildcards.rate, wildcards.label)


def job_spec(wildcards):
    return X.canonical_json(PLAN.job_spec(job_of(wildcards)))


def job_resource(key):
    return lambda wildcards: PLAN.resources(job_of(wildcards))[key]


def mask_spec(wildcards):
    return X.canonical_json(PLAN.mask_spec(wildcards.dataset, wildcards.mechanism, wildcards.rate, wildcards.repeat))


def experiment_spec(wildcards):
    return X.canonical_json(PLAN.experiment_spec(wildcards.name))


def experiment_caption(wildcards):
    return config["experiments"][wildcards.name].get("caption", wildcards.name)
