"""``results/report.md``: the paper's claims first, then every cell beside the paper's, C.5, the audit, beyond the
paper, and the cost of each job last."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hexagan import paper as P
from hexagan.io import write_text
from hexagan.suite import gap
from hexagan.suite.aggregate import PROVENANCE_COLUMNS, read_jobs
from hexagan.suite.claims import build_claims, claim_scopes
from hexagan.suite.comparison import (NOT_IN_PAPER, Results, comparison_frame, comparison_markdown,
                                     hexagan_beside)
from hexagan.suite.constants import lower_is_better
from hexagan.suite.gcg import gcg_section
from hexagan.suite.significance import correction_name, stats_display
from hexagan.suite.tables import column_names, format_table, layout, to_markdown


def _provenance(jobs: pd.DataFrame) -> list[str]:
    if jobs.empty:
        return ["_no run_"]
    lines = []
    for column in PROVENANCE_COLUMNS:
        if column in jobs:
            values = sorted({str(v) for v in jobs[column].dropna()})
            lines.append(f"- {column}: {', '.join(values) if values else '–'}")
    if "wall_seconds" in jobs:
        lines.append(f"- training wall time, summed over {len(jobs)} jobs: {jobs['wall_seconds'].sum() / 60:.1f} min")
    return lines


def job_costs(jobs: pd.DataFrame) -> pd.DataFrame:
    """:func:`read_jobs` as the cost of each job: dataset, mechanism, rate, label, splits, threads, device,
    wall minutes (longest first) -- what a cluster user needs to size ``resources:``."""
    columns = ["dataset", "mechanism", "rate", "label", "splits", "threads", "device"]
    wall = jobs["wall_seconds"] if "wall_seconds" in jobs else pd.Series(float("nan"), index=jobs.index)
    out = jobs.reindex(columns=columns).assign(wall_minutes=(wall.astype(float) / 60).round(1))
    # Ties broken by the job's name, so that a re-render with more jobs does not reorder equal rows.
    keys = ["wall_minutes", "dataset", "mechanism", "rate", "label"]
    return out.sort_values(keys, ascending=[False, True, True, True, True], ignore_index=True)


def _read_optional_csv(path: str | None) -> pd.DataFrame | None:
    """A CSV that may be absent (None) or hold no rows at all (an empty frame)."""
    if not path or not Path(path).is_file():
        return None
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


#: Figure kinds the report shows in a section of their own (the rest in "Figures"): kind -> that section's title.
SHOWN_IN_SECTION = {"distribution": "Appendix C.5: statistical significance",
                    "gap": "Where the gap comes from (an audit, not our result)"}


def _figures_of(spec: dict, kinds) -> list[str]:
    return [n for n in spec["figures"] if spec["experiments"][n]["kind"] in kinds]


def figure_markdown(spec: dict, name: str) -> list[str]:
    """One figure shown in the report: its caption, the PNG, a link to the PDF."""
    paths, caption = spec["figures"][name], spec["experiments"][name]["spec"].get("caption", name)
    return [f"![{name}]({paths['png']})", "", f"_`{name}`: {caption}_ ([PDF]({paths['pdf']}))", ""]


def gap_section(spec: dict, frames: dict[str, pd.DataFrame]) -> list[str]:
    """The report's "Where the gap comes from": the audit of the authors' protocol, step by step (:mod:`hexagan.suite.gap`)."""
    audits = [n for n, e in spec["experiments"].items() if e["spec"] is not None and e["spec"].get("protocol")]
    out = [f"## {SHOWN_IN_SECTION['gap']}", ""]
    if not any(n in frames for n in audits):
        return out + ["_not run in this configuration_", ""]
    out += ["Our numbers above are the headline: checkpoints chosen on validation rows, min-max fitted on the training "
            "rows.  This section re-runs Tables 1 and 2 under the authors' protocol, one difference at a time "
            "(`protocols:` in `config/config.yaml`), so that each column's change from the one before is what that "
            "difference is worth.  Every number here saw the test fold during training or selection and is "
            "optimistic by construction; no audit number is used anywhere else in this report.", "",
            "Steps: " + "; ".join(f"**{s.name}**" + (f" (runs `@{s.protocol}`)" if s.protocol else "") for s in gap.STEPS)
            + ".  The last step is the authors' code as far as we know it: no validation hold-out, their networks "
            "(one hidden layer of d/2, h of d/2), one critic update per generator update, G_CG and D_CG at 0.1x the "
            "learning rate, 60 warm-up and 10 000 epochs, the test fold scored every 10 epochs and the best RMSE and "
            "the best F1 each taken at its own epoch.  The other methods get the same data protocol (min-max on all "
            "rows, no hold-out, the authors' RMSE); only the autoencoder has a checkpoint to choose, and chooses it on "
            "the test fold.  The paper's text does not say how its baselines were tuned or selected.", ""]
    for name in _figures_of(spec, ("gap",)):
        out += figure_markdown(spec, name)
    for paper_table, title in gap.TITLES.items():
        frame = gap.gap_frame(spec, frames, paper_table)
        out += [f"### {title}", "", gap.gap_markdown(frame),
                gap.verdict(frame, paper_table, gap.headline_metric(paper_table)), ""]
        line = gap.full_model_rmse(spec, frames) if paper_table == "table1" else gap.table3_line(frame)
        if line:
            out += [line, ""]
    out += ["### What still differs", "",
            "Differences from the paper and from the authors' public code that the audit does not switch:", ""]
    out += [f"- {line}" for line in gap.REMAINING_DIFFERENCES] + [""]
    return out


def _paper_name(paper_table: str) -> str:
    """``appendix_table3`` -> "appendix Table 3"."""
    return paper_table.replace("_", " ").replace("table", "Table ").replace("figure", "Figure ")


def _not_run(experiments: dict) -> list[str]:
    """The "Not run" lines: each experiment left out, then each one's datasets left out by ``run_datasets``,
    with what config.yaml's ``cost`` says running them costs."""
    def cost(e: dict) -> str:
        return f".  Cost: {e['cost']}" if e.get("cost") else ""
    return ([f"- `{n}`: {e['skipped_because']}{cost(e)}" for n, e in experiments.items() if not e["enabled"]]
            + [f"- `{n}` on {', '.join(e['datasets_not_run'])}: not in run_datasets{cost(e)}"
               for n, e in experiments.items() if e["enabled"] and e.get("datasets_not_run")])


