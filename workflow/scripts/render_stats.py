"""Rule stats: appendix C.5 -- rank-sum tests and Cohen's d of HexaGAN against every competitor."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.logs import script_log
from hexagan.suite.significance import render_stats_files

with script_log(snakemake.log[0]):
    render_stats_files(json.loads(snakemake.params.spec), **dict(snakemake.output))
