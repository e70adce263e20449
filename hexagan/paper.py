"""The paper's numbers, transcribed once as data (``paper_results.csv``).

Hwang, Jo, Kim, Lee & Yoon, "HexaGAN: Generative Adversarial Nets for Real
World Classification", ICML 2019 (arXiv:1902.09913v2).  The file holds, one
number a row:

``table1``
    Table 1, imputation RMSE (the authors' per-row mean, our
    ``rmse_rowmean``), rows Zeros .. HexaGAN, columns breast, credit, wine,
    madelon, mnist.
``section4.1.2``
    The text's RMSE of HexaGAN with the convolutional networks on MNIST.
``table2``, ``table3``
    F1 mean and std of the ablation and of the cascades.
``appendix_table3``
    The sensitivity analysis on credit: ``row`` is the loss weight,
    ``setting`` its value.  The paper prints the alpha2 and alpha3 rows with
    the very same four F1 values (kept as printed, noted).
``table4``, ``table4_imbalance``
    CelebA F1 per attribute (``column`` = the attribute's name in
    ``list_attr_celeba.txt``; the printed name is in ``note``) and the
    imbalance ratios; ``column = "Mean"`` holds the printed means.
``c5_not_significant``
    The comparisons appendix C.5 lists as neither significant nor of a medium
    or large effect: ``row`` = competitor of HexaGAN, ``column`` = dataset,
    ``setting`` = the table.
``appendix_table1``
    Appendix B.1's Table 1, the dataset description: ``column`` = dataset
    (breast, credit, wine, madelon), ``row`` = ``metric`` = the quantity,
    ``n_features``, ``n_instances`` or ``imbalance_ratio`` (1:x, majority
    over minority class; wine's with classes 2 and 3 combined).  B.1's text
    adds wine's class sizes as rows ``n_instances_class1`` .. ``3`` (metric
    ``n_instances``).
``claims``
    The text's headline numbers, metric ``relative_improvement`` (0.14 for
    "up to a 14%"): ``row`` = an id (``imputation_up_to``,
    ``ablation_up_to``, ``cascade_up_to``), ``column`` = the table the claim
    is about, ``note`` = the section and what it compares.

The independent second transcription in ``tests/data/paper_transcription.csv``
must match this file cell for cell (``tests/test_paper_transcription.py``).

Columns: table, row, column, metric, mean, std, setting, note.
"""
from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

__all__ = ["HEXAGAN_ROW", "PAPER_CSV", "load", "not_significant", "table", "value"]

PAPER_CSV = Path(__file__).with_name("paper_results.csv")
#: The row of the paper's own method in every table.
HEXAGAN_ROW = "HexaGAN"
CITATION = ("Hwang, Jo, Kim, Lee & Yoon, HexaGAN: Generative Adversarial Nets for Real World Classification, "
            "ICML 2019")


@functools.lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    return pd.read_csv(PAPER_CSV, dtype={"setting": str, "row": str, "column": str})


def load() -> pd.DataFrame:
    """Every transcribed number (a copy)."""
    return _load().copy()


def table(name: str, metric: str | None = None) -> pd.DataFrame:
    """The rows of one paper table (optionally one metric)."""
    data = _load()
    out = data[data["table"] == name]
    if metric is not None:
        out = out[out["metric"] == metric]
    if out.empty:
        raise KeyError(f"no paper table {name!r}{'' if metric is None else f' with metric {metric!r}'}; "
                       f"tables: {sorted(data['table'].unique())}")
    return out.reset_index(drop=True)


def value(name: str, row: str, column: str, setting=None) -> tuple[float, float]:
    """(mean, std) of one cell; std is NaN where the paper gives none.

    ``setting`` selects a sensitivity value (e.g. ``value("appendix_table3",
    "alpha1", "credit", 10)``).
    """
    rows = table(name)
    hit = rows[(rows["row"] == row) & (rows["column"] == column)]
    if setting is not None:
        hit = hit[hit["setting"].astype(float) == float(setting)]
    if len(hit) != 1:
        raise KeyError(f"paper table {name!r} has {len(hit)} cells for row {row!r}, column {column!r}"
                       f"{'' if setting is None else f', setting {setting!r}'}")
    return float(hit["mean"].iloc[0]), float(hit["std"].iloc[0])


def not_significant() -> list[tuple[str, str, str]]:
    """C.5's exceptions as (table, competitor, dataset)."""
    rows = table("c5_not_significant")
    return list(zip(rows["setting"], rows["row"], rows["column"]))