def _claim_scope_sentence(results: Results, run_datasets: list[str] | None) -> str:
    """What "every dataset" means: the datasets run, or each table's where an overlay narrowed some."""
    scopes = claim_scopes(results, run_datasets)
    if len(set(scopes.values())) > 1:
        return ("  \"Every dataset\" means the datasets each table was run on, on both sides: "
                + "; ".join(f"{_paper_name(t)}: {', '.join(d)}" for t, d in scopes.items()) + ".")
    if run_datasets:
        return f"  \"Every dataset\" means the datasets run ({', '.join(run_datasets)}), on both sides."
    return ""


def _claims_tally(claims: pd.DataFrame) -> str:
    """One sentence: how many of the claims our run could check, and how many of those hold."""
    ours = claims["our run"]
    checked = int((ours != "not evaluated").sum())
    return (f"Of the paper's {len(claims)} claims listed, {checked} can be checked on our run, "
            f"and {int((ours == 'holds').sum())} of them hold.")


def write_report(spec: dict, summaries: list[str], runs: list[str], stats_csv: str | None, path: str,
                 gcg_csv: str | None = None) -> str:
    """Write ``results/report.md``: the verdicts on the paper's claims first, then the protocol, every cell beside
    the paper's (Table 2 with the G_CG diagnosis ``gcg_csv`` when given), C.5, the audit, beyond the paper, and the
    cost of each job last (a long table, for sizing a cluster)."""
    experiments = spec["experiments"]
    by_path = {p: Path(p).stem for p in summaries}
    frames = {name: pd.read_csv(p) for p, name in by_path.items() if experiments.get(name, {}).get("kind") != "stats"}
    results = Results(spec, frames)
    proto = spec["protocol"]
    reduced = bool(spec.get("method_overrides") or spec.get("subsample") or spec.get("subsample_features")
                   or proto["repeats"] is not None
                   or proto["folds"] is not None or proto["n_repeats"] < 10)
    out = ["# HexaGAN replication: the paper beside our run", ""]
    out.append(f"Paper: {P.CITATION}.  Every number of the paper is in `hexagan/paper_results.csv`.")
    out.append("")
    if reduced:
        out += ["> **Reduced budget.**  This run overrides the paper's budget "
                f"(method overrides: {sorted(spec.get('method_overrides') or {})}; subsample: "
                f"{spec.get('subsample') or 'none'}; repeats {proto['repeats']}, folds {proto['folds']} of "
                f"{proto['n_repeats']} x {proto['n_folds']}).  Its numbers check the machinery, not the paper.", ""]
    if spec.get("missing_data"):
        out += ["> **Datasets skipped: their files are absent** (`missing_data: skip`, the quick configuration's "
                "choice; the full and published configurations fail instead).  Put the files in place, or run "
                "where a network allows the download, then run again:", ">"]
        out += [f"> - **{name}**: {why}" for name, why in spec["missing_data"].items()] + [""]
    claims = build_claims(results, spec.get("run_datasets"))
    out += ["## The paper's claims", "",
            "Each claim checked on the paper's own numbers (a check of our reading) and on our run."
            + _claim_scope_sentence(results, spec.get("run_datasets")) + "  " + _claims_tally(claims), "",
            claims.to_markdown(index=False, tablefmt="pipe"), ""]
    out += ["## Protocol", "",
            f"- {proto['n_repeats']} repeats x {proto['n_folds']}-fold cross-validation"
            f" (run: repeats {proto['repeats'] or 'all'}, folds {proto['folds'] or 'all'}); "
            f"{proto['val_fraction']:.0%} of each training fold for checkpoint selection ({proto['selection']}); "
            f"scaling: {proto['scaling']}; label missing rate: "
            f"{'as the elements' if proto['label_rate'] is None else proto['label_rate']}.",
            "- RMSE: compared with the paper on the per-row mean over the rows with a missing entry "
            "(`rmse_rowmean`); the pooled RMSE (`rmse`, GAIN's definition) is shown beside it.  The authors' code "
            "averages over every row, complete rows counting 0 (`rmse_authors`), a little lower again: the audit "
            "below uses it.",
            "- mean ± std over the splits (std with ddof = 1).", ""]
    if spec.get("run_datasets"):
        out.insert(out.index("- mean ± std over the splits (std with ddof = 1)."),
                   f"- datasets: only {', '.join(spec['run_datasets'])} (`run_datasets`); the paper's other "
                   "columns are not run.")
    jobs = read_jobs(runs)
    out += ["### Provenance", ""] + _provenance(jobs) + [""]

    for paper_table, title in (("table1", "Table 1: imputation RMSE"), ("section4.1.2", "Section 4.1.2: conv HexaGAN on MNIST"),
                               ("table2", "Table 2: ablation (F1)"), ("table3", "Table 3: cascades (F1)"),
                               ("appendix_table3", "Appendix Table 3: sensitivity on credit"),
                               ("table4", "Appendix Table 4: CelebA (F1)")):
        names = results.by_paper_table(paper_table)
        out += [f"## {title}", ""]
        if not names:
            skipped = [n for n, e in experiments.items() if e["spec"] is None and not e["enabled"]]
            why = "; ".join(f"{n}: {experiments[n]['skipped_because']}" for n in skipped
                            if paper_table == "table4" and n == "celeba")
            out += [f"_not run in this configuration{(' (' + why + ')') if why else ''}_", ""]
            continue
        frame = comparison_frame(results.summaries[names[0]], paper_table)
        cells = experiments[names[0]]["spec"]["cells"]
        rows = dict.fromkeys((c["paper_row"], c["label"]) for c in cells if c.get("paper_row") and not c.get("param"))
        mapping = "; ".join(f"{paper_row} = `{label}`" for paper_row, label in rows)
        added = ", ".join(dict.fromkeys(f"{c['row']} (`{c['label']}`)" for c in cells
                                        if not c.get("paper_row") and not c.get("param")))
        out += [f"Experiment `{names[0]}`" + (f"; the paper's rows are our labels {mapping}" if mapping else "")
                + (f"; {NOT_IN_PAPER}: {added}" if added else "") + ".", "",
                comparison_markdown(frame, sensitivity=paper_table == "appendix_table3")]
        if paper_table == "appendix_table3":
            out += ["The paper prints the alpha2 and alpha3 rows with the very same four F1 values.", ""]
        if paper_table == "table2" and gcg_csv:
            out += gcg_section(gcg_csv, spec["docs"])

    out += [f"## {SHOWN_IN_SECTION['distribution']}", ""]
    for name in _figures_of(spec, ("distribution",)):
        out += figure_markdown(spec, name)
    st = _read_optional_csv(stats_csv)
    if st is not None:
        if not st.empty:
            listed = {(t, r, d) for t, r, d in P.not_significant()}
            st["paper: not significant"] = [
                "yes" if (t, r, d) in listed else "no" for t, r, d in zip(st["table"], st["competitor_paper_row"], st["dataset"])]
            out += ["Wilcoxon rank-sum (two-sided) of HexaGAN against each competitor per dataset, "
                    f"{correction_name(st['correction'].iloc[0])}-corrected "
                    "within each table; Cohen's d with the pooled SD.  The paper's criterion: significant, or a "
                    "medium or large effect; C.5 lists four exceptions (column 'paper: not significant').", "",
                    stats_display(st).assign(**{"paper: not significant": st["paper: not significant"].to_numpy()})
                    .to_markdown(tablefmt="pipe"), ""]
            ours_exceptions = st[~st["supported"]]
            out += [f"Comparisons where HexaGAN's advantage is not supported in our run: {len(ours_exceptions)} of "
                    f"{len(st)} (the paper: 4 exceptions among its comparisons).", ""]
    else:
        out += ["_not run in this configuration_", ""]

    out += gap_section(spec, frames)

    out += ["## Beyond the paper", "",
            "Experiments the paper does not have, each with its caption: stronger library imputers and a plain "
            "classifier on the paper's settings (the floor the paper's methods should beat), other missingness "
            "mechanisms, and HexaGAN variants.", ""]
    for name, e in experiments.items():
        if e["spec"] is None or e["spec"].get("paper_table") or e["kind"] != "table" or name not in frames:
            continue
        frame, sp = frames[name], e["spec"]
        metric = sp["metric"]
        summary = frame.assign(column=column_names(frame))
        means, stds = layout(summary, metric)
        out += [f"### {name}", "", sp.get("caption", ""), "",
                to_markdown(format_table(means, stds, lower=lower_is_better(metric), style="md")), ""]
        # HexaGAN's own number on the same settings: the imputer of Table 1, the classifier of Table 2.
        reference = "table1" if metric.startswith("rmse") else "table2"
        line = hexagan_beside(frame, results.frame(reference), metric, _paper_name(reference))
        if line:
            out += [line, ""]

    out += ["## Figures", ""]
    shown_above = _figures_of(spec, SHOWN_IN_SECTION)
    out += [f"- `{n}`: shown in \"{SHOWN_IN_SECTION[experiments[n]['kind']]}\" ([PNG]({spec['figures'][n]['png']}), "
            f"[PDF]({spec['figures'][n]['pdf']}))" for n in shown_above] + ([""] if shown_above else [])
    for name in spec["figures"]:
        if name not in shown_above:
            out += figure_markdown(spec, name)
    skipped = _not_run(experiments)
    if skipped:
        out += ["## Not run", ""] + skipped + [""]
    if not jobs.empty:
        out += ["## Cost of each job", "", to_markdown(job_costs(jobs).set_index("label"), index_name="label"), ""]
    text = "\n".join(out)
    write_text(path, text)
    return text
