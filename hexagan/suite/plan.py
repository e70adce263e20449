"""The plan: config -> experiments -> cells -> deduplicated jobs, and every query the rules make of it."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from hexagan import methods as registry
from hexagan.data import available_datasets
from hexagan.protocol import PROTOCOL
from hexagan.protocol.missingness import MECHANISMS
from hexagan.suite.config import (PUBLISHED_CONFIG, ROOT, ConfigError, canonical_json, check_setting_keys,
                                  config_hash, import_plugins, load_config, suggest)
from hexagan.suite.constants import (DRAWING_KINDS, EXTRAS_PATH, FIGURE_KINDS, FIGURE_PATH, GCG_DIAGNOSIS_PATH,
                                     KINDS, MASK_PATH, NEEDS_HISTORY, NEEDS_SAMPLES, NEEDS_SNAPSHOTS, REPORT_PATH,
                                     RUN_PATH, TABLE_KINDS, TABLE_PATH)
from hexagan.suite.data import data_absent, data_present, split_dataset_key
from hexagan.suite.gap import STEPS
from hexagan.suite.variants import Variant, resolve_variants, sweep_variant


@dataclass(frozen=True)
class Job:
    """One training job: every split of one (dataset, mechanism, rate, label)."""

    dataset: str
    mechanism: str
    rate: str
    label: str
    method: str
    params: dict
    history: bool = False
    snapshots: bool = False
    samples: bool = False
    protocol: str | None = None   # a name of the config's protocols: overlays (None: the protocol itself)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.dataset, self.mechanism, self.rate, self.label)

    @property
    def wildcards(self) -> dict[str, str]:
        return dict(dataset=self.dataset, mechanism=self.mechanism, rate=self.rate, label=self.label)


@dataclass(frozen=True)
class Cell:
    """One cell of an experiment: which job fills it and under which row name."""

    dataset: str
    mechanism: str
    rate: str
    label: str          # the label the experiment asked for
    row: str            # the row name in tables and legends
    paper_row: str | None
    job: str            # the label of the job that computes it (deduplicated)
    panel: str | None = None
    param: str | None = None
    setting: Any = None
    metric: str | None = None


@dataclass
class Experiment:
    name: str
    kind: str
    spec: dict
    cells: list[Cell] = field(default_factory=list)
    enabled: bool = True
    skipped_because: str | None = None
    protocol: str | None = None


class Plan:
    """The whole workflow, derived once from the config.

    Parameters
    ----------
    config : dict
        The validated config (``hexagan/suite/config.schema.yaml``).
    check_data : bool
        Whether experiments with ``enabled: if_data`` look for their files
        (False: they are treated as enabled, e.g. to list the full grid).
    """

    def __init__(self, config: dict, *, check_data: bool = True):
        self.config = config
        import_plugins(config["plugins"])
        self.out = str(config["output_dir"])
        self.render_out = str(config["render_dir"] or self.out)
        self.protocol = {**PROTOCOL, **config["protocol"]}  # the config holds what it changes
        self.variants = resolve_variants(config["methods"])
        check_setting_keys(config)
        self._check_params()
        self.experiments: dict[str, Experiment] = {}
        self.jobs: dict[tuple, Job] = {}
        self._generated: dict[str, Variant] = {}
        only = config["run_experiments"]
        for name in only or ():
            if name not in config["experiments"]:
                raise ConfigError(f"run_experiments: unknown experiment {name!r}{suggest(name, config['experiments'])}")
        self.only_datasets = config["run_datasets"]
        for where, names in [("run_datasets", self.only_datasets)] + [
                (f"experiments.{n}.run_datasets", e.get("run_datasets")) for n, e in config["experiments"].items()]:
            for name in names or ():
                if name not in available_datasets():
                    raise ConfigError(f"{where}: unknown dataset {name!r}{suggest(name, available_datasets())}")
        # missing_data: skip -- datasets whose files are absent -> why (their cells are left out).
        self.missing_data = self._absent_datasets(only) if config["missing_data"] == "skip" and check_data else {}
        cells = []
        for name, spec in config["experiments"].items():
            if only is not None and name not in only:
                self.experiments[name] = Experiment(name, spec.get("kind"), spec, enabled=False,
                                                    skipped_because="not in run_experiments")
                continue
            exp = self._parse_experiment(name, spec, check_data)
            self.experiments[name] = exp
            cells.extend((exp, cell) for cell in exp.cells)
        self._disable_empty_drawings()
        self._build_jobs(cells)

    def _check_params(self) -> None:
        """Every parameter the config gives a method is one the method takes
        (:func:`hexagan.methods.parameter_names`), so that a misspelt one fails when the plan is built --
        ``snakemake -n`` -- naming its key and the closest names, not when its job starts."""
        given = []  # (key, registry method, parameter names)
        for label, entry in self.config["methods"].items():
            method = self.variants[label].method
            given.append((f"methods.{label}.params", method, (entry or {}).get("params") or {}))
            for dataset, params in ((entry or {}).get("dataset_params") or {}).items():
                given.append((f"methods.{label}.dataset_params.{dataset}", method, params or {}))
        for method, params in self.config["method_overrides"].items():
            given.append((f"method_overrides.{method}", method, params or {}))
        for dataset, by_method in self.config["method_overrides_by_dataset"].items():
            for method, params in (by_method or {}).items():
                given.append((f"method_overrides_by_dataset.{dataset}.{method}", method, params or {}))
        for name, spec in self.config["experiments"].items():
            for i, sweep in enumerate(spec.get("sweeps") or []):
                if sweep.get("base") in self.variants:  # an unknown base is refused with its own message
                    given.append((f"experiments.{name}.sweeps[{i}].param", self.variants[sweep["base"]].method,
                                   [sweep["param"]]))
        known: dict[str, set[str] | None] = {}
        for key, method, params in given:
            if method not in known:
                try:
                    known[method] = registry.parameter_names(method)
                except ImportError:  # its module is not there: the Snakefile warns, and its jobs fail
                    known[method] = None
            valid = known[method]
            for param in params:
                if valid is not None and param not in valid:
                    raise ConfigError(f"{key}: method {method!r} has no parameter {param!r}"
                                      f"{suggest(param, valid, n=3)}")

    def _disable_empty_drawings(self) -> None:
        for exp in self.experiments.values():
            # A figure of nothing is no figure (the statistics still say "no comparison").
            if exp.enabled and exp.kind in DRAWING_KINDS and exp.kind != "stats" and not self.drawn(exp.name):
                exp.enabled, exp.skipped_because = False, (
                    f"none of the experiments it draws ({', '.join(exp.spec['of'])}) is enabled")

    def drop_jobs(self, drop) -> "Plan":
        """Remove the jobs for which ``drop(job)`` is true and the cells they fill; an experiment left without
        cells is disabled.  Returns the plan (see :func:`published_plan`)."""
        gone = {key for key, job in self.jobs.items() if drop(job)}
        for key in gone:
            del self.jobs[key]
        for exp in self.experiments.values():
            if not exp.cells:
                continue
            exp.cells = [c for c in exp.cells if (c.dataset, c.mechanism, c.rate, c.job) not in gone]
            if exp.enabled and not exp.cells:
                exp.enabled, exp.skipped_because = False, "no run of it is published"
        self._disable_empty_drawings()
        return self

    def missing_from(self, other: "Plan") -> list[str]:
        """What ``other`` renders that this plan does not: its experiments this plan skips and the cells
        (dataset, rate, label) it lacks -- the tables and report of this plan, written where ``other``'s are,
        would hold less."""
        out = []
        for name in other.enabled():
            if name not in self.experiments or not self.experiments[name].enabled:
                out.append(f"{name} (not run)")
                continue
            ours = {(c.dataset, c.mechanism, c.rate, c.label) for c in self.experiments[name].cells}
            lacking = [c for c in other.experiments[name].cells if (c.dataset, c.mechanism, c.rate, c.label) not in ours]
            if lacking:
                datasets = ", ".join(dict.fromkeys(c.dataset for c in lacking))
                out.append(f"{name} ({len(lacking)} of its cells: {datasets})")
        return out

    # -- paths -------------------------------------------------------------
    def path(self, template: str, **fields) -> str:
        """``template`` under ``output_dir`` (a Snakemake pattern when ``fields`` is empty)."""
        return os.path.normpath(os.path.join(self.out, template.format(**fields) if fields else template))

    def render_path(self, template: str, **fields) -> str:
        """``template`` under ``render_dir`` (default: ``output_dir``): the tables, figures, report and their logs."""
        return os.path.normpath(os.path.join(self.render_out, template.format(**fields) if fields else template))

    def run_path(self, job: Job) -> str:
        return self.path(RUN_PATH, **job.wildcards)

    def extras_path(self, job: Job) -> str:
        return self.path(EXTRAS_PATH, **job.wildcards)

    # -- parsing -----------------------------------------------------------
    def variant(self, label: str, where: str) -> Variant:
        if label in self.variants:
            return self.variants[label]
        if label in self._generated:
            return self._generated[label]
        raise ConfigError(f"{where}: unknown method label {label!r}{suggest(label, self.variants)} "
                          f"(labels are the keys of methods:)")

    def _parse_experiment(self, name: str, spec: dict, check_data: bool) -> Experiment:
        where = f"experiments.{name}"
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"{where}.kind: unknown kind {kind!r}{suggest(kind, KINDS)}; choose one of {KINDS}")
        exp = Experiment(name, kind, spec, protocol=spec.get("protocol"))
        if exp.protocol is not None and exp.protocol not in self.config["protocols"]:
            raise ConfigError(f"{where}.protocol: unknown protocol {exp.protocol!r}"
                              f"{suggest(exp.protocol, self.config['protocols'])} (names of protocols:)")
        if kind == "stats":
            for table, label in (spec.get("reference") or {}).items():
                if table not in self.config["experiments"]:
                    raise ConfigError(f"{where}.reference: unknown experiment {table!r}"
                                      f"{suggest(table, self.config['experiments'])}")
                self.variant(label, f"{where}.reference.{table}")
            return exp
        if kind in DRAWING_KINDS:
            self._check_drawn(where, kind, spec.get("of"))
            return exp
        datasets = list(spec.get("datasets") or [])
        rates_by = spec.get("rate_by_dataset") or {}
        # A rate for a known dataset the experiment does not run is allowed: an overlay that narrows an
        # experiment's datasets cannot delete a key of the base config's rate_by_dataset (configs merge).
        for field, keys in (("datasets", datasets), ("rate_by_dataset", rates_by)):
            for key in keys:
                base, _ = split_dataset_key(key)
                if base not in available_datasets():
                    raise ConfigError(f"{where}.{field}: unknown dataset {base!r}{suggest(base, available_datasets())}")
        mechanism = spec["mechanism"]
        if mechanism not in MECHANISMS:
            raise ConfigError(f"{where}.mechanism: unknown mechanism {mechanism!r}; choose one of {MECHANISMS}")
        run = self._run_datasets(spec)
        if run is not None:
            datasets = [key for key in datasets if split_dataset_key(key)[0] in run]
            if not datasets:
                exp.enabled, exp.skipped_because = False, "none of its datasets in run_datasets"
                return exp
        enabled = spec["enabled"]
        if enabled is True and self.missing_data:
            kept = [key for key in datasets if split_dataset_key(key)[0] not in self.missing_data]
            if not kept:
                exp.enabled, exp.skipped_because = False, (
                    f"data absent for {', '.join(dict.fromkeys(split_dataset_key(k)[0] for k in datasets))} "
                    "(missing_data: skip)")
                return exp
            datasets = kept
        if enabled == "if_data":
            missing = [d for d in datasets if check_data and not data_present(
                d, self.config["data_dir"], self.config["dataset_options"].get(d.split(".")[0]))]
            exp.enabled = not missing
            if missing:
                exp.skipped_because = f"data absent for {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"
        else:
            exp.enabled = bool(enabled)
            if not exp.enabled:
                exp.skipped_because = "disabled in the config"
        entries = self._entries(name, spec, kind)
        for key in datasets:
            rates = [rates_by[key]] if key in rates_by else list(spec["rates"])
            for rate in rates:
                exp.cells.extend(Cell(dataset=key, mechanism=mechanism, rate=rate_key(rate), job="", **entry)
                                 for entry in entries)
        return exp

    def _absent_datasets(self, only_experiments) -> dict[str, str]:
        """The datasets of the enabled experiments (not those run ``if_data``) whose files are absent -> why."""
        names = set()
        for name, spec in self.config["experiments"].items():
            if (only_experiments is None or name in only_experiments) and spec.get("enabled", True) is True:
                run = self._run_datasets(spec)
                names.update(base for base in (split_dataset_key(key)[0] for key in spec.get("datasets") or ())
                             if run is None or base in run)
        absent = {n: data_absent(n, self.config["data_dir"], self.config["dataset_options"].get(n))
                  for n in sorted(names, key=available_datasets().index)}
        return {n: f"{why} (a download: python -c \"from hexagan.data import load_dataset; load_dataset('{n}')\")"
                for n, why in absent.items() if why is not None}

    def _check_drawn(self, where: str, kind: str, names) -> None:
        if not names:
            raise ConfigError(f"{where}.of: a {kind} figure names the table experiments it draws")
        experiments = self.config["experiments"]
        audited = {t for step in STEPS for t in step.metrics}
        for name in names:
            if name not in experiments:
                raise ConfigError(f"{where}.of: unknown experiment {name!r}{suggest(name, experiments)}")
            if experiments[name].get("kind") != "table":
                raise ConfigError(f"{where}.of: {name!r} is a {experiments[name].get('kind')}, not a table")
            if kind == "gap" and experiments[name].get("paper_table") not in audited:
                raise ConfigError(f"{where}.of: {name!r} reproduces no paper table the audit covers "
                                  f"({', '.join(sorted(audited))}; hexagan.suite.gap.STEPS)")

    def _entries(self, name: str, spec: dict, kind: str) -> list[dict]:
        """The (label, row, ...) entries of one experiment, per dataset and rate."""
        where = f"experiments.{name}"
        if kind == "sensitivity":
            entries = []
            for i, sweep in enumerate(spec.get("sweeps") or []):
                base = self.variant(sweep["base"], f"{where}.sweeps[{i}].base")
                for value in sweep["values"]:
                    label = self._sweep_label(base, sweep["param"], value)
                    entries.append(dict(label=label, row=sweep["param"], paper_row=sweep["param"],
                                        param=sweep["param"], setting=value, metric=sweep.get("metric")))
            return entries
        if kind == "learning_curves":
            entries = []
            for i, panel in enumerate(spec.get("panels") or []):
                for label in panel["methods"]:
                    v = self.variant(label, f"{where}.panels[{i}].methods")
                    entries.append(dict(label=label, row=v.display, paper_row=None, panel=panel.get("title", str(i))))
            return entries
        listed = spec.get("methods") or []
        pairs = listed.items() if isinstance(listed, dict) else ((label, None) for label in listed)
        return [dict(label=label, row=self.variant(label, f"{where}.methods").display, paper_row=paper)
                for label, paper in pairs]

    def _sweep_label(self, base: Variant, param: str, value) -> str:
        variant = sweep_variant(base, param, value, order=len(self.variants) + len(self._generated))
        self._generated.setdefault(variant.label, variant)
        return variant.label

    def _build_jobs(self, cells) -> None:
        """Deduplicate cells into jobs: same data, method and effective parameters -> one job."""
        overrides = self.config["method_overrides"]
        by_dataset = self.config["method_overrides_by_dataset"]
        groups: dict[tuple, list] = {}
        for exp, cell in cells:
            if not exp.enabled:
                continue
            v = self.variant(cell.label, f"experiments.{exp.name}")
            params = v.params_for(cell.dataset, {**(overrides.get(v.method) or {}),
                                                 **(_for_dataset(by_dataset, cell.dataset) or {}).get(v.method, {})})
            key = (cell.dataset, cell.mechanism, cell.rate, v.method, canonical_json(params), exp.protocol or "")
            groups.setdefault(key, []).append((exp, cell, v, params))
        chosen: dict[tuple, str] = {}
        for key, members in groups.items():
            first = min(members, key=lambda m: m[2].order)[2]
            kinds = {exp.kind for exp, *_ in members}
            proto = key[5] or None
            label = f"{first.label}@{proto}" if proto else first.label
            job = Job(dataset=key[0], mechanism=key[1], rate=key[2], label=label, method=first.method,
                      params=members[0][3], history=bool(kinds & set(NEEDS_HISTORY)),
                      snapshots=bool(kinds & set(NEEDS_SNAPSHOTS)), samples=bool(kinds & set(NEEDS_SAMPLES)),
                      protocol=proto)
            self.jobs[job.key] = job
            for exp, cell, *_ in members:
                chosen[(exp.name, cell.dataset, cell.rate, cell.label)] = label
        for exp in self.experiments.values():
            exp.cells = [replace(c, job=chosen.get((exp.name, c.dataset, c.rate, c.label), c.label)) for c in exp.cells]

    # -- queries used by the rules ------------------------------------------
    def enabled(self, kinds=KINDS) -> list[str]:
        return [n for n, e in self.experiments.items() if e.enabled and e.kind in kinds]

    def job(self, dataset: str, mechanism: str, rate: str, label: str) -> Job:
        try:
            return self.jobs[(dataset, mechanism, rate, label)]
        except KeyError:
            raise ConfigError(f"no job {dataset}/{mechanism}_{rate}/{label} in this configuration") from None

    def repeats(self, dataset: str, protocol: str | None = None) -> list[int]:
        """The repeats a job on ``dataset`` runs under its named protocol overlay (None: the dataset's own)."""
        proto = self.protocol_for(dataset, protocol)
        return list(proto["repeats"]) if proto.get("repeats") is not None else list(range(proto["n_repeats"]))

    def n_splits(self, job: Job) -> int:
        """How many splits ``job`` trains (its replicas, K, when they train together)."""
        proto = self.protocol_for(job.dataset, job.protocol)
        return len(self.repeats(job.dataset, job.protocol)) * len(proto.get("folds") or range(proto["n_folds"]))

    def protocol_for(self, dataset: str, protocol: str | None = None) -> dict:
        """The protocol of ``dataset``'s jobs, with the named overlay of ``protocols:`` on top (which then
        carries its ``name``; other jobs' specs, and hashes, stay without one)."""
        base = dataset.split(".", 1)[0]
        proto = {**self.protocol, **(self.config["protocol_by_dataset"].get(base) or {})}
        if protocol is not None:
            proto = {**proto, **self.config["protocols"][protocol], "name": protocol}
        return proto

    def mask_paths(self, job: Job) -> list[str]:
        """The mask files ``job`` reads: one per repeat it runs (a one-split overlay needs one file)."""
        return [self.path(MASK_PATH, dataset=job.dataset, mechanism=job.mechanism, rate=job.rate, repeat=r)
                for r in self.repeats(job.dataset, job.protocol)]

    def _data_spec(self, dataset: str) -> dict:
        # Not the data folder: moving the files must not re-run anything (the rules add config["data_dir"]).
        base = dataset.split(".", 1)[0]
        return dict(dataset=dataset,
                    options=self.config["dataset_options"].get(base) or {},
                    subsample=_for_dataset(self.config["subsample"], dataset),
                    subsample_features=_for_dataset(self.config["subsample_features"], dataset),
                    seed=self.config["seed"])

    def mask_spec(self, dataset: str, mechanism: str, rate: str, repeat: int) -> dict:
        proto = self.protocol_for(dataset)
        return dict(self._data_spec(dataset), mechanism=mechanism, rate=float(rate), repeat=int(repeat),
                    label_rate=proto.get("label_rate"))

    def job_spec(self, job: Job) -> dict:
        """Everything a job's result depends on (and its provenance), as one JSON-able dict."""
        figures = self.config["figures"]
        proto = self.protocol_for(job.dataset, job.protocol)
        spec = dict(self._data_spec(job.dataset), mechanism=job.mechanism, rate=float(job.rate), label=job.label,
                    method=job.method, params=job.params, protocol=proto,
                    device=self.config["device"],
                    history=job.history, snapshots=job.snapshots,
                    snapshot_rows=max(int(figures["snapshot_rows"]), int(figures["tsne_points"]))
                    if job.snapshots else 0,
                    samples_per_class=int(figures["samples_per_class"]) if job.samples else 0)
        spec["config_hash"] = config_hash(spec)
        return spec

    def resources(self, job: Job) -> dict:
        """mem_mb, runtime (minutes) and gpu of one job: the config's layers, the most specific last.

        default < datasets < methods < methods_by_dataset, keyed by registry method like ``gpu_methods``
        (a job's cost depends on the data and the method together: MICE on credit, HexaGAN on madelon).
        """
        res = self.config["resources"]
        out = dict(res["default"])  # the bottom layer, its defaults from the schema
        for layer in (_for_dataset(res.get("datasets"), job.dataset),
                      (res.get("methods") or {}).get(job.method),
                      (_for_dataset(res.get("methods_by_dataset"), job.dataset) or {}).get(job.method)):
            out.update(layer or {})
        wants_gpu = self.config["request_gpus"] and job.method in self.config["gpu_methods"]
        out["gpu"] = 1 if wants_gpu else 0
        return out

    def drawn(self, name: str) -> list[str]:
        """The enabled table experiments whose cells a drawing kind reads (:data:`DRAWING_KINDS`): the statistics'
        ``reference`` keys, a figure's ``of`` and, for the gap figure, every audit of the same paper tables."""
        exp = self.experiments[name]
        named = list(exp.spec.get("reference") or {}) if exp.kind == "stats" else list(exp.spec.get("of") or ())
        if exp.kind == "gap":  # the audits of the paper tables its enabled (honest) tables reproduce
            papers = {self.config["experiments"][n].get("paper_table") for n in named if self.experiments[n].enabled}
            named = [n for n, e in self.config["experiments"].items()
                     if e.get("kind") == "table" and e.get("paper_table") in papers]
        return [n for n in named if self.experiments[n].enabled]

    def experiment_jobs(self, name: str) -> list[Job]:
        exp = self.experiments[name]
        if exp.kind in DRAWING_KINDS:
            jobs = []
            for table in self.drawn(name):
                jobs.extend(j for j in self.experiment_jobs(table) if j not in jobs)
            return jobs
        seen = {}
        for c in exp.cells:
            job = self.jobs[(c.dataset, c.mechanism, c.rate, c.job)]
            seen.setdefault(job.key, job)
        return list(seen.values())

    def experiment_inputs(self, name: str) -> dict[str, list[str]]:
        jobs = self.experiment_jobs(name)
        return {"runs": [self.run_path(j) for j in jobs], "extras": [self.extras_path(j) for j in jobs]}

    def experiment_spec(self, name: str) -> dict:
        """What a render script needs: the experiment's config block and its cells with their files."""
        exp = self.experiments[name]
        cells = []
        for c in exp.cells:
            job = self.jobs[(c.dataset, c.mechanism, c.rate, c.job)]
            cells.append({**{k: getattr(c, k) for k in c.__dataclass_fields__},
                          "run": self.run_path(job), "extras": self.extras_path(job)})
        spec = {"name": name, "kind": exp.kind, **{k: v for k, v in exp.spec.items() if k != "kind"}, "cells": cells,
                "figures": self.config["figures"]}
        if exp.kind in DRAWING_KINDS:
            spec["tables"] = {t: self.experiment_spec(t) for t in self.drawn(name)}
        return spec

    def _run_datasets(self, spec: dict) -> list[str] | None:
        """The datasets an experiment runs on: its own ``run_datasets`` where an overlay gives one (the published
        run widens it for the MNIST figures alone), else the run's (None: all)."""
        return spec.get("run_datasets", self.only_datasets)

    def _datasets_not_run(self, exp: Experiment) -> list[str]:
        """The datasets an enabled experiment names that ``run_datasets`` leaves out."""
        run = self._run_datasets(exp.spec)
        if not exp.enabled or not run:
            return []
        return [d for d in exp.spec.get("datasets") or () if d not in run]

    def report_spec(self) -> dict:
        """What the report needs: every enabled experiment's spec and summary file, and the settings."""
        return {
            "experiments": {n: {"kind": e.kind, "spec": self.experiment_spec(n) if e.enabled else None,
                                "enabled": e.enabled, "skipped_because": e.skipped_because,
                                "cost": e.spec.get("cost"), "datasets_not_run": self._datasets_not_run(e)}
                            for n, e in self.experiments.items()},
            "protocol": self.protocol,
            "subsample": self.config["subsample"],
            "subsample_features": self.config["subsample_features"],
            "method_overrides": {**self.config["method_overrides"],
                                 **{f"{m} on {d}": p for d, by in self.config["method_overrides_by_dataset"].items()
                                    for m, p in by.items()}},
            "run_datasets": self.only_datasets,
            "missing_data": self.missing_data,
            "output_dir": self.out,
            "n_jobs": len(self.jobs),
            # Each figure's PNG and PDF as the report links them (relative to the report's folder).
            "figures": {n: {ext: os.path.relpath(self.outputs(n)[ext], os.path.dirname(self.render_path(REPORT_PATH)))
                            for ext in ("png", "pdf")} for n in self.enabled(FIGURE_KINDS)},
            # docs/ as the report links it, when it renders a section that points there (the G_CG diagnosis).
            **({"docs": os.path.relpath(ROOT / "docs", os.path.abspath(os.path.dirname(self.render_path(REPORT_PATH))))}
               if self.gcg_diagnosis() else {}),
        }

    def report_inputs(self) -> dict[str, list[str]]:
        """The files the report reads: every enabled table's summary, the statistics, every run, and the G_CG
        diagnosis where there is one (:meth:`gcg_diagnosis`)."""
        stats = self.enabled(("stats",))
        return {"summaries": [self.outputs(n)["csv"] for n in self.enabled() if n not in stats],
                "stats": [self.outputs(n)["csv"] for n in stats],
                "runs": sorted({self.run_path(job) for n in self.enabled() for job in self.experiment_jobs(n)}),
                "diagnoses": self.gcg_diagnosis()}

    def gcg_diagnosis(self) -> list[str]:
        """``[path]`` of the G_CG diagnosis on credit (:data:`GCG_DIAGNOSIS_PATH` under ``output_dir``) when the file
        is there and credit's Table 2 is in the run, else ``[]``.  It is no job's output: ``bench/gcg_credit.py
        --out`` measures it at the paper's budget, so a quick run's folder never has one."""
        path = self.path(GCG_DIAGNOSIS_PATH)
        table2 = [e for e in map(self.experiments.get, self.enabled(("table",)))
                  if e.spec.get("paper_table") == "table2" and not e.protocol]  # an audit is not Table 2
        on_credit = any(c.dataset == "credit" for e in table2 for c in e.cells)
        return [path] if on_credit and os.path.isfile(path) else []

    def outputs(self, name: str) -> dict[str, str]:
        """The files experiment ``name`` renders."""
        kind = self.experiments[name].kind
        table = {ext: self.render_path(TABLE_PATH, name=name, ext=ext) for ext in ("csv", "md", "tex")}
        if kind in TABLE_KINDS or kind == "stats":
            return table
        return {"csv": table["csv"], "pdf": self.render_path(FIGURE_PATH, name=name, ext="pdf"),
                "png": self.render_path(FIGURE_PATH, name=name, ext="png")}

    def targets(self) -> list[str]:
        """Every final file of the enabled experiments, and the report."""
        files = [f for n in self.enabled() for f in self.outputs(n).values()]
        return files + [self.render_path(REPORT_PATH)]



def published_plan() -> Plan:
    """What ``results/`` publishes: the plan of ``config/published.yaml`` less the jobs that have no run file
    in ``results/runs/`` (a label added to ``config/config.yaml``'s experiments but never run at full budget is
    not published).  Its paths are relative to the repository's root."""
    plan = Plan(load_config(PUBLISHED_CONFIG), check_data=False)
    return plan.drop_jobs(lambda job: not (ROOT / plan.run_path(job)).is_file())


def narrowed_message(missing: list[str]) -> str:
    """Why a run that renders less than :func:`published_plan` into ``results/`` is refused, and what to do."""
    return ("this run renders into the repository's results/ and figures/ but covers less than "
            f"config/published.yaml publishes there: {'; '.join(missing)}.  It would overwrite the published "
            "report and tables with less, so it does not run.  To render a part of the grid, add "
            "render_dir=<folder> to --config (e.g. --config render_dir=partial: the tables, figures and report go "
            "there, while the jobs still read and write results/runs/, so the published runs are reused); to "
            "compare your own method with the paper and the published runs: make compare PLUGIN=my_methods.py "
            "METHODS=my_method TABLE=table1 (README, \"Adding a method\").")


def rate_key(rate: float) -> str:
    """The rate as it appears in paths: ``0.2`` -> ``"0.2"``."""
    return f"{float(rate):g}"



def _for_dataset(mapping: dict | None, dataset: str):
    """A per-dataset setting, by the dataset key or else by its base name (``celeba.Smiling`` -> ``celeba``)."""
    mapping = mapping or {}
    return mapping.get(dataset, mapping.get(dataset.split(".", 1)[0]))


