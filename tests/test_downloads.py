"""Downloads end to end: each dataset's registry, moved onto a loopback HTTP server that serves small files in
the real formats (UCI's zip archives, madelon's text files, MNIST's gzipped IDX files, credit's .xls)."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import re
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from hexagan.data import DataError, images, load_dataset, tabular

UCI = "https://archive.ics.uci.edu"
MADELON_ZIP = UCI + "/static/public/171/madelon.zip"
CREDIT_ZIP = UCI + "/static/public/350/default+of+credit+card+clients.zip"


class Site:
    """A loopback HTTP server standing in for every host: it serves ``https://HOST/PATH`` at ``/HOST/PATH``."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}  # path on the server -> body; any other path is a 404
        self.truncated: set[str] = set()  # these paths announce 1000 bytes more than they send
        self.requested: list[str] = []  # paths, in order
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requested.append(self.path)
                body = site.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + (1000 if self.path in site.truncated else 0)))
                self.end_headers()
                self.wfile.write(body)  # then the server closes the connection (HTTP/1.0)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def path(url: str) -> str:
        return "/" + url.split("://", 1)[1]

    def local(self, url: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path(url)}"

    def serve(self, url: str, body: bytes, *, truncated: bool = False) -> None:
        self.files[self.path(url)] = body
        if truncated:
            self.truncated.add(self.path(url))

    def asked_for(self, *urls: str) -> bool:
        """Whether the requests were for these URLs, in this order, and no others."""
        return self.requested == [self.path(url) for url in urls]


@pytest.fixture
def site(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # a proxy from the environment must not see loopback requests
    with Site() as running:
        yield running


def move(monkeypatch, module, registry: str, site: Site, sha256: dict[str, str]) -> None:
    """Point ``module.registry`` at ``site`` (same paths and members) with these sha256 by file name."""
    files = tuple(
        dataclasses.replace(
            file,
            sources=tuple(dataclasses.replace(source, url=site.local(source.url)) for source in file.sources),
            sha256=sha256.get(file.name, file.sha256),
        )
        for file in getattr(module, registry)
    )
    monkeypatch.setattr(module, registry, files)


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, body in members.items():
            bundle.writestr(name, body)
    return buffer.getvalue()


def cache_content(cache: Path) -> list[str]:
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*"))


# --------------------------------------------------------------------------
# madelon: UCI's zip, else the files at their old addresses
# --------------------------------------------------------------------------

RNG = np.random.default_rng(0)
MADELON_ROWS = {"train": 4, "valid": 2, "test": 3}
MADELON_X = {part: RNG.integers(0, 1000, size=(n, 500)) for part, n in MADELON_ROWS.items()}
MADELON_Y = {"train": [1, -1, -1, 1], "valid": [-1, 1]}


def madelon_files() -> dict[str, bytes]:
    """Paths inside UCI's zip to bodies, in the files' format (a trailing space on each line, as UCI's have)."""
    files = {f"MADELON/madelon_{part}.data": "".join(" ".join(map(str, row)) + " \n" for row in X).encode()
             for part, X in MADELON_X.items()}
    files["MADELON/madelon_train.labels"] = "".join(f"{v}\n" for v in MADELON_Y["train"]).encode()
    files["madelon_valid.labels"] = "".join(f"{v}\n" for v in MADELON_Y["valid"]).encode()
    return files


@pytest.fixture
def madelon(site, monkeypatch):
    files = madelon_files()
    move(monkeypatch, tabular, "MADELON_FILES", site, {Path(m).name: sha(body) for m, body in files.items()})
    return files


def check_madelon(cache: Path) -> None:
    ds = load_dataset("madelon", data_home=cache)
    np.testing.assert_array_equal(ds.X, np.concatenate([MADELON_X["train"], MADELON_X["valid"]]))
    np.testing.assert_array_equal(ds.X_unlabeled, MADELON_X["test"])
    assert ds.y.tolist() == [1, 0, 0, 1, 0, 1]
    assert cache_content(cache) == ["madelon"] + [f"madelon/madelon_{f}" for f in (
        "test.data", "train.data", "train.labels", "valid.data", "valid.labels")]


def test_madelon_comes_from_the_uci_zip_downloaded_once(site, madelon, tmp_path):
    site.serve(MADELON_ZIP, zipped({**madelon, "Dataset.pdf": b"%PDF"}))
    check_madelon(tmp_path / "cache")
    assert site.asked_for(MADELON_ZIP)


def test_madelon_falls_back_to_the_old_addresses(site, madelon, tmp_path):
    members = [file.sources[0].member for file in tabular.MADELON_FILES]
    old = [f"{UCI}/ml/machine-learning-databases/madelon/{member}" for member in members]
    for url, member in zip(old, members):
        site.serve(url, madelon[member])
    check_madelon(tmp_path / "cache")
    assert site.asked_for(MADELON_ZIP, *old)  # the zip's 404 is remembered, not asked for again


@pytest.mark.parametrize("fault, reason", [
    ("404", r"HTTP Error 404: Not Found; .*HTTP Error 404: Not Found"),
    ("truncated", r"the server sent \d+ of the \d+ bytes it announced; .*the server sent \d+ of the \d+ bytes"),
    ("checksum", r"it has sha256 [0-9a-f]{64}, expected [0-9a-f]{64} \(another file or version\); .*it has sha256"),
    ("not a zip", r"File is not a zip file; .*HTTP Error 404"),
    ("no member", r"the archive has no member MADELON/madelon_train\.data; .*HTTP Error 404"),
])
def test_a_failed_madelon_download_is_a_clear_error_and_leaves_nothing(site, madelon, tmp_path, fault, reason):
    old = f"{UCI}/ml/machine-learning-databases/madelon/MADELON/madelon_train.data"
    if fault in ("truncated", "checksum"):  # the old address fails the same way
        if fault == "checksum":
            madelon = {**madelon, "MADELON/madelon_train.data": b"1 2 3 \n"}
        site.serve(MADELON_ZIP, zipped(madelon), truncated=fault == "truncated")
        site.serve(old, madelon["MADELON/madelon_train.data"], truncated=fault == "truncated")
    elif fault == "not a zip":
        site.serve(MADELON_ZIP, b"<html>moved</html>")
    elif fault == "no member":
        site.serve(MADELON_ZIP, zipped({"Dataset.pdf": b"%PDF"}))
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=rf"dataset 'madelon' needs .*madelon_train\.data; downloading it failed "
                                        rf"from every source \(MADELON/madelon_train\.data in .*madelon\.zip: {reason}"):
        load_dataset("madelon", data_home=cache)
    assert cache_content(cache) == []


