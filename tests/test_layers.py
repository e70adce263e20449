"""No back-arrows: a module imports only its own layer and the layers below it (docs/layout.md).

Read from the source with ``ast`` (nothing is imported), so an import inside a function -- a lazy one -- counts
as much as one at the top of a file.  The registry's table of the modules that define the built-in methods is
text, not an import: the registry imports a method's module by name, as it does a plugin's.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Lowest first.  The neural baselines are a plugin of the registry built on the replicas and the model; nothing
#: in hexagan imports them, and the protocol builds them by name.
LAYERS = (
    ("foundation", ("hexagan.data", "hexagan.methods", "hexagan.io", "hexagan.paper")),
    ("replicas", ("hexagan.replicas",)),
    ("model", ("hexagan.model",)),
    ("baselines", ("baselines",)),
    ("protocol", ("hexagan.protocol",)),
    ("suite", ("hexagan.suite",)),
)
PACKAGES = ("hexagan", "baselines")


def layer_of(module: str) -> int | None:
    """The rank of ``module``'s layer in :data:`LAYERS`, None for a module of none."""
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(module: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every import of the project's packages in ``source``, wherever it sits."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            # ``from hexagan.model import losses`` imports the submodule; ``from hexagan.io import keep`` the module
            found += [(node.lineno, f"{base}.{alias.name}" if _is_module(f"{base}.{alias.name}") else base)
                      for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


def back_arrows(module: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """``(line, imported module)`` for each import in ``source`` of a layer above ``module``'s, or of the package
    root (whose names are lazy aliases of the model's: import the module that defines them)."""
    rank = layer_of(module)
    return [(line, target) for line, target in imports(module, source, is_package=is_package)
            if target in PACKAGES or (layer_of(target) or 0) > rank]


def _describe(module: str, line: int, target: str) -> str:
    above = LAYERS[layer_of(target)][0] if layer_of(target) is not None else "the package root"
    return f"{module}:{line} ({LAYERS[layer_of(module)][0]}) imports {target} ({above})"


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            yield ".".join(parts[:-1] if is_package else parts), path, is_package


def test_every_module_belongs_to_a_layer():
    # a new module at the top of hexagan/ must be placed: the top level holds only the foundation
    loose = [module for module, _, _ in _sources() if module != "hexagan" and layer_of(module) is None]
    assert not loose, f"modules in no layer of tests/test_layers.py's LAYERS (and docs/layout.md): {loose}"


def test_no_module_imports_a_higher_layer():
    bad = [_describe(module, line, target) for module, path, is_package in _sources() if module != "hexagan"
           for line, target in back_arrows(module, path.read_text(), is_package=is_package)]
    assert not bad, "back-arrows (docs/layout.md):\n" + "\n".join(bad)


def test_the_package_root_imports_nothing_eagerly():
    # ``import hexagan`` stays light: its names load on first use (import_module), never at import
    assert imports("hexagan", (ROOT / "hexagan" / "__init__.py").read_text(), is_package=True) == []


@pytest.mark.parametrize("source, module, expected", [
    ("def f():\n    from hexagan.protocol import run\n", "hexagan.model.gan", ["hexagan.protocol"]),
    ("from hexagan.model import estimators\n", "hexagan.replicas.estimator", ["hexagan.model.estimators"]),
    ("from ..suite import plan\n", "hexagan.protocol.splits", ["hexagan.suite.plan"]),
    ("import hexagan.suite.job\n", "baselines.gain", ["hexagan.suite.job"]),
    ("from hexagan import HexaGANImputer\n", "hexagan.protocol.metrics", ["hexagan"]),
    ("from hexagan.replicas.training import train_loop\nfrom hexagan.io import keep\n", "hexagan.model.gan", []),
])
def test_the_check_catches_a_back_arrow(source, module, expected):
    assert [target for _, target in back_arrows(module, source)] == expected
