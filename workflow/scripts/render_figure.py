"""Rule figure: one figure (PDF, PNG) and the CSV of the numbers it shows."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.figures import render_figure_files
from hexagan.suite.logs import script_log

with script_log(snakemake.log[0]):
    render_figure_files(json.loads(snakemake.params.spec), **dict(snakemake.output))
