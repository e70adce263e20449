"""Figures: one function per figure kind, and the figure rule's files (PDF, PNG, the CSV of the numbers shown)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from hexagan import paper as P
from hexagan.io import atomic_path, write_table
from hexagan.suite import gap
from hexagan.suite.aggregate import collect, history_frame, read_extras, summarize
from hexagan.suite.comparison import paper_column
from hexagan.suite.constants import lower_is_better
from hexagan.suite.tables import METRIC_NAMES, column_names

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, pdf: str, png: str) -> None:
    # No creation date nor matplotlib version in the files: the same numbers give the same bytes.
    for path, kwargs in ((pdf, {"metadata": {"CreationDate": None, "Producer": None, "Creator": None}}),
                         (png, {"dpi": 150, "metadata": {"Software": None}})):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=Path(path).suffix[1:], bbox_inches="tight", **kwargs)


def render_figure_files(spec: dict, csv: str, pdf: str, png: str) -> pd.DataFrame:
    """Render one figure experiment (by its kind) and the CSV of the numbers it shows."""
    renderer = {"rate_curve": _rate_curve, "learning_curves": _learning_curves, "mnist_imputations": _mnist_imputations,
                "mnist_tsne": _mnist_tsne, "mnist_samples": _mnist_samples, "gap": _gap,
                "distribution": _distribution}[spec["kind"]]
    plt = _pyplot()
    fig, data = renderer(spec, plt)
    if data.empty:  # the runs hold no value to draw: say so on the figure rather than leave it blank
        fig.text(0.5, 0.5, "no values to draw: the runs scored nothing", ha="center", va="center", fontsize=10)
    # About 14 characters of 9-point text an inch: a long caption wraps within the figure's width.
    fig.suptitle(textwrap.fill(spec.get("caption", spec["name"]), int(fig.get_figwidth() * 14)), fontsize=9)
    fig.set_layout_engine("constrained")  # room for the caption above the panels' own titles
    _save(fig, pdf, png)
    plt.close(fig)
    write_table(csv, data)
    return data


def _rate_curve(spec, plt):
    summary = summarize(collect(spec))
    metric = spec["metric"]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for row in dict.fromkeys(c["row"] for c in spec["cells"]):
        part = summary[(summary["row"] == row) & (summary["metric"] == metric)].sort_values("rate")
        ax.errorbar(part["rate"], part["mean"], yerr=part["std"], marker="o", capsize=3, label=row)
    ax.set_xlabel("missing rate")
    ax.set_ylabel(METRIC_NAMES.get(metric, metric))
    ax.set_title(", ".join(sorted(set(summary["dataset"]))), fontsize=9)
    ax.legend(fontsize=8)
    return fig, summary


def _history_metric(curves: pd.DataFrame, wanted: str) -> str:
    names = list(dict.fromkeys(curves["name"]))
    if wanted in names:
        return wanted
    rmse = [n for n in names if "rmse" in n]
    if not rmse:
        raise ValueError(f"the learning curves have no {wanted!r} nor any *rmse* series; they have {names}")
    return next((n for n in rmse if n.startswith("val")), rmse[0])


def _learning_curves(spec, plt):
    panels = list(dict.fromkeys(c["panel"] for c in spec["cells"]))
    wanted = spec["figures"]["history_metric"]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    data = []
    for ax, panel in zip(axes[0], panels):
        for cell in (c for c in spec["cells"] if c["panel"] == panel):
            curves = history_frame(read_extras(cell["extras"]))
            if "phase" in curves:  # HexaGAN's optional warm-up restarts the step count: plot training only
                curves = curves[curves["phase"] != "warmup"]
            name = _history_metric(curves, wanted)
            curve = curves[curves["name"] == name].groupby("step")["value"].agg(["mean", "std"]).reset_index()
            ax.plot(curve["step"], curve["mean"], label=cell["row"])
            ax.fill_between(curve["step"], curve["mean"] - curve["std"].fillna(0),
                            curve["mean"] + curve["std"].fillna(0), alpha=0.2)
            data.append(curve.assign(panel=panel, row=cell["row"], label=cell["label"], dataset=cell["dataset"],
                                     series=name))
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"{name} (mean ± std over splits)")
        ax.legend(fontsize=8)
    return fig, pd.concat(data, ignore_index=True) if data else pd.DataFrame()


def _mnist_extras(spec) -> tuple[dict, list[int], tuple]:
    cell = spec["cells"][0]
    extras = read_extras(cell["extras"])
    steps = sorted({int(k.split("/")[1]) for k in extras if k.startswith("snapshot/")})
    shape = tuple(int(s) for s in extras.get("data/image_shape", np.array([1, 28, 28]))) or (1, 28, 28)
    return extras, steps, shape


def _image(row: np.ndarray, shape: tuple) -> np.ndarray:
    img = np.asarray(row, dtype=float).reshape(shape)
    return img[0] if img.shape[0] == 1 else np.moveaxis(img, 0, -1)


def _mnist_imputations(spec, plt):
    extras, steps, shape = _mnist_extras(spec)
    n = int(spec["figures"]["snapshot_rows"])
    truth = extras["data/x_true"][:n]
    missing = extras["data/x_missing"][:n]
    rows = [("input (missing = grey)", np.where(np.isnan(missing), 0.5, missing))]
    records = []
    for step in steps:
        x_hat = extras[f"snapshot/{step}/x_hat"][:n]
        rows.append((f"x̂ after step {step}", x_hat))
        hidden = np.isnan(missing[:len(x_hat)])
        err = (x_hat - truth[:len(x_hat)])[hidden]
        record = {"step": step, "series": "x_hat", "rmse_shown_rows": float(np.sqrt(np.mean(err ** 2)))}
        x_bar = extras.get(f"snapshot/{step}/x_bar")
        if x_bar is not None:  # whether G_MI's output still depends on its input, and how far its sigmoid saturated
            record["x_bar_row_std"] = float(np.asarray(x_bar).std(axis=0).mean())
            record["x_bar_saturated"] = float(np.mean((x_bar < 0.01) | (x_bar > 0.99)))
        records.append(record)
    rows.append(("original", truth))
    if steps and f"snapshot/{steps[-1]}/x_bar" in extras:
        rows.append((f"x̄ = G_MI output, step {steps[-1]}", extras[f"snapshot/{steps[-1]}/x_bar"][:n]))
    k = min(len(r[1]) for r in rows)
    fig, axes = plt.subplots(len(rows), k, figsize=(k * 0.8, len(rows) * 0.9), squeeze=False)
    for i, (title, images) in enumerate(rows):
        for j in range(k):
            axes[i, j].imshow(_image(images[j], shape), cmap="gray", vmin=0, vmax=1)
            axes[i, j].axis("off")
        axes[i, 0].set_title(title, fontsize=7, loc="left")
    return fig, pd.DataFrame(records)


def _mnist_tsne(spec, plt):
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    extras, steps, _ = _mnist_extras(spec)
    n = int(spec["figures"]["tsne_points"])
    fig, axes = plt.subplots(1, len(steps), figsize=(4 * len(steps), 4), squeeze=False)
    records = []
    for ax, step in zip(axes[0], steps):
        h_l, h_c = extras[f"snapshot/{step}/h_l"][:n], extras[f"snapshot/{step}/h_c"][:n]
        y_l, y_c = extras[f"snapshot/{step}/y_l"][:n], extras[f"snapshot/{step}/y_c"][:n]
        y_l, y_c = (y.argmax(axis=1) if y.ndim == 2 else y for y in (y_l, y_c))
        h = np.vstack([h_l.reshape(len(h_l), -1), h_c.reshape(len(h_c), -1)])
        # One thread: Barnes-Hut's sums and PCA's BLAS round by the thread count, and the published CSV must be
        # the same bytes on every machine.
        with threadpool_limits(1):
            emb = TSNE(n_components=2, perplexity=min(30.0, max(2.0, (len(h) - 1) / 3)), init="pca",
                       random_state=0).fit_transform(h)
        e_l, e_c = emb[:len(h_l)], emb[len(h_l):]
        ax.scatter(e_l[:, 0], e_l[:, 1], c=y_l, cmap="tab10", marker="o", s=8, vmin=0, vmax=9, label="h_l (E)")
        ax.scatter(e_c[:, 0], e_c[:, 1], c=y_c, cmap="tab10", marker="^", s=8, vmin=0, vmax=9, label="h_c (G_CG)")
        ax.set_title(f"step {step}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        for source, e, y in (("h_l", e_l, y_l), ("h_c", e_c, y_c)):
            records.append(pd.DataFrame({"step": step, "source": source, "class": y, "x": e[:, 0], "y": e[:, 1]}))
    axes[0, 0].legend(fontsize=7)
    return fig, pd.concat(records, ignore_index=True) if records else pd.DataFrame()


def _mnist_samples(spec, plt):
    cell = spec["cells"][0]
    extras = read_extras(cell["extras"])
    _, _, shape = _mnist_extras(spec)
    key = "samples/x" if "samples/x" in extras else next(k for k in extras if k.startswith("samples/") and k != "samples/y")
    x, y = extras[key], extras["samples/y"]
    classes = sorted(set(y.tolist()))
    per = max(int((y == c).sum()) for c in classes)
    fig, axes = plt.subplots(len(classes), per, figsize=(per * 0.7, len(classes) * 0.7), squeeze=False)
    for i, c in enumerate(classes):
        images = x[y == c]
        for j in range(per):
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
            if j < len(images):
                axes[i, j].imshow(_image(images[j], shape), cmap="gray", vmin=0, vmax=1)
        axes[i, 0].set_ylabel(str(c), rotation=0, labelpad=10, fontsize=8, va="center")
    return fig, pd.DataFrame({"class": classes, "n_samples": [int((y == c).sum()) for c in classes]})


def _paper_mean(paper_table: str | None, paper_row: str | None, dataset: str, metric: str) -> float:
    """The paper's mean of one cell; NaN where the paper has none (a row beyond it, another metric)."""
    if not paper_table or not paper_row:
        return np.nan
    theirs = P.table(paper_table)
    hit = theirs[(theirs["row"] == paper_row) & (theirs["column"] == paper_column(dataset))
                 & (theirs["metric"] == metric)]
    return float(hit["mean"].iloc[0]) if len(hit) == 1 else np.nan


