"""Appendix C.5 rendered: HexaGAN against every competitor of each referenced table (the stats rule's files).

The tests and effect sizes are :mod:`hexagan.protocol.stats`; this module picks the per-split values out of the
referenced tables, applies the experiment's configured ``correction`` and writes the table.
"""
from __future__ import annotations

import pandas as pd

from hexagan.io import write_table, write_text
from hexagan.protocol import stats as S
from hexagan.suite.aggregate import collect
from hexagan.suite.constants import lower_is_better
from hexagan.suite.tables import tex_escape, to_latex, to_markdown

#: How each correction of :data:`hexagan.protocol.stats.CORRECTIONS` is named in the text.
CORRECTION_NAMES = {"holm": "Holm"}


def correction_name(correction: str) -> str:
    """The display name of a correction (``holm`` -> ``Holm``); ValueError for one
    :mod:`hexagan.protocol.stats` lacks."""
    S.correction_function(correction)
    return CORRECTION_NAMES.get(correction, correction)

def stats_frame(spec: dict) -> pd.DataFrame:
    """HexaGAN against every other row of each referenced table: tidy, one row per (table, dataset, competitor)."""
    parts = []
    for table, reference in (spec.get("reference") or {}).items():
        table_spec = (spec.get("tables") or {}).get(table)
        if table_spec is None:
            continue
        values = collect(table_spec)
        metric = table_spec["metric"]
        values = values[values["metric"] == metric].assign(table=table)
        ref_rows = {c["row"] for c in table_spec["cells"] if c["label"] == reference}
        if not ref_rows:
            raise ValueError(f"stats: {reference!r} is not a method of {table}")
        out = S.compare(values, next(iter(ref_rows)), higher_is_better=not lower_is_better(metric), group="dataset",
                        method="row", family="table", alpha=spec["alpha"],
                        correction=spec["correction"])
        paper_rows = {c["row"]: c.get("paper_row") for c in table_spec["cells"]}
        parts.append(out.assign(metric=metric, competitor_paper_row=out["competitor"].map(paper_rows)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def render_stats_files(spec: dict, csv: str, md: str, tex: str) -> pd.DataFrame:
    """The stats rule: the tidy comparisons (CSV) and their table (Markdown, LaTeX)."""
    name = correction_name(spec["correction"])  # refuses an unknown one before any work
    frame = stats_frame(spec)
    write_table(csv, frame)
    alpha = spec["alpha"]
    shown = stats_display(frame)
    intro = (f"# {spec['name']}\n\n{spec.get('caption', '')}\n\nTwo-sided Wilcoxon rank-sum test "
             f"(scipy.stats.ranksums) over the per-split values; {name}'s correction within each table; "
             f"significant = {name}-adjusted p < {alpha}.  Cohen's d = (reference - competitor) / pooled SD "
             f"(|d| >= 0.2 small, 0.5 medium, 0.8 large).  'supported' = the reference is better and the "
             f"difference is significant or at least a medium effect (the paper's criterion).\n\n")
    write_text(md, intro + (to_markdown(shown) if len(shown) else "No comparison (no table to test).\n"))
    write_text(tex, to_latex(shown.map(tex_escape), caption=spec.get("caption", ""), label="tab:stats")
               if len(shown) else "% no comparison\n")
    return frame


def stats_display(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`stats_frame` as shown: means and p-values rounded, verdicts in words."""
    if frame.empty:
        return frame
    correction = frame["correction"].iloc[0]
    shown = pd.DataFrame({
        "table": frame["table"], "dataset": frame["dataset"], "reference": frame["reference"],
        "competitor": frame["competitor"],
        "means": [f"{a:.4f} vs {b:.4f}" for a, b in zip(frame["mean_reference"], frame["mean_competitor"])],
        "p": frame["p_value"].map("{:.2g}".format), f"p ({correction_name(correction)})": frame[f"p_{correction}"].map("{:.2g}".format),
        "Cohen's d": frame["cohens_d"].map("{:.2f}".format), "effect": frame["effect"],
        "supported": frame["supported"].map({True: "yes", False: "no"}),
    })
    return shown.set_index("table")
