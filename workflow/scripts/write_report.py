"""Rule report: results/report.md, ours beside the paper's numbers."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.logs import script_log
from hexagan.suite.report import write_report

with script_log(snakemake.log[0]):
    write_report(json.loads(snakemake.params.spec), summaries=list(snakemake.input.summaries),
             runs=list(snakemake.input.runs), stats_csv=next(iter(snakemake.input.stats), None),
             path=snakemake.output[0])
