"""``tf.summary.FileWriterCache``: one `FileWriter` per log directory, shared.

Hooks and estimators that each want "the writer of ``logdir``" get the same object, so one
event file collects them all instead of several files racing in one directory.

    >>> import tempfile
    >>> from teachflow.summary import FileWriterCache
    >>> logdir = tempfile.mkdtemp()
    >>> FileWriterCache.get(logdir) is FileWriterCache.get(logdir)
    True
    >>> FileWriterCache.clear()
"""

from __future__ import annotations

import threading

from teachflow.framework.graph import get_default_graph
from teachflow.summary.writer import FileWriter

__all__ = ["FileWriterCache"]


class FileWriterCache:
    """A process-wide cache of `FileWriter` objects, by log directory."""

    _cache: dict = {}
    _lock = threading.RLock()

    @staticmethod
    def clear() -> None:
        """Close every cached writer and forget them."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache = {}

    @staticmethod
    def get(logdir) -> FileWriter:
        """The writer of ``logdir``, created (with the default graph) on first use."""
        with FileWriterCache._lock:
            if logdir not in FileWriterCache._cache:
                FileWriterCache._cache[logdir] = FileWriter(logdir, graph=get_default_graph())
            return FileWriterCache._cache[logdir]
