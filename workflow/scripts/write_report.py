"""Rule report: results/report.md, ours beside the paper's numbers."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.forkserver import run_step

run_step("hexagan.suite.report:write_report", snakemake.log[0], spec=json.loads(snakemake.params.spec),
         summaries=list(snakemake.input.summaries), runs=list(snakemake.input.runs),
         stats_csv=next(iter(snakemake.input.stats), None), gcg_csv=next(iter(snakemake.input.diagnoses), None),
         path=snakemake.output[0])