def _distribution(spec, plt):
    """Every per-split value of each drawn table's metric, a box per row and dataset, the paper's mean marked:
    the samples the rank-sum tests of appendix C.5 compare."""
    tables = [spec["tables"][n] for n in spec["of"] if n in spec["tables"]]
    values = {}
    for table in tables:
        part = collect(table)
        part = part[part["metric"] == table["metric"]]
        values[table["name"]] = part.assign(column=column_names(part))
    columns = list(dict.fromkeys(c for v in values.values() for c in v["column"]))
    width = max(len({c["row"] for c in t["cells"]}) for t in tables)
    fig, axes = plt.subplots(len(tables), max(len(columns), 1), figsize=(0.6 * width * max(len(columns), 1) + 1,
                                                                        3.6 * len(tables)),
                             squeeze=False, layout="constrained")
    rng = np.random.default_rng(0)  # the jitter of the points: seeded, so the same values draw the same figure
    records = []
    for i, table in enumerate(tables):
        rows = list(dict.fromkeys(c["row"] for c in table["cells"]))
        paper_rows = {c["row"]: c.get("paper_row") for c in table["cells"]}
        metric = table["metric"]
        for j, column in enumerate(columns):
            ax, part = axes[i, j], values[table["name"]]
            part = part[part["column"] == column]
            if part.empty:
                ax.axis("off")
                continue
            dataset = part["dataset"].iloc[0]
            groups = [part[part["row"] == r].sort_values(["repeat", "fold"]) for r in rows]
            ax.boxplot([g["value"] for g in groups], positions=range(len(rows)), widths=0.6, showfliers=False,
                       medianprops={"color": "C0"})
            labels = {"our splits": "our splits", "our mean": "our mean", "paper": "paper's mean"}  # once an axis
            for k, g in enumerate(groups):
                paper = _paper_mean(table.get("paper_table"), paper_rows[rows[k]], dataset, metric)
                ax.scatter(k + rng.uniform(-0.2, 0.2, len(g)), g["value"], s=4, color="C0", alpha=0.45, lw=0,
                           label=labels.pop("our splits", None))
                ax.scatter([k], [g["value"].mean()], marker="_", s=160, color="black", zorder=3,
                           label=labels.pop("our mean", None))
                if not np.isnan(paper):
                    ax.scatter([k], [paper], marker="D", s=22, color="C3", zorder=3, label=labels.pop("paper", None))
                records.append(g.assign(table=table["name"], paper_row=paper_rows[rows[k]], paper=paper))
            ax.set_xticks(range(len(rows)), [textwrap.fill(r, 12) for r in rows], fontsize=6, rotation=45,
                          ha="right", rotation_mode="anchor")
            if lower_is_better(metric):  # RMSEs span Zeros' ~0.3 to Matrix's ~0.05: on a log scale every box reads
                ax.set_yscale("log")
                for axis_format in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
                    axis_format("{x:.2f}")
            ax.tick_params(axis="y", which="both", labelsize=7)
            ax.set_title(f"{table['name']}, {column} ({len(groups[0])} splits a box)", fontsize=8)
            ax.set_ylabel(METRIC_NAMES.get(metric, metric) + (", log scale" if lower_is_better(metric) else ""),
                          fontsize=8)
            ax.legend(fontsize=6, loc="best")
    shown = ["table", "dataset", "row", "paper_row", "repeat", "fold", "metric", "value", "paper"]
    return fig, pd.concat(records, ignore_index=True)[shown] if records else pd.DataFrame(columns=shown)


