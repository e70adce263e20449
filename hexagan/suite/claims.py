"""The paper's claims, each checked on the paper's own numbers and on our run.

The claims are data (``hexagan/paper_claims.yaml``: section, wording, kind of check and its rows); this module
is the interpreter of those few kinds of check.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from hexagan import paper as P
from hexagan.suite.comparison import Results

CLAIMS_YAML = Path(P.__file__).with_name("paper_claims.yaml")
#: A learning curve's final value is its mean over this last share of the iterations: one evaluation is noise.
CURVE_TAIL = 0.1
#: Decimals of each learning-curve measure in a claim's detail: a settled curve moves by 1e-4 or less.
DECIMALS = {"final": 4, "roughness": 5}


@lru_cache(maxsize=1)
def paper_claims() -> tuple[dict, ...]:
    """The claims of ``paper_claims.yaml``, in the report's order."""
    import yaml

    claims = tuple(yaml.safe_load(CLAIMS_YAML.read_text()))
    for i, claim in enumerate(claims):
        if claim.get("check") not in CHECKS:
            raise ValueError(f"{CLAIMS_YAML.name}[{i}]: unknown check {claim.get('check')!r}; choose one of {sorted(CHECKS)}")
    return claims


class Undefined(Exception):
    """A check whose number does not exist (a zero denominator, a NaN mean): its verdict is "not defined", and
    the exception's message, the reason, goes to the claim's detail."""


def _verdict(ok: bool | None | Undefined) -> str:
    if isinstance(ok, Undefined):
        return "not defined"
    return {True: "holds", False: "does not hold", None: "not evaluated"}[ok]


def _argbest(values: dict, lower: bool):
    values = {k: v for k, v in values.items() if v is not None and not np.isnan(v)}
    if not values:
        return None
    return (min if lower else max)(values, key=values.get)


def _rows(table: str) -> list[str]:
    """The rows of one of the paper's tables, in the paper's order."""
    return list(dict.fromkeys(P.table(table)["row"]))


