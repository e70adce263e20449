"""The workflow's Python side: config -> job grid -> one job -> tidy results.

The Snakemake workflow (``workflow/``) is thin: its rules ask a :class:`Plan`
which jobs exist and what each needs, and its scripts call one function of
this module (or of :mod:`hexagan.report`).  Everything here is plain Python,
so the grid, a job and the aggregation are testable without Snakemake.

Vocabulary
----------
label
    A named method variant of the config's ``methods:`` catalogue: a registry
    method (:mod:`hexagan.methods`) plus parameters.
job
    One (dataset, mechanism, rate, label): trains every split of the protocol
    (``n_repeats`` x ``n_folds``, or the configured subset) and writes one tidy
    TSV, ``results/runs/{dataset}/{mechanism}_{rate}/{label}.tsv``, plus an
    ``.extras.npz`` beside it (learning curves, snapshots and samples when an
    experiment needs them; empty otherwise).  Jobs are independent of the
    experiments that use them: two experiments asking for the same method
    with the same parameters on the same data share one job.
experiment
    One table or figure of the config's ``experiments:``; it lists cells
    (dataset, mechanism, rate, label) and how to render them.

A dataset key is a :func:`hexagan.data.load_dataset` name, optionally with one
option after a dot: ``celeba.Smiling`` is CelebA labelled by ``Smiling``.
"""
from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hexagan import methods as registry
from hexagan import protocol
from hexagan.data import DataError, Dataset, available_datasets, load_dataset
from hexagan.io import atomic_path, checkpointing, write_table
from hexagan.missingness import MECHANISMS

__all__ = [
    "ConfigError",
    "Job",
    "Plan",
    "collect",
    "load",
    "run_job",
    "summarize",
    "write_masks",
]

#: Paths of the workflow's files, relative to ``output_dir``.
RUN_PATH = "results/runs/{dataset}/{mechanism}_{rate}/{label}.tsv"
EXTRAS_PATH = "results/runs/{dataset}/{mechanism}_{rate}/{label}.extras.npz"
MASK_PATH = "results/masks/{dataset}/{mechanism}_{rate}/repeat{repeat}.npz"
BENCHMARK_PATH = "results/benchmarks/{dataset}/{mechanism}_{rate}/{label}.tsv"
JOB_LOG_PATH = "logs/runs/{dataset}/{mechanism}_{rate}/{label}.log"
MASK_LOG_PATH = "logs/masks/{dataset}/{mechanism}_{rate}/repeat{repeat}.log"
TABLE_PATH = "results/tables/{name}.{ext}"
FIGURE_PATH = "figures/{name}.{ext}"
REPORT_PATH = "results/report.md"
#: Where training jobs checkpoint (one folder per config hash), relative to ``output_dir``: outside results/,
#: git-ignored.
CHECKPOINTS_PATH = ".hexagan-cache/checkpoints"

#: Experiment kinds and what they render.
TABLE_KINDS = ("table", "sensitivity")
FIGURE_KINDS = ("rate_curve", "learning_curves", "mnist_imputations", "mnist_tsne", "mnist_samples")
KINDS = TABLE_KINDS + FIGURE_KINDS + ("stats",)
#: Kinds whose jobs must keep learning curves / snapshots / samples.
NEEDS_HISTORY = ("learning_curves",)
NEEDS_SNAPSHOTS = ("mnist_imputations", "mnist_tsne")
NEEDS_SAMPLES = ("mnist_samples",)

#: Metrics where lower is better; every other metric is higher-is-better.
LOWER_IS_BETTER = ("rmse", "rmse_rowmean", "rmse_train", "rmse_train_rowmean", "fit_seconds")


class ConfigError(ValueError):
    """The workflow configuration is inconsistent; the message names the key to fix."""


def lower_is_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER


def rate_key(rate: float) -> str:
    """The rate as it appears in paths: ``0.2`` -> ``"0.2"``."""
    return f"{float(rate):g}"


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces): equal specs give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _suggest(name: str, choices) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def import_plugins(modules) -> None:
    """Import the config's ``plugins`` (modules that register their own methods)."""
    for module in modules or ():
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise ConfigError(f"plugins: cannot import {module!r}: {err}") from err


