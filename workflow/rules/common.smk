# Config validation, the job grid, and the input functions every rule uses.
import glob
import os
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# The hexagan package of this checkout, whether or not it is installed.
sys.path.insert(0, REPO)
from hexagan.protocol.missingness import MECHANISMS  # noqa: E402
from hexagan.suite import constants as C  # noqa: E402
from hexagan.suite.config import SCHEMA, ConfigError, canonical_json, unavailable_methods  # noqa: E402
from hexagan.suite.forkserver import Server  # noqa: E402
from hexagan.suite.plan import Plan, narrowed_message, published_plan  # noqa: E402


validate(config, schema=str(SCHEMA))

try:
    PLAN = Plan(config)
    # results/ and figures/ hold the published report and tables: a narrower run (run_datasets,
    # run_experiments) must not render over them with less.
    if os.path.realpath(PLAN.render_out) == os.path.realpath(REPO):
        _LESS = PLAN.missing_from(published_plan())
        if _LESS:
            raise WorkflowError(narrowed_message(_LESS))
except ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None

if PLAN.missing_data:
    print("warning: these datasets' files are absent, so their cells are skipped (missing_data: skip):",
          file=sys.stderr)
    for _name, _why in PLAN.missing_data.items():
        print(f"  {_name}: {_why}", file=sys.stderr)

_MISSING = unavailable_methods({job.method for job in PLAN.jobs.values()})
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
    mechanism="|".join(MECHANISMS),
    rate=r"[0-9.]+",
    label=r"[^/]+",
    repeat=r"\d+",


# The software every step runs with (snakemake --lint wants each to name its environment): the
# repository's conda environment, the same as pyproject.toml.  Used only with
# --software-deployment-method conda; the README's make targets run every step in the .venv instead.
ENV = os.path.join(REPO, "environment.yml")


# Code the renderers read: editing it re-renders the tables, figures and report (not the training jobs).
RENDER_CODE = sorted(
    os.path.relpath(path)
    for pattern in ("suite/*.py", "protocol/stats.py", "paper.py", "paper_*.csv", "paper_*.yaml")
    for path in glob.glob(os.path.join(REPO, "hexagan", pattern))
)


def job_of(wildcards):
    return PLAN.job(wildcards.dataset, wildcards.mechanism, wildcards.rate, wildcards.label)


def job_spec(wildcards):
    return canonical_json(PLAN.job_spec(job_of(wildcards)))


def job_resource(key):
    return lambda wildcards: PLAN.resources(job_of(wildcards))[key]


def mask_spec(wildcards):
    return canonical_json(PLAN.mask_spec(wildcards.dataset, wildcards.mechanism, wildcards.rate, wildcards.repeat))


def experiment_spec(wildcards):
    return canonical_json(PLAN.experiment_spec(wildcards.name))


def experiment_caption(wildcards):
    return config["experiments"][wildcards.name].get("caption", wildcards.name)


# fork_server (the quick configuration): each step's script hands its step to one process that has the suite
# imported, which forks a child to run it (hexagan/suite/forkserver.py).  Local execution only: a cluster job is
# an interpreter of its own whatever its script does, and the server would sit on the submitting node.
FORK_SERVER = Server(PLAN.path(C.FORK_SERVER_LOG_PATH), config["threads"]) if config["fork_server"] else None


onstart:
    if FORK_SERVER is not None and workflow.local_exec:
        FORK_SERVER.start()


onsuccess:
    if FORK_SERVER is not None:
        FORK_SERVER.stop()


onerror:
    if FORK_SERVER is not None:
        FORK_SERVER.stop()
