"""The competing methods of the suite, each registered with :func:`hexagan.methods.register`.

:data:`METHODS` says which module defines each method, so that the registry
imports a module (and torch, for the neural ones) only when one of its methods
is used.  The registry finds this table through the ``hexagan.methods`` entry
point of ``pyproject.toml``, as it would any third-party package's: the model
package names no baseline.
"""

METHODS = {
    "mean+logreg": "baselines.reference",
    "zeros": "baselines.simple",
    "mean": "baselines.simple",
    "matrix": "baselines.matrix",
    "knn": "baselines.knn",
    "mice": "baselines.mice",
    "iterative": "baselines.iterative",
    "missforest": "baselines.iterative",
    "autoencoder": "baselines.autoencoder",
    "gain": "baselines.gain",
    "triplegan": "baselines.triplegan",
    "cs": "baselines.supervised",
    "smote": "baselines.supervised",
    "mice+cs+triplegan": "baselines.cascade",
    "gain+cs+triplegan": "baselines.cascade",
    "mice+smote+triplegan": "baselines.cascade",
    "gain+smote+triplegan": "baselines.cascade",
}
