"""``tf.gfile``: TF1's file-system functions, on local paths.

TensorFlow routes these through its C++ ``FileSystem`` (local disk, GCS, HDFS); teachflow
knows only the local disk, so each is a thin layer over ``os`` and ``shutil`` that keeps
TF's behaviour where scripts rely on it: ``MakeDirs`` of an existing directory and
``MkDir`` of one are fine, a missing path is ``tf.errors.NotFoundError`` with TF's
words, and ``Copy``/``Rename`` onto an existing file need ``overwrite=True``.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> logs = os.path.join(tempfile.mkdtemp(), "logs")
    >>> tf.gfile.Exists(logs)
    False
    >>> tf.gfile.MakeDirs(logs + "/train")
    >>> tf.gfile.ListDirectory(logs)
    ['train']
    >>> tf.gfile.DeleteRecursively(logs)
    >>> tf.gfile.DeleteRecursively(logs)
    Traceback (most recent call last):
    ...
    teachflow.framework.errors.NotFoundError: ... not found
"""

import glob as _glob
import os
import shutil
from types import SimpleNamespace

from teachflow.framework import errors

__all__ = [
    "Copy",
    "DeleteRecursively",
    "Exists",
    "FastGFile",
    "GFile",
    "Glob",
    "IsDirectory",
    "ListDirectory",
    "MakeDirs",
    "MkDir",
    "Open",
    "Remove",
    "Rename",
    "Stat",
    "Walk",
]


def _missing(path):
    return errors.NotFoundError(None, None, f"{path}; No such file or directory")


def Exists(filename):
    """Whether ``filename`` (a file or a directory) exists."""
    return os.path.exists(filename)


def IsDirectory(dirname):
    return os.path.isdir(dirname)


def MakeDirs(dirname):
    """Make ``dirname`` and its parents; an existing directory is fine."""
    if os.path.exists(dirname) and not os.path.isdir(dirname):
        raise errors.FailedPreconditionError(None, None, f"{dirname} is not a directory") from None
    try:
        os.makedirs(dirname, exist_ok=True)
    except NotADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{dirname} is not a directory") from None


def MkDir(dirname):
    """Make ``dirname`` (its parent must exist); an existing directory is fine, as in TF 2."""
    if os.path.isdir(dirname):
        return
    try:
        os.mkdir(dirname)
    except FileNotFoundError:
        raise _missing(dirname) from None


def DeleteRecursively(dirname):
    """Delete ``dirname`` and everything under it (or the file ``dirname``)."""
    if not os.path.exists(dirname):
        raise errors.NotFoundError(None, None, f"{dirname} not found")
    if os.path.isdir(dirname):
        shutil.rmtree(dirname)
    else:
        os.remove(dirname)


def Remove(filename):
    try:
        os.remove(filename)
    except FileNotFoundError:
        raise _missing(filename) from None


def ListDirectory(dirname):
    """The names in ``dirname``, sorted (without ``.`` and ``..``)."""
    if not os.path.isdir(dirname):
        raise errors.NotFoundError(None, None, f"Could not find directory {dirname}")
    return sorted(os.listdir(dirname))


def Glob(filename):
    """The paths matching the pattern ``filename``, sorted."""
    return sorted(_glob.glob(filename))


def _check_target(oldpath, newpath, overwrite):
    if not os.path.exists(oldpath):
        raise _missing(oldpath)
    if os.path.exists(newpath) and not overwrite:
        raise errors.AlreadyExistsError(None, None, "file already exists")


def Rename(oldname, newname, overwrite=False):
    _check_target(oldname, newname, overwrite)
    os.replace(oldname, newname)


def Copy(oldpath, newpath, overwrite=False):
    _check_target(oldpath, newpath, overwrite)
    shutil.copyfile(oldpath, newpath)


def Stat(filename):
    """A record with TF's ``FileStatistics`` fields: length, mtime_nsec, is_directory."""
    try:
        stat = os.stat(filename)
    except FileNotFoundError:
        raise _missing(filename) from None
    return SimpleNamespace(
        length=stat.st_size, mtime_nsec=stat.st_mtime_ns, is_directory=os.path.isdir(filename)
    )


def Walk(top, in_order=True):
    """``(dirname, subdirs, files)`` for ``top`` and every directory under it, as os.walk;
    ``in_order=False`` lists a directory after those under it."""
    for dirname, subdirs, files in os.walk(top, topdown=in_order):
        yield dirname, sorted(subdirs), sorted(files)


def GFile(name, mode="r"):
    """A Python file object for ``name`` (``"r"`` reads text, ``"rb"`` bytes). A missing file
    is NotFoundError when opened (TF defers it to the first read)."""
    try:
        return open(name, mode)
    except FileNotFoundError:
        raise _missing(name) from None


Open = GFile
FastGFile = GFile