def _gap(spec, plt):
    """HexaGAN's number at each step of the audit of the authors' protocol (:func:`hexagan.suite.gap.gap_frame`,
    as the report's tables), the paper's dashed, and the best other row of the full audit beside it."""
    tables = spec["tables"]
    drawn = {"experiments": {n: {"spec": t} for n, t in tables.items()}}
    summaries = {n: summarize(collect(t)) for n, t in tables.items()}
    papers = list(dict.fromkeys(tables[n]["paper_table"] for n in spec["of"] if n in tables))
    frames = {p: gap.gap_frame(drawn, summaries, p) for p in papers}
    datasets = list(dict.fromkeys(d for f in frames.values() if not f.empty for d in f["dataset"]))
    fig, axes = plt.subplots(len(papers), max(len(datasets), 1), figsize=(4.6 * max(len(datasets), 1),
                                                                          3.8 * len(papers)),
                             squeeze=False, layout="constrained")
    records = []
    for i, paper_table in enumerate(papers):
        steps = [s.name for s in gap.STEPS if paper_table in s.metrics]
        lower = lower_is_better(gap.headline_metric(paper_table))
        frame = frames[paper_table]
        for j, dataset in enumerate(datasets):
            ax = axes[i, j]
            cells = frame[frame["dataset"] == dataset] if not frame.empty else frame
            hexa = cells[cells["row"] == P.HEXAGAN_ROW] if not cells.empty else cells
            if hexa.empty:
                ax.axis("off")
                continue
            hexa = hexa.iloc[0]
            run = [(x, step, float(hexa[step])) for x, step in enumerate(steps) if not np.isnan(hexa[step])]
            if not run:
                ax.text(0.5, 0.5, "no value at any step", transform=ax.transAxes, ha="center", fontsize=8)
                ax.set_title(f"{gap.TITLES.get(paper_table, paper_table)}, {dataset}", fontsize=8)
                continue
            xs, _, ys = zip(*run)
            ax.plot(xs, ys, marker="o", color="C0", label=f"{P.HEXAGAN_ROW} (ours)")
            for x, step, y in run:
                ax.annotate(f"{y:.4f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=6)
                records.append({"table": paper_table, "dataset": dataset, "row": P.HEXAGAN_ROW, "step": step,
                                "value": y, "paper": hexa["paper"]})
            if not np.isnan(hexa["paper"]):
                ax.axhline(hexa["paper"], ls="--", lw=1, color="C3", label=f"paper {hexa['paper']:.4f}")
            others = cells[cells["row"] != P.HEXAGAN_ROW].dropna(subset=[gap.FULL_AUDIT])
            if not others.empty:
                best = others.loc[others[gap.FULL_AUDIT].idxmin() if lower else others[gap.FULL_AUDIT].idxmax()]
                x, y = len(steps) - 1, float(best[gap.FULL_AUDIT])
                ax.scatter([x], [y], marker="D", s=18, color="grey", zorder=3,
                           label=f"best other row, full audit: {best['row']} {y:.4f}")
                records.append({"table": paper_table, "dataset": dataset, "row": best["row"], "step": gap.FULL_AUDIT,
                                "value": y, "paper": best["paper"]})
            if len(run) == 1:
                ax.text(0.5, 0.5, "audit not run", transform=ax.transAxes, ha="center", fontsize=8, color="grey")
            ax.set_xlim(-0.4, len(steps) - 0.6)
            ax.set_xticks(range(len(steps)), [textwrap.fill(f"{k + 1}. {s}", 15) for k, s in enumerate(steps)],
                          fontsize=5.5)
            ax.margins(y=0.15)  # room for the values above the points
            ax.tick_params(axis="y", labelsize=7)
            ax.set_ylabel(f"{gap.AXIS_NAMES.get(paper_table, paper_table)} ({'lower' if lower else 'higher'} is better)",
                          fontsize=7)
            ax.set_title(f"{gap.TITLES.get(paper_table, paper_table)}, {dataset}", fontsize=8)
            ax.legend(fontsize=6, loc="best")
    return fig, pd.DataFrame(records, columns=["table", "dataset", "row", "step", "value", "paper"])
