"""Hooks into a monitored session's runs: ``tf.train.SessionRunHook`` and its arguments.

A hook sees every ``run`` of a ``MonitoredSession``: it may add fetches, feeds and options to the
call (``before_run`` returns ``SessionRunArgs``), read what they gave (``after_run`` gets
``SessionRunValues``) and ask the loop to stop (``run_context.request_stop()``).

>>> import teachflow as tf
>>> class CountRuns(tf.train.SessionRunHook):
...     def begin(self):
...         self.runs = 0
...     def after_run(self, run_context, run_values):
...         self.runs += 1
"""

from __future__ import annotations

import collections

__all__ = ["SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues"]


class SessionRunHook:
    """Does nothing by default; subclasses override the calls they need, as in TensorFlow."""

    def begin(self):
        """Called once before the graph is finalized: the hook may still add ops."""

    def after_create_session(self, session, coord):
        """Called when a new session was created and initialized (also after a recovery)."""

    def before_run(self, run_context):
        """Called before each run; may return ``SessionRunArgs`` to merge into the call."""
        return None

    def after_run(self, run_context, run_values):
        """Called after each run with the results of what ``before_run`` asked for."""

    def end(self, session):
        """Called once when the monitored session closes without an error."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """What a hook adds to a run: fetches (any structure), feeds and ``RunOptions``."""

    __slots__ = ()

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunContext:
    """The run being made: the caller's original arguments and the session; hooks may stop it."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    @property
    def original_args(self):
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self):
        return self._stop_requested

    def request_stop(self):
        """Ask the monitored session to stop after this run (``should_stop()`` becomes True)."""
        self._stop_requested = True


SessionRunValues = collections.namedtuple(
    "SessionRunValues", ["results", "options", "run_metadata"]
)
SessionRunValues.__doc__ = (
    "What a hook's ``SessionRunArgs`` fetched, with the run's options and metadata."
)
