"""HexaGAN itself, one job per module, on top of :mod:`hexagan.replicas`.

``networks`` (E, G_MI, D_MI, G_CG, D_CG, C), ``losses`` and ``penalties`` (each loss by equation, and the
adversarial losses and regularisers by name), ``gan`` (the six networks of K replicas and their
inference), ``train_config`` (every training setting), ``algorithm`` (Algorithm 2's trainer),
``evaluation`` (validation sets, scores, snapshots) and ``estimators`` (the scikit-learn imputer and
classifier, registered with :mod:`hexagan.methods`).  It never imports the protocol or the suite.
"""
