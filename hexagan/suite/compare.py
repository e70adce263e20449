"""Your methods beside the paper and the published runs: ``make compare`` (``python -m hexagan.suite.compare``).

    make compare PLUGIN=my_methods.py METHODS=my_trees TABLE=table1 DATASETS=breast,wine

trains only the methods named -- registry names (a plugin file's ``@register``) or labels of
``config/config.yaml``'s ``methods:`` -- as new rows of one table experiment of the published configuration
(:func:`hexagan.suite.plan.published_plan`): each one job per dataset, run by :func:`hexagan.suite.job.run_job`
on the published masks (``results/masks/``) and the published runs' splits.  The published runs are only read.
Every split is paired by its fingerprint (:func:`hexagan.protocol.fingerprint`): a new run whose masks or rows
differ from a published run's on a split is refused.  Everything is written under ``compare/``
(``--out``), nothing under ``results/`` or ``figures/``:

- ``runs/<dataset>/<mechanism>_<rate>/<label>.tsv``: the new runs (the workflow's run files, with provenance);
- ``tables/<table>_<dataset>.{md,tex,csv}``: per dataset, the paper's number, the published run and each new
  method, row by row;
- ``stats.{md,tex,csv}``: each new method against every published row of the table (Wilcoxon rank-sum,
  Holm's correction within that method's comparisons, Cohen's d, the paper's criterion: :mod:`hexagan.protocol.stats`);
- ``report.md``: what was compared, the tables, the statistics and the new runs' provenance.

Runs of the published grid written before run files recorded fingerprints (all of ``results/runs/`` so far) are
checked by recomputing theirs from the masks and the split recipe their job names
(:func:`hexagan.suite.job.split_fingerprints`): "legacy" in the report.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from hexagan import methods as registry
from hexagan.io import write_table, write_text
from hexagan.protocol import stats as S
from hexagan.suite.aggregate import collect, read_jobs, summarize
from hexagan.suite.comparison import NOT_IN_PAPER, comparison_frame, paper_column
from hexagan.suite.config import (PUBLISHED_CONFIG, ROOT, ConfigError, canonical_json, import_plugins, load_config,
                                  suggest)
from hexagan.suite.constants import CHECKPOINTS_PATH, lower_is_better
from hexagan.suite.job import run_job_to_files, split_fingerprints
from hexagan.suite.plan import Plan, published_plan
from hexagan.suite.significance import correction_name, stats_display
from hexagan.suite.tables import METRIC_NAMES, format_cell, format_table, tex_escape, to_latex, to_markdown

OUT = "compare"
RUN = "runs/{dataset}/{mechanism}_{rate}/{label}"
TABLE = "tables/{table}_{dataset}.{ext}"


class CompareError(ValueError):
    """The comparison asked for cannot be made; the message says why and what to ask instead."""


def plan_comparison(methods: list[str], table: str, datasets: list[str] | None = None, *,
                    plugins: list[str] = (), repeats: list[int] | None = None,
                    folds: list[int] | None = None) -> tuple[Plan, Plan]:
    """(the published plan, the plan with the new ``methods`` as rows of ``table`` on ``datasets``).

    The second is ``config/published.yaml`` narrowed to ``table`` and ``datasets``, its ``methods:`` and the
    table's method list extended: a new method's jobs get the spec and masks of any other job of the table.
    """
    import_plugins(plugins)
    methods = list(dict.fromkeys(methods))
    published = published_plan()
    tables = published.enabled(("table",))
    if table not in tables:
        raise CompareError(f"TABLE={table}: not a published table experiment{suggest(table, tables)}; "
                           f"published: {', '.join(tables)}")
    exp = published.experiments[table]
    ran = list(dict.fromkeys(c.dataset for c in exp.cells))
    datasets = list(datasets or ran)
    absent = [d for d in datasets if d not in ran]
    if absent:
        raise CompareError(f"DATASETS: {', '.join(absent)} not published for {table} (published: {', '.join(ran)})")
    if not methods:
        raise CompareError("METHODS: name at least one method to compare")
    catalogue = published.config["methods"]
    entries = {}
    for name in methods:
        if name in catalogue:
            continue
        if name not in registry.available():
            raise CompareError(f"METHODS: no method or label {name!r}{suggest(name, [*registry.available(), *catalogue])}: "
                               f"name a method your plugin registers (@register) or a label of config/config.yaml's "
                               f"methods:")
        entries[name] = {"method": name}
    rows = {c.label: c.row for c in exp.cells}
    already = [m for m in methods if m in rows]
    if already:
        raise CompareError(f"METHODS: {', '.join(already)} already published in {table} (its rows: {', '.join(rows)})")
    listed = exp.spec["methods"]
    listed = dict(listed) if isinstance(listed, dict) else dict.fromkeys(listed)
    protocol = {k: v for k, v in (("repeats", repeats), ("folds", folds)) if v is not None}
    config = load_config(PUBLISHED_CONFIG, overrides={
        "plugins": list(plugins), "methods": entries, "run_experiments": [table], "run_datasets": datasets,
        "experiments": {table: {"methods": {**listed, **dict.fromkeys(methods)}}}, "protocol": protocol})
    try:
        plan = Plan(config, check_data=False)
    except ConfigError as err:
        raise CompareError(str(err)) from None
    kind = _kind(published, table)
    for cell in plan.experiments[table].cells:
        if cell.label not in methods:
            continue
        if cell.job in rows:
            raise CompareError(f"METHODS: {cell.label} is the same job as the published {cell.job} (same method and "
                               f"parameters)")
        if cell.row in rows.values():
            raise CompareError(f"METHODS: {cell.label} is shown as {cell.row!r}, the name of a published row of {table}")
        theirs = registry.kind_of(plan.jobs[_key(cell)].method)
        if theirs != kind:
            fitting = [t for t in tables if not published.experiments[t].protocol and _kind(published, t) == theirs]
            raise CompareError(f"METHODS: {cell.label} is a{'n' if theirs == 'imputer' else ''} {theirs}, and {table} "
                               f"compares {kind}s; {theirs}s are compared in {', '.join(fitting) or 'no published table'}")
    return published, plan


def _kind(plan: Plan, table: str) -> str:
    """"imputer" or "classifier": what a table experiment compares (the kind of its first job's method)."""
    return registry.kind_of(plan.jobs[_key(plan.experiments[table].cells[0])].method)


def _key(cell) -> tuple[str, str, str, str]:
    return (cell.dataset, cell.mechanism, cell.rate, cell.job)


def _train(task: dict) -> float:
    """One new job (a process of its own when several run at once): its wall seconds."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(limits=1):  # one thread a job, as the published runs had
        run_job_to_files(task["spec"], task["masks"], task["tsv"], task["extras"], threads=1,
                         checkpoints=task["checkpoints"])
    return time.perf_counter() - start


def train(plan: Plan, table: str, methods: list[str], out: Path, *, cores: int = 1) -> dict[tuple, Path]:
    """Run every new job of ``table`` (``cores`` at a time); (dataset, mechanism, rate, label) -> its run file."""
    tasks, runs = [], {}
    for cell in plan.experiments[table].cells:
        if cell.label not in methods:
            continue
        job = plan.jobs[_key(cell)]
        masks = [ROOT / path for path in plan.mask_paths(job)]
        missing = [str(p.relative_to(ROOT)) for p in masks if not p.is_file()]
        if missing:
            raise CompareError(f"no published masks {', '.join(missing[:2])}: compare trains on the published masks only")
        base = out / RUN.format(**job.wildcards)
        spec = {**plan.job_spec(job), "data_dir": plan.config["data_dir"], "plugins": plan.config["plugins"]}
        tasks.append(dict(spec=spec, masks=[str(p) for p in masks], tsv=str(base.with_suffix(".tsv")),
                          extras=str(base.with_suffix(".extras.npz")), checkpoints=str(out / CHECKPOINTS_PATH),
                          name=f"{job.label} on {job.dataset} ({job.mechanism} {job.rate})"))
        runs[job.key] = base.with_suffix(".tsv")
    workers = max(1, min(int(cores), len(tasks)))
    print(f"compare: {len(tasks)} job(s), {workers} at a time: {'; '.join(t['name'] for t in tasks)}", flush=True)
    if workers == 1:
        seconds = [_train(task) for task in tasks]
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            seconds = list(pool.map(_train, tasks))
    for task, s in zip(tasks, seconds):
        print(f"compare: {task['name']}: {s:.0f} s", flush=True)
    return runs


def paired_values(published: Plan, plan: Plan, table: str, methods: list[str],
                  runs: dict[tuple, Path]) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """(per-split values of the published and new rows, on the new runs' splits only; the experiment's spec with
    those cells; how each run's splits were checked).

    Raises
    ------
    CompareError
        When a published run lacks one of the new runs' splits, or a split's fingerprints differ.
    """
    spec = plan.experiment_spec(table)
    cells = []
    for cell in spec["cells"]:
        key = (cell["dataset"], cell["mechanism"], cell["rate"], cell["job"])
        if cell["label"] in methods:
            cells.append({**cell, "run": str(runs[key]), "source": "new", "method": plan.jobs[key].method})
        elif key in published.jobs:  # a label added to config.yaml but never published is left out
            cells.append({**cell, "run": str(ROOT / published.run_path(published.jobs[key])), "source": "published"})
    spec = {**spec, "cells": cells}
    values = collect(spec)
    values["source"] = values["label"].map({c["label"]: c["source"] for c in cells})
    checks, recomputed, keep = [], {}, pd.Series(False, index=values.index)
    for setting in dict.fromkeys((c["dataset"], c["mechanism"], c["rate"]) for c in cells):
        group = [c for c in cells if (c["dataset"], c["mechanism"], c["rate"]) == setting]
        first = next(c for c in group if c["source"] == "new")
        reference = _recorded(pd.read_csv(first["run"], sep="\t"))
        for cell in group:
            run = pd.read_csv(cell["run"], sep="\t")
            missing = sorted(set(reference) - set(zip(run["repeat"], run["fold"])))
            if missing:
                raise CompareError(f"{setting[0]}: the run {cell['run']} lacks split(s) (repeat, fold) {missing[:3]} of "
                                   f"the new runs")
            if "data_fingerprint" in run:
                prints, how = _recorded(run), "recorded"
            else:
                prints, how = _recomputed(published, cell, recomputed), "legacy: recomputed from results/masks/"
            for split, fingerprint in reference.items():
                if prints.get(split) != fingerprint:
                    raise CompareError(
                        f"{setting[0]}, repeat {split[0]} fold {split[1]}: {cell['label']}'s run ({cell['run']}) saw "
                        f"other masks or rows than {first['label']}'s (fingerprint {prints.get(split)} against "
                        f"{fingerprint}); compare refuses to pair them")
            checks.append({"dataset": setting[0], "label": cell["label"], "source": cell["source"],
                           "splits": len(reference), "fingerprints": how})
        in_setting = ((values["dataset"] == setting[0]) & (values["mechanism"] == setting[1])
                      & (values["rate"] == float(setting[2])))
        keep |= in_setting & pd.Series([s in reference for s in zip(values["repeat"], values["fold"])],
                                       index=values.index)
    return values[keep].reset_index(drop=True), spec, pd.DataFrame(checks)


def _recorded(run: pd.DataFrame) -> dict[tuple[int, int], str]:
    """(repeat, fold) -> the ``data_fingerprint`` a run file records."""
    per_split = run.groupby(["repeat", "fold"])["data_fingerprint"].unique()
    if (per_split.map(len) > 1).any():
        raise CompareError("a run file records two fingerprints for one split")
    return {(int(r), int(f)): values[0] for (r, f), values in per_split.items()}


def _recomputed(published: Plan, cell: dict, cache: dict) -> dict[tuple[int, int], str]:
    """The fingerprints of a published run written before run files recorded them: recomputed from the masks
    in results/masks/ and the splits its job's spec names (cached by what they depend on)."""
    job = published.jobs[(cell["dataset"], cell["mechanism"], cell["rate"], cell["job"])]
    spec = published.job_spec(job)
    key = canonical_json([spec[k] for k in ("dataset", "options", "subsample", "subsample_features", "seed",
                                            "mechanism", "rate")]
                         + [spec["protocol"].get(k) for k in ("n_repeats", "n_folds", "val_fraction", "label_rate")])
    if key not in cache:
        masks = [str(ROOT / path) for path in published.mask_paths(job)]
        cache[key] = split_fingerprints({**spec, "data_dir": published.config["data_dir"]}, masks)
    return cache[key]


# -- rendering ----------------------------------------------------------------------------------------


def _metrics(spec: dict, summary: pd.DataFrame) -> list[str]:
    return [m for m in (spec["metric"], *(spec.get("secondary") or ())) if m in set(summary["metric"])]


def dataset_table(spec: dict, summary: pd.DataFrame, paper: pd.DataFrame, dataset: str,
                  style: str) -> pd.DataFrame:
    """One dataset's rows: each published and new row, its source, the paper's number for it (or "not in the
    paper") and ours on every metric of the table, the best of each of our columns in bold."""
    part = summary[summary["dataset"] == dataset]
    rows = list(dict.fromkeys(c["row"] for c in spec["cells"] if c["dataset"] == dataset))
    cells = {c["row"]: c for c in spec["cells"] if c["dataset"] == dataset}
    metric = spec["metric"]
    out = pd.DataFrame(index=pd.Index(rows, name="method"))
    out["source"] = [cells[r]["source"] for r in rows]
    theirs = paper[paper["column"] == paper_column(dataset)].set_index("row") if len(paper) else pd.DataFrame()
    out[f"paper: {METRIC_NAMES.get(metric, metric)}"] = [_paper_cell(theirs, cells[r].get("paper_row"), style)
                                                          for r in rows]
    for m in _metrics(spec, summary):
        block = part[part["metric"] == m].set_index("row").reindex(rows)
        means, stds = block[["mean"]].rename(columns={"mean": m}), block[["std"]].rename(columns={"std": m})
        out[METRIC_NAMES.get(m, m)] = format_table(means, stds, lower=lower_is_better(m), style=style)[m]
    return out


def _paper_cell(theirs: pd.DataFrame, paper_row: str | None, style: str) -> str:
    if paper_row is None:
        return NOT_IN_PAPER
    if paper_row not in theirs.index:
        return format_cell(None, style=style)  # a row of the paper without a number for this dataset
    return format_cell(theirs.loc[paper_row, "paper"], theirs.loc[paper_row, "paper_std"], style=style)


def comparison_stats(values: pd.DataFrame, spec: dict, methods: list[str], *, alpha: float,
                     correction: str) -> pd.DataFrame:
    """Each new method against every published row, per dataset, on the table's metric:
    :func:`hexagan.protocol.stats.compare` with the new method as the reference, its comparisons (every dataset)
    one family of the correction."""
    metric = spec["metric"]
    main = values[values["metric"] == metric]
    published = list(dict.fromkeys(c["row"] for c in spec["cells"] if c["source"] == "published"))
    paper_rows = {c["row"]: c.get("paper_row") for c in spec["cells"]}
    parts = []
    for label in methods:
        row = next(c["row"] for c in spec["cells"] if c["label"] == label)
        out = S.compare(main[main["row"].isin([*published, row])], row, higher_is_better=not lower_is_better(metric),
                        group="dataset", method="row", alpha=alpha, correction=correction)
        parts.append(out.assign(table=spec["name"], metric=metric,
                                competitor_paper_row=out["competitor"].map(paper_rows)))
    return pd.concat(parts, ignore_index=True)


def _verdicts(stats: pd.DataFrame) -> list[str]:
    """One line per (new method, dataset): how many published rows it beats or trails, by the paper's criterion."""
    lines = []
    for (reference, dataset), part in stats.groupby(["reference", "dataset"], sort=False):
        strong = part["significant"] | part["cohens_d"].abs().ge(0.5)
        worse = part[~part["reference_better"] & strong]["competitor"].tolist()
        lines.append(f"- {reference} on {dataset}: better than {int(part['supported'].sum())} of {len(part)} published "
                     f"rows by the paper's criterion (significant after {correction_name(part['correction'].iloc[0])} or "
                     f"|d| >= 0.5), worse than {len(worse)} by it{(' (' + ', '.join(worse) + ')') if worse else ''}; "
                     f"the others are not told apart.")
    return lines


def _effective_params(run: pd.DataFrame) -> str:
    """The first split's effective parameters, and the names of those that differ between splits."""
    per_split = run.drop_duplicates(["repeat", "fold"])["effective_params"].map(json.loads).tolist()
    first = per_split[0]
    varying = sorted(k for k in first if any(p.get(k) != first[k] for p in per_split[1:]))
    return json.dumps(first, indent=1, sort_keys=True) + (f"\n(differ by split: {', '.join(varying)})" if varying else "")


def render(values: pd.DataFrame, spec: dict, checks: pd.DataFrame, methods: list[str], out: Path, *,
           alpha: float, correction: str, plugins: list[str], runs: dict[tuple, Path]) -> str:
    """Write the tables, the statistics and ``report.md`` under ``out``; return the report's text."""
    table, metric = spec["name"], spec["metric"]
    summary = summarize(values)
    paper = comparison_frame(summary, spec["paper_table"]) if spec.get("paper_table") else pd.DataFrame()
    if len(paper):
        paper = paper[(paper["metric"] == metric) & paper["in_paper"]]
    source = {c["row"]: c["source"] for c in spec["cells"]}
    datasets = list(dict.fromkeys(summary["dataset"]))
    sections = []
    for dataset in datasets:
        files = {ext: out / TABLE.format(table=table, dataset=dataset, ext=ext) for ext in ("md", "tex", "csv")}
        md = to_markdown(dataset_table(spec, summary, paper, dataset, "md"), index_name="method")
        caption = f"{spec.get('caption', table)} {dataset}: the paper, the published runs and new methods."
        write_text(files["md"], f"# {table} on {dataset}\n\n{caption}\n\n{md}")
        write_text(files["tex"], to_latex(dataset_table(spec, summary, paper, dataset, "tex"), caption=caption,
                                          label=f"tab:compare-{table}-{dataset}", index_name="method"))
        ours = summary[summary["dataset"] == dataset].assign(source=lambda f: f["row"].map(source))
        tidy = [ours[["source", "row", "label", "paper_row", "dataset", "metric", "mean", "std", "n"]]]
        if len(paper):
            theirs = paper[paper["column"] == paper_column(dataset)]
            tidy.append(pd.DataFrame({"source": "paper", "row": theirs["row"], "paper_row": theirs["row"],
                                      "dataset": dataset, "metric": theirs["metric"], "mean": theirs["paper"],
                                      "std": theirs["paper_std"]}))
        write_table(files["csv"], pd.concat(tidy, ignore_index=True))
        sections += [f"## {dataset}", "", md]
    stats = comparison_stats(values, spec, methods, alpha=alpha, correction=correction)
    name = correction_name(correction)
    shown = stats_display(stats)
    method_text = (f"Two-sided Wilcoxon rank-sum test (scipy.stats.ranksums) of each new method against every "
                   f"published row over the per-split values of {METRIC_NAMES.get(metric, metric)}; {name}'s "
                   f"correction within each new method's comparisons (all its datasets; the published statistics' "
                   f"p-values stay as they are); significant = {name}-adjusted p < {alpha}.  Cohen's d = (new - "
                   f"published) / pooled SD, so it is negative where the new method's "
                   f"{'RMSE is lower' if lower_is_better(metric) else 'score is lower'}.  'supported' = the new "
                   f"method is better and the difference is significant or at least a medium effect (the paper's "
                   f"criterion, appendix C.5).")
    write_table(out / "stats.csv", stats)
    write_text(out / "stats.md", f"# {table}: each new method against every published row\n\n{method_text}\n\n"
               + to_markdown(shown))
    write_text(out / "stats.tex", to_latex(shown.map(tex_escape), caption=f"{table}: new methods against the "
                                           f"published rows", label=f"tab:compare-{table}-stats"))

    new_runs = {label: [pd.read_csv(path, sep="\t") for key, path in runs.items() if key[3] == label]
                for label in methods}
    jobs = read_jobs([str(p) for p in runs.values()])
    splits = values.drop_duplicates(["dataset", "repeat", "fold"]).groupby("dataset").size()
    n = sorted(set(splits))
    how = sorted(set(checks.loc[checks["source"] == "published", "fingerprints"]))
    cells = [c for c in spec["cells"] if c["dataset"] == datasets[0]]
    listed = "; ".join(f"{c['row']} (`{c['label']}`{', the paper: ' + c['paper_row'] if c.get('paper_row') else ', ' + NOT_IN_PAPER})"
                       for c in cells if c["source"] == "published")
    new_listed = "; ".join(f"{c['row']} (`{c['label']}`: registry method `{c['method']}`, "
                           f"{NOT_IN_PAPER if not c.get('paper_row') else 'the paper: ' + c['paper_row']})"
                           for c in cells if c["source"] == "new")
    text = [f"# {', '.join(methods)} beside the paper and the published runs: {table}", "",
            spec.get("caption", ""), "",
            "Written by `make compare` (`python -m hexagan.suite.compare`): the new methods trained on the published "
            "masks (`results/masks/`) and the published runs' splits; the published runs read from `results/runs/`, "
            "never written.", "",
            f"- New: {new_listed}" + (f"; plugins: {', '.join(f'`{_shown(p)}`' for p in plugins)}" if plugins else "") + ".",
            f"- Published: {listed}.",
            f"- Datasets: {', '.join(datasets)}; splits: {' or '.join(map(str, n))} a dataset, the same for every row "
            f"(paired by (repeat, fold)); every split's masks and rows checked by fingerprint (new runs: recorded; "
            f"published runs: {', '.join(how)}).",
            "- mean ± std over those splits (ddof 1); the best of each of our columns in bold.  The paper's column is "
            "its own number; \"not in the paper\" marks a row the paper does not have."]
    first_published = next(c["run"] for c in spec["cells"] if c["source"] == "published")
    n_published = len(pd.read_csv(first_published, sep="\t", usecols=["repeat", "fold"]).drop_duplicates())
    if max(n) < n_published:
        text.append(f"- **Reduced**: {max(n)} of the published runs' {n_published} splits (--repeats/--folds); it checks "
                    "the machinery, not the methods.")
    text += ["", *sections, "## Statistics", "", method_text, "", to_markdown(shown), *_verdicts(stats), "",
             "## The new runs", "",
             to_markdown(jobs.reindex(columns=["label", "dataset", "splits", "threads", "git_commit", "sklearn",
                                               "wall_seconds"]).set_index("label"), index_name="label"), ""]
    for label, frames in new_runs.items():
        text += [f"Effective parameters of `{label}` (its fitted estimator's get_params(deep=True), first split):", "",
                 "```", _effective_params(frames[0]), "```", ""]
    text += ["Files (under this folder): " + ", ".join(f"`{TABLE.format(table=table, dataset=d, ext='{md,tex,csv}')}`"
                                                       for d in datasets) + ", `stats.{md,tex,csv}`, `runs/`.", ""]
    report = "\n".join(text)
    write_text(out / "report.md", report)
    return report


def _shown(plugin: str) -> str:
    """A plugin as the report names it: a file in the repository by its path from the root."""
    path = Path(plugin)
    return str(path.relative_to(ROOT)) if path.is_absolute() and ROOT in path.parents else plugin


# -- the command --------------------------------------------------------------------------------------


def compare(methods: list[str], table: str, datasets: list[str] | None = None, *, plugins: list[str] = (),
            repeats: list[int] | None = None, folds: list[int] | None = None, out: str | Path = OUT,
            cores: int = 1) -> Path:
    """Train the new ``methods`` as rows of ``table`` on ``datasets`` and write the comparison under ``out``.

    Returns the report's path.  See the module's docstring.
    """
    out = Path(out).resolve()
    kept = (ROOT / "results", ROOT / "figures")
    if out == ROOT or any(out == folder or folder in out.parents for folder in kept):
        raise CompareError(f"--out {out}: compare writes nowhere in results/ or figures/ (default: {OUT}/)")
    plugins = [str(Path(p).resolve()) if str(p).endswith(".py") else str(p) for p in plugins]
    published, plan = plan_comparison(methods, table, datasets, plugins=plugins, repeats=repeats, folds=folds)
    runs = train(plan, table, methods, out, cores=cores)
    values, spec, checks = paired_values(published, plan, table, methods, runs)
    stats = published.config["experiments"]["stats"]
    render(values, spec, checks, methods, out, alpha=stats["alpha"], correction=stats["correction"],
           plugins=plugins, runs=runs)
    return out / "report.md"


def _list(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hexagan.suite.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--plugin", action="append", default=[], help="a Python file (or module) registering your "
                        "methods with @register; repeatable; empty for labels of config/config.yaml only")
    parser.add_argument("--methods", required=True, help="comma list: registry names or config labels")
    parser.add_argument("--table", default="table1", help="a published table experiment: table1 (imputers, RMSE), "
                        "table2 or table3 (classifiers, F1 and AUROC)")
    parser.add_argument("--datasets", default="", help="comma list (default: every dataset the table publishes)")
    parser.add_argument("--repeats", default="", help="comma list of repeats (default: all the published runs')")
    parser.add_argument("--folds", default="", help="comma list of folds (default: all)")
    parser.add_argument("--out", default=OUT, help=f"output folder (default: {OUT}/, git-ignored)")
    parser.add_argument("--cores", type=int, default=1, help="jobs run at once, one thread each")
    args = parser.parse_args(argv)
    try:
        report = compare(_list(args.methods), args.table, _list(args.datasets) or None,
                         plugins=[p for p in args.plugin if p], repeats=[int(r) for r in _list(args.repeats)] or None,
                         folds=[int(f) for f in _list(args.folds)] or None, out=args.out, cores=args.cores)
    except (CompareError, ConfigError) as err:
        print(f"compare: {err}", file=sys.stderr)
        return 2
    print(f"compare: wrote {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
