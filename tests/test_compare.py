"""make compare: new methods beside the paper and the published runs, statistics centred on them, results/ untouched."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from hexagan.suite import compare as C
from hexagan.suite.job import split_fingerprints

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = str(Path(__file__).with_name("fake_method.py"))  # registers fake_median (an imputer), fake_hexagan
QUICK = dict(repeats=[0], folds=[0, 1])  # 2 of the published runs' 50 splits


def tree_digest(*folders: Path) -> dict[str, str]:
    """sha256 of every file under ``folders`` (the published results/ and figures/)."""
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def git_status() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "results", "figures"],
                              capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


@pytest.fixture(scope="module")
def imputer_run(tmp_path_factory):
    """One quick comparison of a tiny imputer on Table 1 (breast, 2 splits), end to end."""
    out = tmp_path_factory.mktemp("compare")
    before, status = tree_digest(ROOT / "results", ROOT / "figures"), git_status()
    report = C.compare(["fake_median"], "table1", ["breast"], plugins=[PLUGIN], out=out, **QUICK)
    assert tree_digest(ROOT / "results", ROOT / "figures") == before, "compare wrote into results/ or figures/"
    assert git_status() == status
    return out, report


def test_the_new_row_stands_beside_the_paper_and_the_published_rows(imputer_run):
    out, report = imputer_run
    table = (out / "tables" / "table1_breast.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    assert rows["fake_median"].split("|")[2].strip() == "new" and "not in the paper" in rows["fake_median"]
    assert "published" in rows["HexaGAN"] and "0.0769" in rows["HexaGAN"]  # the paper's number for its row
    assert len(rows) == 1 + 7 + 1  # the header, the seven published rows of Table 1, the new one
    tidy = pd.read_csv(out / "tables" / "table1_breast.csv")
    assert set(tidy["source"]) == {"paper", "published", "new"}
    assert set(tidy.loc[tidy["source"] == "published", "label"]) >= {"hexagan_imputer", "mice", "zeros"}
    assert (tidy.loc[tidy["source"] != "paper", "n"] == 2).all()  # the same two splits on every row
    tex = (out / "tables" / "table1_breast.tex").read_text()
    assert r"fake\_median & new & not in the paper" in tex
    text = report.read_text()
    assert "fake_median" in text and "**Reduced**: 2 of the published runs' 50 splits" in text
    assert "legacy: recomputed from results/masks/" in text


def test_statistics_are_centred_on_the_new_method(imputer_run):
    out, _ = imputer_run
    stats = pd.read_csv(out / "stats.csv")
    assert set(stats["reference"]) == {"fake_median"} and len(stats) == 7  # against every published row
    assert (stats["n_reference"] == 2).all() and (stats["n_competitor"] == 2).all()  # paired on the same splits
    assert set(stats["correction"]) == {"holm"}
    assert stats["p_holm"].max() <= 1 and (stats["p_holm"] >= stats["p_value"]).all()
    assert {"cohens_d", "supported", "competitor_paper_row"} <= set(stats)
    assert "Holm" in (out / "stats.md").read_text() and (out / "stats.tex").is_file()


def test_a_new_run_records_its_fingerprints_and_effective_parameters(imputer_run):
    out, _ = imputer_run
    run = pd.read_csv(out / "runs" / "breast" / "mcar_0.2" / "fake_median.tsv", sep="\t")
    assert set(zip(run["repeat"], run["fold"])) == {(0, 0), (0, 1)}
    prints = run.drop_duplicates(["repeat", "fold"]).set_index(["repeat", "fold"])["data_fingerprint"]
    assert prints[(0, 0)] != prints[(0, 1)]
    # The same as computed without training, from the published masks and the split recipe (how the published
    # runs, written before run files recorded fingerprints, are checked).
    masks = [str(ROOT / "results" / "masks" / "breast" / "mcar_0.2" / "repeat0.npz")]
    spec = {"dataset": "breast", "seed": 0, "mechanism": "mcar", "rate": 0.2,
            "protocol": {"n_repeats": 10, "n_folds": 5, "val_fraction": 0.1, "label_rate": None, **QUICK}}
    assert split_fingerprints(spec, masks) == prints.to_dict()
    params = json.loads(run["effective_params"].iloc[0])
    assert params == {}  # FakeMedian has no parameters: get_params(deep=True) is all of them
    assert run["git_commit"].notna().all() and run["config_hash"].nunique() == 1


def test_compare_refuses_runs_whose_fingerprints_differ(imputer_run, tmp_path):
    out, _ = imputer_run
    published, plan = C.plan_comparison(["fake_median"], "table1", ["breast"], plugins=[PLUGIN], **QUICK)
    run = out / "runs" / "breast" / "mcar_0.2" / "fake_median.tsv"
    altered = tmp_path / "fake_median.tsv"
    frame = pd.read_csv(run, sep="\t")
    frame.loc[frame["fold"] == 1, "data_fingerprint"] = "0" * 16  # as if fold 1 had other masks or rows
    frame.to_csv(altered, sep="\t", index=False)
    with pytest.raises(C.CompareError, match=r"breast, repeat 0 fold 1: .* refuses to pair them"):
        C.paired_values(published, plan, "table1", ["fake_median"],
                        {("breast", "mcar", "0.2", "fake_median"): altered})


def test_a_classifier_is_compared_on_f1_and_auroc(tmp_path):
    report = C.compare(["fake_hexagan"], "table2", ["wine"], plugins=[PLUGIN], out=tmp_path, repeats=[0], folds=[0])
    table = (tmp_path / "tables" / "table2_wine.md").read_text()
    header = next(line for line in table.splitlines() if line.startswith("| method"))
    assert [c.strip() for c in header.split("|")[3:6]] == ["paper: F1", "F1", "AUROC"]
    assert "0.9814" in table  # the paper's HexaGAN F1 on wine
    stats = pd.read_csv(tmp_path / "stats.csv")
    assert set(stats["metric"]) == {"f1"} and set(stats["competitor"]) == {
        "MLP", "HexaGAN w/o GCG & DMI", "HexaGAN w/o GCG", "HexaGAN w/o DMI", "HexaGAN"}
    assert "fake_hexagan" in report.read_text()


@pytest.mark.parametrize("methods, table, message", [
    (["fake_hexagan"], "table1", r"fake_hexagan is a classifier, and table1 compares imputers; classifiers are "
                                 r"compared in .*table2"),
    (["fake_median"], "table2", r"fake_median is an imputer, and table2 compares classifiers"),
    (["knn"], "table1", r"knn already published in table1"),
    (["fake_mediam"], "table1", r"no method or label 'fake_mediam'; did you mean 'fake_median'\?"),
    (["fake_median"], "tabel1", r"TABLE=tabel1: not a published table experiment; did you mean 'table1'\?"),
])
def test_a_comparison_that_cannot_be_made_is_a_clear_error(methods, table, message):
    with pytest.raises(C.CompareError, match=message):
        C.plan_comparison(methods, table, ["breast"], plugins=[PLUGIN])


def test_a_dataset_not_published_for_the_table_is_refused():
    with pytest.raises(C.CompareError, match=r"DATASETS: madelon not published for table1 \(published: breast"):
        C.plan_comparison(["fake_median"], "table1", ["madelon"], plugins=[PLUGIN])


def test_compare_never_writes_into_results():
    for out in (ROOT, ROOT / "results", ROOT / "results" / "compare", ROOT / "figures"):
        with pytest.raises(C.CompareError, match="writes nowhere in results/ or figures/"):
            C.compare(["fake_median"], "table1", ["breast"], plugins=[PLUGIN], out=out)


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_make_compare_passes_the_documented_form():
    """`make compare PLUGIN=... METHODS=... TABLE=... DATASETS=...` (README) calls the entry point with them."""
    env = {**os.environ, "MAKEFLAGS": ""}
    dry = subprocess.run(["make", "-n", "-C", str(ROOT), "compare", "PLUGIN=my_methods.py", "METHODS=my_trees",
                          "TABLE=table1", "DATASETS=breast,wine"], capture_output=True, text=True, env=env, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert ("-m hexagan.suite.compare --plugin 'my_methods.py' --methods 'my_trees' --table 'table1' "
            "--datasets 'breast,wine'") in dry.stdout
