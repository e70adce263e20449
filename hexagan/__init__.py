"""HexaGAN replication suite.

Layers, each importing only those before it (``tests/test_layers.py``; ``docs/layout.md``):

1. the foundation, at the top level: :mod:`hexagan.data` (datasets), :mod:`hexagan.methods` (the method
   contract and registry), :mod:`hexagan.io` (atomic files, the checkpointing block), :mod:`hexagan.paper`
   (the paper's numbers);
2. :mod:`hexagan.replicas`: replicated training, shared with the neural baselines (``baselines/``);
3. :mod:`hexagan.model`: HexaGAN, its networks, losses, trainer and estimators;
4. :mod:`hexagan.protocol`: masks, splits, metrics, statistics and the protocol chain;
5. :mod:`hexagan.suite`: the workflow's side.

``import hexagan`` stays light: the estimators (and torch) load on first use
of ``hexagan.HexaGANImputer``, ``hexagan.HexaGANClassifier`` or ``hexagan.HexaGAN``.
"""
from importlib import import_module

_LAZY = {"HexaGANImputer": "hexagan.model.estimators", "HexaGANClassifier": "hexagan.model.estimators",
         "HexaGAN": "hexagan.model.gan"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hexagan' has no attribute {name!r}")
