"""``tf.keras.utils.get_file``: a file from a URL, kept in Keras' cache directory.

The cache is ``~/.keras`` (``$KERAS_HOME`` when set; ``/tmp/.keras`` when neither is
writable), files going under ``cache_subdir`` (``datasets``). A cached file is used as it
is, unless a ``file_hash`` is given and the file's hash differs: then, as Keras does, it
says so and downloads the file again. ``untar=True`` names the unpacked folder and
unpacks ``fname + ".tar.gz"`` into it on first use.

    >>> import os, tempfile
    >>> cache = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(cache, "datasets"))
    >>> with open(os.path.join(cache, "datasets", "tiny.txt"), "w") as f:
    ...     _ = f.write("cached")
    >>> path = get_file("tiny.txt", origin="https://example.com/tiny.txt", cache_dir=cache)
    >>> open(path).read()
    'cached'
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

__all__ = ["get_file", "validate_file"]


def _urlretrieve(url: str, filename: str) -> None:
    # One name for the network, so a test can stand in for it.
    urllib.request.urlretrieve(url, filename)


def _cache_root(cache_dir) -> str:
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    root = os.path.expanduser(cache_dir)
    if not os.access(root, os.W_OK):
        root = os.path.join("/tmp", ".keras")
    return root


def _resolve_hasher(algorithm, file_hash=None):
    if algorithm == "sha256":
        return hashlib.sha256()
    # 'auto' tells the algorithms apart by length: 64 hex digits is sha256, else md5.
    if algorithm == "auto" and file_hash is not None and len(file_hash) == 64:
        return hashlib.sha256()
    return hashlib.md5()


def _hash_file(fpath, hasher, chunk_size=65535) -> str:
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    """Whether the file at ``fpath`` has the sha256 or md5 hash ``file_hash``."""
    hasher = _resolve_hasher(algorithm, file_hash)
    return str(_hash_file(fpath, hasher, chunk_size)) == str(file_hash)


def _extract_archive(file_path, path=".", archive_format="auto") -> bool:
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    openers = {
        "tar": (tarfile.open, tarfile.is_tarfile),
        "zip": (zipfile.ZipFile, zipfile.is_zipfile),
    }
    for archive_type in archive_format:
        open_fn, is_match_fn = openers[archive_type]
        if is_match_fn(file_path):
            with open_fn(file_path) as archive:
                try:
                    archive.extractall(path)
                except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                    # A half-unpacked folder would pass for a cached one next time.
                    if os.path.isfile(path):
                        os.remove(path)
                    elif os.path.exists(path):
                        shutil.rmtree(path)
                    raise
            return True
    return False


def _download(origin: str, fpath: str) -> None:
    print("Downloading data from", origin)
    error_msg = "URL fetch failure on {}: {} -- {}"
    try:
        try:
            _urlretrieve(origin, fpath)
        except urllib.error.HTTPError as e:
            raise Exception(error_msg.format(origin, e.code, e.msg)) from e
        except urllib.error.URLError as e:
            raise Exception(error_msg.format(origin, e.errno, e.reason)) from e
    except (Exception, KeyboardInterrupt):
        if os.path.exists(fpath):
            os.remove(fpath)
        raise


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
):
    """The local path of ``fname``, downloaded from ``origin`` unless already cached."""
    if origin is None:
        raise ValueError("Please specify the 'origin' argument (URL of the file to download)")
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Invalid origin '{origin}'")

    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath if untar_fpath.endswith(".tar.gz") else untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if (
        not download
        and file_hash is not None
        and not validate_file(fpath, file_hash, hash_algorithm)
    ):
        print(
            "A local file was found, but it seems to be incomplete or outdated because the "
            + hash_algorithm
            + " file hash does not match the original value of "
            + file_hash
            + " so we will re-download the data."
        )
        download = True
    if download:
        _download(origin, fpath)

    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath
