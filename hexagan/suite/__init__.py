"""The replication suite: the workflow's Python side, separate from the model (the rest of :mod:`hexagan`).

The Snakemake workflow (``workflow/``) is thin: its rules ask a :class:`~hexagan.suite.plan.Plan` which
jobs exist and what each needs, and its scripts call one function of a module here.  Everything is plain
Python, so the grid, a job, the aggregation and the renderers are testable without Snakemake.  Nothing in
:mod:`hexagan` imports this package, and nothing here imports from ``workflow/``.

One module, one job:

=====================  ============================================================================
``constants``          paths of the workflow's files, experiment kinds, metric directions
``config``             loading, merging and checking the config (ConfigError, plugins, spec hashes)
``variants``           the ``methods:`` catalogue: method variants, ``extends``, sweep labels
``data``               a job's dataset (key, options, subsampling) and its masks
``plan``               config -> experiments -> cells -> deduplicated jobs, and every rule's query
``job``                one training job: every split, provenance, checkpoints, extras
``aggregate``          job files -> per-split values -> summaries; extras; job provenance rows
``tables``             table formatting (Markdown, LaTeX) and the table rule's files
``significance``       appendix C.5 rendered (the stats rule's files) with the configured correction
``figures``            the figure kinds and the figure rule's files
``comparison``         our summaries beside the paper's numbers, cell by cell
``claims``             the paper's claims, checked on the paper's numbers and on ours
``gap``                the audit of the authors' protocol, step by step
``report``             ``results/report.md``
``compare``            ``make compare``: new methods beside the paper and the published runs, under ``compare/``
``logs``               a workflow script's log file
``forkserver``         each step forked from one process with the suite imported (``fork_server``, quick runs)
=====================  ============================================================================

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
