"""HexaGAN replication suite.

``import hexagan`` stays light: the estimators (and torch) load on first use
of ``hexagan.HexaGANImputer``, ``hexagan.HexaGANClassifier`` or ``hexagan.HexaGAN``.
"""
from importlib import import_module

_LAZY = {"HexaGANImputer": "hexagan.estimators", "HexaGANClassifier": "hexagan.estimators", "HexaGAN": "hexagan.model"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hexagan' has no attribute {name!r}")
