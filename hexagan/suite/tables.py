"""Tables: ``mean ± std`` cells, the best of each column in bold, Markdown and LaTeX, and the table rule's files.

Tables show ``mean ± std`` over the splits (std with ddof = 1) and the best
mean of each column in bold -- the lowest for an RMSE, the highest for a score
(:func:`hexagan.suite.constants.lower_is_better`); means equal at the shown
precision are all bold.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hexagan.io import write_table, write_text
from hexagan.suite.aggregate import collect, summarize
from hexagan.suite.constants import lower_is_better

DIGITS = 4
STYLES = ("plain", "md", "tex")
METRIC_NAMES = {"rmse_rowmean": "RMSE (per-row mean)", "rmse": "RMSE (pooled)", "f1": "F1", "auroc": "AUROC",
                "auprc": "AUPRC", "macro_f1": "macro-F1"}



def format_cell(mean: float, std: float | None = None, *, digits: int = DIGITS, bold: bool = False,
                style: str = "plain") -> str:
    """``"0.1234 ± 0.0012"`` (no ``±`` when std is None/NaN); bold as Markdown or LaTeX."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–" if style != "tex" else "--"
    pm = r" $\pm$ " if style == "tex" else " ± "
    text = f"{mean:.{digits}f}" + ("" if std is None or np.isnan(std) else f"{pm}{std:.{digits}f}")
    if bold and style == "md":
        return f"**{text}**"
    if bold and style == "tex":
        return rf"\textbf{{{text}}}"
    return text


def layout(summary: pd.DataFrame, metric: str, *, index: str = "row", columns: str = "column",
           rows: list | None = None, cols: list | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide (mean, std) frames of one metric: ``index`` down, ``columns`` across, in the given orders."""
    part = summary[summary["metric"] == metric]
    means = part.pivot_table(index=index, columns=columns, values="mean", aggfunc="first", sort=False)
    stds = part.pivot_table(index=index, columns=columns, values="std", aggfunc="first", sort=False)
    rows = rows if rows is not None else list(dict.fromkeys(part[index]))
    cols = cols if cols is not None else list(dict.fromkeys(part[columns]))
    return means.reindex(index=rows, columns=cols), stds.reindex(index=rows, columns=cols)


def best_mask(means: pd.DataFrame, *, lower: bool, digits: int = DIGITS, axis: int = 0) -> pd.DataFrame:
    """True where a mean is the best of its column (``axis=0``) or row (``axis=1``) at the shown precision."""
    rounded = means.round(digits)
    best = rounded.min(axis=axis) if lower else rounded.max(axis=axis)
    return rounded.eq(best, axis=1 - axis) & rounded.notna()


def format_table(means: pd.DataFrame, stds: pd.DataFrame | None = None, *, lower: bool, style: str = "plain",
                 digits: int = DIGITS, axis: int = 0) -> pd.DataFrame:
    """Strings ``mean ± std`` with the best of each column (or row, ``axis=1``) in bold."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {STYLES}")
    stds = stds if stds is not None else pd.DataFrame(np.nan, index=means.index, columns=means.columns)
    bold = best_mask(means, lower=lower, digits=digits, axis=axis)
    out = pd.DataFrame(index=means.index, columns=means.columns, dtype=object)
    for r in means.index:
        for c in means.columns:
            out.loc[r, c] = format_cell(means.loc[r, c], stds.loc[r, c], digits=digits, bold=bool(bold.loc[r, c]),
                                        style=style)
    return out


def to_markdown(table: pd.DataFrame, *, index_name: str = "") -> str:
    frame = table.copy()
    frame.index.name = index_name or frame.index.name or ""
    return frame.to_markdown(tablefmt="pipe", colalign=["left"] + ["right"] * frame.shape[1]) + "\n"


def tex_escape(text) -> str:
    text = str(text)
    for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
        text = text.replace(char, repl)
    return text


