"""The config's ``methods:`` catalogue: named variants of registry methods, ``extends`` resolved, sweep labels."""
from __future__ import annotations

from dataclasses import dataclass, replace

from hexagan import methods as registry
from hexagan.suite.config import ConfigError, suggest

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
                raise ConfigError(f"methods.{label}.extends: unknown label {base_label!r}{suggest(base_label, catalogue)}")
            base = resolve(base_label, chain + (label,))
            method, params = base.method, {**base.params, **(entry.get("params") or {})}
            dataset_params = {d: {**base.dataset_params.get(d, {}), **p}
                              for d, p in {**base.dataset_params, **(entry.get("dataset_params") or {})}.items()}
        else:
            method = entry["method"]
            if method not in known:
                raise ConfigError(f"methods.{label}.method: unknown method {method!r}{suggest(method, known)} "
                                  f"(registered: {', '.join(known)})")
            params, dataset_params = dict(entry.get("params") or {}), dict(entry.get("dataset_params") or {})
        variant = Variant(label, method, params, dataset_params, str(entry.get("display") or label),
                          list(catalogue).index(label))
        out[label] = variant
        return variant

    for label in catalogue:
        resolve(label, ())
    return out


def sweep_variant(base: Variant, param: str, value, order: int) -> Variant:
    """The variant of a sensitivity sweep: ``base`` with ``param = value``, labelled ``base__param-value``."""
    label = f"{base.label}__{param}-{value:g}" if isinstance(value, (int, float)) else f"{base.label}__{param}-{value}"
    return replace(base, label=label, params={**base.params, param: value},
                   display=f"{base.display} ({param} = {value})", order=order)
