"""The workflow's configuration: loading and merging files, the schema, and the checks the schema cannot do.

``load_config`` does what Snakemake does with ``configfile:`` + ``--configfile`` (for tests and notebooks);
the schema (``config.schema.yaml`` beside this module) is the one the workflow validates against too.
"""
from __future__ import annotations

import difflib
import hashlib
import importlib
import json
from pathlib import Path
from typing import Any

from hexagan import methods as registry
from hexagan.data import available_datasets

class ConfigError(ValueError):
    """The workflow configuration is inconsistent; the message names the key to fix."""



def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, no spaces): equal specs give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def config_hash(spec: dict) -> str:
    """12 hex digits identifying what a result depends on (not where data or plugins live)."""
    keep = {k: v for k, v in spec.items() if k not in ("data_dir", "plugins", "config_hash")}
    return hashlib.sha256(canonical_json(keep).encode()).hexdigest()[:12]


def suggest(name: str, choices, n: int = 1) -> str:
    """"; did you mean 'x'?" (or 'x', 'y' or 'z' with ``n`` > 1): the closest of ``choices`` to a misspelt ``name``."""
    close = [repr(c) for c in difflib.get_close_matches(str(name), [str(c) for c in choices], n=n)]
    if not close:
        return ""
    return f"; did you mean {close[0] if len(close) == 1 else ', '.join(close[:-1]) + ' or ' + close[-1]}?"


def import_plugins(modules) -> None:
    """Import the config's ``plugins``: modules that register their own methods, each a module name
    (``my_package.methods``, importable from ``sys.path``) or the path of a Python file (``my_methods.py``,
    relative to the working directory: the repository's root for ``make`` and ``snakemake``)."""
    for module in modules or ():
        try:
            if str(module).endswith(".py"):
                _import_file(Path(module))
            else:
                importlib.import_module(module)
        except ImportError as err:
            raise ConfigError(f"plugins: cannot import {module!r}: {err}") from err


def _import_file(path: Path) -> None:
    """Import a plugin file once per process, as the module named by its stem."""
    import importlib.util
    import sys

    path = path.resolve()
    if not path.is_file():
        raise ImportError(f"no such file {path}")
    loaded = sys.modules.get(path.stem)
    if loaded is not None:
        if Path(getattr(loaded, "__file__", "") or "").resolve() == path:
            return
        raise ImportError(f"its name clashes with the module {path.stem!r} already imported from "
                          f"{getattr(loaded, '__file__', 'a built-in')}: rename the file")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[path.stem]
        raise



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
                raise ConfigError(f"{where}: unknown {kind} {name!r}{suggest(name, known)}")

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

    missing = {}
    for name in sorted(set(names)):
        module = registry.module_of(name)
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



ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "config" / "config.yaml"
#: The overlay that says what results/ publishes (hexagan.suite.plan.published_plan).
PUBLISHED_CONFIG = ROOT / "config" / "published.yaml"
SCHEMA = Path(__file__).with_name("config.schema.yaml")


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