# --------------------------------------------------------------------------
# MNIST: gzipped IDX files from a list of mirrors
# --------------------------------------------------------------------------


def idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">i4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


MNIST_IMAGES = {"train": RNG.integers(0, 256, size=(3, 28, 28)), "t10k": RNG.integers(0, 256, size=(2, 28, 28))}
MNIST_LABELS = {"train": np.array([5, 0, 4]), "t10k": np.array([7, 2])}
MNIST = {**{f"{part}-images-idx3-ubyte.gz": idx(images) for part, images in MNIST_IMAGES.items()},
         **{f"{part}-labels-idx1-ubyte.gz": idx(labels) for part, labels in MNIST_LABELS.items()}}
MIRRORS = [source.url.removesuffix("train-images-idx3-ubyte.gz") for source in images.MNIST_FILES[0].sources]


@pytest.fixture
def mnist(site, monkeypatch):
    move(monkeypatch, images, "MNIST_FILES", site, {name: sha(body) for name, body in MNIST.items()})


def test_mnist_comes_from_the_first_mirror_that_serves_it(site, mnist, tmp_path):
    assert MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    for name, body in MNIST.items():
        site.serve(MIRRORS[1] + name, body)
    cache = tmp_path / "cache"
    ds = load_dataset("mnist", data_home=cache)
    np.testing.assert_array_equal(ds.X, np.concatenate([MNIST_IMAGES["train"], MNIST_IMAGES["t10k"]]).reshape(5, 784))
    assert ds.y.tolist() == [5, 0, 4, 7, 2]
    assert site.asked_for(*[mirror + file.name for file in images.MNIST_FILES for mirror in MIRRORS[:2]])
    assert cache_content(cache) == ["mnist"] + sorted(f"mnist/{name}" for name in MNIST)


