"""The paper's image benchmarks: MNIST (downloaded) and CelebA (placed by hand).

MNIST's original host (yann.lecun.com) is often down; its files are fetched
from the mirrors that torchvision and TensorFlow use first, with the original
as the last fallback, all checked against the same sha256.
"""
from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np

from hexagan.data.dataset import DataError, Dataset
from hexagan.data.download import RemoteFile, Source, fetch_files

_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's
    "http://yann.lecun.com/exdb/mnist/",  # the original
)
# sha256 from shared/data/SHA256SUMS.
MNIST_FILES = tuple(
    RemoteFile(f"mnist/{name}", tuple(Source(mirror + name) for mirror in _MNIST_MIRRORS), sha256)
    for name, sha256 in {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }.items()
)

_CELEBA_URL = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"

_CELEBA_IMAGE_SHAPE = (218, 178, 3)  # height, width, RGB of img_align_celeba


def _read_idx(path: Path, expected_ndim: int) -> np.ndarray:
    """Parse a gzipped IDX file of unsigned bytes (the MNIST format)."""
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as err:
        raise DataError(f"{path} is not a readable .gz file: {err}") from err
    # Header: 2 zero bytes, type code 0x08 (unsigned byte), ndim; then ndim big-endian int32 sizes.
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08" or raw[3] != expected_ndim:
        raise DataError(f"{path} is not an IDX file of {expected_ndim}-d unsigned bytes")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">i4", count=expected_ndim, offset=4))
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * expected_ndim)
    if body.size != math.prod(shape):
        raise DataError(f"{path} holds {body.size} bytes of data, its header announces shape {shape}")
    return body.reshape(shape)


def _load_mnist(root: Path, download: bool) -> Dataset:
    paths = fetch_files(MNIST_FILES, data_home=root, download=download, dataset="mnist")
    images, labels = [], []
    for part in ("train", "t10k"):
        part_images = _read_idx(paths[f"{part}-images-idx3-ubyte.gz"], 3)
        part_labels = _read_idx(paths[f"{part}-labels-idx1-ubyte.gz"], 1)
        if len(part_images) != len(part_labels):
            raise DataError(f"MNIST {part} has {len(part_images)} images but {len(part_labels)} labels")
        images.append(part_images.reshape(len(part_images), -1))
        labels.append(part_labels)
    X = np.concatenate(images).astype(np.float64)
    return Dataset(
        name="mnist",
        X=X,
        y=np.concatenate(labels).astype(np.int64),
        X_unlabeled=np.empty((0, X.shape[1])),
        positive_class=None,
        feature_names=[f"pixel_{j}" for j in range(X.shape[1])],
        class_names=[str(digit) for digit in range(10)],
        value_range=(0.0, 255.0),
        image_shape=(1, 28, 28),
    )


def _load_celeba(root: Path, download: bool, *, limit: int = 60000, attribute: str = "Smiling") -> Dataset:
    """CelebA's first ``limit`` aligned images, labelled by one attribute.

    The 1.4 GB of images are never downloaded automatically (their official
    host is Google Drive); ``download`` is ignored.  Rows are the RGB images in
    channel-first order, float64 in 0..255: mind the memory, about 0.93 MB per
    image (56 GB for the default ``limit``).

    Parameters
    ----------
    limit : int, default 60000
        Number of images to load, in file order.
    attribute : str, default "Smiling"
        Column of ``list_attr_celeba.txt`` that gives the label (1 = present).
    """
    folder = root / "celeba"
    images_dir, attr_path = folder / "img_align_celeba", folder / "list_attr_celeba.txt"
    if not (images_dir.is_dir() and attr_path.is_file()):
        raise DataError(
            f"dataset 'celeba' needs the aligned images in {images_dir}/ (000001.jpg, ...) and the "
            f"attribute table {attr_path}; download img_align_celeba.zip and list_attr_celeba.txt from "
            f"{_CELEBA_URL}, unpack them there or set HEXAGAN_DATA to a folder whose celeba/ holds them "
            f"(they are not downloaded automatically)"
        )
    if not isinstance(limit, int) or limit < 1:
        raise DataError(f"celeba's limit must be a positive integer, got {limit!r}")
    # Line 1: image count; line 2: the 40 attribute names; then "<file> <+1/-1 x 40>".
    lines = attr_path.read_text().splitlines()
    names = lines[1].split()
    if attribute not in names:
        raise DataError(f"{attr_path} has no attribute '{attribute}'; it has {', '.join(names)}")
    rows = [line.split() for line in lines[2:2 + limit] if line.strip()]
    column = names.index(attribute) + 1  # + 1: the file name comes first
    height, width, channels = _CELEBA_IMAGE_SHAPE
    X = np.empty((len(rows), channels * height * width))
    import matplotlib.image  # deferred: only this loader needs it

    for i, row in enumerate(rows):
        image_path = images_dir / row[0]
        if not image_path.is_file():
            raise DataError(f"{attr_path} lists {row[0]}, which is missing from {images_dir}")
        image = matplotlib.image.imread(image_path)
        if image.shape != _CELEBA_IMAGE_SHAPE:
            raise DataError(f"{image_path} has shape {image.shape}, expected {_CELEBA_IMAGE_SHAPE}")
        X[i] = image.transpose(2, 0, 1).ravel()
    return Dataset(
        name="celeba",
        X=X,
        y=np.array([row[column] == "1" for row in rows], dtype=np.int64),
        X_unlabeled=np.empty((0, X.shape[1])),
        positive_class=1,
        feature_names=[f"pixel_{j}" for j in range(X.shape[1])],
        class_names=[f"not {attribute}", attribute],
        value_range=(0.0, 255.0),
        image_shape=(channels, height, width),
    )
