"""The dataset files: where they live, how a missing one is downloaded, and the sha256 that verifies it."""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from hexagan.data.dataset import DataError

__all__ = ["data_dir"]

# A stalled server must not hang an experiment: every socket operation of a
# download gives up after this many seconds.
_DOWNLOAD_TIMEOUT_S = 10.0

# sha256 of the files whose canonical download is the very same bytes (from
# shared/data/SHA256SUMS).  The credit CSV is absent on purpose: its canonical
# source is an .xls that we convert, so its bytes depend on the converter and
# the loader checks its shape instead.
_SHA256 = {
    "madelon/madelon_test.data": "d397e8d574ec9cba05e5d5246464c5e972ba707d17f8adce9fafff34ea478892",
    "madelon/madelon_train.data": "4611481eb4293d49189520df19d85ac81ac68f15b4f2bacee129aea710c81989",
    "madelon/madelon_train.labels": "e7a320b05556360e890c28188f3c454ad20383a2b2d3c034441edde16285176c",
    "madelon/madelon_valid.data": "025ff83b9378a1b1ec0194524ab709b5680d24c21d7a226753d46b0004a1b83c",
    "madelon/madelon_valid.labels": "1aa311db914031ce44fc1dcf00fe4a0c31becb6c5c4e809db7fec13eead58fcc",
    "mnist/t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "mnist/t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    "mnist/train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "mnist/train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
}


def data_dir() -> Path:
    """Folder where the dataset files are looked for and downloaded to.

    Returns
    -------
    Path
        ``$HEXAGAN_DATA`` when set; else ``$XDG_CACHE_HOME/hexagan`` when
        ``XDG_CACHE_HOME`` is set; else the platform's user cache folder
        (``~/.cache/hexagan`` on Linux, ``~/Library/Caches/hexagan`` on macOS,
        ``%LOCALAPPDATA%\\hexagan\\Cache`` on Windows).
    """
    if os.environ.get("HEXAGAN_DATA"):
        return Path(os.environ["HEXAGAN_DATA"]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "hexagan"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "hexagan"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "hexagan" / "Cache"
    return Path.home() / ".cache" / "hexagan"


# (path, size, mtime) of the files whose sha256 matched, so repeated loads hash a file once.
_VERIFIED: set[tuple[str, int, int]] = set()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha256(path: Path, expected: str, what: str, advice: str) -> None:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = _sha256_of(path)
    if actual != expected:
        raise DataError(f"{what} has sha256 {actual}, expected {expected}: {advice}")
    _VERIFIED.add(key)


def _fetch(
    relpath: str,
    url: str,
    sha256: str | None = None,
    *,
    data_home: Path,
    download: bool,
    dataset: str,
    convert: Callable[[Path, Path], None] | None = None,
) -> Path:
    """Path of a dataset file, downloading it when it is absent and allowed.

    Parameters
    ----------
    relpath : str
        Path of the file under ``data_home``, e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``.
    url : str
        Canonical address of the file (or of the file ``convert`` reads).
    sha256 : str, optional
        Expected sha256 of the downloaded bytes, checked on every present file
        too when ``convert`` is None.
    data_home : Path
    download : bool
        Whether an absent file may be downloaded.
    dataset : str
        Dataset name, for the error message.
    convert : callable, optional
        ``convert(downloaded, target)`` writes the file at ``target`` from the
        download (for a source in another format); it raises DataError when
        the download is not the expected table.

    Returns
    -------
    Path
        The local file, complete: downloads go to a temporary file that is
        renamed only once verified, so an interrupted run leaves no partial
        file behind.
    """
    path = data_home / relpath
    if path.is_file():
        if sha256 is not None and convert is None:
            _check_sha256(
                path, sha256, f"dataset '{dataset}' file {path}",
                "it is corrupt or a different version; delete it so that it is downloaded again",
            )
        return path
    help_text = (
        f"put {path.name} there (source: {url}), or set HEXAGAN_DATA to a folder that has {relpath}"
    )
    if not download:
        raise DataError(f"dataset '{dataset}' needs {path}; {help_text}, or allow a download")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".download-") as tmp:
            fetched = Path(tmp) / "download"
            with (
                urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response,
                open(fetched, "wb") as out,
            ):
                shutil.copyfileobj(response, out)
            if sha256 is not None:
                _check_sha256(
                    fetched, sha256, f"the download of {url}",
                    f"the server sent another file; {help_text}",
                )
            if convert is not None:
                converted = Path(tmp) / "converted"
                try:
                    convert(fetched, converted)
                except DataError as err:
                    raise DataError(f"dataset '{dataset}' needs {path}; {err}; {help_text}") from err
                fetched = converted
            os.replace(fetched, path)
    except (OSError, http.client.HTTPException) as err:
        raise DataError(
            f"dataset '{dataset}' needs {path}; downloading it failed ({err}); {help_text}"
        ) from err
    return path
