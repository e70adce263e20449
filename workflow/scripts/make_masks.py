"""Rule masks: draw and save the masks of one (dataset, mechanism, rate, repeat)."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan import experiments as X

with X.script_log(snakemake.log[0]):
    spec = json.loads(snakemake.params.spec)
    X.write_masks({**spec, "data_dir": snakemake.config.get("data_dir")}, snakemake.output[0])
