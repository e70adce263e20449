"""Rule figure: one figure (PDF, PNG) and the CSV of the numbers it shows."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.forkserver import run_step

run_step("hexagan.suite.figures:render_figure_files", snakemake.log[0], spec=json.loads(snakemake.params.spec),
         **dict(snakemake.output))
