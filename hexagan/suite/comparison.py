"""Our summaries beside the paper's numbers: looked up by the paper's row names, cell by cell."""
from __future__ import annotations

import numpy as np
import pandas as pd

from hexagan import paper as P
from hexagan.suite.constants import lower_is_better
from hexagan.suite.tables import METRIC_NAMES, format_cell

class Results:
    """Our summaries by experiment, looked up by the paper's row names."""

    def __init__(self, spec: dict, summaries: dict[str, pd.DataFrame]):
        self.spec = spec
        self.summaries = summaries

    def by_paper_table(self, paper_table: str) -> list[str]:
        """The honest experiments that reproduce ``paper_table`` (an audit, run under a ``protocol``, never is)."""
        return [n for n, e in self.spec["experiments"].items()
                if e["spec"] is not None and e["spec"].get("paper_table") == paper_table and n in self.summaries
                and not e["spec"].get("protocol")]

    def frame(self, paper_table: str) -> pd.DataFrame | None:
        names = self.by_paper_table(paper_table)
        return self.summaries[names[0]] if names else None

    def datasets(self, paper_table: str) -> tuple[str, ...] | None:
        """The datasets our run of ``paper_table`` covers (None: not run); an overlay may narrow one table only."""
        frame = self.frame(paper_table)
        return None if frame is None else tuple(dict.fromkeys(frame["dataset"]))

    def value(self, paper_table: str, paper_row: str, dataset: str, metric: str, rate: float | None = None):
        frame = self.frame(paper_table)
        if frame is None:
            return None
        hit = frame[(frame["paper_row"] == paper_row) & (frame["dataset"] == dataset) & (frame["metric"] == metric)]
        if rate is not None:
            hit = hit[np.isclose(hit["rate"].astype(float), rate)]
        return float(hit["mean"].iloc[0]) if len(hit) else None


def hexagan_beside(frame: pd.DataFrame, hexa: pd.DataFrame | None, metric: str, where: str) -> str | None:
    """One line: HexaGAN's mean on each dataset (from ``hexa``, a paper table's summary) beside the best row
    of ``frame`` (a beyond-the-paper summary on the same settings); None when they share no mechanism."""
    if hexa is None or not set(frame["mechanism"]) <= set(hexa["mechanism"]):
        return None
    h = hexa[(hexa["paper_row"] == P.HEXAGAN_ROW) & (hexa["metric"] == metric)]
    if not len(h):
        return None
    lower = lower_is_better(metric)
    means = frame[frame["metric"] == metric].groupby("dataset")["mean"]
    best = means.min() if lower else means.max()
    cells = ", ".join(f"{d} {m:.4f}" + (f" ({'better' if (m < best[d]) == lower else 'worse'} than this table's best, "
                                        f"{best[d]:.4f})" if d in best else "")
                      for d, m in zip(h["dataset"], h["mean"]))
    return f"For comparison, HexaGAN in our {where} ({METRIC_NAMES.get(metric, metric)}): {cells}."

#: How a row the paper does not have is shown where the paper's number would be.
NOT_IN_PAPER = "not in the paper"


def paper_column(dataset: str) -> str:
    """The paper's column of a dataset key (``celeba.Smiling`` -> ``Smiling``)."""
    return dataset.split(".", 1)[1] if dataset.startswith("celeba.") else dataset


def _same(column: pd.Series, value) -> pd.Series:
    """Element-wise equality where NaN equals NaN."""
    return column.isna() if pd.isna(value) else column == value


def comparison_frame(ours: pd.DataFrame, paper_table: str) -> pd.DataFrame:
    """Ours beside the paper's number, cell by cell (the paper's rows, metrics it reports), then our rows the
    paper does not have (no ``paper_row``: a method added to the table), ``in_paper`` False."""
    theirs = P.table(paper_table)
    rows = []
    for _, t in theirs.iterrows():
        if paper_table == "table4" and t["column"] == "Mean":
            continue
        if paper_table == "appendix_table3":
            hit = ours[(ours["param"] == t["row"]) & (ours["metric"] == t["metric"])
                       & np.isclose(ours["setting"].astype(float), float(t["setting"]))]
        else:
            hit = ours[(ours["paper_row"] == t["row"]) & (ours["dataset"].map(paper_column) == t["column"])
                       & (ours["metric"] == t["metric"])]
        mean = float(hit["mean"].iloc[0]) if len(hit) else np.nan
        std = float(hit["std"].iloc[0]) if len(hit) else np.nan
        rows.append({"row": t["row"], "column": t["column"], "setting": t["setting"], "metric": t["metric"],
                     "paper": float(t["mean"]), "paper_std": float(t["std"]), "ours": mean, "ours_std": std,
                     "difference": mean - float(t["mean"]),
                     "ours_pooled_rmse": _pooled(ours, hit.iloc[0]) if len(hit) else np.nan, "in_paper": True})
    if paper_table != "appendix_table3":
        added = ours[ours["paper_row"].isna() & ours["metric"].isin(set(theirs["metric"]))]
        rows += [{"row": o["row"], "column": paper_column(o["dataset"]), "setting": o["setting"], "metric": o["metric"],
                  "paper": np.nan, "paper_std": np.nan, "ours": float(o["mean"]), "ours_std": float(o["std"]),
                  "difference": np.nan, "ours_pooled_rmse": _pooled(ours, o), "in_paper": False}
                 for _, o in added.iterrows()]
    return pd.DataFrame(rows)


def _pooled(ours: pd.DataFrame, key: pd.Series) -> float:
    """The pooled RMSE beside a row's per-row-mean RMSE (NaN for any other metric)."""
    if key["metric"] != "rmse_rowmean":
        return np.nan
    other = ours[(ours["row"] == key["row"]) & (ours["dataset"] == key["dataset"]) & (ours["metric"] == "rmse")
                 & _same(ours["setting"], key["setting"])]
    return float(other["mean"].iloc[0]) if len(other) else np.nan


def comparison_markdown(frame: pd.DataFrame, *, sensitivity: bool = False) -> str:
    if frame.empty:
        return "_no cell to compare_\n"
    pooled = frame["ours_pooled_rmse"].notna().any()
    out = pd.DataFrame({
        "row": frame["row"] if not sensitivity else frame["row"] + " = " + frame["setting"].astype(str),
        "dataset": frame["column"],
        "paper": [format_cell(m, s) if listed else NOT_IN_PAPER
                  for m, s, listed in zip(frame["paper"], frame["paper_std"], frame["in_paper"])],
        "ours": [format_cell(m, s) for m, s in zip(frame["ours"], frame["ours_std"])],
        "ours − paper": frame["difference"].map(lambda d: "–" if np.isnan(d) else f"{d:+.4f}"),
    })
    if pooled:
        out["ours, pooled RMSE"] = frame["ours_pooled_rmse"].map(lambda d: "–" if np.isnan(d) else f"{d:.4f}")
    return out.to_markdown(index=False, tablefmt="pipe") + "\n"
