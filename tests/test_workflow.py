"""The Snakemake workflow: config validation, the job grid, and an end-to-end run of a small slice."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hexagan.suite import job as suite_job
from hexagan.suite.aggregate import history_frame, read_extras
from hexagan.suite.config import ConfigError, canonical_json, load_config, merge, unavailable_methods
from hexagan.suite.data import subsample, subsample_features
from hexagan.suite.job import run_job, run_job_to_files
from hexagan.suite.plan import Plan
from hexagan.suite.report import _not_run

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "workflow" / "Snakefile"
DATA = Path(os.environ.get("HEXAGAN_DATA") or ROOT.parent / "shared" / "data")
needs_files = pytest.mark.skipif(not DATA.is_dir(), reason=f"dataset files not found in {DATA}")


def snakemake(*args, cwd: Path, check: bool = True, snakefile: Path = SNAKEFILE) -> subprocess.CompletedProcess:
    """Run the workflow's Snakefile with the given arguments in working directory ``cwd``."""
    env = {**os.environ, "HEXAGAN_DATA": str(DATA)}
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--directory", str(cwd), *args]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake run or dry-run: rule -> number of jobs."""
    block = output.split("Job stats:")[-1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", block, re.MULTILINE)}


@pytest.fixture(scope="module")
def full_config():
    return load_config()


def validated(config: dict) -> dict:
    """``config`` with the schema's defaults filled in, as the workflow's validate leaves it."""
    from snakemake.utils import validate

    from hexagan.suite.config import SCHEMA

    validate(config, str(SCHEMA))
    return config


@pytest.fixture(scope="module")
def full_plan(full_config):
    return Plan(full_config, check_data=False)


# -- configuration --------------------------------------------------------------------------------


def test_configs_validate(full_plan):
    quick = Plan(load_config(ROOT / "config" / "quick.yaml"), check_data=False)
    assert quick.out == "quick" and full_plan.out == "."
    assert set(quick.jobs) == set(full_plan.jobs)  # the same DAG, other budgets
    assert quick.protocol["repeats"] == [0] and quick.protocol["folds"] == [0, 1]
    published = Plan(load_config(ROOT / "config" / "published.yaml"), check_data=False)
    assert set(published.jobs) <= set(full_plan.jobs)  # a part of the full grid, at its budget


def test_every_registry_method_is_in_the_catalogue(full_config):
    from hexagan import methods

    # The suite's own methods (not a plugin's: tests/fake_method.py, examples/my_methods.py).
    registered = {name for name in methods.available()
                  if methods.get(name).__module__.split(".")[0] in ("hexagan", "baselines")}
    assert registered <= {v["method"] for v in full_config["methods"].values() if "method" in v}


def test_typo_in_a_method_name_is_a_clear_error(full_config):
    config = merge(full_config, {"methods": {"gain": {"method": "gian"}}})
    with pytest.raises(ConfigError, match=r"methods\.gain\.method: unknown method 'gian'; did you mean 'gain'\?"):
        Plan(config, check_data=False)


def test_typo_in_a_label_is_a_clear_error(full_config):
    config = merge(full_config, {"experiments": {"table3": {"methods": ["hexagan", "mice+cs+triplgan"]}}})
    with pytest.raises(ConfigError, match=r"experiments\.table3\.methods: unknown method label 'mice\+cs\+triplgan'; "
                                            r"did you mean 'mice\+cs\+triplegan'\?"):
        Plan(config, check_data=False)


def test_schema_rejects_an_unknown_key():
    with pytest.raises(Exception, match="protocl"):
        load_config(overrides={"protocl": {"n_folds": 3}})


def test_extends_and_dataset_params(full_plan):
    mlp = full_plan.variants["mlp"]
    assert mlp.method == "hexagan"
    assert mlp.params["alpha3"] == 0.01 and mlp.params["use_g_cg"] is False
    conv = full_plan.variants["hexagan_imputer_conv"]
    assert conv.params == {**full_plan.variants["hexagan_imputer"].params, "architecture": "conv"}
    assert conv.method == "hexagan_imputer" and conv.display == "HexaGAN (conv)"


# -- the job grid ---------------------------------------------------------------------------------


def test_shared_jobs_run_once(full_plan):
    fig6 = {(c.dataset, c.rate, c.row): c.job for c in full_plan.experiments["figure6"].cells}
    table2 = {(c.dataset, c.rate, c.label): c.job for c in full_plan.experiments["table2"].cells}
    assert fig6[("credit", "0.2", "HexaGAN")] == table2[("credit", "0.2", "hexagan")] == "hexagan"
    sens = {(c.param, c.setting): c.job for c in full_plan.experiments["appendix_table3"].cells}
    assert sens[("alpha1", 10)] == "hexagan_imputer" and sens[("alpha3", 0.01)] == "hexagan"
    assert sens[("alpha1", 0)] == "hexagan_imputer__alpha1-0"
    labels = [job.label for job in full_plan.jobs.values()]
    assert "hexagan_imputer__alpha1-10" not in labels
    assert len(full_plan.jobs) == len({(j.dataset, j.mechanism, j.rate, j.method, canonical_json(j.params),
                                         j.protocol) for j in full_plan.jobs.values()})


def test_protocol_overlays_run_audit_jobs_apart(full_config, full_plan):
    audit = {c.label: c.job for c in full_plan.experiments["table2_audit_global"].cells if c.dataset == "wine"}
    assert audit["hexagan"] == "hexagan@global_monitor"
    job = full_plan.job("wine", "mcar", "0.2", "hexagan@global_monitor")
    honest = full_plan.job("wine", "mcar", "0.2", "hexagan")
    assert job.params == honest.params and job.protocol == "global_monitor" and honest.protocol is None
    spec, honest_spec = full_plan.job_spec(job)["protocol"], full_plan.job_spec(honest)["protocol"]
    assert spec == {**honest_spec, **full_config["protocols"]["global_monitor"], "name": "global_monitor"}
    assert "name" not in honest_spec and "monitor_every" not in honest_spec  # published jobs' specs unchanged
    wrong = merge(full_config, {"experiments": {"table1_audit": {"protocol": "authros"}}})
    with pytest.raises(ConfigError, match="unknown protocol 'authros'.*authors"):
        Plan(wrong, check_data=False)


def test_a_one_split_overlay_trains_and_reads_one_split(full_plan):
    """Figures 3-5 draw one run: their job trains the first split only, and needs only its repeat's mask."""
    figure = full_plan.job("mnist", "mcar", "0.5", "hexagan_mnist_1epoch@one_run")
    table = full_plan.job("mnist", "mcar", "0.5", "hexagan_imputer")
    assert full_plan.n_splits(figure) == 1 and full_plan.n_splits(table) == 50
    assert full_plan.mask_paths(figure) == ["results/masks/mnist/mcar_0.5/repeat0.npz"]
    assert len(full_plan.mask_paths(table)) == 10
    spec = full_plan.job_spec(figure)
    assert (spec["protocol"]["repeats"], spec["protocol"]["folds"]) == ([0], [0])
    assert spec["params"]["max_steps"] == 788 and spec["params"]["snapshot_steps"] == [8, 79, 788]
    # The one-epoch figures say so in their captions; the paper's budget keeps its own experiments.
    for n in (3, 4, 5):
        assert full_plan.experiments[f"figure{n}_1epoch"].spec["caption"].startswith("BUDGET REDUCED 100x")
        assert full_plan.experiments[f"figure{n}"].cells[0].job == "hexagan_mnist@one_run"


def test_changing_one_variant_changes_only_its_jobs(full_config, full_plan):
    changed = Plan(merge(full_config, {"methods": {"gain": {"params": {"hint_rate": 0.8}}}}), check_data=False)
    before = {k: canonical_json(full_plan.job_spec(j)) for k, j in full_plan.jobs.items()}
    after = {k: canonical_json(changed.job_spec(j)) for k, j in changed.jobs.items()}
    assert before.keys() == after.keys()
    differ = {k[3] for k in before if before[k] != after[k]}
    assert differ == {"gain", "gain@authors"}  # its audit job (Table 1 under the authors' protocol) too


def test_resources(full_config, full_plan):
    job = full_plan.job("mnist", "mcar", "0.5", "hexagan_mnist@one_run")
    assert full_plan.resources(job)["gpu"] == 0  # local default: CPU
    gpu = Plan(merge(full_config, {"request_gpus": True}), check_data=False)
    assert gpu.resources(job)["gpu"] == 1
    assert gpu.resources(gpu.job("breast", "mcar", "0.2", "knn"))["gpu"] == 0
    assert full_plan.resources(job)["mem_mb"] == full_config["resources"]["datasets"]["mnist"]["mem_mb"]


def test_resources_by_method_override_the_dataset(full_config):
    layers = {"default": {"mem_mb": 1000, "runtime": 10}, "datasets": {"madelon": {"runtime": 20}},
              "methods": {"mice": {"runtime": 30}, "knn": {"mem_mb": 2000}},
              "methods_by_dataset": {"madelon": {"hexagan_imputer": {"runtime": 40}}}}
    config = merge(full_config, {})
    config["resources"] = layers  # replaced, not merged into the config's own layers
    plan = Plan(config, check_data=False)

    def of(dataset, label):
        res = plan.resources(plan.job(dataset, "mcar", "0.2", label))
        return res["mem_mb"], res["runtime"]

    assert of("breast", "zeros") == (1000, 10)
    assert of("madelon", "zeros") == (1000, 20)
    assert of("madelon", "mice") == (1000, 30)        # the method's layer wins over the dataset's
    assert of("madelon", "knn") == (2000, 20)         # layers merge key by key
    assert of("madelon", "hexagan_imputer") == (1000, 40)
    assert of("breast", "hexagan_imputer") == (1000, 10)


@pytest.mark.parametrize("setting, message", [
    ({"gpu_methods": ["hexagn"]}, r"gpu_methods: unknown method 'hexagn'; did you mean 'hexagan'\?"),
    ({"method_overrides": {"gian": {"max_steps": 5}}}, r"method_overrides: unknown method 'gian'; did you mean 'gain'"),
    ({"method_overrides_by_dataset": {"mnist": {"mcie": {}}}}, r"method_overrides_by_dataset\.mnist: unknown method 'mcie'"),
    ({"resources": {"methods": {"missforrest": {"runtime": 5}}}}, r"resources\.methods: unknown method 'missforrest'"),
    ({"resources": {"methods_by_dataset": {"madleon": {"mice": {}}}}},
     r"resources\.methods_by_dataset: unknown dataset 'madleon'; did you mean 'madelon'"),
    ({"resources": {"datasets": {"credt": {"runtime": 5}}}}, r"resources\.datasets: unknown dataset 'credt'"),
    ({"subsample": {"mnsit": 100}}, r"subsample: unknown dataset 'mnsit'; did you mean 'mnist'"),
    ({"experiments": {"table1": {"rate_by_dataset": {"mnsit": 0.5}}}},
     r"experiments\.table1\.rate_by_dataset: unknown dataset 'mnsit'; did you mean 'mnist'"),
])
def test_a_typo_in_a_settings_key_is_a_clear_error(full_config, setting, message):
    with pytest.raises(ConfigError, match=message):
        Plan(merge(full_config, setting), check_data=False)


@pytest.mark.parametrize("setting, message", [
    ({"method_overrides": {"hexagan": {"max_step": 5}}},
     r"method_overrides\.hexagan: method 'hexagan' has no parameter 'max_step'; did you mean 'max_steps'\?"),
    ({"method_overrides_by_dataset": {"mnist": {"mice": {"num_iteration": 1}}}},
     r"method_overrides_by_dataset\.mnist\.mice: method 'mice' has no parameter 'num_iteration'; "
     r"did you mean 'num_iterations' or 'iterations'\?"),
    ({"methods": {"hexagan_imputer": {"params": {"lamda1": 10}}}},
     r"methods\.hexagan_imputer\.params: method 'hexagan_imputer' has no parameter 'lamda1'; did you mean 'lambda1'"),
    ({"methods": {"mice": {"dataset_params": {"madelon": {"max_predictor": 25}}}}},
     r"methods\.mice\.dataset_params\.madelon: method 'mice' has no parameter 'max_predictor'"),
    ({"methods": {"gain+cs+triplegan": {"params": {"classifier__max_step": 5}}}},
     r"no parameter 'classifier__max_step'; did you mean 'classifier__max_steps'"),
    ({"experiments": {"appendix_table3": {"sweeps": [{"param": "alpha_1", "base": "hexagan_imputer", "values": [0],
                                                      "metric": "rmse_rowmean"}]}}},
     r"experiments\.appendix_table3\.sweeps\[0\]\.param: method 'hexagan_imputer' has no parameter 'alpha_1'"),
])
def test_a_typo_in_a_method_parameter_fails_the_plan(full_config, setting, message):
    """Caught when the plan is built (snakemake -n), not when the job starts."""
    with pytest.raises(ConfigError, match=message):
        Plan(merge(full_config, setting), check_data=False)


def test_run_datasets_narrows_every_experiment(full_config):
    plan = Plan(merge(full_config, {"run_datasets": ["breast", "wine"]}), check_data=False)
    assert {job.dataset for job in plan.jobs.values()} == {"breast", "wine"}
    assert {c.dataset for c in plan.experiments["table1"].cells} == {"breast", "wine"}  # despite mnist's rate
    assert not plan.experiments["figure6"].enabled  # credit only
    assert plan.experiments["figure6"].skipped_because == "none of its datasets in run_datasets"
    with pytest.raises(ConfigError, match=r"run_datasets: unknown dataset 'wnie'; did you mean 'wine'\?"):
        Plan(merge(full_config, {"run_datasets": ["wnie"]}), check_data=False)


def test_an_experiments_own_run_datasets_replaces_the_runs(full_config):
    """config/published.yaml runs breast, wine and credit, and MNIST for the one-epoch figures alone: table1's
    MNIST column stays out, and the report still says so."""
    plan = Plan(load_config(overrides={"run_datasets": ["breast", "wine"],  # validated against the schema
                                       "experiments": {"figure3_1epoch": {"run_datasets": ["mnist"]}}}),
                check_data=False)
    assert {job.dataset for job in plan.jobs.values()} == {"breast", "wine", "mnist"}
    assert {job.label for job in plan.jobs.values() if job.dataset == "mnist"} == {"hexagan_mnist_1epoch@one_run"}
    assert plan.experiments["figure3_1epoch"].enabled and not plan.experiments["figure4_1epoch"].enabled
    assert plan.report_spec()["experiments"]["table1"]["datasets_not_run"] == ["credit", "madelon", "mnist"]
    with pytest.raises(ConfigError, match=r"experiments.figure3.run_datasets: unknown dataset 'mnsit'"):
        Plan(merge(full_config, {"experiments": {"figure3": {"run_datasets": ["mnsit"]}}}), check_data=False)


def test_an_overlay_narrows_one_experiment_despite_its_rate_overrides(full_config):
    """config/published.yaml publishes a dataset's Table 2 before its Table 1: table1 keeps mnist's rate."""
    plan = Plan(merge(full_config, {"experiments": {"table1": {"datasets": ["breast", "wine"]}}}), check_data=False)
    assert {c.dataset for c in plan.experiments["table1"].cells} == {"breast", "wine"}
    assert "credit" in {c.dataset for c in plan.experiments["table2"].cells}


def test_celeba_runs_only_with_its_data(full_config):
    plan = Plan(full_config)  # looks for the files
    assert not plan.experiments["celeba"].enabled
    assert "data absent" in plan.experiments["celeba"].skipped_because
    assert not any(job.dataset.startswith("celeba") for job in plan.jobs.values())


@needs_files
def test_dry_run_lists_the_full_grid(tmp_path, full_config, full_plan):
    result = snakemake("--dry-run", "--quiet", "rules", "--cores", "2", cwd=tmp_path)
    counts = job_counts(result.stdout)
    # CelebA (appendix Table 4) adds 40 attributes x 2 methods where its files are present.
    celeba = [job for job in full_plan.jobs.values() if job.dataset.startswith("celeba.")]
    assert len(celeba) == 80
    # 221 training jobs: Table 1 (35), its MAR and MNAR versions (64), the library (12), HexaGAN with GAIN's
    # fill (4), Table 2 (20), Table 3 (16 beyond Table 2's HexaGAN), the classification floor (16), Figure 6 and
    # appendix Figure 2 (24 beyond the 20 % points), the sensitivity sweeps (12 beyond the defaults), the
    # learning curves (10: the paper's 6 and 4 under Theorem 1's loss), the MNIST conv imputer (1) and the
    # MNIST snapshots (2: one split at 100 epochs and at one); 41 audit jobs (breast and wine: Table 1's
    # HexaGAN 2 + 14 under the authors' protocol, Table 2's 10 + 10; credit: Table 2's 5 at the test-fold
    # step); HexaGAN with early stopping (4, Table 2's datasets).
    assert counts["run"] == len(Plan(full_config).jobs) == len(full_plan.jobs) - len(celeba) == 261
    assert counts["masks"] == 170  # (4 UCI x 3 mechanisms + credit x 4 more rates + MNIST) x 10 repeats
    # Figures: 6 of the paper's, Figures 3-5 again at one epoch, appendix Figure 1 under Theorem 1's loss,
    # and the per-split distributions and the audit's steps drawn from the tables.
    assert counts["table"] == 15 and counts["figure"] == 12 and counts["stats"] == 1 and counts["report"] == 1


@needs_files
def test_root_snakefile_is_the_same_workflow(tmp_path):
    """`snakemake` from the repository's root (the README) reads the root Snakefile: same jobs, same default target."""
    args = ("--dry-run", "--quiet", "rules", "--cores", "2", "--configfile", str(ROOT / "config" / "quick.yaml"))
    from_root = job_counts(snakemake(*args, cwd=tmp_path, snakefile=ROOT / "Snakefile").stdout)
    assert from_root == job_counts(snakemake(*args, cwd=tmp_path).stdout)
    assert from_root["all"] == 1 and from_root["run"] > 0  # the default target is rule all, not the first rule


@needs_files
@pytest.mark.parametrize("typo, message", [
    ({"methods": {"knn": {"method": "kn"}}}, "methods.knn.method: unknown method 'kn'; did you mean 'knn'?"),
    ({"method_overrides": {"gain": {"batchsize": 32}}},
     "method_overrides.gain: method 'gain' has no parameter 'batchsize'; did you mean 'batch_size'?"),
], ids=["method", "parameter"])
def test_typo_reaches_the_command_line(tmp_path, typo, message):
    config = tmp_path / "typo.yaml"
    config.write_text(yaml.safe_dump(typo))
    result = snakemake("--dry-run", "--cores", "1", "--configfile", str(config), cwd=tmp_path, check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


# -- end to end -----------------------------------------------------------------------------------

SMOKE = {
    "output_dir": "out",
    "run_experiments": ["smoke_rmse", "smoke_f1", "stats"],
    "protocol": {"repeats": [0], "folds": [0, 1]},
    "threads": 1,
    "experiments": {
        "smoke_rmse": {"kind": "table", "paper_table": "table1", "metric": "rmse_rowmean", "secondary": ["rmse"],
                       "datasets": ["breast"], "mechanism": "mcar", "rates": [0.2],
                       "methods": {"zeros": "Zeros", "mean": "Column mean"}},
        "smoke_f1": {"kind": "table", "metric": "f1", "datasets": ["breast"], "mechanism": "mcar", "rates": [0.2],
                     "methods": ["mean+logreg"]},
        "stats": {"reference": {"smoke_rmse": "mean"}},
    },
}


@needs_files
def test_end_to_end_slice(tmp_path):
    config = tmp_path / "smoke.yaml"
    config.write_text(yaml.safe_dump(SMOKE))
    out = tmp_path / "out"
    first = snakemake("--cores", "2", "--configfile", str(config), cwd=tmp_path)
    assert job_counts(first.stdout + first.stderr)["run"] == 3

    for ext in ("csv", "md", "tex"):
        assert (out / "results" / "tables" / f"smoke_rmse.{ext}").is_file()
    runs = pd.read_csv(out / "results" / "runs" / "breast" / "mcar_0.2" / "zeros.tsv", sep="\t")
    assert {"config_hash", "git_commit", "torch", "numpy", "sklearn", "seed", "wall_seconds", "device"} <= set(runs)
    assert set(runs["fold"]) == {0, 1} and set(runs["label"]) == {"zeros"}
    assert (out / "results" / "benchmarks" / "breast" / "mcar_0.2" / "zeros.tsv").is_file()
    table = (out / "results" / "tables" / "smoke_rmse.md").read_text()
    assert "**" in table and " ± " in table
    stats = pd.read_csv(out / "results" / "tables" / "stats.csv")
    assert set(stats["competitor"]) == {"Zeros"} and set(stats["correction"]) == {"holm"}
    report = (out / "results" / "report.md").read_text()
    assert "Reduced budget" in report and "| Zeros" in report and "HexaGAN has the lowest RMSE" in report

    again = snakemake("--dry-run", "--cores", "2", "--configfile", str(config), cwd=tmp_path)
    assert "Nothing to be done" in again.stdout + again.stderr

    snakemake("--cores", "1", "--configfile", str(config), "--report", str(tmp_path / "report.html"), cwd=tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "smoke_rmse" in html and "Significance" in html

    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump({"methods": {"mean+logreg": {"params": {"C": 0.5}}}}))
    rerun = snakemake("--dry-run", "--cores", "2", "--configfile", str(config), str(changed), cwd=tmp_path)
    counts = job_counts(rerun.stdout)
    assert counts["run"] == 1 and "masks" not in counts
    assert "mean+logreg.tsv" in rerun.stdout and "zeros.tsv" not in rerun.stdout.split("Job stats:")[0].split("rule run")[0]

    # A fresh clone of published results: no Snakemake metadata, runs older than the workflow's scripts (git
    # writes workflow/ after results/), and masks that git made newer than their runs.  Neither this run nor
    # the next may redo anything (a mask job that reran once made the next run retrain every job).
    shutil.rmtree(tmp_path / ".snakemake" / "metadata")
    old = min(p.stat().st_mtime for p in (SNAKEFILE.parent / "scripts").glob("*.py")) - 3600
    for path in (out / "results" / "runs").rglob("*"):
        os.utime(path, (old, old))
    for mask in (out / "results" / "masks").rglob("*.npz"):
        mask.touch()
    for _ in range(2):
        cloned = snakemake("--cores", "2", "--configfile", str(config), cwd=tmp_path)
        assert "Nothing to be done" in cloned.stdout + cloned.stderr


# -- one job, in process ----------------------------------------------------------------------------


def test_subsample_is_stratified_and_deterministic():
    from hexagan.data import load_dataset

    ds = load_dataset("breast")
    a, b = subsample(ds, 100, seed=0), subsample(ds, 100, seed=0)
    assert len(a.y) == 100 and (a.X == b.X).all()
    assert abs(a.y.mean() - ds.y.mean()) < 0.02
    assert not (subsample(ds, 100, seed=1).X == a.X).all()
    assert subsample_features(ds, 5, seed=0).n_features == 5


def test_a_missing_method_module_fails_clearly(monkeypatch, full_config):
    from hexagan import methods

    monkeypatch.setitem(methods._modules(), "ghost", "baselines.ghost")
    assert unavailable_methods(["ghost", "zeros"]) == {"ghost": "module baselines.ghost not found"}
    plan = Plan(validated(merge(full_config, {"run_experiments": ["g"], "methods": {"ghost": {"method": "ghost"}},
                                        "experiments": {"g": {"kind": "table", "datasets": ["breast"],
                                                              "methods": ["ghost"]}}})), check_data=False)
    spec = plan.job_spec(plan.job("breast", "mcar", "0.2", "ghost"))
    with pytest.raises(methods.MethodError, match="'ghost' is in the registry but its implementation cannot be imported"):
        run_job(spec)


def test_run_job_records_the_commit_it_started_from(full_config, monkeypatch):
    """A commit made while a long job trains is not the code it ran: the rows name the one at its start."""
    from hexagan import protocol

    commits = iter(["started-at", "moved-on"])
    monkeypatch.setattr(suite_job, "git_commit", lambda: next(commits))
    train = protocol.run
    monkeypatch.setattr(protocol, "run", lambda *a, **kw: (suite_job.git_commit(), train(*a, **kw))[1])
    plan = Plan(merge(full_config, {"protocol": {"repeats": [0], "folds": [0]}}), check_data=False)
    results, _ = run_job(plan.job_spec(plan.job("wine", "mcar", "0.2", "zeros")))
    assert set(results["git_commit"]) == {"started-at"}


def test_run_job_records_each_splits_fingerprint_and_effective_parameters(full_config):
    """Every parameter the fitted estimator had (not only the config's overrides) and what the split saw."""
    import json

    from hexagan.protocol.splits import split_seed
    from hexagan.suite.job import split_fingerprints

    plan = Plan(merge(full_config, {"protocol": {"repeats": [0], "folds": [0, 1]},
                                    "methods": {"iterative": {"params": {"max_iter": 2}}}}), check_data=False)
    spec = plan.job_spec(plan.job("wine", "mcar", "0.2", "iterative"))
    results, _ = run_job(spec)
    per_split = results.drop_duplicates(["repeat", "fold"]).set_index(["repeat", "fold"])
    for fold in (0, 1):
        params = json.loads(per_split.loc[(0, fold), "effective_params"])
        assert params == {"max_iter": 2, "tol": 1e-3, "random_state": split_seed(0, fold)}  # tol: a default
    assert per_split["data_fingerprint"].to_dict() == split_fingerprints(spec)  # drawn masks = the saved ones
    assert per_split["data_fingerprint"].nunique() == 2


def test_run_job_keeps_curves_snapshots_and_samples(full_config, monkeypatch, tmp_path):
    """A job that figures need keeps the learning curves, the snapshots and class-conditional samples."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # the plugin module tests/fake_method.py
    config = validated(merge(full_config, {
        "plugins": ["fake_method"],  # registers "fake_hexagan"
        "run_experiments": ["curves", "snaps", "samples"], "protocol": {"repeats": [0], "folds": [0, 1]},
        "methods": {"fake": {"method": "fake_hexagan"}},
        "experiments": {
            "curves": {"kind": "learning_curves", "datasets": ["wine"], "panels": [{"methods": ["fake"]}]},
            "snaps": {"kind": "mnist_tsne", "datasets": ["wine"], "methods": ["fake"]},
            "samples": {"kind": "mnist_samples", "datasets": ["wine"], "methods": ["fake"]},
        }}))
    plan = Plan(merge(config, {"output_dir": str(tmp_path)}), check_data=False)
    assert len(plan.jobs) == 1  # three experiments, one job
    job = plan.job("wine", "mcar", "0.2", "fake")
    assert job.history and job.snapshots and job.samples
    run_job_to_files(plan.job_spec(job), [], plan.run_path(job), plan.extras_path(job))
    results = pd.read_csv(plan.run_path(job), sep="\t")
    extras = read_extras(plan.extras_path(job))
    assert set(results["fold"]) == {0, 1} and (results["label"] == "fake").all()
    curves = history_frame(extras)
    assert set(curves["fold"]) == {0, 1} and set(curves["name"]) == {"val_rmse", "loss"}
    assert extras["snapshot/3/h_l"].shape == (20, 4) and "snapshot/3/y_c" in extras
    assert extras["samples/x"].shape == (2 * 10, 13) and list(extras["samples/y"][:11]) == [0] * 10 + [1]
    assert extras["history/name"].dtype.kind == extras["history/phase"].dtype.kind == "U"  # no pickle needed

    from hexagan.suite.figures import render_figure_files

    for name in ("curves", "snaps"):  # the learning curves and the t-SNE render from these extras
        out = plan.outputs(name)
        data = render_figure_files(plan.experiment_spec(name), **out)
        assert Path(out["png"]).stat().st_size > 0 and Path(out["pdf"]).stat().st_size > 0
        assert len(data) and Path(out["csv"]).is_file()


# -- the published results are never overwritten with less ------------------------------------------


def test_a_run_narrower_than_the_published_one_is_told_what_it_lacks():
    from hexagan.suite.plan import narrowed_message, published_plan

    published = published_plan()
    narrowed = Plan(load_config(ROOT / "config" / "published.yaml", overrides={"run_datasets": ["breast", "wine"]}),
                    check_data=False)
    missing = narrowed.missing_from(published)
    assert "table1 (7 of its cells: credit)" in missing and "figure6 (not run)" in missing
    assert Plan(load_config(ROOT / "config" / "published.yaml"), check_data=False).missing_from(published) == []
    assert published_plan().missing_from(published) == []
    assert Plan(load_config(), check_data=False).missing_from(published) == []  # the full grid covers it all
    message = narrowed_message(missing)
    assert "render_dir=" in message and "make compare" in message


def test_a_label_added_to_the_config_but_never_run_is_not_published(full_config):
    """Adding a method to config/config.yaml's Table 1 (README, "Adding a method") publishes nothing yet."""
    from hexagan.suite.plan import published_plan

    plan = published_plan()
    assert {c.label for c in plan.experiments["table1"].cells} == {
        "zeros", "matrix", "knn", "mice", "autoencoder", "gain", "hexagan_imputer"}
    assert all((ROOT / plan.run_path(job)).is_file() for job in plan.jobs.values())
    added = merge(full_config, {"methods": {"extra": {"method": "mean"}},
                                "experiments": {"table1": {"methods": {"extra": None}}}})
    cells = Plan(added, check_data=False).experiments["table1"].cells
    assert {c.paper_row for c in cells if c.label == "extra"} == {None}  # null: a row the paper does not have


def test_the_workflow_refuses_to_render_less_into_results(tmp_path):
    published = str(ROOT / "config" / "published.yaml")
    refused = snakemake("--dry-run", "--cores", "1", "--configfile", published, "--config",
                        "run_datasets=[breast,wine]", cwd=ROOT, check=False)
    assert refused.returncode != 0
    assert "covers less than config/published.yaml publishes" in refused.stdout + refused.stderr
    elsewhere = snakemake("--dry-run", "--cores", "1", "--configfile", published, "--config",
                          "run_datasets=[breast,wine]", f"render_dir={tmp_path}", cwd=ROOT)
    assert "run" not in job_counts(elsewhere.stdout)  # the published runs are reused
    assert f"output: {tmp_path}/results/report.md" in elsewhere.stdout
    assert "output: results/" not in elsewhere.stdout and "output: figures/" not in elsewhere.stdout


def test_quick_skips_datasets_whose_files_are_absent(tmp_path):
    """missing_data: skip (the quick configuration) leaves out what cannot load and says why; fail keeps it."""
    quick = load_config(ROOT / "config" / "quick.yaml", overrides={"data_dir": str(tmp_path)})
    plan = Plan(quick)
    assert list(plan.missing_data) == ["credit", "madelon", "mnist"]
    assert "load_dataset('credit')" in plan.missing_data["credit"] and str(tmp_path) in plan.missing_data["credit"]
    assert {job.dataset for job in plan.jobs.values()} == {"breast", "wine"}
    assert not plan.experiments["figure6"].enabled and "credit" in plan.experiments["figure6"].skipped_because
    assert plan.report_spec()["missing_data"] == plan.missing_data
    full = Plan(merge(quick, {"missing_data": "fail"}))
    assert not full.missing_data and {job.dataset for job in full.jobs.values()} >= {"credit", "madelon", "mnist"}


def test_the_report_names_what_is_not_run_with_its_cost():
    """An experiment left out, and an experiment's datasets left out by run_datasets, are listed under
    "Not run" with the cost config.yaml states for them; one without a stated cost is listed bare."""
    config = load_config(overrides={"run_experiments": ["table2"], "run_datasets": ["breast"],
                                    "experiments": {"table2": {"cost": "madelon: 397 CPU-hours"}}})
    spec = Plan(config, check_data=False).report_spec()["experiments"]
    assert spec["table2"]["datasets_not_run"] == ["credit", "wine", "madelon"]
    lines = _not_run(spec)
    assert "- `table2` on credit, wine, madelon: not in run_datasets.  Cost: madelon: 397 CPU-hours" in lines
    assert "- `figure6`: not in run_experiments" in lines
    assert any(line.startswith("- `figure3`: not in run_experiments.  Cost: ") for line in lines)