# --------------------------------------------------------------------------
# Method variants
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One entry of the ``methods:`` catalogue, ``extends`` resolved."""

    label: str
    method: str
    params: dict
    dataset_params: dict
    display: str
    order: int

    def params_for(self, dataset: str, overrides: dict | None = None) -> dict:
        """Parameters on ``dataset`` (its base name: ``celeba.Smiling`` -> ``celeba``) after overrides."""
        base = dataset.split(".", 1)[0]
        return {**self.params, **self.dataset_params.get(base, {}), **(overrides or {})}


def resolve_variants(catalogue: dict, *, known: list[str] | None = None) -> dict[str, Variant]:
    """Resolve ``extends`` chains and check every method name against the registry.

    Raises
    ------
    ConfigError
        Unknown registry method (with the closest name), unknown or cyclic
        ``extends``, an entry with both or neither of ``method``/``extends``.
    """
    known = registry.available() if known is None else known
    out: dict[str, Variant] = {}

    def resolve(label: str, chain: tuple[str, ...]) -> Variant:
        if label in out:
            return out[label]
        if label in chain:
            raise ConfigError(f"methods: 'extends' cycle {' -> '.join(chain + (label,))}")
        entry = catalogue[label] or {}
        has_method, has_base = "method" in entry, "extends" in entry
        if has_method == has_base:
            raise ConfigError(f"methods.{label}: give exactly one of 'method' (a registry name) or 'extends' (a label)")
        if has_base:
            base_label = entry["extends"]
            if base_label not in catalogue:
                raise ConfigError(f"methods.{label}.extends: unknown label {base_label!r}{_suggest(base_label, catalogue)}")
            base = resolve(base_label, chain + (label,))
            method, params = base.method, {**base.params, **(entry.get("params") or {})}
            dataset_params = {d: {**base.dataset_params.get(d, {}), **p}
                              for d, p in {**base.dataset_params, **(entry.get("dataset_params") or {})}.items()}
        else:
            method = entry["method"]
            if method not in known:
                raise ConfigError(f"methods.{label}.method: unknown method {method!r}{_suggest(method, known)} "
                                  f"(registered: {', '.join(known)})")
            params, dataset_params = dict(entry.get("params") or {}), dict(entry.get("dataset_params") or {})
        variant = Variant(label, method, params, dataset_params, str(entry.get("display") or label),
                          list(catalogue).index(label))
        out[label] = variant
        return variant

    for label in catalogue:
        resolve(label, ())
    return out


def check_setting_keys(config: dict, *, methods: list[str] | None = None,
                       datasets: list[str] | None = None) -> None:
    """Check the registry-method and dataset names that the settings use as keys.

    A misspelt key would otherwise apply to nothing, with no error.  Dataset
    keys may be a base name (``celeba`` for every ``celeba.<attribute>``).

    Raises
    ------
    ConfigError
        Naming the setting, the unknown name and the closest known one.
    """
    methods = registry.available() if methods is None else methods
    datasets = available_datasets() if datasets is None else datasets
    resources = config.get("resources") or {}

    def check(where: str, names, known) -> None:
        for name in names or ():
            if str(name).split(".", 1)[0] not in known:
                kind = "method" if known is methods else "dataset"
                raise ConfigError(f"{where}: unknown {kind} {name!r}{_suggest(name, known)}")

    check("gpu_methods", config.get("gpu_methods"), methods)
    check("method_overrides", config.get("method_overrides"), methods)
    check("resources.methods", resources.get("methods"), methods)
    for where, by_dataset in (("method_overrides_by_dataset", config.get("method_overrides_by_dataset")),
                              ("resources.methods_by_dataset", resources.get("methods_by_dataset"))):
        check(where, by_dataset, datasets)
        for dataset, by_method in (by_dataset or {}).items():
            check(f"{where}.{dataset}", by_method, methods)
    for where in ("protocol_by_dataset", "subsample", "subsample_features", "dataset_options"):
        check(where, config.get(where), datasets)
    check("resources.datasets", resources.get("datasets"), datasets)


def unavailable_methods(names) -> dict[str, str]:
    """Registry names whose built-in module is not there (yet): name -> why.

    Cheap (no method module is imported, so no torch): it only looks the
    module up.  A module that exists but fails to import fails its jobs with
    the import error (:func:`run_job`).
    """
    import importlib.util

    modules = getattr(registry, "_BUILTIN_MODULES", {})
    missing = {}
    for name in sorted(set(names)):
        module = modules.get(name)
        if module is None:
            continue  # registered by a plugin: already imported
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError as err:
            found, why = False, str(err)
        else:
            why = f"module {module} not found"
        if not found:
            missing[name] = why
    return missing


# --------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------


def split_dataset_key(key: str) -> tuple[str, dict]:
    """``"celeba.Smiling"`` -> ``("celeba", {"attribute": "Smiling"})``; ``"credit"`` -> ``("credit", {})``."""
    name, _, option = key.partition(".")
    if not option:
        return name, {}
    if name != "celeba":
        raise ConfigError(f"dataset {key!r}: only celeba takes an option after the dot (its attribute)")
    return name, {"attribute": option}


def subsample(ds: Dataset, n: int, seed: int) -> Dataset:
    """``n`` labelled rows of ``ds``, stratified and seeded (and the same share of its unlabelled pool).

    Deterministic in (dataset name, n, seed); the name is kept, so masks and
    splits are drawn as for any dataset of that shape.
    """
    n_rows = len(ds.y)
    if n >= n_rows:
        return ds
    rng = np.random.default_rng([seed, zlib.crc32(ds.name.encode()), n])
    keep = []
    labels, counts = np.unique(ds.y, return_counts=True)
    quota = np.maximum(1, np.floor(counts * n / n_rows).astype(int))
    quota[np.argmax(counts)] += n - quota.sum()  # exact total, remainder to the majority class
    for label, q in zip(labels, quota):
        rows = np.flatnonzero(ds.y == label)
        keep.append(rng.choice(rows, size=min(q, len(rows)), replace=False))
    keep = np.sort(np.concatenate(keep))
    n_pool = len(ds.X_unlabeled)
    pool = np.sort(rng.choice(n_pool, size=int(round(n_pool * n / n_rows)), replace=False)) if n_pool else []
    return replace(ds, X=ds.X[keep], y=ds.y[keep], X_unlabeled=ds.X_unlabeled[pool])


def subsample_features(ds: Dataset, k: int, seed: int) -> Dataset:
    """``k`` of the features of ``ds`` (a seeded random subset, in their original order)."""
    if k >= ds.n_features:
        return ds
    if ds.image_shape is not None:
        raise ConfigError(f"subsample_features: {ds.name} is an image dataset; its features cannot be subsampled")
    rng = np.random.default_rng([seed, zlib.crc32(ds.name.encode()), k, 1])
    cols = np.sort(rng.choice(ds.n_features, size=k, replace=False))
    return replace(ds, X=ds.X[:, cols], X_unlabeled=ds.X_unlabeled[:, cols],
                   feature_names=[ds.feature_names[j] for j in cols])


def load(key: str, *, data_dir: str | None = None, options: dict | None = None, n: int | None = None,
         features: int | None = None, seed: int = 0) -> Dataset:
    """The dataset of a job: loaded by key with its options, then subsampled (rows ``n``, ``features``)."""
    name, key_options = split_dataset_key(key)
    ds = load_dataset(name, data_home=data_dir, **{**(options or {}), **key_options})
    if key_options:  # name the variant after its key, so that its masks and paths differ
        ds = replace(ds, name=key)
    if features:
        ds = subsample_features(ds, int(features), seed)
    return subsample(ds, int(n), seed) if n else ds


def data_present(key: str, data_dir: str | None = None, options: dict | None = None) -> bool:
    """Whether a dataset can be loaded without a download (CelebA: its first image is read)."""
    name, key_options = split_dataset_key(key)
    opts = {**(options or {}), **key_options}
    if name == "celeba":
        opts["limit"] = 1
    try:
        load_dataset(name, data_home=data_dir, download=False, **opts)
    except DataError:
        return False
    return True


# --------------------------------------------------------------------------
# The plan: experiments -> cells -> deduplicated jobs
# --------------------------------------------------------------------------


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
        The validated config (``workflow/schemas/config.schema.yaml``).
    check_data : bool
        Whether experiments with ``enabled: if_data`` look for their files
        (False: they are treated as enabled, e.g. to list the full grid).
    """

    def __init__(self, config: dict, *, check_data: bool = True):
        self.config = config
        import_plugins(config.get("plugins"))
        self.out = str(config.get("output_dir") or ".")
        self.protocol = dict(config["protocol"])
        self.variants = resolve_variants(config["methods"])
        check_setting_keys(config)
        self.experiments: dict[str, Experiment] = {}
        self.jobs: dict[tuple, Job] = {}
        self._generated: dict[str, Variant] = {}
        only = config.get("run_experiments")
        for name in only or ():
            if name not in config["experiments"]:
                raise ConfigError(f"run_experiments: unknown experiment {name!r}{_suggest(name, config['experiments'])}")
        self.only_datasets = config.get("run_datasets")
        for name in self.only_datasets or ():
            if name not in available_datasets():
                raise ConfigError(f"run_datasets: unknown dataset {name!r}{_suggest(name, available_datasets())}")
        cells = []
        for name, spec in config["experiments"].items():
            if only is not None and name not in only:
                self.experiments[name] = Experiment(name, spec.get("kind"), spec, enabled=False,
                                                    skipped_because="not in run_experiments")
                continue
            exp = self._parse_experiment(name, spec, check_data)
            self.experiments[name] = exp
            cells.extend((exp, cell) for cell in exp.cells)
        self._build_jobs(cells)

    # -- paths -------------------------------------------------------------
    def path(self, template: str, **fields) -> str:
        """``template`` under ``output_dir`` (a Snakemake pattern when ``fields`` is empty)."""
        return os.path.normpath(os.path.join(self.out, template.format(**fields) if fields else template))

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
        raise ConfigError(f"{where}: unknown method label {label!r}{_suggest(label, self.variants)} "
                          f"(labels are the keys of methods:)")

    def _parse_experiment(self, name: str, spec: dict, check_data: bool) -> Experiment:
        where = f"experiments.{name}"
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"{where}.kind: unknown kind {kind!r}{_suggest(kind, KINDS)}; choose one of {KINDS}")
        exp = Experiment(name, kind, spec, protocol=spec.get("protocol"))
        if exp.protocol is not None and exp.protocol not in (self.config.get("protocols") or {}):
            raise ConfigError(f"{where}.protocol: unknown protocol {exp.protocol!r}"
                              f"{_suggest(exp.protocol, self.config.get('protocols') or {})} (names of protocols:)")
        if kind == "stats":
            for table, label in (spec.get("reference") or {}).items():
                if table not in self.config["experiments"]:
                    raise ConfigError(f"{where}.reference: unknown experiment {table!r}"
                                      f"{_suggest(table, self.config['experiments'])}")
                self.variant(label, f"{where}.reference.{table}")
            return exp
        datasets = list(spec.get("datasets") or [])
        for key in datasets:
            base, _ = split_dataset_key(key)
            if base not in available_datasets():
                raise ConfigError(f"{where}.datasets: unknown dataset {base!r}{_suggest(base, available_datasets())}")
        mechanism = spec.get("mechanism", "mcar")
        if mechanism not in MECHANISMS:
            raise ConfigError(f"{where}.mechanism: unknown mechanism {mechanism!r}; choose one of {MECHANISMS}")
        rates_by = spec.get("rate_by_dataset") or {}
        for key in rates_by:
            if key not in datasets:
                raise ConfigError(f"{where}.rate_by_dataset: {key!r} is not one of its datasets {datasets}")
        if self.only_datasets is not None:
            # Rate overrides are checked above against the full list: an overlay that narrows the
            # datasets must not turn a valid config into an invalid one.
            datasets = [key for key in datasets if split_dataset_key(key)[0] in self.only_datasets]
            if not datasets:
                exp.enabled, exp.skipped_because = False, "none of its datasets in run_datasets"
                return exp
        enabled = spec.get("enabled", True)
        if enabled == "if_data":
            missing = [d for d in datasets if check_data and not data_present(
                d, self.config.get("data_dir"), (self.config.get("dataset_options") or {}).get(d.split(".")[0]))]
            exp.enabled = not missing
            if missing:
                exp.skipped_because = f"data absent for {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"
        else:
            exp.enabled = bool(enabled)
            if not exp.enabled:
                exp.skipped_because = "disabled in the config"
        entries = self._entries(name, spec, kind)
        for key in datasets:
            rates = [rates_by[key]] if key in rates_by else list(spec.get("rates") or [0.2])
            for rate in rates:
                exp.cells.extend(Cell(dataset=key, mechanism=mechanism, rate=rate_key(rate), job="", **entry)
                                 for entry in entries)
        return exp

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
        label = f"{base.label}__{param}-{value:g}" if isinstance(value, (int, float)) else f"{base.label}__{param}-{value}"
        if label not in self._generated:
            self._generated[label] = replace(base, label=label, params={**base.params, param: value},
                                             display=f"{base.display} ({param} = {value})",
                                             order=len(self.variants) + len(self._generated))
        return label

    def _build_jobs(self, cells) -> None:
        """Deduplicate cells into jobs: same data, method and effective parameters -> one job."""
        overrides = self.config.get("method_overrides") or {}
        by_dataset = self.config.get("method_overrides_by_dataset") or {}
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

    def repeats(self, dataset: str) -> list[int]:
        proto = self.protocol_for(dataset)
        return list(proto["repeats"]) if proto.get("repeats") is not None else list(range(proto["n_repeats"]))

    def protocol_for(self, dataset: str) -> dict:
        base = dataset.split(".", 1)[0]
        return {**self.protocol, **((self.config.get("protocol_by_dataset") or {}).get(base) or {})}

    def mask_paths(self, dataset: str, mechanism: str, rate: str) -> list[str]:
        return [self.path(MASK_PATH, dataset=dataset, mechanism=mechanism, rate=rate, repeat=r)
                for r in self.repeats(dataset)]

    def _data_spec(self, dataset: str) -> dict:
        # Not the data folder: moving the files must not re-run anything (scripts add config["data_dir"]).
        base = dataset.split(".", 1)[0]
        return dict(dataset=dataset,
                    options=(self.config.get("dataset_options") or {}).get(base) or {},
                    subsample=_for_dataset(self.config.get("subsample"), dataset),
                    subsample_features=_for_dataset(self.config.get("subsample_features"), dataset),
                    seed=self.config["seed"])

    def mask_spec(self, dataset: str, mechanism: str, rate: str, repeat: int) -> dict:
        proto = self.protocol_for(dataset)
        return dict(self._data_spec(dataset), mechanism=mechanism, rate=float(rate), repeat=int(repeat),
                    label_rate=proto.get("label_rate"))

    def job_spec(self, job: Job) -> dict:
        """Everything a job's result depends on (and its provenance), as one JSON-able dict."""
        figures = self.config.get("figures") or {}
        proto = self.protocol_for(job.dataset)
        if job.protocol is not None:
            # Only overlays carry the name: the spec (and hash) of every other job stays as it was.
            proto = {**proto, **self.config["protocols"][job.protocol], "name": job.protocol}
        spec = dict(self._data_spec(job.dataset), mechanism=job.mechanism, rate=float(job.rate), label=job.label,
                    method=job.method, params=job.params, protocol=proto,
                    device=self.config.get("device", "auto"),
                    history=job.history, snapshots=job.snapshots,
                    snapshot_rows=max(int(figures.get("snapshot_rows", 16)), int(figures.get("tsne_points", 1000)))
                    if job.snapshots else 0,
                    samples_per_class=int(figures.get("samples_per_class", 10)) if job.samples else 0)
        spec["config_hash"] = config_hash(spec)
        return spec

    def resources(self, job: Job) -> dict:
        """mem_mb, runtime (minutes) and gpu of one job: the config's layers, the most specific last.

        default < datasets < methods < methods_by_dataset, keyed by registry method like ``gpu_methods``
        (a job's cost depends on the data and the method together: MICE on credit, HexaGAN on madelon).
        """
        res = self.config.get("resources") or {}
        out = {"mem_mb": 4000, "runtime": 240}
        for layer in (res.get("default"), _for_dataset(res.get("datasets"), job.dataset),
                      (res.get("methods") or {}).get(job.method),
                      (_for_dataset(res.get("methods_by_dataset"), job.dataset) or {}).get(job.method)):
            out.update(layer or {})
        wants_gpu = self.config.get("request_gpus") and job.method in (self.config.get("gpu_methods") or [])
        out["gpu"] = 1 if wants_gpu else 0
        return out

    def experiment_jobs(self, name: str) -> list[Job]:
        exp = self.experiments[name]
        if exp.kind == "stats":
            jobs = []
            for table in (exp.spec.get("reference") or {}):
                if self.experiments[table].enabled:
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
                "figures": self.config.get("figures") or {}}
        if exp.kind == "stats":
            spec["tables"] = {t: self.experiment_spec(t) for t in exp.spec.get("reference") or {}
                              if self.experiments[t].enabled}
        return spec

    def report_spec(self) -> dict:
        """What the report needs: every enabled experiment's spec and summary file, and the settings."""
        return {
            "experiments": {n: {"kind": e.kind, "spec": self.experiment_spec(n) if e.enabled else None,
                                "enabled": e.enabled, "skipped_because": e.skipped_because}
                            for n, e in self.experiments.items()},
            "protocol": self.protocol,
            "subsample": self.config.get("subsample") or {},
            "subsample_features": self.config.get("subsample_features") or {},
            "method_overrides": {**(self.config.get("method_overrides") or {}),
                                 **{f"{m} on {d}": p for d, by in (self.config.get("method_overrides_by_dataset") or {}).items()
                                    for m, p in by.items()}},
            "run_datasets": self.only_datasets,
            "output_dir": self.out,
            "n_jobs": len(self.jobs),
        }

    def report_inputs(self) -> dict[str, list[str]]:
        """The files the report reads: every enabled table's summary, the statistics, every run."""
        stats = self.enabled(("stats",))
        return {"summaries": [self.outputs(n)["csv"] for n in self.enabled() if n not in stats],
                "stats": [self.outputs(n)["csv"] for n in stats],
                "runs": sorted({self.run_path(job) for n in self.enabled() for job in self.experiment_jobs(n)})}

    def outputs(self, name: str) -> dict[str, str]:
        """The files experiment ``name`` renders."""
        kind = self.experiments[name].kind
        table = {ext: self.path(TABLE_PATH, name=name, ext=ext) for ext in ("csv", "md", "tex")}
        if kind in TABLE_KINDS or kind == "stats":
            return table
        return {"csv": table["csv"], "pdf": self.path(FIGURE_PATH, name=name, ext="pdf"),
                "png": self.path(FIGURE_PATH, name=name, ext="png")}

    def targets(self) -> list[str]:
        """Every final file of the enabled experiments, and the report."""
        files = [f for n in self.enabled() for f in self.outputs(n).values()]
        return files + [self.path(REPORT_PATH)]


