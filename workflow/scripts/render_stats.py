"""Rule stats: appendix C.5 -- rank-sum tests and Cohen's d of HexaGAN against every competitor."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan import experiments as X
from hexagan import report as R

with X.script_log(snakemake.log[0]):
    R.render_stats_files(json.loads(snakemake.params.spec), **dict(snakemake.output))
