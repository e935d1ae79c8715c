"""``tf.resource_loader``: paths to data files that sit beside a script.

TF1 programs use it to find a file shipped next to their own source:
``get_path_to_datafile("vocab.txt")`` is that name joined to the calling script's
directory. ``load_resource(path)`` reads a file relative to the package (``tensorflow/`` in
TensorFlow, ``teachflow/`` here), as TensorFlow's does (its path is taken relative to the
loader itself).

    >>> import teachflow as tf
    >>> import os
    >>> os.path.basename(tf.resource_loader.get_path_to_datafile("vocab.txt"))
    'vocab.txt'
"""

from __future__ import annotations

import inspect
import os
import sys

__all__ = [
    "get_data_files_path",
    "get_path_to_datafile",
    "get_root_dir_with_all_resources",
    "load_resource",
    "readahead_file_path",
]


def _caller_dir(depth: int) -> str:
    return os.path.dirname(inspect.getfile(sys._getframe(depth + 1)))


def load_resource(path: str) -> bytes:
    """The bytes of the file at ``path``, relative to the teachflow package.

    Raises OSError (IOError) when it cannot be read."""
    with open(get_path_to_datafile(path), "rb") as f:
        return f.read()


def get_data_files_path() -> str:
    """The directory of the script that calls this."""
    return _caller_dir(1)


def get_root_dir_with_all_resources() -> str:
    """The directory below a Bazel ``*.runfiles`` tree that holds the caller, or the
    caller's own directory where there is none (always the case outside Bazel)."""
    directories = [_caller_dir(1)]
    while True:
        candidate = directories[-1]
        if ".runfiles" in os.path.basename(candidate):
            return directories[-2] if len(directories) > 1 else directories[0]
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return directories[0]
        directories.append(parent)


def get_path_to_datafile(path: str) -> str:
    """``path`` joined to the calling script's directory."""
    return os.path.join(_caller_dir(1), path)


def readahead_file_path(path: str, readahead: str = "128M") -> str:
    """``path`` itself: TensorFlow has no read-ahead either."""
    return path
