"""The paper's claims, each checked on the paper's own numbers and on our run."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hexagan import paper as P
from hexagan.suite.comparison import Results

def _verdict(ok: bool | None) -> str:
    return {True: "holds", False: "does not hold", None: "not evaluated"}[ok]


def _argbest(values: dict, lower: bool):
    values = {k: v for k, v in values.items() if v is not None and not np.isnan(v)}
    if not values:
        return None
    return (min if lower else max)(values, key=values.get)


class _Claims:
    """The paper's claims, each checked on the paper's own numbers and on ours."""

    DATASETS = ("breast", "credit", "wine", "madelon")

    def __init__(self, results: Results, only: Sequence[str] | None = None):
        self.results = results
        self.rows: list[dict] = []
        # A run over some datasets (run_datasets) checks "every dataset" on those, on both sides.
        self.only = None if only is None else set(only)
        self.datasets = self.scope(self.DATASETS)

    def scope(self, datasets: Sequence[str]) -> tuple[str, ...]:
        return tuple(d for d in datasets if self.only is None or d in self.only)

    # lookups returning {dataset: value} for ours and the paper
    def _ours(self, table, row, metric, datasets, rate=None):
        return {d: self.results.value(table, row, d, metric, rate) for d in datasets}

    @staticmethod
    def _paper(table, row, datasets):
        out = {}
        for d in datasets:
            try:
                out[d] = P.value(table, row, d)[0]
            except KeyError:
                out[d] = None
        return out

    def add(self, section: str, claim: str, check, detail=None) -> None:
        """``check(source)`` -> True/False/None for source in ("paper", "ours")."""
        verdicts = {}
        for source in ("paper", "ours"):
            try:
                verdicts[source] = check(source)
            except (KeyError, TypeError, ValueError):
                verdicts[source] = None
        self.rows.append({"section": section, "claim": claim, "paper's numbers": _verdict(verdicts["paper"]),
                          "our run": _verdict(verdicts["ours"]), "detail": detail(verdicts) if detail else ""})

    def values(self, source, table, rows, metric, datasets=None, rate=None):
        """{row: {dataset: value}} from the paper or from our run; None where absent."""
        datasets = self.datasets if datasets is None else datasets
        if source == "paper":
            return {r: self._paper(table, r, datasets) for r in rows}
        return {r: self._ours(table, r, metric, datasets, rate) for r in rows}

    def best_everywhere(self, source, table, rows, target, metric, datasets=None, *, lower):
        datasets = self.datasets if datasets is None else datasets
        if not datasets:
            return None
        vals = self.values(source, table, rows, metric, datasets)
        outcome = []
        for d in datasets:
            column = {r: vals[r][d] for r in rows}
            if any(v is None for v in column.values()):
                return None
            outcome.append(_argbest(column, lower) == target)
        return all(outcome)

    def worst_everywhere(self, source, table, rows, target, metric, datasets=None, *, lower):
        return self.best_everywhere(source, table, rows, target, metric, datasets, lower=not lower)


def _table1_rows() -> list[str]:
    return list(dict.fromkeys(P.table("table1")["row"]))


def build_claims(results: Results, only: Sequence[str] | None = None) -> pd.DataFrame:
    """The paper's claims; ``only``: the datasets run, to which "every dataset" then refers."""
    c = _Claims(results, only)
    t1, t2, t3 = _table1_rows(), list(dict.fromkeys(P.table("table2")["row"])), list(dict.fromkeys(P.table("table3")["row"]))
    t1_datasets = c.scope(c.DATASETS + ("mnist",))

    c.add("4.1.1 / Table 1", "HexaGAN has the lowest RMSE on every dataset",
          lambda s: c.best_everywhere(s, "table1", t1, "HexaGAN", "rmse_rowmean", t1_datasets, lower=True))

    def beats(s, table, winner, loser, metric, datasets, lower):
        vals = c.values(s, table, [winner, loser], metric, datasets)
        pairs = [(vals[winner][d], vals[loser][d]) for d in datasets]
        if not pairs or any(a is None or b is None for a, b in pairs):
            return None
        return all((a < b) if lower else (a > b) for a, b in pairs)

    c.add("4.1.1 / Table 1", "HexaGAN outperforms the autoencoder on every dataset",
          lambda s: beats(s, "table1", "HexaGAN", "Autoencoder", "rmse_rowmean", t1_datasets, True))

    def gain_not_better(s):
        vals = c.values(s, "table1", ["GAIN", "Autoencoder"], "rmse_rowmean", t1_datasets)
        pairs = [(vals["GAIN"][d], vals["Autoencoder"][d]) for d in t1_datasets]
        if not pairs or any(a is None or b is None for a, b in pairs):
            return None
        return any(round(g, 4) >= round(a, 4) for g, a in pairs)

    c.add("4.1.1 / Table 1", "GAIN is the same as or worse than the autoencoder on some dataset", gain_not_better)

    def improvement(s, table, target, rows, metric, datasets, lower):
        vals = c.values(s, table, rows, metric, datasets)
        gains = []
        for d in datasets:
            others = [vals[r][d] for r in rows if r != target]
            if vals[target][d] is None or any(v is None for v in others):
                return None
            best = min(others) if lower else max(others)
            gains.append((best - vals[target][d]) / best if lower else (vals[target][d] - best) / best)
        return max(gains) if gains else None

    def improvement_detail(table, target, rows, metric, datasets, lower):
        def detail(_):
            parts = []
            for s in ("paper", "ours"):
                try:
                    g = improvement(s, table, target, rows, metric, datasets, lower)
                except (KeyError, TypeError, ValueError):
                    g = None
                parts.append(f"{s}: {'–' if g is None else f'{100 * g:+.1f} %'}")
            return "largest relative improvement over the best other row; " + ", ".join(parts)
        return detail

    c.add("4.1.1 / Table 1", "HexaGAN improves on the best other method somewhere (paper: up to 14 %)",
          lambda s: (lambda g: None if g is None else g > 0)(improvement(s, "table1", "HexaGAN", t1, "rmse_rowmean",
                                                                          t1_datasets, True)),
          improvement_detail("table1", "HexaGAN", t1, "rmse_rowmean", t1_datasets, True))

    def conv_better(s):
        if "mnist" not in t1_datasets:
            return None
        if s == "paper":
            return P.value("section4.1.2", "HexaGAN (conv)", "mnist")[0] < P.value("table1", "HexaGAN", "mnist")[0]
        conv = results.value("section4.1.2", "HexaGAN (conv)", "mnist", "rmse_rowmean")
        fc = results.value("table1", "HexaGAN", "mnist", "rmse_rowmean")
        return None if conv is None or fc is None else conv < fc

    c.add("4.1.2", "The convolutional HexaGAN imputes MNIST better than the fully-connected one (0.0914)", conv_better)

    c.add("4.3.1 / Table 2", "MLP has the lowest F1 on every dataset",
          lambda s: c.worst_everywhere(s, "table2", t2, "MLP", "f1", lower=False))
    c.add("4.3.1 / Table 2", "HexaGAN with all components has the best F1 on every dataset",
          lambda s: c.best_everywhere(s, "table2", t2, "HexaGAN", "f1", lower=False))

    def monotone(s):
        vals = c.values(s, "table2", t2, "f1")
        if not c.datasets:
            return None
        for d in c.datasets:
            column = [vals[r][d] for r in t2]
            if any(v is None for v in column):
                return None
            if any(b < a for a, b in zip(column, column[1:])):
                return False
        return True

    c.add("4.3.1 / Table 2", "The more components, the higher the F1 (rows in the paper's order, every dataset)",
          monotone)

    def gcg_credit(s):
        if "credit" not in c.datasets or len(c.datasets) < 2:
            return None
        vals = c.values(s, "table2", t2, "f1")
        gain = {}
        for d in c.datasets:
            with_gcg = [vals["HexaGAN w/o DMI"][d], vals["HexaGAN"][d]]
            without = [vals["HexaGAN w/o GCG & DMI"][d], vals["HexaGAN w/o GCG"][d]]
            if any(v is None for v in with_gcg + without):
                return None
            gain[d] = np.mean(with_gcg) / np.mean(without) - 1
        return max(gain, key=gain.get) == "credit"

    c.add("4.3.1 / Table 2", "G_CG helps most on credit, the most imbalanced dataset", gcg_credit)
    c.add("4.3.2 / Table 3", "HexaGAN has the best F1 on every dataset against the cascades",
          lambda s: c.best_everywhere(s, "table3", t3, "HexaGAN", "f1", lower=False))
    c.add("4.3.2 / Table 3", "HexaGAN improves on the best cascade somewhere (paper: up to 5 %)",
          lambda s: (lambda g: None if g is None else g > 0)(improvement(s, "table3", "HexaGAN", t3, "f1",
                                                                          c.datasets, False)),
          improvement_detail("table3", "HexaGAN", t3, "f1", c.datasets, False))

    def imputation_matters(s):
        if "madelon" not in c.datasets:
            return None
        if s == "paper":
            mine = P.value("table2", "HexaGAN w/o GCG", "madelon")[0]
            others = [P.value("table3", r, "madelon")[0] for r in ("MICE + CS + TripleGAN", "GAIN + CS + TripleGAN")]
        else:
            mine = results.value("table2", "HexaGAN w/o GCG", "madelon", "f1")
            others = [results.value("table3", r, "madelon", "f1") for r in ("MICE + CS + TripleGAN", "GAIN + CS + TripleGAN")]
        if mine is None or any(o is None for o in others):
            return None
        return all(mine > o for o in others)

    c.add("4.3.2", "On madelon, HexaGAN w/o GCG beats MICE + CS + TripleGAN and GAIN + CS + TripleGAN",
          imputation_matters)

    def by_rate(paper_table, metric):
        """Means of one figure's rows by missing rate (index rate, one column per paper row)."""
        frame = results.frame(paper_table)
        if frame is None:
            return None
        part = frame[frame["metric"] == metric]
        return part.pivot_table(index="rate", columns="paper_row", values="mean", aggfunc="first")

    def fig6_all(s):
        if s == "paper":
            return None  # the paper gives the figure only
        wide = by_rate("figure6", "f1")
        return None if wide is None or "HexaGAN" not in wide else bool((wide["HexaGAN"] >= wide.drop(columns="HexaGAN").max(axis=1)).all())

    def fig6_gap(s):
        if s == "paper":
            return None
        wide = by_rate("figure6", "f1")
        if wide is None or "HexaGAN" not in wide or len(wide) < 2:
            return None
        gap = wide["HexaGAN"] - wide.drop(columns="HexaGAN").max(axis=1)
        return bool(gap.iloc[-1] > gap.iloc[0])

    c.add("4.3.3 / Figure 6", "HexaGAN has the best F1 at every missing rate (credit)", fig6_all)
    c.add("4.3.3 / Figure 6", "The gap to the benchmarks grows with the missing rate", fig6_gap)

    def fig2_all(s):
        if s == "paper":
            return None
        wide = by_rate("appendix_figure2", "rmse_rowmean")
        if wide is None or "HexaGAN" not in wide:
            return None
        low = wide[wide.index < 0.5]
        return bool((low["HexaGAN"] <= low.drop(columns="HexaGAN").min(axis=1)).all())

    def fig2_gap(s):
        if s == "paper":
            return None
        wide = by_rate("appendix_figure2", "rmse_rowmean")
        if wide is None or not {"HexaGAN", "MICE"} <= set(wide) or len(wide) < 2:
            return None
        gap = wide["MICE"] - wide["HexaGAN"]
        return bool(gap.iloc[-1] > gap.iloc[0])

    c.add("C.2 / appendix Figure 2", "HexaGAN has the lowest RMSE at every missing rate below 50 % (credit)", fig2_all)
    c.add("C.2 / appendix Figure 2", "The RMSE gap between MICE and HexaGAN grows with the missing rate", fig2_gap)

    def best_setting(param, expected, lower):
        def check(s):
            if s == "paper":
                rows = P.table("appendix_table3")
                rows = rows[rows["row"] == param]
                values = dict(zip(rows["setting"].astype(float), rows["mean"]))
            else:
                frame = results.frame("appendix_table3")
                if frame is None:
                    return None
                rows = frame[frame["param"] == param]
                values = dict(zip(rows["setting"].astype(float), rows["mean"]))
            best = _argbest(values, lower)
            return None if best is None else bool(np.isclose(best, expected))
        return check

    for param, expected, metric, lower in (("alpha1", 10, "RMSE", True), ("lambda1", 10, "RMSE", True),
                                           ("alpha2", 1, "F1", False), ("alpha3", 0.01, "F1", False)):
        c.add("C.4 / appendix Table 3", f"The best {metric} is at {param} = {expected:g}",
              best_setting(param, expected, lower))

    def celeba_mean(s):
        if s == "paper":
            means = {r: P.value("table4", r, "Mean")[0] for r in ("GAIN + TripleGAN", "GAIN + CRL + TripleGAN", "HexaGAN")}
            return _argbest(means, False) == "HexaGAN"
        frame = results.frame("table4")
        if frame is None:
            return None
        means = frame[frame["metric"] == "f1"].groupby("paper_row")["mean"].mean().to_dict()
        return None if "HexaGAN" not in means else _argbest(means, False) == "HexaGAN"

    c.add("C.6 / appendix Table 4", "HexaGAN has the highest mean F1 over the 40 CelebA attributes", celeba_mean)
    return pd.DataFrame(c.rows)
