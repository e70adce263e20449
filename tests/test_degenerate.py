"""Every renderer is total: claims, tables, figures, statistics and the report render whatever the runs hold.

Each case writes synthetic run files for the quick plan's paper tables and figures (no training) and renders
them all.  The report must name what it could not compute ("not defined", "–"), never fail.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from hexagan.suite.claims import build_claims
from hexagan.suite.comparison import Results
from hexagan.suite.config import load_config
from hexagan.suite.constants import FIGURE_KINDS, GCG_DIAGNOSIS_PATH, TABLE_KINDS
from hexagan.suite.figures import render_figure_files
from hexagan.suite.gcg import MEASURES
from hexagan.suite.plan import Plan
from hexagan.suite.report import write_report
from hexagan.suite.significance import render_stats_files
from hexagan.suite.tables import render_table_files

EXPERIMENTS = ["table1", "table2", "table3", "figure6", "appendix_table3", "stats", "split_distributions",
               "audit_gap", "table2_audit_global", "classification_reference"]
METRICS = {"rmse": 0.1, "rmse_rowmean": 0.1, "rmse_authors": 0.1, "test_best_rmse_authors": 0.1,
           "f1": 0.5, "auroc": 0.7, "auprc": 0.6, "test_best_f1": 0.6}


def _value(case: str, label: str, metric: str, split: int, rng) -> float:
    base = METRICS[metric] * (1 + 0.1 * rng.standard_normal())
    if case == "f1_zero" and metric in ("f1", "test_best_f1"):
        return 0.0
    if case == "rmse_zero" and metric.startswith(("rmse", "test_best_rmse")):
        return 0.0
    if case == "all_failed" and label.startswith("hexagan"):
        return np.nan
    if case == "one_class_in_a_fold" and split == 0 and metric in ("auroc", "auprc", "f1"):
        return np.nan   # one class in the test fold: these metrics are undefined there
    if case == "ties":
        return METRICS[metric]
    return base


def _write_runs(plan: Plan, case: str) -> None:
    rng = np.random.default_rng(0)
    splits = [(0, 0)] if case == "single_split" else [(0, 0), (0, 1), (1, 0)]
    for job in plan.jobs.values():
        rows = [] if case == "empty" else [
            dict(dataset=job.dataset, method=job.method, label=job.label, mechanism=job.mechanism, rate=job.rate,
                 repeat=r, fold=f, metric=m, value=_value(case, job.label, m, i, rng))
            for i, (r, f) in enumerate(splits) for m in METRICS]
        frame = pd.DataFrame(rows, columns=["dataset", "method", "label", "mechanism", "rate", "repeat", "fold",
                                            "metric", "value"])
        frame = frame.assign(git_commit="0" * 40, torch="x", numpy="x", sklearn="x", python="x", device="cpu",
                             subsample="", threads=1, wall_seconds=1.0)
        path = plan.run_path(job)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        frame.to_csv(path, sep="\t", index=False)
        np.savez(plan.extras_path(job))


def _write_diagnosis(plan: Plan, case: str) -> None:
    """bench/gcg_credit.py's tidy CSV, as degenerate as the runs."""
    rng = np.random.default_rng(1)
    splits = [(0, 0)] if case == "single_split" else [(0, 0), (0, 1), (1, 0)]
    rows = [] if case == "empty" else [
        dict(label=label, repeat=r, fold=f, measure=m, value=np.nan if case == "all_failed" else rng.uniform())
        for label in ("hexagan", "hexagan_no_gcg") for r, f in splits for m in MEASURES]
    path = plan.path(GCG_DIAGNOSIS_PATH)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pd.DataFrame(rows, columns=["label", "repeat", "fold", "measure", "value"]).to_csv(path, index=False)


CASES = ["f1_zero", "rmse_zero", "single_split", "all_failed", "one_class_in_a_fold", "ties", "empty"]


@pytest.mark.parametrize("case", CASES)
def test_every_renderer_renders(tmp_path, case):
    config = load_config(overrides={"output_dir": str(tmp_path), "run_experiments": EXPERIMENTS,
                                    "run_datasets": ["breast", "credit"]})
    plan = Plan(config, check_data=False)
    _write_runs(plan, case)
    _write_diagnosis(plan, case)
    for name in plan.enabled():
        spec, out = plan.experiment_spec(name), plan.outputs(name)
        kind = plan.experiments[name].kind
        if kind in TABLE_KINDS:
            render_table_files(spec, **out)
        elif kind in FIGURE_KINDS:
            render_figure_files(spec, **out)
        else:
            render_stats_files(spec, **out)
        for path in out.values():
            assert os.path.isfile(path), (case, name, path)
    inputs = plan.report_inputs()
    report = tmp_path / "report.md"
    text = write_report(plan.report_spec(), summaries=inputs["summaries"], runs=inputs["runs"],
                        stats_csv=next(iter(inputs["stats"]), None), gcg_csv=next(iter(inputs["diagnoses"]), None),
                        path=str(report))
    assert report.is_file() and "## The paper's claims" in text and "Traceback" not in text
    assert "### Why G_CG lowers credit's F1" in text


def test_a_zero_denominator_is_not_defined_with_its_reason():
    frame = pd.DataFrame([dict(paper_row=row, dataset=d, metric="f1", mean=0.0, rate=0.2, mechanism="mcar")
                          for row in ("MICE + CS + TripleGAN", "GAIN + CS + TripleGAN", "MICE + SMOTE + TripleGAN",
                                      "GAIN + SMOTE + TripleGAN", "HexaGAN") for d in ("breast", "wine")])
    spec = {"experiments": {"table3": {"spec": {"paper_table": "table3"}, "kind": "table"}}}
    claims = build_claims(Results(spec, {"table3": frame}), ["breast", "wine"]).set_index("claim")
    row = claims.loc[[c for c in claims.index if c.startswith("HexaGAN improves on the best cascade")][0]]
    assert row["our run"] == "not defined"
    assert "0" in row["detail"] and "not defined" in row["detail"]
    assert row["paper's numbers"] == "holds"


def test_a_nan_value_is_not_defined():
    frame = pd.DataFrame([dict(paper_row=row, dataset=d, metric="f1", mean=np.nan if row == "HexaGAN" else 0.5,
                               rate=0.2, mechanism="mcar")
                          for row in ("MICE + CS + TripleGAN", "GAIN + CS + TripleGAN", "MICE + SMOTE + TripleGAN",
                                      "GAIN + SMOTE + TripleGAN", "HexaGAN") for d in ("breast", "wine")])
    spec = {"experiments": {"table3": {"spec": {"paper_table": "table3"}, "kind": "table"}}}
    claims = build_claims(Results(spec, {"table3": frame}), ["breast", "wine"])
    table3 = claims[claims["section"] == "4.3.2 / Table 3"]
    assert list(table3["our run"]) == ["not defined", "not defined"]
    assert all("HexaGAN has no value on breast (NaN)" in d for d in table3["detail"])
