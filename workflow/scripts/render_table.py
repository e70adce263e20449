"""Rule table: an experiment's tidy summary (CSV) and its table (Markdown, LaTeX)."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.logs import script_log
from hexagan.suite.tables import render_table_files

with script_log(snakemake.log[0]):
    render_table_files(json.loads(snakemake.params.spec), **dict(snakemake.output))
