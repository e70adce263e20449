"""Figures: one function per figure kind, and the figure rule's files (PDF, PNG, the CSV of the numbers shown)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hexagan.io import atomic_path, write_table
from hexagan.suite.aggregate import collect, history_frame, read_extras, summarize
from hexagan.suite.tables import METRIC_NAMES

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, pdf: str, png: str) -> None:
    for path, kwargs in ((pdf, {}), (png, {"dpi": 150})):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=Path(path).suffix[1:], bbox_inches="tight", **kwargs)


def render_figure_files(spec: dict, csv: str, pdf: str, png: str) -> pd.DataFrame:
    """Render one figure experiment (by its kind) and the CSV of the numbers it shows."""
    renderer = {"rate_curve": _rate_curve, "learning_curves": _learning_curves, "mnist_imputations": _mnist_imputations,
                "mnist_tsne": _mnist_tsne, "mnist_samples": _mnist_samples}[spec["kind"]]
    plt = _pyplot()
    fig, data = renderer(spec, plt)
    fig.suptitle(spec.get("caption", spec["name"]), fontsize=9)
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
            data.append(curve.assign(panel=panel, row=cell["row"], label=cell["label"], series=name))
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
        records.append({"step": step, "series": "x_hat", "rmse_shown_rows": float(np.sqrt(np.mean(err ** 2)))})
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

    extras, steps, _ = _mnist_extras(spec)
    n = int(spec["figures"]["tsne_points"])
    fig, axes = plt.subplots(1, len(steps), figsize=(4 * len(steps), 4), squeeze=False)
    records = []
    for ax, step in zip(axes[0], steps):
        h_l, h_c = extras[f"snapshot/{step}/h_l"][:n], extras[f"snapshot/{step}/h_c"][:n]
        y_l, y_c = extras[f"snapshot/{step}/y_l"][:n], extras[f"snapshot/{step}/y_c"][:n]
        y_l, y_c = (y.argmax(axis=1) if y.ndim == 2 else y for y in (y_l, y_c))
        h = np.vstack([h_l.reshape(len(h_l), -1), h_c.reshape(len(h_c), -1)])
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
