"""Rule table: an experiment's tidy summary (CSV) and its table (Markdown, LaTeX)."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan.suite.forkserver import run_step

run_step("hexagan.suite.tables:render_table_files", snakemake.log[0], spec=json.loads(snakemake.params.spec),
         **dict(snakemake.output))
