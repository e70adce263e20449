"""Names every suite module shares: the paths of the workflow's files, experiment kinds, metric directions."""
from __future__ import annotations

#: Paths of the workflow's files, relative to ``output_dir`` (the tables, figures and report: to ``render_dir``,
#: which defaults to it).
RUN_PATH = "results/runs/{dataset}/{mechanism}_{rate}/{label}.tsv"
EXTRAS_PATH = "results/runs/{dataset}/{mechanism}_{rate}/{label}.extras.npz"
MASK_PATH = "results/masks/{dataset}/{mechanism}_{rate}/repeat{repeat}.npz"
BENCHMARK_PATH = "results/benchmarks/{dataset}/{mechanism}_{rate}/{label}.tsv"
JOB_LOG_PATH = "logs/runs/{dataset}/{mechanism}_{rate}/{label}.log"
MASK_LOG_PATH = "logs/masks/{dataset}/{mechanism}_{rate}/repeat{repeat}.log"
TABLE_PATH = "results/tables/{name}.{ext}"
FIGURE_PATH = "figures/{name}.{ext}"
REPORT_PATH = "results/report.md"
#: The G_CG diagnosis on credit (``bench/gcg_credit.py --out``), a published measurement the report renders.
GCG_DIAGNOSIS_PATH = "results/diagnoses/gcg_credit.csv"
#: The fork server's own log (``fork_server: true``): what it served, refused, and how each child ended.
FORK_SERVER_LOG_PATH = "logs/fork_server.log"
#: Where training jobs checkpoint (one folder per config hash), relative to ``output_dir``: outside results/,
#: git-ignored.
CHECKPOINTS_PATH = ".hexagan-cache/checkpoints"

#: Experiment kinds and what they render.
TABLE_KINDS = ("table", "sensitivity")
FIGURE_KINDS = ("rate_curve", "learning_curves", "mnist_imputations", "mnist_tsne", "mnist_samples", "gap",
                "distribution")
KINDS = TABLE_KINDS + FIGURE_KINDS + ("stats",)
#: Kinds with no cells of their own: they draw those of table experiments (stats: its ``reference``'s keys;
#: the figures: ``of``, the gap figure with the audits of the same paper tables).
DRAWING_KINDS = ("stats", "gap", "distribution")
#: Kinds whose jobs must keep learning curves / snapshots / samples.
NEEDS_HISTORY = ("learning_curves",)
NEEDS_SNAPSHOTS = ("mnist_imputations", "mnist_tsne")
NEEDS_SAMPLES = ("mnist_samples",)

#: Lower is better for every RMSE (rmse, rmse_rowmean, rmse_authors, the audit's test_best_rmse_authors, ...),
#: every log-loss and the fit time; every other metric (F1, AUROC, ...) is higher-is-better.  A pattern, not a
#: list: the audit's metrics were missing from the list and their tables bolded the largest RMSE.
LOWER_IS_BETTER_PARTS = ("rmse", "log_loss")


def lower_is_better(metric: str) -> bool:
    return metric == "fit_seconds" or any(part in metric for part in LOWER_IS_BETTER_PARTS)
