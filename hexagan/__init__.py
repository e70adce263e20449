"""HexaGAN replication suite.

The model, one job per module: ``networks`` (E, G_MI, D_MI, G_CG, D_CG, C),
``losses`` and ``penalties`` (each loss by equation, and the adversarial losses
and regularisers by name), ``model`` (the six networks of K replicas and their
inference), ``train_config`` (every training setting), ``algorithm`` (Algorithm 2's trainer),
``evaluation`` (validation sets, scores, snapshots), ``estimators`` (the
scikit-learn imputer and classifier).  Shared with the neural baselines:
``replica`` (batched replicas), ``training`` (the loop, optimisers, padded
data), ``checkpoint``, ``replica_estimator`` (the one estimator base),
``scaling`` (min-max scaling inside an estimator), ``cost`` (a fit's time and
memory, estimated before it starts).  The
protocol: ``data``, ``missingness``, ``splits``, ``metrics``, ``methods``,
``protocol``; the workflow's side: ``suite``.

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
