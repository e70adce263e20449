"""The schema is the one source of the config's defaults (but the protocol's: hexagan.protocol.PROTOCOL) and of
its lists of names.

A job's spec and a mask's spec are hashed and are Snakemake params: moving a default must leave those of the
published runs (config/published.yaml) exactly as they were, or every published job would run again.  Job
specs are checked against the hash each published run recorded; mask specs against tests/data/.
"""
import json
from pathlib import Path

import pytest

from hexagan.suite.config import canonical_json, load_config
from hexagan.suite.plan import Plan, published_plan

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED_SPECS = ROOT / "tests" / "data" / "published_specs.json"


@pytest.fixture(scope="module")
def published():
    return published_plan()  # the published jobs: those of config/published.yaml with a run file


@pytest.fixture(scope="module")
def frozen():
    return json.loads(PUBLISHED_SPECS.read_text())


def test_published_runs_were_computed_from_the_specs_this_code_gives(published):
    """Each published run records its job's config hash: this code must give every job the same spec."""
    import pandas as pd

    for job in published.jobs.values():
        recorded = pd.read_csv(ROOT / published.run_path(job), sep="\t", usecols=["config_hash"], dtype=str)
        assert set(recorded["config_hash"]) == {published.job_spec(job)["config_hash"]}, (
            f"the spec of published job {'/'.join(job.key)} changed: it would run again")


def test_published_mask_specs_are_unchanged(published, frozen):
    specs = {f"{job.dataset}/{job.mechanism}_{job.rate}/repeat{r}":
             json.loads(canonical_json(published.mask_spec(job.dataset, job.mechanism, job.rate, r)))
             for job in published.jobs.values() for r in published.repeats(job.dataset, job.protocol)}
    assert specs == frozen["masks"]


def test_validation_fills_the_defaults_of_every_level():
    """snakemake's validate fills defaults in nested objects too (experiments, resources), by kind."""
    from snakemake.utils import validate

    from hexagan.suite.config import SCHEMA

    config = load_config(validate=False)
    del config["experiments"]["stats"]["alpha"], config["experiments"]["stats"]["correction"]
    del config["experiments"]["table1"]["metric"], config["experiments"]["table1"]["mechanism"]
    config["resources"] = {"default": {"mem_mb": 100}}
    validate(config, str(SCHEMA))
    stats, table1 = config["experiments"]["stats"], config["experiments"]["table1"]
    assert (stats["alpha"], stats["correction"]) == (0.05, "holm")
    assert (table1["metric"], table1["mechanism"], table1["enabled"]) == ("f1", "mcar", True)
    assert config["resources"]["default"] == {"mem_mb": 100, "runtime": 240}
    # A key only where its kind reads it: no alpha on a table, no mechanism or metric on the statistics.
    assert "alpha" not in table1 and not {"mechanism", "rates", "metric"} & set(stats)
    assert "metric" not in config["experiments"]["appendix_table3"]  # a sensitivity's metric is per sweep


# -- the schema's lists of names are the code's ------------------------------------------------------

@pytest.fixture(scope="module")
def schema():
    import yaml

    from hexagan.suite.config import SCHEMA

    return yaml.safe_load(SCHEMA.read_text())


def test_the_schema_lists_the_names_the_code_knows(schema):
    from hexagan import protocol
    from hexagan.protocol import stats
    from hexagan.protocol.missingness import MECHANISMS
    from hexagan.suite.constants import DRAWING_KINDS, KINDS

    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    proto = schema["definitions"]["protocol"]["properties"]
    assert experiment["kind"]["enum"] == list(KINDS)
    by_kind = schema["properties"]["experiments"]["additionalProperties"]["allOf"]
    no_cells = next(rule for rule in by_kind if "else" in rule and "mechanism" in rule["else"]["properties"])
    assert no_cells["if"]["properties"]["kind"]["enum"] == list(DRAWING_KINDS), "kinds without cells of their own"
    assert experiment["mechanism"]["enum"] == list(MECHANISMS)
    assert experiment["correction"]["enum"] == list(stats.CORRECTIONS)
    assert proto["selection"]["enum"] == list(protocol.SELECTIONS)
    assert proto["scaling"]["enum"] == list(protocol.SCALINGS)
    overlay = schema["properties"]["protocols"]["additionalProperties"]["propertyNames"]["enum"]
    assert set(overlay) <= set(proto), "a protocol overlay key the protocol does not have"


def test_a_dataset_protocol_overrides_only_the_keys_it_names(schema):
    """A protocol_by_dataset entry inherits every key it does not name from the run's protocol, not from the
    schema's defaults (the bug: validation filled each entry with every default, resetting the run's settings)."""
    config = load_config(overrides={"protocol": {"val_fraction": 0.2, "train_rmse": False},
                                    "protocol_by_dataset": {"wine": {"n_repeats": 2}}})
    assert config["protocol_by_dataset"]["wine"] == {"n_repeats": 2}
    plan = Plan(config, check_data=False)
    assert plan.protocol_for("wine") == {**plan.protocol, "n_repeats": 2}
    assert plan.protocol_for("breast") == plan.protocol
    job = next(j for j in plan.jobs.values() if j.dataset == "wine" and j.protocol is None)
    proto = plan.job_spec(job)["protocol"]
    assert (proto["val_fraction"], proto["train_rmse"], proto["n_repeats"]) == (0.2, False, 2)
    assert plan.repeats("wine") == [0, 1]



def test_the_protocol_s_defaults_come_from_hexagan_protocol_only(schema):
    """config.yaml and the schema restate no protocol default: the plan fills hexagan.protocol.PROTOCOL in."""
    from hexagan import protocol

    keys = schema["definitions"]["protocol"]["properties"]
    assert set(keys) == set(protocol.PROTOCOL) | {"monitor_every"}, "the schema's protocol keys are PROTOCOL's"
    assert not any("default" in key for key in keys.values())
    assert load_config()["protocol"] == {}
    assert Plan(load_config(), check_data=False).protocol == protocol.PROTOCOL
