"""Tests of hexagan.data: the paper's datasets as published, and load_csv's input checks."""
from __future__ import annotations

import os
import re
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from hexagan import data
from hexagan.data import DataError, Dataset, available_datasets, download, load_csv, load_dataset

# The real files: CI keeps them in ../shared/data next to the checkout.
DATA = Path(os.environ.get("HEXAGAN_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")
needs_files = pytest.mark.skipif(not DATA.is_dir(), reason=f"dataset files not found in {DATA}")


def load(name: str) -> Dataset:
    return load_dataset(name, data_home=DATA, download=False)


def check_conventions(ds: Dataset) -> None:
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64
    assert ds.X_unlabeled.dtype == np.float64 and ds.X_unlabeled.shape[1] == ds.n_features
    assert len(ds.feature_names) == ds.n_features
    assert all(isinstance(n, str) for n in ds.feature_names + ds.class_names)
    assert set(np.unique(ds.y)) == set(range(ds.n_classes))
    assert not np.isnan(ds.X).any()  # the paper's datasets are complete


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    return load("mnist")


def test_available_datasets():
    assert available_datasets() == ["breast", "wine", "wine3", "credit", "madelon", "mnist", "celeba"]


def test_unknown_dataset_lists_the_names():
    with pytest.raises(DataError, match="unknown dataset 'iris'.*breast"):
        load_dataset("iris")


def test_unknown_option_is_refused():
    with pytest.raises(DataError, match="'wine' does not take the options"):
        load_dataset("wine", limit=3)


@pytest.mark.parametrize(
    "name, shape, counts, positive",
    [
        ("breast", (569, 30), [357, 212], 1),
        ("wine", (178, 13), [59, 119], 1),
        ("wine3", (178, 13), [59, 71, 48], None),
    ],
)
def test_bundled_datasets(name, shape, counts, positive):
    ds = load_dataset(name, data_home=Path("/nonexistent"), download=False)  # they need no file
    check_conventions(ds)
    assert ds.X.shape == shape
    assert np.bincount(ds.y).tolist() == counts
    assert ds.positive_class == positive
    assert ds.X_unlabeled.shape == (0, shape[1])
    assert ds.value_range is None and ds.image_shape is None


def test_breast_positive_class_is_malignant():
    ds = load_dataset("breast")
    assert ds.class_names[ds.positive_class] == "malignant"


@needs_files
def test_breast_matches_the_authors_file():
    # The authors' file holds the raw values (not scaled), label last with
    # 1 = malignant, rows in another order: compare the row sets.
    authors = np.loadtxt(DATA / "breast" / "breast_original.csv", delimiter=",")
    ds = load("breast")
    ours = np.column_stack([ds.X, ds.y])
    assert authors.shape == ours.shape
    sort = lambda a: a[np.lexsort(a.T[::-1])]  # noqa: E731
    np.testing.assert_array_equal(sort(ours), sort(authors))


@needs_files
def test_credit():
    ds = load("credit")
    check_conventions(ds)
    assert ds.X.shape == (30000, 23)
    assert np.bincount(ds.y).tolist() == [30000 - 6636, 6636]
    assert ds.positive_class == 1
    assert "ID" not in ds.feature_names and "default.payment.next.month" not in ds.feature_names
    assert ds.feature_names[:2] == ["LIMIT_BAL", "GENDER"]


@needs_files
def test_madelon():
    ds = load("madelon")
    check_conventions(ds)
    assert ds.X.shape == (2600, 500)
    assert np.bincount(ds.y).tolist() == [1300, 1300]
    assert ds.positive_class == 1 and ds.class_names == ["-1", "+1"]
    assert ds.X_unlabeled.shape == (1800, 500)
    for X in (ds.X, ds.X_unlabeled):
        assert X.min() >= 0 and X.max() <= 999 and np.array_equal(X, np.round(X))


@needs_files
def test_mnist(mnist):
    check_conventions(mnist)
    assert mnist.X.shape == (70000, 784)
    assert mnist.n_classes == 10 and mnist.positive_class is None
    assert mnist.X.min() == 0 and mnist.X.max() == 255
    assert mnist.value_range == (0, 255) and mnist.image_shape == (1, 28, 28)
    # Published class sizes of the training (first 60 000) and test parts.
    assert np.bincount(mnist.y[:60000]).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(mnist.y[60000:]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@needs_files
def test_loaded_arrays_cannot_corrupt_the_cache(mnist):
    assert load("mnist") is mnist
    with pytest.raises(ValueError, match="read-only"):
        mnist.X[0, 0] = -1.0


def test_celeba_without_files_says_what_to_put_where(tmp_path):
    with pytest.raises(DataError, match="img_align_celeba.*list_attr_celeba.txt") as caught:
        load_dataset("celeba", data_home=tmp_path)
    assert str(tmp_path / "celeba") in str(caught.value)


def test_celeba_with_files(tmp_path):
    import matplotlib.image

    folder = tmp_path / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(1, 4):
        image = rng.integers(0, 256, size=(218, 178, 3), dtype=np.uint8)
        matplotlib.image.imsave(folder / "img_align_celeba" / f"{i:06d}.jpg", image)
    (folder / "list_attr_celeba.txt").write_text(
        "3\nMale  Smiling\n000001.jpg -1  1\n000002.jpg  1 -1\n000003.jpg  1  1\n"
    )
    ds = load_dataset("celeba", data_home=tmp_path, limit=2)
    assert ds.X.shape == (2, 3 * 218 * 178) and ds.image_shape == (3, 218, 178)
    assert ds.y.tolist() == [1, 0] and ds.class_names == ["not Smiling", "Smiling"]
    assert 0 <= ds.X.min() and ds.X.max() <= 255
    assert load_dataset("celeba", data_home=tmp_path, attribute="Male").y.tolist() == [0, 1, 1]
    with pytest.raises(DataError, match="no attribute 'Bald'"):
        load_dataset("celeba", data_home=tmp_path, attribute="Bald")


@pytest.mark.parametrize("name, relpath", [("credit", "credit/UCI_Credit_Card.csv"),
                                           ("madelon", "madelon/madelon_train.data"),
                                           ("mnist", "mnist/train-images-idx3-ubyte.gz")])
def test_missing_file_without_download_names_the_path(tmp_path, name, relpath):
    with pytest.raises(DataError, match=re.escape(str(tmp_path / relpath))):
        load_dataset(name, data_home=tmp_path, download=False)


def test_network_failure_is_a_clear_error(tmp_path, monkeypatch):
    def unreachable(url, timeout):
        assert timeout == 10
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(download.urllib.request, "urlopen", unreachable)
    with pytest.raises(DataError, match="needs .*madelon_train.data; downloading it failed .*no route to host"):
        load_dataset("madelon", data_home=tmp_path)


def test_corrupt_local_file_is_detected(tmp_path):
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"truncated")
    with pytest.raises(DataError, match="corrupt"):
        load_dataset("mnist", data_home=tmp_path, download=False)


# --------------------------------------------------------------------------
# load_csv
# --------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text(text)
    return path


def test_csv_round_trip_with_missing_values_and_labels(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2.5,yes\n,3,no\n4,,\n5,6,yes\n7,8,yes\n")
    ds = load_csv(path, target="label")
    assert ds.name == "table" and ds.feature_names == ["a", "b"]
    np.testing.assert_array_equal(ds.X, [[1, 2.5], [np.nan, 3], [4, np.nan], [5, 6], [7, 8]])
    assert ds.class_names == ["no", "yes"]
    assert ds.y.tolist() == [1, 0, -1, 1, 1]
    assert ds.positive_class == 0  # the minority class
    assert ds.X_unlabeled.shape == (0, 2)


def test_csv_numeric_labels_and_explicit_positive_class(tmp_path):
    path = write(tmp_path, "a,b,label\n1,2,0\n2,3,1\n3,4,\n4,5,1\n")
    ds = load_csv(path, target="label", positive_class=1, name="mine")
    assert ds.name == "mine" and ds.class_names == ["0", "1"]  # "1", not "1.0", despite the missing label
    assert ds.y.tolist() == [0, 1, -1, 1] and ds.positive_class == 1
    with pytest.raises(DataError, match="positive_class 2 is not a class"):
        load_csv(path, target="label", positive_class=2)


def test_csv_without_target_is_for_imputation(tmp_path):
    ds = load_csv(write(tmp_path, "a,b\n1,\n2,3\n3,4\n"))
    assert ds.y.tolist() == [-1, -1, -1] and ds.n_classes == 0 and ds.positive_class is None
    assert np.isnan(ds.X[0, 1])


def test_csv_multiclass_has_no_positive_class(tmp_path):
    ds = load_csv(write(tmp_path, "a,c\n1,x\n2,y\n3,z\n"), target="c")
    assert ds.n_classes == 3 and ds.positive_class is None


@pytest.mark.parametrize(
    "text, target, problem",
    [
        ("a,b,a\n1,2,3\n4,5,6\n", None, "duplicate column names: 'a'"),
        ("a,b\n1,2\n3,4\n", "label", "target column 'label' is not in"),
        ("a,b\n1,2\n3,oops\n", None, "finite numbers.*'oops' at line 3, column 'b'"),
        ("a,b\n1,\n3,\n", None, "column 'b' .*no value at all"),
        ("a,b\n1,7\n3,7\n", None, "column 'b' .*constant"),
        ("a,b\n1,inf\n3,4\n", None, "finite numbers.*'inf' at line 2, column 'b'"),
        ("a,label\n1,x\n3,x\n4,\n", "label", "target column 'label' .*1 class"),
        ("a,b\n", None, "no data rows"),
        ("label\nx\ny\n", "label", "no feature columns"),
    ],
)
def test_csv_bad_inputs(tmp_path, text, target, problem):
    with pytest.raises(DataError, match=problem):
        load_csv(write(tmp_path, text), target=target)


def test_csv_empty_file(tmp_path):
    with pytest.raises(DataError, match="is empty"):
        load_csv(write(tmp_path, ""))


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such file: .*nothing.csv"):
        load_csv(tmp_path / "nothing.csv")


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("HEXAGAN_DATA", str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.delenv("HEXAGAN_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data.data_dir() == tmp_path / "cache" / "hexagan"