@pytest.mark.parametrize("fault, reason", [
    ("404", "HTTP Error 404: Not Found"),
    ("truncated", r"the server sent \d+ of the \d+ bytes it announced"),
    ("checksum", r"it has sha256 [0-9a-f]{64}, expected [0-9a-f]{64} \(another file or version\)"),
])
def test_a_failed_mnist_download_is_a_clear_error_and_leaves_nothing(site, mnist, tmp_path, fault, reason):
    name = "train-images-idx3-ubyte.gz"
    if fault != "404":
        for mirror in MIRRORS:
            site.serve(mirror + name, MNIST[name] if fault == "truncated" else idx(np.zeros((1, 28, 28))),
                       truncated=fault == "truncated")
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as raised:
        load_dataset("mnist", data_home=cache)
    message = str(raised.value)
    assert message.startswith(f"dataset 'mnist' needs {cache / 'mnist' / name}; downloading it failed from every source")
    for mirror in MIRRORS:  # each source, with why it failed
        assert re.search(rf"{re.escape(site.local(mirror + name))}: {reason}", message), message
    assert cache_content(cache) == []


# --------------------------------------------------------------------------
# credit: the .xls in UCI's zip, else alone at its old address; converted to CSV
# --------------------------------------------------------------------------

CREDIT_XLS = (Path(__file__).parent / "data" / "credit_sample.xls").read_bytes()  # first 8 rows; data/README.md
CREDIT_OLD = UCI + "/ml/machine-learning-databases/00350/default%20of%20credit%20card%20clients.xls"


@pytest.fixture
def credit(site, monkeypatch):
    move(monkeypatch, tabular, "CREDIT_FILES", site, {})


def check_credit(cache: Path) -> None:
    ds = load_dataset("credit", data_home=cache)
    assert ds.X.shape == (8, 23) and ds.y.tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    assert ds.X[0].tolist() == [20000, 2, 2, 1, 24, 2, 2, -1, -1, -2, -2, 3913, 3102, 689, 0, 0, 0, 0, 689, 0, 0, 0, 0]
    assert cache_content(cache) == ["credit", "credit/UCI_Credit_Card.csv"]
    # The CSV has the names of the widespread edition that shared/data holds.
    assert (cache / "credit" / "UCI_Credit_Card.csv").read_text().splitlines()[0] == ",".join(
        ["ID", "LIMIT_BAL", "GENDER", "EDUCATION", "MARRIAGE", "AGE", "PAY_0"] + [f"PAY_{k}" for k in range(2, 7)]
        + [f"BILL_AMT{k}" for k in range(1, 7)] + [f"PAY_AMT{k}" for k in range(1, 7)] + ["default.payment.next.month"])


@pytest.fixture
def eight_rows(monkeypatch):
    monkeypatch.setattr(tabular, "_CREDIT_ROWS", 8)  # the fixture's: credit's shape stands in for a checksum


def test_credit_comes_from_the_xls_in_the_uci_zip(site, credit, eight_rows, tmp_path):
    site.serve(CREDIT_ZIP, zipped({"default of credit card clients.xls": CREDIT_XLS}))
    check_credit(tmp_path / "cache")
    assert site.asked_for(CREDIT_ZIP)


def test_credit_falls_back_to_the_old_xls(site, credit, eight_rows, tmp_path):
    site.serve(CREDIT_OLD, CREDIT_XLS)
    check_credit(tmp_path / "cache")
    assert site.asked_for(CREDIT_ZIP, CREDIT_OLD)


@pytest.mark.parametrize("fault, reason", [
    ("shape", r"the \.xls holds a 8 x 25 table with columns \['ID', 'LIMIT_BAL', 'GENDER', .*expected 30000 x 25"),
    ("not an xls", r"it is not a readable \.xls"),
    ("no reader", r"reading the \.xls needs the package python-calamine \(pip install python-calamine\)"),
])
def test_a_credit_download_that_does_not_convert_is_a_clear_error_and_leaves_nothing(
        site, credit, tmp_path, monkeypatch, fault, reason):
    body = b"<html>moved</html>" if fault == "not an xls" else CREDIT_XLS
    if fault == "no reader":
        monkeypatch.setitem(sys.modules, "python_calamine", None)  # as if it were not installed
    site.serve(CREDIT_ZIP, zipped({"default of credit card clients.xls": body}))
    site.serve(CREDIT_OLD, body)
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=rf"dataset 'credit' needs .*UCI_Credit_Card\.csv; downloading it failed from "
                                        rf"every source \(default of credit card clients\.xls in .*\.zip: {reason}.*; "
                                        rf".*default%20of%20credit%20card%20clients\.xls: {reason}.*\)"):
        load_dataset("credit", data_home=cache)
    assert cache_content(cache) == []
