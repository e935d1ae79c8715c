"""``tf.train.ProfilerHook``: every N steps or seconds, trace one run and save it as a Chrome
trace (``timeline-<step>.json``, for chrome://tracing or ui.perfetto.dev) and as run metadata
in the directory's event file (TensorBoard's per-node compute time and memory).

The hook asks for ``FULL_TRACE`` only on the runs its timer selects, so the other steps run
untraced; the first run only starts the timer, as TensorFlow's does.

    >>> import os, tempfile
    >>> import teachflow as tf
    >>> logdir = tempfile.mkdtemp()
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.assign_add(step, 1)
    >>> hook = tf.train.ProfilerHook(save_steps=2, output_dir=logdir)
    >>> with tf.train.MonitoredSession(hooks=[hook]) as sess:
    ...     for _ in range(5):
    ...         _ = sess.run(train)
    >>> sorted(f for f in os.listdir(logdir) if f.startswith("timeline"))
    ['timeline-2.json', 'timeline-4.json']
    >>> tf.summary.FileWriterCache.clear()
"""

from __future__ import annotations

import logging
import os

from teachflow.client import timeline
from teachflow.runtime.config import RunOptions
from teachflow.summary.writer_cache import FileWriterCache
from teachflow.train.basic_session_run_hooks import SecondOrStepTimer, _require_global_step
from teachflow.train.session_run_hook import SessionRunArgs, SessionRunHook

__all__ = ["ProfilerHook"]

_log = logging.getLogger("tensorflow")


class ProfilerHook(SessionRunHook):
    """Saves a timeline of one step every ``save_steps`` steps or ``save_secs`` seconds
    (exactly one) to ``output_dir/timeline-<global step>.json``; ``show_dataflow`` draws the
    tensors' flow between ops, ``show_memory`` the allocators' memory."""

    def __init__(
        self, save_steps=None, save_secs=None, output_dir="", show_dataflow=True, show_memory=False
    ):
        self._output_file = os.path.join(output_dir, "timeline-{}.json")
        self._file_writer = FileWriterCache.get(output_dir)
        self._show_dataflow = show_dataflow
        self._show_memory = show_memory
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)

    def begin(self):
        self._next_step = None
        self._global_step_tensor = _require_global_step("ProfilerHook")

    def before_run(self, run_context):
        self._request_summary = self._next_step is not None and self._timer.should_trigger_for_step(
            self._next_step
        )
        options = RunOptions(trace_level=RunOptions.FULL_TRACE) if self._request_summary else None
        return SessionRunArgs({"global_step": self._global_step_tensor}, options=options)

    def after_run(self, run_context, run_values):
        stale_global_step = run_values.results["global_step"]
        if self._next_step is None:
            # The timer starts now: the first trace comes N steps or seconds later.
            self._timer.update_last_triggered_step(stale_global_step)
        global_step = stale_global_step + 1
        if self._request_summary:
            global_step = run_context.session.run(self._global_step_tensor)
            self._timer.update_last_triggered_step(global_step)
            self._save(global_step, run_values.run_metadata.step_stats)
            self._file_writer.add_run_metadata(run_values.run_metadata, f"step_{global_step}")
        self._next_step = global_step + 1

    def _save(self, step, step_stats):
        path = self._output_file.format(step)
        _log.info("Saving timeline for %d into '%s'.", step, path)
        trace = timeline.Timeline(step_stats).generate_chrome_trace_format(
            show_dataflow=self._show_dataflow, show_memory=self._show_memory
        )
        with open(path, "w") as f:
            f.write(trace)
