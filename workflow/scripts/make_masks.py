"""Rule masks: draw and save the masks of one (dataset, mechanism, rate, repeat)."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.forkserver import run_step

spec = json.loads(snakemake.params.spec)
run_step("hexagan.suite.data:write_masks", snakemake.log[0], spec={**spec, "data_dir": snakemake.config["data_dir"]},
         path=snakemake.output[0])
