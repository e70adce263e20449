"""Replicated training: K independent copies of a network trained as one batched model.

What HexaGAN and the neural baselines (``baselines/``) share: ``replica`` (batched layers, per-replica
random streams, best-state tracking), ``training`` (the one training loop, optimisers, padded data),
``checkpoint`` (a killed run resumes), ``estimator`` (the one scikit-learn estimator base), ``scaling``
(min-max scaling inside an estimator) and ``cost`` (a fit's time and memory, estimated before it starts).
It knows nothing of HexaGAN or of the protocol: it imports only the foundation (``hexagan.methods``, ``hexagan.io``).
"""
