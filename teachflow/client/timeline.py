"""TensorFlow's ``timeline`` module: turn a traced run's step stats into a Chrome trace.

    >>> import teachflow as tf
    >>> from teachflow.client import timeline
    >>> opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    >>> md = tf.RunMetadata()
    >>> _ = tf.Session().run(tf.constant(1.0) + 2.0, options=opts, run_metadata=md)
    >>> trace = timeline.Timeline(md.step_stats).generate_chrome_trace_format()
    >>> '"traceEvents"' in trace
    True

Write the string to a ``.json`` file and open it in chrome://tracing or ui.perfetto.dev.
"""

from __future__ import annotations

from teachflow.trace.chrome import chrome_trace_json


class Timeline:
    """A timeline of one step: ``step_stats`` from a ``RunMetadata`` (teachflow's or
    TensorFlow's message), or a RunMetadata itself or its bytes."""

    def __init__(self, step_stats, graph=None):
        # TensorFlow's StepStats message reads like teachflow's record; its RunMetadata
        # (message or bytes) is opened to its step stats.
        if isinstance(step_stats, (bytes, bytearray)):
            from teachflow.runtime.config import RunMetadata

            step_stats = RunMetadata.FromString(bytes(step_stats)).step_stats
        elif hasattr(step_stats, "step_stats") and not hasattr(step_stats, "dev_stats"):
            step_stats = step_stats.step_stats
        self._step_stats = step_stats
        self._graph = graph

    def generate_chrome_trace_format(self, show_dataflow=True, show_memory=False) -> str:
        return chrome_trace_json(self._step_stats, show_dataflow, show_memory)
