"""The dataset files: where they live, where each is downloaded from, and how a download is verified.

Each downloadable dataset declares its files in one registry, a tuple of
:class:`RemoteFile` beside its loader (``tabular.CREDIT_FILES``,
``tabular.MADELON_FILES``, ``images.MNIST_FILES``): the file's path in the
cache folder, its sources tried in order (the canonical address first, then
mirrors or the address it had before), the sha256 of its bytes and, for a file
kept in another format than its source's, the converter.  A source may be a
zip archive, of which the file is one member.  :func:`fetch_files` makes every
file of a registry present, downloading the absent ones; a download that is
incomplete, has another checksum or does not convert counts as a failed source,
and when every source of a file fails, the :class:`DataError` says why each did.
Nothing partial is left in the cache: each file is assembled in a temporary
folder there and renamed into place only once verified.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hexagan.data.dataset import DataError

__all__ = ["data_dir"]

# A stalled server must not hang an experiment: every socket operation of a
# download gives up after this many seconds.
_DOWNLOAD_TIMEOUT_S = 10.0

# What a failed source raises: a network or disk error, an HTTP protocol error,
# an archive that is not one, or a DataError from the checks and converters.
_SOURCE_ERRORS = (OSError, http.client.HTTPException, zipfile.BadZipFile, DataError)


@dataclass(frozen=True)
class Source:
    """One place a file can be downloaded from.

    Parameters
    ----------
    url : str
    member : str, optional
        The file's path inside the zip archive at ``url``; None when ``url``
        serves the file itself.
    """

    url: str
    member: str | None = None

    def __str__(self) -> str:
        return self.url if self.member is None else f"{self.member} in {self.url}"


@dataclass(frozen=True)
class RemoteFile:
    """A dataset file and how to get it.

    Parameters
    ----------
    relpath : str
        Path under the cache folder, e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``.
    sources : tuple of Source
        Tried in order until one gives a verified file.
    sha256 : str, optional
        Of the file's bytes as its sources serve them (the member's, for an
        archive); checked on every download and on every present file that is
        not converted.  None where no checksum is published (credit's .xls,
        which its converter checks instead).
    convert : callable, optional
        ``convert(source_file, target)`` writes the kept file at ``target``
        from the downloaded one; it raises DataError when that is not the
        expected table.
    """

    relpath: str
    sources: tuple[Source, ...]
    sha256: str | None = None
    convert: Callable[[Path, Path], None] | None = None

    @property
    def name(self) -> str:
        return Path(self.relpath).name


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


# (path, size, mtime) of the present files whose sha256 matched, so repeated loads hash a file once.
_VERIFIED: set[tuple[str, int, int]] = set()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_present(path: Path, expected: str, dataset: str) -> None:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = _sha256_of(path)
    if actual != expected:
        raise DataError(
            f"dataset '{dataset}' file {path} has sha256 {actual}, expected {expected}: it is corrupt "
            f"or a different version; delete it so that it is downloaded again"
        )
    _VERIFIED.add(key)


def _download(url: str, target: Path) -> None:
    with (
        urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response,
        open(target, "wb") as out,
    ):
        shutil.copyfileobj(response, out)
        announced = response.headers.get("Content-Length")
        # http.client reads a body cut short by a closed connection as if it were complete.
        if announced is not None and out.tell() != int(announced):
            raise DataError(f"the server sent {out.tell()} of the {announced} bytes it announced")


def _extract(archive: Path, member: str, target: Path) -> None:
    with zipfile.ZipFile(archive) as bundle:
        if member not in bundle.namelist():
            raise DataError(f"the archive has no member {member}")
        with bundle.open(member) as stream, open(target, "wb") as out:
            shutil.copyfileobj(stream, out)  # zipfile checks the member's CRC as it reads


class _Archives:
    """The zip archives downloaded during one fetch, so that files from the same archive download it once."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._got: dict[str, Path | Exception] = {}

    def get(self, url: str) -> Path:
        if url not in self._got:
            target = self._folder / f"archive-{len(self._got)}"
            try:
                _download(url, target)
                self._got[url] = target
            except _SOURCE_ERRORS as err:
                target.unlink(missing_ok=True)
                self._got[url] = err  # kept, so an unreachable archive costs one timeout, not one per file
        got = self._got[url]
        if isinstance(got, Exception):
            raise got
        return got


def _from_source(file: RemoteFile, source: Source, work: Path, archives: _Archives) -> Path:
    """The file as ``source`` gives it, verified and converted, in the empty folder ``work``."""
    fetched = work / "fetched"
    if source.member is None:
        _download(source.url, fetched)
    else:
        _extract(archives.get(source.url), source.member, fetched)
    if file.sha256 is not None and (actual := _sha256_of(fetched)) != file.sha256:
        raise DataError(f"it has sha256 {actual}, expected {file.sha256} (another file or version)")
    if file.convert is None:
        return fetched
    converted = work / "converted"
    file.convert(fetched, converted)
    return converted


def fetch_files(files: tuple[RemoteFile, ...], *, data_home: Path, download: bool, dataset: str) -> dict[str, Path]:
    """The local paths of a dataset's files, downloading the absent ones when allowed.

    Parameters
    ----------
    files : tuple of RemoteFile
        The dataset's registry.
    data_home : Path
        The cache folder.
    download : bool
        Whether an absent file may be downloaded.
    dataset : str
        Dataset name, for the error messages.

    Returns
    -------
    dict
        File name (e.g. ``"madelon_train.data"``) to its complete local path.

    Raises
    ------
    DataError
        A file is absent and may not be downloaded, every source of an absent
        file failed (the message says how each did), or a present file has
        another sha256 than its registry's.
    """
    paths = {file.name: data_home / file.relpath for file in files}
    missing = [file for file in files if not paths[file.name].is_file()]
    for file in files:
        if paths[file.name].is_file() and file.sha256 is not None and file.convert is None:
            _check_present(paths[file.name], file.sha256, dataset)
    if missing and not download:
        origins = ", ".join(dict.fromkeys(file.sources[0].url for file in missing))
        raise DataError(
            f"dataset '{dataset}' needs {', '.join(str(paths[file.name]) for file in missing)}; allow a "
            f"download, or put the files there (from {origins}), or set HEXAGAN_DATA to a folder that has them"
        )
    if not missing:
        return paths
    try:
        data_home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=data_home, prefix=".download-") as tmp:
            archives = _Archives(Path(tmp))
            for file in missing:
                _install(file, paths[file.name], Path(tmp), archives, dataset)
    except OSError as err:  # the cache folder itself is not writable
        raise DataError(f"dataset '{dataset}' cannot be downloaded into {data_home}: {err}") from err
    return paths


def _install(file: RemoteFile, path: Path, tmp: Path, archives: _Archives, dataset: str) -> None:
    failures = []
    for attempt, source in enumerate(file.sources):
        work = tmp / f"{file.name}.{attempt}"
        work.mkdir()
        try:
            got = _from_source(file, source, work, archives)
        except _SOURCE_ERRORS as err:
            failures.append(f"{source}: {err}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(got, path)
            return
        finally:
            shutil.rmtree(work)  # a failed source's bytes would otherwise pile up until the end of the fetch
    raise DataError(
        f"dataset '{dataset}' needs {path}; downloading it failed from every source ({'; '.join(failures)}); "
        f"put {file.name} there, or set HEXAGAN_DATA to a folder that has {file.relpath}"
    )
