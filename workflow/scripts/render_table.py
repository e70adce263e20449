"""Rule table: an experiment's tidy summary (CSV) and its table (Markdown, LaTeX)."""
import _checkout  # noqa: F401  (first: this checkout's hexagan)
import json

from hexagan import experiments as X
from hexagan import report as R

with X.script_log(snakemake.log[0]):
    R.render_table_files(json.loads(snakemake.params.spec), **dict(snakemake.output))