class _Claims:
    """Checks one claim on the paper's own numbers and on ours (``source``: "paper" or "ours")."""

    DATASETS = ("breast", "credit", "wine", "madelon")

    def __init__(self, results: Results, only: Sequence[str] | None = None):
        self.results = results
        # A run over some datasets (run_datasets) checks "every dataset" on those, on both sides.
        self.only = None if only is None else set(only)
        self.datasets = self.scope(self.DATASETS)

    def scope(self, datasets: Sequence[str], table: str | None = None) -> tuple[str, ...]:
        """Those of ``datasets`` run, and run for ``table``: a table published for fewer datasets than the
        others (a dataset's column still running) checks its "every dataset" claims on its own datasets."""
        ran = None if table is None else self.results.datasets(table)
        return tuple(d for d in datasets if (self.only is None or d in self.only) and (ran is None or d in ran))

    def value(self, source, table, row, dataset, metric):
        """A mean, None where the row or dataset is absent; Undefined where it is NaN (every split failed, or the
        metric is undefined on every split)."""
        if source == "paper":
            try:
                v = P.value(table, row, dataset)[0]
            except KeyError:
                return None
        else:
            v = self.results.value(table, row, dataset, metric)
        if v is not None and np.isnan(v):
            raise Undefined(f"{row} has no value on {dataset} (NaN)")
        return v

    def values(self, source, table, rows, metric, datasets):
        """{row: {dataset: value}} from the paper or from our run; None where absent."""
        return {r: {d: self.value(source, table, r, d, metric) for d in datasets} for r in rows}

    def by_rate(self, table, metric):
        """Means of one figure's rows by missing rate (index rate, one column per paper row)."""
        frame = self.results.frame(table)
        if frame is None:
            return None
        part = frame[frame["metric"] == metric]
        return part.pivot_table(index="rate", columns="paper_row", values="mean", aggfunc="first")

    # -- the kinds of check: (claim, source, datasets) -> True / False / None ------------------------------
    def extreme_everywhere(self, c, s, datasets):
        if not datasets:
            return None
        rows = _rows(c["table"])
        vals = self.values(s, c["table"], rows, c["metric"], datasets)
        outcome = []
        for d in datasets:
            column = {r: vals[r][d] for r in rows}
            if any(v is None for v in column.values()):
                return None
            outcome.append(_argbest(column, c["extreme"] == "lowest") == c["target"])
        return all(outcome)

    def beats_everywhere(self, c, s, datasets):
        vals = self.values(s, c["table"], [c["winner"], c["loser"]], c["metric"], datasets)
        pairs = [(vals[c["winner"]][d], vals[c["loser"]][d]) for d in datasets]
        if not pairs or any(a is None or b is None for a, b in pairs):
            return None
        return all((a < b) if c["lower"] else (a > b) for a, b in pairs)

    def not_better_somewhere(self, c, s, datasets):
        vals = self.values(s, c["table"], [c["row"], c["than"]], c["metric"], datasets)
        pairs = [(vals[c["row"]][d], vals[c["than"]][d]) for d in datasets]
        if not pairs or any(a is None or b is None for a, b in pairs):
            return None
        n = c["decimals"]
        return any((round(a, n) >= round(b, n)) if c["lower"] else (round(a, n) <= round(b, n)) for a, b in pairs)

    def gain(self, c, s, datasets):
        """The largest relative improvement of ``target`` over the best other row, or over row ``over``.

        None where a value is missing.
        """
        target, lower = c["target"], c["lower"]
        rows = [target, c["over"]] if "over" in c else _rows(c["table"])
        vals = self.values(s, c["table"], rows, c["metric"], datasets)
        gains = []
        for d in datasets:
            others = [vals[r][d] for r in rows if r != target]
            if vals[target][d] is None or any(v is None for v in others):
                return None
            best = min(others) if lower else max(others)
            if best == 0:
                raise Undefined(f"the {'row ' + c['over'] if 'over' in c else 'best other row'} is 0 on {d}, "
                                "so a relative improvement is not defined")
            gains.append((best - vals[target][d]) / best if lower else (vals[target][d] - best) / best)
        return max(gains) if gains else None

    def improvement(self, c, s, datasets):
        g = self.gain(c, s, datasets)
        return None if g is None else g > 0

    def cell_beats(self, c, s, datasets):
        if self.only is not None and c["dataset"] not in self.only:
            return None
        mine = self.value(s, c["winner"]["table"], c["winner"]["row"], c["dataset"], c["metric"])
        others = [self.value(s, o["table"], o["row"], c["dataset"], c["metric"]) for o in c["losers"]]
        if mine is None or any(o is None for o in others):
            return None
        return all((mine < o) if c["lower"] else (mine > o) for o in others)

    def ordered(self, c, s, datasets):
        rows = _rows(c["table"])
        vals = self.values(s, c["table"], rows, c["metric"], datasets)
        if not datasets:
            return None
        for d in datasets:
            column = [vals[r][d] for r in rows]
            if any(v is None for v in column):
                return None
            if any((b > a) if c.get("lower") else (b < a) for a, b in zip(column, column[1:])):
                return False
        return True

    def largest_gain_at(self, c, s, datasets):
        if c["dataset"] not in datasets or len(datasets) < 2:
            return None
        vals = self.values(s, c["table"], [*c["with"], *c["without"]], c["metric"], datasets)
        gain = {}
        for d in datasets:
            with_, without = [vals[r][d] for r in c["with"]], [vals[r][d] for r in c["without"]]
            if any(v is None for v in with_ + without):
                return None
            if np.mean(without) == 0:
                raise Undefined(f"the rows without G_CG average 0 on {d}, so a relative gain is not defined")
            gain[d] = np.mean(with_) / np.mean(without) - 1
        return max(gain, key=gain.get) == c["dataset"]

    def best_at_every_rate(self, c, s, datasets):
        if s == "paper":
            return None  # the paper gives the figure only
        wide, target = self.by_rate(c["table"], c["metric"]), c["target"]
        if wide is None or target not in wide:
            return None
        if "below" in c:
            wide = wide[wide.index < c["below"]]
        others = wide.drop(columns=target)
        if c["lower"]:
            return bool((wide[target] <= others.min(axis=1)).all())
        return bool((wide[target] >= others.max(axis=1)).all())

    def lead(self, c) -> pd.Series | None:
        """``target``'s lead over ``other`` (default: the best other row) at each rate of figure ``table``,
        positive where it is ahead (None when the figure or a row is absent)."""
        wide, target, other = self.by_rate(c["table"], c["metric"]), c["target"], c.get("other")
        if wide is None or not {target, *([other] if other else [])} <= set(wide) or len(wide) < 2:
            return None
        if other:
            return wide[other] - wide[target] if c["lower"] else wide[target] - wide[other]
        others = wide.drop(columns=target)
        return others.min(axis=1) - wide[target] if c["lower"] else wide[target] - others.max(axis=1)

    def gap_grows(self, c, s, datasets):
        """The lead grows from the lowest rate to the highest and is a lead there: a row that trails everywhere
        has no gap in its favour to grow, however its deficit changes."""
        if s == "paper":
            return None
        lead = self.lead(c)
        return None if lead is None else bool(lead.iloc[-1] > lead.iloc[0] and lead.iloc[-1] > 0)

    def lead_detail(self, c) -> str | None:
        lead = self.lead(c)
        if lead is None:
            return None
        over = c.get("other") or "the best other row"
        return (f"ours: {c['target']}'s lead over {over} {lead.iloc[0]:+.4f} at {lead.index[0]:.0%}, "
                f"{lead.iloc[-1]:+.4f} at {lead.index[-1]:.0%} (negative: behind)")

    def curves(self, table: str) -> dict[str, dict[str, float]] | None:
        """Each curve of learning-curve figure ``table`` (its figure's data: the mean over the splits at every
        evaluation): ``final``, its mean over the last :data:`CURVE_TAIL` of the iterations, and ``roughness``,
        its mean absolute change from one evaluation to the next over the second half (0 for a curve that has
        settled, however badly: a collapsed run is steady).  None when the figure was not run."""
        frame = self.results.frame(table)
        if frame is None or "step" not in frame:
            return None
        out = {}
        for row, curve in frame.groupby("row", sort=False):
            curve = curve.drop_duplicates("step").sort_values("step")  # a curve drawn in two panels is one curve
            steps, mean = curve["step"].to_numpy(float), curve["mean"].to_numpy(float)
            second = mean[steps > steps.max() / 2]
            out[row] = {"final": float(mean[steps >= steps.max() * (1 - CURVE_TAIL)].mean()),
                        "roughness": float(np.abs(np.diff(second)).mean()) if len(second) > 1 else np.nan}
        return out

    def curve_beats(self, c, s, datasets):
        if s == "paper":
            return None  # the paper gives the figure only
        curves = self.curves(c["table"])
        if curves is None or not all(r in curves for pair in c["pairs"] for r in pair):
            return None
        return all(curves[w][by] < curves[l][by] for w, l in c["pairs"] for by in c["by"])

    def curve_detail(self, c) -> str | None:
        curves = self.curves(c["table"])
        if curves is None:
            return None
        rows = [r for r in dict.fromkeys(r for pair in c["pairs"] for r in pair) if r in curves]
        names = {"final": f"mean of the last {CURVE_TAIL:.0%} of iterations",
                 "roughness": "mean change between evaluations over the second half"}
        return (f"ours ({'; '.join(names[b] for b in c['by'])}): "
                + ", ".join(f"{r} " + " / ".join(f"{curves[r][b]:.{DECIMALS[b]}f}" for b in c["by"]) for r in rows))

    def best_setting(self, c, s, datasets):
        if s == "paper":
            rows = P.table(c["table"])
            rows = rows[rows["row"] == c["param"]]
        else:
            frame = self.results.frame(c["table"])
            if frame is None:
                return None
            rows = frame[frame["param"] == c["param"]]
        best = _argbest(dict(zip(rows["setting"].astype(float), rows["mean"])), c["lower"])
        return None if best is None else bool(np.isclose(best, c["expected"]))

    def setting_margin(self, c) -> str | None:
        """How far our best setting is ahead of the next, in standard errors of a difference of two means over
        the splits (std x sqrt(2 / n)): under 2, the order of the two is within the splits' noise."""
        frame = self.results.frame(c["table"])
        if frame is None:
            return None
        rows = frame[(frame["param"] == c["param"]) & frame["mean"].notna()].sort_values(
            "mean", ascending=c["lower"])
        if len(rows) < 2:
            return None
        first, second = rows.iloc[0], rows.iloc[1]
        se = float(np.sqrt((first["std"] ** 2 + second["std"] ** 2) / min(first["n"], second["n"])))
        margin = abs(float(first["mean"] - second["mean"]))
        ratio = margin / se if se > 0 else np.inf
        return (f"ours: best at {c['param']} = {float(first['setting']):g} ({first['mean']:.4f}), next "
                f"{float(second['setting']):g} ({second['mean']:.4f}): {ratio:.2f} standard errors apart"
                + (", within the splits' noise" if ratio < 2 else ""))

    def best_mean(self, c, s, datasets):
        if s == "paper":
            means = {r: P.value(c["table"], r, c["paper_column"])[0] for r in c["rows"]}
            return _argbest(means, c["lower"]) == c["target"]
        frame = self.results.frame(c["table"])
        if frame is None:
            return None
        means = frame[frame["metric"] == c["metric"]].groupby("paper_row")["mean"].mean().to_dict()
        return None if c["target"] not in means else _argbest(means, c["lower"]) == c["target"]

    # -- one row of the claims table ------------------------------------------------------------------
    def row(self, claim: dict) -> dict:
        check = getattr(self, CHECKS[claim["check"]])
        datasets = self.scope(claim.get("datasets") or self.DATASETS, claim.get("table"))
        verdicts = {}
        for source in ("paper", "ours"):
            try:
                verdicts[source] = check(claim, source, datasets)
            except Undefined as why:
                verdicts[source] = why
            except (KeyError, TypeError, ValueError):
                verdicts[source] = None
        text = claim["text"]
        if "up_to" in claim:
            text = text.format(up_to=f"{100 * P.value('claims', claim['up_to'], claim['table'])[0]:g} %")
        details = []
        if claim["check"] == "improvement":
            parts = []
            for s in ("paper", "ours"):
                try:
                    g = self.gain(claim, s, datasets)
                except (KeyError, TypeError, ValueError, Undefined):
                    g = None
                parts.append(f"{s}: {'–' if g is None else f'{100 * g:+.1f} %'}")
            over = f"row {claim['over']}" if "over" in claim else "the best other row"
            details.append(f"largest relative improvement over {over}; " + ", ".join(parts))
        explain = {"best_setting": self.setting_margin, "curve_beats": self.curve_detail,
                   "gap_grows": self.lead_detail}.get(claim["check"])
        if explain is not None:
            try:
                line = explain(claim)
            except (KeyError, TypeError, ValueError):
                line = None
            details += [line] if line else []
        details += [f"not defined on {'our run' if s == 'ours' else 'the paper'}'s numbers: {why}"
                    for s, why in verdicts.items() if isinstance(why, Undefined)]
        detail = "; ".join(details)
        return {"section": claim["section"], "claim": text, "paper's numbers": _verdict(verdicts["paper"]),
                "our run": _verdict(verdicts["ours"]), "detail": detail}


#: The kinds of check of paper_claims.yaml -> the method of _Claims that does it.
CHECKS = {name: name for name in ("extreme_everywhere", "beats_everywhere", "not_better_somewhere", "improvement",
                                  "cell_beats", "ordered", "largest_gain_at", "best_at_every_rate", "gap_grows",
                                  "best_setting", "best_mean", "curve_beats")}


def claim_scopes(results: Results, only: Sequence[str] | None = None) -> dict[str, tuple[str, ...]]:
    """The datasets "every dataset" refers to, by paper table (those of the claims that our run covers)."""
    checker = _Claims(results, only)
    tables = dict.fromkeys(c["table"] for c in paper_claims() if "table" in c and results.datasets(c["table"]))
    return {table: checker.scope(checker.DATASETS, table) for table in tables}


def build_claims(results: Results, only: Sequence[str] | None = None) -> pd.DataFrame:
    """The paper's claims; ``only``: the datasets run, to which "every dataset" then refers."""
    checker = _Claims(results, only)
    return pd.DataFrame([checker.row(claim) for claim in paper_claims()])
