"""The report's "Why G_CG lowers credit's F1": the diagnosis of ``bench/gcg_credit.py --out`` (a tidy CSV, one row
per label, split and measure), as a table of means over its splits and a few sentences, every number read from
the file."""
from __future__ import annotations

import numpy as np
import pandas as pd

from hexagan.suite.constants import GCG_DIAGNOSIS_PATH

#: The two models compared, as the table's columns: label -> Table 2's row name.
MODELS = {"hexagan": "HexaGAN", "hexagan_no_gcg": "HexaGAN w/o GCG"}
COLUMNS = ("label", "repeat", "fold", "measure", "value")

#: The measures shown, in order: measure -> (its row in the table, how it is printed).
SHARE, PROBABILITY, AUROC = "{:.1f} %", "{:.3f}", "{:.4f}"  # a share is printed in per cent
MEASURES = {
    "synthetic_share_of_minority": ("G_CG's share of the minority rows in C's batches", SHARE),
    "synthetic_share_of_batch": ("G_CG's share of all C's supervised rows", SHARE),
    "auc_h_minority_logreg": ("two-sample AUC, G_CG's h_c vs E's h_l, minority (logistic)", PROBABILITY),
    "auc_h_minority_gbm": ("two-sample AUC, G_CG's h_c vs E's h_l, minority (boosting)", PROBABILITY),
    "auc_x_minority_logreg": ("two-sample AUC, x̂_c = G_MI(h_c) vs real x̂, minority (logistic)", PROBABILITY),
    "auc_x_minority_gbm": ("two-sample AUC, x̂_c = G_MI(h_c) vs real x̂, minority (boosting)", PROBABILITY),
    "auc_x_real_minority_vs_majority_logreg": ("two-sample AUC, real minority vs majority x̂ (logistic)", PROBABILITY),
    "auc_x_real_minority_vs_majority_gbm": ("two-sample AUC, real minority vs majority x̂ (boosting)", PROBABILITY),
    "c_on_generated_minority": ("C's minority probability on G_CG's minority rows", PROBABILITY),
    "c_on_real_minority": ("C's minority probability on real minority rows", PROBABILITY),
    "c_on_real_majority": ("C's minority probability on real majority rows", PROBABILITY),
    "predicted_positive": ("test rows C calls positive (argmax)", SHARE),
    "positive_share": ("test rows that are positive", SHARE),
    "test_f1_argmax": ("test F1 at C's argmax (as published)", PROBABILITY),
    "test_f1_val_threshold": ("test F1 at a threshold chosen on validation", PROBABILITY),
    "test_f1_oracle": ("test F1 at the best test threshold (oracle bound)", PROBABILITY),
    "test_auroc": ("test AUROC", AUROC),
}
#: Anchor of docs/credit.md's section with the discussion (GitHub's slug of its title).
DOCS_SECTION = "credit.md#why-g_cg-lowers-credits-f1"


def read_diagnosis(path: str) -> pd.DataFrame:
    """The per-split measurements of ``bench/gcg_credit.py --out``."""
    frame = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in frame]
    if missing:
        raise ValueError(f"{path}: not a G_CG diagnosis of bench/gcg_credit.py --out (no column {', '.join(missing)})")
    return frame


def _fmt(value: float, style: str = PROBABILITY) -> str:
    return "–" if pd.isna(value) else style.format(100 * value if style == SHARE else value)


def _splits(n: int) -> str:
    return f"{n} split{'' if n == 1 else 's'}"


def _span(values, style: str = PROBABILITY) -> str:
    """``values`` as one number when they print alike, else as "low–high"; "–" when none is a number."""
    shown = sorted({_fmt(v, style) for v in values if not pd.isna(v)})
    if not shown:
        return "–"
    return shown[0] if len(shown) == 1 else f"{_fmt(np.nanmin(values), style)}–{_fmt(np.nanmax(values), style)}"


