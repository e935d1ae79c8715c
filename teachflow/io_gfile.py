"""``tf.io.gfile``: TF 2's snake_case names of the file-system functions (``tf.gfile`` keeps
TF1's CamelCase ones; both are the same local-disk layer, `teachflow.gfile`).

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> root = tempfile.mkdtemp()
    >>> tf.io.gfile.makedirs(tf.io.gfile.join(root, "logs", "train"))
    >>> tf.io.gfile.exists(root + "/logs"), tf.io.gfile.listdir(root)
    (True, ['logs'])
    >>> tf.io.gfile.rmtree(root)
    >>> tf.io.gfile.isdir(root)
    False
"""

import os

from teachflow import gfile as _gfile
from teachflow.gfile import GFile

__all__ = [
    "GFile",
    "copy",
    "exists",
    "get_registered_schemes",
    "glob",
    "isdir",
    "join",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "walk",
]

exists = _gfile.Exists
isdir = _gfile.IsDirectory
makedirs = _gfile.MakeDirs
mkdir = _gfile.MkDir
remove = _gfile.Remove
rmtree = _gfile.DeleteRecursively
listdir = _gfile.ListDirectory
glob = _gfile.Glob
stat = _gfile.Stat


def copy(src, dst, overwrite=False):
    """Copy the file ``src`` to ``dst`` (AlreadyExistsError onto a file unless ``overwrite``)."""
    _gfile.Copy(src, dst, overwrite)


def rename(src, dst, overwrite=False):
    """Move ``src`` to ``dst`` (AlreadyExistsError onto a file unless ``overwrite``)."""
    _gfile.Rename(src, dst, overwrite)


def join(path, *paths):
    """``os.path.join`` that keeps a URL's scheme (``gs://bucket`` + ``x``: ``gs://bucket/x``)."""
    return os.path.join(path, *paths) if "://" not in path else "/".join((path, *paths))


def walk(top, topdown=True, onerror=None):
    """``(dirname, subdirs, files)`` for ``top`` and each directory under it, as TF's
    (``onerror`` gets the NotFoundError of a directory that cannot be listed)."""
    if not isdir(top):
        if onerror is not None:
            onerror(_gfile.errors.NotFoundError(None, None, f"Could not find directory {top}"))
        return
    yield from _gfile.Walk(top, in_order=topdown)


def get_registered_schemes():
    """The URL schemes paths may use: teachflow reads the local disk only ("" and file)."""
    return ["file", ""]
