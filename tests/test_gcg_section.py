"""The report's G_CG diagnosis on credit: rendered from bench/gcg_credit.py's tidy CSV, only where it belongs."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hexagan.suite.config import load_config
from hexagan.suite.constants import GCG_DIAGNOSIS_PATH
from hexagan.suite.gcg import MEASURES, gcg_section
from hexagan.suite.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def _diagnosis(path, values: dict[str, dict[int, float]] | None = None, folds=(0, 1)) -> str:
    """A tidy diagnosis: every measure 0.25 for hexagan and 0.5 for hexagan_no_gcg unless ``values`` says
    ``{measure: {fold: value}}`` (hexagan's), the G_CG measures for hexagan only, as the bench writes them."""
    gcg_only = {"synthetic_share_of_minority", "synthetic_share_of_batch", "auc_h_minority_logreg",
                "auc_h_minority_gbm", "auc_x_minority_logreg", "auc_x_minority_gbm", "c_on_generated_minority"}
    rows = [dict(label=label, repeat=0, fold=f, measure=m,
                 value=(values or {}).get(m, {}).get(f, base) if label == "hexagan" else base,
                 git_commit="abc123", n_splits=len(folds), torch="x", numpy="y", steps=2000, wall_seconds=1.0)
            for label, base in (("hexagan", 0.25), ("hexagan_no_gcg", 0.5)) for f in folds for m in MEASURES
            if label == "hexagan" or m not in gcg_only]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_every_number_comes_from_the_file(tmp_path):
    path = _diagnosis(tmp_path / "d.csv", {"synthetic_share_of_minority": {0: 0.7, 1: 0.72},
                                           "auc_h_minority_logreg": {0: 0.99, 1: 1.0},
                                           "test_f1_val_threshold": {0: 0.45, 1: 0.55}})
    text = "\n".join(gcg_section(path, "../docs"))
    assert "(2 splits, `bench/gcg_credit.py`)" in text and "folds 0, 1" in text and "2000 iterations" in text
    assert "commit abc123" in text and "[docs/credit.md](../docs/credit.md#" in text
    assert "| G_CG's share of the minority rows in C's batches" in text and "71.0 %" in text
    assert "is 0.250–0.995 (h_c" in text  # logistic 0.995, boosting 0.25: a span
    assert "0.500 and 0.500 at a threshold chosen on validation" in text  # the mean of 0.45 and 0.55
    assert "by +0.000 at the validation threshold, where it is lower on 1 of the 2 splits" in text
    assert "by -0.250 at the argmax" in text
    other = "\n".join(gcg_section(_diagnosis(tmp_path / "e.csv", {"test_f1_argmax": {0: 0.1, 1: 0.1}}), "../docs"))
    assert "0.100 and 0.500 at C's argmax" in other and "by -0.400 at the argmax" in other


@pytest.mark.parametrize("case", ["one_split", "nan", "empty"])
def test_a_degenerate_file_renders(tmp_path, case):
    path = tmp_path / "d.csv"
    if case == "one_split":
        _diagnosis(path, folds=(0,))
    elif case == "nan":
        _diagnosis(path, {"test_f1_argmax": {0: np.nan, 1: np.nan}, "c_on_generated_minority": {0: np.nan, 1: 0.9}})
    else:
        pd.DataFrame(columns=["label", "repeat", "fold", "measure", "value"]).to_csv(path, index=False)
    text = "\n".join(gcg_section(str(path), "../docs"))
    assert "### Why G_CG lowers credit's F1" in text and "nan" not in text.lower()
    if case == "one_split":
        assert "(1 split, " in text and "lower on 1 of the 1 split measured" in text
    if case == "nan":
        assert "– and 0.500 at C's argmax" in text and "by – at the argmax" in text
        assert "minority probability of 0.900" in text  # the mean over the splits that have a number


def test_a_file_that_is_no_diagnosis_is_refused_by_name(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"label": ["hexagan"], "value": [1.0]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"d\.csv.*no column repeat, fold, measure"):
        gcg_section(str(path), "../docs")


@pytest.mark.parametrize("datasets, shown", [(["credit"], True), (["breast"], False)])
def test_the_report_reads_the_file_only_when_it_is_there_and_credit_table2_runs(tmp_path, datasets, shown):
    plan = Plan(load_config(overrides={"output_dir": str(tmp_path), "run_experiments": ["table2"],
                                       "run_datasets": datasets}), check_data=False)
    assert plan.report_inputs()["diagnoses"] == [] and "docs" not in plan.report_spec()
    path = _diagnosis(tmp_path / GCG_DIAGNOSIS_PATH)
    assert plan.report_inputs()["diagnoses"] == ([path] if shown else [])
    if shown:
        assert os.path.isfile(os.path.join(tmp_path, "results", plan.report_spec()["docs"], "credit.md"))


def test_the_bench_writes_one_row_per_label_split_and_measure():
    from gcg_credit import tidy

    rows = [dict(label="hexagan", repeat=0, fold=0, test_f1_argmax=0.3, c_on_generated_minority=0.9),
            dict(label="hexagan_no_gcg", repeat=0, fold=0, test_f1_argmax=0.4)]
    frame = tidy(rows, dict(git_commit="abc", n_splits=1),
                 {"hexagan": dict(steps=20), "hexagan_no_gcg": dict(steps=30)})
    assert list(frame.columns) == ["label", "repeat", "fold", "measure", "value", "git_commit", "n_splits", "steps"]
    assert frame[["label", "measure", "value", "steps"]].values.tolist() == [
        ["hexagan", "test_f1_argmax", 0.3, 20], ["hexagan", "c_on_generated_minority", 0.9, 20],
        ["hexagan_no_gcg", "test_f1_argmax", 0.4, 30]]
