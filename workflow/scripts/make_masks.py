"""Rule masks: draw and save the masks of one (dataset, mechanism, rate, repeat)."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.data import write_masks
from hexagan.suite.logs import script_log

with script_log(snakemake.log[0]):
    spec = json.loads(snakemake.params.spec)
    write_masks({**spec, "data_dir": snakemake.config["data_dir"]}, snakemake.output[0])