def _for_dataset(mapping: dict | None, dataset: str):
    """A per-dataset setting, by the dataset key or else by its base name (``celeba.Smiling`` -> ``celeba``)."""
    mapping = mapping or {}
    return mapping.get(dataset, mapping.get(dataset.split(".", 1)[0]))


def config_hash(spec: dict) -> str:
    """12 hex digits identifying what a result depends on (not where data or plugins live)."""
    keep = {k: v for k, v in spec.items() if k not in ("data_dir", "plugins", "config_hash")}
    return hashlib.sha256(canonical_json(keep).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------
# Running a job
# --------------------------------------------------------------------------


def write_masks(spec: dict, path: str) -> None:
    """Draw and save the masks of one (dataset, mechanism, rate, repeat) (rule ``masks``)."""
    ds = load(spec["dataset"], data_dir=spec.get("data_dir"), options=spec.get("options"), n=spec.get("subsample"),
              features=spec.get("subsample_features"), seed=spec["seed"])
    masks = protocol.make_masks(ds, spec["mechanism"], spec["rate"], spec["repeat"], label_rate=spec.get("label_rate"),
                                base_seed=spec["seed"])
    protocol.save_masks(path, masks)


def _git_commit() -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        # Rendered outputs are not code: a table re-rendered while a job trains must not mark it dirty.
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!results", ":!figures"], capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _method_class(name: str):
    """The registry class, with a clear error when its implementation is not importable."""
    try:
        return registry.get(name)
    except ImportError as err:
        raise registry.MethodError(
            f"method {name!r} is in the registry but its implementation cannot be imported ({err}); "
            f"it may not be written yet -- remove its labels from the config's experiments or add the module"
        ) from err


def _device_of(cls, params: dict) -> str:
    """The device a job trains on, for the provenance columns."""
    device = params.get("device")
    if device is None:
        return "cpu"
    if device == "auto":
        torch = sys.modules.get("torch")
        return "cuda" if torch is not None and torch.cuda.is_available() else "cpu"
    return str(device)


class _Recorder:
    """``on_fit`` hook of :func:`hexagan.protocol.run`: keeps curves, snapshots and samples of the fits."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.curves: list[pd.DataFrame] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.index = 0

    def __call__(self, est, sd) -> None:
        i, self.index = self.index, self.index + 1
        split = dict(repeat=sd.split.repeat, fold=sd.split.fold)
        if self.spec.get("history"):
            curves = getattr(est, "history_", None)
            if curves is None:
                curves = getattr(est, "curves_", None)
            if curves is None:
                raise RuntimeError(f"{type(est).__name__} has neither history_ nor curves_: no learning curves to keep")
            curves = pd.DataFrame(curves)
            if "replica" in curves and curves["replica"].nunique() > 1:
                curves = curves[curves["replica"] == i]
            self.curves.append(curves.drop(columns="replica", errors="ignore").assign(**split))
        if i > 0:
            return  # snapshots and samples come from the first split only
        if self.spec.get("snapshots"):
            snaps = getattr(est, "snapshots_", None)
            if not snaps:
                raise RuntimeError(f"{type(est).__name__} kept no snapshots_: set its snapshot_steps parameter")
            rows = self.spec.get("snapshot_rows") or 16
            for step, arrays in sorted(snaps.items()):
                for name, value in arrays.items():
                    value = _to_numpy(value)
                    self.arrays[f"snapshot/{int(step)}/{name}"] = value[:rows] if value.ndim else value
            self.arrays["data/x_true"] = sd.X_train_true[:rows].astype(np.float32)
            self.arrays["data/x_missing"] = sd.X_train[:rows].astype(np.float32)
            self.arrays["data/image_shape"] = np.asarray(self.spec.get("image_shape") or (), dtype=int)
        n = self.spec.get("samples_per_class") or 0
        if n:
            model = getattr(est, "model_", None)
            if model is None or not hasattr(model, "sample"):
                raise RuntimeError(f"{type(est).__name__} has no model_.sample(n, y): cannot draw class-conditional samples")
            y = np.repeat(np.arange(sd.n_classes), n)
            out = model.sample(len(y), y)
            arrays = out if isinstance(out, dict) else {"x": out}
            for name, value in arrays.items():
                value = _to_numpy(value)
                self.arrays[f"samples/{name}"] = value[0] if value.ndim == 3 and value.shape[1] == len(y) else value
            self.arrays["samples/y"] = y

    def extras(self) -> dict[str, np.ndarray]:
        out = dict(self.arrays)
        if self.curves:
            curves = pd.concat(self.curves, ignore_index=True)
            for column in ("step", "repeat", "fold", "value"):
                out[f"history/{column}"] = curves[column].to_numpy()
            for column in ("name", "phase"):  # text as unicode arrays, not objects: loadable without pickle
                if column in curves:
                    out[f"history/{column}"] = np.asarray(curves[column].astype(str).tolist(), dtype=str)
        return out


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    return value.astype(np.float32) if value.dtype.kind == "f" else value


def run_job(spec: dict, mask_files: list[str] | None = None, *, threads: int = 1, checkpoints=None,
            checkpoint_every: float = 300.0) -> tuple[pd.DataFrame, dict]:
    """Train every split of one job; return (tidy results with provenance, extras arrays).

    Parameters
    ----------
    spec : dict
        :meth:`Plan.job_spec` (dataset, method, params, protocol, ...).
    mask_files : list of str, optional
        The saved masks of the job's repeats (``repeatN.npz``); masks not given
        are drawn, identical to the saved ones.
    threads : int
        Torch threads, when the method uses torch.
    checkpoints : path, optional
        A folder (the workflow's: :data:`CHECKPOINTS_PATH` under ``output_dir``)
        where the job's training runs save their state every
        ``checkpoint_every`` seconds (:func:`hexagan.io.checkpointing`), in a
        subfolder named by the job's config hash, so that a changed job never
        resumes a stale state.  A rerun of a killed job resumes from it (and
        logs that it did) and gives the numbers of an uninterrupted run; the
        subfolder is removed once the job has succeeded.  None: no checkpoints.
    """
    start = time.perf_counter()
    commit = _git_commit()  # now, not when the rows are written: the checkout may move on during a long job
    import_plugins(spec.get("plugins"))
    cls = _method_class(spec["method"])
    params = dict(spec["params"])
    valid = cls().get_params(deep=False) if hasattr(cls, "get_params") else {}
    if "device" in valid and "device" not in params:
        params["device"] = spec.get("device", "auto")
    if "n_threads" in valid and params.get("n_threads") is None:
        params["n_threads"] = max(1, int(threads))  # not in the spec: threads do not change results
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(max(1, int(threads)))
    ds = load(spec["dataset"], data_dir=spec.get("data_dir"), options=spec.get("options"), n=spec.get("subsample"),
              features=spec.get("subsample_features"), seed=spec["seed"])
    masks = {}
    for path in mask_files or []:
        repeat = int(Path(path).stem.removeprefix("repeat"))
        masks[repeat] = protocol.load_masks(path)
    proto = spec["protocol"]
    recorder = _Recorder({**spec, "image_shape": ds.image_shape})
    job_hash = spec.get("config_hash") or config_hash(spec)
    job_checkpoints = None if checkpoints is None else Path(checkpoints) / job_hash
    with (contextlib.nullcontext() if job_checkpoints is None else
          checkpointing(job_checkpoints, every=checkpoint_every, meta={"config_hash": job_hash},
                        info={"git_commit": commit})):
        results = protocol.run(
            ds, spec["method"], params, mechanism=spec["mechanism"], rate=spec["rate"],
            label_rate=proto.get("label_rate"), n_repeats=proto["n_repeats"], n_folds=proto["n_folds"],
            repeats=proto.get("repeats"), folds=proto.get("folds"), val_fraction=proto["val_fraction"],
            scaling=proto["scaling"], seed=spec["seed"], masks=masks, train_rmse=proto.get("train_rmse", True),
            selection=proto.get("selection", "validation"), on_fit=recorder,
            # Only audit overlays carry it: a key in every protocol would change every published job's spec.
            **({"monitor_every": proto["monitor_every"]} if "monitor_every" in proto else {}),
        )
    if job_checkpoints is not None:
        shutil.rmtree(job_checkpoints, ignore_errors=True)  # every run removed its own file; stray temporaries too
    results.insert(2, "label", spec["label"])
    provenance = {
        "config_hash": job_hash,
        "params": canonical_json(spec["params"]),
        "seed": spec["seed"],
        "subsample": spec.get("subsample") or "",
        "subsample_features": spec.get("subsample_features") or "",
        "n_rows": len(ds.y),
        "git_commit": commit,
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "sklearn": _version("scikit-learn"),
        "python": platform.python_version(),
        "device": _device_of(cls, params),
        "threads": threads,
        "wall_seconds": round(time.perf_counter() - start, 3),
    }
    if proto.get("name"):
        provenance["protocol"] = proto["name"]  # an overlay (the audit); the honest jobs' rows stay as they were
    return results.assign(**provenance), recorder.extras()


def run_job_to_files(spec: dict, mask_files: list[str], tsv: str, extras: str, *, threads: int = 1, checkpoints=None,
                     checkpoint_every: float = 300.0) -> None:
    """:func:`run_job`, writing its two outputs atomically (rule ``run``)."""
    results, arrays = run_job(spec, mask_files, threads=threads, checkpoints=checkpoints,
                              checkpoint_every=checkpoint_every)
    with atomic_path(extras) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    write_table(tsv, results)


# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------

#: Columns that identify one value of an experiment (beside the value itself).
CELL_COLUMNS = ("row", "paper_row", "label", "dataset", "mechanism", "rate", "panel", "param", "setting")


def collect(spec: dict) -> pd.DataFrame:
    """Every per-split value of an experiment: one row per (cell, repeat, fold, metric).

    ``spec`` is :meth:`Plan.experiment_spec`; each job file is read once.
    """
    cache: dict[str, pd.DataFrame] = {}
    parts = []
    for cell in spec["cells"]:
        if cell["run"] not in cache:
            cache[cell["run"]] = pd.read_csv(cell["run"], sep="\t")
        runs = cache[cell["run"]]
        part = runs[["repeat", "fold", "metric", "value"]].copy()
        for column in CELL_COLUMNS:
            part[column] = cell.get(column)
        part["rate"] = float(cell["rate"])
        if cell.get("metric"):  # sensitivity rows keep only their own metric
            part = part[part["metric"] == cell["metric"]]
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*CELL_COLUMNS, "repeat", "fold", "metric", "value"])
    return pd.concat(parts, ignore_index=True)


def summarize(values: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (ddof = 1, as over repeated runs) and count of every cell and metric."""
    keys = [c for c in (*CELL_COLUMNS, "metric") if c in values]
    grouped = values.groupby(keys, dropna=False, sort=False)["value"]
    out = grouped.agg(mean="mean", std=lambda v: v.std(ddof=1) if len(v) > 1 else 0.0, n="count").reset_index()
    return out


def read_extras(path: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def history_frame(extras: dict) -> pd.DataFrame:
    """The learning curves kept in a job's extras: columns step, name, value, repeat, fold (and phase)."""
    columns = ["step", "name", "value", "repeat", "fold"] + (["phase"] if "history/phase" in extras else [])
    if "history/step" not in extras:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame({c: extras[f"history/{c}"] for c in columns})


# --------------------------------------------------------------------------
# Config files (what Snakemake does with configfile: + --configfile, for tests and notebooks)
# --------------------------------------------------------------------------

#: The workflow's default config and its schema, beside this package.
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "config" / "config.yaml"
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def merge(base: dict, update: dict) -> dict:
    """``base`` updated by ``update`` (a new dict), exactly as Snakemake merges --configfile over configfile:."""
    import copy

    from snakemake.utils import update_config

    out = copy.deepcopy(base)
    update_config(out, copy.deepcopy(update))
    return out


def load_config(*files, overrides: dict | None = None, validate: bool = True) -> dict:
    """The default config updated by ``files`` (YAML) and ``overrides``, validated with defaults filled."""
    import yaml

    config: dict = {}
    for path in (DEFAULT_CONFIG, *files):
        with open(path) as fh:
            config = merge(config, yaml.safe_load(fh) or {})
    config = merge(config, overrides or {})
    if validate:
        from snakemake.utils import validate as snakemake_validate

        snakemake_validate(config, str(SCHEMA))
    return config


@contextlib.contextmanager
def script_log(path):
    """Send a workflow script's output to its log file; a failure's traceback goes there too, then re-raises."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        try:
            yield
        except BaseException:
            traceback.print_exc()
            raise
