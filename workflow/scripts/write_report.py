"""Rule report: results/report.md, ours beside the paper's numbers."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan import experiments as X
from hexagan import report as R

with X.script_log(snakemake.log[0]):
    R.write_report(json.loads(snakemake.params.spec), summaries=list(snakemake.input.summaries),
                   runs=list(snakemake.input.runs), stats_csv=next(iter(snakemake.input.stats), None),
                   path=snakemake.output[0])