def gcg_section(path: str, docs: str) -> list[str]:
    """The section's lines: where the numbers come from, the table of means over the splits, what they show."""
    frame = read_diagnosis(path)
    means = frame.groupby(["measure", "label"])["value"].mean().unstack("label")
    means = means.reindex(index=list(MEASURES), columns=list(MODELS))
    table = pd.DataFrame({name: [_fmt(means.at[m, label], MEASURES[m][1]) for m in MEASURES]
                          for label, name in MODELS.items()}, index=[row for row, _ in MEASURES.values()])
    splits = frame[["repeat", "fold"]].drop_duplicates()
    provenance = {c: ", ".join(sorted({str(v) for v in frame[c].dropna()})) or "–"
                  for c in ("git_commit", "steps", "torch") if c in frame}
    n_splits = _splits(len(splits))
    title = f"### Why G_CG lowers credit's F1 ({n_splits}, `bench/gcg_credit.py`)"
    source = (f"`hexagan` and `hexagan_no_gcg` trained again on {n_splits} of credit's Table 2 (MCAR 20 %, "
              f"repeat {', '.join(map(str, sorted(splits['repeat'].unique())))}, folds "
              f"{', '.join(map(str, sorted(splits['fold'].unique())))}: the workflow's masks and splits, "
              f"{provenance.get('steps', '–')} iterations) and measured by `bench/gcg_credit.py` at commit "
              f"{provenance.get('git_commit', '–')} (torch {provenance.get('torch', '–')}); means over the splits "
              f"(`{GCG_DIAGNOSIS_PATH}`).  Two-sample AUC: held-out AUC of a classifier told to separate "
              f"the two sets of rows (0.5 = indistinguishable).  Discussion: [docs/credit.md]({docs}/{DOCS_SECTION}).")
    g, n = means["hexagan"], means["hexagan_no_gcg"]
    sentences = [
        f"With G_CG, {_fmt(g['synthetic_share_of_minority'], SHARE)} of the minority rows C is trained on "
        f"({_fmt(g['synthetic_share_of_batch'], SHARE)} of all its supervised rows) are G_CG's.  The two-sample AUC "
        f"between them and real minority rows is {_span(g[['auc_h_minority_logreg', 'auc_h_minority_gbm']])} (h_c "
        f"against h_l) and {_span(g[['auc_x_minority_logreg', 'auc_x_minority_gbm']])} (x̂_c against x̂, what C "
        f"sees); between the real minority and majority rows, which C must tell apart, "
        f"{_span(g[['auc_x_real_minority_vs_majority_logreg', 'auc_x_real_minority_vs_majority_gbm']])}.",
        f"C gives G_CG's minority rows a minority probability of {_fmt(g['c_on_generated_minority'])}, real minority "
        f"rows {_fmt(g['c_on_real_minority'])} and real majority rows {_fmt(g['c_on_real_majority'])} "
        f"({_fmt(n['c_on_real_minority'])} and {_fmt(n['c_on_real_majority'])} without G_CG).",
        f"Test F1 with and without G_CG: {_fmt(g['test_f1_argmax'])} and {_fmt(n['test_f1_argmax'])} at C's argmax, "
        f"{_fmt(g['test_f1_val_threshold'])} and {_fmt(n['test_f1_val_threshold'])} at a threshold chosen on "
        f"validation, {_fmt(g['test_f1_oracle'])} and {_fmt(n['test_f1_oracle'])} at the best test threshold (a "
        f"bound, not a result); AUROC {_fmt(g['test_auroc'], AUROC)} and {_fmt(n['test_auroc'], AUROC)}.  "
        + _threshold_sentence(frame, g, n),
    ]
    return [title, "", source, "", table.to_markdown(tablefmt="pipe", colalign=["left", "right", "right"]), "",
            "  ".join(sentences), ""]


def _threshold_sentence(frame: pd.DataFrame, g: pd.Series, n: pd.Series) -> str:
    """What G_CG changes in F1 at the argmax and at the validation threshold, and on how many splits."""
    val = frame[frame.measure == "test_f1_val_threshold"].pivot_table(index=["repeat", "fold"], columns="label",
                                                                       values="value", dropna=False)
    paired = val.reindex(columns=list(MODELS)).dropna()
    lower = int((paired["hexagan"] < paired["hexagan_no_gcg"]).sum())
    delta = {m: g[m] - n[m] for m in ("test_f1_argmax", "test_f1_val_threshold")}
    signed = {m: "–" if pd.isna(d) else f"{d:+.3f}" for m, d in delta.items()}
    return (f"G_CG changes F1 by {signed['test_f1_argmax']} at the argmax and by {signed['test_f1_val_threshold']} "
            f"at the validation threshold, where it is lower on {lower} of the {_splits(len(paired))} measured with "
            "both models.")
