"""Where file ops may reach: a server's *file root*.

A server runs the graphs its clients send, and some ops touch its filesystem: the readers
and ``tf.data`` file datasets, ``ReadFile``, ``WriteFile``, ``MatchingFiles``, and the
checkpoint ops (``SaveV2``, ``RestoreV2``, ``MergeV2Checkpoints``). Without a root, any
client can read or write any file the server's user can reach — which is as good as
running code there. A server started with ``file_root=DIR`` (``teachflow server
--file-root DIR``) sets the root for each step it runs (`current_root`, like the step's
cancellation manager), and every file op asks `confine` first: a path that resolves
(``..`` and symbolic links followed) outside the root fails with `PermissionDeniedError`
naming the path and the root.

    >>> import os, tempfile
    >>> root = os.path.realpath(tempfile.mkdtemp())
    >>> token = current_root.set(root)
    >>> confine(os.path.join(root, "data.csv")) == os.path.join(root, "data.csv")
    True
    >>> confine("/etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    teachflow.framework.errors.PermissionDeniedError: /etc/passwd is outside ...
    >>> current_root.reset(token)

A local Session has no root: its files are its own user's.
"""

from __future__ import annotations

import contextvars
import os

from teachflow.framework import errors

# The root of the server running the current step (a real path), or None: no limit.
current_root: contextvars.ContextVar = contextvars.ContextVar("teachflow_file_root", default=None)


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def confine(path):
    """``path`` itself (str or bytes) when it lies under the current root, else
    PermissionDeniedError naming the path and the root."""
    root = current_root.get()
    if root is None:
        return path
    text = os.fsdecode(path)
    if not _inside(os.path.realpath(text), root):
        raise errors.PermissionDeniedError(
            None,
            None,
            f"{text} is outside {root}, the file root of this server: its file ops "
            "(readers, ReadFile, WriteFile, MatchingFiles, Save/Restore) only reach files "
            "under it",
        )
    return path


def confine_matches(pattern, matches: list) -> list:
    """For ``MatchingFiles``: the pattern must lie under the root, and matches that
    resolve outside it (symbolic links) are left out."""
    confine(pattern)
    root = current_root.get()
    if root is None:
        return matches
    return [m for m in matches if _inside(os.path.realpath(os.fsdecode(m)), root)]


def resolve_root(directory) -> str | None:
    """The real path of a server's ``file_root`` (None stays None); it must exist."""
    if directory is None:
        return None
    real = os.path.realpath(os.fspath(directory))
    if not os.path.isdir(real):
        raise ValueError(f"file_root {directory!r} is not a directory")
    return real