def to_latex(table: pd.DataFrame, *, caption: str = "", label: str = "", index_name: str = "") -> str:
    """A booktabs ``table`` environment; cells are used as they are (already LaTeX)."""
    cols = "l" + "r" * table.shape[1]
    lines = [r"\begin{table}[t]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{tex_escape(caption)}}}")
    if label:
        lines.append(rf"\label{{{label}}}")
    lines += [rf"\begin{{tabular}}{{{cols}}}", r"\toprule",
              " & ".join([tex_escape(index_name)] + [tex_escape(c) for c in table.columns]) + r" \\", r"\midrule"]
    for name, row in table.iterrows():
        lines.append(" & ".join([tex_escape(name)] + [str(v) for v in row]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def column_names(summary: pd.DataFrame) -> pd.Series:
    """Table column of each summary row: the dataset, with its rate when a dataset has several."""
    several = summary.groupby("dataset")["rate"].transform("nunique") > 1
    dataset = summary["dataset"].astype(str)
    return np.where(several, dataset + " @ " + summary["rate"].map("{:g}".format).astype(str), dataset)


def experiment_tables(spec: dict, summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame, pd.DataFrame, bool, int]]:
    """The (title, means, stds, lower_is_better, axis) blocks an experiment's table shows."""
    blocks = []
    if spec["kind"] == "sensitivity":
        for param, part in summary.groupby("param", sort=False):
            metric = part["metric"].iloc[0]
            part = part.assign(column=[f"{param} = {s:g}" if isinstance(s, (int, float)) else f"{param} = {s}"
                                       for s in part["setting"]], row=f"{param} ({METRIC_NAMES.get(metric, metric)})")
            means, stds = layout(part, metric)
            means.columns = stds.columns = [f"setting {i + 1}: {c}" for i, c in enumerate(means.columns)]
            blocks.append((f"{param} -> {METRIC_NAMES.get(metric, metric)}", means, stds, lower_is_better(metric), 1))
        return blocks
    summary = summary.assign(column=column_names(summary))
    rows = list(dict.fromkeys(c["row"] for c in spec["cells"]))
    for metric in [spec["metric"], *(spec.get("secondary") or [])]:
        if metric not in set(summary["metric"]):
            continue
        means, stds = layout(summary, metric, rows=rows)
        blocks.append((METRIC_NAMES.get(metric, metric), means, stds, lower_is_better(metric), 0))
    return blocks


def render_table_files(spec: dict, csv: str, md: str, tex: str) -> pd.DataFrame:
    """Collect an experiment's runs and write its tidy summary (CSV) and its table (Markdown, LaTeX)."""
    summary = summarize(collect(spec))
    write_table(csv, summary)
    caption = spec.get("caption", spec["name"])
    md_parts, tex_parts = [f"# {spec['name']}\n\n{caption}\n"], []
    if summary["mean"].dropna().empty:
        md_parts.append("\n_No values: the runs of this table scored nothing (empty run files, or every split "
                        "failed)._\n")
    if spec.get("paper_table"):  # a method added to a table of the paper
        added = list(dict.fromkeys(c["row"] for c in spec["cells"] if c.get("paper_row") is None))
        if added:
            md_parts.append(f"\nNot in the paper: {', '.join(added)}.\n")
    for i, (title, means, stds, lower, axis) in enumerate(experiment_tables(spec, summary)):
        direction = "lower is better" if lower else "higher is better"
        md_parts.append(f"\n## {title} ({direction}; mean ± std over {_n_text(summary)})\n\n"
                        + to_markdown(format_table(means, stds, lower=lower, style="md", axis=axis)))
        tex_parts.append(to_latex(format_table(means, stds, lower=lower, style="tex", axis=axis),
                                  caption=f"{caption} {title}, {direction}.", label=f"tab:{spec['name']}-{i}"))
    write_text(md, "".join(md_parts))
    write_text(tex, "\n".join(tex_parts))
    return summary


def _n_text(summary: pd.DataFrame) -> str:
    n = sorted(set(summary["n"].astype(int)))
    if not n:
        return "0 splits"
    return f"{n[0]} splits" if len(n) == 1 else f"{n[0]}-{n[-1]} splits"
