"""Rule stats: appendix C.5 -- rank-sum tests and Cohen's d of HexaGAN against every competitor."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.forkserver import run_step

run_step("hexagan.suite.significance:render_stats_files", snakemake.log[0], spec=json.loads(snakemake.params.spec),
         **dict(snakemake.output))
