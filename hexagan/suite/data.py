"""A job's dataset (its key, options and subsampling) and the masks rule."""
from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np

from hexagan import protocol
from hexagan.data import DataError, Dataset, load_dataset
from hexagan.suite.config import ConfigError

def split_dataset_key(key: str) -> tuple[str, dict]:
    """``"celeba.Smiling"`` -> ``("celeba", {"attribute": "Smiling"})``; ``"credit"`` -> ``("credit", {})``."""
    name, _, option = key.partition(".")
    if not option:
        return name, {}
    if name != "celeba":
        raise ConfigError(f"dataset {key!r}: only celeba takes an option after the dot (its attribute)")
    return name, {"attribute": option}


def subsample(ds: Dataset, n: int, seed: int) -> Dataset:
    """``n`` labelled rows of ``ds``, stratified and seeded (and the same share of its unlabelled pool).

    Deterministic in (dataset name, n, seed); the name is kept, so masks and
    splits are drawn as for any dataset of that shape.
    """
    n_rows = len(ds.y)
    if n >= n_rows:
        return ds
    rng = np.random.default_rng([seed, zlib.crc32(ds.name.encode()), n])
    keep = []
    labels, counts = np.unique(ds.y, return_counts=True)
    quota = np.maximum(1, np.floor(counts * n / n_rows).astype(int))
    quota[np.argmax(counts)] += n - quota.sum()  # exact total, remainder to the majority class
    for label, q in zip(labels, quota):
        rows = np.flatnonzero(ds.y == label)
        keep.append(rng.choice(rows, size=min(q, len(rows)), replace=False))
    keep = np.sort(np.concatenate(keep))
    n_pool = len(ds.X_unlabeled)
    pool = np.sort(rng.choice(n_pool, size=int(round(n_pool * n / n_rows)), replace=False)) if n_pool else []
    return replace(ds, X=ds.X[keep], y=ds.y[keep], X_unlabeled=ds.X_unlabeled[pool])


def subsample_features(ds: Dataset, k: int, seed: int) -> Dataset:
    """``k`` of the features of ``ds`` (a seeded random subset, in their original order)."""
    if k >= ds.n_features:
        return ds
    if ds.image_shape is not None:
        raise ConfigError(f"subsample_features: {ds.name} is an image dataset; its features cannot be subsampled")
    rng = np.random.default_rng([seed, zlib.crc32(ds.name.encode()), k, 1])
    cols = np.sort(rng.choice(ds.n_features, size=k, replace=False))
    return replace(ds, X=ds.X[:, cols], X_unlabeled=ds.X_unlabeled[:, cols],
                   feature_names=[ds.feature_names[j] for j in cols])


def load(key: str, *, data_dir: str | None = None, options: dict | None = None, n: int | None = None,
         features: int | None = None, seed: int = 0) -> Dataset:
    """The dataset of a job: loaded by key with its options, then subsampled (rows ``n``, ``features``)."""
    name, key_options = split_dataset_key(key)
    ds = load_dataset(name, data_home=data_dir, **{**(options or {}), **key_options})
    if key_options:  # name the variant after its key, so that its masks and paths differ
        ds = replace(ds, name=key)
    if features:
        ds = subsample_features(ds, int(features), seed)
    return subsample(ds, int(n), seed) if n else ds


def data_absent(key: str, data_dir: str | None = None, options: dict | None = None) -> str | None:
    """Why a dataset cannot be loaded without a download (the loader's message: which file, where, its source),
    or None when it can (CelebA: its first image is read)."""
    name, key_options = split_dataset_key(key)
    opts = {**(options or {}), **key_options}
    if name == "celeba":
        opts["limit"] = 1
    try:
        load_dataset(name, data_home=data_dir, download=False, **opts)
    except DataError as err:
        return str(err)
    return None


def data_present(key: str, data_dir: str | None = None, options: dict | None = None) -> bool:
    """Whether a dataset can be loaded without a download."""
    return data_absent(key, data_dir, options) is None



def write_masks(spec: dict, path: str) -> None:
    """Draw and save the masks of one (dataset, mechanism, rate, repeat) (rule ``masks``)."""
    ds = load(spec["dataset"], data_dir=spec.get("data_dir"), options=spec.get("options"), n=spec.get("subsample"),
              features=spec.get("subsample_features"), seed=spec["seed"])
    masks = protocol.make_masks(ds, spec["mechanism"], spec["rate"], spec["repeat"], label_rate=spec.get("label_rate"),
                                base_seed=spec["seed"])
    protocol.save_masks(path, masks)
